/*
 * The debian-kernel source: kernel packages from Debian's archive through
 * apt. poll lists the package names matching each configured glob
 * (`apt-cache pkgnames PREFIX` filtered with fnmatch), reads their candidate
 * versions (`apt-cache policy`) and keeps the newest per glob in Debian
 * version order; fetch is `apt-get download PKG=VERSION`, build extracts the
 * package (`dpkg-deb -x`), install moves the kernel, its modules and its
 * config into the artifact directory. The package helpers are shared with
 * the dir source's *.deb files.
 */
#include "source_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* Room for the output of apt-cache; more is refused, never cut silently. */
#define APT_OUT_MAX (8u << 20)
/* Package names per `apt-cache policy` call. */
#define POLICY_BATCH 64

/* ---- Debian version ordering ---- */

/* Weight of a character in the non-digit parts: '~' sorts before the end
 * of the string, letters before other characters. */
static int ver_order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

/* Compares two upstream versions or revisions: alternating runs of
 * non-digits (compared by ver_order) and digits (compared as numbers). */
static int ver_part_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		int first_diff = 0;

		while ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b))) {
			int ac = ver_order((unsigned char)*a), bc = ver_order((unsigned char)*b);

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (isdigit((unsigned char)*a))
			return 1;
		if (isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

struct debver {
	unsigned long epoch;
	char upstream[128], revision[128];
};

static void ver_split(const char *s, struct debver *v)
{
	const char *colon = strchr(s, ':'), *dash;
	char *end;

	v->epoch = 0;
	if (colon) {
		v->epoch = strtoul(s, &end, 10);
		if (end != colon)
			v->epoch = 0;
		s = colon + 1;
	}
	dash = strrchr(s, '-');
	if (dash) {
		snprintf(v->upstream, sizeof(v->upstream), "%.*s", (int)(dash - s), s);
		snprintf(v->revision, sizeof(v->revision), "%s", dash + 1);
	} else {
		snprintf(v->upstream, sizeof(v->upstream), "%s", s);
		v->revision[0] = '\0';
	}
}

int ar_deb_vercmp(const char *a, const char *b)
{
	struct debver va, vb;
	int r;

	ver_split(a, &va);
	ver_split(b, &vb);
	if (va.epoch != vb.epoch)
		return va.epoch < vb.epoch ? -1 : 1;
	r = ver_part_cmp(va.upstream, vb.upstream);
	if (r)
		return r;
	return ver_part_cmp(va.revision, vb.revision);
}

/* ---- apt output ---- */

void ar_apt_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ar_apt_parse_names(const char *text, const char *glob, char ***names, size_t *n)
{
	char **v = NULL;
	size_t cnt = 0, cap = 0;

	*names = NULL;
	*n = 0;
	for (const char *p = text; p && *p;) {
		size_t len = strcspn(p, "\r\n");
		char name[256];

		if (len && len < sizeof(name)) {
			memcpy(name, p, len);
			name[len] = '\0';
			if (!fnmatch(glob, name, 0)) {
				if (cnt == cap) {
					char **nv = realloc(v, (cap ? cap * 2 : 16) * sizeof(*v));

					if (!nv)
						goto nomem;
					v = nv;
					cap = cap ? cap * 2 : 16;
				}
				v[cnt] = strdup(name);
				if (!v[cnt])
					goto nomem;
				cnt++;
			}
		}
		p += len;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_str);
	/* pkgnames may list a name twice (several architectures). */
	for (size_t i = 1; i < cnt;) {
		if (!strcmp(v[i], v[i - 1])) {
			free(v[i]);
			memmove(&v[i], &v[i + 1], (cnt - i - 1) * sizeof(*v));
			cnt--;
		} else {
			i++;
		}
	}
	*names = v;
	*n = cnt;
	return 0;
nomem:
	ar_apt_free_names(v, cnt);
	return -ENOMEM;
}

int ar_apt_parse_policy(const char *text, struct ar_deb_pkg **out, size_t *n)
{
	struct ar_deb_pkg *v = NULL, cur;
	size_t cnt = 0, cap = 0;
	int have = 0;

	*out = NULL;
	*n = 0;
	for (const char *p = text; p && *p;) {
		size_t len = strcspn(p, "\n");
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : 0), p);
		line[strcspn(line, "\r")] = '\0';
		p += len;
		if (*p == '\n')
			p++;
		if (line[0] && !isspace((unsigned char)line[0])) {
			size_t l = strlen(line);

			/* "NAME:" starts a package's block. */
			have = 0;
			if (l > 1 && line[l - 1] == ':' && l - 1 < sizeof(cur.name)) {
				memset(&cur, 0, sizeof(cur));
				memcpy(cur.name, line, l - 1);
				have = 1;
			}
			continue;
		}
		if (have) {
			const char *s = line;

			while (isspace((unsigned char)*s))
				s++;
			if (strncmp(s, "Candidate:", 10))
				continue;
			s += 10;
			while (isspace((unsigned char)*s))
				s++;
			have = 0;
			if (!*s || !strcmp(s, "(none)") || strlen(s) >= sizeof(cur.version))
				continue;
			snprintf(cur.version, sizeof(cur.version), "%s", s);
			if (cnt == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct ar_deb_pkg *nv = realloc(v, ncap * sizeof(*v));

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
				cap = ncap;
			}
			v[cnt++] = cur;
		}
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int cmp_pkg_newest_first(const void *a, const void *b)
{
	const struct ar_deb_pkg *x = a, *y = b;
	int r = ar_deb_vercmp(y->version, x->version);

	return r ? r : strcmp(x->name, y->name);
}

size_t ar_deb_newest(struct ar_deb_pkg *pkgs, size_t n, unsigned newest)
{
	if (n)
		qsort(pkgs, n, sizeof(*pkgs), cmp_pkg_newest_first);
	return newest && newest < n ? newest : n;
}

/* ---- poll ---- */

/* The literal start of a glob: what `apt-cache pkgnames` is asked for. */
static void glob_prefix(const char *glob, char *out, size_t len)
{
	size_t n = strcspn(glob, "*?[\\");

	snprintf(out, len, "%.*s", (int)n, glob);
}

/* Candidate versions of names[0..n-1] appended to *pkgs. */
static int query_policy(char **names, size_t n, struct ar_deb_pkg **pkgs, size_t *npkgs,
			char *buf, FILE *log)
{
	for (size_t i = 0; i < n; i += POLICY_BATCH) {
		size_t k = n - i < POLICY_BATCH ? n - i : POLICY_BATCH, got;
		const char *argv[POLICY_BATCH + 4];
		struct ar_deb_pkg *v, *nv;
		int rc;

		argv[0] = "apt-cache";
		argv[1] = "policy";
		for (size_t j = 0; j < k; j++)
			argv[2 + j] = names[i + j];
		argv[2 + k] = NULL;
		rc = ar_capture(argv, NULL, buf, APT_OUT_MAX, AR_T_QUERY, log);
		if (rc) {
			ar_src_note(log, "apt-cache policy failed (%d)", rc);
			return rc > 0 ? -EIO : rc;
		}
		if (strlen(buf) >= APT_OUT_MAX - 1) {
			ar_src_note(log, "apt-cache policy printed more than %u bytes",
				    APT_OUT_MAX);
			return -E2BIG;
		}
		rc = ar_apt_parse_policy(buf, &v, &got);
		if (rc)
			return rc;
		nv = realloc(*pkgs, (*npkgs + got + 1) * sizeof(*nv));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		*pkgs = nv;
		if (got)
			memcpy(nv + *npkgs, v, got * sizeof(*v));
		*npkgs += got;
		free(v);
	}
	return 0;
}

static int deb_poll(const struct ar_source_conf *c, struct ar_release **out, size_t *n, FILE *log)
{
	struct ar_release *rel = NULL;
	size_t nrel = 0;
	char *buf;
	int rc = 0;

	*out = NULL;
	*n = 0;
	buf = malloc(APT_OUT_MAX);
	if (!buf)
		return -ENOMEM;
	if (c->apt_update) {
		const char *argv[] = { "apt-get", "update", "-qq", NULL };

		/* Old lists still name releases: go on with them. */
		if (ar_exec(argv, NULL, NULL, AR_T_QUERY, log))
			ar_src_note(log, "apt-get update failed: the package lists may be old");
	}
	for (size_t g = 0; g < c->packages.n; g++) {
		const char *glob = c->packages.v[g];
		char prefix[256], **names = NULL;
		const char *argv[] = { "apt-cache", "pkgnames", prefix, NULL };
		struct ar_deb_pkg *pkgs = NULL;
		size_t nnames = 0, npkgs = 0, keep;
		struct ar_release *nr;

		glob_prefix(glob, prefix, sizeof(prefix));
		rc = ar_capture(argv, NULL, buf, APT_OUT_MAX, AR_T_QUERY, log);
		if (rc) {
			ar_src_note(log, "apt-cache pkgnames %s failed (%d)", prefix, rc);
			rc = rc > 0 ? -EIO : rc;
			goto out;
		}
		if (strlen(buf) >= APT_OUT_MAX - 1) {
			ar_src_note(log, "apt-cache pkgnames %s: too much output", prefix);
			rc = -E2BIG;
			goto out;
		}
		rc = ar_apt_parse_names(buf, glob, &names, &nnames);
		if (!rc)
			rc = query_policy(names, nnames, &pkgs, &npkgs, buf, log);
		ar_apt_free_names(names, nnames);
		if (rc) {
			free(pkgs);
			goto out;
		}
		keep = ar_deb_newest(pkgs, npkgs, c->newest);
		ar_src_note(log, "%s: %zu package(s) with a candidate, keeping %zu", glob, npkgs,
			    keep);
		nr = realloc(rel, (nrel + keep + 1) * sizeof(*rel));
		if (!nr) {
			free(pkgs);
			rc = -ENOMEM;
			goto out;
		}
		rel = nr;
		/* Oldest first: the order in which they came out. */
		for (size_t i = keep; i-- > 0;) {
			struct ar_release *r = &rel[nrel];
			int dup = 0;

			/* Versions name releases: the same package from two globs,
			 * or two packages of one version, count once. */
			for (size_t j = 0; j < nrel && !dup; j++)
				dup = !strcmp(rel[j].version, pkgs[i].version);
			if (dup) {
				ar_src_note(log, "%s %s: version already listed, ignored",
					    pkgs[i].name, pkgs[i].version);
				continue;
			}
			nrel++;
			memset(r, 0, sizeof(*r));
			snprintf(r->source, sizeof(r->source), "%s", c->name);
			snprintf(r->version, sizeof(r->version), "%s", pkgs[i].version);
			snprintf(r->kind, sizeof(r->kind), "package");
			snprintf(r->name, sizeof(r->name), "%s", pkgs[i].name);
			snprintf(r->ref, sizeof(r->ref), "%s=%s", pkgs[i].name, pkgs[i].version);
			ar_src_note(log, "release %s %s", r->name, r->version);
		}
		free(pkgs);
	}
	*out = rel;
	*n = nrel;
	rel = NULL;
out:
	free(rel);
	free(buf);
	return rc;
}

/* ---- package helpers ---- */

int ar_deb_find(const char *dir, char *path, size_t len, FILE *log)
{
	struct dirent *de;
	int found = 0, rc = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 5 || strcmp(de->d_name + l - 4, ".deb") || de->d_name[0] == '.')
			continue;
		if (found++) {
			ar_src_note(log, "more than one package in %s", dir);
			rc = -EEXIST;
			break;
		}
		rc = ar_src_path(path, len, "%s/%s", dir, de->d_name);
		if (rc)
			break;
	}
	closedir(d);
	if (!rc && !found) {
		ar_src_note(log, "no .deb file in %s", dir);
		rc = -ENOENT;
	}
	return rc;
}

int ar_deb_extract(const char *deb, const char *root, FILE *log)
{
	const char *argv[] = { "dpkg-deb", "-x", deb, root, NULL };
	int rc;

	rc = ar_mkdirs(root);
	if (rc)
		return rc;
	rc = ar_exec(argv, NULL, NULL, AR_T_BUILD, log);
	return rc > 0 ? -EIO : rc;
}

/* The release R of boot/vmlinuz-R under root. */
static int find_vmlinuz(const char *root, char *rel, size_t len, FILE *log)
{
	char boot[PATH_MAX];
	struct dirent *de;
	int found = 0, rc;
	DIR *d;

	rc = ar_src_path(boot, sizeof(boot), "%s/boot", root);
	if (rc)
		return rc;
	d = opendir(boot);
	if (!d) {
		ar_src_note(log, "the package has no /boot");
		return -ENOENT;
	}
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "vmlinuz-", 8) || !de->d_name[8])
			continue;
		if (found++) {
			ar_src_note(log, "the package has more than one kernel image");
			rc = -EEXIST;
			break;
		}
		if (strlen(de->d_name + 8) >= len)
			rc = -ENAMETOOLONG;
		else
			snprintf(rel, len, "%s", de->d_name + 8);
	}
	closedir(d);
	if (!rc && !found) {
		ar_src_note(log, "the package has no /boot/vmlinuz-*");
		rc = -ENOENT;
	}
	return rc;
}

int ar_deb_install_root(const char *root, struct ar_artifacts *a, FILE *log)
{
	char rel[128], from[PATH_MAX], to[PATH_MAX], dep[PATH_MAX], dir[PATH_MAX];
	int rc;

	rc = ar_src_abspath(a->dir, dir, sizeof(dir));
	if (!rc)
		rc = ar_mkdirs(dir);
	if (!rc)
		rc = find_vmlinuz(root, rel, sizeof(rel), log);
	if (rc)
		return rc;
	ar_src_note(log, "kernel release %s", rel);

	rc = ar_src_path(from, sizeof(from), "%s/boot/vmlinuz-%s", root, rel);
	if (!rc)
		rc = ar_src_path(to, sizeof(to), "%s/vmlinuz", dir);
	if (!rc)
		rc = ar_src_move(from, to, log);
	if (rc) {
		ar_src_note(log, "cannot move %s to %s: %s", from, to, strerror(-rc));
		return rc;
	}
	rc = ar_src_path(from, sizeof(from), "%s/boot/config-%s", root, rel);
	if (!rc && ar_src_is_file(from)) {
		rc = ar_src_path(to, sizeof(to), "%s/config", dir);
		if (!rc)
			rc = ar_src_move(from, to, log);
		if (rc) {
			ar_src_note(log, "cannot move %s: %s", from, strerror(-rc));
			return rc;
		}
	}
	/* Modules: /lib/modules/R (Debian 12) or /usr/lib/modules/R (later). */
	rc = ar_src_path(from, sizeof(from), "%s/lib/modules/%s", root, rel);
	if (!rc && !ar_src_is_dir(from))
		rc = ar_src_path(from, sizeof(from), "%s/usr/lib/modules/%s", root, rel);
	if (!rc && ar_src_is_dir(from)) {
		rc = ar_src_path(to, sizeof(to), "%s/lib/modules", dir);
		if (!rc)
			rc = ar_mkdirs(to);
		if (!rc)
			rc = ar_src_path(to, sizeof(to), "%s/lib/modules/%s", dir, rel);
		if (!rc && ar_src_is_dir(to))
			rc = ar_rmtree(to);
		if (!rc)
			rc = ar_src_move(from, to, log);
		if (rc) {
			ar_src_note(log, "cannot move %s: %s", from, strerror(-rc));
			return rc;
		}
		/* Debian's packages ship no modules.dep: the image code resolves
		 * module dependencies with it. */
		rc = ar_src_path(dep, sizeof(dep), "%s/modules.dep", to);
		if (!rc && !ar_src_is_file(dep)) {
			const char *argv[] = { "depmod", "-b", dir, rel, NULL };

			rc = ar_exec(argv, NULL, NULL, AR_T_INSTALL, log);
			if (rc > 0)
				rc = -EIO;
			if (!rc && !ar_src_is_file(dep)) {
				ar_src_note(log, "depmod wrote no %s", dep);
				rc = -ENOENT;
			}
			if (rc)
				return rc;
		}
	} else if (!rc) {
		ar_src_note(log, "the package has no modules for %s", rel);
	}
	if (rc)
		return rc;
	rc = ar_src_path(to, sizeof(to), "%s/release", dir);
	if (!rc)
		rc = ar_src_write_line(to, rel);
	if (!rc)
		rc = ar_artifacts_load(dir, a);
	if (rc)
		ar_src_note(log, "cannot write the artifacts in %s: %s", dir, strerror(-rc));
	else
		ar_src_note_artifacts(log, a);
	return rc;
}

/* ---- steps ---- */

static int deb_fetch(const struct ar_source_conf *c, const struct ar_release *r, const char *dir,
		     FILE *log)
{
	const char *argv[] = { "apt-get", "download", "-q", r->ref, NULL };
	char deb[PATH_MAX];
	int rc;

	rc = ar_mkdirs(dir);
	if (rc)
		return rc;
	rc = ar_exec(argv, dir, NULL, AR_T_FETCH, log);
	if (rc)
		return rc > 0 ? -EIO : rc;
	rc = ar_deb_find(dir, deb, sizeof(deb), log);
	if (!rc)
		ar_src_note(log, "fetched %s", deb);
	return rc;
}

static int deb_configure(const struct ar_source_conf *c, const struct ar_release *r,
			 const char *dir, FILE *log)
{
	ar_src_note(log, "a prebuilt package: nothing to configure");
	return AR_SKIPPED;
}

static int deb_build(const struct ar_source_conf *c, const struct ar_release *r, const char *dir,
		     unsigned jobs, FILE *log)
{
	char deb[PATH_MAX], root[PATH_MAX];
	int rc;

	rc = ar_deb_find(dir, deb, sizeof(deb), log);
	if (!rc)
		rc = ar_src_path(root, sizeof(root), "%s/root", dir);
	if (!rc && ar_src_is_dir(root))
		rc = ar_rmtree(root);
	if (!rc)
		rc = ar_deb_extract(deb, root, log);
	return rc;
}

static int deb_install(const struct ar_source_conf *c, const struct ar_release *r,
		       const char *dir, struct ar_artifacts *a, FILE *log)
{
	char root[PATH_MAX];
	int rc;

	rc = ar_src_path(root, sizeof(root), "%s/root", dir);
	if (rc)
		return rc;
	if (!ar_src_is_dir(root)) {
		ar_src_note(log, "%s: the package was not extracted (build step)", root);
		return -ENOENT;
	}
	return ar_deb_install_root(root, a, log);
}

const struct ar_source_ops ar_source_debian = {
	.kind = "debian-kernel",
	.poll = deb_poll,
	.fetch = deb_fetch,
	.configure = deb_configure,
	.build = deb_build,
	.install = deb_install,
};
