/*
 * Targets: where a release runs. A target boots a release's artifacts and
 * checks that it came up on the expected version, and says how `v6lab run`
 * reaches it for a suite. qemu boots the kernel in a VM (TCG) with the
 * engine's initramfs and agent; netns is the local kernel in a namespace,
 * for a source whose build is a user-space stack or a set of sysctls.
 */
#ifndef V6LAB_AR_TARGET_H
#define V6LAB_AR_TARGET_H

#include <stddef.h>
#include <stdio.h>

#include "conf.h"
#include "source.h"

#define AR_RUN_ARGS_MAX 64

struct ar_run_args {
	int argc;
	const char *argv[AR_RUN_ARGS_MAX];
	char buf[8192]; /* storage for argument strings */
	size_t used;
};

struct ar_target_ops {
	const char *kind;
	/* Boots the release in dir (boot files: console.log, driver.log) and
	 * reads back the running version into got. Returns 0 when it came up on
	 * a->release, -EPROTO when it came up on another version, another
	 * negative errno when it did not come up (reason in err). */
	int (*boot)(const struct ar_target_conf *t, const struct ar_artifacts *a, const char *dir,
		    FILE *log, char *got, size_t gotlen, char *err, size_t errlen);
	/* Appends the `v6lab run` options that select this target. */
	int (*run_args)(const struct ar_target_conf *t, const struct ar_artifacts *a,
			struct ar_run_args *ra);
};

extern const struct ar_target_ops ar_target_qemu;
extern const struct ar_target_ops ar_target_netns;

const struct ar_target_ops *ar_target_kind(const char *kind);

/* Appends one argument (copied) to ra; -E2BIG when full. */
int ar_run_arg(struct ar_run_args *ra, const char *s);

/* K=V lines of a sysctl file (comments and blank lines skipped) into vec
 * (strings malloc'd, caller frees with ar_sysctls_free). */
int ar_sysctls_read(const char *path, char ***vec, int *n, int max, char *err, size_t errlen);
void ar_sysctls_free(char **vec, int n);

#endif
