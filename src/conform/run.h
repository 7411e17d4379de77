/*
 * Running one test: bring up the NUT through its driver, attach the
 * tester's links, carry out the steps in order, and come to a verdict with
 * its reason. Every test leaves log.txt, log.html and one pcap per link in
 * its own directory.
 */
#ifndef V6LAB_CF_RUN_H
#define V6LAB_CF_RUN_H

#include "nut.h"
#include "script.h"

struct cf_result {
	enum cf_verdict verdict;
	char reason[512];
	int line; /* step that decided, 0 when none */
	char file[160];
	double secs;
	unsigned frames_sent, frames_recv;
};

/* Runs test t with NUT configuration cfg (cfg->outdir: the test's directory,
 * which must exist). Never returns without a verdict: tester failures are
 * ERROR with their reason. */
void cf_run_test(const struct cf_test *t, const struct nut_config *cfg, struct cf_result *res);

#endif
