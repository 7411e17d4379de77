/*
 * The connection table and the packet path through it. Entries live in one
 * array allocated at creation (max_entries of them, 160 bytes each, pages
 * touched only when used), so tracking never allocates per packet.
 *
 * Index: one hash table of 32-bit entry indices with chains threaded
 * through the entries. An entry is hashed once, under a key that both of
 * its directions give (the endpoints in a fixed order, ICMP query types
 * folded onto the request), so a lookup in either direction finds it with
 * one SipHash-2-4 under a random key; the direction then comes from
 * comparing the tuple with the entry's original and reply tuples.
 *
 * Expiry: a timer wheel of 1024 slots of 2^30 ns (about a second), lists
 * threaded through the entries. Refreshing an entry only rewrites its
 * expiry time; it is moved when its slot comes round, or at once when its
 * timeout got shorter, so a packet costs no list work. ct_process opens a
 * few past slots and handles a few entries each call; lookups treat
 * entries past their time as gone in the meantime.
 *
 * Also here: the size limit with early drop, expectations, events,
 * statistics, and the calls that read and change the table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#include "ct_int.h"
#include "reasm.h"
#include "wbuf.h"

#define NIL UINT32_MAX
#define NS 1000000000ull

#define WHEEL_SLOTS 1024u
#define WHEEL_SHIFT 30
#define PENDING WHEEL_SLOTS /* sentinel of the list being expired */

#define EXPIRE_BUDGET 16 /* entries handled per ct_process */
#define EXPIRE_SLOTS 4	 /* wheel slots opened per ct_process */
#define EARLY_DROP_SCAN 64
#define MAX_SUBS 8
#define MAX_ENTRIES (1u << 28)

/* link[] of an entry */
#define L_HASH 0
#define L_NEXT 1
#define L_PREV 2

_Static_assert(sizeof(struct ct_entry) == 160, "struct ct_entry grew past 160 bytes");

struct wlink {
	uint32_t next, prev;
};

struct xslot {
	struct ct_expect x;
	uint32_t master_idx;
	bool used;
};

struct sub {
	ct_event_fn fn;
	void *arg;
	unsigned mask;
};

struct ct_table {
	struct ct_config cfg;
	struct ct_entry *e;
	uint32_t max, hiwater, freelist, count;
	uint32_t *bucket;
	uint32_t bmask;
	uint64_t key[2];
	uint32_t next_id;
	uint64_t now;
	bool clock_set;

	struct wlink *ws; /* WHEEL_SLOTS slot sentinels, then PENDING */
	uint64_t wtick;	  /* slots of the ticks below are done */

	struct xslot *xs;
	uint32_t nx;

	struct sub subs[MAX_SUBS];
	unsigned evmask;

	struct pkt_reasm *reasm;
	struct pkt_wbuf rbuf;

	struct ct_stats st;
	const struct ct_l4proto *l4[256];
};

/* ---- configuration ---- */

static const struct ct_timeouts default_to = {
	.tcp = {
		[CT_TCP_SYN_SENT] = 120,
		[CT_TCP_SYN_RECV] = 60,
		[CT_TCP_ESTABLISHED] = 432000,
		[CT_TCP_FIN_WAIT] = 120,
		[CT_TCP_CLOSE_WAIT] = 60,
		[CT_TCP_LAST_ACK] = 30,
		[CT_TCP_TIME_WAIT] = 120,
		[CT_TCP_CLOSE] = 10,
		[CT_TCP_SYN_SENT2] = 120,
	},
	.tcp_unack = 300,
	.tcp_retrans = 300,
	.udp = 30,
	.udp_stream = 120,
	.icmp = 30,
	.icmpv6 = 30,
	.generic = 600,
};

void ct_config_defaults(struct ct_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_entries = 65536;
	c->to = default_to;
	c->tcp_max_retrans = 3;
	c->tcp_loose = true; /* nf_conntrack_tcp_loose defaults to 1 */
	c->frag_timeout = 60;
	c->frag_max_bytes = 4u << 20;
	c->max_expect = 256;
}

static void fill(uint32_t *v, uint32_t def)
{
	if (!*v)
		*v = def;
}

static void config_complete(struct ct_config *c)
{
	for (int i = 0; i < CT_TCP_MAX; i++)
		fill(&c->to.tcp[i], default_to.tcp[i]);
	fill(&c->to.tcp_unack, default_to.tcp_unack);
	fill(&c->to.tcp_retrans, default_to.tcp_retrans);
	fill(&c->to.udp, default_to.udp);
	fill(&c->to.udp_stream, default_to.udp_stream);
	fill(&c->to.icmp, default_to.icmp);
	fill(&c->to.icmpv6, default_to.icmpv6);
	fill(&c->to.generic, default_to.generic);
	fill(&c->max_entries, 65536);
	fill(&c->frag_timeout, 60);
	fill(&c->frag_max_bytes, 4u << 20);
	fill(&c->max_expect, 256);
	if (!c->buckets)
		c->buckets = c->max_entries;
	if (c->buckets > MAX_ENTRIES)
		c->buckets = MAX_ENTRIES;
	/* a power of 2, for the mask */
	uint32_t b = 1;
	while (b < c->buckets)
		b <<= 1;
	c->buckets = b;
}

const struct ct_config *ct_table_config(const struct ct_table *t)
{
	return &t->cfg;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void seed_key(struct ct_table *t)
{
	uint64_t s = t->cfg.seed;

	if (!s && getrandom(t->key, sizeof(t->key), GRND_NONBLOCK) == (ssize_t)sizeof(t->key))
		return;
	if (!s) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = ((uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec) ^ (uint64_t)(uintptr_t)t;
	}
	t->key[0] = splitmix(&s);
	t->key[1] = splitmix(&s);
}

/* ---- tuples ---- */

void ct_tuple_invert(const struct ct_tuple *in, struct ct_tuple *out)
{
	struct ct_tuple r = *in;
	uint8_t type;

	r.src = in->dst;
	r.dst = in->src;
	if (ct_is_icmp(in->l3, in->proto)) {
		if (ct_icmp_pair(in->l3, in->type, &type))
			r.type = type;
	} else {
		r.sport = in->dport;
		r.dport = in->sport;
	}
	*out = r;
}

static inline bool addr_eq(const union ct_addr *a, const union ct_addr *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1] && a->w[2] == b->w[2] &&
	       a->w[3] == b->w[3];
}

static inline bool tuple_eq(const struct ct_tuple *a, const struct ct_tuple *b)
{
	return addr_eq(&a->src, &b->src) && addr_eq(&a->dst, &b->dst) && a->sport == b->sport &&
	       a->dport == b->dport && a->l3 == b->l3 && a->proto == b->proto &&
	       a->type == b->type && a->code == b->code && a->zone == b->zone;
}

/* Whether k is the reply tuple of o, without building it. */
static inline bool tuple_eq_reply(const struct ct_tuple *k, const struct ct_tuple *o)
{
	uint8_t type;

	if (!addr_eq(&k->src, &o->dst) || !addr_eq(&k->dst, &o->src) || k->l3 != o->l3 ||
	    k->proto != o->proto || k->zone != o->zone || k->code != o->code)
		return false;
	if (ct_is_icmp(o->l3, o->proto)) {
		if (!ct_icmp_pair(o->l3, o->type, &type))
			type = o->type;
		return k->sport == o->sport && k->dport == o->dport && k->type == type;
	}
	return k->sport == o->dport && k->dport == o->sport && k->type == o->type;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The hash both directions of a connection give. */
static uint64_t tuple_hash(const struct ct_tuple *tu, const uint64_t key[2])
{
	uint8_t k[44];
	const union ct_addr *a = &tu->src, *b = &tu->dst;
	uint16_t pa = tu->sport, pb = tu->dport;
	uint8_t type = tu->type, other;
	int c = memcmp(a, b, sizeof(*a));

	if (ct_is_icmp(tu->l3, tu->proto)) {
		/* the lower of the pair stands for both */
		if (ct_icmp_pair(tu->l3, type, &other) && other < type)
			type = other;
		if (c > 0) {
			a = &tu->dst;
			b = &tu->src;
		}
	} else if (c > 0 || (c == 0 && pa > pb)) {
		a = &tu->dst;
		b = &tu->src;
		pa = tu->dport;
		pb = tu->sport;
	}
	memcpy(k, a, 16);
	memcpy(k + 16, b, 16);
	put16(k + 32, pa);
	put16(k + 34, pb);
	k[36] = tu->l3;
	k[37] = tu->proto;
	k[38] = type;
	k[39] = tu->code;
	put16(k + 40, tu->zone);
	k[42] = k[43] = 0;
	return ct_siphash(key, k, sizeof(k));
}

/* ---- events ---- */

static void emit(struct ct_table *t, enum ct_event ev, const struct ct_entry *e)
{
	if (!(t->evmask & (unsigned)ev))
		return;
	for (int i = 0; i < MAX_SUBS; i++)
		if (t->subs[i].fn && (t->subs[i].mask & (unsigned)ev))
			t->subs[i].fn(t->subs[i].arg, ev, e);
}

int ct_subscribe(struct ct_table *t, unsigned mask, ct_event_fn fn, void *arg)
{
	if (!t || !fn)
		return -EINVAL;
	for (int i = 0; i < MAX_SUBS; i++) {
		if (t->subs[i].fn)
			continue;
		t->subs[i] = (struct sub){ fn, arg, mask };
		t->evmask |= mask;
		return i;
	}
	return -ENOSPC;
}

void ct_unsubscribe(struct ct_table *t, int handle)
{
	if (!t || handle < 0 || handle >= MAX_SUBS)
		return;
	t->subs[handle].fn = NULL;
	t->evmask = 0;
	for (int i = 0; i < MAX_SUBS; i++)
		if (t->subs[i].fn)
			t->evmask |= t->subs[i].mask;
}

/* ---- the wheel ---- */

static inline uint32_t *wnext(struct ct_table *t, uint32_t i)
{
	return i < t->max ? &t->e[i].link[L_NEXT] : &t->ws[i - t->max].next;
}

static inline uint32_t *wprev(struct ct_table *t, uint32_t i)
{
	return i < t->max ? &t->e[i].link[L_PREV] : &t->ws[i - t->max].prev;
}

static inline uint32_t slot_of(uint64_t when)
{
	return (uint32_t)(when >> WHEEL_SHIFT) & (WHEEL_SLOTS - 1);
}

static void wheel_unlink(struct ct_table *t, uint32_t i)
{
	uint32_t n = *wnext(t, i), p = *wprev(t, i);

	*wnext(t, p) = n;
	*wprev(t, n) = p;
}

static void wheel_link(struct ct_table *t, uint32_t i, uint32_t list)
{
	uint32_t h = t->max + list, first = *wnext(t, h);

	*wnext(t, i) = first;
	*wprev(t, i) = h;
	*wprev(t, first) = i;
	*wnext(t, h) = i;
}

static bool list_empty(struct ct_table *t, uint32_t list)
{
	return *wnext(t, t->max + list) == t->max + list;
}

/* Moves a slot's whole list onto the (empty) pending list. */
static void wheel_detach(struct ct_table *t, uint32_t slot)
{
	uint32_t s = t->max + slot, p = t->max + PENDING;
	uint32_t first = *wnext(t, s), last = *wprev(t, s);

	if (first == s)
		return;
	*wnext(t, p) = first;
	*wprev(t, p) = last;
	*wprev(t, first) = p;
	*wnext(t, last) = p;
	*wnext(t, s) = s;
	*wprev(t, s) = s;
}

/* Sets the expiry; an earlier one than before moves the entry to its slot
 * now, a later one waits for the old slot to come round. */
static void set_expires(struct ct_table *t, uint32_t i, uint64_t when)
{
	struct ct_entry *e = &t->e[i];
	bool earlier = when < e->expires;

	e->expires = when;
	if (earlier && (e->status & CT_S_CONFIRMED)) {
		wheel_unlink(t, i);
		wheel_link(t, i, slot_of(when));
	}
}

static uint64_t add_secs(uint64_t now, uint32_t secs)
{
	uint64_t d = (uint64_t)secs * NS;

	return now > UINT64_MAX - d ? UINT64_MAX : now + d;
}

/* ---- the hash ---- */

static uint32_t bucket_of(const struct ct_table *t, const struct ct_tuple *tu)
{
	return (uint32_t)tuple_hash(tu, t->key) & t->bmask;
}

static void hash_insert(struct ct_table *t, uint32_t i)
{
	uint32_t b = bucket_of(t, &t->e[i].t);

	t->e[i].link[L_HASH] = t->bucket[b];
	t->bucket[b] = i;
}

static void hash_remove(struct ct_table *t, uint32_t i)
{
	uint32_t *pp = &t->bucket[bucket_of(t, &t->e[i].t)];

	while (*pp != NIL) {
		if (*pp == i) {
			*pp = t->e[i].link[L_HASH];
			return;
		}
		pp = &t->e[*pp].link[L_HASH];
	}
}

static inline bool expired(const struct ct_table *t, const struct ct_entry *e)
{
	return e->expires <= t->now;
}

/* Finds tu in bucket b; entries past their time are skipped, or with
 * `reap` destroyed on the way (as Linux's lookups do). */
static void destroy(struct ct_table *t, uint32_t i, uint64_t *stat);

static uint32_t find(struct ct_table *t, const struct ct_tuple *tu, uint32_t b, enum ct_dir *dir,
		     bool reap)
{
again:
	for (uint32_t i = t->bucket[b]; i != NIL; i = t->e[i].link[L_HASH]) {
		const struct ct_entry *e = &t->e[i];
		enum ct_dir d;

		if (tuple_eq(tu, &e->t))
			d = CT_DIR_ORIG;
		else if (tuple_eq_reply(tu, &e->t))
			d = CT_DIR_REPLY;
		else
			continue;
		if (expired(t, e)) {
			if (!reap)
				continue;
			destroy(t, i, &t->st.expired);
			goto again;
		}
		if (dir)
			*dir = d;
		return i;
	}
	return NIL;
}

/* ---- entries ---- */

static uint32_t idx_of(const struct ct_table *t, const struct ct_entry *e)
{
	if (!e || e < t->e || e >= t->e + t->hiwater)
		return NIL;
	return (uint32_t)(e - t->e);
}

static bool live(const struct ct_table *t, uint32_t i)
{
	return i < t->hiwater && (t->e[i].status & CT_S_CONFIRMED);
}

static void entry_free(struct ct_table *t, uint32_t i)
{
	memset(&t->e[i], 0, sizeof(t->e[i]));
	t->e[i].link[L_HASH] = t->freelist;
	t->freelist = i;
}

static void expect_drop_master(struct ct_table *t, uint32_t id);

/* Takes an entry out: DESTROY event, expectations, hash, wheel, memory. */
static void destroy(struct ct_table *t, uint32_t i, uint64_t *stat)
{
	struct ct_entry *e = &t->e[i];

	e->status |= CT_S_DYING;
	emit(t, CT_EV_DESTROY, e);
	if (t->nx)
		expect_drop_master(t, e->id);
	hash_remove(t, i);
	wheel_unlink(t, i);
	t->count--;
	if (stat)
		(*stat)++;
	entry_free(t, i);
}

/* Makes room by dropping a connection not yet assured: among the entries
 * of a few buckets from b, the one closest to its end (one past it first). */
static bool early_drop(struct ct_table *t, uint32_t b)
{
	uint32_t victim = NIL, seen = 0, nb = t->bmask + 1;

	for (uint32_t k = 0; k < nb && k < EARLY_DROP_SCAN && seen < EARLY_DROP_SCAN; k++) {
		uint32_t i = t->bucket[(b + k) & t->bmask];

		for (; i != NIL; i = t->e[i].link[L_HASH]) {
			const struct ct_entry *e = &t->e[i];

			seen++;
			if (expired(t, e)) {
				destroy(t, i, &t->st.expired);
				return true;
			}
			if (!(e->status & CT_S_ASSURED) &&
			    (victim == NIL || e->expires < t->e[victim].expires))
				victim = i;
		}
	}
	if (victim == NIL)
		return false;
	destroy(t, victim, &t->st.early_drop);
	return true;
}

static uint32_t entry_alloc(struct ct_table *t, uint32_t b)
{
	uint32_t i;

	if (t->count >= t->max && !early_drop(t, b))
		return NIL;
	if (t->freelist != NIL) {
		i = t->freelist;
		t->freelist = t->e[i].link[L_HASH];
	} else if (t->hiwater < t->max) {
		i = t->hiwater++;
	} else {
		return NIL;
	}
	memset(&t->e[i], 0, sizeof(t->e[i]));
	t->e[i].link[L_HASH] = NIL;
	return i;
}

/* ---- expiry ---- */

/* Handles the past slots of the wheel: opens at most `slots` of them and
 * handles at most `budget` entries (no limit when all). Returns how many
 * expired. */
static unsigned expire_run(struct ct_table *t, unsigned budget, unsigned slots, bool all)
{
	uint64_t now_tick = t->now >> WHEEL_SHIFT;
	unsigned n = 0, work = 0, opened = 0;

	if (!t->count) {
		t->wtick = now_tick;
		return 0;
	}
	if (now_tick - t->wtick > WHEEL_SLOTS)
		t->wtick = now_tick - WHEEL_SLOTS;
	for (;;) {
		if (!list_empty(t, PENDING)) {
			uint32_t i = *wnext(t, t->max + PENDING);
			struct ct_entry *e = &t->e[i];

			if (!all && work >= budget)
				break;
			work++;
			if (expired(t, e)) {
				destroy(t, i, &t->st.expired);
				n++;
			} else {
				wheel_unlink(t, i);
				wheel_link(t, i, slot_of(e->expires));
			}
		} else if (t->wtick < now_tick) {
			if (!all && opened >= slots)
				break;
			opened++;
			wheel_detach(t, slot_of(t->wtick << WHEEL_SHIFT));
			t->wtick++;
		} else {
			break;
		}
	}
	return n;
}

static void expect_purge(struct ct_table *t);

static void clock_advance(struct ct_table *t, uint64_t now)
{
	if (!t->clock_set) {
		t->clock_set = true;
		t->now = now;
		t->wtick = now >> WHEEL_SHIFT;
	} else if (now > t->now) {
		t->now = now;
	}
}

unsigned ct_table_expire(struct ct_table *t, uint64_t now)
{
	unsigned n;
	uint32_t s, i, next;

	if (!t)
		return 0;
	clock_advance(t, now);
	n = expire_run(t, 0, 0, true);
	/* the current tick's slot, for what is already due in it */
	s = t->max + slot_of(t->now);
	for (i = *wnext(t, s); i != s; i = next) {
		next = *wnext(t, i);
		if (expired(t, &t->e[i])) {
			destroy(t, i, &t->st.expired);
			n++;
		}
	}
	pkt_reasm_expire(t->reasm, t->now / 1000000);
	expect_purge(t);
	return n;
}

/* ---- expectations ---- */

static void expect_del(struct ct_table *t, struct xslot *x)
{
	x->used = false;
	t->nx--;
}

static void expect_purge(struct ct_table *t)
{
	for (uint32_t i = 0; t->nx && i < t->cfg.max_expect; i++)
		if (t->xs[i].used && t->xs[i].x.expires <= t->now)
			expect_del(t, &t->xs[i]);
}

static void expect_drop_master(struct ct_table *t, uint32_t id)
{
	for (uint32_t i = 0; t->nx && i < t->cfg.max_expect; i++)
		if (t->xs[i].used && t->xs[i].x.master == id)
			expect_del(t, &t->xs[i]);
}

int ct_expect_add(struct ct_table *t, const struct ct_tuple *tu, const struct ct_entry *master,
		  uint8_t helper, uint32_t timeout)
{
	struct xslot *slot = NULL;
	uint32_t mi = idx_of(t, master);

	if (mi == NIL)
		return -EINVAL;
	expect_purge(t);
	expect_drop_master(t, master->id);
	for (uint32_t i = 0; i < t->cfg.max_expect; i++) {
		if (!t->xs[i].used) {
			slot = &t->xs[i];
			break;
		}
	}
	if (!slot)
		return -ENOSPC;
	memset(slot, 0, sizeof(*slot));
	slot->x.t = *tu;
	slot->x.master = master->id;
	slot->x.expires = add_secs(t->now, timeout);
	slot->x.helper = helper;
	slot->master_idx = mi;
	slot->used = true;
	t->nx++;
	return 0;
}

/* The expectation a new connection's tuple fulfils, or NULL. */
static struct xslot *expect_match(struct ct_table *t, const struct ct_tuple *tu)
{
	for (uint32_t i = 0; t->nx && i < t->cfg.max_expect; i++) {
		struct xslot *x = &t->xs[i];
		const struct ct_tuple *w = &x->x.t;

		if (!x->used || x->x.expires <= t->now)
			continue;
		if (w->l3 == tu->l3 && w->proto == tu->proto && w->zone == tu->zone &&
		    addr_eq(&w->src, &tu->src) && addr_eq(&w->dst, &tu->dst) &&
		    w->dport == tu->dport && (!w->sport || w->sport == tu->sport))
			return x;
	}
	return NULL;
}

size_t ct_expect_count(const struct ct_table *t)
{
	return t ? t->nx : 0;
}

int ct_expect_walk(struct ct_table *t,
		   int (*fn)(const struct ct_expect *x, const struct ct_entry *master, void *arg),
		   void *arg)
{
	int rc;

	if (!t || !fn)
		return -EINVAL;
	for (uint32_t i = 0; t->nx && i < t->cfg.max_expect; i++) {
		if (!t->xs[i].used || t->xs[i].x.expires <= t->now)
			continue;
		rc = fn(&t->xs[i].x, &t->e[t->xs[i].master_idx], arg);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- creating and freeing the table ---- */

/* Zeroed memory for the big arrays, its pages touched only when used; on
 * huge pages where the system allows it, for fewer TLB misses on lookups
 * spread over a large table. */
static void *big_alloc(size_t n)
{
	void *p;

	if (!n)
		return NULL;
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (n >= (2u << 20))
		madvise(p, n, MADV_HUGEPAGE);
	return p;
}

static void big_free(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

const struct ct_l4proto *ct_l4_find(const struct ct_table *t, uint8_t proto)
{
	return t->l4[proto];
}

static void on_frag_timeout(void *arg, const struct pkt_reasm_timeout *to)
{
	struct ct_table *t = arg;

	(void)to;
	t->st.frag_dropped++;
}

int ct_table_new(const struct ct_config *cfg, struct ct_table **out)
{
	struct ct_table *t;
	struct pkt_reasm_limits lim = { 0 };

	if (!out)
		return -EINVAL;
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (cfg)
		t->cfg = *cfg;
	else
		ct_config_defaults(&t->cfg);
	config_complete(&t->cfg);
	if (t->cfg.max_entries > MAX_ENTRIES || t->cfg.max_expect > 65536) {
		free(t);
		return -EINVAL;
	}
	t->max = t->cfg.max_entries;
	t->bmask = t->cfg.buckets - 1;
	t->freelist = NIL;
	t->next_id = 1;
	t->e = big_alloc((size_t)t->max * sizeof(*t->e));
	t->bucket = big_alloc((size_t)t->cfg.buckets * sizeof(*t->bucket));
	t->ws = malloc((WHEEL_SLOTS + 1) * sizeof(*t->ws));
	t->xs = calloc(t->cfg.max_expect, sizeof(*t->xs));
	lim.timeout_ms = (uint64_t)t->cfg.frag_timeout * 1000;
	lim.max_bytes = t->cfg.frag_max_bytes;
	t->reasm = pkt_reasm_new(&lim);
	if (!t->e || !t->bucket || !t->ws || !t->xs || !t->reasm) {
		ct_table_free(t);
		return -ENOMEM;
	}
	memset(t->bucket, 0xff, (size_t)t->cfg.buckets * sizeof(*t->bucket));
	for (uint32_t s = 0; s <= WHEEL_SLOTS; s++)
		t->ws[s].next = t->ws[s].prev = t->max + s;
	pkt_reasm_on_timeout(t->reasm, on_frag_timeout, t);
	pkt_wbuf_init(&t->rbuf);
	seed_key(t);
	for (int p = 0; p < 256; p++)
		t->l4[p] = &ct_l4_generic;
	t->l4[6] = &ct_l4_tcp;
	t->l4[17] = &ct_l4_udp;
	t->l4[136] = &ct_l4_udplite;
	t->l4[1] = &ct_l4_icmp;
	t->l4[58] = &ct_l4_icmpv6;
	*out = t;
	return 0;
}

void ct_table_free(struct ct_table *t)
{
	if (!t)
		return;
	big_free(t->e, (size_t)t->max * sizeof(*t->e));
	big_free(t->bucket, (size_t)t->cfg.buckets * sizeof(*t->bucket));
	free(t->ws);
	free(t->xs);
	pkt_reasm_free(t->reasm);
	pkt_wbuf_free(&t->rbuf);
	free(t);
}

/* ---- the packet path ---- */

static int result_invalid(struct ct_table *t, struct ct_result *res, const char *why)
{
	res->info = CT_INVALID;
	res->entry = NULL;
	res->reason = why ? why : "invalid";
	t->st.invalid++;
	return 0;
}

static uint8_t state_of(const struct ct_entry *e)
{
	return e->t.proto == 6 ? e->p.tcp.state : 0;
}

/* Linux's ctinfo for a packet of an existing entry, from what was known
 * before it. */
static enum ct_info info_for(uint16_t status, enum ct_dir dir)
{
	if (dir == CT_DIR_REPLY || (status & CT_S_SEEN_REPLY))
		return CT_ESTABLISHED;
	if (status & CT_S_EXPECTED)
		return CT_RELATED;
	return CT_NEW;
}

/* A new entry for p, not yet in the table: NIL with *why when none can be. */
static uint32_t create(struct ct_table *t, const struct ct_l4proto *l4, const struct ct_pkt *p,
		       uint32_t b, const char **why)
{
	struct ct_tuple rt;
	struct xslot *x;
	struct ct_entry *e;
	uint32_t i;

	if (!l4->invert(&p->t, &rt)) {
		*why = "packet cannot start a connection (no reply direction)";
		return NIL;
	}
	i = entry_alloc(t, b);
	if (i == NIL) {
		t->st.insert_failed++;
		t->st.drop++;
		*why = "table full";
		return NIL;
	}
	e = &t->e[i];
	e->t = p->t;
	e->start = (uint32_t)(p->now / NS);
	e->expires = p->now;
	x = t->nx ? expect_match(t, &p->t) : NULL;
	if (x) {
		e->status |= CT_S_EXPECTED;
		e->master = x->x.master;
		e->mark = t->e[x->master_idx].mark;
		expect_del(t, x);
	} else if (t->cfg.helpers && p->t.proto == 6 && p->t.dport == CT_FTP_PORT) {
		e->helper = CT_HELPER_FTP;
	}
	if (l4->create(t, e, p, why)) {
		entry_free(t, i);
		if (!*why)
			*why = "packet cannot start a connection";
		return NIL;
	}
	return i;
}

static int track(struct ct_table *t, struct ct_pkt *p, struct ct_result *res, bool reasm)
{
	const struct ct_l4proto *l4 = t->l4[p->proto];
	const char *why = NULL;
	enum ct_dir dir = CT_DIR_ORIG;
	struct ct_result first = { 0 };
	bool retry = false;
	uint32_t b, i;
	int rc;

	if (l4->error) {
		struct ct_entry *rel = l4->error(t, p, &dir, &why);

		if (rel) {
			res->info = CT_RELATED;
			res->dir = dir;
			res->entry = rel;
			res->reason = why;
			t->st.related++;
			return 0;
		}
		if (why) {
			t->st.error++;
			return result_invalid(t, res, why);
		}
	}
	rc = l4->tuple(p, &why);
	if (rc < 0)
		return result_invalid(t, res, why);
	if (rc > 0) {
		res->info = CT_UNTRACKED;
		res->reason = why;
		t->st.ignore++;
		return 0;
	}
	b = bucket_of(t, &p->t);

	for (;;) {
		struct ct_entry *e;
		uint16_t old_status;
		uint8_t old_state;
		uint32_t timeout = CT_TIMEOUT_KEEP;
		bool kill = false, created = false;
		enum ct_info info, got;

		why = NULL;
		dir = CT_DIR_ORIG;
		i = find(t, &p->t, b, &dir, true);
		if (i == NIL) {
			i = create(t, l4, p, b, &why);
			if (i == NIL) {
				if (retry) {
					*res = first;
					return 0;
				}
				return result_invalid(t, res, why);
			}
			created = true;
		} else {
			t->st.found++;
		}
		e = &t->e[i];
		old_status = e->status;
		old_state = state_of(e);
		info = info_for(old_status, dir);

		got = l4->packet(t, e, p, dir, &timeout, &kill, &why);
		if (got == CT_INVALID) {
			if (created) {
				entry_free(t, i);
			} else {
				if (timeout != CT_TIMEOUT_KEEP)
					set_expires(t, i, add_secs(p->now, timeout));
				if (kill)
					destroy(t, i, &t->st.deleted);
			}
			return result_invalid(t, res, why);
		}
		e->pkts[dir]++;
		e->bytes[dir] += p->len;
		if (timeout != CT_TIMEOUT_KEEP)
			set_expires(t, i, add_secs(p->now, timeout));
		if (dir == CT_DIR_REPLY)
			e->status |= CT_S_SEEN_REPLY;
		if (e->helper == CT_HELPER_FTP && !kill)
			ct_ftp_help(t, e, p, dir, info);

		if (created) {
			if (kill) {
				entry_free(t, i);
				e = NULL;
			} else {
				e->status |= CT_S_CONFIRMED;
				e->id = t->next_id++;
				if (!t->next_id)
					t->next_id = 1;
				hash_insert(t, i);
				wheel_link(t, i, slot_of(e->expires));
				t->count++;
				t->st.new++;
				emit(t, CT_EV_NEW, e);
			}
		} else if (e->status != old_status || state_of(e) != old_state) {
			emit(t, CT_EV_UPDATE, e);
		}
		res->info = info;
		res->dir = dir;
		res->entry = e;
		res->reason = why ? why : reasm ? "reassembled" : NULL;
		res->created = created && e;
		if (info == CT_RELATED)
			t->st.related++;
		if (!kill || created)
			return 0;
		destroy(t, i, &t->st.deleted);
		res->entry = NULL;
		if (got != CT_NEW || retry)
			return 0;
		/* a closed connection reopened: the packet starts a new one */
		first = *res;
		retry = true;
	}
}

int ct_process(struct ct_table *t, const uint8_t *pkt, size_t len, uint16_t zone, uint64_t now,
	       struct ct_result *res)
{
	struct ct_pkt p;
	const char *why = NULL;
	enum ct_l3_res l3;
	bool reasm = false;

	if (!t || !res || (!pkt && len))
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	res->info = CT_INVALID;
	clock_advance(t, now);
	now = t->now;
	if (t->count && (t->wtick < (now >> WHEEL_SHIFT) || !list_empty(t, PENDING)))
		expire_run(t, EXPIRE_BUDGET, EXPIRE_SLOTS, false);

	l3 = ct_l3_parse(pkt, len, t->cfg.checksum, &p, &why);
	if (l3 == CT_L3_FRAG) {
		struct pkt_reasm_info info = { 0 };

		switch (pkt_reasm_add(t->reasm, p.b, p.len, now / 1000000, &t->rbuf, &info)) {
		case PKT_REASM_HELD:
			res->info = CT_UNTRACKED;
			res->reason = "fragment held";
			t->st.frag_held++;
			return 0;
		case PKT_REASM_DONE:
		case PKT_REASM_ATOMIC:
			if (pkt_wbuf_error(&t->rbuf)) {
				t->st.frag_dropped++;
				return result_invalid(t, res, "no memory for a reassembled packet");
			}
			reasm = true;
			l3 = ct_l3_parse(t->rbuf.b, t->rbuf.len, t->cfg.checksum, &p, &why);
			if (l3 == CT_L3_FRAG) {
				l3 = CT_L3_INVALID;
				why = "fragment inside a reassembled packet";
			}
			break;
		case PKT_REASM_DROPPED:
			t->st.frag_dropped++;
			return result_invalid(t, res, info.why ? info.why : "fragment dropped");
		case PKT_REASM_NOT_FRAG:
		default:
			t->st.frag_dropped++;
			return result_invalid(t, res, "fragment the reassembly could not read");
		}
	}
	if (l3 == CT_L3_NOTIP) {
		res->info = CT_UNTRACKED;
		res->reason = why;
		t->st.ignore++;
		return 0;
	}
	if (l3 != CT_L3_OK)
		return result_invalid(t, res, why);
	p.now = now;
	p.zone = zone;
	p.t.zone = zone;
	return track(t, &p, res, reasm);
}

/* ---- reading and changing the table ---- */

struct ct_entry *ct_table_find(struct ct_table *t, const struct ct_tuple *tu, enum ct_dir *dir)
{
	uint32_t i;

	if (!t || !tu)
		return NULL;
	i = find(t, tu, bucket_of(t, tu), dir, false);
	return i == NIL ? NULL : &t->e[i];
}

struct ct_entry *ct_table_lookup(struct ct_table *t, const struct ct_tuple *tu, enum ct_dir *dir)
{
	return ct_table_find(t, tu, dir);
}

struct ct_entry *ct_table_by_id(struct ct_table *t, uint32_t id)
{
	if (!t || !id)
		return NULL;
	for (uint32_t i = 0; i < t->hiwater; i++)
		if (live(t, i) && t->e[i].id == id)
			return &t->e[i];
	return NULL;
}

int ct_table_walk(struct ct_table *t, int (*fn)(struct ct_entry *e, void *arg), void *arg)
{
	int rc;

	if (!t || !fn)
		return -EINVAL;
	for (uint32_t i = 0; i < t->hiwater; i++) {
		if (!live(t, i))
			continue;
		rc = fn(&t->e[i], arg);
		if (rc)
			return rc;
	}
	return 0;
}

size_t ct_table_count(const struct ct_table *t)
{
	return t ? t->count : 0;
}

int ct_entry_delete(struct ct_table *t, struct ct_entry *e)
{
	uint32_t i;

	if (!t)
		return -EINVAL;
	i = idx_of(t, e);
	if (i == NIL || !live(t, i) || (e->status & CT_S_DYING))
		return -ENOENT;
	destroy(t, i, &t->st.deleted);
	return 0;
}

int ct_entry_set_mark(struct ct_table *t, struct ct_entry *e, uint32_t mark)
{
	uint32_t i;

	if (!t)
		return -EINVAL;
	i = idx_of(t, e);
	if (i == NIL || !live(t, i))
		return -ENOENT;
	if (e->mark != mark) {
		e->mark = mark;
		emit(t, CT_EV_UPDATE, e);
	}
	return 0;
}

int ct_entry_set_timeout(struct ct_table *t, struct ct_entry *e, uint32_t secs, uint64_t now)
{
	uint32_t i;

	if (!t)
		return -EINVAL;
	i = idx_of(t, e);
	if (i == NIL || !live(t, i))
		return -ENOENT;
	clock_advance(t, now);
	set_expires(t, i, add_secs(t->now, secs));
	return 0;
}

uint32_t ct_entry_timeout(const struct ct_entry *e, uint64_t now)
{
	uint64_t left;

	if (!e || e->expires <= now)
		return 0;
	left = (e->expires - now) / NS;
	return left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}

void ct_table_flush(struct ct_table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->hiwater; i++)
		if (live(t, i))
			destroy(t, i, &t->st.deleted);
	for (uint32_t i = 0; t->nx && i < t->cfg.max_expect; i++)
		if (t->xs[i].used)
			expect_del(t, &t->xs[i]);
}

void ct_table_stats(const struct ct_table *t, struct ct_stats *out)
{
	if (!t || !out)
		return;
	*out = t->st;
}
