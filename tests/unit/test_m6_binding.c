/*
 * The binding cache and binding update list (src/mip6/binding.c): put, get
 * and delete; many entries sharing chains; growth to 100k entries with the
 * memory per binding reported; pointers that stay valid while the table
 * grows; the size limit; expiry with callbacks (also deleting inside them);
 * walks that stop; the binding update list's limit and order; the
 * retransmission backoff.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "t.h"

#include "binding.h"
#include "mh.h"

static struct in6_addr addr_n(uint32_t n)
{
	struct in6_addr a;

	inet_pton(AF_INET6, "2001:db8:1::", &a);
	a.s6_addr[12] = (uint8_t)(n >> 24);
	a.s6_addr[13] = (uint8_t)(n >> 16);
	a.s6_addr[14] = (uint8_t)(n >> 8);
	a.s6_addr[15] = (uint8_t)n;
	return a;
}

static void test_basic(void)
{
	struct m6_bcache *bc = m6_bcache_new(0);
	struct in6_addr a = addr_n(1), b = addr_n(2);
	struct m6_binding *e, *f;
	bool isnew = false;

	T_OK(bc != NULL, "new cache");
	T_OK(m6_bcache_get(bc, &a) == NULL, "empty: get finds nothing");
	e = m6_bcache_put(bc, &a, &isnew);
	T_OK(e && isnew, "put adds");
	T_OK(e && !memcmp(&e->hoa, &a, 16), "key set");
	T_OK(e && e->seq == 0 && e->expires == 0 && e->pkts_in == 0, "the rest zeroed");
	e->seq = 42;
	e->coa = b;
	f = m6_bcache_put(bc, &a, &isnew);
	T_OK(f == e && !isnew, "put again finds the same entry");
	T_OK(m6_bcache_get(bc, &a) == e && e->seq == 42, "get finds it with its fields");
	T_OK(m6_bcache_put(bc, &b, NULL) != NULL, "isnew may be NULL");
	T_EQ_U(m6_bcache_count(bc), 2, "two entries");
	T_EQ_U(m6_bcache_del(bc, &a), 0, "delete");
	T_EQ_U(m6_bcache_del(bc, &a), -ENOENT, "delete again: -ENOENT");
	T_OK(m6_bcache_get(bc, &a) == NULL, "gone");
	T_OK(m6_bcache_get(bc, &b) != NULL, "the other stays");
	T_EQ_U(m6_bcache_count(bc), 1, "one entry");
	e = m6_bcache_put(bc, &a, &isnew);
	T_OK(e && isnew && e->seq == 0, "re-added entry comes zeroed");
	m6_bcache_free(bc);
	m6_bcache_free(NULL);
	T_OK(1, "free(NULL) is fine");
}

static void test_chains(void)
{
	struct m6_bcache *bc = m6_bcache_new(0);
	int bad = 0;

	/* 1000 entries over 64..1024 buckets: chains of several entries. */
	for (uint32_t i = 0; i < 1000; i++) {
		struct in6_addr a = addr_n(i * 7919);
		struct m6_binding *e = m6_bcache_put(bc, &a, NULL);

		if (!e) {
			bad++;
			continue;
		}
		e->seq = (uint16_t)i;
	}
	T_EQ_U(bad, 0, "1000 puts");
	for (uint32_t i = 0; i < 1000; i += 2) {
		struct in6_addr a = addr_n(i * 7919);

		if (m6_bcache_del(bc, &a))
			bad++;
	}
	T_EQ_U(bad, 0, "every other one deleted");
	for (uint32_t i = 0; i < 1000; i++) {
		struct in6_addr a = addr_n(i * 7919);
		struct m6_binding *e = m6_bcache_get(bc, &a);

		if (i % 2 ? !e || e->seq != i : e != NULL)
			bad++;
	}
	T_EQ_U(bad, 0, "the odd ones found with their data, the even ones gone");
	T_EQ_U(m6_bcache_count(bc), 500, "500 left");

	/* Freed nodes are reused before the pool grows. */
	size_t before = m6_bcache_bytes(bc);

	for (uint32_t i = 0; i < 500; i++) {
		struct in6_addr a = addr_n(1000000 + i);

		if (!m6_bcache_put(bc, &a, NULL))
			bad++;
	}
	T_EQ_U(bad, 0, "500 new ones");
	T_EQ_U(m6_bcache_bytes(bc), before, "placed in the freed nodes: no new memory");
	m6_bcache_free(bc);
}

static void test_limit(void)
{
	struct m6_bcache *bc = m6_bcache_new(10);
	struct in6_addr a;
	int ok = 0;

	for (uint32_t i = 0; i < 10; i++) {
		a = addr_n(i);
		ok += m6_bcache_put(bc, &a, NULL) != NULL;
	}
	T_EQ_U(ok, 10, "10 entries fit a cache of 10");
	a = addr_n(10);
	T_OK(m6_bcache_put(bc, &a, NULL) == NULL, "the 11th is refused (BA status 130)");
	a = addr_n(3);
	T_OK(m6_bcache_put(bc, &a, NULL) != NULL, "an existing one is still found by put");
	m6_bcache_del(bc, &a);
	a = addr_n(10);
	T_OK(m6_bcache_put(bc, &a, NULL) != NULL, "after a delete there is room again");
	m6_bcache_free(bc);
}

static void test_100k(void)
{
	struct m6_bcache *bc = m6_bcache_new(0);
	struct in6_addr first = addr_n(0);
	struct m6_binding *e0 = m6_bcache_put(bc, &first, NULL);
	size_t bytes;
	int bad = 0;

	e0->lifetime = 12345;
	for (uint32_t i = 1; i < 100000; i++) {
		struct in6_addr a = addr_n(i);
		struct m6_binding *e = m6_bcache_put(bc, &a, NULL);

		if (!e) {
			bad++;
			continue;
		}
		e->lifetime = i;
	}
	T_EQ_U(bad, 0, "100k puts");
	T_EQ_U(m6_bcache_count(bc), 100000, "100k entries");
	T_OK(m6_bcache_get(bc, &first) == e0 && e0->lifetime == 12345,
	     "a pointer taken before the growth still points at its entry");
	for (uint32_t i = 1; i < 100000; i++) {
		struct in6_addr a = addr_n(i);
		struct m6_binding *e = m6_bcache_get(bc, &a);

		if (!e || e->lifetime != i)
			bad++;
	}
	T_EQ_U(bad, 0, "all 100k found after the table grew");
	bytes = m6_bcache_bytes(bc);
	printf("# binding cache: %zu bytes for 100000 bindings, %.1f bytes per binding "
	       "(struct m6_binding %zu)\n", bytes, bytes / 100000.0, sizeof(struct m6_binding));
	T_OK(bytes / 100000.0 <= 160, "at most 160 bytes per binding (%.1f)", bytes / 100000.0);
	T_OK(bytes / 100000.0 <= 128, "within the 128-byte aim (%.1f)", bytes / 100000.0);
	m6_bcache_free(bc);
}

struct exp_ctx {
	int calls;
	int bad;
	struct m6_bcache *bc;
	double now;
};

static void on_expire(void *ctx, const struct m6_binding *b)
{
	struct exp_ctx *x = ctx;

	x->calls++;
	if (b->expires > x->now)
		x->bad++;
}

/* Deletes the entry's neighbour (hoa + 1) as well as seeing it go. */
static void on_expire_del(void *ctx, const struct m6_binding *b)
{
	struct exp_ctx *x = ctx;
	struct in6_addr n = b->hoa;

	x->calls++;
	n.s6_addr[15]++;
	m6_bcache_del(x->bc, &n);
}

static void test_expire(void)
{
	struct m6_bcache *bc = m6_bcache_new(0);
	struct exp_ctx x = { 0 };
	int bad = 0;

	for (uint32_t i = 0; i < 100; i++) {
		struct in6_addr a = addr_n(i);
		struct m6_binding *e = m6_bcache_put(bc, &a, NULL);

		e->expires = 100 + i;	/* 100 .. 199 */
	}
	x.now = 149;
	T_EQ_U(m6_bcache_expire(bc, 149, on_expire, &x), 50, "50 expire at 149 (expires <= now)");
	T_EQ_U(x.calls, 50, "callback once per expired entry");
	T_EQ_U(x.bad, 0, "only entries whose time had come");
	T_EQ_U(m6_bcache_count(bc), 50, "50 left");
	for (uint32_t i = 0; i < 100; i++) {
		struct in6_addr a = addr_n(i);

		if ((m6_bcache_get(bc, &a) != NULL) != (i >= 50))
			bad++;
	}
	T_EQ_U(bad, 0, "the right ones left");
	T_EQ_U(m6_bcache_expire(bc, 149, NULL, NULL), 0, "nothing more at 149 (NULL callback)");
	T_EQ_U(m6_bcache_expire(bc, 150, NULL, NULL), 1, "one at 150");

	/* A callback that deletes other entries. */
	x.calls = 0;
	x.bc = bc;
	/* 51..99 are left, in pool order: the callback for 51 deletes 52, and so on. */
	T_EQ_U(m6_bcache_expire(bc, 1000, on_expire_del, &x), 25,
	       "expiry with a callback deleting the next entry removes 25 itself");
	T_EQ_U(x.calls, 25, "callback only for entries still there");
	T_EQ_U(m6_bcache_count(bc), 0, "all gone");
	m6_bcache_free(bc);
}

struct walk_ctx {
	int seen, stop_at;
	struct m6_bcache *bc;
};

static int walk_cb(void *ctx, struct m6_binding *b)
{
	struct walk_ctx *w = ctx;

	(void)b;
	return ++w->seen == w->stop_at ? 7 : 0;
}

static int walk_del(void *ctx, struct m6_binding *b)
{
	struct walk_ctx *w = ctx;

	w->seen++;
	return m6_bcache_del(w->bc, &b->hoa);
}

static void test_walk(void)
{
	struct m6_bcache *bc = m6_bcache_new(0);
	struct walk_ctx w = { 0 };

	for (uint32_t i = 0; i < 20; i++) {
		struct in6_addr a = addr_n(i);

		m6_bcache_put(bc, &a, NULL);
	}
	T_EQ_U(m6_bcache_walk(bc, walk_cb, &w), 0, "full walk returns 0");
	T_EQ_U(w.seen, 20, "sees all 20");
	w.seen = 0;
	w.stop_at = 5;
	T_EQ_U(m6_bcache_walk(bc, walk_cb, &w), 7, "walk returns the callback's value");
	T_EQ_U(w.seen, 5, "and stops there");
	w.seen = 0;
	w.bc = bc;
	T_EQ_U(m6_bcache_walk(bc, walk_del, &w), 0, "a walk that deletes as it goes");
	T_EQ_U(w.seen, 20, "sees all 20");
	T_EQ_U(m6_bcache_count(bc), 0, "and empties the cache");
	m6_bcache_free(bc);
}

static void test_bul(void)
{
	static struct m6_bul l;
	struct m6_bul_entry *e;
	struct in6_addr a;
	int ok = 0;

	for (uint32_t i = 0; i < M6_BUL_MAX; i++) {
		a = addr_n(100 + i);
		e = m6_bul_put(&l, &a);
		if (e && !memcmp(&e->peer, &a, 16) && e->state == M6_BUL_IDLE) {
			e->seq = (uint16_t)i;
			ok++;
		}
	}
	T_EQ_U(ok, M6_BUL_MAX, "64 peers");
	a = addr_n(99);
	T_OK(m6_bul_put(&l, &a) == NULL, "the 65th: full");
	a = addr_n(110);
	e = m6_bul_get(&l, &a);
	T_OK(e && e->seq == 10, "get");
	T_OK(m6_bul_put(&l, &a) == e, "put of a known peer finds it");
	m6_bul_del(&l, &a);
	T_EQ_U(l.n, M6_BUL_MAX - 1, "63 left");
	T_OK(m6_bul_get(&l, &a) == NULL, "deleted");
	T_OK(l.e[9].seq == 9 && l.e[10].seq == 11 && l.e[62].seq == 63, "order kept");
	m6_bul_del(&l, &a);
	T_EQ_U(l.n, M6_BUL_MAX - 1, "deleting an unknown peer changes nothing");
	a = addr_n(99);
	e = m6_bul_put(&l, &a);
	T_OK(e == &l.e[63] && e->seq == 0, "room again, entry zeroed");
}

static void test_backoff(void)
{
	double t = 0;
	char seq[128];
	size_t n = 0;

	for (int i = 0; i < 8; i++) {
		t = m6_backoff(t, M6_INITIAL_BINDACK_TIMEOUT_FIRST_REG);
		n += (size_t)snprintf(seq + n, sizeof(seq) - n, "%s%g", i ? " " : "", t);
	}
	T_EQ_S(seq, "1.5 3 6 12 24 32 32 32", "first registration: 1.5 s doubling to 32 s");
	t = 0;
	n = 0;
	for (int i = 0; i < 8; i++) {
		t = m6_backoff(t, M6_INITIAL_BINDACK_TIMEOUT);
		n += (size_t)snprintf(seq + n, sizeof(seq) - n, "%s%g", i ? " " : "", t);
	}
	T_EQ_S(seq, "1 2 4 8 16 32 32 32", "1 s doubling to 32 s");
	T_EQ_U(m6_backoff(20, 1) * 10, 320, "capped at MAX_BINDACK_TIMEOUT");
	T_EQ_U(m6_backoff(0, 0) * 10, 10, "no first timeout: INITIAL_BINDACK_TIMEOUT");
}

int main(void)
{
	test_basic();
	test_chains();
	test_limit();
	test_100k();
	test_expire();
	test_walk();
	test_bul();
	test_backoff();
	return t_done();
}
