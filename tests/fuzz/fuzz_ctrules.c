/*
 * Fuzz target for the ctrack rule file parser (src/ct/ctrack/rules.c): the
 * input is parsed as a rule file. A failure must leave the rules empty and
 * say "FILE:LINE: what" with a line the file has. Each rule read must have
 * sane fields, print (ctrack_rule_str) into any buffer without overrun as
 * a prefix of its full text, and read back from that text as the same
 * rule. The rules then judge a few fixed packets (and the input itself read
 * as a packet) in every tracking state: the verdict must be that of the
 * first rule that matches on its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ctutil.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "fuzz_ctrules: %s:%d: invariant failed: %s\n", __FILE__, \
				__LINE__, #cond);                                                \
			abort();                                                                 \
		}                                                                                \
	} while (0)

#define NAME "fuzz.rules"
#define NKEYS 10

static struct ctrack_pktkey keys[NKEYS];
static size_t nkeys;

static void add_key(const uint8_t *p, size_t len)
{
	struct ctrack_pktkey k;

	if (ctrack_pktkey_read(p, len, &k))
		return;
	CHECK(nkeys < NKEYS);
	keys[nkeys++] = k;
}

/* The fixed packets: TCP and UDP of both versions, ICMP, extension
 * headers, fragments. */
static void make_keys(void)
{
	static const uint8_t dns[4] = { 1, 2, 3, 4 }, zeros[40];
	uint8_t pkt[512], frag[600];
	struct fz_pkt p = { .l3 = 4, .proto = 6, .sport = 40000, .dport = 22, .tcpflags = 0x02 };
	size_t len;

	p.src = fz_addr(4, 0);
	p.dst = fz_addr(4, 2);
	add_key(pkt, fz_pkt_build(&p, pkt, sizeof(pkt)));
	p.l3 = 6;
	p.src = fz_addr(6, 2);
	p.dst = fz_addr(6, 1);
	p.dport = 8080;
	p.ext = true;
	add_key(pkt, fz_pkt_build(&p, pkt, sizeof(pkt)));
	p = (struct fz_pkt){ .l3 = 6, .proto = 17, .sport = 5353, .dport = 53, .payload = dns,
			     .paylen = sizeof(dns) };
	p.src = fz_addr(6, 0);
	p.dst = fz_addr(6, 3);
	len = fz_pkt_build(&p, pkt, sizeof(pkt));
	add_key(pkt, len);
	add_key(frag, fz_frag(pkt, len, 8, 0, 7, frag, sizeof(frag)));
	p = (struct fz_pkt){ .l3 = 6, .proto = 58, .type = 128, .sport = 9 };
	p.src = fz_addr(6, 1);
	p.dst = fz_addr(6, 0);
	add_key(pkt, fz_pkt_build(&p, pkt, sizeof(pkt)));
	p = (struct fz_pkt){ .l3 = 4, .proto = 1, .type = 3, .code = 1 };
	p.src = fz_addr(4, 3);
	p.dst = fz_addr(4, 1);
	add_key(pkt, fz_pkt_build(&p, pkt, sizeof(pkt)));
	p = (struct fz_pkt){ .l3 = 4, .proto = 17, .sport = 53, .dport = 1000, .payload = zeros,
			     .paylen = sizeof(zeros) };
	p.src = fz_addr(4, 1);
	p.dst = fz_addr(4, 0);
	len = fz_pkt_build(&p, pkt, sizeof(pkt));
	add_key(frag, fz_frag(pkt, len, 16, 1, 7, frag, sizeof(frag)));
	p = (struct fz_pkt){ .l3 = 6, .proto = 47 };
	p.src = fz_addr(6, 3);
	p.dst = fz_addr(6, 2);
	add_key(pkt, fz_pkt_build(&p, pkt, sizeof(pkt)));
}

static size_t count_lines(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

static bool same_prefix(const struct ctrack_prefix *a, const struct ctrack_prefix *b)
{
	return a->l3 == b->l3 && a->len == b->len && !memcmp(a->a.a, b->a.a, 16);
}

static bool same_rule(const struct ctrack_rule *a, const struct ctrack_rule *b)
{
	if (a->action != b->action || a->states != b->states || a->has != b->has)
		return false;
	if ((a->has & CTRACK_R_FAMILY) && a->l3 != b->l3)
		return false;
	if ((a->has & CTRACK_R_PROTO) && a->proto != b->proto)
		return false;
	if ((a->has & CTRACK_R_TYPE) && a->type != b->type)
		return false;
	if ((a->has & CTRACK_R_SPORT) && (a->sport[0] != b->sport[0] || a->sport[1] != b->sport[1]))
		return false;
	if ((a->has & CTRACK_R_DPORT) && (a->dport[0] != b->dport[0] || a->dport[1] != b->dport[1]))
		return false;
	if ((a->has & CTRACK_R_SRC) && !same_prefix(&a->src, &b->src))
		return false;
	if ((a->has & CTRACK_R_DST) && !same_prefix(&a->dst, &b->dst))
		return false;
	if ((a->has & CTRACK_R_MARK) && (a->mark != b->mark || a->mark_mask != b->mark_mask))
		return false;
	return true;
}

static void check_rule(const struct ctrack_rule *r, unsigned small)
{
	char text[512], *b;
	struct ctrack_rules one;
	char err[256];
	size_t len, n;

	CHECK(r->action == CTRACK_ACCEPT || r->action == CTRACK_DROP);
	CHECK(!(r->states & ~0x1fu));
	if (r->has & CTRACK_R_FAMILY)
		CHECK(r->l3 == 4 || r->l3 == 6);
	if (r->has & CTRACK_R_SRC)
		CHECK((r->has & CTRACK_R_FAMILY) && r->src.l3 == r->l3 &&
		      r->src.len <= (r->l3 == 4 ? 32 : 128));
	if (r->has & CTRACK_R_DST)
		CHECK((r->has & CTRACK_R_FAMILY) && r->dst.l3 == r->l3 &&
		      r->dst.len <= (r->l3 == 4 ? 32 : 128));
	if (r->has & CTRACK_R_SPORT)
		CHECK(r->sport[0] <= r->sport[1]);
	if (r->has & CTRACK_R_DPORT)
		CHECK(r->dport[0] <= r->dport[1]);
	if (r->has & (CTRACK_R_SPORT | CTRACK_R_DPORT))
		CHECK((r->has & CTRACK_R_PROTO) && ctrack_proto_has_ports(r->proto));
	if (r->has & CTRACK_R_TYPE)
		CHECK((r->has & CTRACK_R_PROTO) && (r->proto == 1 || r->proto == 58));

	ctrack_rule_str(r, text, sizeof(text));
	len = strlen(text);
	CHECK(len < sizeof(text) - 1);
	CHECK(!strchr(text, '\n') && !strchr(text, '#'));
	/* the same text cut short in a smaller buffer */
	n = small % (len + 2);
	b = malloc(n ? n : 1);
	CHECK(b);
	ctrack_rule_str(r, n ? b : NULL, n);
	if (n) {
		CHECK(strlen(b) < n);
		CHECK(!strncmp(b, text, strlen(b)));
		if (n > len)
			CHECK(!strcmp(b, text));
	}
	free(b);
	/* and read back as the same rule */
	CHECK(ctrack_rules_parse(text, "again", &one, err, sizeof(err)) == 0);
	CHECK(one.n == 1);
	if (!same_rule(r, &one.r[0])) {
		fprintf(stderr, "fuzz_ctrules: rule '%s' reads back differently\n", text);
		abort();
	}
	CHECK(one.r[0].line == 1);
	ctrack_rules_free(&one);
}

static void check_error(const char *text, const char *err)
{
	const char *p = err + strlen(NAME ":");
	unsigned long line;
	char *end;

	if (strncmp(err, NAME ":", strlen(NAME ":"))) {
		fprintf(stderr, "fuzz_ctrules: error without the file: '%s'\n", err);
		abort();
	}
	if (!strcmp(p, " out of memory"))
		return;
	CHECK(*p >= '1' && *p <= '9');
	line = strtoul(p, &end, 10);
	CHECK(line >= 1 && line <= count_lines(text));
	CHECK(end[0] == ':' && end[1] == ' ' && end[2]);
}

static void check_eval(struct ctrack_rules *rs, const struct ctrack_pktkey *k)
{
	static const uint32_t marks[3] = { 0, 1, 0xffffffffu };

	for (int info = CT_NEW; info <= CT_UNTRACKED; info++) {
		for (int m = 0; m < 3; m++) {
			const struct ctrack_rule *hit = NULL;
			enum ctrack_action a;
			size_t j, lim;

			a = ctrack_rules_eval(rs, k, (enum ct_info)info, marks[m], &hit);
			if (!hit) {
				CHECK(a == CTRACK_DROP);
				j = rs->n;
			} else {
				CHECK(hit >= rs->r && hit < rs->r + rs->n);
				CHECK(a == (enum ctrack_action)hit->action);
				j = (size_t)(hit - rs->r);
			}
			/* no rule before it matches on its own, and it does */
			lim = j < 64 ? j : 64;
			for (size_t i = 0; i <= lim && i < rs->n; i++) {
				struct ctrack_rules single = { .r = &rs->r[i], .n = 1 };
				const struct ctrack_rule *h1 = NULL;

				ctrack_rules_eval(&single, k, (enum ct_info)info, marks[m], &h1);
				CHECK((h1 != NULL) == (i == j));
			}
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const words[] = {
		"accept", "drop", "new", "established", "related", "invalid", "untracked",
		"ipv4", "ipv6", "proto ", "src ", "dst ", "sport ", "dport ", "type ", "mark ",
		"tcp", "udp", "icmp", "icmpv6", "sctp", "dccp", "udplite", "gre", "ipv6-icmp",
		"2001:db8::/32", "2001:db8:1::1", "192.0.2.0/24", "198.51.100.1",
		"::ffff:192.0.2.1",
		"0x", "/", "-", ",", "#", "\n", "\t", " ", "65535", "255", "/128", "/0",
		NULL,
	};

	(void)argc;
	(void)argv;
	fz_ctdict_maybe_write(words);
	make_keys();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctrack_rules rs;
	struct ctrack_pktkey k;
	char err[256], tiny[12];
	char *text;
	int rc, krc;

	if (size > (1u << 20))
		return 0;
	text = malloc(size + 1);
	CHECK(text);
	memcpy(text, data, size);
	text[size] = 0;

	/* the input as a packet too */
	krc = ctrack_pktkey_read(data, size, &k);
	if (krc) {
		static const struct ctrack_pktkey zero;

		CHECK(krc == -EINVAL);
		CHECK(!memcmp(&k, &zero, sizeof(k)));
	} else {
		CHECK(k.l3 == 4 || k.l3 == 6);
		if (k.l4)
			CHECK(ctrack_proto_has_ports(k.proto) || k.proto == 1 || k.proto == 58);
	}

	err[0] = 0;
	rc = ctrack_rules_parse(text, NAME, &rs, err, sizeof(err));
	if (rc) {
		CHECK(rc == -EINVAL);
		CHECK(!rs.n && !rs.r && !rs.file);
		check_error(text, err);
		/* a small buffer for the message cuts it short safely */
		CHECK(ctrack_rules_parse(text, NAME, &rs, tiny, sizeof(tiny)) == -EINVAL);
		CHECK(strlen(tiny) < sizeof(tiny));
		free(text);
		return 0;
	}
	CHECK(rs.file && !strcmp(rs.file, NAME));
	for (size_t i = 0; i < rs.n; i++) {
		CHECK(rs.r[i].line >= 1 && rs.r[i].line <= count_lines(text));
		if (i)
			CHECK(rs.r[i].line > rs.r[i - 1].line);
		CHECK(rs.r[i].hits == 0);
		if (i < 256)
			check_rule(&rs.r[i], (unsigned)(size + i));
	}
	for (size_t i = 0; i < nkeys; i++)
		check_eval(&rs, &keys[i]);
	if (!krc)
		check_eval(&rs, &k);
	ctrack_rules_free(&rs);
	free(text);
	return 0;
}
