/*
 * Filters over connections, shared by the daemon (which evaluates them, so
 * a list of a few entries out of millions sends only those) and the client
 * (which reads them from its command line and sends them as JSON): address
 * prefixes, ports, protocol, family, TCP state, zone, mark under a mask and
 * status bits. Also the small parsers they need (prefixes, protocol names,
 * TCP state names), which the rule file reuses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ctrack.h"

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "icmp", 1 },	 { "tcp", 6 },	 { "udp", 17 },	      { "dccp", 33 },
	{ "gre", 47 },	 { "icmpv6", 58 }, { "sctp", 132 },   { "udplite", 136 },
	{ "ipv6-icmp", 58 },
};

/* A decimal number up to max: no sign, no spaces, no octal or hex. */
static int dec(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

int ctrack_prefix_parse(const char *s, struct ctrack_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint32_t len;

	memset(p, 0, sizeof(*p));
	if (!alen || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = 0;
	if (inet_pton(AF_INET6, buf, p->a.a) == 1)
		p->l3 = 6;
	else if (inet_pton(AF_INET, buf, p->a.a) == 1)
		p->l3 = 4;
	else
		return -EINVAL;
	p->len = p->l3 == 4 ? 32 : 128;
	if (slash) {
		if (dec(slash + 1, p->len, &len))
			return -EINVAL;
		p->len = (uint8_t)len;
	}
	return 0;
}

bool ctrack_prefix_match(const struct ctrack_prefix *p, uint8_t l3, const union ct_addr *a)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (p->l3 != l3)
		return false;
	if (memcmp(p->a.a, a->a, full))
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		if ((p->a.a[full] ^ a->a[full]) & m)
			return false;
	}
	return true;
}

void ctrack_prefix_str(const struct ctrack_prefix *p, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->l3 == 4 ? AF_INET : AF_INET6, p->a.a, a, sizeof(a));
	if (p->len == (p->l3 == 4 ? 32 : 128))
		snprintf(out, n, "%s", a);
	else
		snprintf(out, n, "%s/%u", a, p->len);
}

int ctrack_proto_parse(const char *s, uint8_t *proto)
{
	uint32_t v;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcasecmp(s, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	}
	if (dec(s, 255, &v))
		return -EINVAL;
	*proto = (uint8_t)v;
	return 0;
}

const char *ctrack_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return NULL;
}

bool ctrack_proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 33 || proto == 132 || proto == 136;
}

int ctrack_tcp_state_parse(const char *s, uint8_t *state)
{
	for (uint8_t i = 0; i < CT_TCP_MAX; i++) {
		if (!strcasecmp(s, ct_tcp_state_name(i))) {
			*state = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* One status word: which bit, and whether it must be set or clear. */
static int status_word(const char *w, size_t n, uint16_t *set, uint16_t *clear)
{
	static const struct {
		const char *name;
		uint16_t bit;
		bool clear;
	} words[] = {
		{ "assured", CT_S_ASSURED, false },	  { "unreplied", CT_S_SEEN_REPLY, true },
		{ "seen_reply", CT_S_SEEN_REPLY, false }, { "expected", CT_S_EXPECTED, false },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i].name) != n || strncasecmp(w, words[i].name, n))
			continue;
		if (words[i].clear)
			*clear |= words[i].bit;
		else
			*set |= words[i].bit;
		return *set & *clear ? -EDOM : 0;
	}
	return -EINVAL;
}

static int port_arg(const char *val, uint16_t *out)
{
	uint32_t v;

	if (dec(val, 65535, &v))
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* Parts that cannot hold together (ports of a protocol without them, an
 * IPv4 source and an IPv6 destination ...). */
static int filter_check(const struct ctrack_filter *f, char *err, size_t n)
{
	uint8_t l3 = 0;

	if (f->has & CTF_FAMILY)
		l3 = f->l3;
	if (f->has & CTF_SRC) {
		if (l3 && l3 != f->src.l3)
			goto family;
		l3 = f->src.l3;
	}
	if ((f->has & CTF_DST) && l3 && l3 != f->dst.l3)
		goto family;
	if ((f->has & (CTF_SPORT | CTF_DPORT)) && (f->has & CTF_PROTO) &&
	    !ctrack_proto_has_ports(f->proto)) {
		snprintf(err, n, "protocol %u has no ports", f->proto);
		return -EINVAL;
	}
	if ((f->has & CTF_STATE) && (f->has & CTF_PROTO) && f->proto != 6) {
		snprintf(err, n, "a TCP state wants protocol tcp");
		return -EINVAL;
	}
	return 0;
family:
	snprintf(err, n, "addresses and family of different IP versions");
	return -EINVAL;
}

int ctrack_filter_arg(struct ctrack_filter *f, const char *key, const char *val, char *err,
		      size_t n)
{
	uint32_t v;

	if (!strcmp(key, "src") || !strcmp(key, "dst")) {
		bool src = key[0] == 's';

		if (ctrack_prefix_parse(val, src ? &f->src : &f->dst))
			goto bad;
		f->has |= src ? CTF_SRC : CTF_DST;
	} else if (!strcmp(key, "sport") || !strcmp(key, "dport")) {
		bool src = key[0] == 's';

		if (port_arg(val, src ? &f->sport : &f->dport))
			goto bad;
		f->has |= src ? CTF_SPORT : CTF_DPORT;
	} else if (!strcmp(key, "proto")) {
		if (ctrack_proto_parse(val, &f->proto))
			goto bad;
		f->has |= CTF_PROTO;
	} else if (!strcmp(key, "family")) {
		if (!strcmp(val, "ipv4"))
			f->l3 = 4;
		else if (!strcmp(val, "ipv6"))
			f->l3 = 6;
		else
			goto bad;
		f->has |= CTF_FAMILY;
	} else if (!strcmp(key, "state")) {
		if (ctrack_tcp_state_parse(val, &f->state))
			goto bad;
		f->has |= CTF_STATE;
	} else if (!strcmp(key, "zone")) {
		if (dec(val, 65535, &v))
			goto bad;
		f->zone = (uint16_t)v;
		f->has |= CTF_ZONE;
	} else if (!strcmp(key, "mark")) {
		char buf[32];
		const char *slash = strchr(val, '/');
		size_t l = slash ? (size_t)(slash - val) : strlen(val);

		if (!l || l >= sizeof(buf))
			goto bad;
		memcpy(buf, val, l);
		buf[l] = 0;
		if (buf[0] < '0' || buf[0] > '9' || ctrack_parse_u32(buf, &f->mark))
			goto bad;
		f->mark_mask = 0xffffffffu;
		if (slash && (slash[1] < '0' || slash[1] > '9' || ctrack_parse_u32(slash + 1, &f->mark_mask)))
			goto bad;
		f->has |= CTF_MARK;
	} else if (!strcmp(key, "status")) {
		const char *p = val;

		for (;;) {
			const char *c = strchr(p, ',');
			size_t l = c ? (size_t)(c - p) : strlen(p);

			if (status_word(p, l, &f->st_set, &f->st_clear))
				goto bad;
			if (!c)
				break;
			p = c + 1;
		}
		f->has |= CTF_STATUS;
	} else {
		snprintf(err, n, "unknown filter '%s'", key);
		return -EINVAL;
	}
	return filter_check(f, err, n);
bad:
	snprintf(err, n, "bad %s '%s'", key, val);
	return -EINVAL;
}

/* An integer member in [0, max], or -EINVAL with a message. */
static int json_uint(const char *key, const json_t *v, uint32_t max, uint32_t *out, char *err,
		     size_t n)
{
	json_int_t i;

	if (!json_is_integer(v)) {
		snprintf(err, n, "'%s' wants an integer", key);
		return -EINVAL;
	}
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max) {
		snprintf(err, n, "'%s' out of range 0..%u", key, max);
		return -EINVAL;
	}
	*out = (uint32_t)i;
	return 0;
}

static int json_str(const char *key, const json_t *v, const char **out, char *err, size_t n)
{
	if (!json_is_string(v)) {
		snprintf(err, n, "'%s' wants a string", key);
		return -EINVAL;
	}
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v)) {
		snprintf(err, n, "'%s' holds a NUL character", key);
		return -EINVAL;
	}
	return 0;
}

int ctrack_filter_from_json(const json_t *o, struct ctrack_filter *f, char *err, size_t n)
{
	const char *key, *s;
	json_t *v;
	uint32_t u;
	int rc;

	memset(f, 0, sizeof(*f));
	if (!json_is_object(o)) {
		snprintf(err, n, "'filter' wants an object");
		return -EINVAL;
	}
	json_object_foreach ((json_t *)o, key, v) {
		if (!strcmp(key, "sport") || !strcmp(key, "dport") || !strcmp(key, "zone")) {
			if (json_uint(key, v, 65535, &u, err, n))
				return -EINVAL;
			if (key[0] == 's') {
				f->sport = (uint16_t)u;
				f->has |= CTF_SPORT;
			} else if (key[0] == 'd') {
				f->dport = (uint16_t)u;
				f->has |= CTF_DPORT;
			} else {
				f->zone = (uint16_t)u;
				f->has |= CTF_ZONE;
			}
		} else if (!strcmp(key, "proto") && json_is_integer(v)) {
			if (json_uint(key, v, 255, &u, err, n))
				return -EINVAL;
			f->proto = (uint8_t)u;
			f->has |= CTF_PROTO;
		} else if (!strcmp(key, "mark") || !strcmp(key, "mark_mask")) {
			if (json_uint(key, v, 0xffffffffu, &u, err, n))
				return -EINVAL;
			if (key[4]) {
				f->mark_mask = u;
			} else {
				f->mark = u;
				f->has |= CTF_MARK;
			}
		} else if (!strcmp(key, "status") && json_is_array(v)) {
			size_t i;
			json_t *w;

			if (!json_array_size(v)) {
				snprintf(err, n, "'status' wants at least one word");
				return -EINVAL;
			}
			json_array_foreach (v, i, w) {
				if (json_str(key, w, &s, err, n))
					return -EINVAL;
				rc = status_word(s, strlen(s), &f->st_set, &f->st_clear);
				if (rc) {
					snprintf(err, n, rc == -EDOM ? "status '%s' contradicts another"
								     : "bad status '%s'", s);
					return -EINVAL;
				}
			}
			f->has |= CTF_STATUS;
		} else if (!strcmp(key, "src") || !strcmp(key, "dst") || !strcmp(key, "proto") ||
			   !strcmp(key, "family") || !strcmp(key, "state") || !strcmp(key, "status")) {
			if (json_str(key, v, &s, err, n))
				return -EINVAL;
			rc = ctrack_filter_arg(f, key, s, err, n);
			if (rc)
				return rc;
		} else {
			snprintf(err, n, "unknown filter '%s'", key);
			return -EINVAL;
		}
	}
	if (json_object_get(o, "mark_mask") && !(f->has & CTF_MARK)) {
		snprintf(err, n, "'mark_mask' without 'mark'");
		return -EINVAL;
	}
	if ((f->has & CTF_MARK) && !json_object_get(o, "mark_mask"))
		f->mark_mask = 0xffffffffu;
	return filter_check(f, err, n);
}

json_t *ctrack_filter_json(const struct ctrack_filter *f)
{
	json_t *o = json_object();
	char buf[64];

	if (f->has & CTF_SRC) {
		ctrack_prefix_str(&f->src, buf, sizeof(buf));
		json_object_set_new(o, "src", json_string(buf));
	}
	if (f->has & CTF_DST) {
		ctrack_prefix_str(&f->dst, buf, sizeof(buf));
		json_object_set_new(o, "dst", json_string(buf));
	}
	if (f->has & CTF_SPORT)
		json_object_set_new(o, "sport", json_integer(f->sport));
	if (f->has & CTF_DPORT)
		json_object_set_new(o, "dport", json_integer(f->dport));
	if (f->has & CTF_PROTO)
		json_object_set_new(o, "proto", json_integer(f->proto));
	if (f->has & CTF_FAMILY)
		json_object_set_new(o, "family", json_string(f->l3 == 4 ? "ipv4" : "ipv6"));
	if (f->has & CTF_STATE)
		json_object_set_new(o, "state", json_string(ct_tcp_state_name(f->state)));
	if (f->has & CTF_ZONE)
		json_object_set_new(o, "zone", json_integer(f->zone));
	if (f->has & CTF_MARK) {
		json_object_set_new(o, "mark", json_integer(f->mark));
		json_object_set_new(o, "mark_mask", json_integer(f->mark_mask));
	}
	if (f->has & CTF_STATUS) {
		json_t *a = json_array();

		if (f->st_set & CT_S_ASSURED)
			json_array_append_new(a, json_string("assured"));
		if (f->st_set & CT_S_SEEN_REPLY)
			json_array_append_new(a, json_string("seen_reply"));
		if (f->st_set & CT_S_EXPECTED)
			json_array_append_new(a, json_string("expected"));
		if (f->st_clear & CT_S_SEEN_REPLY)
			json_array_append_new(a, json_string("unreplied"));
		json_object_set_new(o, "status", a);
	}
	return o;
}

bool ctrack_filter_match(const struct ctrack_filter *f, const struct ct_entry *e)
{
	unsigned h = f->has;

	if (!h)
		return true;
	if ((h & CTF_FAMILY) && e->t.l3 != f->l3)
		return false;
	if ((h & CTF_PROTO) && e->t.proto != f->proto)
		return false;
	if ((h & CTF_SRC) && !ctrack_prefix_match(&f->src, e->t.l3, &e->t.src))
		return false;
	if ((h & CTF_DST) && !ctrack_prefix_match(&f->dst, e->t.l3, &e->t.dst))
		return false;
	if ((h & (CTF_SPORT | CTF_DPORT)) && !ctrack_proto_has_ports(e->t.proto))
		return false;
	if ((h & CTF_SPORT) && e->t.sport != f->sport)
		return false;
	if ((h & CTF_DPORT) && e->t.dport != f->dport)
		return false;
	if ((h & CTF_STATE) && (e->t.proto != 6 || e->p.tcp.state != f->state))
		return false;
	if ((h & CTF_ZONE) && e->t.zone != f->zone)
		return false;
	if ((h & CTF_MARK) && (e->mark & f->mark_mask) != (f->mark & f->mark_mask))
		return false;
	if ((h & CTF_STATUS) &&
	    ((e->status & f->st_set) != f->st_set || (e->status & f->st_clear)))
		return false;
	return true;
}
