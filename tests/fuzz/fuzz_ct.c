/*
 * Fuzz target for libct's packet path. The first two bytes choose the
 * table (64 entries, or 8 with 4 hash buckets for long chains and early
 * drop; liberal/loose TCP, checksums, few expectations) and the format
 * flags; then come records, each
 *     op, time step, zone, length (16 bits, big endian), body
 * where op (modulo 13) picks: 0-1 a raw IP packet (the body; IPv4 or IPv6
 * by its version nibble); 2-5 a packet built from a description
 * (fuzz_ctutil.h: family, protocol, addresses and ports from small pools,
 * TCP flags, sequence numbers and options, ICMP queries, ICMP errors
 * quoting a described packet, fragments); 6 ct_table_expire; 7 a walk that
 * formats every entry; 8, 9, 10 ct_entry_delete / ct_entry_set_mark /
 * ct_entry_set_timeout on the k-th entry; 11 a flush; 12 a raw packet from
 * the past (the clock going back). Helpers (ftp) are on. An event
 * subscriber formats each event and keeps the set of live ids.
 *
 * After every record the table must hold together, or the target aborts:
 * ct_table_count() <= max_entries and equal to the entries walked; the ids
 * walked are exactly those NEW minus DESTROY events gave; each entry is
 * found by its id and, while not timed out, by its tuples in both
 * directions; NEW - (expired + deleted + early_drop) == count; every
 * expectation's master is live; after ct_table_expire no entry is past
 * its time, and in the end every entry times out. Every entry and event
 * formats into 1024 bytes, as the same text into any buffer large enough
 * and as -ENOSPC into a smaller one (exact-size heap buffers, so ASan sees
 * overruns). V6LAB_FUZZ_VERBOSE prints each packet's result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"
#include "fuzz_ctutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define NS 1000000000ull
#define MAX_IDS 1024

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_ct: %s:%d: invariant failed: %s\n", __FILE__, \
				__LINE__, #cond);                                            \
			abort();                                                             \
		}                                                                            \
	} while (0)

enum op {
	OP_RAW0,
	OP_RAW1,
	OP_SYNTH0,
	OP_SYNTH1,
	OP_SYNTH2,
	OP_SYNTH3,
	OP_EXPIRE,
	OP_WALK,
	OP_DELETE,
	OP_MARK,
	OP_TIMEOUT,
	OP_FLUSH,
	OP_BACK,
	OP_MAX,
};

struct state {
	struct ct_table *t;
	struct ct_config cfg;
	uint64_t now;	   /* latest time given to the table */
	unsigned fmtflags; /* CT_FMT_* for the formats */
	uint8_t small;	   /* chooses the size of the small buffers */
	uint32_t ids[MAX_IDS];
	size_t nids;
	uint64_t ev_new, ev_destroy;
	bool in_walk;
};

static struct state S;
static bool verbose; /* V6LAB_FUZZ_VERBOSE: each packet's result on stderr */

/* ---- formats ---- */

static int fmt(int ev, const struct ct_entry *e, uint64_t now, unsigned flags, char *out,
	       size_t n)
{
	if (ev < 0)
		return ct_entry_format_opts(e, now, flags, out, n);
	return ct_event_format_opts((enum ct_event)ev, e, now, flags, out, n);
}

/* The line of e (ev < 0: conntrack -L; else the event's) must fit 1024
 * bytes, be printable and come out the same into any buffer that holds it. */
static void check_format(int ev, const struct ct_entry *e, uint64_t now, unsigned flags,
			 unsigned small)
{
	char big[1024];
	int len = fmt(ev, e, now, flags, big, sizeof(big));
	size_t n;
	char *b;
	int k;

	CHECK(len >= 0);
	CHECK((size_t)len == strlen(big));
	CHECK(len < 900);
	for (int i = 0; i < len; i++)
		CHECK(big[i] >= 0x20 && big[i] < 0x7f);
	CHECK(len == 0 || big[len - 1] != ' ');
	n = small % ((unsigned)len + 3);
	b = malloc(n ? n : 1);
	CHECK(b);
	k = fmt(ev, e, now, flags, n ? b : NULL, n);
	CHECK(k == -ENOSPC || k == len);
	if (k >= 0)
		CHECK(!memcmp(b, big, (size_t)len + 1));
	if (n <= (size_t)len)
		CHECK(k == -ENOSPC);
	if (n >= (size_t)len + 2)
		CHECK(k == len);
	free(b);
	if (ev < 0 && !flags) {
		char plain[1024];

		CHECK(ct_entry_format(e, now, plain, sizeof(plain)) == len);
		CHECK(!strcmp(plain, big));
	}
}

/* ---- events ---- */

static long id_index(uint32_t id)
{
	for (size_t i = 0; i < S.nids; i++)
		if (S.ids[i] == id)
			return (long)i;
	return -1;
}

static void on_event(void *arg, enum ct_event ev, const struct ct_entry *e)
{
	long i = id_index(e->id);

	(void)arg;
	CHECK(e->id != 0);
	switch (ev) {
	case CT_EV_NEW:
		CHECK(i < 0);
		CHECK(S.nids < MAX_IDS);
		S.ids[S.nids++] = e->id;
		S.ev_new++;
		break;
	case CT_EV_UPDATE:
		CHECK(i >= 0);
		break;
	case CT_EV_DESTROY:
		CHECK(i >= 0);
		S.ids[i] = S.ids[--S.nids];
		S.ev_destroy++;
		break;
	default:
		CHECK(0);
	}
	check_format((int)ev, e, S.now, S.fmtflags, S.small + (unsigned)e->id);
}

/* ---- the table's invariants ---- */

struct walk {
	size_t n;
	uint32_t ids[MAX_IDS];
	bool format;
	unsigned small;
	struct ct_entry *pick;
	size_t k;
	bool expired; /* an entry past its time was walked */
};

static bool same_tuple(const struct ct_tuple *a, const struct ct_tuple *b)
{
	return !memcmp(a->src.a, b->src.a, 16) && !memcmp(a->dst.a, b->dst.a, 16) &&
	       a->sport == b->sport && a->dport == b->dport && a->l3 == b->l3 &&
	       a->proto == b->proto && a->type == b->type && a->code == b->code &&
	       a->zone == b->zone;
}

static int walk_cb(struct ct_entry *e, void *arg)
{
	struct walk *w = arg;
	struct ct_tuple rep;
	enum ct_dir dir;
	struct ct_entry *f;

	CHECK(w->n < MAX_IDS);
	if (w->n == w->k)
		w->pick = e;
	w->ids[w->n++] = e->id;
	CHECK(e->id != 0);
	CHECK(e->status & CT_S_CONFIRMED);
	CHECK(!(e->status & CT_S_DYING));
	CHECK(e->t.l3 == 4 || e->t.l3 == 6);
	if (e->t.proto == 6)
		CHECK(e->p.tcp.state < CT_TCP_MAX);
	CHECK(ct_table_by_id(S.t, e->id) == e);
	if (e->expires <= S.now)
		w->expired = true;
	if (e->expires > S.now) {
		dir = CT_DIR_REPLY;
		f = ct_table_lookup(S.t, &e->t, &dir);
		CHECK(f == e);
		CHECK(dir == CT_DIR_ORIG);
		ct_tuple_invert(&e->t, &rep);
		f = ct_table_lookup(S.t, &rep, &dir);
		CHECK(f == e);
		CHECK(dir == CT_DIR_REPLY || same_tuple(&rep, &e->t));
	}
	if (w->format) {
		check_format(-1, e, S.now, S.fmtflags, w->small + w->n);
		check_format(-1, e, S.now,
			     CT_FMT_EXTENDED | CT_FMT_ACCT | CT_FMT_TSTAMP | CT_FMT_ID,
			     w->small * 7 + w->n);
	}
	return 0;
}

static int expect_cb(const struct ct_expect *x, const struct ct_entry *m, void *arg)
{
	size_t *n = arg;
	char buf[1024];
	int len;

	(*n)++;
	CHECK(m);
	CHECK(m->id == x->master);
	CHECK(m->status & CT_S_CONFIRMED);
	CHECK(id_index(m->id) >= 0);
	CHECK(x->t.l3 == 4 || x->t.l3 == 6);
	len = ct_expect_format(x, m, S.now, buf, sizeof(buf));
	CHECK(len >= 0 && (size_t)len == strlen(buf));
	return 0;
}

/* Checks the table; with format, formats every entry. Returns the k-th
 * entry walked (NULL when fewer). */
static struct ct_entry *check_table(bool format, unsigned small, size_t k, bool expired)
{
	static struct walk w;
	struct ct_stats st;
	size_t nx = 0;

	memset(&w, 0, sizeof(w));
	w.format = format;
	w.small = small;
	w.k = k;
	CHECK(ct_table_walk(S.t, walk_cb, &w) == 0);
	CHECK(ct_table_count(S.t) <= S.cfg.max_entries);
	CHECK(ct_table_count(S.t) == w.n);
	CHECK(w.n == S.nids);
	if (!expired)
		CHECK(!w.expired);
	for (size_t i = 0; i < w.n; i++)
		CHECK(id_index(w.ids[i]) >= 0);
	ct_table_stats(S.t, &st);
	CHECK(st.new == S.ev_new);
	CHECK(st.expired + st.deleted + st.early_drop == S.ev_destroy);
	CHECK(st.new - S.ev_destroy == w.n);
	CHECK(ct_expect_count(S.t) <= S.cfg.max_expect);
	CHECK(ct_expect_walk(S.t, expect_cb, &nx) == 0);
	CHECK(nx <= ct_expect_count(S.t));
	return w.pick;
}

/* ---- the records ---- */

static uint64_t step_ns(uint8_t b)
{
	uint64_t u = b & 63;

	switch (b >> 6) {
	case 0:
		return u * 1000000ull; /* ms */
	case 1:
		return u * NS;
	case 2:
		return u * 60 * NS;
	default:
		return u * 3600 * NS;
	}
}

static void check_result(const struct ct_result *res)
{
	CHECK(res->info <= CT_UNTRACKED);
	CHECK(res->dir == CT_DIR_ORIG || res->dir == CT_DIR_REPLY);
	if (res->info == CT_INVALID || res->info == CT_UNTRACKED)
		CHECK(!res->entry);
	if (res->created)
		CHECK(res->entry);
	if (res->info == CT_INVALID)
		CHECK(res->reason && strlen(res->reason) > 0);
	if (res->entry) {
		CHECK(res->entry->status & CT_S_CONFIRMED);
		CHECK(id_index(res->entry->id) >= 0);
	}
}

static void track(const uint8_t *p, size_t len, uint16_t zone, uint64_t now)
{
	static const char *const info[] = { "NEW", "ESTABLISHED", "RELATED", "INVALID",
					    "UNTRACKED" };
	struct ct_result res;

	CHECK(ct_process(S.t, p, len, zone, now, &res) == 0);
	check_result(&res);
	if (verbose)
		fprintf(stderr, "%zu bytes zone %u: %s %s %s id %u\n", len, zone, info[res.info],
			res.dir ? "reply" : "orig", res.reason ? res.reason : "-",
			res.entry ? res.entry->id : 0);
}

static void packet(const uint8_t *p, size_t len, uint16_t zone)
{
	track(p, len, zone, S.now);
}

static void synth(struct fz_rd *body, uint16_t zone)
{
	static uint8_t pkt[FZ_PKT_MAX], frag[FZ_PKT_MAX + 64];
	size_t len, at, a, b;
	int mode;

	len = fz_pkt_read(body, pkt, sizeof(pkt), &mode, &at);
	if (!len)
		return;
	if (!mode) {
		packet(pkt, len, zone);
		return;
	}
	a = fz_frag(pkt, len, at, 0, 0x2345 + zone, frag, sizeof(frag));
	if (!a) {
		packet(pkt, len, zone);
		return;
	}
	if (mode == 2) { /* the rest first */
		b = fz_frag(pkt, len, at, 1, 0x2345 + zone, frag, sizeof(frag));
		packet(frag, b, zone);
		a = fz_frag(pkt, len, at, 0, 0x2345 + zone, frag, sizeof(frag));
		packet(frag, a, zone);
		return;
	}
	packet(frag, a, zone);
	if (mode == 1) {
		b = fz_frag(pkt, len, at, 1, 0x2345 + zone, frag, sizeof(frag));
		packet(frag, b, zone);
	}
}

static void record(struct fz_rd *in)
{
	uint8_t op = fz_u8(in) % OP_MAX, step = fz_u8(in), zb = fz_u8(in);
	uint16_t len = fz_u16(in);
	uint16_t zone = zb == 0xff ? 65535 : zb & 3;
	struct fz_rd body;
	struct ct_entry *e;
	uint64_t back = 0;

	body.n = fz_take(in, len, &body.p);
	if (op == OP_BACK)
		back = step_ns(step);
	else
		S.now += step_ns(step);
	switch (op) {
	case OP_RAW0:
	case OP_RAW1:
		packet(body.p, body.n, zone);
		break;
	case OP_SYNTH0:
	case OP_SYNTH1:
	case OP_SYNTH2:
	case OP_SYNTH3:
		synth(&body, zone);
		break;
	case OP_EXPIRE:
		ct_table_expire(S.t, S.now);
		check_table(false, 0, 0, false);
		break;
	case OP_WALK:
		S.small = fz_u8(&body);
		check_table(true, S.small, 0, true);
		break;
	case OP_DELETE:
		e = check_table(false, 0, fz_u8(&body), true);
		if (e) {
			CHECK(ct_entry_delete(S.t, e) == 0);
			CHECK(ct_entry_delete(S.t, e) == -ENOENT);
		}
		break;
	case OP_MARK:
		e = check_table(false, 0, fz_u8(&body), true);
		if (e) {
			uint32_t m = fz_u32(&body);

			CHECK(ct_entry_set_mark(S.t, e, m) == 0);
			CHECK(e->mark == m);
		}
		break;
	case OP_TIMEOUT:
		e = check_table(false, 0, fz_u8(&body), true);
		if (e) {
			uint32_t secs = fz_u32(&body);

			if (!(secs & 0x80000000u))
				secs &= 0xffff; /* mostly timeouts that come round */
			CHECK(ct_entry_set_timeout(S.t, e, secs, S.now) == 0);
			CHECK(ct_entry_timeout(e, S.now) <= secs);
		}
		break;
	case OP_FLUSH:
		ct_table_flush(S.t);
		CHECK(ct_table_count(S.t) == 0);
		CHECK(ct_expect_count(S.t) == 0);
		break;
	case OP_BACK:
		/* a packet from the past: tracked at the latest time seen */
		if (body.n)
			track(body.p, body.n, zone, S.now > back ? S.now - back : 0);
		break;
	default:
		break;
	}
	check_table(false, 0, 0, true);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const words[] = {
		"PORT 192,0,2,1,4,1\r\n",
		"EPRT |2|2001:db8::1|1025|\r\n",
		"EPRT |1|192.0.2.1|1025|\r\n",
		"227 Entering Passive Mode (192,0,2,2,4,1)\r\n",
		"229 Entering Extended Passive Mode (|||1025|)\r\n", NULL,
	};

	(void)argc;
	(void)argv;
	fz_ctdict_maybe_write(words);
	verbose = getenv("V6LAB_FUZZ_VERBOSE") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_rd in = { data, size };
	uint8_t c0, c1;
	int h;

	if (size > 65536)
		return 0;
	memset(&S, 0, sizeof(S));
	c0 = fz_u8(&in);
	c1 = fz_u8(&in);
	ct_config_defaults(&S.cfg);
	S.cfg.max_entries = c0 & 1 ? 8 : 64;
	S.cfg.buckets = c0 & 2 ? 4 : 0;
	S.cfg.tcp_liberal = c0 & 4;
	S.cfg.tcp_loose = !(c0 & 8);
	S.cfg.checksum = c0 & 0x10;
	S.cfg.max_expect = c0 & 0x20 ? 2 : 16;
	S.cfg.helpers = true;
	S.cfg.seed = 0x0123456789abcdefull; /* the same run for the same input */
	S.fmtflags = c1 & 0x0f;
	S.small = (uint8_t)(c1 >> 4);
	S.now = 1000 * NS + (uint64_t)(c0 >> 6) * 0x3fffffffull;
	CHECK(ct_table_new(&S.cfg, &S.t) == 0);
	h = ct_subscribe(S.t, CT_EV_NEW | CT_EV_UPDATE | CT_EV_DESTROY, on_event, NULL);
	CHECK(h >= 0);
	while (in.n)
		record(&in);
	check_table(true, S.small, 0, true);
	/* everything times out in the end (a timeout set is at most 2^32 s),
	 * each with its DESTROY */
	S.now += (UINT32_MAX + 1ull) * NS;
	ct_table_expire(S.t, S.now);
	CHECK(ct_table_count(S.t) == 0);
	CHECK(S.nids == 0);
	check_table(false, 0, 0, false);
	ct_unsubscribe(S.t, h);
	ct_table_free(S.t);
	return 0;
}
