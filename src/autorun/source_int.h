/*
 * Internals shared by the release sources (not part of the public
 * interface in source.h): path and file helpers, the steps that turn a
 * kernel source tree into artifacts (git checkouts and dir tarballs), the
 * handling of Debian kernel packages (debian-kernel and dir *.deb), and the
 * parsers of apt and git output, exposed here so unit tests can feed them
 * canned text.
 */
#ifndef V6LAB_AR_SOURCE_INT_H
#define V6LAB_AR_SOURCE_INT_H

#include <stddef.h>
#include <stdio.h>

#include "source.h"

/* Time limits of the steps' commands, in seconds. */
#define AR_T_QUERY 600		/* apt-cache, git ls-remote, dpkg-deb -f */
#define AR_T_FETCH 3600
#define AR_T_CONFIGURE 1800
#define AR_T_BUILD (6 * 3600)
#define AR_T_INSTALL 3600

/* ---- helpers (source.c) ---- */

/* snprintf into a path buffer; -ENAMETOOLONG when it does not fit. */
int ar_src_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* path made absolute against the current directory (it need not exist). */
int ar_src_abspath(const char *path, char *out, size_t len);
/* A "# ..." line in a step log (log may be NULL). */
void ar_src_note(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ar_src_copy_file(const char *from, const char *to);
/* Moves a file or directory (rename, or `mv` across file systems). */
int ar_src_move(const char *from, const char *to, FILE *log);
int ar_src_write_line(const char *path, const char *line);
/* 1 when path is a regular file / a directory. */
int ar_src_is_file(const char *path);
int ar_src_is_dir(const char *path);
/* "# artifacts: release R, kernel, modules ..." in the step log. */
void ar_src_note_artifacts(FILE *log, const struct ar_artifacts *a);
/* The release string in a bzImage's setup header (the first word of its
 * kernel_version string); -ENOENT when the file has none. */
int ar_bzimage_release(const char *path, char *out, size_t len);

/* ---- kernel source trees (source.c), src is the tree's directory ---- */

int ar_tree_configure(const struct ar_source_conf *c, const struct ar_release *r, const char *src,
		      FILE *log);
int ar_tree_build(const struct ar_source_conf *c, const struct ar_release *r, const char *src,
		  unsigned jobs, FILE *log);
int ar_tree_install(const struct ar_source_conf *c, const struct ar_release *r, const char *src,
		    struct ar_artifacts *a, FILE *log);

/* ---- Debian packages (source_deb.c) ---- */

struct ar_deb_pkg {
	char name[256];
	char version[128];
};

/* Debian version ordering (epoch:upstream-revision, '~' before anything):
 * <0, 0, >0 like strcmp. */
int ar_deb_vercmp(const char *a, const char *b);
/* Package names of `apt-cache pkgnames` output (one a line) that match the
 * glob, as a malloc'd array of malloc'd strings. */
int ar_apt_parse_names(const char *text, const char *glob, char ***names, size_t *n);
void ar_apt_free_names(char **names, size_t n);
/* Candidate versions from `apt-cache policy P...` output; packages without
 * a candidate are left out. *out is malloc'd. */
int ar_apt_parse_policy(const char *text, struct ar_deb_pkg **out, size_t *n);
/* Sorts pkgs newest version first; returns how many to keep (newest, or
 * all when newest is 0). */
size_t ar_deb_newest(struct ar_deb_pkg *pkgs, size_t n, unsigned newest);
/* The only *.deb in dir, as a path. */
int ar_deb_find(const char *dir, char *path, size_t len, FILE *log);
/* dpkg-deb -x deb root */
int ar_deb_extract(const char *deb, const char *root, FILE *log);
/* Moves boot/vmlinuz-R, lib/modules/R and boot/config-R of an extracted
 * package at root into a->dir, runs depmod when modules.dep is missing,
 * writes the release file and fills *a. */
int ar_deb_install_root(const char *root, struct ar_artifacts *a, FILE *log);

/* ---- git (source_git.c) ---- */

/* Builds the release list of a git source from `git ls-remote --tags`
 * output (tags_text) and `git ls-remote URL refs/heads/BRANCH` output
 * (head_text, NULL when the source has no branch). *out is malloc'd. */
int ar_git_releases(const struct ar_source_conf *c, const char *tags_text, const char *head_text,
		    struct ar_release **out, size_t *n, FILE *log);

#endif
