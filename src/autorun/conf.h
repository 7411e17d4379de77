/*
 * The watch configuration: an INI-like file (docs/autorun-config.md) with a
 * [watch] section for global settings and one named section per release
 * source, target and suite:
 *
 *   [watch]                     store, workdir, interval, reruns, jobs
 *   [source NAME]               kind = debian-kernel | git | dir, and its keys
 *   [target NAME]               kind = qemu | netns, stable, boot-timeout ...
 *   [suite NAME]                suite, type, test (repeatable), jobs, sysctl
 *
 * Unknown sections or keys, missing required keys and bad values are errors
 * reported as "FILE:LINE: message". Strings are owned by the ar_conf.
 */
#ifndef V6LAB_AR_CONF_H
#define V6LAB_AR_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define AR_NAME_MAX 64
#define AR_LIST_MAX 32

struct ar_list {
	size_t n;
	char *v[AR_LIST_MAX];
};

struct ar_source_conf {
	char name[AR_NAME_MAX];
	int line;
	char *kind;		/* "debian-kernel", "git", "dir" */
	char *target;		/* target that boots this source's releases (required) */
	struct ar_list suites;	/* suite sections to run (default: all) */
	/* debian-kernel */
	struct ar_list packages; /* package name globs, e.g. linux-image-6.1.0-*-cloud-amd64 */
	bool apt_update;	/* run `apt-get update` before each poll (default no) */
	unsigned newest;	/* releases per package glob considered (default 1: only the newest) */
	/* git */
	char *url;		/* repository (path or URL) */
	char *branch;		/* snapshot: newest commit of this branch */
	char *stable_tags;	/* glob for stable release tags, e.g. v[0-9]*.[0-9]* */
	char *rc_tags;		/* glob for rc tags, e.g. v*-rc* */
	struct ar_list kinds;	/* release kinds followed: stable, rc, snapshot (default all
				 * that have a pattern/branch) */
	/* dir */
	char *path;		/* directory watched for *.deb, vmlinuz-*, *.tar.{gz,xz,zst} */
	/* how a source tree becomes artifacts (git, dir tarballs) */
	char *base_config;	/* base .config (file), or a make target like "defconfig" */
	char *config_fragment;	/* fragment merged over the base config */
	char *configure_cmd;	/* shell commands; empty/NULL: the kernel defaults */
	char *build_cmd;
	char *install_cmd;
};

struct ar_target_conf {
	char name[AR_NAME_MAX];
	int line;
	char *kind;		/* "qemu" or "netns" */
	char *stable;		/* SOURCE/VERSION of the release to return to (optional) */
	unsigned boot_timeout;	/* seconds (default 120) */
};

struct ar_suite_conf {
	char name[AR_NAME_MAX];
	int line;
	char *suite;		/* directory under suites/ (default "core") */
	char *suites_dir;	/* default "suites" */
	char *type;		/* "host" (default) or "router" */
	struct ar_list tests;	/* -t patterns (default: the whole suite) */
	struct ar_list sysctls;	/* --nut-sysctl K=V */
	unsigned jobs;		/* 0: [watch] jobs */
	unsigned timeout;	/* seconds for the whole suite (default 3600) */
};

struct ar_conf {
	char *file;
	char *store;		/* default "WORKDIR/autorun.db" */
	char *workdir;		/* default "out/autorun" */
	unsigned interval;	/* seconds between polls in loop mode (default 3600) */
	unsigned reruns;	/* reruns of a failing test before a regression (default 2) */
	unsigned jobs;		/* default: number of CPUs */
	size_t nsources, ntargets, nsuites;
	struct ar_source_conf *sources;
	struct ar_target_conf *targets;
	struct ar_suite_conf *suites;
};

/* Parses FILE. On error returns a negative errno and writes "FILE:LINE: msg"
 * (or "FILE: msg") to err. Checks cross references (a source's target and
 * suites exist, a target's stable names a source). */
int ar_conf_load(const char *file, struct ar_conf *c, char *err, size_t errlen);
/* The same from a string (name used in messages). */
int ar_conf_parse(const char *name, const char *text, struct ar_conf *c, char *err, size_t errlen);
void ar_conf_free(struct ar_conf *c);

const struct ar_target_conf *ar_conf_target(const struct ar_conf *c, const char *name);
const struct ar_suite_conf *ar_conf_suite(const struct ar_conf *c, const char *name);
const struct ar_source_conf *ar_conf_source(const struct ar_conf *c, const char *name);

#endif
