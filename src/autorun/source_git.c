/*
 * The git source: releases of a repository (a local path or a URL). poll
 * reads the tags (`git ls-remote --tags`) and the head of the configured
 * branch (`git ls-remote URL refs/heads/BRANCH`): a tag matching rc-tags is
 * an rc release, else one matching stable-tags a stable release, and the
 * branch head is a snapshot "BRANCH-COMMIT12". fetch clones the repository
 * and checks the release's commit out (detached); configure, build and
 * install are those of a kernel source tree (source.c) in DIR/src.
 */
#include "source_int.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Room for ls-remote output (a kernel tree has a few thousand tags). */
#define GIT_OUT_MAX (16u << 20)
/* A repository that wants a password fails instead of asking on the
 * terminal (ar_capture takes no environment: it goes through env(1)). */
#define NO_PROMPT "GIT_TERMINAL_PROMPT=0"

struct gtag {
	char name[256];
	char commit[64];
};

static int wants(const struct ar_source_conf *c, const char *kind)
{
	for (size_t i = 0; i < c->kinds.n; i++)
		if (!strcmp(c->kinds.v[i], kind))
			return 1;
	return 0;
}

/* "COMMIT\tREF" of one ls-remote line; 0 when the line is one. */
static int split_line(const char *line, size_t len, char *commit, size_t clen, char *ref,
		      size_t rlen)
{
	const char *tab = memchr(line, '\t', len);
	size_t hl, rl;

	if (!tab)
		return -EINVAL;
	hl = (size_t)(tab - line);
	rl = len - hl - 1;
	if (hl < 7 || hl >= clen || rl == 0 || rl >= rlen)
		return -EINVAL;
	for (size_t i = 0; i < hl; i++)
		if (!isxdigit((unsigned char)line[i]))
			return -EINVAL;
	memcpy(commit, line, hl);
	commit[hl] = '\0';
	memcpy(ref, tab + 1, rl);
	ref[rl] = '\0';
	return 0;
}

/* Tags with the commit they name: an annotated tag's peeled line
 * ("refs/tags/T^{}") gives the commit and replaces the tag object's id. */
static int parse_tags(const char *text, struct gtag **out, size_t *n)
{
	struct gtag *v = NULL;
	size_t cnt = 0, cap = 0;

	for (const char *p = text; p && *p;) {
		size_t len = strcspn(p, "\r\n"), nl;
		char commit[64], ref[512], *name;
		int peeled = 0;
		size_t i;

		if (split_line(p, len, commit, sizeof(commit), ref, sizeof(ref)) ||
		    strncmp(ref, "refs/tags/", 10))
			goto next;
		name = ref + 10;
		nl = strlen(name);
		if (nl > 3 && !strcmp(name + nl - 3, "^{}")) {
			name[nl - 3] = '\0';
			peeled = 1;
		}
		if (!*name || strlen(name) >= sizeof(v->name))
			goto next;
		for (i = 0; i < cnt; i++)
			if (!strcmp(v[i].name, name))
				break;
		if (i == cnt) {
			if (cnt == cap) {
				struct gtag *nv = realloc(v, (cap ? cap * 2 : 64) * sizeof(*v));

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
				cap = cap ? cap * 2 : 64;
			}
			snprintf(v[cnt].name, sizeof(v[cnt].name), "%s", name);
			v[cnt].commit[0] = '\0';
			cnt++;
		}
		if (peeled || !v[i].commit[0])
			snprintf(v[i].commit, sizeof(v[i].commit), "%s", commit);
next:
		p += len;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int cmp_tag(const void *a, const void *b)
{
	return strverscmp(((const struct gtag *)a)->name, ((const struct gtag *)b)->name);
}

/* A version string usable as a directory name: '/' becomes '-'. */
static void set_version(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s);
	for (char *p = dst; *p; p++)
		if (*p == '/')
			*p = '-';
}

static struct ar_release *add_rel(struct ar_release **v, size_t *n, size_t *cap,
				  const struct ar_source_conf *c)
{
	struct ar_release *r;

	if (*n == *cap) {
		struct ar_release *nv = realloc(*v, (*cap ? *cap * 2 : 16) * sizeof(**v));

		if (!nv)
			return NULL;
		*v = nv;
		*cap = *cap ? *cap * 2 : 16;
	}
	r = &(*v)[(*n)++];
	memset(r, 0, sizeof(*r));
	snprintf(r->source, sizeof(r->source), "%s", c->name);
	return r;
}

int ar_git_releases(const struct ar_source_conf *c, const char *tags_text, const char *head_text,
		    struct ar_release **out, size_t *n, FILE *log)
{
	static const char *const order[] = { "stable", "rc" };
	struct ar_release *v = NULL;
	size_t cnt = 0, cap = 0, ntags = 0;
	struct gtag *tags = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	rc = parse_tags(tags_text ? tags_text : "", &tags, &ntags);
	if (rc)
		return rc;
	if (ntags)
		qsort(tags, ntags, sizeof(*tags), cmp_tag);
	for (size_t k = 0; k < 2; k++) {
		const char *kind = order[k];
		size_t matched = 0, skip;

		if (!wants(c, kind))
			continue;
		/* Count first: newest keeps the last N in version order. */
		for (int pass = 0; pass < 2; pass++) {
			size_t seen = 0;

			skip = c->newest && matched > c->newest ? matched - c->newest : 0;
			for (size_t i = 0; i < ntags; i++) {
				const char *t = tags[i].name;
				int is_rc = c->rc_tags && !fnmatch(c->rc_tags, t, 0);
				int is_stable = !is_rc && c->stable_tags &&
						!fnmatch(c->stable_tags, t, 0);
				struct ar_release *r;

				if (!(k == 0 ? is_stable : is_rc))
					continue;
				if (pass == 0) {
					matched++;
					continue;
				}
				if (seen++ < skip)
					continue;
				r = add_rel(&v, &cnt, &cap, c);
				if (!r) {
					rc = -ENOMEM;
					goto out;
				}
				set_version(r->version, sizeof(r->version), t);
				snprintf(r->kind, sizeof(r->kind), "%s", kind);
				snprintf(r->name, sizeof(r->name), "%s", t);
				snprintf(r->ref, sizeof(r->ref), "%s", tags[i].commit);
			}
		}
		ar_src_note(log, "%zu %s tag(s)%s", matched, kind,
			    c->newest && matched > c->newest ? " (keeping the newest)" : "");
	}
	if (c->branch && wants(c, "snapshot")) {
		char commit[64] = "", ref[512], want[512];
		const char *p = head_text ? head_text : "";

		snprintf(want, sizeof(want), "refs/heads/%s", c->branch);
		while (*p) {
			size_t len = strcspn(p, "\r\n");

			if (!split_line(p, len, commit, sizeof(commit), ref, sizeof(ref)) &&
			    !strcmp(ref, want))
				break;
			commit[0] = '\0';
			p += len;
			while (*p == '\r' || *p == '\n')
				p++;
		}
		if (!commit[0]) {
			ar_src_note(log, "branch %s not found in %s", c->branch,
				    c->url ? c->url : "the repository");
			rc = -ENOENT;
			goto out;
		} else {
			struct ar_release *r = add_rel(&v, &cnt, &cap, c);
			char ver[128];

			if (!r) {
				rc = -ENOMEM;
				goto out;
			}
			snprintf(ver, sizeof(ver), "%.100s-%.12s", c->branch, commit);
			set_version(r->version, sizeof(r->version), ver);
			snprintf(r->kind, sizeof(r->kind), "snapshot");
			snprintf(r->name, sizeof(r->name), "%s", c->branch);
			snprintf(r->ref, sizeof(r->ref), "%s", commit);
		}
	}
	for (size_t i = 0; i < cnt; i++)
		ar_src_note(log, "release %s %s (%s %.12s)", v[i].kind, v[i].version, v[i].name,
			    v[i].ref);
	*out = v;
	*n = cnt;
	v = NULL;
out:
	free(v);
	free(tags);
	return rc;
}

/* ---- steps ---- */

static int git_poll(const struct ar_source_conf *c, struct ar_release **out, size_t *n, FILE *log)
{
	char *tags = NULL, *head = NULL, ref[512];
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (wants(c, "stable") || wants(c, "rc")) {
		const char *argv[] = { "env", NO_PROMPT, "git", "ls-remote", "--tags", c->url,
				       NULL };

		tags = malloc(GIT_OUT_MAX);
		if (!tags)
			return -ENOMEM;
		rc = ar_capture(argv, NULL, tags, GIT_OUT_MAX, AR_T_QUERY, log);
		if (!rc && strlen(tags) >= GIT_OUT_MAX - 1)
			rc = -E2BIG;
		if (rc)
			goto fail;
	}
	if (c->branch && wants(c, "snapshot")) {
		const char *argv[] = { "env", NO_PROMPT, "git", "ls-remote", c->url, ref, NULL };

		snprintf(ref, sizeof(ref), "refs/heads/%s", c->branch);
		head = malloc(4096);
		if (!head) {
			rc = -ENOMEM;
			goto out;
		}
		rc = ar_capture(argv, NULL, head, 4096, AR_T_QUERY, log);
		if (rc)
			goto fail;
	}
	rc = ar_git_releases(c, tags, head, out, n, log);
	goto out;
fail:
	ar_src_note(log, "git ls-remote %s failed (%d)", c->url, rc);
	rc = rc > 0 ? -EIO : rc;
out:
	free(tags);
	free(head);
	return rc;
}

static int git_fetch(const struct ar_source_conf *c, const struct ar_release *r, const char *dir,
		     FILE *log)
{
	char src[PATH_MAX];
	const char *clone[] = { "git", "clone", "--quiet", "--no-checkout", c->url, src, NULL };
	const char *co[] = { "git", "-c", "advice.detachedHead=false", "checkout", "--quiet",
			     "--detach", r->ref, NULL };
	const char *show[] = { "git", "log", "-1", "--format=commit %H%ndate %cI%nsubject %s",
			       NULL };
	const char *env[] = { NO_PROMPT, NULL };
	int rc;

	rc = ar_mkdirs(dir);
	if (!rc)
		rc = ar_src_path(src, sizeof(src), "%s/src", dir);
	if (rc)
		return rc;
	if (ar_src_is_dir(src)) {
		rc = ar_rmtree(src);
		if (rc)
			return rc;
	}
	rc = ar_exec(clone, NULL, env, AR_T_FETCH, log);
	if (!rc)
		rc = ar_exec(co, src, NULL, AR_T_QUERY, log);
	if (!rc)
		rc = ar_exec(show, src, NULL, AR_T_QUERY, log);
	if (rc)
		ar_src_note(log, "cannot get %s at %s", c->url, r->ref);
	return rc > 0 ? -EIO : rc;
}

static int git_configure(const struct ar_source_conf *c, const struct ar_release *r,
			 const char *dir, FILE *log)
{
	char src[PATH_MAX];
	int rc = ar_src_path(src, sizeof(src), "%s/src", dir);

	return rc ? rc : ar_tree_configure(c, r, src, log);
}

static int git_build(const struct ar_source_conf *c, const struct ar_release *r, const char *dir,
		     unsigned jobs, FILE *log)
{
	char src[PATH_MAX];
	int rc = ar_src_path(src, sizeof(src), "%s/src", dir);

	return rc ? rc : ar_tree_build(c, r, src, jobs, log);
}

static int git_install(const struct ar_source_conf *c, const struct ar_release *r,
		       const char *dir, struct ar_artifacts *a, FILE *log)
{
	char src[PATH_MAX];
	int rc = ar_src_path(src, sizeof(src), "%s/src", dir);

	return rc ? rc : ar_tree_install(c, r, src, a, log);
}

const struct ar_source_ops ar_source_git = {
	.kind = "git",
	.poll = git_poll,
	.fetch = git_fetch,
	.configure = git_configure,
	.build = git_build,
	.install = git_install,
};
