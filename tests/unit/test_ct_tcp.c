/*
 * The TCP module of libct: segments over IPv4 and IPv6 built with the packet
 * encoder drive the module's hooks through a small driver that plays the
 * table's part (one entry, directions, the reply bit set after the module
 * saw a reply, kill and reopen, expiry times from the returned timeouts).
 * Covered: the handshake and every state including SYN_SENT2, ASSURED, the
 * close, timeouts per state and the unacked/retransmission ones, the window
 * check with and without liberal mode, window scaling, SACK, RST in and out
 * of the window and before any reply, SYN reopening TIME_WAIT and CLOSE,
 * the resync from an ignored SYN, challenge ACKs, loose pickup and malformed
 * segments.
 */
#include <stdlib.h>

#include "build.h"
#include "ct.h"
#include "l4.h"
#include "t.h"

#define NS 1000000000ull

/* Client and server sides of the connection under test. */
enum side { C = 0, S = 1 };

/* Options of one segment; wscale < 0 means none. */
struct opts {
	int wscale;
	int sackok;
	int nsack;
	uint32_t sack[8]; /* left, right pairs */
	int ts;
};

static const struct opts NOOPT = { .wscale = -1 };

static struct pkt_spec *spec;
static struct pkt_wbuf wb;
static char err[256];
static int L3 = 4; /* family under test */
static const char *fam = "v4";

/* ---- the driver: one connection entry, like the table would keep it ---- */

static struct ct_table *tbl;
static struct {
	struct ct_entry e;
	bool live;
	enum side orig; /* the side whose packet created the entry */
	uint64_t now;
	/* results of the last packet */
	enum ct_info info;
	const char *why;
	uint32_t to; /* seconds the entry has left after it */
	bool keep;   /* the module left the timeout as it was */
	bool kill, created;
} D;

static void table_use(const struct ct_config *cfg)
{
	if (tbl)
		ct_table_free(tbl);
	tbl = NULL;
	if (ct_table_new(cfg, &tbl) || !tbl) {
		printf("Bail out! ct_table_new failed\n");
		exit(1);
	}
}

static void table_default(void)
{
	struct ct_config cfg;

	ct_config_defaults(&cfg);
	table_use(&cfg);
}

static void reset(void)
{
	memset(&D.e, 0, sizeof(D.e));
	D.live = false;
	D.now = 1000 * NS;
}

static struct ct_tcp *tcp(void)
{
	return &D.e.p.tcp;
}

static unsigned state(void)
{
	return D.live ? tcp()->state : 99;
}

static bool assured(void)
{
	return D.live && (D.e.status & CT_S_ASSURED);
}

static const struct pkt_proto *P(const char *name)
{
	const struct pkt_proto *p = pkt_proto_by_name(name);

	if (!p) {
		printf("Bail out! no descriptor %s\n", name);
		exit(1);
	}
	return p;
}

static struct pkt_slayer *push(const char *name)
{
	struct pkt_slayer *l = pkt_spec_push(spec, P(name));

	if (!l) {
		printf("Bail out! spec full\n");
		exit(1);
	}
	return l;
}

static void set_bytes(struct pkt_slayer *l, const char *name, const void *p, size_t n)
{
	struct pkt_val v = { .type = PKT_FT_BYTES, .p = p, .n = (uint32_t)n };

	pkt_spec_set(l, name, &v);
}

static const char *addr_of(enum side s)
{
	if (L3 == 4)
		return s == C ? "192.0.2.1" : "198.51.100.2";
	return s == C ? "2001:db8::1" : "2001:db8::2";
}

/* Builds the spec of a segment from side `from`; flags are letters: S syn,
 * A ack, F fin, R rst, P psh, U urg, E ece, W cwr. The TCP layer is left as
 * the last header so callers can override fields. */
static struct pkt_slayer *seg_spec(enum side from, const char *fl, uint32_t seq, uint32_t ack,
				   uint16_t win, size_t dlen, const struct opts *o)
{
	static const uint8_t zeros[2000];
	struct pkt_slayer *l, *t;
	static const struct {
		char c;
		const char *name;
	} map[] = {
		{ 'S', "syn" }, { 'A', "ackf" }, { 'F', "fin" }, { 'R', "rst" },
		{ 'P', "psh" }, { 'U', "urg" },	 { 'E', "ece" }, { 'W', "cwr" },
	};

	spec->n = 0;
	l = push(L3 == 4 ? "ipv4" : "ipv6");
	pkt_spec_set_str(l, "src", addr_of(from));
	pkt_spec_set_str(l, "dst", addr_of(!from));
	t = push("tcp");
	pkt_spec_set_u(t, "sport", from == C ? 40000 : 80);
	pkt_spec_set_u(t, "dport", from == C ? 80 : 40000);
	pkt_spec_set_u(t, "seq", seq);
	pkt_spec_set_u(t, "ack", ack);
	pkt_spec_set_u(t, "window", win);
	for (const char *c = fl; *c; c++)
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (map[i].c == *c)
				pkt_spec_set_u(t, map[i].name, 1);
	if (!o)
		o = &NOOPT;
	if (o->sackok)
		push("tcpopt.sackok");
	if (o->ts) {
		l = push("tcpopt.ts");
		pkt_spec_set_u(l, "val", 1);
	}
	if (o->wscale >= 0) {
		push("tcpopt.nop");
		l = push("tcpopt.wscale");
		pkt_spec_set_u(l, "shift", (uint64_t)o->wscale);
	}
	if (o->nsack) {
		static uint8_t blk[64];

		for (int i = 0; i < 2 * o->nsack && i < 8; i++) {
			blk[4 * i] = (uint8_t)(o->sack[i] >> 24);
			blk[4 * i + 1] = (uint8_t)(o->sack[i] >> 16);
			blk[4 * i + 2] = (uint8_t)(o->sack[i] >> 8);
			blk[4 * i + 3] = (uint8_t)o->sack[i];
		}
		push("tcpopt.nop");
		push("tcpopt.nop");
		l = push("tcpopt.sack");
		set_bytes(l, "blocks", blk, (size_t)o->nsack * 8);
	}
	if (dlen) {
		l = push("raw");
		set_bytes(l, "data", zeros, dlen < sizeof(zeros) ? dlen : sizeof(zeros));
	}
	return t;
}

static void build(void)
{
	if (pkt_build(spec, &wb, err, sizeof(err))) {
		printf("Bail out! build: %s\n", err);
		exit(1);
	}
}

/* Runs the built packet (truncated to l4 bytes of TCP if l4cut) from side
 * `from` through the module, as the table would. */
static enum ct_info run(enum side from, size_t l4cut)
{
	size_t l4off = L3 == 4 ? (size_t)(wb.b[0] & 15) * 4 : 40;
	struct ct_pkt p = {
		.b = wb.b, .len = wb.len, .l3 = (uint8_t)L3, .proto = 6,
		.l4off = l4off, .l4len = wb.len - l4off,
	};
	enum ct_dir dir;
	uint32_t to;

	if (l4cut && l4cut < p.l4len) {
		p.l4len = l4cut;
		p.len = l4off + l4cut;
	}
	D.now += NS;
	p.now = D.now;
	p.t.l3 = (uint8_t)L3;
	p.t.proto = 6;
	D.why = NULL;
	D.kill = D.created = D.keep = false;
	D.to = 0;
	if (ct_l4_tcp.tuple(&p, &D.why))
		return D.info = CT_INVALID;
again:
	if (!D.live) {
		memset(&D.e, 0, sizeof(D.e));
		D.e.t = p.t;
		D.e.start = (uint32_t)(D.now / NS);
		if (ct_l4_tcp.create(tbl, &D.e, &p, &D.why))
			return D.info = CT_INVALID;
		D.live = true;
		D.orig = from;
		D.created = true;
	}
	dir = from == D.orig ? CT_DIR_ORIG : CT_DIR_REPLY;
	to = CT_TIMEOUT_KEEP;
	D.info = ct_l4_tcp.packet(tbl, &D.e, &p, dir, &to, &D.kill, &D.why);
	if (D.kill && D.info == CT_NEW && !D.created) {
		/* A reopening SYN: the old entry goes, the packet starts anew. */
		D.live = false;
		goto again;
	}
	/* The table's rule for accepted packets, as Linux's. */
	if (D.info != CT_INVALID)
		D.info = dir == CT_DIR_ORIG && !(D.e.status & CT_S_SEEN_REPLY) ? CT_NEW
									: CT_ESTABLISHED;
	if (D.kill) {
		D.live = false;
		return D.info;
	}
	if (D.info != CT_INVALID && dir == CT_DIR_REPLY)
		D.e.status |= CT_S_SEEN_REPLY;
	D.keep = to == CT_TIMEOUT_KEEP;
	if (!D.keep)
		D.e.expires = D.now + to * NS;
	D.to = ct_entry_timeout(&D.e, D.now);
	D.e.pkts[dir]++;
	return D.info;
}

static enum ct_info tx(enum side from, const char *fl, uint32_t seq, uint32_t ack, uint16_t win,
		       size_t dlen, const struct opts *o)
{
	seg_spec(from, fl, seq, ack, win, dlen, o);
	build();
	return run(from, 0);
}

/* ISNs: the server's is close to 2^32 so its numbers wrap. */
#define C0 1000u
#define S0 0xfffff000u

static void handshake(const struct opts *oc, const struct opts *os, uint16_t wc, uint16_t ws)
{
	reset();
	tx(C, "S", C0, 0, wc, 0, oc);
	tx(S, "SA", S0, C0 + 1, ws, 0, os);
	tx(C, "A", C0 + 1, S0 + 1, wc, 0, NULL);
}

static const char *st_name(void)
{
	static char buf[64];

	if (!D.live)
		return "(no entry)";
	ct_l4_tcp.print_state(&D.e, buf, sizeof(buf));
	return buf;
}

/* ---- tests ---- */

static void test_handshake(void)
{
	reset();
	T_EQ_U(tx(C, "S", C0, 0, 65535, 0, NULL), CT_NEW, "%s: SYN is NEW", fam);
	T_OK(D.created, "%s: SYN creates the entry", fam);
	T_EQ_U(state(), CT_TCP_SYN_SENT, "%s: SYN -> SYN_SENT", fam);
	T_EQ_S(st_name(), "SYN_SENT ", "%s: prints SYN_SENT", fam);
	T_EQ_U(D.to, 120, "%s: SYN_SENT timeout 120 s", fam);
	T_OK(!assured(), "%s: not assured after SYN", fam);

	T_EQ_U(tx(C, "S", C0, 0, 65535, 0, NULL), CT_NEW, "%s: retransmitted SYN still NEW", fam);
	T_EQ_U(state(), CT_TCP_SYN_SENT, "%s: retransmitted SYN stays SYN_SENT", fam);
	T_EQ_U(D.to, 119, "%s: retransmitted SYN does not extend the timeout", fam);
	T_OK(D.keep, "%s: retransmitted SYN leaves the timeout (CT_TIMEOUT_KEEP)", fam);

	T_EQ_U(tx(S, "SA", S0, C0 + 1, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: SYN/ACK is ESTABLISHED (reply)", fam);
	T_EQ_U(state(), CT_TCP_SYN_RECV, "%s: SYN/ACK -> SYN_RECV", fam);
	T_EQ_U(D.to, 60, "%s: SYN_RECV timeout 60 s", fam);
	T_OK(!assured(), "%s: not assured after SYN/ACK", fam);

	T_EQ_U(tx(C, "A", C0 + 1, S0 + 1, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: third ACK is ESTABLISHED", fam);
	T_EQ_U(state(), CT_TCP_ESTABLISHED, "%s: ACK -> ESTABLISHED", fam);
	T_EQ_S(st_name(), "ESTABLISHED ", "%s: prints ESTABLISHED", fam);
	T_OK(assured(), "%s: ASSURED after the three-way handshake", fam);
	T_EQ_U(D.to, 432000, "%s: ESTABLISHED timeout 5 days", fam);

	T_EQ_U(tx(C, "PA", C0 + 1, S0 + 1, 65535, 100, NULL), CT_ESTABLISHED,
	       "%s: data accepted", fam);
	T_EQ_U(D.to, 300, "%s: unacknowledged data: timeout 300 s", fam);
	T_OK(tcp()->seen[0].flags & CT_TCP_F_DATA_UNACK, "%s: data marked unacknowledged", fam);
	T_EQ_U(tx(S, "A", S0 + 1, C0 + 101, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: ack of the data accepted", fam);
	T_OK(!(tcp()->seen[0].flags & CT_TCP_F_DATA_UNACK), "%s: data acked", fam);
	T_EQ_U(D.to, 432000, "%s: all acked: back to 5 days", fam);
	T_EQ_U(tcp()->seen[0].td_end, C0 + 101, "%s: td_end follows the data", fam);
}

static void test_close(void)
{
	handshake(NULL, NULL, 65535, 65535);
	T_EQ_U(tx(C, "FA", C0 + 1, S0 + 1, 65535, 0, NULL), CT_ESTABLISHED, "%s: FIN accepted",
	       fam);
	T_EQ_U(state(), CT_TCP_FIN_WAIT, "%s: FIN -> FIN_WAIT", fam);
	T_EQ_U(D.to, 120, "%s: FIN_WAIT timeout 120 s", fam);
	T_OK(tcp()->seen[0].flags & CT_TCP_F_CLOSE_INIT, "%s: client started the close", fam);
	T_EQ_U(tx(S, "A", S0 + 1, C0 + 2, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: ACK of FIN accepted", fam);
	T_EQ_U(state(), CT_TCP_CLOSE_WAIT, "%s: ACK -> CLOSE_WAIT", fam);
	T_EQ_U(D.to, 60, "%s: CLOSE_WAIT timeout 60 s", fam);
	T_EQ_U(tx(S, "FA", S0 + 1, C0 + 2, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: server FIN accepted", fam);
	T_EQ_U(state(), CT_TCP_LAST_ACK, "%s: FIN -> LAST_ACK", fam);
	T_EQ_U(D.to, 30, "%s: LAST_ACK timeout 30 s", fam);
	T_EQ_U(tx(C, "A", C0 + 2, S0 + 2, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: last ACK accepted", fam);
	T_EQ_U(state(), CT_TCP_TIME_WAIT, "%s: last ACK -> TIME_WAIT", fam);
	T_EQ_S(st_name(), "TIME_WAIT ", "%s: prints TIME_WAIT", fam);
	T_EQ_U(D.to, 120, "%s: TIME_WAIT timeout 120 s", fam);
	T_EQ_U(tx(C, "A", C0 + 2, S0 + 2, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: retransmitted last ACK accepted", fam);
	T_EQ_U(state(), CT_TCP_TIME_WAIT, "%s: stays TIME_WAIT", fam);

	/* A new SYN on the same ports: the old entry goes. */
	T_EQ_U(tx(C, "S", C0 + 100000, 0, 65535, 0, NULL), CT_NEW, "%s: SYN in TIME_WAIT is NEW",
	       fam);
	T_OK(D.created, "%s: SYN in TIME_WAIT made a new entry", fam);
	T_EQ_U(state(), CT_TCP_SYN_SENT, "%s: reopened entry in SYN_SENT", fam);
	T_OK(!assured(), "%s: reopened entry not assured", fam);
	T_EQ_U(tcp()->seen[0].td_end, C0 + 100001, "%s: reopened entry tracks the new ISN", fam);
	T_EQ_U(tx(S, "SA", S0 + 77, C0 + 100001, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: SYN/ACK of the reopened connection", fam);
	T_EQ_U(state(), CT_TCP_SYN_RECV, "%s: reopened connection in SYN_RECV", fam);

	/* Server closes first, FIN and ACK crossing. */
	handshake(NULL, NULL, 65535, 65535);
	tx(S, "FA", S0 + 1, C0 + 1, 65535, 0, NULL);
	T_EQ_U(state(), CT_TCP_FIN_WAIT, "%s: server FIN -> FIN_WAIT", fam);
	T_OK(tcp()->seen[1].flags & CT_TCP_F_CLOSE_INIT, "%s: server started the close", fam);
	tx(C, "FA", C0 + 1, S0 + 2, 65535, 0, NULL);
	T_EQ_U(state(), CT_TCP_LAST_ACK, "%s: FIN both ways -> LAST_ACK", fam);
	tx(S, "A", S0 + 2, C0 + 2, 65535, 0, NULL);
	T_EQ_U(state(), CT_TCP_TIME_WAIT, "%s: last ACK -> TIME_WAIT", fam);
	/* The server may reopen too (it now plays the client). */
	T_EQ_U(tx(S, "S", S0 + 50000, 0, 65535, 0, NULL), CT_NEW,
	       "%s: SYN from the other side in TIME_WAIT is NEW", fam);
	T_OK(D.created && D.orig == S, "%s: new entry originated by that side", fam);
}

static void test_rst(void)
{
	handshake(NULL, NULL, 65535, 65535);
	T_EQ_U(tx(S, "RA", S0 + 1, C0 + 1, 0, 0, NULL), CT_ESTABLISHED,
	       "%s: RST in window accepted", fam);
	T_EQ_U(state(), CT_TCP_CLOSE, "%s: RST -> CLOSE", fam);
	T_EQ_S(st_name(), "CLOSE ", "%s: prints CLOSE", fam);
	T_EQ_U(D.to, 10, "%s: CLOSE timeout 10 s", fam);
	T_OK(D.live, "%s: entry kept after an answered connection's RST", fam);

	handshake(NULL, NULL, 65535, 65535);
	T_EQ_U(tx(C, "R", C0 + 1 + 10000000, 0, 0, 0, NULL), CT_INVALID,
	       "%s: RST far beyond the window INVALID", fam);
	T_EQ_U(state(), CT_TCP_ESTABLISHED, "%s: out-of-window RST leaves ESTABLISHED", fam);
	T_OK(D.why != NULL, "%s: out-of-window RST has a reason (%s)", fam, D.why);
	T_EQ_U(tx(C, "R", C0 + 1, 0, 0, 0, NULL), CT_ESTABLISHED, "%s: RST at the edge accepted",
	       fam);
	T_EQ_U(state(), CT_TCP_CLOSE, "%s: in-window RST from the client -> CLOSE", fam);

	/* RST answering the SYN: the connection never existed. */
	reset();
	tx(C, "S", C0, 0, 65535, 0, NULL);
	T_EQ_U(tx(S, "RA", 0, C0 + 1, 0, 0, NULL), CT_ESTABLISHED,
	       "%s: RST answering the SYN accepted", fam);
	T_OK(D.kill && !D.live, "%s: RST answering the SYN kills the entry", fam);

	reset();
	tx(C, "S", C0, 0, 65535, 0, NULL);
	T_EQ_U(tx(S, "RA", 0, C0 + 77, 0, 0, NULL), CT_INVALID,
	       "%s: RST acking a wrong number in SYN_SENT INVALID", fam);
	T_OK(D.live && state() == CT_TCP_SYN_SENT, "%s: bad RST leaves SYN_SENT", fam);

	reset();
	tx(C, "S", C0, 0, 65535, 0, NULL);
	tx(C, "R", C0 + 1, 0, 0, 0, NULL);
	T_OK(D.kill && !D.live, "%s: client RST before any reply kills the entry", fam);

	/* RST in FIN_WAIT needs no window check: the tuple may be reused. */
	handshake(NULL, NULL, 65535, 65535);
	tx(C, "FA", C0 + 1, S0 + 1, 65535, 0, NULL);
	T_EQ_U(tx(S, "R", S0 + 5000000, 0, 0, 0, NULL), CT_ESTABLISHED,
	       "%s: RST while closing accepted without window check", fam);
	T_EQ_U(state(), CT_TCP_CLOSE, "%s: RST in FIN_WAIT -> CLOSE", fam);
}

static void test_reopen_close(void)
{
	/* After the client's own RST, its SYN is a new connection. */
	handshake(NULL, NULL, 65535, 65535);
	tx(C, "R", C0 + 1, 0, 0, 0, NULL);
	T_EQ_U(state(), CT_TCP_CLOSE, "%s: client RST -> CLOSE", fam);
	T_EQ_U(tx(C, "S", C0 + 9999, 0, 65535, 0, NULL), CT_NEW, "%s: SYN in CLOSE is NEW", fam);
	T_OK(D.created, "%s: SYN after own RST reopens (new entry)", fam);
	T_EQ_U(state(), CT_TCP_SYN_SENT, "%s: reopened in SYN_SENT", fam);

	/* After the server's RST the client's SYN is let through, and the
	 * SYN/ACK acking it brings the tracker back in sync. */
	handshake(NULL, NULL, 65535, 65535);
	tx(S, "RA", S0 + 1, C0 + 1, 0, 0, NULL);
	T_EQ_U(state(), CT_TCP_CLOSE, "%s: server RST -> CLOSE", fam);
	T_EQ_U(tx(C, "S", C0 + 9999, 0, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: SYN after the peer's RST passes", fam);
	T_OK(!D.created && state() == CT_TCP_CLOSE, "%s: that SYN is ignored (state CLOSE)", fam);
	T_EQ_U(tx(S, "SA", S0 + 3333, C0 + 10000, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: SYN/ACK acking the ignored SYN accepted", fam);
	T_EQ_U(state(), CT_TCP_SYN_RECV, "%s: resynced to SYN_RECV", fam);
	T_EQ_U(tcp()->seen[0].td_end, C0 + 10000, "%s: client side taken from the ignored SYN",
	       fam);
	T_EQ_U(tx(C, "A", C0 + 10000, S0 + 3334, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: ACK after resync", fam);
	T_EQ_U(state(), CT_TCP_ESTABLISHED, "%s: resynced connection ESTABLISHED", fam);

	/* A SYN/ACK not matching the ignored SYN stays ignored. */
	handshake(NULL, NULL, 65535, 65535);
	tx(S, "RA", S0 + 1, C0 + 1, 0, 0, NULL);
	tx(C, "S", C0 + 9999, 0, 65535, 0, NULL);
	tx(S, "SA", S0 + 3333, C0 + 12345, 65535, 0, NULL);
	T_EQ_U(state(), CT_TCP_CLOSE, "%s: SYN/ACK for another SYN leaves CLOSE", fam);
}

static void test_simultaneous(void)
{
	reset();
	tx(C, "S", C0, 0, 65535, 0, NULL);
	T_EQ_U(tx(S, "S", S0, 0, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: SYN from the reply side accepted", fam);
	T_EQ_U(state(), CT_TCP_SYN_SENT2, "%s: SYN both ways -> SYN_SENT2", fam);
	T_EQ_S(st_name(), "SYN_SENT2 ", "%s: prints SYN_SENT2", fam);
	T_EQ_U(D.to, 119, "%s: a SYN after SYN_SENT does not extend the timeout", fam);
	tx(S, "S", S0, 0, 65535, 0, NULL);
	T_EQ_U(state(), CT_TCP_SYN_SENT2, "%s: retransmitted reply SYN stays SYN_SENT2", fam);
	T_EQ_U(D.to, 120, "%s: SYN_SENT2 timeout 120 s", fam);
	T_EQ_U(tx(C, "SA", C0, S0 + 1, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: SYN/ACK from the originator accepted", fam);
	T_EQ_U(state(), CT_TCP_SYN_RECV, "%s: SYN_SENT2 -> SYN_RECV", fam);
	tx(S, "SA", S0, C0 + 1, 65535, 0, NULL);
	T_EQ_U(state(), CT_TCP_SYN_RECV, "%s: crossing SYN/ACK ignored", fam);
	T_EQ_U(tx(S, "A", S0 + 1, C0 + 1, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: ACK from the reply side accepted", fam);
	T_EQ_U(state(), CT_TCP_ESTABLISHED, "%s: simultaneous open ESTABLISHED by the reply ACK",
	       fam);
	T_OK(assured(), "%s: simultaneous open assured", fam);

	/* Without a simultaneous open a reply ACK in SYN_RECV does not
	 * establish. */
	reset();
	tx(C, "S", C0, 0, 65535, 0, NULL);
	tx(S, "SA", S0, C0 + 1, 65535, 0, NULL);
	tx(S, "A", S0 + 1, C0 + 1, 65535, 0, NULL);
	T_EQ_U(state(), CT_TCP_SYN_RECV, "%s: reply ACK in SYN_RECV stays SYN_RECV", fam);
}

static void test_bad_states(void)
{
	reset();
	tx(C, "S", C0, 0, 65535, 0, NULL);
	T_EQ_U(tx(C, "A", C0 + 1, 0, 65535, 0, NULL), CT_INVALID,
	       "%s: client ACK in SYN_SENT INVALID", fam);
	T_EQ_U(tx(C, "FA", C0 + 1, 0, 65535, 0, NULL), CT_INVALID,
	       "%s: client FIN in SYN_SENT INVALID", fam);
	T_EQ_U(tx(C, "SA", C0, 0, 65535, 0, NULL), CT_INVALID,
	       "%s: client SYN/ACK in SYN_SENT INVALID", fam);
	T_EQ_U(tx(S, "SA", S0, C0 + 5, 65535, 0, NULL), CT_INVALID,
	       "%s: SYN/ACK acking an unsent number INVALID", fam);
	T_EQ_U(state(), CT_TCP_SYN_SENT, "%s: still SYN_SENT", fam);
	T_EQ_U(tx(S, "A", S0, C0 + 1, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: reply ACK in SYN_SENT let through", fam);
	T_EQ_U(state(), CT_TCP_SYN_SENT, "%s: half-open ACK ignored", fam);
	T_EQ_U(tx(S, "SA", S0, C0 + 1, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: proper SYN/ACK then accepted", fam);
	T_EQ_U(state(), CT_TCP_SYN_RECV, "%s: SYN_RECV", fam);

	/* A second SYN/ACK or SYN on an established connection passes
	 * without changing it. */
	handshake(NULL, NULL, 65535, 65535);
	T_EQ_U(tx(S, "SA", S0, C0 + 1, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: late SYN/ACK let through", fam);
	T_EQ_U(state(), CT_TCP_ESTABLISHED, "%s: late SYN/ACK ignored", fam);
	T_EQ_U(D.to, 432000 - 1, "%s: ignored packet does not refresh the timeout", fam);
	T_OK(D.keep, "%s: ignored packet leaves the timeout (CT_TIMEOUT_KEEP)", fam);
	T_EQ_U(tx(C, "S", C0 + 77, 0, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: SYN on an established connection let through", fam);
	T_EQ_U(state(), CT_TCP_ESTABLISHED, "%s: SYN on ESTABLISHED ignored", fam);
	T_EQ_U(tx(S, "S", S0 + 77, 0, 65535, 0, NULL), CT_INVALID,
	       "%s: reply SYN on ESTABLISHED INVALID", fam);
}

static void test_challenge_ack(void)
{
	handshake(NULL, NULL, 65535, 65535);
	tx(C, "FA", C0 + 1, S0 + 1, 65535, 0, NULL);
	tx(S, "A", S0 + 1, C0 + 2, 65535, 0, NULL);
	tx(S, "FA", S0 + 1, C0 + 2, 65535, 0, NULL);
	T_EQ_U(state(), CT_TCP_LAST_ACK, "%s: LAST_ACK", fam);
	T_EQ_U(tx(C, "S", C0 + 50000, 0, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: new SYN in LAST_ACK let through", fam);
	T_EQ_U(state(), CT_TCP_LAST_ACK, "%s: SYN in LAST_ACK ignored", fam);
	T_EQ_U(tx(S, "A", S0 + 2, C0 + 2, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: challenge ACK let through", fam);
	T_EQ_U(state(), CT_TCP_LAST_ACK, "%s: challenge ACK is not the last ACK", fam);
	T_EQ_U(tx(C, "A", C0 + 2, S0 + 2, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: real last ACK", fam);
	T_EQ_U(state(), CT_TCP_TIME_WAIT, "%s: then TIME_WAIT", fam);
}

static void test_window(void)
{
	struct ct_config cfg;

	/* The server offers 1000 bytes, no scaling. */
	handshake(NULL, NULL, 65535, 1000);
	T_EQ_U(tcp()->seen[0].td_maxend, C0 + 1 + 1000, "%s: client td_maxend = ack + window", fam);
	T_EQ_U(tx(C, "PA", C0 + 1, S0 + 1, 65535, 1000, NULL), CT_ESTABLISHED,
	       "%s: data filling the window accepted", fam);
	T_EQ_U(tx(C, "PA", C0 + 1 + 50000, S0 + 1, 65535, 100, NULL), CT_INVALID,
	       "%s: data far beyond the window INVALID", fam);
	T_OK(D.why && strstr(D.why, "SEQ"), "%s: reason names the sequence check (%s)", fam,
	     D.why);
	T_EQ_U(tcp()->seen[0].td_end, C0 + 1001, "%s: invalid data leaves td_end", fam);
	T_EQ_U(tx(C, "A", C0 + 1001, S0 + 5001, 65535, 0, NULL), CT_INVALID,
	       "%s: ACK of data never sent INVALID", fam);
	T_OK(D.why && strstr(D.why, "ACK"), "%s: reason names the ack check (%s)", fam, D.why);
	/* Old data, a window back: let through, not counted. */
	{
		uint32_t before = D.to;

		tx(C, "A", C0 + 1001, S0 + 1, 65535, 0, NULL);
		T_EQ_U(D.to, 300, "%s: data still unacked", fam);
		before = D.to;
		T_EQ_U(tx(C, "PA", C0 + 1 - 200000, S0 + 1, 65535, 10, NULL), CT_ESTABLISHED,
		       "%s: data below the window let through", fam);
		T_EQ_U(D.to, before - 1, "%s: old data does not refresh the timeout", fam);
		T_EQ_U(tcp()->seen[0].td_end, C0 + 1001, "%s: old data leaves td_end", fam);
	}
	/* A little beyond the edge: the end is kept for the coming ack. */
	tx(S, "A", S0 + 1, C0 + 1001, 1000, 0, NULL);
	T_EQ_U(tx(C, "PA", C0 + 2002, S0 + 1, 65535, 10, NULL), CT_ESTABLISHED,
	       "%s: slight overrun of the window let through", fam);
	T_EQ_U(tcp()->seen[0].td_end, C0 + 2012, "%s: overrun end recorded", fam);

	/* Liberal: the table's switch or the entry's flag. */
	ct_config_defaults(&cfg);
	cfg.tcp_liberal = true;
	table_use(&cfg);
	handshake(NULL, NULL, 65535, 1000);
	T_EQ_U(tx(C, "PA", C0 + 1 + 50000, S0 + 1, 65535, 100, NULL), CT_ESTABLISHED,
	       "%s: liberal: data beyond the window accepted", fam);
	T_EQ_U(tx(C, "A", C0 + 1, S0 + 5001, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: liberal: ACK of unsent data accepted", fam);
	T_EQ_U(tx(C, "R", C0 + 1 + 10000000, 0, 0, 0, NULL), CT_ESTABLISHED,
	       "%s: liberal: RST out of window accepted", fam);
	T_EQ_U(state(), CT_TCP_CLOSE, "%s: liberal: that RST closes", fam);
	reset();
	tx(C, "S", C0, 0, 65535, 0, NULL);
	T_EQ_U(tx(C, "A", C0 + 1, 0, 65535, 0, NULL), CT_INVALID,
	       "%s: liberal: ACK in SYN_SENT still INVALID (state, not window)", fam);
	table_default();

	handshake(NULL, NULL, 65535, 1000);
	tcp()->seen[0].flags |= CT_TCP_F_BE_LIBERAL;
	T_EQ_U(tx(C, "PA", C0 + 1 + 50000, S0 + 1, 65535, 100, NULL), CT_ESTABLISHED,
	       "%s: entry flag BE_LIBERAL: data beyond the window accepted", fam);
	T_EQ_U(tx(S, "PA", S0 + 1 + 5000000, C0 + 1, 65535, 100, NULL), CT_INVALID,
	       "%s: BE_LIBERAL on one side only: the other is checked", fam);
}

static void test_wscale(void)
{
	struct opts ws7 = { .wscale = 7 }, ws2 = { .wscale = 2 };

	/* Both offer: the server's 1000 means 128000 after the handshake. */
	handshake(&ws2, &ws7, 65535, 1000);
	T_EQ_U(tcp()->seen[0].td_scale, 2, "%s: client scale 2", fam);
	T_EQ_U(tcp()->seen[1].td_scale, 7, "%s: server scale 7", fam);
	T_OK(tcp()->seen[0].flags & CT_TCP_F_WINDOW_SCALE, "%s: client offered scaling", fam);
	T_OK(tcp()->seen[1].flags & CT_TCP_F_WINDOW_SCALE, "%s: server offered scaling", fam);
	tx(S, "A", S0 + 1, C0 + 1, 1000, 0, NULL);
	T_EQ_U(tcp()->seen[0].td_maxend, C0 + 1 + 128000, "%s: scaled window in td_maxend", fam);
	T_EQ_U(tx(C, "PA", C0 + 1 + 100000, S0 + 1, 65535, 100, NULL), CT_ESTABLISHED,
	       "%s: data 100000 ahead accepted with a scaled window", fam);

	/* Only the client offers: no scaling either way. */
	handshake(&ws2, NULL, 65535, 1000);
	T_EQ_U(tcp()->seen[0].td_scale, 0, "%s: one-sided offer: client scale 0", fam);
	T_EQ_U(tcp()->seen[1].td_scale, 0, "%s: one-sided offer: server scale 0", fam);
	tx(S, "A", S0 + 1, C0 + 1, 1000, 0, NULL);
	T_EQ_U(tcp()->seen[0].td_maxend, C0 + 1 + 1000, "%s: unscaled window in td_maxend", fam);
	T_EQ_U(tx(C, "PA", C0 + 1 + 100000, S0 + 1, 65535, 100, NULL), CT_INVALID,
	       "%s: the same data INVALID without scaling", fam);

	/* Only the server offers: no scaling either. */
	handshake(NULL, &ws7, 65535, 1000);
	T_EQ_U(tcp()->seen[1].td_scale, 0, "%s: server-only offer: server scale 0", fam);
	tx(S, "A", S0 + 1, C0 + 1, 1000, 0, NULL);
	T_EQ_U(tx(C, "PA", C0 + 1 + 100000, S0 + 1, 65535, 100, NULL), CT_INVALID,
	       "%s: server-only offer: data INVALID", fam);

	/* Shifts above 14 count as 14. */
	struct opts ws20 = { .wscale = 20 };

	handshake(&ws20, &ws20, 65535, 1000);
	T_EQ_U(tcp()->seen[0].td_scale, 14, "%s: shift 20 clamped to 14", fam);

	/* The SYN's own window is never scaled. */
	handshake(&ws7, &ws7, 1000, 1000);
	T_EQ_U(tcp()->seen[1].td_maxend, S0 + 1 + 1000 * 128,
	       "%s: client's scaled ACK window in server td_maxend", fam);
	T_EQ_U(tcp()->seen[0].td_maxend, C0 + 1 + 1000, "%s: SYN/ACK window taken unscaled", fam);
}

static void test_sack(void)
{
	struct opts sok = { .wscale = -1, .sackok = 1 };
	struct opts blk = { .wscale = -1, .nsack = 1 };

	/* The client offers 4000 bytes; the server sends 3000 in three. */
	handshake(&sok, &sok, 4000, 65535);
	T_OK(tcp()->seen[0].flags & CT_TCP_F_SACK_PERM, "%s: client SACK permitted", fam);
	T_OK(tcp()->seen[1].flags & CT_TCP_F_SACK_PERM, "%s: server SACK permitted", fam);
	for (uint32_t i = 0; i < 3; i++)
		tx(S, "PA", S0 + 1 + 1000 * i, C0 + 1, 65535, 1000, NULL);
	T_EQ_U(tcp()->seen[1].td_end, S0 + 3001, "%s: server td_end after 3000 bytes", fam);
	T_EQ_U(tcp()->seen[1].td_maxend, S0 + 4001, "%s: server bound before SACK", fam);
	blk.sack[0] = S0 + 1001;
	blk.sack[1] = S0 + 3001;
	T_EQ_U(tx(C, "A", C0 + 1, S0 + 1, 4000, 0, &blk), CT_ESTABLISHED,
	       "%s: ACK with a SACK block of sent data accepted", fam);
	T_EQ_U(tcp()->seen[1].td_maxend, S0 + 3001 + 4000,
	       "%s: SACK right edge raises the server's bound", fam);
	T_EQ_U(tx(S, "PA", S0 + 5001, C0 + 1, 65535, 100, NULL), CT_ESTABLISHED,
	       "%s: server data past the plain ack's window accepted", fam);
	blk.sack[0] = S0 + 1001;
	blk.sack[1] = S0 + 9001;
	T_EQ_U(tx(C, "A", C0 + 1, S0 + 1, 4000, 0, &blk), CT_INVALID,
	       "%s: SACK of data never sent INVALID", fam);
	/* Two blocks: the highest right edge counts. */
	blk.nsack = 2;
	blk.sack[0] = S0 + 2001;
	blk.sack[1] = S0 + 3001;
	blk.sack[2] = S0 + 1001;
	blk.sack[3] = S0 + 1501;
	T_EQ_U(tx(C, "A", C0 + 1, S0 + 1, 4000, 0, &blk), CT_ESTABLISHED,
	       "%s: two SACK blocks accepted", fam);

	/* Without SACK permitted the blocks are not looked at. */
	handshake(NULL, NULL, 4000, 65535);
	for (uint32_t i = 0; i < 3; i++)
		tx(S, "PA", S0 + 1 + 1000 * i, C0 + 1, 65535, 1000, NULL);
	blk.nsack = 1;
	blk.sack[0] = S0 + 1001;
	blk.sack[1] = S0 + 9001;
	T_EQ_U(tx(C, "A", C0 + 1, S0 + 1, 4000, 0, &blk), CT_ESTABLISHED,
	       "%s: SACK without SACK permitted ignored", fam);
	T_EQ_U(tcp()->seen[1].td_maxend, S0 + 4001, "%s: bound not raised without SACK_PERM", fam);
}

static void test_retrans(void)
{
	struct ct_config cfg;

	handshake(NULL, NULL, 65535, 65535);
	tx(C, "PA", C0 + 1, S0 + 1, 65535, 100, NULL);
	tx(S, "A", S0 + 1, C0 + 101, 65535, 0, NULL);
	T_EQ_U(tcp()->retrans, 0, "%s: no retransmission yet", fam);
	for (int i = 1; i <= 3; i++) {
		tx(S, "A", S0 + 1, C0 + 101, 65535, 0, NULL);
		T_EQ_U(tcp()->retrans, i, "%s: same ACK again: retrans %d", fam, i);
		T_EQ_U(D.to, i < 3 ? 432000 : 300, "%s: timeout after %d repeats", fam, i);
	}
	tx(S, "A", S0 + 1, C0 + 101, 60000, 0, NULL);
	T_EQ_U(tcp()->retrans, 0, "%s: another window: not a retransmission", fam);
	T_EQ_U(D.to, 432000, "%s: back to the state's timeout", fam);
	tx(S, "A", S0 + 1, C0 + 101, 60000, 0, NULL);
	tx(C, "A", C0 + 101, S0 + 1, 65535, 0, NULL);
	T_EQ_U(tcp()->retrans, 0, "%s: other direction resets the count", fam);
	T_EQ_U(tcp()->last_dir, CT_DIR_ORIG, "%s: last_dir recorded", fam);

	ct_config_defaults(&cfg);
	cfg.tcp_max_retrans = 1;
	cfg.to.tcp_retrans = 77;
	table_use(&cfg);
	handshake(NULL, NULL, 65535, 65535);
	tx(S, "A", S0 + 1, C0 + 1, 65535, 0, NULL);
	tx(S, "A", S0 + 1, C0 + 1, 65535, 0, NULL);
	T_EQ_U(D.to, 77, "%s: max_retrans 1: retrans timeout after one repeat", fam);
	table_default();

	/* A zero window also shortens the life to the retrans timeout. */
	handshake(NULL, NULL, 65535, 65535);
	tx(S, "A", S0 + 1, C0 + 1, 0, 0, NULL);
	T_EQ_U(D.to, 300, "%s: zero window: retrans timeout", fam);
}

static void test_loose(void)
{
	struct ct_config cfg;

	ct_config_defaults(&cfg);
	cfg.tcp_loose = false;
	table_use(&cfg);
	reset();
	T_EQ_U(tx(C, "A", C0 + 500, S0 + 700, 65535, 0, NULL), CT_INVALID,
	       "%s: loose off: mid-stream ACK INVALID", fam);
	T_OK(!D.live, "%s: loose off: no entry", fam);
	T_OK(D.why != NULL, "%s: loose off: reason given (%s)", fam, D.why);

	cfg.tcp_loose = true;
	table_use(&cfg);
	reset();
	T_EQ_U(tx(C, "PA", C0 + 500, S0 + 700, 1000, 100, NULL), CT_NEW,
	       "%s: loose on: mid-stream data is NEW", fam);
	T_EQ_U(state(), CT_TCP_ESTABLISHED, "%s: picked up in ESTABLISHED", fam);
	T_EQ_U(D.to, 300, "%s: unanswered pickup gets the unack timeout", fam);
	T_OK(!assured(), "%s: picked up entry not assured", fam);
	T_EQ_U(tcp()->seen[0].td_end, C0 + 600, "%s: td_end from the packet", fam);
	T_EQ_U(tcp()->seen[0].td_maxend, C0 + 600 + 1000, "%s: td_maxend from the window", fam);
	T_OK((tcp()->seen[0].flags & CT_TCP_F_BE_LIBERAL) &&
		     (tcp()->seen[1].flags & CT_TCP_F_BE_LIBERAL),
	     "%s: picked up entry is liberal", fam);
	T_EQ_U(tx(S, "A", S0 + 700, C0 + 600, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s: answer accepted", fam);
	T_OK(!assured(), "%s: first answer does not assure yet", fam);
	T_EQ_U(tx(C, "A", C0 + 600, S0 + 700, 1000, 0, NULL), CT_ESTABLISHED,
	       "%s: next packet ESTABLISHED", fam);
	T_OK(assured(), "%s: picked up connection assured once answered", fam);
	T_EQ_U(D.to, 432000, "%s: then the full ESTABLISHED timeout", fam);

	reset();
	T_EQ_U(tx(C, "FA", C0, S0, 65535, 0, NULL), CT_INVALID,
	       "%s: loose on: FIN cannot start a connection", fam);
	T_EQ_U(tx(C, "SA", C0, S0, 65535, 0, NULL), CT_INVALID,
	       "%s: loose on: SYN/ACK cannot start a connection", fam);
	T_EQ_U(tx(C, "RA", C0, S0, 65535, 0, NULL), CT_INVALID,
	       "%s: loose on: RST cannot start a connection", fam);
	table_default();
}

static void test_malformed(void)
{
	static const char *const bad[] = { "", "SF", "SR", "F", "U", "P", "SAF", "RF", "SAU",
					   "SRA", "FU", "E" };
	static const char *const good[] = { "SEW", "SU", "SP" };
	struct pkt_slayer *t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset();
		T_EQ_U(tx(C, bad[i], C0, 0, 65535, 0, NULL), CT_INVALID,
		       "%s: flags \"%s\" on a new connection INVALID", fam, bad[i]);
		T_OK(!D.live, "%s: flags \"%s\": no entry", fam, bad[i]);
	}
	T_EQ_S(D.why, "invalid TCP flag combination", "%s: reason for bad flags", fam);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		reset();
		T_EQ_U(tx(C, good[i], C0, 0, 65535, 0, NULL), CT_NEW,
		       "%s: flags \"%s\" start a connection", fam, good[i]);
	}

	handshake(NULL, NULL, 65535, 65535);
	T_EQ_U(tx(C, "SF", C0 + 1, 0, 65535, 0, NULL), CT_INVALID,
	       "%s: SYN+FIN on a connection INVALID", fam);
	T_EQ_U(tx(S, "RF", S0 + 1, 0, 65535, 0, NULL), CT_INVALID,
	       "%s: RST+FIN on a connection INVALID", fam);
	T_EQ_U(tx(C, "F", C0 + 1, 0, 65535, 0, NULL), CT_INVALID,
	       "%s: FIN without ACK INVALID", fam);
	T_EQ_U(state(), CT_TCP_ESTABLISHED, "%s: bad flags leave the state", fam);

	/* Truncated header: 12 bytes of TCP. */
	reset();
	seg_spec(C, "S", C0, 0, 65535, 0, NULL);
	build();
	T_EQ_U(run(C, 12), CT_INVALID, "%s: 12-byte TCP header INVALID", fam);
	T_EQ_S(D.why, "TCP header truncated", "%s: reason for a short header", fam);
	T_EQ_U(run(C, 3), CT_INVALID, "%s: 3 bytes: no ports, INVALID", fam);
	T_OK(!D.live, "%s: short header: no entry", fam);

	t = seg_spec(C, "S", C0, 0, 65535, 0, NULL);
	pkt_spec_set_u(t, "doff", 4);
	build();
	T_EQ_U(run(C, 0), CT_INVALID, "%s: data offset 4 INVALID", fam);
	T_EQ_S(D.why, "TCP data offset below 5", "%s: reason for a small data offset", fam);

	t = seg_spec(C, "S", C0, 0, 65535, 0, NULL);
	pkt_spec_set_u(t, "doff", 15);
	build();
	T_EQ_U(run(C, 0), CT_INVALID, "%s: data offset past the segment INVALID", fam);
	T_EQ_S(D.why, "TCP data offset beyond the segment",
	       "%s: reason for a large data offset", fam);

	/* A broken option is not fatal: the segment is tracked without it. */
	t = seg_spec(C, "S", C0, 0, 65535, 0, NULL);
	push("tcpopt.nop");
	{
		struct pkt_slayer *l = push("tcpopt.wscale");

		pkt_spec_set_u(l, "len", 40);
	}
	build();
	reset();
	T_EQ_U(run(C, 0), CT_NEW, "%s: SYN with an overlong option still tracked", fam);
	T_OK(!(tcp()->seen[0].flags & CT_TCP_F_WINDOW_SCALE), "%s: the bad option is not used",
	     fam);

	/* The checksum is looked at only when the table is told to. */
	t = seg_spec(C, "S", C0, 0, 65535, 0, NULL);
	pkt_spec_set_u(t, "cksum", 0x1234);
	build();
	reset();
	T_EQ_U(run(C, 0), CT_NEW, "%s: bad checksum not verified by default (tracked)", fam);
	{
		struct ct_config cfg;

		ct_config_defaults(&cfg);
		cfg.checksum = true;
		table_use(&cfg);
		reset();
		T_EQ_U(run(C, 0), CT_INVALID, "%s: checksum on: bad checksum INVALID", fam);
		T_EQ_S(D.why, "bad TCP checksum", "%s: reason for a bad checksum", fam);
		seg_spec(C, "S", C0, 0, 65535, 5, NULL);
		build();
		T_EQ_U(run(C, 0), CT_NEW, "%s: checksum on: good checksum tracked", fam);
		table_default();
	}
}

static void test_timeouts(void)
{
	struct ct_config cfg;

	ct_config_defaults(&cfg);
	for (unsigned i = 1; i < CT_TCP_MAX; i++)
		cfg.to.tcp[i] = 10 + i;
	cfg.to.tcp_unack = 500;
	cfg.to.tcp_retrans = 600;
	table_use(&cfg);

	reset();
	tx(C, "S", C0, 0, 65535, 0, NULL);
	T_EQ_U(D.to, 10 + CT_TCP_SYN_SENT, "%s: configured SYN_SENT timeout", fam);
	tx(S, "SA", S0, C0 + 1, 65535, 0, NULL);
	T_EQ_U(D.to, 10 + CT_TCP_SYN_RECV, "%s: configured SYN_RECV timeout", fam);
	tx(C, "A", C0 + 1, S0 + 1, 65535, 0, NULL);
	T_EQ_U(D.to, 10 + CT_TCP_ESTABLISHED, "%s: configured ESTABLISHED timeout", fam);
	tx(C, "PA", C0 + 1, S0 + 1, 65535, 10, NULL);
	T_EQ_U(D.to, 10 + CT_TCP_ESTABLISHED,
	       "%s: unacked data: state timeout kept when below unack", fam);
	tx(S, "A", S0 + 1, C0 + 11, 65535, 0, NULL);
	tx(C, "FA", C0 + 11, S0 + 1, 65535, 0, NULL);
	T_EQ_U(D.to, 10 + CT_TCP_FIN_WAIT, "%s: configured FIN_WAIT timeout", fam);
	tx(S, "A", S0 + 1, C0 + 12, 65535, 0, NULL);
	T_EQ_U(D.to, 10 + CT_TCP_CLOSE_WAIT, "%s: configured CLOSE_WAIT timeout", fam);
	tx(S, "FA", S0 + 1, C0 + 12, 65535, 0, NULL);
	T_EQ_U(D.to, 10 + CT_TCP_LAST_ACK, "%s: configured LAST_ACK timeout", fam);
	tx(C, "A", C0 + 12, S0 + 2, 65535, 0, NULL);
	T_EQ_U(D.to, 10 + CT_TCP_TIME_WAIT, "%s: configured TIME_WAIT timeout", fam);
	handshake(NULL, NULL, 65535, 65535);
	tx(C, "R", C0 + 1, 0, 0, 0, NULL);
	T_EQ_U(D.to, 10 + CT_TCP_CLOSE, "%s: configured CLOSE timeout", fam);
	reset();
	tx(C, "S", C0, 0, 65535, 0, NULL);
	tx(S, "S", S0, 0, 65535, 0, NULL);
	tx(S, "S", S0, 0, 65535, 0, NULL);
	T_EQ_U(D.to, 10 + CT_TCP_SYN_SENT2, "%s: configured SYN_SENT2 timeout", fam);

	/* Large state timeouts are capped by unack/retrans. */
	cfg.to.tcp[CT_TCP_ESTABLISHED] = 100000;
	table_use(&cfg);
	handshake(NULL, NULL, 65535, 65535);
	T_EQ_U(D.to, 100000, "%s: configured long ESTABLISHED timeout", fam);
	tx(C, "PA", C0 + 1, S0 + 1, 65535, 10, NULL);
	T_EQ_U(D.to, 500, "%s: configured unack timeout", fam);

	/* Zero fields take Linux's defaults. */
	memset(&cfg.to, 0, sizeof(cfg.to));
	table_use(&cfg);
	handshake(NULL, NULL, 65535, 65535);
	T_EQ_U(D.to, 432000, "%s: zero ESTABLISHED timeout takes the default", fam);
	tx(C, "PA", C0 + 1, S0 + 1, 65535, 10, NULL);
	T_EQ_U(D.to, 300, "%s: zero unack timeout takes the default", fam);
	table_default();
}

/* An assured connection whose FIN/RST fails the window check from both
 * sides in turn gets the short unack timeout. */
static void test_invalid_close(void)
{
	handshake(NULL, NULL, 65535, 65535);
	T_EQ_U(tx(C, "FA", C0 + 1 + 5000000, S0 + 1, 65535, 0, NULL), CT_INVALID,
	       "%s: out-of-window FIN INVALID", fam);
	T_EQ_U(D.to, 432000 - 1, "%s: first bad FIN keeps the timeout", fam);
	T_OK(D.keep, "%s: first bad FIN: CT_TIMEOUT_KEEP", fam);
	T_EQ_U(tx(S, "R", S0 + 1 + 5000000, 0, 0, 0, NULL), CT_INVALID,
	       "%s: out-of-window RST from the other side INVALID", fam);
	T_EQ_U(D.to, 300, "%s: then the timeout drops to unack", fam);
	T_EQ_U(state(), CT_TCP_ESTABLISHED, "%s: state unchanged", fam);
}

static void test_hooks(void)
{
	struct ct_tuple o = { .sport = 1, .dport = 2, .l3 = 6, .proto = 6, .zone = 3 }, r;
	struct ct_entry e;
	char buf[32];

	o.src.a[0] = 0x20;
	o.dst.a[0] = 0x30;
	T_OK(ct_l4_tcp.invert(&o, &r), "invert succeeds");
	T_OK(r.sport == 2 && r.dport == 1, "invert swaps the ports");
	T_OK(r.src.a[0] == 0x30 && r.dst.a[0] == 0x20, "invert swaps the addresses");
	T_OK(r.zone == 3 && r.proto == 6 && r.l3 == 6, "invert keeps zone, proto, family");
	T_EQ_U(ct_l4_tcp.proto, 6, "module protocol 6");
	T_EQ_S(ct_l4_tcp.name, "tcp", "module name tcp");

	memset(&e, 0, sizeof(e));
	for (unsigned i = 0; i < CT_TCP_MAX; i++) {
		static const char *const names[] = {
			"NONE ",      "SYN_SENT ",  "SYN_RECV ",  "ESTABLISHED ", "FIN_WAIT ",
			"CLOSE_WAIT ", "LAST_ACK ", "TIME_WAIT ", "CLOSE ",	   "SYN_SENT2 ",
		};
		e.p.tcp.state = (uint8_t)i;
		ct_l4_tcp.print_state(&e, buf, sizeof(buf));
		T_EQ_S(buf, names[i], "print_state of state %u", i);
	}
	e.p.tcp.state = CT_TCP_ESTABLISHED;
	T_EQ_U(ct_l4_tcp.print_state(&e, buf, 4), 12, "print_state returns the full length");
	T_EQ_S(buf, "EST", "print_state truncates safely");
}


/* ---- end to end through the table ---- */

static struct ct_table *e2e;
static struct ct_result R;
static uint64_t e2e_now;

static int e2e_send(enum side from, const char *fl, uint32_t seq, uint32_t ack, uint16_t win,
		    size_t dlen, const struct opts *o)
{
	int rc;

	seg_spec(from, fl, seq, ack, win, dlen, o);
	build();
	e2e_now += NS;
	memset(&R, 0, sizeof(R));
	rc = ct_process(e2e, wb.b, wb.len, 0, e2e_now, &R);
	return rc ? -1 : (int)R.info;
}

static unsigned e2e_state(void)
{
	return R.entry ? R.entry->p.tcp.state : 99;
}

/* Seconds left on the entry of the last result. */
static uint64_t e2e_left(void)
{
	return R.entry && R.entry->expires > e2e_now ? (R.entry->expires - e2e_now) / NS : 0;
}

static void e2e_table(bool liberal, bool loose)
{
	struct ct_config cfg;

	if (e2e)
		ct_table_free(e2e);
	e2e = NULL;
	ct_config_defaults(&cfg);
	cfg.tcp_liberal = liberal;
	cfg.tcp_loose = loose;
	cfg.seed = 1;
	if (ct_table_new(&cfg, &e2e) || !e2e) {
		printf("Bail out! ct_table_new failed\n");
		exit(1);
	}
	e2e_now = 5000 * NS;
}

static void test_e2e(void)
{
	struct ct_entry *first;
	char line[512];

	e2e_table(false, true);
	T_EQ_U(e2e_send(C, "S", C0, 0, 65535, 0, NULL), CT_NEW, "%s e2e: SYN NEW", fam);
	T_OK(R.created && R.entry && R.dir == CT_DIR_ORIG, "%s e2e: SYN created an entry", fam);
	T_EQ_U(e2e_state(), CT_TCP_SYN_SENT, "%s e2e: SYN_SENT", fam);
	T_EQ_U(e2e_left(), 120, "%s e2e: SYN_SENT expires in 120 s", fam);
	first = R.entry;
	T_EQ_U(e2e_send(S, "SA", S0, C0 + 1, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s e2e: SYN/ACK ESTABLISHED", fam);
	T_OK(R.entry == first && R.dir == CT_DIR_REPLY, "%s e2e: SYN/ACK found the entry", fam);
	T_EQ_U(e2e_state(), CT_TCP_SYN_RECV, "%s e2e: SYN_RECV", fam);
	T_OK(R.entry && (R.entry->status & CT_S_SEEN_REPLY), "%s e2e: reply seen", fam);
	T_EQ_U(e2e_send(C, "A", C0 + 1, S0 + 1, 65535, 0, NULL), CT_ESTABLISHED,
	       "%s e2e: ACK ESTABLISHED", fam);
	T_EQ_U(e2e_state(), CT_TCP_ESTABLISHED, "%s e2e: ESTABLISHED", fam);
	T_OK(R.entry && (R.entry->status & CT_S_ASSURED), "%s e2e: ASSURED", fam);
	T_EQ_U(e2e_left(), 432000, "%s e2e: ESTABLISHED expires in 5 days", fam);
	T_OK(R.entry && ct_entry_format(R.entry, e2e_now, line, sizeof(line)) >= 0 &&
		     strstr(line, " ESTABLISHED "),
	     "%s e2e: listed as ESTABLISHED (%s)", fam, line);

	T_EQ_U(e2e_send(C, "PA", C0 + 1 + 10000000, S0 + 1, 65535, 10, NULL), CT_INVALID,
	       "%s e2e: out-of-window data INVALID", fam);
	T_OK(R.reason != NULL, "%s e2e: with a reason (%s)", fam, R.reason);
	T_EQ_U(e2e_send(C, "SF", C0 + 1, S0 + 1, 65535, 0, NULL), CT_INVALID,
	       "%s e2e: SYN+FIN INVALID", fam);
	T_EQ_U(first ? first->p.tcp.state : 99, CT_TCP_ESTABLISHED, "%s e2e: still ESTABLISHED", fam);

	e2e_send(C, "FA", C0 + 1, S0 + 1, 65535, 0, NULL);
	T_EQ_U(e2e_state(), CT_TCP_FIN_WAIT, "%s e2e: FIN_WAIT", fam);
	e2e_send(S, "A", S0 + 1, C0 + 2, 65535, 0, NULL);
	T_EQ_U(e2e_state(), CT_TCP_CLOSE_WAIT, "%s e2e: CLOSE_WAIT", fam);
	e2e_send(S, "FA", S0 + 1, C0 + 2, 65535, 0, NULL);
	T_EQ_U(e2e_state(), CT_TCP_LAST_ACK, "%s e2e: LAST_ACK", fam);
	e2e_send(C, "A", C0 + 2, S0 + 2, 65535, 0, NULL);
	T_EQ_U(e2e_state(), CT_TCP_TIME_WAIT, "%s e2e: TIME_WAIT", fam);
	T_EQ_U(e2e_left(), 120, "%s e2e: TIME_WAIT expires in 120 s", fam);

	T_EQ_U(e2e_send(C, "S", C0 + 100000, 0, 65535, 0, NULL), CT_NEW,
	       "%s e2e: SYN in TIME_WAIT NEW", fam);
	T_OK(R.created, "%s e2e: SYN in TIME_WAIT created a new entry", fam);
	T_EQ_U(e2e_state(), CT_TCP_SYN_SENT, "%s e2e: reopened in SYN_SENT", fam);
	T_OK(R.entry && !(R.entry->status & CT_S_ASSURED), "%s e2e: reopened not assured", fam);
	T_EQ_U(ct_table_count(e2e), 1, "%s e2e: one entry after reopening", fam);

	/* RST answering the SYN removes the entry. */
	T_EQ_U(e2e_send(S, "RA", 0, C0 + 100001, 0, 0, NULL), CT_ESTABLISHED,
	       "%s e2e: RST answering the SYN accepted", fam);
	T_EQ_U(ct_table_count(e2e), 0, "%s e2e: RST answering the SYN removed the entry", fam);

	/* Expiry in SYN_SENT. */
	e2e_send(C, "S", C0, 0, 65535, 0, NULL);
	T_EQ_U(ct_table_count(e2e), 1, "%s e2e: SYN entry", fam);
	ct_table_expire(e2e, e2e_now + 119 * NS);
	T_EQ_U(ct_table_count(e2e), 1, "%s e2e: alive after 119 s", fam);
	ct_table_expire(e2e, e2e_now + 121 * NS);
	T_EQ_U(ct_table_count(e2e), 0, "%s e2e: expired after 121 s", fam);

	/* Bad flags and mid-stream packets. */
	T_EQ_U(e2e_send(C, "", C0, 0, 65535, 0, NULL), CT_INVALID, "%s e2e: no flags INVALID",
	       fam);
	T_EQ_U(ct_table_count(e2e), 0, "%s e2e: no entry for a flagless segment", fam);
	T_EQ_U(e2e_send(C, "A", C0, S0, 65535, 0, NULL), CT_NEW, "%s e2e: loose pickup NEW", fam);
	T_EQ_U(e2e_state(), CT_TCP_ESTABLISHED, "%s e2e: picked up ESTABLISHED", fam);
	e2e_table(false, false);
	T_EQ_U(e2e_send(C, "A", C0, S0, 65535, 0, NULL), CT_INVALID,
	       "%s e2e: no loose pickup INVALID", fam);
	T_EQ_U(ct_table_count(e2e), 0, "%s e2e: no entry without loose", fam);

	/* Liberal table. */
	e2e_table(true, false);
	e2e_send(C, "S", C0, 0, 65535, 0, NULL);
	e2e_send(S, "SA", S0, C0 + 1, 1000, 0, NULL);
	e2e_send(C, "A", C0 + 1, S0 + 1, 65535, 0, NULL);
	T_EQ_U(e2e_send(C, "PA", C0 + 1 + 10000000, S0 + 1, 65535, 10, NULL), CT_ESTABLISHED,
	       "%s e2e: liberal: out-of-window data accepted", fam);
	ct_table_free(e2e);
	e2e = NULL;
}

static void run_family(int l3)
{
	L3 = l3;
	fam = l3 == 4 ? "v4" : "v6";
	test_handshake();
	test_close();
	test_rst();
	test_reopen_close();
	test_simultaneous();
	test_bad_states();
	test_challenge_ack();
	test_window();
	test_wscale();
	test_sack();
	test_retrans();
	test_loose();
	test_malformed();
	test_timeouts();
	test_invalid_close();
	test_e2e();
}

int main(void)
{
	spec = calloc(1, sizeof(*spec));
	if (!spec)
		return 1;
	pkt_wbuf_init(&wb);
	table_default();
	run_family(4);
	run_family(6);
	test_hooks();
	ct_table_free(tbl);
	pkt_wbuf_free(&wb);
	free(spec);
	return t_done();
}
