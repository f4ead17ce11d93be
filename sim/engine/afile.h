/*
 * afile.h - output files that appear whole or not at all: written under "<path>.partial"
 * and renamed over <path> on commit. An interrupted run leaves no file that looks complete.
 */
#ifndef SIM_ENGINE_AFILE_H
#define SIM_ENGINE_AFILE_H

#include <stdio.h>

struct afile {
	FILE *f;
	char *path;
	char *tmp;
	char *buf; /* private: the FILE's 1 MiB buffer, freed after fclose */
};

/* Zero an afile, so that afile_abort is safe on it before any afile_open. */
#define AFILE_INIT { NULL, NULL, NULL, NULL }

/* 0 ok, -1 with errno set. The FILE has a large buffer. */
int afile_open(struct afile *a, const char *path);
/* Flush, close and rename into place; 0 ok, -1 on any I/O error (the partial is removed). */
int afile_commit(struct afile *a);
/* Close and remove the partial file. Safe on a never-opened or committed afile. */
void afile_abort(struct afile *a);

#endif
