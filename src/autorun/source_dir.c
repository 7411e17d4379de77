/*
 * The dir source: a directory where releases appear as files. A Debian
 * kernel package (*.deb, a linux-image package; version and name from its
 * control fields) is handled like the debian-kernel source's packages, a
 * kernel image (vmlinuz-VERSION, bzImage-VERSION) is installed as it is,
 * and a source tarball (*.tar.gz, *.tar.xz, *.tar.zst, *.tgz) is unpacked
 * and built like a git checkout. Hidden files and names ending in .part or
 * .tmp are being written and are ignored: a writer should create the file
 * under such a name and rename it when complete.
 */
#include "source_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

enum dfile { DF_NONE, DF_DEB, DF_IMAGE, DF_TARBALL };

static int ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), k = strlen(suffix);

	return l > k && !strcmp(s + l - k, suffix);
}

static const char *const tar_ext[] = { ".tar.gz", ".tar.xz", ".tar.zst", ".tgz" };

/* What a file name in the directory is; for a tarball, *extlen is the
 * length of its extension. */
static enum dfile classify(const char *name, size_t *extlen)
{
	if (name[0] == '.' || ends_with(name, ".part") || ends_with(name, ".tmp"))
		return DF_NONE;
	if (ends_with(name, ".deb"))
		return DF_DEB;
	if ((!strncmp(name, "vmlinuz-", 8) || !strncmp(name, "bzImage-", 8)) && name[8])
		return DF_IMAGE;
	for (size_t i = 0; i < sizeof(tar_ext) / sizeof(tar_ext[0]); i++) {
		if (ends_with(name, tar_ext[i])) {
			if (extlen)
				*extlen = strlen(tar_ext[i]);
			return DF_TARBALL;
		}
	}
	return DF_NONE;
}

/* Package and Version of a .deb from its control fields. */
static int deb_fields(const char *path, char *pkg, size_t plen, char *ver, size_t vlen,
		      FILE *log)
{
	const char *argv[] = { "dpkg-deb", "-f", path, "Package", "Version", NULL };
	char out[1024];
	int rc;

	pkg[0] = ver[0] = '\0';
	rc = ar_capture(argv, NULL, out, sizeof(out), AR_T_QUERY, log);
	if (rc)
		return rc > 0 ? -EIO : rc;
	for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "Package: ", 9))
			snprintf(pkg, plen, "%s", line + 9);
		else if (!strncmp(line, "Version: ", 9))
			snprintf(ver, vlen, "%s", line + 9);
	}
	return pkg[0] && ver[0] ? 0 : -EINVAL;
}

static int cmp_release_date(const void *a, const void *b)
{
	const struct ar_release *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int dir_poll(const struct ar_source_conf *c, struct ar_release **out, size_t *n, FILE *log)
{
	struct ar_release *v = NULL;
	size_t cnt = 0, cap = 0;
	char base[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc;

	*out = NULL;
	*n = 0;
	rc = ar_src_abspath(c->path, base, sizeof(base));
	if (rc)
		return rc;
	d = opendir(base);
	if (!d) {
		rc = -errno;
		ar_src_note(log, "cannot read directory %s: %s", base, strerror(-rc));
		return rc;
	}
	while ((de = readdir(d))) {
		size_t extlen = 0;
		enum dfile k = classify(de->d_name, &extlen);
		char path[PATH_MAX], ver[128] = "", pkg[256] = "";
		struct ar_release *r;
		struct stat st;
		int dup = 0;

		if (k == DF_NONE)
			continue;
		if (ar_src_path(path, sizeof(path), "%s/%s", base, de->d_name) ||
		    strlen(path) >= sizeof(v->ref) || strlen(de->d_name) >= sizeof(v->name)) {
			ar_src_note(log, "%s: name too long, ignored", de->d_name);
			continue;
		}
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (k == DF_DEB) {
			if (deb_fields(path, pkg, sizeof(pkg), ver, sizeof(ver), log)) {
				ar_src_note(log, "%s: not a readable package, ignored", de->d_name);
				continue;
			}
			if (strncmp(pkg, "linux-image-", 12) || ends_with(pkg, "-dbg")) {
				ar_src_note(log, "%s: package %s is not a kernel image, ignored",
					    de->d_name, pkg);
				continue;
			}
		} else if (k == DF_IMAGE) {
			snprintf(ver, sizeof(ver), "%s", de->d_name + 8);
		} else {
			snprintf(ver, sizeof(ver), "%.*s", (int)(strlen(de->d_name) - extlen),
				 de->d_name);
		}
		for (size_t i = 0; i < cnt; i++)
			dup |= !strcmp(v[i].version, ver);
		if (dup) {
			ar_src_note(log, "%s: version %s is already given by another file, ignored",
				    de->d_name, ver);
			continue;
		}
		if (cnt == cap) {
			struct ar_release *nv = realloc(v, (cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
			cap = cap ? cap * 2 : 16;
		}
		r = &v[cnt++];
		memset(r, 0, sizeof(*r));
		snprintf(r->source, sizeof(r->source), "%s", c->name);
		snprintf(r->version, sizeof(r->version), "%s", ver);
		snprintf(r->kind, sizeof(r->kind), "file");
		snprintf(r->name, sizeof(r->name), "%s", de->d_name);
		snprintf(r->ref, sizeof(r->ref), "%s", path);
		r->date = (long long)st.st_mtime;
	}
	closedir(d);
	if (rc) {
		free(v);
		return rc;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_release_date);
	for (size_t i = 0; i < cnt; i++)
		ar_src_note(log, "release %s (%s)", v[i].version, v[i].name);
	*out = v;
	*n = cnt;
	return 0;
}

/* Unpacks a tarball into dir/src; a single top directory is taken off. */
static int unpack(const char *tarball, const char *dir, FILE *log)
{
	char tmp[PATH_MAX], src[PATH_MAX], top[PATH_MAX];
	const char *argv[] = { "tar", "-xf", tarball, "-C", tmp, NULL };
	struct dirent *de;
	int entries = 0, rc;
	DIR *d;

	rc = ar_src_path(tmp, sizeof(tmp), "%s/unpack", dir);
	if (!rc)
		rc = ar_src_path(src, sizeof(src), "%s/src", dir);
	if (rc)
		return rc;
	if (ar_src_is_dir(tmp))
		ar_rmtree(tmp);
	if (ar_src_is_dir(src))
		ar_rmtree(src);
	rc = ar_mkdirs(tmp);
	if (rc)
		return rc;
	rc = ar_exec(argv, NULL, NULL, AR_T_FETCH, log);
	if (rc)
		return rc > 0 ? -EIO : rc;
	d = opendir(tmp);
	if (!d)
		return -errno;
	top[0] = '\0';
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		entries++;
		if (ar_src_path(top, sizeof(top), "%s/%s", tmp, de->d_name))
			top[0] = '\0';
	}
	closedir(d);
	if (entries == 1 && top[0] && ar_src_is_dir(top)) {
		rc = ar_src_move(top, src, log);
		if (!rc)
			rc = ar_rmtree(tmp);
	} else {
		rc = ar_src_move(tmp, src, log);
	}
	if (!rc)
		ar_src_note(log, "unpacked into %s", src);
	return rc;
}

static int dir_fetch(const struct ar_source_conf *c, const struct ar_release *r, const char *dir,
		     FILE *log)
{
	enum dfile k = classify(r->name, NULL);
	char to[PATH_MAX];
	int rc;

	rc = ar_mkdirs(dir);
	if (rc)
		return rc;
	if (!ar_src_is_file(r->ref)) {
		ar_src_note(log, "%s is gone", r->ref);
		return -ENOENT;
	}
	if (k == DF_TARBALL)
		return unpack(r->ref, dir, log);
	if (k == DF_NONE)
		return -EINVAL;
	rc = ar_src_path(to, sizeof(to), "%s/%s", dir, r->name);
	if (!rc)
		rc = ar_src_copy_file(r->ref, to);
	if (rc)
		ar_src_note(log, "cannot copy %s to %s: %s", r->ref, to, strerror(-rc));
	else
		ar_src_note(log, "copied %s", r->ref);
	return rc;
}

static int dir_configure(const struct ar_source_conf *c, const struct ar_release *r,
			 const char *dir, FILE *log)
{
	char src[PATH_MAX];
	int rc;

	if (classify(r->name, NULL) != DF_TARBALL) {
		ar_src_note(log, "a prebuilt kernel: nothing to configure");
		return AR_SKIPPED;
	}
	rc = ar_src_path(src, sizeof(src), "%s/src", dir);
	return rc ? rc : ar_tree_configure(c, r, src, log);
}

static int dir_build(const struct ar_source_conf *c, const struct ar_release *r, const char *dir,
		     unsigned jobs, FILE *log)
{
	char p[PATH_MAX], root[PATH_MAX];
	enum dfile k = classify(r->name, NULL);
	int rc;

	if (k == DF_TARBALL) {
		rc = ar_src_path(p, sizeof(p), "%s/src", dir);
		return rc ? rc : ar_tree_build(c, r, p, jobs, log);
	}
	if (k == DF_DEB) {
		rc = ar_src_path(p, sizeof(p), "%s/%s", dir, r->name);
		if (!rc)
			rc = ar_src_path(root, sizeof(root), "%s/root", dir);
		if (!rc && ar_src_is_dir(root))
			rc = ar_rmtree(root);
		return rc ? rc : ar_deb_extract(p, root, log);
	}
	ar_src_note(log, "a kernel image: nothing to build");
	return AR_SKIPPED;
}

/* A bare kernel image: its release comes from the image's header, else
 * from the file name. */
static int install_image(const struct ar_release *r, const char *dir, struct ar_artifacts *a,
			 FILE *log)
{
	char from[PATH_MAX], to[PATH_MAX], rel[128], adir[PATH_MAX];
	int rc;

	rc = ar_src_abspath(a->dir, adir, sizeof(adir));
	if (!rc)
		rc = ar_mkdirs(adir);
	if (!rc)
		rc = ar_src_path(from, sizeof(from), "%s/%s", dir, r->name);
	if (!rc)
		rc = ar_src_path(to, sizeof(to), "%s/vmlinuz", adir);
	if (!rc)
		rc = ar_src_copy_file(from, to);
	if (rc) {
		ar_src_note(log, "cannot copy %s into %s: %s", from, adir, strerror(-rc));
		return rc;
	}
	if (ar_bzimage_release(to, rel, sizeof(rel)) == 0) {
		ar_src_note(log, "kernel release %s (from the image header)", rel);
	} else {
		snprintf(rel, sizeof(rel), "%s", r->name + 8);
		ar_src_note(log, "kernel release %s (from the file name)", rel);
	}
	rc = ar_src_path(to, sizeof(to), "%s/release", adir);
	if (!rc)
		rc = ar_src_write_line(to, rel);
	if (!rc)
		rc = ar_artifacts_load(adir, a);
	if (!rc)
		ar_src_note_artifacts(log, a);
	return rc;
}

static int dir_install(const struct ar_source_conf *c, const struct ar_release *r,
		       const char *dir, struct ar_artifacts *a, FILE *log)
{
	char p[PATH_MAX];
	enum dfile k = classify(r->name, NULL);
	int rc;

	if (k == DF_TARBALL) {
		rc = ar_src_path(p, sizeof(p), "%s/src", dir);
		return rc ? rc : ar_tree_install(c, r, p, a, log);
	}
	if (k == DF_DEB) {
		rc = ar_src_path(p, sizeof(p), "%s/root", dir);
		if (rc)
			return rc;
		if (!ar_src_is_dir(p)) {
			ar_src_note(log, "%s: the package was not extracted (build step)", p);
			return -ENOENT;
		}
		return ar_deb_install_root(p, a, log);
	}
	if (k == DF_IMAGE)
		return install_image(r, dir, a, log);
	return -EINVAL;
}

const struct ar_source_ops ar_source_dir = {
	.kind = "dir",
	.poll = dir_poll,
	.fetch = dir_fetch,
	.configure = dir_configure,
	.build = dir_build,
	.install = dir_install,
};
