/*
 * Release sources. A source finds the releases of a network stack that are
 * available now (poll) and turns one into artifacts through the pipeline's
 * steps: fetch, configure, build, install. Each step writes what it does to
 * the step's log. Kinds: debian-kernel (Debian's package archive through
 * apt), git (tags and a branch of a repository), dir (a directory where
 * packages, kernel images or source tarballs appear).
 */
#ifndef V6LAB_AR_SOURCE_H
#define V6LAB_AR_SOURCE_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "conf.h"

/* A step that has nothing to do for this release (configure of a prebuilt
 * package) returns AR_SKIPPED; the pipeline records it as skipped. */
#define AR_SKIPPED 1

struct ar_release {
	char source[AR_NAME_MAX]; /* source section name */
	char version[128];	/* unique within the source: package version, tag,
				 * "BRANCH-COMMIT12", file name */
	char kind[16];		/* package, stable, rc, snapshot, file */
	char name[256];		/* package name, tag, branch, file name */
	char ref[512];		/* package=version, commit id, file path */
	long long date;		/* unix time of the release when known (commit/tag
				 * date, file mtime), else 0 */
};

/* What install leaves in the artifact directory; paths are absolute. */
struct ar_artifacts {
	char dir[PATH_MAX];	/* the release's artifact directory */
	char kernel[PATH_MAX];	/* vmlinuz/bzImage ("" when none: netns) */
	char modules[PATH_MAX];	/* lib/modules/RELEASE ("" when none) */
	char config[PATH_MAX];	/* kernel .config ("" when none) */
	char release[128];	/* what the booted target must report (uname -r),
				 * or for netns the stack's own version string */
	char sysctl[PATH_MAX];	/* netns: K=V lines applied to the NUT ("" when none) */
};

struct ar_source_ops {
	const char *kind;
	/* Lists the releases available now (all of them; the pipeline skips those
	 * already handled). *out is malloc'd; returns 0 or a negative errno. */
	int (*poll)(const struct ar_source_conf *c, struct ar_release **out, size_t *n, FILE *log);
	/* Gets the release into dir (an empty directory owned by this release). */
	int (*fetch)(const struct ar_source_conf *c, const struct ar_release *r, const char *dir,
		     FILE *log);
	int (*configure)(const struct ar_source_conf *c, const struct ar_release *r,
			 const char *dir, FILE *log);
	int (*build)(const struct ar_source_conf *c, const struct ar_release *r, const char *dir,
		     unsigned jobs, FILE *log);
	/* Puts kernel, modules, config and the release string into a->dir (set by
	 * the caller, created) and fills the rest of *a. */
	int (*install)(const struct ar_source_conf *c, const struct ar_release *r, const char *dir,
		       struct ar_artifacts *a, FILE *log);
};

extern const struct ar_source_ops ar_source_debian;
extern const struct ar_source_ops ar_source_git;
extern const struct ar_source_ops ar_source_dir;

const struct ar_source_ops *ar_source_kind(const char *kind);

/* Fills *a from an artifact directory laid out by install (vmlinuz, config,
 * release, sysctl, lib/modules/R): used to find a stable release again. */
int ar_artifacts_load(const char *dir, struct ar_artifacts *a);

#endif
