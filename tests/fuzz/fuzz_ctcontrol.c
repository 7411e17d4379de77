/*
 * Fuzz target for the ctrack daemon's control socket (control.c, compiled
 * into this file for its static request handling) and the filters
 * (filter.c). The first byte chooses the mode:
 *
 * - 0x00..0x7f: the control socket. A table of up to 64 entries gets a few
 *   fixed connections (TCP, UDP, ICMP, FTP, GRE; zones 0 and 1) and two
 *   clients on socket pairs, served through ctrack_ctl_pollfds/handle as
 *   the daemon's loop does (no listening socket). Records follow, by op & 7:
 *   0-3 "op len bytes" for client op & 1; 4 "op n byte", n * 64 times the
 *   byte (over-long lines); 5 "op step pkt", a packet of the table; 7 "op
 *   step", an expiry tick (both make events for subscribers); 6 "op", the
 *   end of a client's input (client (op >> 3) & 1 for 4 and 6). In the end
 *   both inputs end. Every reply line must be a JSON object of a known
 *   shape; a list's count must be the entries sent before it; each request
 *   line gets exactly one reply (the framing of control.c recomputed here:
 *   blank lines none, over-long lines one error, the unfinished last line
 *   at end of input one), but for an events subscription, after which only
 *   event lines come (and one known case, see `strict`); each client is
 *   closed once its input ended and all was answered.
 * - 0x80..0xbf: the rest is a JSON filter. When ctrack_filter_from_json
 *   takes it, ctrack_filter_json of the result must read back as the same
 *   filter.
 * - 0xc0..0xff: the rest is lines "key value" given to ctrack_filter_arg
 *   as the client does with its options; the filter must survive the JSON
 *   the client sends and the daemon reads.
 */
#include "../../src/ct/ctrack/control.c"

#include <poll.h>

#include "fuzz_ctutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_ctcontrol: %s:%d: invariant failed: %s\n", __FILE__, \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define NS 1000000000ull
#define NCLIENTS 2
#define NPKTS 12

/* ---- what control.c takes from the daemon ---- */

static uint64_t fz_clock;

uint64_t ctrack_now(void)
{
	return fz_clock;
}

void ctrack_log(const char *fmt, ...)
{
	(void)fmt;
}

json_t *ctrack_daemon_stats(struct ctrack_daemon *d, uint64_t now)
{
	struct ct_stats st;
	json_t *o = json_object(), *rl = json_object(), *list = json_array();

	ct_table_stats(d->t, &st);
	json_object_set_new(o, "table", ctrack_stats_json(&st, ct_table_count(d->t)));
	json_object_set_new(o, "daemon",
			    json_pack("{s:s,s:I,s:I,s:I}", "mode", d->mode, "uptime",
				      (json_int_t)((now - d->started) / NS), "clients",
				      (json_int_t)ctrack_ctl_clients(d->ctl), "events_lost",
				      (json_int_t)ctrack_ctl_lost(d->ctl)));
	for (size_t i = 0; i < d->rules.n; i++) {
		char text[512];

		ctrack_rule_str(&d->rules.r[i], text, sizeof(text));
		json_array_append_new(list, json_pack("{s:i,s:s}", "line", (int)d->rules.r[i].line,
						      "rule", text));
	}
	json_object_set_new(rl, "list", list);
	json_object_set_new(o, "rules", rl);
	return o;
}

/* ---- the clients, seen from their end ---- */

struct fzc {
	struct client *c; /* NULL once the daemon closed it */
	int peer;
	bool eof_sent, peer_eof;
	/* the framing control.c should apply to what was sent */
	size_t cur;
	bool blank, skipping;
	uint64_t expected; /* lines that want a reply */
	char line[CTRACK_LINE_MAX]; /* the line being sent */
	bool eof_events;	    /* the unfinished last line asks for events */
	/* what came back */
	char rbuf[1 << 16];
	size_t rlen;
	uint64_t replies, entries;
	bool subscribed;
};

static struct ctrack_daemon D;
static struct ctrack_ctl *ctl;
static struct fzc Z[NCLIENTS];
static uint8_t pkts[NPKTS][256];
static bool verbose; /* V6LAB_FUZZ_VERBOSE: reply lines on stderr */
/* Known: an events request that is the unfinished last line at the end of
 * the client's input is answered, and the answer dropped unsent, as
 * client_read() marks an events connection dead at end of input before
 * anything is flushed. Tolerated unless V6LAB_FUZZ_STRICT is set. */
static bool strict;
static size_t pktlen[NPKTS];

static void sim(struct fzc *z, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];

		if (z->skipping) {
			if (b == '\n')
				z->skipping = false;
			continue;
		}
		if (b == '\n') {
			if (z->cur && !z->blank)
				z->expected++;
			z->cur = 0;
			z->blank = true;
			continue;
		}
		z->line[z->cur++] = (char)b;
		if (b != ' ' && b != '\t' && b != '\r')
			z->blank = false;
		if (z->cur == CTRACK_LINE_MAX) { /* the over-long line's error */
			z->expected++;
			z->skipping = true;
			z->cur = 0;
			z->blank = true;
		}
	}
}

static void check_tuple(json_t *t)
{
	CHECK(json_is_object(t));
	CHECK(json_is_string(json_object_get(t, "src")));
	CHECK(json_is_string(json_object_get(t, "dst")));
}

static void check_entry(json_t *e)
{
	json_t *v;

	CHECK(json_is_object(e));
	v = json_object_get(e, "id");
	CHECK(json_is_integer(v) && json_integer_value(v) >= 1);
	v = json_object_get(e, "l3");
	CHECK(json_is_string(v));
	CHECK(!strcmp(json_string_value(v), "ipv4") || !strcmp(json_string_value(v), "ipv6"));
	check_tuple(json_object_get(e, "original"));
	check_tuple(json_object_get(e, "reply"));
	CHECK(json_is_array(json_object_get(e, "status")));
}

static void check_text(json_t *o)
{
	json_t *t = json_object_get(o, "text");

	if (t)
		CHECK(json_is_string(t) && json_string_length(t) > 0);
}

static void reply_line(struct fzc *z, const char *s, size_t n)
{
	json_error_t je;
	json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je), *v;

	if (verbose)
		fprintf(stderr, "client %d: %.*s\n", (int)(z - Z), (int)n, s);
	if (!o || !json_is_object(o)) {
		fprintf(stderr, "fuzz_ctcontrol: reply not a JSON object: %.*s\n", (int)n, s);
		abort();
	}
	if ((v = json_object_get(o, "ok"))) {
		json_t *cnt = json_object_get(o, "count");

		CHECK(json_is_boolean(v));
		CHECK(!z->subscribed);
		if (json_is_false(v)) {
			CHECK(json_is_string(json_object_get(o, "error")));
			CHECK(z->entries == 0);
		} else if (cnt) {
			CHECK(json_is_integer(cnt));
			CHECK((uint64_t)json_integer_value(cnt) == z->entries);
		} else {
			CHECK(z->entries == 0);
		}
		if (json_object_get(o, "entry")) {
			check_entry(json_object_get(o, "entry"));
			check_text(o);
		}
		if (json_is_true(json_object_get(o, "subscribed")))
			z->subscribed = true;
		z->replies++;
		z->entries = 0;
		CHECK(z->replies <= z->expected);
	} else if ((v = json_object_get(o, "event"))) {
		const char *ev = json_string_value(v);

		CHECK(z->subscribed);
		CHECK(ev && (!strcmp(ev, "NEW") || !strcmp(ev, "UPDATE") ||
			     !strcmp(ev, "DESTROY")));
		check_entry(json_object_get(o, "entry"));
		check_text(o);
	} else if ((v = json_object_get(o, "lost"))) {
		CHECK(z->subscribed);
		CHECK(json_is_integer(v) && json_integer_value(v) > 0);
	} else {
		CHECK(!z->subscribed);
		check_entry(json_object_get(o, "entry"));
		check_text(o);
		z->entries++;
	}
	json_decref(o);
}

static size_t drain(struct fzc *z)
{
	size_t total = 0;

	while (!z->peer_eof) {
		ssize_t k = recv(z->peer, z->rbuf + z->rlen, sizeof(z->rbuf) - z->rlen,
				 MSG_DONTWAIT);
		size_t start = 0;
		char *nl;

		if (k == 0) {
			z->peer_eof = true;
			break;
		}
		if (k < 0) {
			CHECK(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
			break;
		}
		z->rlen += (size_t)k;
		total += (size_t)k;
		while ((nl = memchr(z->rbuf + start, '\n', z->rlen - start))) {
			reply_line(z, z->rbuf + start, (size_t)(nl - (z->rbuf + start)));
			start = (size_t)(nl - z->rbuf) + 1;
		}
		memmove(z->rbuf, z->rbuf + start, z->rlen - start);
		z->rlen -= start;
		CHECK(z->rlen < sizeof(z->rbuf)); /* no reply line is that long */
	}
	return total;
}

/* Clients the daemon let go must be those whose input ended. */
static void note_closed(void)
{
	for (int i = 0; i < NCLIENTS; i++) {
		bool found = false;

		if (!Z[i].c)
			continue;
		for (size_t j = 0; j < ctl->ncl; j++)
			if (ctl->cl[j] == Z[i].c)
				found = true;
		if (!found) {
			CHECK(Z[i].eof_sent);
			Z[i].c = NULL;
		}
	}
}

/* Runs the daemon's loop until it has nothing left to do; false when it
 * did not settle within `rounds`. */
static bool pump(int rounds)
{
	struct pollfd p[MAX_CLIENTS + 1];

	for (int r = 0; r < rounds; r++) {
		size_t n = ctrack_ctl_pollfds(ctl, p, MAX_CLIENTS + 1);
		bool busy = false;
		int ready;

		/* libFuzzer's timeout timer interrupts calls now and then */
		do
			ready = poll(p, (nfds_t)n, 0);
		while (ready < 0 && errno == EINTR);
		CHECK(ready >= 0);
		ctrack_ctl_handle(ctl, p, n);
		note_closed();
		for (int i = 0; i < NCLIENTS; i++)
			if (drain(&Z[i]))
				busy = true;
		for (size_t j = 0; j < ctl->ncl; j++)
			if (ctl->cl[j]->listing || out_pending(ctl->cl[j]))
				busy = true;
		if (!ready && !busy)
			return true;
	}
	return false;
}

static void send_bytes(struct fzc *z, const uint8_t *p, size_t n)
{
	size_t off = 0;

	if (!z->c || z->eof_sent)
		return;
	for (int tries = 0; off < n && tries < 64; tries++) {
		ssize_t k = send(z->peer, p + off, n - off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (k > 0) {
			sim(z, p + off, (size_t)k);
			off += (size_t)k;
			continue;
		}
		CHECK(k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
		pump(4);
	}
	pump(64);
}

static void send_eof(struct fzc *z)
{
	if (z->eof_sent)
		return;
	CHECK(!shutdown(z->peer, SHUT_WR));
	z->eof_sent = true;
	if (!z->skipping && z->cur && !z->blank) {
		json_error_t je;
		json_t *o = json_loadb(z->line, z->cur, JSON_REJECT_DUPLICATES, &je);

		z->expected++;
		z->eof_events = json_is_object(o) && json_is_string(json_object_get(o, "cmd")) &&
				!strcmp(json_string_value(json_object_get(o, "cmd")), "events");
		json_decref(o);
	}
	pump(64);
}

/* ---- the table ---- */

static void on_event(void *arg, enum ct_event ev, const struct ct_entry *e)
{
	(void)arg;
	ctrack_ctl_event(ctl, ev, e, fz_clock);
}

static void add_pkt(int i, const struct fz_pkt *p)
{
	pktlen[i] = fz_pkt_build(p, pkts[i], sizeof(pkts[i]));
	CHECK(pktlen[i]);
}

static void make_pkts(void)
{
	static const uint8_t port[] = "PORT 192,0,2,1,156,65\r\n";
	const uint8_t *a4 = fz_addr(4, 0), *b4 = fz_addr(4, 2);
	const uint8_t *a6 = fz_addr(6, 0), *b6 = fz_addr(6, 3);
	struct fz_pkt p;

	p = (struct fz_pkt){ .l3 = 4, .proto = 6, .src = a4, .dst = b4, .sport = 40000, .dport = 80,
			     .tcpflags = 0x02, .seq = 1000, .win = 8192 };
	add_pkt(0, &p);
	p = (struct fz_pkt){ .l3 = 4, .proto = 6, .src = b4, .dst = a4, .sport = 80, .dport = 40000,
			     .tcpflags = 0x12, .seq = 5000, .ack = 1001, .win = 8192 };
	add_pkt(1, &p);
	p = (struct fz_pkt){ .l3 = 4, .proto = 6, .src = a4, .dst = b4, .sport = 40000, .dport = 80,
			     .tcpflags = 0x10, .seq = 1001, .ack = 5001, .win = 8192 };
	add_pkt(2, &p);
	p = (struct fz_pkt){ .l3 = 6, .proto = 17, .src = a6, .dst = b6, .sport = 5353,
			     .dport = 53 };
	add_pkt(3, &p);
	p = (struct fz_pkt){ .l3 = 6, .proto = 17, .src = b6, .dst = a6, .sport = 53,
			     .dport = 5353 };
	add_pkt(4, &p);
	p = (struct fz_pkt){ .l3 = 6, .proto = 58, .src = a6, .dst = b6, .sport = 77, .type = 128 };
	add_pkt(5, &p);
	p = (struct fz_pkt){ .l3 = 4, .proto = 1, .src = a4, .dst = b4, .sport = 78, .type = 8 };
	add_pkt(6, &p);
	p = (struct fz_pkt){ .l3 = 4, .proto = 6, .src = a4, .dst = b4, .sport = 40001, .dport = 21,
			     .tcpflags = 0x02, .seq = 7, .win = 8192 };
	add_pkt(7, &p);
	p = (struct fz_pkt){ .l3 = 6, .proto = 47, .src = b6, .dst = a6 };
	add_pkt(8, &p);
	p = (struct fz_pkt){ .l3 = 4, .proto = 6, .src = a4, .dst = b4, .sport = 40000, .dport = 80,
			     .tcpflags = 0x04, .seq = 1001, .win = 8192 };
	add_pkt(9, &p);
	p = (struct fz_pkt){ .l3 = 4, .proto = 6, .src = a4, .dst = b4, .sport = 40001, .dport = 21,
			     .tcpflags = 0x18, .seq = 8, .win = 8192, .payload = port,
			     .paylen = sizeof(port) - 1 };
	add_pkt(10, &p);
	p = (struct fz_pkt){ .l3 = 6, .proto = 58, .src = b6, .dst = a6, .type = 1, .code = 4,
			     .payload = pkts[3], .paylen = pktlen[3] };
	add_pkt(11, &p);
}

static void tick(uint8_t step, uint8_t sel)
{
	struct ct_result res;

	fz_clock += (uint64_t)step * (step < 128 ? NS / 10 : 60 * NS);
	sel %= 2 * NPKTS;
	ct_process(D.t, pkts[sel % NPKTS], pktlen[sel % NPKTS], sel >= NPKTS, fz_clock, &res);
	pump(64);
}

static void control(struct fz_rd *in)
{
	static const char rules[] = "accept established,related\n"
				    "accept new proto tcp dport 80 src 192.0.2.0/24\n"
				    "drop invalid\n"
				    "accept ipv6 proto udp sport 1000-2000 mark 0x10/0xf0\n";
	uint8_t cfg = fz_u8(in);
	char err[256];
	int h;

	memset(&D, 0, sizeof(D));
	memset(Z, 0, sizeof(Z));
	fz_clock = 5000 * NS;
	ct_config_defaults(&D.cfg);
	D.cfg.max_entries = 64;
	D.cfg.helpers = true;
	D.cfg.seed = 42;
	CHECK(ct_table_new(&D.cfg, &D.t) == 0);
	CHECK(ctrack_rules_parse(rules, "fuzz.rules", &D.rules, err, sizeof(err)) == 0);
	D.have_rules = true;
	D.rules_path = "fuzz.rules";
	D.mode = "nfqueue";
	D.started = fz_clock;
	ctl = calloc(1, sizeof(*ctl));
	CHECK(ctl);
	ctl->d = &D;
	ctl->lfd = -1;
	D.ctl = ctl;
	h = ct_subscribe(D.t, CT_EV_NEW | CT_EV_UPDATE | CT_EV_DESTROY, on_event, NULL);
	CHECK(h >= 0);
	for (int i = 0; i < NCLIENTS; i++) {
		struct fzc *z = &Z[i];
		struct client *c = calloc(1, sizeof(*c));
		int sv[2];

		CHECK(c);
		CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
		c->fd = sv[0];
		c->evtext = TEXT_NONE;
		c->ltext = TEXT_NONE;
		ctl->cl[ctl->ncl++] = c;
		z->c = c;
		z->peer = sv[1];
		z->blank = true;
	}
	/* the connections the table starts with (cfg leaves some out); the
	 * RST, the FTP command and the ICMP error are for the ticks */
	for (int i = 0; i < 9; i++) {
		struct ct_result res;

		if (cfg & (1u << (i % 7)))
			continue;
		fz_clock += NS / 100;
		ct_process(D.t, pkts[i], pktlen[i], (uint16_t)(i == 4 || i == 8), fz_clock, &res);
	}

	while (in->n) {
		uint8_t op = fz_u8(in);
		struct fzc *z = &Z[op >> 3 & 1];

		switch (op & 7) {
		case 0:
		case 1:
		case 2:
		case 3: {
			const uint8_t *p;
			size_t n = fz_take(in, fz_u8(in), &p);

			send_bytes(&Z[op & 1], p, n);
			break;
		}
		case 4: { /* a long run of one byte */
			static uint8_t run[255 * 64];
			size_t n = (size_t)fz_u8(in) * 64;

			memset(run, fz_u8(in), n);
			send_bytes(z, run, n);
			break;
		}
		case 5: {
			uint8_t step = fz_u8(in);

			tick(step, fz_u8(in));
			break;
		}
		case 6:
			send_eof(z);
			break;
		default:
			fz_clock += (uint64_t)fz_u8(in) * 10 * NS;
			ct_table_expire(D.t, fz_clock);
			pump(64);
			break;
		}
	}

	/* every input ends: everything is answered and every client closed */
	for (int i = 0; i < NCLIENTS; i++)
		send_eof(&Z[i]);
	CHECK(pump(4096));
	for (int i = 0; i < NCLIENTS; i++) {
		struct fzc *z = &Z[i];

		drain(z);
		CHECK(!z->c);
		CHECK(z->peer_eof);
		CHECK(z->rlen == 0);
		CHECK(z->entries == 0);
		if (z->subscribed)
			CHECK(z->replies <= z->expected);
		else if (z->eof_events && z->replies + 1 == z->expected && !strict)
			; /* known: see below */
		else if (z->replies != z->expected) {
			fprintf(stderr, "fuzz_ctcontrol: client %d: %llu replies, %llu asked\n",
				i, (unsigned long long)z->replies, (unsigned long long)z->expected);
			abort();
		}
		close(z->peer);
	}
	CHECK(ctl->ncl == 0);
	ct_unsubscribe(D.t, h);
	free(ctl);
	ctl = NULL;
	ctrack_rules_free(&D.rules);
	ct_table_free(D.t);
}

/* ---- filters ---- */

static bool same_filter(const struct ctrack_filter *a, const struct ctrack_filter *b)
{
	unsigned h = a->has;

	if (a->has != b->has)
		return false;
	if ((h & CTF_SRC) && (a->src.l3 != b->src.l3 || a->src.len != b->src.len ||
			      memcmp(a->src.a.a, b->src.a.a, 16)))
		return false;
	if ((h & CTF_DST) && (a->dst.l3 != b->dst.l3 || a->dst.len != b->dst.len ||
			      memcmp(a->dst.a.a, b->dst.a.a, 16)))
		return false;
	if ((h & CTF_SPORT) && a->sport != b->sport)
		return false;
	if ((h & CTF_DPORT) && a->dport != b->dport)
		return false;
	if ((h & CTF_PROTO) && a->proto != b->proto)
		return false;
	if ((h & CTF_FAMILY) && a->l3 != b->l3)
		return false;
	if ((h & CTF_STATE) && a->state != b->state)
		return false;
	if ((h & CTF_ZONE) && a->zone != b->zone)
		return false;
	if ((h & CTF_MARK) && (a->mark != b->mark || a->mark_mask != b->mark_mask))
		return false;
	if ((h & CTF_STATUS) && (a->st_set != b->st_set || a->st_clear != b->st_clear))
		return false;
	return true;
}

/* f must come back the same through its JSON, as text on the wire. */
static void roundtrip(const struct ctrack_filter *f)
{
	struct ctrack_filter g;
	json_error_t je;
	json_t *o = ctrack_filter_json(f), *back;
	char err[256], *s;

	CHECK(o);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	CHECK(s);
	back = json_loads(s, JSON_REJECT_DUPLICATES, &je);
	CHECK(back);
	err[0] = 0;
	if (ctrack_filter_from_json(back, &g, err, sizeof(err))) {
		fprintf(stderr, "fuzz_ctcontrol: filter %s refused back: %s\n", s, err);
		abort();
	}
	if (!same_filter(f, &g)) {
		fprintf(stderr, "fuzz_ctcontrol: filter %s reads back differently\n", s);
		abort();
	}
	json_decref(back);
	free(s);
}

static void filter_json(const uint8_t *p, size_t n)
{
	struct ctrack_filter f;
	json_error_t je;
	json_t *o = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	char err[256];

	if (!o)
		return;
	err[0] = 0;
	if (ctrack_filter_from_json(o, &f, err, sizeof(err))) {
		CHECK(err[0]);
		CHECK(strlen(err) < sizeof(err));
	} else {
		roundtrip(&f);
	}
	json_decref(o);
}

static void filter_opts(const uint8_t *p, size_t n)
{
	struct ctrack_filter f;
	char line[512], err[256];

	memset(&f, 0, sizeof(f));
	while (n) {
		const uint8_t *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;
		char *val;

		if (len >= sizeof(line))
			return;
		memcpy(line, p, len);
		line[len] = 0;
		p += len + (nl ? 1 : 0);
		n -= len + (nl ? 1 : 0);
		if (strlen(line) != len)
			return; /* a NUL: no option holds one */
		val = strchr(line, ' ');
		if (!val)
			return;
		*val++ = 0;
		err[0] = 0;
		if (ctrack_filter_arg(&f, line, val, err, sizeof(err))) {
			CHECK(err[0]);
			return;
		}
	}
	roundtrip(&f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const words[] = {
		"{\"cmd\":\"list\"}\n", "{\"cmd\":\"events\"}\n", "\"cmd\":", "\"list\"", "\"get\"",
		"\"delete\"", "\"update\"", "\"flush\"", "\"stats\"", "\"events\"", "\"filter\":",
		"\"text\":", "\"limit\":", "\"id\":", "\"tuple\":", "\"mark\":", "\"mark_mask\":",
		"\"timeout\":", "\"src\":", "\"dst\":", "\"sport\":", "\"dport\":", "\"proto\":",
		"\"family\":", "\"state\":", "\"zone\":", "\"status\":", "\"type\":", "\"code\":",
		"\"extended\"", "\"acct\"", "\"timestamp\"", "\"new\"", "\"update\"", "\"destroy\"",
		"\"assured\"", "\"unreplied\"", "\"seen_reply\"", "\"expected\"", "\"tcp\"",
		"\"udp\"", "\"icmpv6\"", "\"ipv4\"", "\"ipv6\"", "\"ESTABLISHED\"",
		"\"192.0.2.1\"", "\"198.51.100.1\"", "\"2001:db8::1\"", "\"2001:db8:1::2\"",
		"\"192.0.2.0/24\"", "\"2001:db8::/32\"", "true", "false", "null", "4294967295",
		"65535", "\\u0000", "\n", "src ", "dst ", "sport ", "dport ", "proto ", "family ",
		"state ", "zone ", "mark ", "status ", NULL,
	};

	(void)argc;
	(void)argv;
	fz_ctdict_maybe_write(words);
	verbose = getenv("V6LAB_FUZZ_VERBOSE") != NULL;
	strict = getenv("V6LAB_FUZZ_STRICT") != NULL;
	make_pkts();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_rd in = { data, size };

	if (!size || size > (1u << 18))
		return 0;
	if (data[0] < 0x80)
		control(&in);
	else if (data[0] < 0xc0)
		filter_json(data + 1, size - 1);
	else
		filter_opts(data + 1, size - 1);
	return 0;
}
