/*
 * afile.c - output files that appear whole or not at all (DESIGN.md: "an interrupted run
 * never leaves a half file that looks whole").
 *
 * The data goes to "<path>.partial" through a 1 MiB stdio buffer (traces are large and
 * written a line at a time); commit flushes, checks the stream's error flag, closes (which
 * can fail too, e.g. on a full disk or NFS) and only then renames over <path>, which POSIX
 * makes atomic. Any failure removes the partial and keeps errno from the failing call.
 * There is no fsync: the guarantee is against an interrupted process, not a power cut.
 */
#include "afile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define AFILE_BUF_BYTES (1u << 20)

static void afile_clear(struct afile *a)
{
	free(a->path);
	free(a->tmp);
	free(a->buf);
	a->f = NULL;
	a->path = a->tmp = a->buf = NULL;
}

int afile_open(struct afile *a, const char *path)
{
	size_t n = strlen(path);
	int err;

	a->f = NULL;
	a->path = malloc(n + 1);
	a->tmp = malloc(n + sizeof(".partial"));
	a->buf = malloc(AFILE_BUF_BYTES);
	if (!a->path || !a->tmp || !a->buf) {
		afile_clear(a);
		errno = ENOMEM;
		return -1;
	}
	memcpy(a->path, path, n + 1);
	memcpy(a->tmp, path, n);
	memcpy(a->tmp + n, ".partial", sizeof(".partial"));
	a->f = fopen(a->tmp, "wb");
	if (!a->f) {
		err = errno;
		afile_clear(a);
		errno = err;
		return -1;
	}
	setvbuf(a->f, a->buf, _IOFBF, AFILE_BUF_BYTES);
	return 0;
}

int afile_commit(struct afile *a)
{
	int err = 0;

	if (!a->f) {
		afile_clear(a);
		errno = EBADF;
		return -1;
	}
	errno = 0;
	if (fflush(a->f) != 0 || ferror(a->f))
		err = errno ? errno : EIO;
	if (fclose(a->f) != 0 && !err)
		err = errno ? errno : EIO;
	a->f = NULL;
	if (!err && rename(a->tmp, a->path) != 0)
		err = errno;
	if (err)
		remove(a->tmp);
	afile_clear(a);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

void afile_abort(struct afile *a)
{
	if (a->f) {
		fclose(a->f);
		a->f = NULL;
		remove(a->tmp);
	}
	afile_clear(a);
}
