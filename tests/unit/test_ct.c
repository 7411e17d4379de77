/*
 * libct, the connection tracker: the keyed hash against the SipHash
 * reference vectors, UDP (new, reply, assured stream, timeouts on an
 * injected clock), ICMP and ICMPv6 queries, ICMP errors RELATED to the
 * connection they quote (IPv4 and IPv6) or INVALID, IPv6 extension headers
 * skipped and malformed chains refused, fragments reassembled before
 * tracking, zones, marks, the size limit with early drop, expiry, events
 * and their order, the FTP helper's expectations, and the conntrack-tools
 * text formats (expected lines taken from `conntrack -L`/`-E` of Linux
 * 6.18). Packets are written in the packet notation and built by the
 * packet library.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "build.h"
#include "ct.h"
#include "ct_int.h"
#include "l4.h"
#include "nodes.h"
#include "notation.h"
#include "reasm.h"
#include "t.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)
#define MS(x) ((uint64_t)(x) * 1000000ull)
#define T0 S(1000)

static struct cf_nodes nodes;
static struct cf_resolver resolver = { &nodes, cf_nodes_word };
static struct pkt_wbuf wb;

/* ---- building and feeding packets ---- */

static uint8_t pkt[70000];
static size_t pktlen;

__attribute__((format(printf, 1, 2))) static size_t mk(const char *fmt, ...)
{
	char text[4096], err[512];
	struct cf_pexpr pe;
	struct cf_lex lx;
	struct pkt_spec *s = calloc(1, sizeof(*s));
	struct cf_store *st = calloc(1, sizeof(*st));
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cf_lex_init(&lx, text, 1);
	cf_lex_next(&lx);
	rc = cf_pexpr_parse(&lx, &pe, err, sizeof(err));
	if (!rc)
		rc = cf_pexpr_to_spec(&pe, &resolver, s, st, err, sizeof(err));
	if (!rc)
		rc = pkt_build(s, &wb, err, sizeof(err));
	cf_pexpr_free(&pe);
	free(s);
	free(st);
	pktlen = 0;
	if (rc || wb.len > sizeof(pkt)) {
		printf("# cannot build '%s': %s\n", text, err);
		return 0;
	}
	memcpy(pkt, wb.b, wb.len);
	pktlen = wb.len;
	return pktlen;
}

/* Hex of a text, for raw(data=...) payloads with \r\n in them. */
static const char *hex(const char *s)
{
	static char buf[4][1024];
	static int k;
	char *o = buf[k++ & 3];
	size_t n = 0;

	n += (size_t)snprintf(o, 8, "0x");
	for (; *s && n + 3 < sizeof(buf[0]); s++)
		n += (size_t)snprintf(o + n, 3, "%02x", (uint8_t)*s);
	return o;
}

static struct ct_result R;
static uint64_t cur; /* time of the packet being processed, for events */

static enum ct_info feed(struct ct_table *t, uint16_t zone, uint64_t now)
{
	cur = now;
	memset(&R, 0xa5, sizeof(R));
	if (ct_process(t, pkt, pktlen, zone, now, &R))
		return (enum ct_info)-1;
	return R.info;
}

#define P(t, now, ...) (mk(__VA_ARGS__), feed(t, 0, now))
#define PZ(t, zone, now, ...) (mk(__VA_ARGS__), feed(t, zone, now))

static const char *info_name(enum ct_info i)
{
	static const char *const n[] = { "NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED" };

	return (unsigned)i < 5 ? n[i] : "?";
}

#define T_INFO(got, want, ...)                                                 \
	do {                                                                   \
		enum ct_info g_ = (got);                                       \
		T_EQ_S(info_name(g_), info_name(want), __VA_ARGS__);           \
		if (g_ != (want) && R.reason)                                  \
			printf("#   reason: %s\n", R.reason);                   \
	} while (0)

/* ct_table_expire, with the clock the event recorder formats with */
static unsigned expire(struct ct_table *t, uint64_t now)
{
	cur = now;
	return ct_table_expire(t, now);
}

static struct ct_table *table(const struct ct_config *c)
{
	struct ct_table *t = NULL;
	struct ct_config d;

	if (!c) {
		ct_config_defaults(&d);
		d.seed = 42;
		c = &d;
	}
	if (ct_table_new(c, &t))
		return NULL;
	return t;
}

static const char *line(const struct ct_entry *e, uint64_t now)
{
	static char buf[512];

	if (!e)
		return "(no entry)";
	if (ct_entry_format(e, now, buf, sizeof(buf)) < 0)
		return "(format failed)";
	return buf;
}

static const char *line_opts(const struct ct_entry *e, uint64_t now, unsigned flags)
{
	static char buf[512];

	if (!e)
		return "(no entry)";
	if (ct_entry_format_opts(e, now, flags, buf, sizeof(buf)) < 0)
		return "(format failed)";
	return buf;
}

/* ---- events ---- */

#define EVMAX 64

struct evlog {
	int n;
	enum ct_event ev[EVMAX];
	uint32_t id[EVMAX];
	char text[EVMAX][400];
};

static void on_event(void *arg, enum ct_event ev, const struct ct_entry *e)
{
	struct evlog *l = arg;

	if (l->n >= EVMAX)
		return;
	l->ev[l->n] = ev;
	l->id[l->n] = e->id;
	ct_event_format(ev, e, cur, l->text[l->n], sizeof(l->text[0]));
	l->n++;
}

/* ---- the hash ---- */

static void test_siphash(void)
{
	static const struct {
		size_t n;
		uint64_t h;
	} v[] = {
		{ 0, 0x726fdb47dd0e0e31ull },  { 1, 0x74f839c593dc67fdull },
		{ 8, 0x93f5f5799a932462ull },  { 15, 0xa129ca6149be45e5ull },
		{ 16, 0x3f2acc7f57c29bdbull },
	};
	const uint64_t key[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
	uint8_t m[16];

	for (int i = 0; i < 16; i++)
		m[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		T_EQ_U(ct_siphash(key, m, v[i].n), v[i].h, "SipHash-2-4 reference vector, %zu bytes",
		       v[i].n);
	T_EQ_U(sizeof(struct ct_entry), 160, "an entry, links included, takes 160 bytes");
	printf("# memory: %zu bytes per entry + 4 bytes per bucket (one bucket per entry by default)\n",
	       sizeof(struct ct_entry));
}

/* ---- UDP ---- */

#define UDP_O "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=40000, dport=53) / raw(data=0x6869)"
#define UDP_R "ipv4(src=192.0.2.2, dst=192.0.2.1) / udp(sport=53, dport=40000) / raw(data=0x686f)"

static void test_udp(void)
{
	struct ct_table *t = table(NULL);
	struct evlog ev = { 0 };
	struct ct_entry *e;
	struct ct_stats st;

	ct_subscribe(t, CT_EV_NEW | CT_EV_UPDATE | CT_EV_DESTROY, on_event, &ev);
	T_INFO(P(t, T0, UDP_O), CT_NEW, "udp: first packet is NEW");
	T_OK(R.created && R.entry && R.dir == CT_DIR_ORIG, "udp: it created the entry");
	e = R.entry;
	T_OK(e && !(e->status & CT_S_SEEN_REPLY) && (e->status & CT_S_CONFIRMED),
	     "udp: unreplied, confirmed");
	T_EQ_U(ct_entry_timeout(e, T0), 30, "udp: unreplied timeout 30 s");
	T_EQ_S(line(e, T0 + MS(500)),
	       "udp      17 29 src=192.0.2.1 dst=192.0.2.2 sport=40000 dport=53 [UNREPLIED] "
	       "src=192.0.2.2 dst=192.0.2.1 sport=53 dport=40000 mark=0 use=1",
	       "udp: conntrack -L line, unreplied");
	T_INFO(P(t, T0 + MS(100), UDP_O), CT_NEW, "udp: second packet the same way is still NEW");
	T_OK(!R.created && R.entry == e, "udp: same entry");
	T_INFO(P(t, T0 + MS(200), UDP_R), CT_ESTABLISHED, "udp: the reply is ESTABLISHED");
	T_OK(R.dir == CT_DIR_REPLY && R.entry == e, "udp: in the reply direction");
	T_OK(e->status & CT_S_SEEN_REPLY, "udp: SEEN_REPLY set");
	T_OK(!(e->status & CT_S_ASSURED), "udp: not assured yet");
	T_EQ_U(ct_entry_timeout(e, T0 + MS(200)), 30, "udp: replied within 2 s keeps 30 s");
	T_INFO(P(t, T0 + MS(1500), UDP_O), CT_ESTABLISHED, "udp: after the reply ESTABLISHED");
	T_OK(!(e->status & CT_S_ASSURED), "udp: 1.5 s old: still not assured");
	T_INFO(P(t, T0 + MS(2500), UDP_R), CT_ESTABLISHED, "udp: a packet after 2 s");
	T_OK(e->status & CT_S_ASSURED, "udp: ASSURED after traffic both ways and 2 s");
	T_EQ_U(ct_entry_timeout(e, T0 + MS(2500)), 120, "udp: stream timeout 120 s");
	T_EQ_U(e->pkts[0], 3, "udp: 3 packets original");
	T_EQ_U(e->pkts[1], 2, "udp: 2 packets reply");
	T_EQ_U(e->bytes[0], 3 * 30, "udp: bytes original (30-byte packets)");
	T_EQ_U(e->bytes[1], 2 * 30, "udp: bytes reply");
	T_EQ_U(e->start, 1000, "udp: start in seconds");
	T_EQ_S(line(e, T0 + S(3)),
	       "udp      17 119 src=192.0.2.1 dst=192.0.2.2 sport=40000 dport=53 "
	       "src=192.0.2.2 dst=192.0.2.1 sport=53 dport=40000 [ASSURED] mark=0 use=1",
	       "udp: conntrack -L line, assured");
	T_EQ_S(line_opts(e, T0 + S(3), CT_FMT_EXTENDED | CT_FMT_ACCT | CT_FMT_TSTAMP | CT_FMT_ID),
	       "ipv4     2 udp      17 119 src=192.0.2.1 dst=192.0.2.2 sport=40000 dport=53 "
	       "packets=3 bytes=90 src=192.0.2.2 dst=192.0.2.1 sport=53 dport=40000 packets=2 "
	       "bytes=60 [ASSURED] mark=0 delta-time=3 use=1 id=1",
	       "udp: -o extended,id with accounting and timestamps");

	/* expiry on the injected clock */
	T_EQ_U(expire(t, T0 + MS(2500) + S(119)), 0, "udp: alive 1 s before its end");
	T_EQ_U(ct_table_count(t), 1, "udp: still counted");
	T_EQ_U(expire(t, T0 + MS(2500) + S(120)), 1, "udp: gone at its end");
	T_EQ_U(ct_table_count(t), 0, "udp: table empty");

	T_EQ_U(ev.n, 4, "udp: four events");
	T_OK(ev.ev[0] == CT_EV_NEW && ev.ev[1] == CT_EV_UPDATE && ev.ev[2] == CT_EV_UPDATE &&
		     ev.ev[3] == CT_EV_DESTROY,
	     "udp: NEW, UPDATE (reply), UPDATE (assured), DESTROY");
	T_EQ_S(ev.text[0],
	       "    [NEW] udp      17 30 src=192.0.2.1 dst=192.0.2.2 sport=40000 dport=53 "
	       "[UNREPLIED] src=192.0.2.2 dst=192.0.2.1 sport=53 dport=40000",
	       "udp: -E NEW line");
	T_EQ_S(ev.text[1],
	       " [UPDATE] udp      17 30 src=192.0.2.1 dst=192.0.2.2 sport=40000 dport=53 "
	       "src=192.0.2.2 dst=192.0.2.1 sport=53 dport=40000",
	       "udp: -E UPDATE line");
	T_EQ_S(ev.text[3],
	       "[DESTROY] udp      17 src=192.0.2.1 dst=192.0.2.2 sport=40000 dport=53 "
	       "src=192.0.2.2 dst=192.0.2.1 sport=53 dport=40000 [ASSURED]",
	       "udp: -E DESTROY line of an expired entry has no timeout");

	/* an unreplied flow lasts 30 s */
	P(t, T0 + S(200), UDP_O);
	T_EQ_U(expire(t, T0 + S(229)), 0, "udp: unreplied alive at 29 s");
	T_EQ_U(expire(t, T0 + S(230)), 1, "udp: unreplied gone at 30 s");

	/* replied only within the first 2 s: 30 s, not assured */
	P(t, T0 + S(300), UDP_O);
	P(t, T0 + S(300) + MS(10), UDP_R);
	P(t, T0 + S(301), UDP_O);
	e = R.entry;
	T_OK(e && !(e->status & CT_S_ASSURED), "udp: exchanged within 2 s: not assured");
	T_EQ_U(ct_entry_timeout(e, T0 + S(301)), 30, "udp: and 30 s timeout");

	/* malformed */
	T_INFO(P(t, T0 + S(400), "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=1, dport=2, len=50)"),
	       CT_INVALID, "udp: length beyond the packet is INVALID");
	T_EQ_S(R.reason, "bad UDP length", "udp: its reason");
	T_INFO(P(t, T0 + S(400), "ipv4(src=192.0.2.1, dst=192.0.2.2, proto=17) / raw(data=0x01020304)"),
	       CT_INVALID, "udp: truncated header is INVALID");
	T_INFO(P(t, T0 + S(400), "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=1, dport=2, cksum=0x1234)"),
	       CT_NEW, "udp: a bad checksum passes by default (captures)");
	ct_table_stats(t, &st);
	T_EQ_U(st.invalid, 2, "udp: two INVALID counted");
	ct_table_free(t);

	{
		struct ct_config c;

		ct_config_defaults(&c);
		c.checksum = true;
		t = table(&c);
		T_INFO(P(t, T0, "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=1, dport=2, cksum=0x1234)"),
		       CT_INVALID, "udp: with checksums on, a bad one is INVALID");
		T_EQ_S(R.reason, "bad UDP checksum", "udp: its reason");
		T_INFO(P(t, T0, "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=1, dport=2, cksum=0)"),
		       CT_NEW, "udp: a zero checksum is none over IPv4");
		T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / udp(sport=1, dport=2) / raw(data=0x616263)"),
		       CT_NEW, "udp: a good IPv6 checksum passes");
		T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / udp(sport=1, dport=3, cksum=0)"),
		       CT_INVALID, "udp: zero checksum over IPv6 is INVALID");
		T_INFO(P(t, T0, "ipv4(src=192.0.2.1, dst=192.0.2.2, cksum=0x1111) / udp(sport=7, dport=2)"),
		       CT_INVALID, "ipv4: bad header checksum is INVALID with checksums on");
		ct_table_free(t);
	}
}

/* ---- ICMP queries ---- */

static void test_icmp_echo(void)
{
	struct ct_table *t = table(NULL);
	struct ct_entry *e;

	T_INFO(P(t, T0, "ipv4(src=192.0.2.1, dst=192.0.2.2) / icmp.echo_request(id=4660, seq=1)"),
	       CT_NEW, "icmp: echo request NEW");
	e = R.entry;
	T_INFO(P(t, T0 + MS(10), "ipv4(src=192.0.2.2, dst=192.0.2.1) / icmp.echo_reply(id=4660, seq=1)"),
	       CT_ESTABLISHED, "icmp: echo reply ESTABLISHED");
	T_OK(R.entry == e && R.dir == CT_DIR_REPLY, "icmp: the reply matches the request");
	T_EQ_U(ct_table_count(t), 1, "icmp: kept after as many replies as requests (timeouts only)");
	T_EQ_U(e->p.icmp.req, 1, "icmp: one request counted");
	T_EQ_U(e->p.icmp.rep, 1, "icmp: one reply counted");
	T_EQ_S(line(e, T0 + MS(500)),
	       "icmp     1 29 src=192.0.2.1 dst=192.0.2.2 type=8 code=0 id=4660 "
	       "src=192.0.2.2 dst=192.0.2.1 type=0 code=0 id=4660 mark=0 use=1",
	       "icmp: conntrack -L line");
	T_OK(!(e->status & CT_S_ASSURED), "icmp: never assured");
	T_INFO(P(t, T0 + S(1), "ipv4(src=192.0.2.1, dst=192.0.2.2) / icmp.echo_request(id=4660, seq=2)"),
	       CT_ESTABLISHED, "icmp: next request of the same id ESTABLISHED");
	T_INFO(P(t, T0 + S(1), "ipv4(src=192.0.2.2, dst=192.0.2.1) / icmp.echo_reply(id=99, seq=2)"),
	       CT_INVALID, "icmp: a reply nobody asked for is INVALID");
	T_EQ_S(R.reason, "ICMP type cannot start a connection", "icmp: its reason");
	T_INFO(P(t, T0 + S(1), "ipv4(src=192.0.2.1, dst=192.0.2.2) / icmp(type=9)"),
	       CT_INVALID, "icmp: router advertisement cannot start a connection");
	T_INFO(P(t, T0 + S(1), "ipv4(src=192.0.2.1, dst=192.0.2.2) / icmp(type=13)"),
	       CT_NEW, "icmp: timestamp request NEW");
	T_INFO(P(t, T0 + S(1), "ipv4(src=192.0.2.2, dst=192.0.2.1) / icmp(type=14)"),
	       CT_ESTABLISHED, "icmp: timestamp reply ESTABLISHED");
	T_EQ_U(expire(t, T0 + S(31)), 2, "icmp: gone 30 s after the last packet");
	T_INFO(P(t, T0 + S(40), "ipv6(src=2001:db8::1, dst=2001:db8::2) / icmp.echo_request(id=1)"),
	       CT_INVALID, "icmp over IPv6 is INVALID");

	T_INFO(P(t, T0 + S(50), "ipv6(src=2001:db8::1, dst=2001:db8::2) / icmpv6.echo_request(id=4660, seq=1)"),
	       CT_NEW, "icmpv6: echo request NEW");
	e = R.entry;
	T_INFO(P(t, T0 + S(50), "ipv6(src=2001:db8::2, dst=2001:db8::1) / icmpv6.echo_reply(id=4660, seq=1)"),
	       CT_ESTABLISHED, "icmpv6: echo reply ESTABLISHED");
	T_OK(R.entry == e && R.dir == CT_DIR_REPLY, "icmpv6: the reply matches");
	T_EQ_S(line(e, T0 + S(50) + MS(500)),
	       "icmpv6   58 29 src=2001:db8::1 dst=2001:db8::2 type=128 code=0 id=4660 "
	       "src=2001:db8::2 dst=2001:db8::1 type=129 code=0 id=4660 mark=0 use=1",
	       "icmpv6: conntrack -L line");
	T_EQ_U(ct_entry_timeout(e, T0 + S(50)), 30, "icmpv6: timeout 30 s");
	T_INFO(P(t, T0 + S(50), "ipv6(src=fe80::1, dst=ff02::1:ff00:2, hlim=255) / icmpv6.ns(target=2001:db8::2)"),
	       CT_UNTRACKED, "icmpv6: neighbor solicitation is not tracked");
	T_INFO(P(t, T0 + S(50), "ipv6(src=fe80::1, dst=ff02::2, hlim=255) / icmpv6.rs()"),
	       CT_UNTRACKED, "icmpv6: router solicitation is not tracked");
	T_INFO(P(t, T0 + S(50), "ipv6(src=2001:db8::2, dst=2001:db8::1) / icmpv6.echo_reply(id=7)"),
	       CT_INVALID, "icmpv6: unsolicited echo reply INVALID");
	T_INFO(P(t, T0 + S(50), "ipv4(src=192.0.2.1, dst=192.0.2.2, proto=58) / raw(data=0x8000000000010001)"),
	       CT_INVALID, "icmpv6 over IPv4 is INVALID");
	ct_table_free(t);
}

/* ---- ICMP errors ---- */

static void test_icmp_errors(void)
{
	struct ct_table *t = table(NULL);
	struct ct_entry *u, *u6, *ping;
	struct ct_stats st;
	size_t n;

	P(t, T0, UDP_O);
	u = R.entry;
	T_INFO(P(t, T0, "ipv4(src=192.0.2.2, dst=192.0.2.1) / icmp.dest_unreach(code=3) / "
			"ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=40000, dport=53) / raw(data=0x6869)"),
	       CT_RELATED, "icmp error: port unreachable for a tracked flow is RELATED");
	T_OK(R.entry == u && R.dir == CT_DIR_REPLY, "icmp error: to that flow, reply direction");
	T_OK(!(u->status & CT_S_SEEN_REPLY), "icmp error: does not count as a reply");
	T_EQ_U(u->pkts[1], 0, "icmp error: not counted on the flow");
	T_INFO(P(t, T0, "ipv4(src=198.51.100.1, dst=192.0.2.1) / icmp.time_exceeded(code=0) / "
			"ipv4(src=192.0.2.1, dst=192.0.2.2, ttl=1) / udp(sport=40000, dport=53)"),
	       CT_RELATED, "icmp error: time exceeded from a router is RELATED");
	T_INFO(P(t, T0, "ipv4(src=198.51.100.1, dst=192.0.2.1) / icmp.redirect(code=1, gw=192.0.2.9) / "
			"ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=40000, dport=53)"),
	       CT_RELATED, "icmp error: redirect is RELATED");
	T_INFO(P(t, T0, "ipv4(src=198.51.100.1, dst=192.0.2.1) / icmp(type=4) / "
			"ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=40000, dport=53)"),
	       CT_RELATED, "icmp error: source quench is RELATED");
	T_INFO(P(t, T0, "ipv4(src=198.51.100.1, dst=192.0.2.1) / icmp.param_problem(pointer=1) / "
			"ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=40000, dport=53)"),
	       CT_RELATED, "icmp error: parameter problem is RELATED");
	T_INFO(P(t, T0, "ipv4(src=192.0.2.2, dst=192.0.2.1) / icmp.dest_unreach(code=3) / "
			"ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=40001, dport=53)"),
	       CT_INVALID, "icmp error: for an unknown flow is INVALID");
	T_EQ_S(R.reason, "ICMP error for no tracked connection", "icmp error: its reason");
	T_INFO(P(t, T0, "ipv4(src=192.0.2.2, dst=198.51.100.7) / icmp.dest_unreach(code=3) / "
			"ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=40000, dport=53)"),
	       CT_INVALID, "icmp error: not sent to an end of the flow is INVALID");
	T_INFO(P(t, T0, "ipv4(src=192.0.2.2, dst=192.0.2.1) / icmp.dest_unreach(code=3) / raw(data=0x4500)"),
	       CT_INVALID, "icmp error: quoting a cut header is INVALID");
	n = mk("ipv4(src=192.0.2.2, dst=192.0.2.1) / icmp.dest_unreach(code=3) / "
	       "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=40000, dport=53)");
	pktlen = n - 4;
	pkt[3] = (uint8_t)(n - 4); /* IPv4 total length */
	T_INFO(feed(t, 0, T0), CT_INVALID, "icmp error: quoting fewer than 8 bytes of UDP is INVALID");
	T_INFO(P(t, T0, "ipv4(src=192.0.2.2, dst=192.0.2.1) / icmp.dest_unreach(code=3) / "
			"ipv4(src=192.0.2.1, dst=192.0.2.2, frag=10) / udp(sport=40000, dport=53)"),
	       CT_INVALID, "icmp error: quoting a later fragment is INVALID");

	P(t, T0, "ipv4(src=192.0.2.1, dst=192.0.2.2) / icmp.echo_request(id=5)");
	ping = R.entry;
	T_INFO(P(t, T0, "ipv4(src=198.51.100.1, dst=192.0.2.1) / icmp.time_exceeded() / "
			"ipv4(src=192.0.2.1, dst=192.0.2.2) / icmp.echo_request(id=5)"),
	       CT_RELATED, "icmp error: quoting an echo request is RELATED to the ping");
	T_OK(R.entry == ping, "icmp error: to the ping's entry");

	/* IPv6 */
	P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / udp(sport=5000, dport=5001)");
	u6 = R.entry;
	T_INFO(P(t, T0, "ipv6(src=2001:db8::2, dst=2001:db8::1) / icmpv6.dest_unreach(code=4) / "
			"ipv6(src=2001:db8::1, dst=2001:db8::2) / udp(sport=5000, dport=5001)"),
	       CT_RELATED, "icmpv6 error: port unreachable RELATED");
	T_OK(R.entry == u6 && R.dir == CT_DIR_REPLY, "icmpv6 error: to that flow");
	T_INFO(P(t, T0, "ipv6(src=2001:db8:9::1, dst=2001:db8::1) / icmpv6.packet_too_big(mtu=1280) / "
			"ipv6(src=2001:db8::1, dst=2001:db8::2) / udp(sport=5000, dport=5001)"),
	       CT_RELATED, "icmpv6 error: packet too big RELATED");
	T_INFO(P(t, T0, "ipv6(src=2001:db8:9::1, dst=2001:db8::1) / icmpv6.time_exceeded() / "
			"ipv6(src=2001:db8::1, dst=2001:db8::2) / dstopt() / udp(sport=5000, dport=5001)"),
	       CT_RELATED, "icmpv6 error: time exceeded quoting extension headers RELATED");
	T_INFO(P(t, T0, "ipv6(src=2001:db8:9::1, dst=2001:db8::1) / icmpv6.param_problem(pointer=6) / "
			"ipv6(src=2001:db8::1, dst=2001:db8::2) / frag(offset=0, m=1, id=9) / udp(sport=5000, dport=5001)"),
	       CT_RELATED, "icmpv6 error: quoting a first fragment RELATED");
	T_INFO(P(t, T0, "ipv6(src=2001:db8:9::1, dst=2001:db8::1) / icmpv6.param_problem(pointer=6) / "
			"ipv6(src=2001:db8::1, dst=2001:db8::2) / frag(offset=4, m=1, id=9) / udp(sport=5000, dport=5001)"),
	       CT_INVALID, "icmpv6 error: quoting a later fragment INVALID");
	T_INFO(P(t, T0, "ipv6(src=2001:db8::2, dst=2001:db8::1) / icmpv6.dest_unreach(code=4) / "
			"ipv6(src=2001:db8::1, dst=2001:db8::2) / udp(sport=5000, dport=5999)"),
	       CT_INVALID, "icmpv6 error: for an unknown flow INVALID");
	ct_table_stats(t, &st);
	T_EQ_U(st.related, 10, "icmp errors: RELATED counted");
	T_EQ_U(st.error, 7, "icmp errors: unmatched and malformed counted as error");
	ct_table_free(t);

	{
		struct ct_config c;

		ct_config_defaults(&c);
		c.checksum = true;
		t = table(&c);
		T_INFO(P(t, T0, "ipv4(src=192.0.2.1, dst=192.0.2.2) / icmp.echo_request(id=5, cksum=1)"),
		       CT_INVALID, "icmp: bad checksum INVALID with checksums on");
		T_EQ_S(R.reason, "bad ICMP checksum", "icmp: its reason");
		T_INFO(P(t, T0, "ipv4(src=192.0.2.1, dst=192.0.2.2) / icmp.echo_request(id=5)"),
		       CT_NEW, "icmp: good checksum passes");
		T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / icmpv6.echo_request(id=5, cksum=1)"),
		       CT_INVALID, "icmpv6: bad checksum INVALID with checksums on");
		T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / icmpv6.echo_request(id=5)"),
		       CT_NEW, "icmpv6: good checksum passes");
		ct_table_free(t);
	}
}

/* ---- IP layer ---- */

static void test_ip_layer(void)
{
	struct ct_table *t = table(NULL);
	struct ct_entry *e;

	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / hbh() / dstopt() / "
			"rh2(segleft=0, hoa=2001:db8::77) / dstopt() / udp(sport=7000, dport=7001)"),
	       CT_NEW, "ipv6: extension headers skipped to UDP");
	e = R.entry;
	T_OK(e && e->t.proto == 17 && e->t.sport == 7000 && e->t.dport == 7001,
	     "ipv6: the tuple has the UDP ports");
	T_INFO(P(t, T0, "ipv6(src=2001:db8::2, dst=2001:db8::1) / udp(sport=7001, dport=7000)"),
	       CT_ESTABLISHED, "ipv6: a reply without them matches");
	T_OK(R.entry == e, "ipv6: same entry");
	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / ah(spi=1) / udp(sport=7000, dport=7001)"),
	       CT_ESTABLISHED, "ipv6: AH skipped");
	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / esp(spi=1, data=0x0102030405060708)"),
	       CT_NEW, "ipv6: ESP tracked by the generic module");
	T_EQ_S(line(R.entry, T0),
	       "unknown  50 600 src=2001:db8::1 dst=2001:db8::2 [UNREPLIED] "
	       "src=2001:db8::2 dst=2001:db8::1 mark=0 use=1",
	       "generic: conntrack -L line");

	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / dstopt() / hbh() / udp(sport=1, dport=2)"),
	       CT_INVALID, "ipv6: hop-by-hop not first is INVALID");
	T_EQ_S(R.reason, "hop-by-hop options header not first", "ipv6: its reason");
	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / dstopt(len=4) / udp(sport=1, dport=2)"),
	       CT_INVALID, "ipv6: header longer than the packet is INVALID");
	T_EQ_S(R.reason, "truncated destination options header", "ipv6: its reason");
	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / dstopt() / ip6opt(type=7, len=9) / "
			"udp(sport=1, dport=2)"),
	       CT_INVALID, "ipv6: an option running past its header is INVALID");
	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / rh0(segleft=1, addrs=[2001:db8::9]) / "
			"udp(sport=1, dport=2)"),
	       CT_INVALID, "ipv6: type 0 routing header with segments left is INVALID");
	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2, nh=59)"), CT_INVALID,
	       "ipv6: no next header is INVALID");
	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2, plen=100) / udp(sport=1, dport=2)"),
	       CT_INVALID, "ipv6: payload length past the end is INVALID");
	T_INFO(P(t, T0, "ipv4(src=192.0.2.1, dst=192.0.2.2, ihl=4) / udp(sport=1, dport=2)"),
	       CT_INVALID, "ipv4: header length below 5 words is INVALID");
	T_INFO(P(t, T0, "ipv4(src=192.0.2.1, dst=192.0.2.2, len=200) / udp(sport=1, dport=2)"),
	       CT_INVALID, "ipv4: total length past the end is INVALID");
	T_INFO(P(t, T0, "arp()"), CT_UNTRACKED, "not IP is UNTRACKED");
	pktlen = 0;
	T_INFO(feed(t, 0, T0), CT_UNTRACKED, "an empty packet is UNTRACKED");
	/* Ethernet padding after the IP packet is ignored */
	mk("ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=8, dport=9)");
	memset(pkt + pktlen, 0, 18);
	pktlen += 18;
	T_INFO(feed(t, 0, T0), CT_NEW, "ipv4: trailing padding ignored");
	T_EQ_U(R.entry ? R.entry->bytes[0] : 0, 28, "ipv4: bytes counted from the total length");
	ct_table_free(t);
}

/* ---- fragments ---- */

static void test_fragments(void)
{
	struct ct_table *t = table(NULL);
	struct pkt_fraglist fl;
	struct pkt_frag_opts o = { .mtu = 600, .id = 0x1234, .set_id = true };
	struct ct_stats st;
	size_t i;

	pkt_fraglist_init(&fl);
	mk("ipv6(src=2001:db8::1, dst=2001:db8::2) / udp(sport=9000, dport=9001) / raw(1000)");
	T_OK(pkt_fragment_ipv6(pkt, pktlen, &o, &fl) == 0 && fl.n == 2, "frag: IPv6 packet in 2 fragments");
	for (i = 0; i + 1 < fl.n; i++) {
		T_OK(ct_process(t, fl.v[i].b, fl.v[i].len, 0, T0, &R) == 0 && R.info == CT_UNTRACKED,
		     "frag: fragment %zu held (UNTRACKED)", i);
		T_EQ_S(R.reason, "fragment held", "frag: reason");
	}
	T_OK(ct_process(t, fl.v[i].b, fl.v[i].len, 0, T0, &R) == 0 && R.info == CT_NEW && R.created,
	     "frag: the last completes it and the datagram is tracked");
	T_OK(R.entry && R.entry->t.sport == 9000 && R.entry->t.dport == 9001,
	     "frag: ports from the reassembled datagram");
	T_EQ_U(R.entry ? R.entry->bytes[0] : 0, 40 + 8 + 1000, "frag: the datagram's bytes counted once");
	T_EQ_S(R.reason, "reassembled", "frag: noted as reassembled");

	/* out of order, IPv4 */
	mk("ipv4(src=192.0.2.1, dst=192.0.2.2, id=7) / udp(sport=9000, dport=9001) / raw(1000)");
	T_OK(pkt_fragment_ipv4(pkt, pktlen, &o, &fl) == 0 && fl.n == 2, "frag: IPv4 packet in 2 fragments");
	T_OK(ct_process(t, fl.v[1].b, fl.v[1].len, 0, T0, &R) == 0 && R.info == CT_UNTRACKED,
	     "frag: IPv4 last fragment first, held");
	T_OK(ct_process(t, fl.v[0].b, fl.v[0].len, 0, T0, &R) == 0 && R.info == CT_NEW,
	     "frag: IPv4 datagram tracked when complete");
	T_EQ_U(R.entry ? R.entry->t.l3 : 0, 4, "frag: as IPv4");

	/* an atomic fragment is tracked at once */
	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / frag(offset=0, m=0, id=5) / "
			"udp(sport=9100, dport=9101)"),
	       CT_NEW, "frag: atomic fragment tracked at once");

	/* overlapping fragments discard the datagram */
	mk("ipv6(src=2001:db8::1, dst=2001:db8::2) / frag(offset=0, m=1, id=6) / udp(sport=1, dport=2, len=40) / raw(16)");
	feed(t, 0, T0);
	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / frag(offset=1, m=0, id=6) / raw(24)"),
	       CT_INVALID, "frag: an overlapping fragment is INVALID");
	/* held fragments time out */
	P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / frag(offset=0, m=1, id=8) / udp(sport=1, dport=2, len=40) / raw(16)");
	expire(t, T0 + S(61));
	ct_table_stats(t, &st);
	T_EQ_U(st.frag_held, 4, "frag: held fragments counted");
	T_EQ_U(st.frag_dropped, 2, "frag: overlap and timeout counted as dropped");
	pkt_fraglist_free(&fl);
	ct_table_free(t);
}

/* ---- zones and marks ---- */

static void test_zones_marks(void)
{
	struct ct_table *t = table(NULL);
	struct evlog ev = { 0 };
	struct ct_entry *z0, *z1;
	struct ct_tuple tu;
	enum ct_dir d;

	ct_subscribe(t, CT_EV_UPDATE, on_event, &ev);
	T_INFO(PZ(t, 0, T0, UDP_O), CT_NEW, "zones: new in zone 0");
	z0 = R.entry;
	T_INFO(PZ(t, 1, T0, UDP_O), CT_NEW, "zones: the same packet in zone 1 is NEW too");
	z1 = R.entry;
	T_OK(z0 && z1 && z0 != z1, "zones: two entries");
	T_EQ_U(ct_table_count(t), 2, "zones: counted apart");
	T_INFO(PZ(t, 1, T0, UDP_R), CT_ESTABLISHED, "zones: reply in zone 1");
	T_OK(R.entry == z1, "zones: matches the zone 1 entry");
	T_OK(!(z0->status & CT_S_SEEN_REPLY), "zones: zone 0 still unreplied");
	T_EQ_S(line(z1, T0),
	       "udp      17 30 src=192.0.2.1 dst=192.0.2.2 sport=40000 dport=53 "
	       "src=192.0.2.2 dst=192.0.2.1 sport=53 dport=40000 mark=0 zone=1 use=1",
	       "zones: conntrack -L shows zone=");

	ev.n = 0;
	T_OK(ct_entry_set_mark(t, z0, 42) == 0, "marks: set");
	T_EQ_U(z0->mark, 42, "marks: kept");
	T_EQ_U(ev.n, 1, "marks: an UPDATE event");
	T_EQ_S(ev.text[0],
	       " [UPDATE] udp      17 30 src=192.0.2.1 dst=192.0.2.2 sport=40000 dport=53 [UNREPLIED] "
	       "src=192.0.2.2 dst=192.0.2.1 sport=53 dport=40000 mark=42",
	       "marks: the event shows the mark");
	T_OK(ct_entry_set_mark(t, z0, 42) == 0 && ev.n == 1, "marks: no event when unchanged");
	T_EQ_S(line(z0, T0),
	       "udp      17 30 src=192.0.2.1 dst=192.0.2.2 sport=40000 dport=53 [UNREPLIED] "
	       "src=192.0.2.2 dst=192.0.2.1 sport=53 dport=40000 mark=42 use=1",
	       "marks: conntrack -L shows mark=");

	/* lookups, both directions and zones */
	memset(&tu, 0, sizeof(tu));
	tu = z1->t;
	T_OK(ct_table_lookup(t, &tu, &d) == z1 && d == CT_DIR_ORIG, "lookup: original tuple");
	ct_tuple_invert(&z1->t, &tu);
	T_OK(ct_table_lookup(t, &tu, &d) == z1 && d == CT_DIR_REPLY, "lookup: reply tuple");
	tu.zone = 7;
	T_OK(ct_table_lookup(t, &tu, &d) == NULL, "lookup: other zone finds nothing");
	T_OK(ct_table_by_id(t, z0->id) == z0, "by_id: finds the entry");
	T_OK(ct_table_by_id(t, 12345) == NULL, "by_id: unknown id");
	T_OK(ct_entry_delete(t, z0) == 0, "delete: ok");
	T_EQ_U(ct_table_count(t), 1, "delete: one left");
	T_OK(ct_entry_delete(t, z0) == -ENOENT, "delete: twice is ENOENT");
	T_OK(ct_entry_set_timeout(t, z1, 5, T0 + S(1)) == 0, "set_timeout: ok");
	T_EQ_U(ct_entry_timeout(z1, T0 + S(1)), 5, "set_timeout: shortened to 5 s");
	T_EQ_U(expire(t, T0 + S(6)), 1, "set_timeout: expires at the new time");
	ct_table_free(t);
}

/* ---- table limits ---- */

static void test_limits(void)
{
	struct ct_config c;
	struct ct_table *t;
	struct ct_stats st;
	struct evlog ev = { 0 };
	int i;

	ct_config_defaults(&c);
	c.max_entries = 4;
	c.seed = 1;
	t = table(&c);
	ct_subscribe(t, CT_EV_DESTROY, on_event, &ev);
	for (i = 0; i < 4; i++)
		P(t, T0 + S(i), "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=%d, dport=53)", 1000 + i);
	T_EQ_U(ct_table_count(t), 4, "limit: table holds 4");
	/* make all but the second assured */
	for (i = 0; i < 4; i++) {
		if (i == 1)
			continue;
		P(t, T0 + S(10), "ipv4(src=192.0.2.2, dst=192.0.2.1) / udp(sport=53, dport=%d)", 1000 + i);
		P(t, T0 + S(10), "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=%d, dport=53)", 1000 + i);
		T_OK(R.entry && (R.entry->status & CT_S_ASSURED), "limit: flow %d assured", i);
	}
	T_INFO(P(t, T0 + S(11), "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=2000, dport=53)"),
	       CT_NEW, "limit: a fifth flow gets in");
	T_EQ_U(ct_table_count(t), 4, "limit: still 4");
	T_OK(ev.n == 1 && strstr(ev.text[0], "sport=1001 "), "limit: the unassured flow was dropped");
	ct_table_stats(t, &st);
	T_EQ_U(st.early_drop, 1, "limit: early_drop counted");
	/* now all four are assured or new; make the new one assured too */
	P(t, T0 + S(14), "ipv4(src=192.0.2.2, dst=192.0.2.1) / udp(sport=53, dport=2000)");
	P(t, T0 + S(14), "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=2000, dport=53)");
	T_INFO(P(t, T0 + S(15), "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=3000, dport=53)"),
	       CT_INVALID, "limit: full of assured flows: INVALID");
	T_EQ_S(R.reason, "table full", "limit: reason table full");
	ct_table_stats(t, &st);
	T_EQ_U(st.insert_failed, 1, "limit: insert_failed counted");
	T_EQ_U(st.drop, 1, "limit: drop counted");
	T_EQ_U(ct_table_count(t), 4, "limit: still 4");
	/* an expired entry makes room without an early drop */
	ct_entry_set_timeout(t, ct_table_by_id(t, 1), 1, T0 + S(15));
	T_INFO(P(t, T0 + S(17), "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=3000, dport=53)"),
	       CT_NEW, "limit: an expired entry makes room");
	ct_table_stats(t, &st);
	T_EQ_U(st.early_drop, 1, "limit: no more early drops");
	T_EQ_U(st.expired, 1, "limit: one expired");
	ct_table_free(t);

	/* expiry a little at a time from ct_process, no expire call */
	ct_config_defaults(&c);
	c.seed = 2;
	c.to.udp = 5;
	t = table(&c);
	for (i = 0; i < 200; i++)
		P(t, T0, "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=%d, dport=53)", 10000 + i);
	T_EQ_U(ct_table_count(t), 200, "expiry: 200 flows");
	P(t, T0 + S(4), "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=%d, dport=53)", 10000);
	T_OK(P(t, T0 + S(7), "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=%d, dport=53)", 10001) == CT_NEW &&
		     R.created,
	     "expiry: a flow past its time is new again even before the wheel got to it");
	for (i = 0; i < 40; i++)
		P(t, T0 + S(8), "ipv4(src=192.0.2.9, dst=192.0.2.2) / udp(sport=1, dport=53)");
	T_EQ_U(ct_table_count(t), 3, "expiry: ct_process expired the rest within a few calls");
	T_OK(P(t, T0 + S(8), "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=%d, dport=53)", 10000) ==
		     CT_NEW && !R.created,
	     "expiry: the refreshed flow is still there");
	/* a long jump of the clock */
	T_EQ_U(expire(t, T0 + S(86400)), 3, "expiry: a day later all gone");
	T_EQ_U(ct_table_count(t), 0, "expiry: empty");
	ct_table_free(t);
}

/* ---- events ---- */

static void test_events(void)
{
	struct ct_table *t = table(NULL);
	struct evlog all = { 0 }, news = { 0 };
	int h;

	h = ct_subscribe(t, CT_EV_NEW | CT_EV_UPDATE | CT_EV_DESTROY, on_event, &all);
	ct_subscribe(t, CT_EV_NEW, on_event, &news);
	T_OK(h >= 0, "events: subscribed");
	P(t, T0, "ipv4(src=192.0.2.1, dst=192.0.2.2) / icmp.echo_request(id=80)");
	P(t, T0, "ipv4(src=192.0.2.2, dst=192.0.2.1) / icmp.echo_reply(id=80)");
	P(t, T0 + S(1), "ipv4(src=192.0.2.1, dst=192.0.2.2) / icmp.echo_request(id=80, seq=1)");
	P(t, T0 + S(1), "ipv4(src=192.0.2.2, dst=192.0.2.1) / icmp.echo_reply(id=80, seq=1)");
	expire(t, T0 + S(40));
	T_EQ_U(all.n, 3, "events: NEW, one UPDATE, DESTROY (no event for refreshes)");
	T_EQ_S(all.text[0],
	       "    [NEW] icmp     1 30 src=192.0.2.1 dst=192.0.2.2 type=8 code=0 id=80 [UNREPLIED] "
	       "src=192.0.2.2 dst=192.0.2.1 type=0 code=0 id=80",
	       "events: -E NEW line");
	T_EQ_S(all.text[1],
	       " [UPDATE] icmp     1 30 src=192.0.2.1 dst=192.0.2.2 type=8 code=0 id=80 "
	       "src=192.0.2.2 dst=192.0.2.1 type=0 code=0 id=80",
	       "events: -E UPDATE line");
	T_EQ_S(all.text[2],
	       "[DESTROY] icmp     1 src=192.0.2.1 dst=192.0.2.2 type=8 code=0 id=80 "
	       "src=192.0.2.2 dst=192.0.2.1 type=0 code=0 id=80",
	       "events: -E DESTROY line");
	T_EQ_U(news.n, 1, "events: the NEW-only subscriber saw one");
	ct_unsubscribe(t, h);
	P(t, T0 + S(50), "ipv4(src=192.0.2.1, dst=192.0.2.2) / icmp.echo_request(id=81)");
	T_EQ_U(all.n, 3, "events: none after unsubscribing");
	T_EQ_U(news.n, 2, "events: the other still subscribed");
	{
		char buf[400];
		struct ct_entry *e = R.entry;

		T_OK(ct_event_format_opts(CT_EV_DESTROY, e, T0 + S(52), CT_FMT_ACCT | CT_FMT_TSTAMP, buf,
					  sizeof(buf)) > 0,
		     "events: DESTROY with accounting formats");
		T_EQ_S(buf,
		       "[DESTROY] icmp     1 28 src=192.0.2.1 dst=192.0.2.2 type=8 code=0 id=81 packets=1 "
		       "bytes=28 [UNREPLIED] src=192.0.2.2 dst=192.0.2.1 type=0 code=0 id=81 packets=0 "
		       "bytes=0 delta-time=2",
		       "events: a deleted entry's DESTROY keeps its timeout, with counters");
		T_OK(ct_entry_format(e, T0, buf, 20) == -ENOSPC, "format: too small a buffer is ENOSPC");
	}
	/* flush */
	all.n = 0;
	h = ct_subscribe(t, CT_EV_DESTROY, on_event, &all);
	P(t, T0 + S(51), "ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=1, dport=2)");
	ct_table_flush(t);
	T_EQ_U(ct_table_count(t), 0, "flush: empty");
	T_EQ_U(all.n, 2, "flush: a DESTROY for each");
	ct_table_free(t);
}

/* ---- TCP and the FTP helper ---- */

#define V4C "ipv4(src=192.0.2.1, dst=192.0.2.2)"
#define V4S "ipv4(src=192.0.2.2, dst=192.0.2.1)"

/* A handshake from client port cp to server port sp: client ISN 1000,
 * server ISN 5000. */
static void handshake(struct ct_table *t, const char *c, const char *s, int cp, int sp, uint64_t now)
{
	P(t, now, "%s / tcp(sport=%d, dport=%d, seq=1000, syn=1)", c, cp, sp);
	P(t, now, "%s / tcp(sport=%d, dport=%d, seq=5000, ack=1001, syn=1, ackf=1)", s, sp, cp);
	P(t, now, "%s / tcp(sport=%d, dport=%d, seq=1001, ack=5001, ackf=1)", c, cp, sp);
}

static int expect_line(const struct ct_expect *x, const struct ct_entry *m, void *arg)
{
	char *buf = arg;

	ct_expect_format(x, m, T0 + S(1), buf, 400);
	return 1;
}

static void test_ftp(void)
{
	struct ct_config c;
	struct ct_table *t;
	struct ct_entry *ctl, *data;
	char buf[400];
	const char *pasv = "227 Entering Passive Mode (192,0,2,2,19,137).\r\n";

	ct_config_defaults(&c);
	c.helpers = true;
	c.seed = 3;
	t = table(&c);
	handshake(t, V4C, V4S, 40000, 21, T0);
	ctl = R.entry;
	T_INFO(R.info, CT_ESTABLISHED, "ftp: control connection established");
	T_OK(ctl && ctl->helper == CT_HELPER_FTP, "ftp: helper attached on port 21");
	T_OK(ctl && ctl->p.tcp.state == CT_TCP_ESTABLISHED, "ftp: TCP ESTABLISHED");
	T_EQ_S(line(ctl, T0 + MS(500)),
	       "tcp      6 431999 ESTABLISHED src=192.0.2.1 dst=192.0.2.2 sport=40000 dport=21 "
	       "src=192.0.2.2 dst=192.0.2.1 sport=21 dport=40000 [ASSURED] mark=0 helper=ftp use=1",
	       "tcp: conntrack -L line with helper");
	ct_entry_set_mark(t, ctl, 7);
	T_INFO(P(t, T0, V4S " / tcp(sport=21, dport=40000, seq=5001, ack=1001, ackf=1, psh=1) / raw(data=%s)",
		 hex(pasv)),
	       CT_ESTABLISHED, "ftp: 227 reply passes");
	T_EQ_U(ct_expect_count(t), 1, "ftp: 227 creates an expectation");
	buf[0] = 0;
	ct_expect_walk(t, expect_line, buf);
	T_EQ_S(buf,
	       "299 proto=6 src=192.0.2.1 dst=192.0.2.2 sport=0 dport=5001 mask-src=255.255.255.255 "
	       "mask-dst=255.255.255.255 sport=0 dport=65535 master-src=192.0.2.1 master-dst=192.0.2.2 "
	       "sport=40000 dport=21 class=0 helper=ftp",
	       "ftp: conntrack -L expect line");
	T_INFO(P(t, T0 + S(1), V4C " / tcp(sport=40100, dport=5001, seq=9000, syn=1)"), CT_RELATED,
	       "ftp: the data connection is RELATED");
	data = R.entry;
	T_OK(R.created && data && (data->status & CT_S_EXPECTED), "ftp: created with EXPECTED");
	T_EQ_U(data ? data->master : 0, ctl->id, "ftp: master is the control connection");
	T_EQ_U(data ? data->mark : 0, 7, "ftp: mark taken from the master");
	T_OK(data && data->helper == CT_HELPER_NONE, "ftp: no helper on the data connection");
	T_EQ_U(ct_expect_count(t), 0, "ftp: the expectation is used up");
	T_INFO(P(t, T0 + S(1), V4C " / tcp(sport=40100, dport=5001, seq=9000, syn=1)"), CT_RELATED,
	       "ftp: its SYN again is still RELATED");
	T_INFO(P(t, T0 + S(1), V4S " / tcp(sport=5001, dport=40100, seq=7000, ack=9001, syn=1, ackf=1)"),
	       CT_ESTABLISHED, "ftp: the answer is ESTABLISHED");
	T_INFO(P(t, T0 + S(1), V4C " / tcp(sport=40101, dport=5001, seq=9000, syn=1)"), CT_NEW,
	       "ftp: a second connection to the port is only NEW");

	/* PORT from the client: the server connects back */
	T_INFO(P(t, T0 + S(2), V4C " / tcp(sport=40000, dport=21, seq=1001, ack=%u, ackf=1, psh=1) / raw(data=%s)",
		 5001 + (unsigned)strlen(pasv), hex("PORT 192,0,2,1,200,10\r\n")),
	       CT_ESTABLISHED, "ftp: PORT passes");
	T_INFO(P(t, T0 + S(2), V4S " / tcp(sport=20, dport=51210, seq=1, syn=1)"), CT_RELATED,
	       "ftp: the server's data connection after PORT is RELATED");
	/* an address that is not the announcer's own makes no expectation */
	T_INFO(P(t, T0 + S(3), V4C " / tcp(sport=40000, dport=21, seq=%u, ack=%u, ackf=1, psh=1) / raw(data=%s)",
		 1001 + 24, 5001 + (unsigned)strlen(pasv), hex("PORT 198,51,100,1,200,11\r\n")),
	       CT_ESTABLISHED, "ftp: PORT to a third host passes");
	T_EQ_U(ct_expect_count(t), 0, "ftp: but expects nothing");
	/* the expectation goes with its master */
	T_INFO(P(t, T0 + S(4), V4S " / tcp(sport=21, dport=40000, seq=%u, ack=%u, ackf=1, psh=1) / raw(data=%s)",
		 5001 + (unsigned)strlen(pasv), 1001 + 24 + 26, hex("227 Entering Passive Mode (192,0,2,2,19,140)\r\n")),
	       CT_ESTABLISHED, "ftp: another 227");
	T_EQ_U(ct_expect_count(t), 1, "ftp: expectation made");
	ct_entry_delete(t, ctl);
	T_EQ_U(ct_expect_count(t), 0, "ftp: deleting the master drops its expectation");
	ct_table_free(t);

	/* IPv6: EPSV and EPRT */
	t = table(&c);
	handshake(t, "ipv6(src=2001:db8::1, dst=2001:db8::2)", "ipv6(src=2001:db8::2, dst=2001:db8::1)",
		  41000, 21, T0);
	ctl = R.entry;
	T_INFO(P(t, T0, "ipv6(src=2001:db8::2, dst=2001:db8::1) / tcp(sport=21, dport=41000, seq=5001, "
			"ack=1001, ackf=1, psh=1) / raw(data=%s)",
		 hex("229 Entering Extended Passive Mode (|||5282|)\r\n")),
	       CT_ESTABLISHED, "ftp6: 229 passes");
	T_EQ_U(ct_expect_count(t), 1, "ftp6: 229 creates an expectation");
	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / tcp(sport=41001, dport=5282, seq=1, syn=1)"),
	       CT_RELATED, "ftp6: the EPSV data connection is RELATED");
	T_EQ_U(R.entry ? R.entry->master : 0, ctl->id, "ftp6: master set");
	T_INFO(P(t, T0, "ipv6(src=2001:db8::1, dst=2001:db8::2) / tcp(sport=41000, dport=21, seq=1001, "
			"ack=%u, ackf=1, psh=1) / raw(data=%s)",
		 5001 + 47, hex("EPRT |2|2001:db8::1|5283|\r\n")),
	       CT_ESTABLISHED, "ftp6: EPRT passes");
	T_EQ_U(ct_expect_count(t), 1, "ftp6: EPRT creates an expectation");
	T_INFO(P(t, T0, "ipv6(src=2001:db8::2, dst=2001:db8::1) / tcp(sport=20, dport=5283, seq=1, syn=1)"),
	       CT_RELATED, "ftp6: the EPRT data connection is RELATED");
	ct_table_free(t);

	/* helpers off: nothing expected */
	c.helpers = false;
	t = table(&c);
	handshake(t, V4C, V4S, 40000, 21, T0);
	P(t, T0, V4S " / tcp(sport=21, dport=40000, seq=5001, ack=1001, ackf=1, psh=1) / raw(data=%s)", hex(pasv));
	T_EQ_U(ct_expect_count(t), 0, "ftp: no expectation with helpers off");
	ct_table_free(t);
}

static void test_tcp_kill(void)
{
	struct ct_table *t = table(NULL);
	struct evlog ev = { 0 };

	ct_subscribe(t, CT_EV_NEW | CT_EV_DESTROY, on_event, &ev);
	T_INFO(P(t, T0, V4C " / tcp(sport=33000, dport=81, seq=1000, syn=1)"), CT_NEW, "tcp: SYN NEW");
	T_INFO(P(t, T0, V4S " / tcp(sport=81, dport=33000, seq=0, ack=1001, rst=1, ackf=1)"),
	       CT_ESTABLISHED, "tcp: RST answering the SYN passes");
	T_OK(R.entry == NULL, "tcp: and the entry is gone");
	T_EQ_U(ct_table_count(t), 0, "tcp: table empty");
	T_OK(ev.n == 2 && ev.ev[1] == CT_EV_DESTROY, "tcp: NEW then DESTROY");

	/* a SYN on a connection in TIME_WAIT starts a new one (Linux's
	 * NF_REPEAT): the old entry goes, the packet is tracked again */
	ev.n = 0;
	handshake(t, V4C, V4S, 33001, 80, T0);
	P(t, T0, V4C " / tcp(sport=33001, dport=80, seq=1001, ack=5001, fin=1, ackf=1)");
	P(t, T0, V4S " / tcp(sport=80, dport=33001, seq=5001, ack=1002, fin=1, ackf=1)");
	P(t, T0, V4C " / tcp(sport=33001, dport=80, seq=1002, ack=5002, ackf=1)");
	T_OK(R.entry && R.entry->p.tcp.state == CT_TCP_TIME_WAIT, "tcp: closed to TIME_WAIT");
	{
		uint32_t old = R.entry ? R.entry->id : 0;

		T_INFO(P(t, T0 + S(1), V4C " / tcp(sport=33001, dport=80, seq=90000, syn=1)"), CT_NEW,
		       "tcp: a new SYN in TIME_WAIT is NEW");
		T_OK(R.created && R.entry && R.entry->id != old, "tcp: in a new entry");
		T_OK(R.entry && R.entry->p.tcp.state == CT_TCP_SYN_SENT, "tcp: in SYN_SENT");
		T_OK(ev.n >= 3 && ev.ev[ev.n - 2] == CT_EV_DESTROY && ev.id[ev.n - 2] == old &&
			     ev.ev[ev.n - 1] == CT_EV_NEW,
		     "tcp: DESTROY of the old one, then NEW");
		T_EQ_U(ct_table_count(t), 1, "tcp: one entry");
	}
	/* an ICMP error quoting the TCP segment */
	T_INFO(P(t, T0 + S(1), "ipv4(src=198.51.100.1, dst=192.0.2.1) / icmp.dest_unreach(code=4, mtu=1400) / "
			       V4C " / tcp(sport=33001, dport=80, seq=90000, syn=1)"),
	       CT_RELATED, "tcp: fragmentation needed quoting the SYN is RELATED");
	ct_table_free(t);
}

/* ---- robustness ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void test_garbage(void)
{
	static const char *const base[] = {
		UDP_O,
		"ipv6(src=2001:db8::1, dst=2001:db8::2) / hbh() / dstopt() / udp(sport=1, dport=2)",
		"ipv4(src=192.0.2.2, dst=192.0.2.1) / icmp.dest_unreach(code=3) / "
		"ipv4(src=192.0.2.1, dst=192.0.2.2) / udp(sport=40000, dport=53)",
		"ipv6(src=2001:db8::2, dst=2001:db8::1) / icmpv6.dest_unreach(code=4) / "
		"ipv6(src=2001:db8::1, dst=2001:db8::2) / dstopt() / udp(sport=5000, dport=5001)",
		V4C " / tcp(sport=40000, dport=21, seq=1, syn=1)",
		"ipv6(src=2001:db8::1, dst=2001:db8::2) / frag(offset=0, m=1, id=6) / udp(sport=1, dport=2, len=40) / raw(16)",
		"ipv6(src=2001:db8::1, dst=2001:db8::2) / frag(offset=2, m=0, id=6) / raw(16)",
	};
	struct ct_config c;
	struct ct_table *t;
	struct ct_stats st;
	uint8_t orig[2048];
	size_t olen;
	unsigned bad = 0, total = 0;

	ct_config_defaults(&c);
	c.max_entries = 64;
	c.checksum = true;
	c.helpers = true;
	c.frag_max_bytes = 64 * 1024;
	t = table(&c);
	for (size_t k = 0; k < sizeof(base) / sizeof(base[0]); k++) {
		olen = mk("%s", base[k]);
		memcpy(orig, pkt, olen);
		/* every truncation */
		for (size_t n = 0; n <= olen; n++) {
			if (ct_process(t, orig, n, 0, T0 + n, &R) || (unsigned)R.info > CT_UNTRACKED)
				bad++;
			total++;
		}
		/* random byte changes */
		for (int r = 0; r < 3000; r++) {
			memcpy(pkt, orig, olen);
			for (int f = (int)(rnd() % 4); f >= 0; f--)
				pkt[rnd() % olen] = (uint8_t)rnd();
			if (ct_process(t, pkt, olen, (uint16_t)(rnd() % 3), T0 + S(r), &R) ||
			    (unsigned)R.info > CT_UNTRACKED)
				bad++;
			total++;
		}
	}
	for (int r = 0; r < 3000; r++) {
		size_t n = rnd() % 200;

		for (size_t i = 0; i < n; i++)
			pkt[i] = (uint8_t)rnd();
		pkt[0] = (uint8_t)((rnd() & 1 ? 0x40 : 0x60) | (pkt[0] & 0x0f));
		if (ct_process(t, pkt, n, 0, T0 + S(3000 + r), &R) || (unsigned)R.info > CT_UNTRACKED)
			bad++;
		total++;
	}
	T_EQ_U(bad, 0, "garbage: %u packets, each with a verdict and no crash", total);
	T_OK(ct_table_count(t) <= 64, "garbage: the table stays within its size");
	ct_table_stats(t, &st);
	T_OK(st.invalid > 0, "garbage: INVALID counted (%llu)", (unsigned long long)st.invalid);
	ct_table_free(t);
	T_OK(ct_process(NULL, pkt, 1, 0, 0, &R) == -EINVAL, "ct_process(NULL) is EINVAL");
}

int main(void)
{
	cf_nodes_init(&nodes, 1);
	pkt_wbuf_init(&wb);
	test_siphash();
	test_udp();
	test_icmp_echo();
	test_icmp_errors();
	test_ip_layer();
	test_fragments();
	test_zones_marks();
	test_limits();
	test_events();
	test_ftp();
	test_tcp_kill();
	test_garbage();
	pkt_wbuf_free(&wb);
	return t_done();
}
