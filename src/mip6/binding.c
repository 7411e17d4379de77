/*
 * The binding cache and the binding update list. The cache is a chained
 * hash table of 32-bit node numbers, keyed by the home address under
 * SipHash-1-3 with a random key (so that a sender cannot choose home
 * addresses that pile into one chain); the nodes come from a pool of
 * fixed-size chunks that never moves, so a struct m6_binding pointer stays
 * valid until its entry is deleted, and freed nodes are reused first. About
 * 112 bytes a node plus 4 to 8 bytes of table per entry. Expiry is a walk
 * over the pool (a few hundred microseconds at 100k entries), as entries'
 * expiry times are rewritten in place by their users. The binding update
 * list is a small array searched linearly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "binding.h"
#include "mh.h"

#define CHUNK_SHIFT 8
#define CHUNK (1u << CHUNK_SHIFT)	/* nodes per pool chunk */
#define NIL 0u				/* node numbers are index + 1 */
#define MAX_NODES (UINT32_MAX - CHUNK)

struct node {
	struct m6_binding b;
	uint32_t next;	/* in the hash chain, or in the free list */
	uint8_t used;
};

struct m6_bcache {
	uint64_t key[2];
	uint32_t *head;		/* nbuckets chain heads */
	uint32_t nbuckets;	/* a power of two */
	struct node **chunk;
	size_t nchunks, chunk_cap;
	uint32_t top;		/* nodes handed out from the pool so far */
	uint32_t free;		/* free list */
	size_t count, max;
};

/* ---- SipHash-1-3 of one 16-byte key ---- */

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return x << b | x >> (64 - b);
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static uint64_t addr_hash(const uint64_t key[2], const struct in6_addr *a)
{
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
		key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull,
	};
	uint64_t m[3] = { load_le64(a->s6_addr), load_le64(a->s6_addr + 8), 16ull << 56 };

	for (int i = 0; i < 3; i++) {
		v[3] ^= m[i];
		sip_round(v);
		v[0] ^= m[i];
	}
	v[2] ^= 0xff;
	for (int i = 0; i < 3; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* ---- the pool ---- */

static inline struct node *node_at(const struct m6_bcache *bc, uint32_t n)
{
	return &bc->chunk[(n - 1) >> CHUNK_SHIFT][(n - 1) & (CHUNK - 1)];
}

static uint32_t node_alloc(struct m6_bcache *bc)
{
	uint32_t n;

	if (bc->free != NIL) {
		n = bc->free;
		bc->free = node_at(bc, n)->next;
		return n;
	}
	if (bc->top >= MAX_NODES)
		return NIL;
	if ((bc->top >> CHUNK_SHIFT) >= bc->nchunks) {
		struct node *c;

		if (bc->nchunks == bc->chunk_cap) {
			size_t cap = bc->chunk_cap ? bc->chunk_cap * 2 : 16;
			struct node **nc = realloc(bc->chunk, cap * sizeof(*nc));

			if (!nc)
				return NIL;
			bc->chunk = nc;
			bc->chunk_cap = cap;
		}
		c = malloc(CHUNK * sizeof(*c));
		if (!c)
			return NIL;
		bc->chunk[bc->nchunks++] = c;
	}
	n = ++bc->top;
	node_at(bc, n)->used = 0;	/* fresh from malloc: not yet in use */
	return n;
}

static inline uint32_t bucket_of(const struct m6_bcache *bc, const struct in6_addr *a)
{
	return (uint32_t)addr_hash(bc->key, a) & (bc->nbuckets - 1);
}

/* Doubles the table; on failure the old one stays (only chains get longer). */
static void grow(struct m6_bcache *bc)
{
	uint32_t nb = bc->nbuckets * 2;
	uint32_t *h;

	if (nb > (1u << 30))
		return;
	h = calloc(nb, sizeof(*h));
	if (!h)
		return;
	free(bc->head);
	bc->head = h;
	bc->nbuckets = nb;
	for (uint32_t n = 1; n <= bc->top; n++) {
		struct node *e = node_at(bc, n);
		uint32_t k;

		if (!e->used)
			continue;
		k = bucket_of(bc, &e->b.hoa);
		e->next = h[k];
		h[k] = n;
	}
}

struct m6_bcache *m6_bcache_new(size_t max_entries)
{
	struct m6_bcache *bc = calloc(1, sizeof(*bc));

	if (!bc)
		return NULL;
	bc->max = max_entries && max_entries < MAX_NODES ? max_entries : MAX_NODES;
	bc->nbuckets = 64;
	bc->head = calloc(bc->nbuckets, sizeof(*bc->head));
	if (!bc->head) {
		free(bc);
		return NULL;
	}
	if (getrandom(bc->key, sizeof(bc->key), GRND_NONBLOCK) != (ssize_t)sizeof(bc->key)) {
		/* No entropy yet (early boot): a key from the clocks is still
		 * unknown to remote senders to the precision that matters. */
		struct timespec a, b;

		clock_gettime(CLOCK_REALTIME, &a);
		clock_gettime(CLOCK_MONOTONIC, &b);
		bc->key[0] = (uint64_t)a.tv_sec * 1000000007ull ^ (uint64_t)a.tv_nsec;
		bc->key[1] = (uint64_t)b.tv_nsec << 32 ^ (uint64_t)b.tv_sec ^ (uintptr_t)bc;
	}
	return bc;
}

void m6_bcache_free(struct m6_bcache *bc)
{
	if (!bc)
		return;
	for (size_t i = 0; i < bc->nchunks; i++)
		free(bc->chunk[i]);
	free(bc->chunk);
	free(bc->head);
	free(bc);
}

struct m6_binding *m6_bcache_get(struct m6_bcache *bc, const struct in6_addr *hoa)
{
	for (uint32_t n = bc->head[bucket_of(bc, hoa)]; n != NIL;) {
		struct node *e = node_at(bc, n);

		if (!memcmp(&e->b.hoa, hoa, sizeof(*hoa)))
			return &e->b;
		n = e->next;
	}
	return NULL;
}

struct m6_binding *m6_bcache_put(struct m6_bcache *bc, const struct in6_addr *hoa, bool *isnew)
{
	struct m6_binding *b = m6_bcache_get(bc, hoa);
	struct node *e;
	uint32_t n, k;

	if (isnew)
		*isnew = false;
	if (b)
		return b;
	if (bc->count >= bc->max)
		return NULL;
	if (bc->count >= bc->nbuckets)
		grow(bc);
	n = node_alloc(bc);
	if (n == NIL)
		return NULL;
	e = node_at(bc, n);
	memset(e, 0, sizeof(*e));
	e->b.hoa = *hoa;
	e->used = 1;
	k = bucket_of(bc, hoa);
	e->next = bc->head[k];
	bc->head[k] = n;
	bc->count++;
	if (isnew)
		*isnew = true;
	return &e->b;
}

int m6_bcache_del(struct m6_bcache *bc, const struct in6_addr *hoa)
{
	uint32_t *link = &bc->head[bucket_of(bc, hoa)];

	while (*link != NIL) {
		uint32_t n = *link;
		struct node *e = node_at(bc, n);

		if (!memcmp(&e->b.hoa, hoa, sizeof(*hoa))) {
			*link = e->next;
			e->used = 0;
			e->next = bc->free;
			bc->free = n;
			bc->count--;
			return 0;
		}
		link = &e->next;
	}
	return -ENOENT;
}

size_t m6_bcache_count(const struct m6_bcache *bc)
{
	return bc->count;
}

size_t m6_bcache_bytes(const struct m6_bcache *bc)
{
	return sizeof(*bc) + (size_t)bc->nbuckets * sizeof(*bc->head) +
	       bc->chunk_cap * sizeof(*bc->chunk) + bc->nchunks * CHUNK * sizeof(struct node);
}

/* Over the pool rather than the chains, so that cb may delete entries
 * (its own or others) without upsetting the walk. */
int m6_bcache_walk(struct m6_bcache *bc, int (*cb)(void *ctx, struct m6_binding *b), void *ctx)
{
	for (uint32_t n = 1; n <= bc->top; n++) {
		struct node *e = node_at(bc, n);
		int rc;

		if (!e->used)
			continue;
		rc = cb(ctx, &e->b);
		if (rc)
			return rc;
	}
	return 0;
}

size_t m6_bcache_expire(struct m6_bcache *bc, double now,
			void (*cb)(void *ctx, const struct m6_binding *b), void *ctx)
{
	uint32_t top = bc->top;	/* entries cb adds are not looked at */
	size_t gone = 0;

	for (uint32_t n = 1; n <= top; n++) {
		struct node *e = node_at(bc, n);

		if (!e->used || e->b.expires > now)
			continue;
		if (cb)
			cb(ctx, &e->b);
		/* cb may have deleted it already. */
		if (e->used && !m6_bcache_del(bc, &e->b.hoa))
			gone++;
	}
	return gone;
}

/* ---- binding update list ---- */

struct m6_bul_entry *m6_bul_get(struct m6_bul *l, const struct in6_addr *peer)
{
	for (size_t i = 0; i < l->n && i < M6_BUL_MAX; i++)
		if (!memcmp(&l->e[i].peer, peer, sizeof(*peer)))
			return &l->e[i];
	return NULL;
}

struct m6_bul_entry *m6_bul_put(struct m6_bul *l, const struct in6_addr *peer)
{
	struct m6_bul_entry *e = m6_bul_get(l, peer);

	if (e)
		return e;
	if (l->n >= M6_BUL_MAX)
		return NULL;
	e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	e->peer = *peer;
	return e;
}

/* Keeps the order of the others (the list is shown in it); pointers to
 * entries after the deleted one move down by one. */
void m6_bul_del(struct m6_bul *l, const struct in6_addr *peer)
{
	struct m6_bul_entry *e = m6_bul_get(l, peer);
	size_t i;

	if (!e)
		return;
	i = (size_t)(e - l->e);
	memmove(e, e + 1, (l->n - i - 1) * sizeof(*e));
	l->n--;
	memset(&l->e[l->n], 0, sizeof(l->e[0]));
}

double m6_backoff(double cur, double first)
{
	double next = cur > 0 ? cur * 2 : first;

	if (next > M6_MAX_BINDACK_TIMEOUT)
		next = M6_MAX_BINDACK_TIMEOUT;
	if (!(next > 0))
		next = M6_INITIAL_BINDACK_TIMEOUT;
	return next;
}
