/*
 * Comparison of two suite runs and the regression rule. compare lists the
 * tests whose verdict differs between two suite runs (also tests only one of
 * them has). A regression is a test that fails (FAIL or ERROR) on a release
 * and passed (PASS or WARN) in the previous release's run of the same target
 * and suite; the pipeline reruns such a test (reruns times) before it calls
 * it one, and a test whose verdict flips between attempts is flaky.
 */
#ifndef V6LAB_AR_COMPARE_H
#define V6LAB_AR_COMPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ar_store.h"

struct ar_change {
	char test[160];
	char old_verdict[8];	/* "" when the test is only in b */
	char new_verdict[8];	/* "" when the test is only in a */
	char new_flag[16];
};

struct ar_diff {
	size_t n, cap;
	struct ar_change *v;	/* ordered by test id */
	int same;		/* tests with the same verdict in both */
};

/* Tests whose verdict changed from suite run a to suite run b. */
int ar_compare(struct ar_store *st, int64_t a, int64_t b, struct ar_diff *d);
void ar_diff_free(struct ar_diff *d);

bool ar_verdict_good(const char *v);	/* PASS, WARN */
bool ar_verdict_bad(const char *v);	/* FAIL, ERROR */

/* From the verdicts of all attempts of one test (first one first): the
 * final verdict and flag. Flaky when both good and bad verdicts occur; a
 * regression when all are bad and prev_good; the final verdict is the last
 * attempt's, except that a flaky test keeps its first bad verdict. */
void ar_classify(const char *const *attempts, int n, bool prev_good, const char **verdict,
		 const char **flag);

#endif
