/*
 * plog.c - partition log as an array of batches with a moving head (retention drops from the
 * front, truncation from the back) and a leader-epoch cache, as kafka.log.UnifiedLog and
 * LeaderEpochFileCache keep them. Invariants: batches are contiguous (b[i+1].base ==
 * b[i].base + b[i].count), log_start <= leo, epochs in the cache strictly increase with
 * non-decreasing start offsets.
 */
#include "plog.h"

#include <stdlib.h>
#include <string.h>
#include "xmem.h"

void plog_init(struct plog *l)
{
	memset(l, 0, sizeof(*l));
	l->last_epoch = -1;
}

void plog_release(struct plog *l)
{
	free(l->b);
	free(l->ec);
	plog_init(l);
}

static void plog__compact(struct plog *l)
{
	/* Slide live batches to the front once the dead head is at least half the array. */
	if (l->head == 0 || l->head < l->n / 2)
		return;
	memmove(l->b, l->b + l->head, (l->n - l->head) * sizeof(*l->b));
	l->n -= l->head;
	l->head = 0;
}

static void plog__note_epoch(struct plog *l, int32_t epoch, int64_t start)
{
	if (l->n_ec && l->last_epoch >= epoch)
		return;
	if (l->n_ec == l->cap_ec) {
		l->cap_ec = l->cap_ec ? 2 * l->cap_ec : 4;
		l->ec = xrealloc(l->ec, l->cap_ec * sizeof(*l->ec));
	}
	l->ec[l->n_ec].epoch = epoch;
	l->ec[l->n_ec].start = start;
	l->n_ec++;
	l->last_epoch = epoch;
}

void plog_begin_epoch(struct plog *l, int32_t epoch)
{
	plog__note_epoch(l, epoch, l->leo);
}

/* Does proto continue the last batch, so that one batch can hold both? */
static int plog__continues(const struct plog *l, const struct batch *p)
{
	const struct batch *t = &l->tail;
	return l->n > l->head && t->producer >= 0 && t->producer == p->producer &&
	       t->producer_epoch == p->producer_epoch && t->epoch == p->epoch &&
	       t->first_seq + t->count == p->first_seq &&
	       t->proto_seq + t->count == p->proto_seq &&
	       p->append_ns - t->first_append_ns < PLOG_MERGE_SPAN_NS &&
	       (int64_t)t->count + p->count < INT32_MAX / 2;
}

int64_t plog_append(struct plog *l, const struct batch *proto)
{
	int64_t base = l->leo;
	plog__note_epoch(l, proto->epoch, base);
	l->leo += proto->count;
	l->bytes += proto->bytes;
	if (plog__continues(l, proto)) {
		struct batch *t = &l->tail;
		t->count += proto->count;
		t->bytes += proto->bytes;
		t->last_create_ns = proto->last_create_ns;
		t->append_ns = proto->append_ns;
		return base;
	}
	/* the array gets the last batch and keeps a slot for the new one */
	if (l->n + 1 > l->cap) {
		plog__compact(l);
		if (l->n + 1 > l->cap) {
			l->cap = l->cap ? 2 * l->cap : 16;
			l->b = xrealloc(l->b, l->cap * sizeof(*l->b));
		}
	}
	if (l->n > l->head)
		l->b[l->n - 1] = l->tail;
	l->n++;
	l->tail = *proto;
	l->tail.base = base;
	return base;
}

size_t plog_find(const struct plog *l, int64_t offset)
{
	if (offset >= l->leo || offset < l->log_start || l->n == l->head)
		return (size_t)-1;
	/* most look-ups are near the end (followers and consumers keeping up) */
	for (size_t i = l->n, k = 0; i > l->head && k < 4; i--, k++) {
		const struct batch *b = plog_batch(l, i - 1);
		if (offset >= b->base)
			return offset < b->base + b->count ? i - 1 : (size_t)-1;
	}
	size_t lo = l->head, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct batch *b = plog_batch(l, mid);
		if (offset < b->base)
			hi = mid;
		else if (offset >= b->base + b->count)
			lo = mid + 1;
		else
			return mid;
	}
	return (size_t)-1;
}

int64_t plog_truncate_to(struct plog *l, int64_t offset)
{
	if (offset >= l->leo)
		return 0;
	if (offset < l->log_start)
		offset = l->log_start;
	int64_t removed = l->leo - offset;
	while (l->n > l->head && l->tail.base >= offset) {
		l->bytes -= l->tail.bytes;
		l->n--;
		if (l->n > l->head)
			l->tail = l->b[l->n - 1];
	}
	if (l->n > l->head && offset - l->tail.base < l->tail.count) {
		int64_t old_bytes = l->tail.bytes;
		plog_slice(&l->tail, l->tail.base, offset);
		l->bytes -= old_bytes - l->tail.bytes;
	}
	l->leo = offset;
	if (l->flushed > offset)
		l->flushed = offset;
	/* Epochs that start at or after the new end are forgotten (LeaderEpochFileCache
	 * truncateFromEnd). */
	while (l->n_ec && l->ec[l->n_ec - 1].start >= offset)
		l->n_ec--;
	l->last_epoch = l->n_ec ? l->ec[l->n_ec - 1].epoch : -1;
	return removed;
}

void plog_advance_start(struct plog *l, int64_t offset)
{
	if (offset > l->leo)
		offset = l->leo;
	while (l->head < l->n) {
		const struct batch *b = plog_batch(l, l->head);
		if (b->base + b->count > offset)
			break;
		l->bytes -= b->bytes;
		l->head++;
	}
	if (offset > l->log_start)
		l->log_start = offset;
	if (l->head == l->n && l->n) {
		l->head = l->n = 0;
	}
}

int64_t plog_epoch_start(const struct plog *l, int32_t epoch)
{
	for (size_t i = l->n_ec; i-- > 0;)
		if (l->ec[i].epoch == epoch)
			return l->ec[i].start;
	return -1;
}

int64_t plog_end_offset_for_epoch(const struct plog *l, int32_t epoch, int32_t *epoch_out)
{
	for (size_t i = l->n_ec; i-- > 0;) {
		if (l->ec[i].epoch <= epoch) {
			*epoch_out = l->ec[i].epoch;
			return i + 1 < l->n_ec ? l->ec[i + 1].start : l->leo;
		}
	}
	*epoch_out = -1;
	return -1;
}

void plog_reset_to(struct plog *l, int64_t offset)
{
	l->head = l->n = 0;
	l->bytes = 0;
	l->n_ec = 0;
	l->last_epoch = -1;
	l->log_start = l->leo = l->flushed = offset;
}
