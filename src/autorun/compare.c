/*
 * Comparison of two suite runs and the regression rule (compare.h). The
 * results of both runs are read from the store, sorted by test id with
 * strcmp (whatever order the backend gave), and merged: a test present in
 * both with the same verdict counts as same, any other test is a change.
 * ar_classify turns the verdicts of a test's attempts into its final
 * verdict and its flag.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

bool ar_verdict_good(const char *v)
{
	return v && (!strcmp(v, "PASS") || !strcmp(v, "WARN"));
}

bool ar_verdict_bad(const char *v)
{
	return v && (!strcmp(v, "FAIL") || !strcmp(v, "ERROR"));
}

void ar_classify(const char *const *attempts, int n, bool prev_good, const char **verdict,
		 const char **flag)
{
	const char *first_bad = NULL;
	int good = 0, bad = 0;

	*flag = "";
	if (!attempts || n <= 0) {
		/* nothing ran: not a verdict any test script gives */
		*verdict = "ERROR";
		return;
	}
	for (int i = 0; i < n; i++) {
		if (ar_verdict_good(attempts[i])) {
			good++;
		} else if (ar_verdict_bad(attempts[i])) {
			bad++;
			if (!first_bad)
				first_bad = attempts[i];
		}
	}
	*verdict = attempts[n - 1] ? attempts[n - 1] : "ERROR";
	if (good && bad) {
		*flag = "flaky";
		*verdict = first_bad;
	} else if (bad == n && prev_good) {
		*flag = "regression";
	}
}

/* One side's results, as much as the comparison needs. */
struct side_test {
	char *test;
	char verdict[8];
	char flag[16];
};

struct side {
	size_t n, cap;
	struct side_test *v;
};

static void side_free(struct side *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].test);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int side_add(void *ctx, const struct ar_result_row *r)
{
	struct side *s = ctx;
	struct side_test *t;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct side_test *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	t = &s->v[s->n];
	t->test = strdup(r->test);
	if (!t->test)
		return -ENOMEM;
	snprintf(t->verdict, sizeof(t->verdict), "%s", r->verdict);
	snprintf(t->flag, sizeof(t->flag), "%s", r->flag);
	s->n++;
	return 0;
}

static int side_cmp(const void *a, const void *b)
{
	return strcmp(((const struct side_test *)a)->test, ((const struct side_test *)b)->test);
}

static int side_load(struct ar_store *st, int64_t suite_run_id, struct side *s)
{
	int e = st->ops->results(st, suite_run_id, side_add, s);

	if (e)
		return e;
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), side_cmp);
	return 0;
}

static int diff_add(struct ar_diff *d, const struct side_test *a, const struct side_test *b)
{
	struct ar_change *c;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		struct ar_change *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	c = &d->v[d->n++];
	/* a test id longer than the field is cut; the ids of the suites are far shorter */
	snprintf(c->test, sizeof(c->test), "%s", a ? a->test : b->test);
	snprintf(c->old_verdict, sizeof(c->old_verdict), "%s", a ? a->verdict : "");
	snprintf(c->new_verdict, sizeof(c->new_verdict), "%s", b ? b->verdict : "");
	snprintf(c->new_flag, sizeof(c->new_flag), "%s", b ? b->flag : "");
	return 0;
}

int ar_compare(struct ar_store *st, int64_t a, int64_t b, struct ar_diff *d)
{
	struct side sa = { 0 }, sb = { 0 };
	size_t i = 0, j = 0;
	int e;

	memset(d, 0, sizeof(*d));
	e = side_load(st, a, &sa);
	if (!e)
		e = side_load(st, b, &sb);
	while (!e && (i < sa.n || j < sb.n)) {
		int c = i == sa.n ? 1 : j == sb.n ? -1 : strcmp(sa.v[i].test, sb.v[j].test);

		if (c < 0) {
			e = diff_add(d, &sa.v[i++], NULL);
		} else if (c > 0) {
			e = diff_add(d, NULL, &sb.v[j++]);
		} else {
			if (strcmp(sa.v[i].verdict, sb.v[j].verdict))
				e = diff_add(d, &sa.v[i], &sb.v[j]);
			else
				d->same++;
			i++;
			j++;
		}
	}
	side_free(&sa);
	side_free(&sb);
	if (e)
		ar_diff_free(d);
	return e;
}

void ar_diff_free(struct ar_diff *d)
{
	if (!d)
		return;
	free(d->v);
	memset(d, 0, sizeof(*d));
}
