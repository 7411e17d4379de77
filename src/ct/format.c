/*
 * The text formats of conntrack-tools, checked against `conntrack -L`,
 * `conntrack -E` and `conntrack -L expect` (1.4.7) on Linux 6.18: protocol
 * name left-aligned in 8 columns and number, timeout, TCP state, the two
 * tuples with [UNREPLIED] between them while nothing came back, [ASSURED],
 * mark, zone when not 0, helper, use. Events put the event name in 9
 * columns first, print the mark only when set, and leave out use=; a
 * DESTROY event leaves out a timeout that ran out and the helper, and
 * carries the counters when accounting is shown. Optional parts follow the
 * sysctls and options that make conntrack print them (CT_FMT_*).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ct_int.h"

#define NS 1000000000ull

struct out {
	char *p;
	size_t n, len;
	bool full;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->full)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->p + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= o->n - o->len) {
		o->full = true;
		return;
	}
	o->len += (size_t)k;
}

static int finish(struct out *o)
{
	if (o->full)
		return -ENOSPC;
	if (o->len && o->p[o->len - 1] == ' ')
		o->p[--o->len] = 0;
	return (int)o->len;
}

const char *ct_proto_name(uint8_t proto)
{
	switch (proto) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 33:
		return "dccp";
	case 47:
		return "gre";
	case 58:
		return "icmpv6";
	case 132:
		return "sctp";
	case 136:
		return "udplite";
	default:
		return "unknown";
	}
}

const char *ct_tcp_state_name(uint8_t state)
{
	static const char *const names[CT_TCP_MAX] = {
		[CT_TCP_NONE] = "NONE",
		[CT_TCP_SYN_SENT] = "SYN_SENT",
		[CT_TCP_SYN_RECV] = "SYN_RECV",
		[CT_TCP_ESTABLISHED] = "ESTABLISHED",
		[CT_TCP_FIN_WAIT] = "FIN_WAIT",
		[CT_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
		[CT_TCP_LAST_ACK] = "LAST_ACK",
		[CT_TCP_TIME_WAIT] = "TIME_WAIT",
		[CT_TCP_CLOSE] = "CLOSE",
		[CT_TCP_SYN_SENT2] = "SYN_SENT2",
	};

	return state < CT_TCP_MAX ? names[state] : "NONE";
}

const char *ct_helper_name(uint8_t helper)
{
	return helper == CT_HELPER_FTP ? "ftp" : NULL;
}

static void put_addr(struct out *o, const char *key, uint8_t l3, const union ct_addr *a)
{
	char text[INET6_ADDRSTRLEN];

	if (!inet_ntop(l3 == 4 ? AF_INET : AF_INET6, a->a, text, sizeof(text)))
		text[0] = 0;
	put(o, "%s=%s ", key, text);
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 136;
}

static void put_tuple(struct out *o, const struct ct_tuple *t)
{
	put_addr(o, "src", t->l3, &t->src);
	put_addr(o, "dst", t->l3, &t->dst);
	if (has_ports(t->proto))
		put(o, "sport=%u dport=%u ", t->sport, t->dport);
	else if (ct_is_icmp(t->l3, t->proto))
		put(o, "type=%u code=%u id=%u ", t->type, t->code, t->sport);
}

enum mode { M_LIST, M_NEW, M_UPDATE, M_DESTROY };

static int format(enum mode m, const struct ct_entry *e, uint64_t now, unsigned flags, char *buf,
		  size_t n)
{
	struct out o = { buf, n, 0, false };
	const struct ct_l4proto *l4;
	struct ct_tuple rep;
	uint32_t left = ct_entry_timeout(e, now);
	bool acct = (flags & CT_FMT_ACCT) && (m == M_LIST || m == M_DESTROY);
	const char *helper = ct_helper_name(e->helper);

	if (!buf || !n)
		return -ENOSPC;
	buf[0] = 0;
	if (m == M_NEW)
		put(&o, "%9s ", "[NEW]");
	else if (m == M_UPDATE)
		put(&o, "%9s ", "[UPDATE]");
	else if (m == M_DESTROY)
		put(&o, "%9s ", "[DESTROY]");
	if (flags & CT_FMT_EXTENDED)
		put(&o, "%-8s %u ", e->t.l3 == 4 ? "ipv4" : "ipv6", e->t.l3 == 4 ? 2 : 10);
	put(&o, "%-8s %u ", ct_proto_name(e->t.proto), e->t.proto);
	if (m != M_DESTROY || left)
		put(&o, "%u ", left);
	switch (e->t.proto) {
	case 6:
		l4 = &ct_l4_tcp;
		break;
	default:
		l4 = NULL;
		break;
	}
	if (l4 && l4->print_state && !o.full) {
		int k = l4->print_state(e, o.p + o.len, o.n - o.len);

		if (k < 0 || (size_t)k >= o.n - o.len)
			o.full = true;
		else
			o.len += (size_t)k;
	}
	put_tuple(&o, &e->t);
	if (acct)
		put(&o, "packets=%u bytes=%llu ", e->pkts[0], (unsigned long long)e->bytes[0]);
	if (!(e->status & CT_S_SEEN_REPLY))
		put(&o, "[UNREPLIED] ");
	ct_tuple_invert(&e->t, &rep);
	put_tuple(&o, &rep);
	if (acct)
		put(&o, "packets=%u bytes=%llu ", e->pkts[1], (unsigned long long)e->bytes[1]);
	if (e->status & CT_S_ASSURED)
		put(&o, "[ASSURED] ");
	if (m == M_LIST || e->mark)
		put(&o, "mark=%u ", e->mark);
	if (e->t.zone)
		put(&o, "zone=%u ", e->t.zone);
	if ((flags & CT_FMT_TSTAMP) && (m == M_LIST || m == M_DESTROY)) {
		uint64_t s = now / NS;

		put(&o, "delta-time=%llu ", (unsigned long long)(s > e->start ? s - e->start : 0));
	}
	if (helper && m != M_DESTROY)
		put(&o, "helper=%s ", helper);
	if (m == M_LIST)
		put(&o, "use=1 ");
	if (flags & CT_FMT_ID)
		put(&o, "id=%u ", e->id);
	return finish(&o);
}

int ct_entry_format_opts(const struct ct_entry *e, uint64_t now, unsigned flags, char *out,
			 size_t n)
{
	if (!e)
		return -EINVAL;
	return format(M_LIST, e, now, flags, out, n);
}

int ct_entry_format(const struct ct_entry *e, uint64_t now, char *out, size_t n)
{
	return ct_entry_format_opts(e, now, 0, out, n);
}

int ct_event_format_opts(enum ct_event ev, const struct ct_entry *e, uint64_t now, unsigned flags,
			 char *out, size_t n)
{
	if (!e)
		return -EINVAL;
	switch (ev) {
	case CT_EV_NEW:
		return format(M_NEW, e, now, flags, out, n);
	case CT_EV_UPDATE:
		return format(M_UPDATE, e, now, flags, out, n);
	case CT_EV_DESTROY:
		return format(M_DESTROY, e, now, flags, out, n);
	default:
		return -EINVAL;
	}
}

int ct_event_format(enum ct_event ev, const struct ct_entry *e, uint64_t now, char *out, size_t n)
{
	return ct_event_format_opts(ev, e, now, 0, out, n);
}

int ct_expect_format(const struct ct_expect *x, const struct ct_entry *master, uint64_t now,
		     char *buf, size_t n)
{
	struct out o = { buf, n, 0, false };
	union ct_addr mask;
	uint64_t left = x && x->expires > now ? (x->expires - now) / NS : 0;
	const char *helper;

	if (!x || !master)
		return -EINVAL;
	if (!buf || !n)
		return -ENOSPC;
	buf[0] = 0;
	memset(&mask, 0, sizeof(mask));
	memset(&mask, 0xff, x->t.l3 == 4 ? 4 : 16);
	put(&o, "%llu proto=%u ", (unsigned long long)left, x->t.proto);
	put_tuple(&o, &x->t);
	put_addr(&o, "mask-src", x->t.l3, &mask);
	put_addr(&o, "mask-dst", x->t.l3, &mask);
	put(&o, "sport=%u dport=%u ", x->t.sport ? 65535 : 0, 65535);
	put_addr(&o, "master-src", master->t.l3, &master->t.src);
	put_addr(&o, "master-dst", master->t.l3, &master->t.dst);
	put(&o, "sport=%u dport=%u ", master->t.sport, master->t.dport);
	put(&o, "class=0 ");
	helper = ct_helper_name(x->helper);
	if (helper)
		put(&o, "helper=%s ", helper);
	return finish(&o);
}
