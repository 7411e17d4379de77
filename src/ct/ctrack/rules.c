/*
 * The daemon's firewall rules: reading the rule file (one rule a line,
 * "accept" or "drop" and then matches on the tracking state, family,
 * protocol, addresses, ports, ICMP type and connection mark), choosing the
 * verdict of a packet by the first rule that matches, and reading the
 * fields rules look at from the packet itself, through the checked cursor,
 * with IPv6 extension headers walked to the upper layer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cur.h"
#include "rules.h"

#define RULES_MAX 65536

/* ---- the packet's fields ---- */

static int read_l4(struct pkt_cur *c, struct ctrack_pktkey *k)
{
	if (ctrack_proto_has_ports(k->proto)) {
		if (pkt_cur_u16(c, &k->sport) || pkt_cur_u16(c, &k->dport))
			return 0;
		k->l4 = true;
	} else if (k->proto == 1 || k->proto == 58) {
		if (pkt_cur_u8(c, &k->type) || pkt_cur_u8(c, &k->code))
			return 0;
		k->l4 = true;
	}
	return 0;
}

static int key_ipv4(struct pkt_cur *c, struct ctrack_pktkey *k)
{
	uint8_t vihl, proto;
	uint16_t id, frag;
	size_t hl;

	if (pkt_cur_u8(c, &vihl) || pkt_cur_skip(c, 3) || pkt_cur_u16(c, &id) ||
	    pkt_cur_u16(c, &frag) || pkt_cur_skip(c, 1) || pkt_cur_u8(c, &proto) ||
	    pkt_cur_skip(c, 2) || pkt_cur_bytes(c, k->src.a, 4) || pkt_cur_bytes(c, k->dst.a, 4))
		return -EINVAL;
	hl = (size_t)(vihl & 0x0f) * 4;
	if (hl < 20 || pkt_cur_skip(c, hl - 20))
		return -EINVAL;
	k->l3 = 4;
	k->proto = proto;
	if (frag & 0x3fff) { /* MF or an offset */
		k->frag = true;
		k->frag_id = id;
	}
	if (frag & 0x1fff)
		return 0; /* not the first: no upper-layer header */
	return read_l4(c, k);
}

static int key_ipv6(struct pkt_cur *c, struct ctrack_pktkey *k)
{
	uint8_t nh, b[8];

	if (pkt_cur_skip(c, 6) || pkt_cur_u8(c, &nh) || pkt_cur_skip(c, 1) ||
	    pkt_cur_bytes(c, k->src.a, 16) || pkt_cur_bytes(c, k->dst.a, 16))
		return -EINVAL;
	k->l3 = 6;
	/* Hop-by-Hop, Routing, Destination Options, Fragment, AH; a bound on
	 * their number keeps a crafted chain from costing much. */
	for (int i = 0; i < 32; i++) {
		size_t len;

		k->proto = nh;
		if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
			return read_l4(c, k);
		if (pkt_cur_bytes(c, b, 8))
			return 0;
		if (nh == 44) {
			uint16_t off = (uint16_t)(b[2] << 8 | b[3]);

			if ((off & 0xfff9) == 0) /* atomic fragment */
				goto next;
			k->frag = true;
			k->frag_id = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 |
				     (uint32_t)b[6] << 8 | b[7];
			if (off & 0xfff8) {
				k->proto = b[0];
				return 0;
			}
next:
			nh = b[0];
			continue;
		}
		len = nh == 51 ? ((size_t)b[1] + 2) * 4 : ((size_t)b[1] + 1) * 8;
		nh = b[0];
		if (len < 8 || pkt_cur_skip(c, len - 8))
			return 0;
	}
	k->proto = nh;
	return 0;
}

int ctrack_pktkey_read(const uint8_t *p, size_t len, struct ctrack_pktkey *k)
{
	struct pkt_cur c;
	uint8_t v;
	int rc;

	memset(k, 0, sizeof(*k));
	pkt_cur_init(&c, p, len);
	if (pkt_cur_peek(&c, 0, &v))
		return -EINVAL;
	switch (v >> 4) {
	case 4:
		rc = key_ipv4(&c, k);
		break;
	case 6:
		rc = key_ipv6(&c, k);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (rc)
		memset(k, 0, sizeof(*k));
	return rc;
}

/* ---- reading rules ---- */

const char *ctrack_info_name(enum ct_info info)
{
	static const char *const n[] = { "new", "established", "related", "invalid", "untracked" };

	return (unsigned)info < 5 ? n[info] : "?";
}

static int state_words(const char *tok, uint8_t *states)
{
	char buf[128];
	char *save = NULL, *w;

	if (strlen(tok) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, tok);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		unsigned i;

		for (i = 0; i <= CT_UNTRACKED; i++)
			if (!strcmp(w, ctrack_info_name((enum ct_info)i)))
				break;
		if (i > CT_UNTRACKED)
			return -EINVAL;
		*states |= (uint8_t)(1u << i);
	}
	return 0;
}

static bool is_state_list(const char *tok)
{
	uint8_t s = 0;

	return !state_words(tok, &s);
}

/* "N" or "N-M", decimal, 0..65535. */
static int port_range(const char *s, uint16_t r[2])
{
	char *end;
	unsigned long a, b;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-') {
		s = end + 1;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		b = strtoul(s, &end, 10);
	}
	if (*end || a > 65535 || b > 65535 || a > b)
		return -EINVAL;
	r[0] = (uint16_t)a;
	r[1] = (uint16_t)b;
	return 0;
}

/* One rule from the tokens of a line; -EINVAL with a message in err. */
static int parse_rule(char **tok, int ntok, struct ctrack_rule *r, char *err, size_t n)
{
	uint8_t l3 = 0;

	memset(r, 0, sizeof(*r));
	if (!strcmp(tok[0], "accept")) {
		r->action = CTRACK_ACCEPT;
	} else if (!strcmp(tok[0], "drop")) {
		r->action = CTRACK_DROP;
	} else {
		snprintf(err, n, "a rule starts with accept or drop, not '%s'", tok[0]);
		return -EINVAL;
	}
	for (int i = 1; i < ntok; i++) {
		const char *w = tok[i], *arg = i + 1 < ntok ? tok[i + 1] : NULL;
		uint8_t bit;

		if (!strcmp(w, "ipv4") || !strcmp(w, "ipv6")) {
			if (r->has & CTRACK_R_FAMILY)
				goto twice;
			r->has |= CTRACK_R_FAMILY;
			r->l3 = w[3] == '4' ? 4 : 6;
			continue;
		}
		if (is_state_list(w)) {
			state_words(w, &r->states);
			continue;
		}
		if (!strcmp(w, "proto"))
			bit = CTRACK_R_PROTO;
		else if (!strcmp(w, "src"))
			bit = CTRACK_R_SRC;
		else if (!strcmp(w, "dst"))
			bit = CTRACK_R_DST;
		else if (!strcmp(w, "sport"))
			bit = CTRACK_R_SPORT;
		else if (!strcmp(w, "dport"))
			bit = CTRACK_R_DPORT;
		else if (!strcmp(w, "type"))
			bit = CTRACK_R_TYPE;
		else if (!strcmp(w, "mark"))
			bit = CTRACK_R_MARK;
		else {
			snprintf(err, n, "unknown match '%s'", w);
			return -EINVAL;
		}
		if (r->has & bit)
			goto twice;
		if (!arg) {
			snprintf(err, n, "'%s' wants a value", w);
			return -EINVAL;
		}
		r->has |= bit;
		i++;
		switch (bit) {
		case CTRACK_R_PROTO:
			if (ctrack_proto_parse(arg, &r->proto))
				goto bad;
			break;
		case CTRACK_R_SRC:
		case CTRACK_R_DST: {
			struct ctrack_prefix *p = bit == CTRACK_R_SRC ? &r->src : &r->dst;

			if (ctrack_prefix_parse(arg, p))
				goto bad;
			if (l3 && l3 != p->l3) {
				snprintf(err, n, "src and dst of different IP versions");
				return -EINVAL;
			}
			l3 = p->l3;
			break;
		}
		case CTRACK_R_SPORT:
			if (port_range(arg, r->sport))
				goto bad;
			break;
		case CTRACK_R_DPORT:
			if (port_range(arg, r->dport))
				goto bad;
			break;
		case CTRACK_R_TYPE: {
			uint32_t v;

			if (*arg < '0' || *arg > '9' || ctrack_parse_u32(arg, &v) || v > 255)
				goto bad;
			r->type = (uint8_t)v;
			break;
		}
		case CTRACK_R_MARK: {
			struct ctrack_filter f = { 0 };
			char e2[64];

			if (ctrack_filter_arg(&f, "mark", arg, e2, sizeof(e2)))
				goto bad;
			r->mark = f.mark;
			r->mark_mask = f.mark_mask;
			break;
		}
		}
		continue;
bad:
		snprintf(err, n, "bad %s '%s'", w, arg);
		return -EINVAL;
twice:
		snprintf(err, n, "'%s' given twice", w);
		return -EINVAL;
	}
	if (r->has & CTRACK_R_FAMILY) {
		if (l3 && l3 != r->l3) {
			snprintf(err, n, "ipv%u rule with ipv%u addresses", r->l3, l3);
			return -EINVAL;
		}
		l3 = r->l3;
	}
	if ((r->has & (CTRACK_R_SPORT | CTRACK_R_DPORT)) &&
	    (!(r->has & CTRACK_R_PROTO) || !ctrack_proto_has_ports(r->proto))) {
		snprintf(err, n, "ports need 'proto' tcp, udp, sctp, dccp or udplite");
		return -EINVAL;
	}
	if ((r->has & CTRACK_R_TYPE) &&
	    (!(r->has & CTRACK_R_PROTO) || (r->proto != 1 && r->proto != 58))) {
		snprintf(err, n, "'type' needs 'proto' icmp or icmpv6");
		return -EINVAL;
	}
	if ((r->has & CTRACK_R_PROTO) && ((r->proto == 1 && l3 == 6) || (r->proto == 58 && l3 == 4))) {
		snprintf(err, n, "%s does not go with IPv%u", r->proto == 1 ? "icmp" : "icmpv6", l3);
		return -EINVAL;
	}
	if (l3) {
		r->has |= CTRACK_R_FAMILY;
		r->l3 = l3;
	}
	return 0;
}

int ctrack_rules_parse(const char *text, const char *name, struct ctrack_rules *rs, char *err,
		       size_t n)
{
	const char *p = text;
	unsigned line = 0;
	size_t cap = 0;
	char e[256];

	memset(rs, 0, sizeof(*rs));
	rs->file = strdup(name);
	if (!rs->file)
		goto nomem;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char buf[1024], *tok[64], *save = NULL, *w;
		int ntok = 0;

		line++;
		if (len >= sizeof(buf)) {
			snprintf(err, n, "%s:%u: line longer than %zu bytes", name, line, sizeof(buf) - 1);
			goto fail;
		}
		memcpy(buf, p, len);
		buf[len] = 0;
		p += len + (nl ? 1 : 0);
		w = strchr(buf, '#');
		if (w)
			*w = 0;
		for (w = strtok_r(buf, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
			if (ntok == 64) {
				snprintf(err, n, "%s:%u: too many words", name, line);
				goto fail;
			}
			tok[ntok++] = w;
		}
		if (!ntok)
			continue;
		if (rs->n == RULES_MAX) {
			snprintf(err, n, "%s:%u: more than %u rules", name, line, RULES_MAX);
			goto fail;
		}
		if (rs->n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct ctrack_rule *nr = realloc(rs->r, nc * sizeof(*nr));

			if (!nr)
				goto nomem;
			rs->r = nr;
			cap = nc;
		}
		if (parse_rule(tok, ntok, &rs->r[rs->n], e, sizeof(e))) {
			snprintf(err, n, "%s:%u: %s", name, line, e);
			goto fail;
		}
		rs->r[rs->n++].line = line;
	}
	return 0;
nomem:
	snprintf(err, n, "%s: out of memory", name);
fail:
	ctrack_rules_free(rs);
	return -EINVAL;
}

int ctrack_rules_load(const char *path, struct ctrack_rules *rs, char *err, size_t n)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int rc;

	memset(rs, 0, sizeof(*rs));
	if (!f) {
		rc = -errno;
		snprintf(err, n, "%s: %s", path, strerror(-rc));
		return rc;
	}
	for (;;) {
		size_t got;

		if (cap - len < 4096) {
			char *nt;

			if (cap >= (16u << 20)) {
				snprintf(err, n, "%s: larger than 16 MiB", path);
				rc = -EFBIG;
				goto out;
			}
			nt = realloc(text, cap + 65536);
			if (!nt) {
				snprintf(err, n, "%s: out of memory", path);
				rc = -ENOMEM;
				goto out;
			}
			text = nt;
			cap += 65536;
		}
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, n, "%s: read error", path);
		goto out;
	}
	text[len] = 0;
	if (strlen(text) != len) {
		snprintf(err, n, "%s: holds a NUL byte", path);
		rc = -EINVAL;
		goto out;
	}
	rc = ctrack_rules_parse(text, path, rs, err, n);
out:
	free(text);
	fclose(f);
	return rc;
}

void ctrack_rules_free(struct ctrack_rules *rs)
{
	free(rs->r);
	free(rs->file);
	memset(rs, 0, sizeof(*rs));
}

static bool rule_match(const struct ctrack_rule *r, const struct ctrack_pktkey *k,
		       enum ct_info info, uint32_t mark)
{
	if (r->states && !(r->states & (1u << info)))
		return false;
	if ((r->has & CTRACK_R_FAMILY) && k->l3 != r->l3)
		return false;
	if ((r->has & CTRACK_R_PROTO) && (!k->l3 || k->proto != r->proto))
		return false;
	if ((r->has & CTRACK_R_SRC) && !ctrack_prefix_match(&r->src, k->l3, &k->src))
		return false;
	if ((r->has & CTRACK_R_DST) && !ctrack_prefix_match(&r->dst, k->l3, &k->dst))
		return false;
	if ((r->has & (CTRACK_R_SPORT | CTRACK_R_DPORT | CTRACK_R_TYPE)) && !k->l4)
		return false;
	if ((r->has & CTRACK_R_SPORT) && (k->sport < r->sport[0] || k->sport > r->sport[1]))
		return false;
	if ((r->has & CTRACK_R_DPORT) && (k->dport < r->dport[0] || k->dport > r->dport[1]))
		return false;
	if ((r->has & CTRACK_R_TYPE) && k->type != r->type)
		return false;
	if ((r->has & CTRACK_R_MARK) && (mark & r->mark_mask) != (r->mark & r->mark_mask))
		return false;
	return true;
}

enum ctrack_action ctrack_rules_eval(struct ctrack_rules *rs, const struct ctrack_pktkey *k,
				     enum ct_info info, uint32_t mark, const struct ctrack_rule **rule)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct ctrack_rule *r = &rs->r[i];

		if (rule_match(r, k, info, mark)) {
			r->hits++;
			*rule = r;
			return (enum ctrack_action)r->action;
		}
	}
	rs->nomatch++;
	*rule = NULL;
	return CTRACK_DROP;
}

void ctrack_rule_str(const struct ctrack_rule *r, char *out, size_t n)
{
	size_t len = 0;
	char a[64];

#define ADD(...)                                                                        \
	do {                                                                            \
		int k_ = snprintf(out + len, n - len, __VA_ARGS__);                    \
		if (k_ < 0 || (size_t)k_ >= n - len)                                   \
			return;                                                         \
		len += (size_t)k_;                                                      \
	} while (0)

	if (!n)
		return;
	out[0] = 0;
	ADD("%s", r->action == CTRACK_ACCEPT ? "accept" : "drop");
	if (r->states) {
		const char *sep = " ";

		for (unsigned i = 0; i <= CT_UNTRACKED; i++) {
			if (r->states & (1u << i)) {
				ADD("%s%s", sep, ctrack_info_name((enum ct_info)i));
				sep = ",";
			}
		}
	}
	if ((r->has & CTRACK_R_FAMILY) && !(r->has & (CTRACK_R_SRC | CTRACK_R_DST)))
		ADD(" ipv%u", r->l3);
	if (r->has & CTRACK_R_PROTO) {
		const char *pn = ctrack_proto_name(r->proto);

		if (pn)
			ADD(" proto %s", pn);
		else
			ADD(" proto %u", r->proto);
	}
	if (r->has & CTRACK_R_SRC) {
		ctrack_prefix_str(&r->src, a, sizeof(a));
		ADD(" src %s", a);
	}
	if (r->has & CTRACK_R_DST) {
		ctrack_prefix_str(&r->dst, a, sizeof(a));
		ADD(" dst %s", a);
	}
	if (r->has & CTRACK_R_SPORT) {
		ADD(" sport %u", r->sport[0]);
		if (r->sport[1] != r->sport[0])
			ADD("-%u", r->sport[1]);
	}
	if (r->has & CTRACK_R_DPORT) {
		ADD(" dport %u", r->dport[0]);
		if (r->dport[1] != r->dport[0])
			ADD("-%u", r->dport[1]);
	}
	if (r->has & CTRACK_R_TYPE)
		ADD(" type %u", r->type);
	if (r->has & CTRACK_R_MARK)
		ADD(" mark 0x%x/0x%x", r->mark, r->mark_mask);
#undef ADD
}
