/*
 * Script parsing: a valid test with every step kind, snippets, and bad
 * scripts whose errors must name file:line:column.
 */
#include <stdlib.h>

#include "script.h"
#include "t.h"

#ifndef SNIPDIR
#define SNIPDIR "tests/unit/scripts"
#endif

static const char good[] =
	"# comment\n"
	"test    t.one\n"
	"title   \"All steps\"\n"
	"spec    v6LC.1.1.1\n"
	"rfc     8200 §4, 4443 §3.4   \n"
	"nut     host\n"
	"needs   mld\n"
	"links   link0 link1\n"
	"init    common/snip\n"
	"\n"
	"send    link0 ether(TN1 -> NUT) / ipv6(TN1.ll -> NUT.ll) /\n"
	"             icmpv6.echo_request(id=1)\n"
	"expect  link1 within 1.5s\n"
	"        ipv6 / icmpv6.echo_reply(id=1)\n"
	"        or ipv6 / icmpv6.dest_unreach then WARN \"unreachable\"\n"
	"        capture $seq = icmpv6.echo_reply.seq\n"
	"        else FAIL \"no reply\"\n"
	"expect none link0 within 500ms ipv6 / icmpv6 else FAIL \"spoke\"\n"
	"count   $n link0 within 1s ipv6 / icmpv6.ns\n"
	"nut     neighbor link0 TN1.ll -> $st\n"
	"assert  $st in [REACHABLE, STALE] else FAIL \"state\"\n"
	"assert  $n <= 3 else WARN \"too many\"\n"
	"respond off TN2\n"
	"clear   link0\n"
	"log     \"done\"\n"
	"verdict PASS \"ok\"\n"
	"\n"
	"test t.two\n"
	"nut router\n"
	"wait 1s\n";

static void test_good(void)
{
	struct cf_suite s = { 0 };
	char err[512] = "";
	const struct cf_test *t;
	int rc = cf_script_parse(&s, "good.v6t", good, SNIPDIR, err, sizeof(err));

	T_OK(rc == 0, "a script with every step parses (%s)", err);
	if (rc)
		return;
	T_EQ_U(s.ntests, 2, "two tests");
	t = &s.tests[0];
	T_EQ_S(t->id, "t.one", "id");
	T_EQ_S(t->title, "All steps", "title");
	T_EQ_S(t->spec, "v6LC.1.1.1", "spec");
	T_EQ_S(t->rfc, "8200 §4, 4443 §3.4", "rfc text, trailing blanks trimmed");
	T_EQ_U(t->nut, CF_NUT_HOST, "nut host");
	T_EQ_U(t->nneeds, 1, "needs");
	T_EQ_U(t->nlinks, 2, "links");
	T_EQ_U(t->nsteps, 13, "2 snippet steps + 11 steps");
	T_EQ_U(t->steps[0].kind, CS_WAIT, "snippet step first");
	T_EQ_S(t->steps[0].file, SNIPDIR "/common/snip.v6t", "snippet step knows its file");
	T_EQ_U(t->steps[2].kind, CS_SEND, "send");
	T_EQ_U(t->steps[2].pkt.n, 3, "send packet has 3 layers");
	T_EQ_U(t->steps[3].kind, CS_EXPECT, "expect");
	T_EQ_U(t->steps[3].link, 1, "expect on link1");
	T_EQ_U(t->steps[3].within_ms, 1500, "1.5s");
	T_EQ_U(t->steps[3].nalts, 2, "two alternatives");
	T_OK(t->steps[3].alts[1].has_then && t->steps[3].alts[1].then == CF_WARN, "then WARN");
	T_EQ_U(t->steps[3].ncaps, 1, "one capture");
	T_EQ_S(t->steps[3].caps[0].layer, "icmpv6.echo_reply", "capture layer");
	T_EQ_S(t->steps[3].caps[0].field, "seq", "capture field");
	T_OK(t->steps[3].has_else && t->steps[3].else_v == CF_FAIL, "else FAIL");
	T_EQ_U(t->steps[4].kind, CS_EXPECT_NONE, "expect none");
	T_EQ_U(t->steps[5].kind, CS_COUNT, "count");
	T_EQ_S(t->steps[5].var, "n", "count variable");
	T_EQ_U(t->steps[6].kind, CS_NUT, "nut action");
	T_EQ_U(t->steps[6].argc, 3, "nut args");
	T_EQ_S(t->steps[6].var, "st", "nut result variable");
	T_OK(t->steps[7].kind == CS_ASSERT && t->steps[7].op_in && t->steps[7].argc == 3, "assert in");
	T_OK(t->steps[8].kind == CS_ASSERT && t->steps[8].op == CF_OP_LE, "assert <=");
	T_EQ_U(t->steps[9].kind, CS_RESPOND, "respond");
	T_EQ_U(t->steps[10].kind, CS_CLEAR, "clear");
	T_EQ_U(t->steps[11].kind, CS_LOG, "log");
	T_EQ_U(t->steps[12].kind, CS_VERDICT, "verdict");
	T_EQ_U(s.tests[1].nut, CF_NUT_ROUTER, "second test: nut router");
	cf_suite_free(&s);
}

static void test_bad(void)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "send link0 ipv6()\n", "bad.v6t:1:1: 'send' before any 'test' line" },
		{ "test a\nsend link9 ipv6()\n", "bad.v6t:2:6: link index out of range in 'link9' (link0..link7)" },
		{ "test a\nsend link0 ipv6(hlim=\n", "bad.v6t:2:22: expected a value, got end of line" },
		{ "test a\nexpect link0 ipv6\n", "bad.v6t:2:14: expected 'within DURATION'" },
		{ "test a\nexpect link0 within 2x ipv6\n", "bad.v6t:2:21: expected a duration such as 2s or 500ms" },
		{ "test a\nexpect link0 within 1s\n   ipv6\n   else MAYBE \"x\"\n",
		  "bad.v6t:4:9: expected a verdict (FAIL, WARN, PASS, SKIP, NA, ERROR)" },
		{ "test a\nexpect link0 within 1s\n   ipv6 / icmpv6(bogus=1)\n",
		  "bad.v6t:3:18: icmpv6 has no field 'bogus' (fields: type, code, cksum, data)" },
		{ "test a\nfrobnicate\n", "bad.v6t:2:1: unknown step 'frobnicate'" },
		{ "test a\ntitle untitled\n", "bad.v6t:2:7: title \"text\"" },
		{ "test a\nwait 1s\ntitle \"late\"\n", "bad.v6t:3:1: 'title' must come before the first step" },
		{ "test a\ninit common/nosuch\n", "bad.v6t:2:6: init common/nosuch: " SNIPDIR "/common/nosuch.v6t: No such file or directory" },
		{ "test a\ninit ../etc/passwd\n", "bad.v6t:2:6: snippet name '../etc/passwd' must be relative, without '..'" },
		{ "test a\nwait 1s\ntest a\nwait 1s\n", "bad.v6t:3:6: test id 'a' already used in bad.v6t:1" },
		{ "test a\n", "bad.v6t:1: test a has no steps" },
		{ "test a\n  wait 1s\n", "bad.v6t:2:3: unexpected word after the test id" },
		{ "  wait 1s\n", "bad.v6t:1:1: indented line outside a step (continuation lines follow a step)" },
		{ "test a\nexpect link0 within 1s ipv6 capture seq = x.y\n",
		  "bad.v6t:2:37: expected a $variable to capture into" },
		{ "test a\nlog \"unterminated\n", "bad.v6t:2:5: log \"text\"" },
		{ "", "bad.v6t: no 'test' in this file" },
	};
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cf_suite s = { 0 };
		int rc = cf_script_parse(&s, "bad.v6t", bad[i].text, SNIPDIR, err, sizeof(err));

		T_OK(rc == -1, "bad script %zu is refused", i);
		T_EQ_S(err, bad[i].err, "its message");
		cf_suite_free(&s);
	}
}

int main(void)
{
	test_good();
	test_bad();
	return t_done();
}
