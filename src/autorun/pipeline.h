/*
 * The watcher's pipeline. One pass polls every source and takes each
 * release not handled yet through: fetch, configure, build, install, boot
 * (verify the version), then per suite: reboot, run the suite (rerunning
 * tests that look like regressions), store the results; then return the
 * target to its stable release and compare with the previous release.
 * Every step is recorded in the store with its log as it ends, so a watcher
 * killed in the middle loses nothing already recorded; the next pass marks
 * the interrupted run and handles its release again.
 */
#ifndef V6LAB_AR_PIPELINE_H
#define V6LAB_AR_PIPELINE_H

#include <signal.h>
#include <stdio.h>

#include "conf.h"
#include "ar_store.h"

struct ar_watch {
	const struct ar_conf *conf;
	struct ar_store *st;
	const char *self;		/* the v6lab binary, for `v6lab run` */
	FILE *out;			/* progress lines (NULL: quiet) */
	volatile sig_atomic_t *stop;	/* set by a signal: stop after the current step */
	/* what the last pass did */
	int releases_new, runs_done, runs_failed, runs_attention, runs_interrupted;
};

/* One pass: recover interrupted runs, poll every source, handle every new
 * release (oldest first). Returns 0, or a negative errno when the store
 * failed (a source or a release failing is recorded, not an error). */
int ar_watch_pass(struct ar_watch *w);

#endif
