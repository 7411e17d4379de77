/*
 * Comparison of suite runs and the regression rule: ar_compare over suite
 * runs stored in a real SQLite file in a temporary directory (changed,
 * added, removed and same tests, in test id order; missing suite runs), the
 * ar_classify table (regression, flaky with its first bad verdict, no flag)
 * and the verdict helpers.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "compare.h"
#include "t.h"

static char tmpdir[] = "/tmp/v6lab-compare-XXXXXX";
static char dbpath[256];

static void cleanup(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[300];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", dbpath, suffix[i]);
		unlink(p);
	}
	rmdir(tmpdir);
}

struct t_res {
	const char *test, *verdict, *flag;
};

static int64_t suite_run(struct ar_store *st, int64_t run, const char *suite,
			 const struct t_res *v, size_t n)
{
	int64_t sid = 0, rid;
	int rc = st->ops->suite_begin(st, run, suite, &sid);

	for (size_t i = 0; !rc && i < n; i++) {
		struct ar_result r = { .test = v[i].test, .verdict = v[i].verdict,
				       .flag = v[i].flag };

		rc = st->ops->result_add(st, sid, &r, &rid);
	}
	if (!rc)
		rc = st->ops->suite_end(st, sid);
	T_OK(rc == 0, "suite run %s with %zu results stored (%d)", suite, n, rc);
	return sid;
}

static void test_compare(void)
{
	static const struct t_res a[] = {
		{ "core.t5", "PASS", "" }, { "core.t1", "PASS", "" }, { "core.t2", "FAIL", "" },
		{ "core.t3", "PASS", "" }, { "core.t4", "SKIP", "" }, { "core.T0", "N/A", "" },
	};
	static const struct t_res b[] = {
		{ "core.t1", "PASS", "" }, { "core.t2", "PASS", "" },
		{ "core.t3", "FAIL", "regression" }, { "core.t4", "SKIP", "" },
		{ "core.t6", "WARN", "" }, { "core.T0", "ERROR", "flaky" },
	};
	struct ar_release r1 = { .source = "deb", .version = "1" };
	struct ar_release r2 = { .source = "deb", .version = "2" };
	struct ar_store *st = NULL;
	char err[256] = "";
	int64_t id1, id2, run1, run2, sa, sb, se;
	struct ar_diff d;
	bool isnew;

	if (ar_store_open(dbpath, &st, err, sizeof(err))) {
		T_OK(0, "open %s: %s", dbpath, err);
		return;
	}
	T_OK(st->ops->release_add(st, &r1, &id1, &isnew) == 0 &&
	     st->ops->release_add(st, &r2, &id2, &isnew) == 0 &&
	     st->ops->run_begin(st, id1, "qemu", &run1) == 0 &&
	     st->ops->run_begin(st, id2, "qemu", &run2) == 0, "two releases, two runs");
	sa = suite_run(st, run1, "core-host", a, sizeof(a) / sizeof(a[0]));
	sb = suite_run(st, run2, "core-host", b, sizeof(b) / sizeof(b[0]));
	se = suite_run(st, run2, "empty", NULL, 0);

	memset(&d, 0xff, sizeof(d));	/* ar_compare must not trust what it is given */
	T_OK(ar_compare(st, sa, sb, &d) == 0, "compare a with b");
	T_EQ_U(d.n, 5, "five changes");
	T_EQ_U(d.same, 2, "two the same (t1 PASS, t4 SKIP)");
	if (d.n == 5) {
		/* byte order: "core.T0" before "core.t1" */
		T_OK(!strcmp(d.v[0].test, "core.T0") && !strcmp(d.v[0].old_verdict, "N/A") &&
		     !strcmp(d.v[0].new_verdict, "ERROR") && !strcmp(d.v[0].new_flag, "flaky"),
		     "T0 N/A -> ERROR, flaky");
		T_OK(!strcmp(d.v[1].test, "core.t2") && !strcmp(d.v[1].old_verdict, "FAIL") &&
		     !strcmp(d.v[1].new_verdict, "PASS") && !strcmp(d.v[1].new_flag, ""),
		     "t2 FAIL -> PASS");
		T_OK(!strcmp(d.v[2].test, "core.t3") && !strcmp(d.v[2].old_verdict, "PASS") &&
		     !strcmp(d.v[2].new_verdict, "FAIL") && !strcmp(d.v[2].new_flag, "regression"),
		     "t3 PASS -> FAIL, regression");
		T_OK(!strcmp(d.v[3].test, "core.t5") && !strcmp(d.v[3].old_verdict, "PASS") &&
		     !strcmp(d.v[3].new_verdict, "") && !strcmp(d.v[3].new_flag, ""),
		     "t5 only in a: removed, empty new verdict");
		T_OK(!strcmp(d.v[4].test, "core.t6") && !strcmp(d.v[4].old_verdict, "") &&
		     !strcmp(d.v[4].new_verdict, "WARN"), "t6 only in b: added, empty old verdict");
	}
	ar_diff_free(&d);
	T_OK(d.n == 0 && d.v == NULL, "ar_diff_free empties the diff");

	T_OK(ar_compare(st, sb, sa, &d) == 0 && d.n == 5 && d.same == 2 &&
	     !strcmp(d.v[3].test, "core.t5") && !strcmp(d.v[3].old_verdict, "") &&
	     !strcmp(d.v[3].new_verdict, "PASS"), "the other way round: t5 added");
	ar_diff_free(&d);
	T_OK(ar_compare(st, sa, sa, &d) == 0 && d.n == 0 && d.same == 6, "a with itself: all same");
	ar_diff_free(&d);
	T_OK(ar_compare(st, sa, se, &d) == 0 && d.n == 6 && d.same == 0 &&
	     !strcmp(d.v[0].new_verdict, ""), "against an empty suite run: all removed");
	ar_diff_free(&d);
	T_OK(ar_compare(st, se, se, &d) == 0 && d.n == 0 && d.same == 0, "two empty: nothing");
	ar_diff_free(&d);
	T_OK(ar_compare(st, sa, 9999, &d) == -ENOENT && d.n == 0 && d.v == NULL,
	     "a missing suite run: -ENOENT, empty diff");
	T_OK(ar_compare(st, 9999, sb, &d) == -ENOENT && d.n == 0, "missing on the left too");
	ar_diff_free(&d);
	ar_diff_free(NULL);
	ar_store_close(st);
}

static void classify(const char *attempts, bool prev_good, const char *want_verdict,
		     const char *want_flag)
{
	const char *v[8], *verdict = NULL, *flag = NULL;
	char buf[64], *save = NULL;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", attempts);
	for (char *p = strtok_r(buf, ",", &save); p && n < 8; p = strtok_r(NULL, ",", &save))
		v[n++] = p;
	ar_classify(v, n, prev_good, &verdict, &flag);
	T_OK(verdict && flag && !strcmp(verdict, want_verdict) && !strcmp(flag, want_flag),
	     "%s, previous %s: %s %s (got %s %s)", attempts, prev_good ? "good" : "not good",
	     want_verdict, want_flag[0] ? want_flag : "(no flag)", verdict ? verdict : "(null)",
	     flag ? flag : "(null)");
}

static void test_classify(void)
{
	const char *verdict = NULL, *flag = NULL;

	/* all bad, previous good: a regression */
	classify("FAIL,FAIL,FAIL", true, "FAIL", "regression");
	classify("FAIL,ERROR,FAIL", true, "FAIL", "regression");
	classify("ERROR", true, "ERROR", "regression");
	classify("FAIL,FAIL,ERROR", true, "ERROR", "regression");
	/* good and bad mixed: flaky, keeping the first bad verdict */
	classify("FAIL,PASS,FAIL", true, "FAIL", "flaky");
	classify("ERROR,FAIL,PASS", true, "ERROR", "flaky");
	classify("PASS,FAIL", false, "FAIL", "flaky");
	classify("WARN,ERROR,PASS", true, "ERROR", "flaky");
	/* all good: no flag, last verdict */
	classify("PASS", true, "PASS", "");
	classify("PASS,WARN", false, "WARN", "");
	/* bad, but the previous release was not good: no flag */
	classify("FAIL,FAIL,FAIL", false, "FAIL", "");
	classify("FAIL", false, "FAIL", "");
	/* neither good nor bad */
	classify("SKIP", true, "SKIP", "");
	classify("N/A", true, "N/A", "");
	/* bad with a skip between: not all bad, not flaky */
	classify("FAIL,SKIP,FAIL", true, "FAIL", "");
	ar_classify(NULL, 0, true, &verdict, &flag);
	T_OK(!strcmp(verdict, "ERROR") && !strcmp(flag, ""), "no attempts: ERROR, no flag");
}

static void test_verdicts(void)
{
	T_OK(ar_verdict_good("PASS") && ar_verdict_good("WARN"), "PASS and WARN are good");
	T_OK(!ar_verdict_good("FAIL") && !ar_verdict_good("ERROR") && !ar_verdict_good("SKIP") &&
	     !ar_verdict_good("N/A") && !ar_verdict_good("") && !ar_verdict_good(NULL) &&
	     !ar_verdict_good("pass"), "nothing else is good");
	T_OK(ar_verdict_bad("FAIL") && ar_verdict_bad("ERROR"), "FAIL and ERROR are bad");
	T_OK(!ar_verdict_bad("PASS") && !ar_verdict_bad("WARN") && !ar_verdict_bad("SKIP") &&
	     !ar_verdict_bad("N/A") && !ar_verdict_bad(NULL) && !ar_verdict_bad("FAILED"),
	     "nothing else is bad");
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(cleanup);
	snprintf(dbpath, sizeof(dbpath), "%s/compare.db", tmpdir);
	test_verdicts();
	test_classify();
	test_compare();
	return t_done();
}
