/*
 * `ctrack daemon`: tracks live traffic with libct on the monotonic clock.
 * With --nfqueue N it is a stateful firewall: every packet the kernel
 * queues is tracked, then given the verdict of the first matching rule of
 * the rule file (docs/ctrack-rules.md); a packet that would have started a
 * connection and is dropped leaves no entry and no event, as in the
 * kernel, and the fragments of a packet wait for the verdict of the whole.
 * With --link IFNAME it watches a link passively. Either way the table is
 * served on the control socket (control.c). SIGINT and SIGTERM end it
 * cleanly, SIGHUP reads the rule file again (a bad one leaves the rules in
 * force). Everything runs in one thread around one poll.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "daemon.h"
#include "packet.h"

#define BATCH 256	     /* packets read before the control socket is served */
#define HELD_MAX 1024	     /* fragments waiting for a verdict */
#define TICK_NS 1000000000ull /* expiry of the table and of waiting fragments */

struct pend {
	enum ct_event ev;
	struct ct_entry e;
};

struct held {
	uint32_t id;
	uint8_t l3, proto;
	union ct_addr src, dst;
	uint32_t frag_id;
	uint64_t deadline;
};

struct dstate {
	struct ctrack_daemon d;
	struct ctrack_nfq *nfq;
	struct net_pkt link;
	bool link_open, verbose;
	uint64_t now;
	uint64_t link_drops; /* frames the kernel dropped before we read them */
	/* events of the packet being decided, sent after its verdict */
	bool in_packet;
	uint32_t suppress_id;
	struct pend *pend;
	size_t npend, cappend;
	struct held held[HELD_MAX];
	size_t nheld;
	uint8_t frame[65536 + 64];
};

uint64_t ctrack_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ctrack_log(const char *fmt, ...)
{
	va_list ap;

	fputs("ctrack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- events ---- */

static void on_event(void *arg, enum ct_event ev, const struct ct_entry *e)
{
	struct dstate *s = arg;

	if (s->suppress_id && e->id == s->suppress_id)
		return;
	if (s->in_packet) {
		if (s->npend == s->cappend) {
			size_t nc = s->cappend ? s->cappend * 2 : 16;
			struct pend *np = realloc(s->pend, nc * sizeof(*np));

			if (!np)
				goto now;
			s->pend = np;
			s->cappend = nc;
		}
		s->pend[s->npend].ev = ev;
		s->pend[s->npend++].e = *e;
		return;
	}
now:
	/* outside the packet path (a request, the expiry tick): the time now */
	if (s->d.ctl)
		ctrack_ctl_event(s->d.ctl, ev, e, s->in_packet ? s->now : ctrack_now());
}

static void flush_pending(struct dstate *s)
{
	for (size_t i = 0; i < s->npend; i++)
		if (s->d.ctl)
			ctrack_ctl_event(s->d.ctl, s->pend[i].ev, &s->pend[i].e, s->now);
	s->npend = 0;
}

/* ---- statistics ---- */

json_t *ctrack_daemon_stats(struct ctrack_daemon *d, uint64_t now)
{
	struct dstate *s = (struct dstate *)d;
	struct ct_stats st;
	json_t *o = json_object(), *tab, *dm, *rl, *list;

	ct_table_stats(d->t, &st);
	tab = ctrack_stats_json(&st, ct_table_count(d->t));
	json_object_set_new(tab, "max", json_integer(d->cfg.max_entries));
	json_object_set_new(tab, "expect", json_integer((json_int_t)ct_expect_count(d->t)));
	json_object_set_new(o, "table", tab);

	dm = json_object();
	json_object_set_new(dm, "mode", json_string(d->mode));
	if (d->ifname)
		json_object_set_new(dm, "link", json_string(d->ifname));
	else
		json_object_set_new(dm, "queue", json_integer(d->queue));
	json_object_set_new(dm, "uptime", json_integer((json_int_t)((now - d->started) / 1000000000ull)));
	json_object_set_new(dm, "packets", json_integer((json_int_t)d->c.packets));
	json_object_set_new(dm, "accepted", json_integer((json_int_t)d->c.accepted));
	json_object_set_new(dm, "dropped", json_integer((json_int_t)d->c.dropped));
	json_object_set_new(dm, "held", json_integer((json_int_t)d->c.held));
	json_object_set_new(dm, "held_now", json_integer((json_int_t)s->nheld));
	json_object_set_new(dm, "verdict_errors", json_integer((json_int_t)d->c.verdict_errors));
	json_object_set_new(dm, "queue_overruns",
			    json_integer((json_int_t)(s->nfq ? ctrack_nfq_overruns(s->nfq) : 0)));
	if (s->link_open) {
		struct tpacket_stats ps;
		socklen_t len = sizeof(ps);

		/* reading the counters resets them: they are summed here */
		if (!getsockopt(s->link.fd, SOL_PACKET, PACKET_STATISTICS, &ps, &len))
			s->link_drops += ps.tp_drops;
		json_object_set_new(dm, "link_drops", json_integer((json_int_t)s->link_drops));
	}
	json_object_set_new(dm, "clients", json_integer((json_int_t)ctrack_ctl_clients(d->ctl)));
	json_object_set_new(dm, "events_lost", json_integer((json_int_t)ctrack_ctl_lost(d->ctl)));
	json_object_set_new(o, "daemon", dm);

	rl = json_object();
	list = json_array();
	if (d->have_rules) {
		json_object_set_new(rl, "file", json_string(d->rules_path));
		for (size_t i = 0; i < d->rules.n; i++) {
			char text[512];

			ctrack_rule_str(&d->rules.r[i], text, sizeof(text));
			json_array_append_new(list, json_pack("{s:i,s:s,s:I}", "line", (int)d->rules.r[i].line,
							      "rule", text, "hits",
							      (json_int_t)d->rules.r[i].hits));
		}
	}
	json_object_set_new(rl, "nomatch", json_integer((json_int_t)d->rules.nomatch));
	json_object_set_new(rl, "list", list);
	json_object_set_new(o, "rules", rl);
	return o;
}

/* ---- rules ---- */

static void reload(struct dstate *s)
{
	struct ctrack_rules nr;
	char err[512];

	if (!s->d.rules_path) {
		ctrack_log("SIGHUP: no rule file to read again");
		return;
	}
	if (ctrack_rules_load(s->d.rules_path, &nr, err, sizeof(err))) {
		ctrack_log("%s; keeping the %zu rules in force", err, s->d.rules.n);
		return;
	}
	ctrack_rules_free(&s->d.rules);
	s->d.rules = nr;
	ctrack_log("read %zu rules from %s", nr.n, s->d.rules_path);
}

/* ---- the packet path ---- */

static void track(struct dstate *s, const uint8_t *pkt, size_t len, struct ct_result *res)
{
	s->now = ctrack_now();
	s->npend = 0;
	s->in_packet = true;
	ct_process(s->d.t, pkt, len, s->d.zone, s->now, res);
	s->in_packet = false;
	s->d.c.packets++;
}

/* A fragment past the first shows no ports: those of its connection. */
static void key_from_entry(struct ctrack_pktkey *k, const struct ct_result *res)
{
	const struct ct_entry *e = res->entry;

	if (k->l4 || !e || k->l3 != e->t.l3 || k->proto != e->t.proto ||
	    !ctrack_proto_has_ports(k->proto))
		return;
	k->sport = res->dir == CT_DIR_ORIG ? e->t.sport : e->t.dport;
	k->dport = res->dir == CT_DIR_ORIG ? e->t.dport : e->t.sport;
	k->l4 = true;
}

static bool same_packet(const struct held *h, const struct ctrack_pktkey *k)
{
	return h->l3 == k->l3 && h->frag_id == k->frag_id && (k->l3 == 6 || h->proto == k->proto) &&
	       !memcmp(&h->src, &k->src, sizeof(h->src)) && !memcmp(&h->dst, &k->dst, sizeof(h->dst));
}

static void verdict(struct dstate *s, uint32_t id, bool accept)
{
	if (ctrack_nfq_verdict(s->nfq, id, accept))
		s->d.c.verdict_errors++;
	if (accept)
		s->d.c.accepted++;
	else
		s->d.c.dropped++;
}

/* Gives the fragments held for k's packet the verdict of the whole. */
static void release(struct dstate *s, const struct ctrack_pktkey *k, bool accept)
{
	size_t i = 0;

	while (i < s->nheld) {
		if (same_packet(&s->held[i], k)) {
			verdict(s, s->held[i].id, accept);
			s->held[i] = s->held[--s->nheld];
		} else {
			i++;
		}
	}
}

static bool hold(struct dstate *s, uint32_t id, const struct ctrack_pktkey *k)
{
	struct held *h;

	if (s->nheld == HELD_MAX)
		return false;
	h = &s->held[s->nheld++];
	h->id = id;
	h->l3 = k->l3;
	h->proto = k->proto;
	h->src = k->src;
	h->dst = k->dst;
	h->frag_id = k->frag_id;
	h->deadline = s->now + (uint64_t)s->d.cfg.frag_timeout * 1000000000ull;
	s->d.c.held++;
	return true;
}

static void log_drop(struct dstate *s, const struct ctrack_pktkey *k, const struct ct_result *res,
		     const struct ctrack_rule *rule)
{
	char a[INET6_ADDRSTRLEN] = "?", b[INET6_ADDRSTRLEN] = "?", ports[32] = "";
	const char *pn = ctrack_proto_name(k->proto);

	if (k->l3) {
		inet_ntop(k->l3 == 4 ? AF_INET : AF_INET6, k->src.a, a, sizeof(a));
		inet_ntop(k->l3 == 4 ? AF_INET : AF_INET6, k->dst.a, b, sizeof(b));
	}
	if (k->l4 && ctrack_proto_has_ports(k->proto))
		snprintf(ports, sizeof(ports), " sport %u dport %u", k->sport, k->dport);
	ctrack_log("drop %s proto %s%s%u src %s dst %s%s%s%s (%s%u)", ctrack_info_name(res->info),
		   pn ? pn : "", pn ? "/" : "", k->proto, a, b, ports,
		   res->reason ? ": " : "", res->reason ? res->reason : "",
		   rule ? "rule line " : "no rule matched", rule ? rule->line : 0);
}

static void on_queued(void *arg, uint32_t id, const uint8_t *pkt, size_t len)
{
	struct dstate *s = arg;
	const struct ctrack_rule *rule = NULL;
	enum ctrack_action act = CTRACK_ACCEPT;
	struct ctrack_pktkey k;
	struct ct_result res;

	track(s, pkt, len, &res);
	ctrack_pktkey_read(pkt, len, &k);
	key_from_entry(&k, &res);
	if (k.frag && res.info == CT_UNTRACKED && res.reason && !strcmp(res.reason, "fragment held") &&
	    hold(s, id, &k)) {
		flush_pending(s);
		return;
	}
	if (s->d.have_rules)
		act = ctrack_rules_eval(&s->d.rules, &k, res.info, res.entry ? res.entry->mark : 0, &rule);
	if (act == CTRACK_DROP && res.created && res.entry) {
		/* never confirmed: no entry stays, no event goes out */
		uint32_t eid = res.entry->id;
		size_t j = 0;

		for (size_t i = 0; i < s->npend; i++)
			if (s->pend[i].e.id != eid)
				s->pend[j++] = s->pend[i];
		s->npend = j;
		s->suppress_id = eid;
		ct_entry_delete(s->d.t, res.entry);
		s->suppress_id = 0;
	}
	flush_pending(s);
	verdict(s, id, act == CTRACK_ACCEPT);
	if (k.frag)
		release(s, &k, act == CTRACK_ACCEPT);
	if (act == CTRACK_DROP && s->verbose)
		log_drop(s, &k, &res, rule);
}

/* Offset of the IP header in an Ethernet frame (VLAN tags skipped), or -1. */
static long ip_offset(const uint8_t *p, size_t len)
{
	size_t off = 14;
	uint16_t type;

	if (len < 14)
		return -1;
	type = (uint16_t)(p[12] << 8 | p[13]);
	while ((type == 0x8100 || type == 0x88a8) && len - off >= 4) {
		type = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
		off += 4;
	}
	return type == 0x0800 || type == 0x86dd ? (long)off : -1;
}

static int read_link(struct dstate *s)
{
	for (int i = 0; i < BATCH; i++) {
		struct ct_result res;
		int n = net_pkt_recv(&s->link, s->frame, sizeof(s->frame), 0, NULL);
		long off;

		if (n == -ETIMEDOUT)
			return 0;
		if (n < 0)
			return n;
		off = ip_offset(s->frame, (size_t)n);
		if (off < 0)
			continue;
		track(s, s->frame + off, (size_t)n - (size_t)off, &res);
		flush_pending(s);
	}
	return 0;
}

static void tick(struct dstate *s)
{
	size_t i = 0;

	s->now = ctrack_now();
	ct_table_expire(s->d.t, s->now);
	while (i < s->nheld) {
		if (s->held[i].deadline <= s->now) {
			verdict(s, s->held[i].id, false);
			s->held[i] = s->held[--s->nheld];
		} else {
			i++;
		}
	}
}

/* ---- the loop ---- */

static int run(struct dstate *s, int sfd)
{
	struct pollfd p[80];
	uint64_t next_tick = ctrack_now() + TICK_NS;
	int src = s->nfq ? ctrack_nfq_fd(s->nfq) : s->link.fd;

	for (;;) {
		size_t n;
		int rc, timeout;
		uint64_t now = ctrack_now();

		timeout = next_tick > now ? (int)((next_tick - now) / 1000000) + 1 : 0;
		p[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = src, .events = POLLIN };
		n = ctrack_ctl_pollfds(s->d.ctl, p + 2, sizeof(p) / sizeof(p[0]) - 2);
		rc = poll(p, n + 2, timeout);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			ctrack_log("poll: %s", strerror(errno));
			return 1;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					reload(s);
				} else {
					ctrack_log("signal %u: exiting", si.ssi_signo);
					return 0;
				}
			}
		}
		if (p[1].revents & (POLLIN | POLLERR)) {
			rc = s->nfq ? ctrack_nfq_read(s->nfq, BATCH, on_queued, s) : read_link(s);
			if (rc < 0) {
				ctrack_log("reading packets: %s", strerror(-rc));
				return 1;
			}
		}
		ctrack_ctl_handle(s->d.ctl, p + 2, n);
		if (ctrack_now() >= next_tick) {
			tick(s);
			next_tick = ctrack_now() + TICK_NS;
		}
	}
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: ctrack daemon (--nfqueue N | --link IFNAME) [options]\n"
		"       ctrack daemon --check --rules FILE\n"
		"\n"
		"Tracks live traffic and serves the table on a control socket.\n"
		"  --nfqueue N      stateful firewall on NFQUEUE N: every queued packet gets\n"
		"                   the verdict of the rule file (accept all without one)\n"
		"  --link IFNAME    watch a link passively (AF_PACKET), no verdicts\n"
		"  --rules FILE     rule file (docs/ctrack-rules.md); SIGHUP reads it again\n"
		"  --check          read the rule file, print it as understood, and exit\n"
		"  --socket PATH    control socket (default " CTRACK_SOCKET ")\n"
		"  --max N          table size (default 65536)\n"
		"  --zone N         track in zone N\n"
		"  --liberal        no TCP window checks (nf_conntrack_tcp_be_liberal)\n"
		"  --no-loose       do not pick up TCP connections mid-stream\n"
		"  --helpers        run the FTP helper on port 21\n"
		"  --checksum       verify checksums (nf_conntrack_checksum)\n"
		"  --queue-len N    kernel queue length for --nfqueue\n"
		"  --fail-open      let the kernel accept what overflows the queue\n"
		"  --no-promisc     leave --link out of promiscuous mode\n"
		"  -v, --verbose    log every dropped packet\n"
		"Signals: SIGINT/SIGTERM exit (the socket file is removed), SIGHUP reloads.\n"
		"Exit status: 0 after a signal, 1 on a runtime error, 2 on bad usage or rules.\n");
}

static int check_rules(const char *path)
{
	struct ctrack_rules rs;
	char err[512], text[512];

	if (!path) {
		fprintf(stderr, "ctrack daemon: --check wants --rules FILE\n");
		return 2;
	}
	if (ctrack_rules_load(path, &rs, err, sizeof(err))) {
		fprintf(stderr, "ctrack: %s\n", err);
		return 2;
	}
	for (size_t i = 0; i < rs.n; i++) {
		ctrack_rule_str(&rs.r[i], text, sizeof(text));
		printf("%u: %s\n", rs.r[i].line, text);
	}
	ctrack_rules_free(&rs);
	return 0;
}

int ctrack_daemon(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "nfqueue", required_argument, NULL, 'q' }, { "link", required_argument, NULL, 'i' },
		{ "rules", required_argument, NULL, 'r' },   { "socket", required_argument, NULL, 'S' },
		{ "max", required_argument, NULL, 'm' },     { "zone", required_argument, NULL, 'z' },
		{ "liberal", no_argument, NULL, 'l' },	     { "no-loose", no_argument, NULL, 'L' },
		{ "helpers", no_argument, NULL, 'H' },	     { "checksum", no_argument, NULL, 'C' },
		{ "queue-len", required_argument, NULL, 'Q' }, { "fail-open", no_argument, NULL, 'F' },
		{ "no-promisc", no_argument, NULL, 'P' },    { "verbose", no_argument, NULL, 'v' },
		{ "check", no_argument, NULL, 'c' },	     { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dstate *s;
	const char *sock = CTRACK_SOCKET;
	uint32_t queue = 0, qlen = 0, zone = 0;
	bool have_queue = false, fail_open = false, check = false;
	unsigned pflags = NET_PKT_OUTGOING;
	char err[512];
	sigset_t mask;
	int c, sfd = -1, rc = 1;

	s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "ctrack daemon: out of memory\n");
		return 1;
	}
	s->link.fd = -1;
	ct_config_defaults(&s->d.cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "hv", lo, NULL)) != -1) {
		switch (c) {
		case 'q':
			if (ctrack_parse_u32(optarg, &queue) || queue > 65535)
				goto bad_num;
			have_queue = true;
			break;
		case 'i': s->d.ifname = optarg; break;
		case 'r': s->d.rules_path = optarg; break;
		case 'S': sock = optarg; break;
		case 'm':
			if (ctrack_parse_u32(optarg, &s->d.cfg.max_entries) || !s->d.cfg.max_entries)
				goto bad_num;
			break;
		case 'z':
			if (ctrack_parse_u32(optarg, &zone) || zone > 65535)
				goto bad_num;
			s->d.zone = (uint16_t)zone;
			break;
		case 'l': s->d.cfg.tcp_liberal = true; break;
		case 'L': s->d.cfg.tcp_loose = false; break;
		case 'H': s->d.cfg.helpers = true; break;
		case 'C': s->d.cfg.checksum = true; break;
		case 'Q':
			if (ctrack_parse_u32(optarg, &qlen) || !qlen)
				goto bad_num;
			break;
		case 'F': fail_open = true; break;
		case 'P': pflags |= NET_PKT_NOPROMISC; break;
		case 'v': s->verbose = true; break;
		case 'c': check = true; break;
		case 'h': usage(stdout); rc = 0; goto out;
		default: usage(stderr); rc = 2; goto out;
		}
	}
	if (optind != argc) {
		usage(stderr);
		rc = 2;
		goto out;
	}
	if (check) {
		rc = check_rules(s->d.rules_path);
		goto out;
	}
	if (have_queue == !!s->d.ifname) {
		fprintf(stderr, "ctrack daemon: give one of --nfqueue N and --link IFNAME\n");
		rc = 2;
		goto out;
	}
	if (s->d.ifname && s->d.rules_path) {
		fprintf(stderr, "ctrack daemon: --rules is for --nfqueue; --link only watches\n");
		rc = 2;
		goto out;
	}
	if (s->d.rules_path) {
		if (ctrack_rules_load(s->d.rules_path, &s->d.rules, err, sizeof(err))) {
			fprintf(stderr, "ctrack: %s\n", err);
			rc = 2;
			goto out;
		}
		s->d.have_rules = true;
	}
	s->d.mode = have_queue ? "nfqueue" : "link";
	s->d.queue = queue;
	rc = ct_table_new(&s->d.cfg, &s->d.t);
	if (rc) {
		fprintf(stderr, "ctrack: cannot make the table: %s\n", strerror(-rc));
		rc = 1;
		goto out;
	}
	/* frag_timeout and the other defaults as the table completed them */
	if (!s->d.cfg.frag_timeout)
		s->d.cfg.frag_timeout = 60;
	ct_subscribe(s->d.t, CT_EV_NEW | CT_EV_UPDATE | CT_EV_DESTROY, on_event, s);

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		ctrack_log("signalfd: %s", strerror(errno));
		rc = 1;
		goto out;
	}
	if (have_queue) {
		rc = ctrack_nfq_open(&s->nfq, (uint16_t)queue, qlen, fail_open, err, sizeof(err));
	} else {
		rc = net_pkt_open(&s->link, NULL, s->d.ifname, NULL, pflags, err, sizeof(err));
		if (rc && !err[0])
			snprintf(err, sizeof(err), "%s: %s", s->d.ifname, strerror(-rc));
		s->link_open = !rc;
		if (!rc) {
			int size = 8 << 20;

			/* room for bursts; without the privilege, the default */
			if (setsockopt(s->link.fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
				setsockopt(s->link.fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		}
	}
	if (rc) {
		ctrack_log("%s", err);
		rc = 1;
		goto out;
	}
	rc = ctrack_ctl_open(&s->d.ctl, &s->d, sock, err, sizeof(err));
	if (rc) {
		ctrack_log("%s", err);
		rc = 1;
		goto out;
	}
	s->d.started = ctrack_now();
	if (have_queue)
		ctrack_log("tracking NFQUEUE %u with %s, control socket %s", queue,
			   s->d.have_rules ? s->d.rules_path : "no rules (accept all)", sock);
	else
		ctrack_log("watching %s, control socket %s", s->d.ifname, sock);
	rc = run(s, sfd);
out:
	if (s->d.ctl)
		ctrack_ctl_close(s->d.ctl);
	s->d.ctl = NULL;
	if (s->nfq) {
		/* what still waits goes with the queue when it closes */
		ctrack_nfq_close(s->nfq);
	}
	if (s->link_open)
		net_pkt_close(&s->link);
	if (s->d.t)
		ct_table_free(s->d.t);
	ctrack_rules_free(&s->d.rules);
	free(s->pend);
	if (sfd >= 0)
		close(sfd);
	free(s);
	return rc;
bad_num:
	fprintf(stderr, "ctrack daemon: bad number '%s'\n", optarg);
	rc = 2;
	goto out;
}
