/*
 * The ctrack command's parsers: rule files (good files with every match,
 * comments and blank lines, each rule printed back in the file's syntax,
 * every error with its FILE:LINE, files that cannot be read), the rule
 * verdicts on packets built by the packet library (first match, hits,
 * nomatch, fragments, marks), the packet fields the rules read, and the
 * connection filters from command line options and from JSON (every
 * member, the JSON the client sends read back the same, bad values,
 * unknown members, wrong types and contradictions refused with a message)
 * and their matching of entries.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "build.h"
#include "ctrack.h"
#include "nodes.h"
#include "notation.h"
#include "rules.h"
#include "t.h"

static struct cf_nodes nodes;
static struct cf_resolver resolver = { &nodes, cf_nodes_word };
static struct pkt_wbuf wb;

/* ---- packets ---- */

static uint8_t pkt[4096];
static size_t pktlen;

__attribute__((format(printf, 1, 2))) static size_t mk(const char *fmt, ...)
{
	char text[2048], err[512];
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

/* The key of the packet written in the notation. */
static struct ctrack_pktkey key_of(const char *expr)
{
	struct ctrack_pktkey k;

	mk("%s", expr);
	if (ctrack_pktkey_read(pkt, pktlen, &k))
		printf("# no key for '%s'\n", expr);
	return k;
}

static char *addr_str(const struct ctrack_pktkey *k, const union ct_addr *a)
{
	static char buf[2][64];
	static int i;
	struct ctrack_prefix p = { .l3 = k->l3, .len = k->l3 == 4 ? 32 : 128, .a = *a };
	char *o = buf[i++ & 1];

	ctrack_prefix_str(&p, o, sizeof(buf[0]));
	return o;
}

/* ---- rule files ---- */

static int parse(const char *text, struct ctrack_rules *rs, char *err, size_t n)
{
	err[0] = 0;
	return ctrack_rules_parse(text, "t.rules", rs, err, n);
}

static const char *rule_text(const struct ctrack_rules *rs, size_t i)
{
	static char buf[512];

	if (i >= rs->n)
		return "(none)";
	ctrack_rule_str(&rs->r[i], buf, sizeof(buf));
	return buf;
}

static void test_rules_good(void)
{
	static const char doc[] =
		"# a router that lets 2001:db8:1::/64 reach a few services\n"
		"accept established,related\n"
		"drop invalid\n"
		"accept new proto tcp dport 22\n"
		"accept new proto tcp dport 8000-8080 src 2001:db8:1::/64\n"
		"accept new proto udp dport 53 dst 2001:db8:2::/64\n"
		"accept new proto icmpv6\n"
		"drop                       # default\n";
	struct ctrack_rules rs, again;
	char err[256];
	const struct ctrack_rule *r;

	T_EQ_U(parse(doc, &rs, err, sizeof(err)), 0, "rules: the documented example reads (%s)", err);
	T_EQ_U(rs.n, 7, "rules: 7 rules in the example");
	T_EQ_S(rs.file, "t.rules", "rules: the file name is kept");
	T_EQ_U(rs.r[0].line, 2, "rules: the first rule is on line 2, after the comment");
	T_EQ_U(rs.r[6].line, 8, "rules: the last rule is on line 8");
	T_EQ_U(rs.r[0].states, 1u << CT_ESTABLISHED | 1u << CT_RELATED,
	       "rules: established,related is two states");
	T_EQ_U(rs.r[0].has, 0, "rules: a state list is no other match");
	T_EQ_U(rs.r[1].action, CTRACK_DROP, "rules: drop");
	r = &rs.r[3];
	T_EQ_U(r->action, CTRACK_ACCEPT, "rules: accept");
	T_EQ_U(r->has, CTRACK_R_PROTO | CTRACK_R_DPORT | CTRACK_R_SRC | CTRACK_R_FAMILY,
	       "rules: proto, dport, src, and the family the address implies");
	T_EQ_U(r->l3, 6, "rules: an IPv6 source makes an IPv6 rule");
	T_EQ_U(r->dport[0], 8000, "rules: a port range starts at its first number");
	T_EQ_U(r->dport[1], 8080, "rules: and ends at its second, inclusive");
	T_EQ_U(r->src.len, 64, "rules: the prefix length of src");
	T_EQ_U(rs.r[6].has | rs.r[6].states, 0, "rules: a bare drop matches everything");
	T_EQ_S(rule_text(&rs, 0), "accept established,related", "rules: printed back, states");
	T_EQ_S(rule_text(&rs, 2), "accept new proto tcp dport 22", "rules: printed back, a port");
	T_EQ_S(rule_text(&rs, 3), "accept new proto tcp src 2001:db8:1::/64 dport 8000-8080",
	       "rules: printed back, a range and a prefix");
	T_EQ_S(rule_text(&rs, 4), "accept new proto udp dst 2001:db8:2::/64 dport 53",
	       "rules: printed back, dst");
	T_EQ_S(rule_text(&rs, 6), "drop", "rules: printed back, no match");
	ctrack_rules_free(&rs);
	T_EQ_U(rs.n, 0, "rules: freed rules are empty");

	T_EQ_U(parse("accept new related ipv4 proto udp src 192.0.2.0/24 dst 198.51.100.7 "
		     "sport 1-1023 dport 53 mark 0x10/0xf0\n"
		     "\tdrop\tipv6 proto icmpv6 type 128 \r\n"
		     "\n   \n# only a comment\n"
		     "accept untracked,invalid proto 47 mark 7\n"
		     "accept ipv6\n"
		     "accept proto ipv6-icmp src 2001:db8::1\n"
		     "accept proto 132 sport 9 dport 0-65535",
		     &rs, err, sizeof(err)),
	       0, "rules: every match, tabs, CRLF, blank lines, no newline at the end (%s)", err);
	T_EQ_U(rs.n, 6, "rules: six rules");
	T_EQ_S(rule_text(&rs, 0),
	       "accept new,related proto udp src 192.0.2.0/24 dst 198.51.100.7 sport 1-1023 "
	       "dport 53 mark 0x10/0xf0",
	       "rules: every match printed back (family implied by the addresses)");
	T_EQ_U(rs.r[0].mark, 0x10, "rules: mark value in hex");
	T_EQ_U(rs.r[0].mark_mask, 0xf0, "rules: mark mask in hex");
	T_EQ_S(rule_text(&rs, 1), "drop ipv6 proto icmpv6 type 128", "rules: family and ICMP type");
	T_EQ_U(rs.r[1].line, 2, "rules: line numbers count every line");
	T_EQ_S(rule_text(&rs, 2), "accept invalid,untracked proto gre mark 0x7/0xffffffff",
	       "rules: a mark without mask takes all bits; protocol by number gets its name");
	T_EQ_U(rs.r[2].line, 6, "rules: blank and comment lines are counted");
	T_EQ_S(rule_text(&rs, 3), "accept ipv6", "rules: a family alone");
	T_EQ_U(rs.r[4].proto, 58, "rules: ipv6-icmp is icmpv6");
	T_EQ_S(rule_text(&rs, 5), "accept proto sctp sport 9 dport 0-65535",
	       "rules: sctp has ports, the full range reads");
	for (size_t i = 0; i < rs.n; i++) {
		char text[512];
		int rc;

		ctrack_rule_str(&rs.r[i], text, sizeof(text));
		rc = parse(text, &again, err, sizeof(err));
		T_OK(!rc && again.n == 1 && again.r[0].has == rs.r[i].has &&
			     again.r[0].states == rs.r[i].states &&
			     !strcmp(rule_text(&again, 0), text),
		     "rules: '%s' reads back as itself", text);
		ctrack_rules_free(&again);
	}
	{
		char small[12];

		memset(small, 'x', sizeof(small));
		ctrack_rule_str(&rs.r[0], small, 10);
		T_EQ_S(small, "accept ne", "rules: printing into a small buffer cuts it short");
		T_EQ_U((uint8_t)small[10], 'x', "rules: and writes nothing past it");
	}
	ctrack_rules_free(&rs);

	T_EQ_U(parse("", &rs, err, sizeof(err)), 0, "rules: an empty file reads");
	T_EQ_U(rs.n, 0, "rules: an empty file has no rules");
	ctrack_rules_free(&rs);
	T_EQ_U(parse("# nothing\n\n\t\n", &rs, err, sizeof(err)), 0, "rules: only comments read");
	T_EQ_U(rs.n, 0, "rules: only comments, no rules");
	ctrack_rules_free(&rs);
}

static void test_rules_errors(void)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "reject\n", "t.rules:1: a rule starts with accept or drop, not 'reject'" },
		{ "accept\n\naccept bogus\n", "t.rules:3: unknown match 'bogus'" },
		{ "# x\naccept new,bogus\n", "t.rules:2: unknown match 'new,bogus'" },
		{ "accept proto\n", "t.rules:1: 'proto' wants a value" },
		{ "accept proto tcp dport\n", "t.rules:1: 'dport' wants a value" },
		{ "accept proto tcp proto udp\n", "t.rules:1: 'proto' given twice" },
		{ "accept ipv4 ipv6\n", "t.rules:1: 'ipv6' given twice" },
		{ "accept src 192.0.2.1 src 192.0.2.2\n", "t.rules:1: 'src' given twice" },
		{ "accept proto bogus\n", "t.rules:1: bad proto 'bogus'" },
		{ "accept proto 256\n", "t.rules:1: bad proto '256'" },
		{ "accept src 192.0.2.1/33\n", "t.rules:1: bad src '192.0.2.1/33'" },
		{ "accept dst 2001:db8::/129\n", "t.rules:1: bad dst '2001:db8::/129'" },
		{ "accept dst host.example\n", "t.rules:1: bad dst 'host.example'" },
		{ "accept src 192.0.2.1 dst 2001:db8::1\n",
		  "t.rules:1: src and dst of different IP versions" },
		{ "accept ipv4 src 2001:db8::1\n", "t.rules:1: ipv4 rule with ipv6 addresses" },
		{ "accept dst 192.0.2.1 ipv6\n", "t.rules:1: ipv6 rule with ipv4 addresses" },
		{ "accept dport 22\n",
		  "t.rules:1: ports need 'proto' tcp, udp, sctp, dccp or udplite" },
		{ "accept proto icmp sport 1\n",
		  "t.rules:1: ports need 'proto' tcp, udp, sctp, dccp or udplite" },
		{ "accept proto tcp sport 9-1\n", "t.rules:1: bad sport '9-1'" },
		{ "accept proto tcp dport 65536\n", "t.rules:1: bad dport '65536'" },
		{ "accept proto tcp dport -1\n", "t.rules:1: bad dport '-1'" },
		{ "accept proto tcp dport 80,443\n", "t.rules:1: bad dport '80,443'" },
		{ "accept proto tcp dport 1-\n", "t.rules:1: bad dport '1-'" },
		{ "accept type 3\n", "t.rules:1: 'type' needs 'proto' icmp or icmpv6" },
		{ "accept proto tcp type 3\n", "t.rules:1: 'type' needs 'proto' icmp or icmpv6" },
		{ "accept proto icmp type 256\n", "t.rules:1: bad type '256'" },
		{ "accept proto icmp type x\n", "t.rules:1: bad type 'x'" },
		{ "accept proto icmp src 2001:db8::1\n", "t.rules:1: icmp does not go with IPv6" },
		{ "accept proto icmpv6 ipv4\n", "t.rules:1: icmpv6 does not go with IPv4" },
		{ "accept mark x\n", "t.rules:1: bad mark 'x'" },
		{ "accept mark 1/\n", "t.rules:1: bad mark '1/'" },
		{ "accept mark 0x100000000\n", "t.rules:1: bad mark '0x100000000'" },
	};
	struct ctrack_rules rs;
	char err[256], text[2048];
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].text, &rs, err, sizeof(err));

		T_EQ_U(rc, -EINVAL, "rules error: '%.*s' is refused",
		       (int)strcspn(bad[i].text, "\n"), bad[i].text);
		T_EQ_S(err, bad[i].err, "rules error: message for '%.*s'",
		       (int)strcspn(bad[i].text, "\n"), bad[i].text);
		T_OK(!rs.n && !rs.r && !rs.file, "rules error: nothing kept after '%.*s'",
		     (int)strcspn(bad[i].text, "\n"), bad[i].text);
	}

	/* a line of 1024 bytes on line 2 */
	n = (size_t)snprintf(text, sizeof(text), "accept\n");
	memset(text + n, ' ', 1024);
	text[n + 1024] = 0;
	parse(text, &rs, err, sizeof(err));
	T_EQ_S(err, "t.rules:2: line longer than 1023 bytes", "rules error: a line too long");
	memset(text + n, ' ', 1023);
	text[n + 1023] = 0;
	T_EQ_U(parse(text, &rs, err, sizeof(err)), 0, "rules: a line of 1023 bytes is fine");
	ctrack_rules_free(&rs);
	/* 65 words */
	n = (size_t)snprintf(text, sizeof(text), "accept");
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " new");
	parse(text, &rs, err, sizeof(err));
	T_EQ_S(err, "t.rules:1: too many words", "rules error: more than 64 words");
	/* 65536 rules, and one more */
	{
		size_t len = 65537 * 5;
		char *many = malloc(len + 1);

		for (size_t i = 0; i < len; i += 5)
			memcpy(many + i, "drop\n", 5);
		many[len - 5] = 0;
		T_EQ_U(parse(many, &rs, err, sizeof(err)), 0, "rules: 65536 rules read (%s)", err);
		T_EQ_U(rs.n, 65536, "rules: all 65536 of them");
		ctrack_rules_free(&rs);
		many[len - 5] = 'd';
		parse(many, &rs, err, sizeof(err));
		T_EQ_S(err, "t.rules:65537: more than 65536 rules", "rules error: one rule too many");
		free(many);
	}
	/* the error cut short in a small buffer */
	{
		char small[8];

		memset(small, 'x', sizeof(small));
		ctrack_rules_parse("reject\n", "t.rules", &rs, small, 6);
		T_EQ_S(small, "t.rul", "rules error: cut short in a small buffer");
		T_EQ_U((uint8_t)small[6], 'x', "rules error: nothing written past the buffer");
	}
}

static void test_rules_load(void)
{
	char path[] = "/tmp/test_ctrack_XXXXXX", err[512], want[512];
	struct ctrack_rules rs;
	int fd = mkstemp(path);
	FILE *fp;

	T_OK(fd >= 0, "rules load: a temporary file");
	if (fd < 0)
		return;
	fp = fdopen(fd, "w");
	fputs("accept established\n\ndrop proto tcp dport 0-1023\naccept\n", fp);
	fclose(fp);
	T_EQ_U(ctrack_rules_load(path, &rs, err, sizeof(err)), 0, "rules load: a good file (%s)",
	       err);
	T_EQ_U(rs.n, 3, "rules load: its three rules");
	T_EQ_S(rs.file, path, "rules load: the path is the file name");
	T_EQ_U(rs.r[1].line, 3, "rules load: line numbers");
	ctrack_rules_free(&rs);

	fp = fopen(path, "w");
	fputs("accept\naccept\naccept sport 1\n", fp);
	fclose(fp);
	T_EQ_U(ctrack_rules_load(path, &rs, err, sizeof(err)), -EINVAL,
	       "rules load: a bad file is refused");
	snprintf(want, sizeof(want), "%s:3: ports need 'proto' tcp, udp, sctp, dccp or udplite", path);
	T_EQ_S(err, want, "rules load: the error names the path and the line");
	T_OK(!rs.n && !rs.r, "rules load: nothing kept");

	fp = fopen(path, "w");
	fwrite("accept\n\0drop\n", 1, 13, fp);
	fclose(fp);
	T_EQ_U(ctrack_rules_load(path, &rs, err, sizeof(err)), -EINVAL,
	       "rules load: a NUL byte is refused");
	snprintf(want, sizeof(want), "%s: holds a NUL byte", path);
	T_EQ_S(err, want, "rules load: the NUL byte's message");

	unlink(path);
	T_EQ_U(ctrack_rules_load(path, &rs, err, sizeof(err)), -ENOENT,
	       "rules load: a missing file gives its errno");
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	T_EQ_S(err, want, "rules load: the missing file's message");
}

/* ---- verdicts ---- */

static unsigned verdict_line(struct ctrack_rules *rs, const char *expr, enum ct_info info,
			     uint32_t mark)
{
	struct ctrack_pktkey k = key_of(expr);
	const struct ctrack_rule *r = NULL;
	enum ctrack_action a = ctrack_rules_eval(rs, &k, info, mark, &r);

	if (!r)
		return a == CTRACK_DROP ? 0 : 9999;
	if ((enum ctrack_action)r->action != a)
		return 9998;
	return r->line;
}

#define TCP6_SSH "ipv6(src=2001:db8:1::5, dst=2001:db8:2::1) / tcp(sport=40000, dport=22, syn=1)"

static void test_rules_eval(void)
{
	static const char text[] =
		"accept established,related\n"		       /* 1 */
		"drop invalid\n"			       /* 2 */
		"accept new proto tcp dport 22 src 2001:db8:1::/64\n" /* 3 */
		"accept new proto icmp type 8\n"	       /* 4 */
		"accept proto udp sport 53 dport 1024-65535\n" /* 5 */
		"accept mark 0x10/0xf0\n"		       /* 6 */
		"drop proto tcp dst 192.0.2.0/25\n"	       /* 7 */
		"accept ipv4 proto 17\n";		       /* 8 */
	struct ctrack_rules rs;
	const struct ctrack_rule *r;
	struct ctrack_pktkey none = { 0 };
	char err[256];

	T_EQ_U(parse(text, &rs, err, sizeof(err)), 0, "verdict: rules read (%s)", err);
	T_EQ_U(verdict_line(&rs, TCP6_SSH, CT_ESTABLISHED, 0), 1,
	       "verdict: established matches the state rule first");
	T_EQ_U(verdict_line(&rs, TCP6_SSH, CT_RELATED, 0), 1, "verdict: related too");
	T_EQ_U(verdict_line(&rs, TCP6_SSH, CT_INVALID, 0), 2, "verdict: invalid is dropped");
	T_EQ_U(verdict_line(&rs, TCP6_SSH, CT_NEW, 0), 3, "verdict: new ssh from the prefix");
	T_EQ_U(verdict_line(&rs, "ipv6(src=2001:db8:3::5, dst=2001:db8:2::1) / "
				 "tcp(sport=40000, dport=22, syn=1)",
			    CT_NEW, 0),
	       0, "verdict: ssh from outside the prefix matches nothing: dropped");
	T_EQ_U(rs.nomatch, 1, "verdict: nomatch counted");
	T_EQ_U(verdict_line(&rs, "ipv6(src=2001:db8:1::5, dst=2001:db8:2::1) / "
				 "tcp(sport=40000, dport=23, syn=1)",
			    CT_NEW, 0x13),
	       6, "verdict: another port falls through to the mark rule (0x13 & 0xf0 == 0x10)");
	T_EQ_U(verdict_line(&rs, "ipv6(src=2001:db8:1::5, dst=2001:db8:2::1) / "
				 "tcp(sport=40000, dport=23, syn=1)",
			    CT_NEW, 0x20),
	       0, "verdict: a mark outside the mask's value does not match");
	T_EQ_U(verdict_line(&rs, "ipv4(src=198.51.100.1, dst=192.0.2.1) / icmp.echo_request(id=1)",
			    CT_NEW, 0),
	       4, "verdict: icmp type 8");
	T_EQ_U(verdict_line(&rs, "ipv4(src=198.51.100.1, dst=192.0.2.1) / icmp.echo_reply(id=1)",
			    CT_NEW, 0),
	       0, "verdict: another icmp type does not match");
	T_EQ_U(verdict_line(&rs, "ipv6(src=2001:db8::1, dst=2001:db8::2) / icmpv6.echo_request(id=1)",
			    CT_NEW, 0),
	       0, "verdict: proto icmp is not icmpv6");
	T_EQ_U(verdict_line(&rs, "ipv6(src=2001:db8::53, dst=2001:db8::2) / udp(sport=53, dport=1024)",
			    CT_UNTRACKED, 0),
	       5, "verdict: a port range's low end, in any state");
	T_EQ_U(verdict_line(&rs, "ipv6(src=2001:db8::53, dst=2001:db8::2) / udp(sport=53, dport=1023)",
			    CT_NEW, 0),
	       0, "verdict: below a port range");
	T_EQ_U(verdict_line(&rs, "ipv4(src=198.51.100.1, dst=192.0.2.127) / tcp(sport=1, dport=2, syn=1)",
			    CT_NEW, 0),
	       7, "verdict: the last address of a /25");
	T_EQ_U(verdict_line(&rs, "ipv4(src=198.51.100.1, dst=192.0.2.128) / tcp(sport=1, dport=2, syn=1)",
			    CT_NEW, 0),
	       0, "verdict: the first address past a /25");
	T_EQ_U(verdict_line(&rs, "ipv4(src=198.51.100.1, dst=192.0.2.1) / udp(sport=1, dport=2)",
			    CT_NEW, 0),
	       8, "verdict: family and protocol by number");
	/* a later fragment has no ports: port rules pass it by */
	T_EQ_U(verdict_line(&rs, "ipv6(src=2001:db8::53, dst=2001:db8::2) / "
				 "frag(offset=8, m=0, id=1, nh=17) / raw(data=0x0035040000080000)",
			    CT_NEW, 0),
	       0, "verdict: a later fragment does not match port rules");
	T_EQ_U(verdict_line(&rs, "ipv4(src=198.51.100.1, dst=192.0.2.1, frag=8, proto=6) / raw(8)",
			    CT_NEW, 0),
	       7, "verdict: an IPv4 later fragment matches on addresses and protocol");
	T_EQ_U(rs.r[0].hits, 2, "verdict: hits of the first rule");
	T_EQ_U(rs.r[6].hits, 2, "verdict: hits of rule 7");
	T_EQ_U(ctrack_rules_eval(&rs, &none, CT_UNTRACKED, 0, &r), CTRACK_DROP,
	       "verdict: not IP matches no address rule");
	T_OK(r == NULL, "verdict: and no rule");
	ctrack_rules_free(&rs);

	T_EQ_U(parse("accept untracked\n", &rs, err, sizeof(err)), 0, "verdict: untracked rule");
	T_EQ_U(ctrack_rules_eval(&rs, &none, CT_UNTRACKED, 0, &r), CTRACK_ACCEPT,
	       "verdict: a state rule takes what is not IP");
	ctrack_rules_free(&rs);
}

static void test_pktkey(void)
{
	struct ctrack_pktkey k;
	static const uint8_t junk[3] = { 0x45, 0, 0 };

	k = key_of("ipv6(src=2001:db8::1, dst=2001:db8::2) / hbh() / dstopt() / "
		   "tcp(sport=1234, dport=80, syn=1)");
	T_EQ_U(k.l3, 6, "key: IPv6");
	T_EQ_U(k.proto, 6, "key: TCP past Hop-by-Hop and Destination Options");
	T_OK(k.l4 && k.sport == 1234 && k.dport == 80, "key: the ports");
	T_EQ_S(addr_str(&k, &k.src), "2001:db8::1", "key: the source");
	T_EQ_S(addr_str(&k, &k.dst), "2001:db8::2", "key: the destination");
	T_OK(!k.frag, "key: not a fragment");
	k = key_of("ipv6(src=2001:db8::1, dst=2001:db8::2) / frag(offset=0, m=1, id=0x01020304) / "
		   "udp(sport=7, dport=9) / raw(8)");
	T_OK(k.frag && k.frag_id == 0x01020304, "key: a first fragment and its identification");
	T_OK(k.l4 && k.proto == 17 && k.sport == 7 && k.dport == 9,
	     "key: a first fragment has the ports");
	k = key_of("ipv6(src=2001:db8::1, dst=2001:db8::2) / frag(offset=0, m=0, id=3) / "
		   "udp(sport=7, dport=9)");
	T_OK(!k.frag && k.l4 && k.proto == 17, "key: an atomic fragment is no fragment");
	k = key_of("ipv4(src=192.0.2.1, dst=192.0.2.2, mf=1, id=77) / icmp.echo_request(id=1)");
	T_OK(k.l3 == 4 && k.frag && k.frag_id == 77, "key: an IPv4 first fragment");
	T_OK(k.l4 && k.type == 8 && k.code == 0, "key: its ICMP type and code");
	k = key_of("ipv6(src=2001:db8::1, dst=2001:db8::2) / ah(spi=1, seq=1) / "
		   "icmpv6.echo_reply(id=1)");
	T_OK(k.proto == 58 && k.l4 && k.type == 129, "key: ICMPv6 past AH");
	k = key_of("ipv6(src=2001:db8::1, dst=2001:db8::2) / tcp(sport=1, dport=2)");
	pktlen = 41;
	ctrack_pktkey_read(pkt, pktlen, &k);
	T_OK(k.l3 == 6 && k.proto == 6 && !k.l4, "key: a cut TCP header has no ports");
	T_EQ_U(ctrack_pktkey_read(junk, sizeof(junk), &k), -EINVAL,
	       "key: a cut IPv4 header is refused");
	T_EQ_U(k.l3, 0, "key: and the key is empty");
	T_EQ_U(ctrack_pktkey_read((const uint8_t *)"\x20", 1, &k), -EINVAL,
	       "key: not IP is refused");
}

/* ---- filters ---- */

static bool same_filter(const struct ctrack_filter *a, const struct ctrack_filter *b)
{
	unsigned h = a->has;

	return a->has == b->has &&
	       (!(h & CTF_SRC) || (a->src.l3 == b->src.l3 && a->src.len == b->src.len &&
				   !memcmp(&a->src.a, &b->src.a, 16))) &&
	       (!(h & CTF_DST) || (a->dst.l3 == b->dst.l3 && a->dst.len == b->dst.len &&
				   !memcmp(&a->dst.a, &b->dst.a, 16))) &&
	       (!(h & CTF_SPORT) || a->sport == b->sport) &&
	       (!(h & CTF_DPORT) || a->dport == b->dport) &&
	       (!(h & CTF_PROTO) || a->proto == b->proto) &&
	       (!(h & CTF_FAMILY) || a->l3 == b->l3) &&
	       (!(h & CTF_STATE) || a->state == b->state) &&
	       (!(h & CTF_ZONE) || a->zone == b->zone) &&
	       (!(h & CTF_MARK) || (a->mark == b->mark && a->mark_mask == b->mark_mask)) &&
	       (!(h & CTF_STATUS) || (a->st_set == b->st_set && a->st_clear == b->st_clear));
}

/* A filter from JSON text: 0, or -EINVAL with err (also for text that is
 * not JSON: "JSON: ..."). */
static int from_text(const char *text, struct ctrack_filter *f, char *err, size_t n)
{
	json_error_t je;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL,
			       &je);
	int rc;

	err[0] = 0;
	if (!o) {
		snprintf(err, n, "JSON: %s", je.text);
		return -EINVAL;
	}
	rc = ctrack_filter_from_json(o, f, err, n);
	json_decref(o);
	return rc;
}

/* The filter read back from the JSON ctrack_filter_json makes. */
static bool roundtrip(const struct ctrack_filter *f, char *json, size_t n)
{
	struct ctrack_filter g;
	json_t *o = ctrack_filter_json(f);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER), err[256];
	bool ok;

	json_decref(o);
	snprintf(json, n, "%s", s ? s : "");
	ok = s && !from_text(s, &g, err, sizeof(err)) && same_filter(f, &g);
	free(s);
	return ok;
}

static void test_filter_args(void)
{
	struct ctrack_filter f;
	char err[256], json[1024];
	static const struct {
		const char *key, *val;
	} args[] = {
		{ "src", "192.0.2.0/24" }, { "dst", "198.51.100.7" }, { "sport", "1000" },
		{ "dport", "53" },	   { "proto", "UDP" },	      { "family", "ipv4" },
		{ "zone", "65535" },	   { "mark", "0x10/0xf0" },   { "status", "assured,SEEN_REPLY" },
	};
	static const struct {
		const char *key, *val, *err;
	} bad[] = {
		{ "sport", "65536", "bad sport '65536'" },
		{ "sport", "-1", "bad sport '-1'" },
		{ "sport", "0x50", "bad sport '0x50'" },
		{ "dport", "", "bad dport ''" },
		{ "dport", " 80", "bad dport ' 80'" },
		{ "zone", "65536", "bad zone '65536'" },
		{ "proto", "bogus", "bad proto 'bogus'" },
		{ "proto", "256", "bad proto '256'" },
		{ "family", "ipv5", "bad family 'ipv5'" },
		{ "family", "IPV4", "bad family 'IPV4'" },
		{ "state", "OPEN", "bad state 'OPEN'" },
		{ "src", "192.0.2.0/33", "bad src '192.0.2.0/33'" },
		{ "src", "/24", "bad src '/24'" },
		{ "dst", "2001:db8::/", "bad dst '2001:db8::/'" },
		{ "mark", "", "bad mark ''" },
		{ "mark", "x", "bad mark 'x'" },
		{ "mark", "1/x", "bad mark '1/x'" },
		{ "mark", "-1", "bad mark '-1'" },
		{ "status", "assured,", "bad status 'assured,'" },
		{ "status", "bogus", "bad status 'bogus'" },
		{ "status", "unreplied,seen_reply", "bad status 'unreplied,seen_reply'" },
		{ "bogus", "1", "unknown filter 'bogus'" },
	};

	memset(&f, 0, sizeof(f));
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		T_EQ_U(ctrack_filter_arg(&f, args[i].key, args[i].val, err, sizeof(err)), 0,
		       "filter option: %s %s (%s)", args[i].key, args[i].val, err);
	T_EQ_U(f.has, CTF_SRC | CTF_DST | CTF_SPORT | CTF_DPORT | CTF_PROTO | CTF_FAMILY | CTF_ZONE |
			      CTF_MARK | CTF_STATUS,
	       "filter option: every part set");
	T_OK(f.src.l3 == 4 && f.src.len == 24, "filter option: src prefix");
	T_OK(f.dst.l3 == 4 && f.dst.len == 32, "filter option: a bare dst address is a /32");
	T_OK(f.sport == 1000 && f.dport == 53, "filter option: ports");
	T_EQ_U(f.proto, 17, "filter option: protocol names in any case");
	T_EQ_U(f.l3, 4, "filter option: family");
	T_EQ_U(f.zone, 65535, "filter option: zone");
	T_OK(f.mark == 0x10 && f.mark_mask == 0xf0, "filter option: mark and mask in hex");
	T_EQ_U(f.st_set, CT_S_ASSURED | CT_S_SEEN_REPLY, "filter option: status words, any case");
	T_EQ_U(f.st_clear, 0, "filter option: nothing to be clear");
	T_OK(roundtrip(&f, json, sizeof(json)), "filter option: the JSON sent reads back the same");
	T_EQ_S(json,
	       "{\"src\":\"192.0.2.0/24\",\"dst\":\"198.51.100.7\",\"sport\":1000,\"dport\":53,"
	       "\"proto\":17,\"family\":\"ipv4\",\"zone\":65535,\"mark\":16,\"mark_mask\":240,"
	       "\"status\":[\"assured\",\"seen_reply\"]}",
	       "filter option: the JSON the client sends");

	memset(&f, 0, sizeof(f));
	T_EQ_U(ctrack_filter_arg(&f, "state", "time_wait", err, sizeof(err)), 0,
	       "filter option: state in lower case");
	T_EQ_U(f.state, CT_TCP_TIME_WAIT, "filter option: TIME_WAIT");
	T_EQ_U(ctrack_filter_arg(&f, "mark", "7", err, sizeof(err)), 0, "filter option: mark alone");
	T_EQ_U(f.mark_mask, 0xffffffffu, "filter option: a mark without mask takes all bits");
	T_EQ_U(ctrack_filter_arg(&f, "status", "unreplied", err, sizeof(err)), 0,
	       "filter option: unreplied");
	T_EQ_U(f.st_clear, CT_S_SEEN_REPLY, "filter option: unreplied wants seen_reply clear");
	T_EQ_U(ctrack_filter_arg(&f, "dst", "2001:db8::/32", err, sizeof(err)), 0,
	       "filter option: an IPv6 prefix");
	T_OK(roundtrip(&f, json, sizeof(json)), "filter option: read back the same: %s", json);
	T_EQ_U(ctrack_filter_arg(&f, "status", "seen_reply", err, sizeof(err)), -EINVAL,
	       "filter option: seen_reply after unreplied contradicts it");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&f, 0, sizeof(f));
		T_EQ_U(ctrack_filter_arg(&f, bad[i].key, bad[i].val, err, sizeof(err)),
		       -EINVAL, "filter option: %s '%s' is refused", bad[i].key, bad[i].val);
		T_EQ_S(err, bad[i].err, "filter option: message for %s '%s'", bad[i].key, bad[i].val);
	}

	/* parts that do not hold together */
	memset(&f, 0, sizeof(f));
	ctrack_filter_arg(&f, "family", "ipv4", err, sizeof(err));
	T_EQ_U(ctrack_filter_arg(&f, "src", "2001:db8::1", err, sizeof(err)), -EINVAL,
	       "filter option: an IPv6 src with family ipv4");
	T_EQ_S(err, "addresses and family of different IP versions", "filter option: its message");
	memset(&f, 0, sizeof(f));
	ctrack_filter_arg(&f, "src", "192.0.2.1", err, sizeof(err));
	T_EQ_U(ctrack_filter_arg(&f, "dst", "2001:db8::1", err, sizeof(err)), -EINVAL,
	       "filter option: IPv4 src and IPv6 dst");
	memset(&f, 0, sizeof(f));
	ctrack_filter_arg(&f, "proto", "icmp", err, sizeof(err));
	T_EQ_U(ctrack_filter_arg(&f, "dport", "1", err, sizeof(err)), -EINVAL,
	       "filter option: ports of a protocol without them");
	T_EQ_S(err, "protocol 1 has no ports", "filter option: its message");
	memset(&f, 0, sizeof(f));
	ctrack_filter_arg(&f, "state", "ESTABLISHED", err, sizeof(err));
	T_EQ_U(ctrack_filter_arg(&f, "proto", "udp", err, sizeof(err)), -EINVAL,
	       "filter option: a TCP state with udp");
	T_EQ_S(err, "a TCP state wants protocol tcp", "filter option: its message");
}

static void test_filter_json(void)
{
	static const struct {
		const char *json, *err;
	} bad[] = {
		{ "[1]", "'filter' wants an object" },
		{ "\"src\"", "'filter' wants an object" },
		{ "null", "'filter' wants an object" },
		{ "{\"bogus\":1}", "unknown filter 'bogus'" },
		{ "{\"Src\":\"192.0.2.1\"}", "unknown filter 'Src'" },
		{ "{\"sport\":\"80\"}", "'sport' wants an integer" },
		{ "{\"sport\":80.0}", "'sport' wants an integer" },
		{ "{\"sport\":true}", "'sport' wants an integer" },
		{ "{\"dport\":-1}", "'dport' out of range 0..65535" },
		{ "{\"dport\":65536}", "'dport' out of range 0..65535" },
		{ "{\"zone\":70000}", "'zone' out of range 0..65535" },
		{ "{\"proto\":256}", "'proto' out of range 0..255" },
		{ "{\"proto\":\"bogus\"}", "bad proto 'bogus'" },
		{ "{\"proto\":[6]}", "'proto' wants a string" },
		{ "{\"mark\":4294967296}", "'mark' out of range 0..4294967295" },
		{ "{\"mark\":\"16\"}", "'mark' wants an integer" },
		{ "{\"mark\":1,\"mark_mask\":-1}", "'mark_mask' out of range 0..4294967295" },
		{ "{\"mark_mask\":1}", "'mark_mask' without 'mark'" },
		{ "{\"src\":5}", "'src' wants a string" },
		{ "{\"src\":\"192.0.2.1\\u0000x\"}", "'src' holds a NUL character" },
		{ "{\"dst\":\"2001:db8::/129\"}", "bad dst '2001:db8::/129'" },
		{ "{\"family\":4}", "'family' wants a string" },
		{ "{\"family\":\"ipv5\"}", "bad family 'ipv5'" },
		{ "{\"state\":\"OPEN\"}", "bad state 'OPEN'" },
		{ "{\"status\":[]}", "'status' wants at least one word" },
		{ "{\"status\":[1]}", "'status' wants a string" },
		{ "{\"status\":[\"bogus\"]}", "bad status 'bogus'" },
		{ "{\"status\":[\"unreplied\",\"seen_reply\"]}",
		  "status 'seen_reply' contradicts another" },
		{ "{\"status\":{}}", "'status' wants a string" },
		{ "{\"family\":\"ipv6\",\"src\":\"192.0.2.1\"}",
		  "addresses and family of different IP versions" },
		{ "{\"src\":\"192.0.2.1\",\"dst\":\"2001:db8::1\"}",
		  "addresses and family of different IP versions" },
		{ "{\"proto\":1,\"sport\":1}", "protocol 1 has no ports" },
		{ "{\"proto\":17,\"state\":\"ESTABLISHED\"}", "a TCP state wants protocol tcp" },
		{ "{\"src\":\"192.0.2.1\"", "JSON: '}' expected near end of file" },
		{ "{\"src\":\"192.0.2.1\",\"src\":\"192.0.2.2\"}",
		  "JSON: duplicate object key near '\"src\"'" },
		{ "{src:1}", "JSON: string or '}' expected near 'src'" },
	};
	struct ctrack_filter f, g;
	char err[256], json[1024];

	T_EQ_U(from_text("{\"src\":\"2001:db8::/32\",\"dst\":\"2001:db8:1::1\",\"sport\":0,"
			 "\"dport\":65535,\"proto\":\"tcp\",\"family\":\"ipv6\","
			 "\"state\":\"established\",\"zone\":1,\"mark\":4294967295,"
			 "\"mark_mask\":0,\"status\":[\"unreplied\",\"expected\"]}",
			 &f, err, sizeof(err)),
	       0, "filter JSON: every member (%s)", err);
	T_OK(f.src.l3 == 6 && f.src.len == 32 && f.dst.len == 128, "filter JSON: addresses");
	T_OK(f.sport == 0 && f.dport == 65535, "filter JSON: ports at both ends of the range");
	T_OK(f.proto == 6 && f.l3 == 6 && f.state == CT_TCP_ESTABLISHED && f.zone == 1,
	     "filter JSON: protocol by name, family, state in any case, zone");
	T_OK(f.mark == 0xffffffffu && f.mark_mask == 0, "filter JSON: mark and a zero mask");
	T_OK(f.st_set == CT_S_EXPECTED && f.st_clear == CT_S_SEEN_REPLY, "filter JSON: status words");
	T_OK(roundtrip(&f, json, sizeof(json)), "filter JSON: read back the same: %s", json);

	T_EQ_U(from_text("{\"proto\":58,\"status\":\"assured,expected\",\"mark\":3}", &g, err,
			 sizeof(err)),
	       0, "filter JSON: proto by number, status as one string (%s)", err);
	T_OK(g.proto == 58 && g.st_set == (CT_S_ASSURED | CT_S_EXPECTED),
	     "filter JSON: its protocol and status");
	T_EQ_U(g.mark_mask, 0xffffffffu, "filter JSON: mark without mark_mask takes all bits");
	T_EQ_U(from_text("{}", &g, err, sizeof(err)), 0, "filter JSON: an empty filter");
	T_EQ_U(g.has, 0, "filter JSON: an empty filter has nothing");

	/* the same filter from options and from JSON */
	memset(&f, 0, sizeof(f));
	ctrack_filter_arg(&f, "src", "192.0.2.0/24", err, sizeof(err));
	ctrack_filter_arg(&f, "proto", "tcp", err, sizeof(err));
	ctrack_filter_arg(&f, "dport", "80", err, sizeof(err));
	ctrack_filter_arg(&f, "state", "SYN_SENT", err, sizeof(err));
	from_text("{\"dport\":80,\"state\":\"SYN_SENT\",\"proto\":\"tcp\",\"src\":\"192.0.2.0/24\"}",
		  &g, err, sizeof(err));
	T_OK(same_filter(&f, &g), "filter JSON: the same as from options, in any member order");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_EQ_U(from_text(bad[i].json, &f, err, sizeof(err)), -EINVAL,
		       "filter JSON: %s is refused", bad[i].json);
		T_EQ_S(err, bad[i].err, "filter JSON: message for %s", bad[i].json);
	}
}

static struct ct_entry entry(uint8_t l3, const char *src, const char *dst, uint8_t proto,
			     uint16_t sport, uint16_t dport)
{
	struct ct_entry e;
	struct ctrack_prefix p;

	memset(&e, 0, sizeof(e));
	e.t.l3 = l3;
	e.t.proto = proto;
	ctrack_prefix_parse(src, &p);
	e.t.src = p.a;
	ctrack_prefix_parse(dst, &p);
	e.t.dst = p.a;
	e.t.sport = sport;
	e.t.dport = dport;
	e.id = 1;
	e.status = CT_S_CONFIRMED;
	return e;
}

static bool match(const char *json, const struct ct_entry *e)
{
	struct ctrack_filter f;
	char err[256];

	if (from_text(json, &f, err, sizeof(err))) {
		printf("# filter %s: %s\n", json, err);
		return false;
	}
	return ctrack_filter_match(&f, e);
}

static void test_filter_match(void)
{
	struct ct_entry tcp = entry(6, "2001:db8:1::5", "2001:db8:2::1", 6, 40000, 22);
	struct ct_entry icmp = entry(4, "192.0.2.1", "198.51.100.1", 1, 7, 0);

	tcp.p.tcp.state = CT_TCP_ESTABLISHED;
	tcp.status |= CT_S_SEEN_REPLY | CT_S_ASSURED;
	tcp.mark = 0x1234;
	tcp.t.zone = 3;
	T_OK(match("{}", &tcp), "filter match: an empty filter matches everything");
	T_OK(match("{\"src\":\"2001:db8:1::/48\",\"dst\":\"2001:db8:2::1\",\"sport\":40000,"
		   "\"dport\":22,\"proto\":\"tcp\",\"family\":\"ipv6\",\"state\":\"ESTABLISHED\","
		   "\"zone\":3,\"mark\":52,\"mark_mask\":255,\"status\":[\"assured\",\"seen_reply\"]}",
		   &tcp),
	     "filter match: every member holds");
	T_OK(match("{\"src\":\"2001:db8:1::/49\"}", &tcp), "filter match: a /49 still holds ::5");
	T_OK(!match("{\"src\":\"2001:db8:2::/48\"}", &tcp), "filter match: another prefix");
	T_OK(!match("{\"dst\":\"192.0.2.1/0\"}", &tcp), "filter match: an IPv4 prefix never holds IPv6");
	T_OK(match("{\"dst\":\"::/0\"}", &tcp), "filter match: ::/0 holds any IPv6");
	T_OK(!match("{\"sport\":22}", &tcp), "filter match: ports of the original direction");
	T_OK(!match("{\"family\":\"ipv4\"}", &tcp), "filter match: family");
	T_OK(!match("{\"state\":\"TIME_WAIT\"}", &tcp), "filter match: state");
	T_OK(!match("{\"zone\":0}", &tcp), "filter match: zone");
	T_OK(!match("{\"mark\":52}", &tcp), "filter match: mark under all bits");
	T_OK(!match("{\"status\":[\"unreplied\"]}", &tcp), "filter match: unreplied");
	T_OK(!match("{\"status\":[\"expected\"]}", &tcp), "filter match: expected");
	T_OK(match("{\"proto\":\"icmp\",\"src\":\"192.0.2.0/31\",\"status\":\"unreplied\"}", &icmp),
	     "filter match: ICMP, an IPv4 /31, unreplied");
	T_OK(!match("{\"sport\":7}", &icmp), "filter match: ports never hold without ports");
	T_OK(!match("{\"state\":\"NONE\"}", &icmp), "filter match: a TCP state never holds ICMP");
	T_OK(match("{\"mark\":0}", &icmp), "filter match: mark 0");
}

static void test_small_parsers(void)
{
	struct ctrack_prefix p;
	uint8_t proto = 0, st = 0;
	char buf[64];

	T_EQ_U(ctrack_prefix_parse("192.0.2.1/024", &p), 0, "prefix: leading zeros in the length");
	T_EQ_U(p.len, 24, "prefix: decimal length");
	ctrack_prefix_str(&p, buf, sizeof(buf));
	T_EQ_S(buf, "192.0.2.1/24", "prefix: printed with the host bits kept");
	T_EQ_U(ctrack_prefix_parse("::ffff:192.0.2.1", &p), 0, "prefix: a mapped address");
	T_EQ_U(p.l3, 6, "prefix: a mapped address is IPv6");
	T_EQ_U(ctrack_prefix_parse("192.0.2.1/", &p), -EINVAL, "prefix: empty length");
	T_EQ_U(ctrack_prefix_parse("192.0.2.1/+1", &p), -EINVAL, "prefix: signed length");
	T_EQ_U(ctrack_prefix_parse("", &p), -EINVAL, "prefix: empty");
	T_EQ_U(ctrack_prefix_parse("2001:db8:0:0:0:0:0:0:1/64", &p), -EINVAL,
	       "prefix: nine groups");
	T_EQ_U(ctrack_proto_parse("IPv6-ICMP", &proto), 0, "proto: names in any case");
	T_EQ_U(proto, 58, "proto: ipv6-icmp is 58");
	T_EQ_U(ctrack_proto_parse("0", &proto), 0, "proto: 0 is a number");
	T_EQ_U(ctrack_proto_parse("0x6", &proto), -EINVAL, "proto: no hex");
	T_EQ_U(ctrack_proto_parse("", &proto), -EINVAL, "proto: empty");
	T_EQ_S(ctrack_proto_name(136), "udplite", "proto: the name of 136");
	T_OK(ctrack_proto_name(2) == NULL, "proto: no name for 2");
	T_EQ_U(ctrack_tcp_state_parse("syn_sent2", &st), 0, "state: SYN_SENT2");
	T_EQ_U(st, CT_TCP_SYN_SENT2, "state: its number");
	T_EQ_U(ctrack_tcp_state_parse("SYN", &st), -EINVAL, "state: a prefix is no name");
}

int main(void)
{
	cf_nodes_init(&nodes, 1);
	pkt_wbuf_init(&wb);
	test_rules_good();
	test_rules_errors();
	test_rules_load();
	test_rules_eval();
	test_pktkey();
	test_filter_args();
	test_filter_json();
	test_filter_match();
	test_small_parsers();
	pkt_wbuf_free(&wb);
	return t_done();
}
