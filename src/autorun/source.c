/*
 * What the release sources share: the table from kind names to sources,
 * the artifact directory, helpers on paths and files, and the steps that
 * turn a kernel source tree into artifacts (used by git checkouts and by
 * tarballs of a dir source).
 *
 * An artifact directory holds:
 *
 *   vmlinuz               the kernel image (absent for a user-space stack)
 *   config                the kernel .config (optional)
 *   release               one line: what the booted target must report
 *                         (uname -r), or a user-space stack's version (required)
 *   sysctl                KEY=VALUE lines applied to a netns NUT (optional)
 *   lib/modules/RELEASE/  the modules with modules.dep (optional; also
 *                         found under usr/lib/modules/RELEASE/)
 *
 * A source tree is configured by the source's configure command or by the
 * kernel default (a base config, a fragment merged over it, olddefconfig),
 * built by its build command or `make -jN bzImage modules`, and installed by
 * its install command (run with V6LAB_ARTIFACTS set to the artifact
 * directory) or by the kernel default (x86 bzImage, modules_install,
 * .config, `make -s kernelrelease`).
 */
#include "source_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

const struct ar_source_ops *ar_source_kind(const char *kind)
{
	static const struct ar_source_ops *const all[] = { &ar_source_debian, &ar_source_git,
							    &ar_source_dir };

	for (size_t i = 0; kind && i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->kind, kind))
			return all[i];
	return NULL;
}

/* ---- helpers ---- */

int ar_src_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int ar_src_abspath(const char *path, char *out, size_t len)
{
	char cwd[PATH_MAX];

	if (!path || !*path)
		return -EINVAL;
	if (path[0] == '/')
		return ar_src_path(out, len, "%s", path);
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (!strcmp(path, "."))
		return ar_src_path(out, len, "%s", cwd);
	return ar_src_path(out, len, "%s/%s", strcmp(cwd, "/") ? cwd : "", path);
}

void ar_src_note(FILE *log, const char *fmt, ...)
{
	va_list ap;

	if (!log)
		return;
	fputs("# ", log);
	va_start(ap, fmt);
	vfprintf(log, fmt, ap);
	va_end(ap);
	fputc('\n', log);
	fflush(log);
}

int ar_src_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int ar_src_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int ar_src_copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in, out = -1, rc = 0;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf)), w = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		while (w < r) {
			ssize_t k = write(out, buf + w, (size_t)(r - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				rc = -errno;
				goto out;
			}
			w += k;
		}
	}
	if (close(out) < 0 && !rc)
		rc = -errno;
	out = -1;
out:
	if (out >= 0)
		close(out);
	close(in);
	return rc;
}

int ar_src_move(const char *from, const char *to, FILE *log)
{
	const char *argv[] = { "mv", "-f", "--", from, to, NULL };
	int rc;

	if (rename(from, to) == 0)
		return 0;
	if (errno != EXDEV)
		return -errno;
	rc = ar_exec(argv, NULL, NULL, AR_T_INSTALL, log);
	return rc > 0 ? -EIO : rc;
}

int ar_src_write_line(const char *path, const char *line)
{
	FILE *f = fopen(path, "we");
	int rc = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%s\n", line) < 0)
		rc = -EIO;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	return rc;
}

int ar_bzimage_release(const char *path, char *out, size_t len)
{
	uint8_t hdr[0x210], s[256];
	unsigned off;
	ssize_t n;
	size_t i;
	int fd, rc = -ENOENT;

	out[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Setup header: "HdrS" at 0x202, kernel_version (an offset from 0x200)
	 * at 0x20e, present since boot protocol 2.00. */
	n = pread(fd, hdr, sizeof(hdr), 0);
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr + 0x202, "HdrS", 4))
		goto out;
	off = (unsigned)hdr[0x20e] | (unsigned)hdr[0x20f] << 8;
	if (!off)
		goto out;
	n = pread(fd, s, sizeof(s), (off_t)off + 0x200);
	if (n <= 0)
		goto out;
	for (i = 0; i < (size_t)n && s[i] > ' ' && s[i] < 0x7f; i++)
		;
	if (i == 0 || i == (size_t)n || i >= len)
		goto out;
	memcpy(out, s, i);
	out[i] = '\0';
	rc = 0;
out:
	close(fd);
	return rc;
}

/* ---- the artifact directory ---- */

void ar_src_note_artifacts(FILE *log, const struct ar_artifacts *a)
{
	ar_src_note(log, "artifacts in %s: release %s%s%s%s%s", a->dir, a->release,
		    a->kernel[0] ? ", vmlinuz" : "", a->config[0] ? ", config" : "",
		    a->modules[0] ? ", modules" : "", a->sysctl[0] ? ", sysctl" : "");
}

int ar_artifacts_load(const char *dir, struct ar_artifacts *a)
{
	char d[PATH_MAX], p[PATH_MAX], *text = NULL;
	size_t n;
	int rc;

	if (!realpath(dir, d))
		return -errno;
	memset(a, 0, sizeof(*a));
	snprintf(a->dir, sizeof(a->dir), "%s", d);

	rc = ar_src_path(p, sizeof(p), "%s/release", d);
	if (!rc)
		rc = ar_read_file(p, &text, NULL);
	if (rc)
		return rc;
	n = strcspn(text, "\r\n");
	text[n] = '\0';
	if (!n || n >= sizeof(a->release)) {
		free(text);
		return -EINVAL;
	}
	snprintf(a->release, sizeof(a->release), "%s", text);
	free(text);

	if (!ar_src_path(p, sizeof(p), "%s/vmlinuz", d) && ar_src_is_file(p))
		snprintf(a->kernel, sizeof(a->kernel), "%s", p);
	if (!ar_src_path(p, sizeof(p), "%s/config", d) && ar_src_is_file(p))
		snprintf(a->config, sizeof(a->config), "%s", p);
	if (!ar_src_path(p, sizeof(p), "%s/sysctl", d) && ar_src_is_file(p))
		snprintf(a->sysctl, sizeof(a->sysctl), "%s", p);
	if (!ar_src_path(p, sizeof(p), "%s/lib/modules/%s", d, a->release) && ar_src_is_dir(p))
		snprintf(a->modules, sizeof(a->modules), "%s", p);
	else if (!ar_src_path(p, sizeof(p), "%s/usr/lib/modules/%s", d, a->release) &&
		 ar_src_is_dir(p))
		snprintf(a->modules, sizeof(a->modules), "%s", p);
	return 0;
}

/* ---- kernel source trees ---- */

/* The environment of the configure/build/install commands. */
struct tree_env {
	char src[PATH_MAX + 16], jobs[32], version[160], frag[PATH_MAX + 32],
		base[PATH_MAX + 32], art[PATH_MAX + 32];
	const char *v[8];
};

static int tree_env(struct tree_env *e, const struct ar_source_conf *c,
		    const struct ar_release *r, const char *src, unsigned jobs,
		    const struct ar_artifacts *a)
{
	char abs[PATH_MAX];
	size_t k = 0;
	int rc;

	memset(e, 0, sizeof(*e));
	rc = ar_src_abspath(src, abs, sizeof(abs));
	if (rc)
		return rc;
	snprintf(e->src, sizeof(e->src), "V6LAB_SRC=%s", abs);
	e->v[k++] = e->src;
	snprintf(e->jobs, sizeof(e->jobs), "V6LAB_JOBS=%u", jobs ? jobs : 1);
	e->v[k++] = e->jobs;
	snprintf(e->version, sizeof(e->version), "V6LAB_VERSION=%s", r->version);
	e->v[k++] = e->version;
	if (c->config_fragment) {
		rc = ar_src_abspath(c->config_fragment, abs, sizeof(abs));
		if (rc)
			return rc;
		snprintf(e->frag, sizeof(e->frag), "V6LAB_CONFIG_FRAGMENT=%s", abs);
		e->v[k++] = e->frag;
	}
	if (c->base_config) {
		if (ar_src_is_file(c->base_config)) {
			rc = ar_src_abspath(c->base_config, abs, sizeof(abs));
			if (rc)
				return rc;
		} else {
			snprintf(abs, sizeof(abs), "%s", c->base_config);
		}
		snprintf(e->base, sizeof(e->base), "V6LAB_BASE_CONFIG=%s", abs);
		e->v[k++] = e->base;
	}
	if (a) {
		snprintf(e->art, sizeof(e->art), "V6LAB_ARTIFACTS=%s", a->dir);
		e->v[k++] = e->art;
	}
	e->v[k] = NULL;
	return 0;
}

/* A command's result as a step result: exit status N becomes -EIO. */
static int step_rc(int rc)
{
	return rc > 0 ? -EIO : rc;
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* 1 when the tree's .config enables loadable modules. */
static int tree_has_modules(const char *src)
{
	char p[PATH_MAX], *text = NULL;
	int yes;

	if (ar_src_path(p, sizeof(p), "%s/.config", src) || ar_read_file(p, &text, NULL))
		return 0;
	yes = !strncmp(text, "CONFIG_MODULES=y\n", 17) || strstr(text, "\nCONFIG_MODULES=y\n");
	free(text);
	return yes;
}

int ar_tree_configure(const struct ar_source_conf *c, const struct ar_release *r, const char *src,
		      FILE *log)
{
	const char *base = c->base_config ? c->base_config : "defconfig";
	char p[PATH_MAX], frag[PATH_MAX];
	struct tree_env e;
	int rc;

	rc = tree_env(&e, c, r, src, online_cpus(), NULL);
	if (rc)
		return rc;
	if (c->configure_cmd) {
		ar_src_note(log, "configure: the source's configure command");
		return step_rc(ar_shell(c->configure_cmd, src, e.v, AR_T_CONFIGURE, log));
	}
	if (ar_src_is_file(base)) {
		ar_src_note(log, "configure: base config %s", base);
		rc = ar_src_path(p, sizeof(p), "%s/.config", src);
		if (!rc)
			rc = ar_src_copy_file(base, p);
		if (rc) {
			ar_src_note(log, "cannot copy %s to %s: %s", base, p, strerror(-rc));
			return rc;
		}
	} else {
		/* One or more make targets: "defconfig kvm_guest.config". */
		char targets[512], *save = NULL;
		const char *argv[10] = { "make" };
		size_t k = 1;

		snprintf(targets, sizeof(targets), "%s", base);
		for (char *w = strtok_r(targets, " \t", &save); w && k < 9;
		     w = strtok_r(NULL, " \t", &save))
			argv[k++] = w;
		argv[k] = NULL;
		if (k == 1 || strlen(base) >= sizeof(targets)) {
			ar_src_note(log, "base-config '%s' is neither a file nor make targets", base);
			return -EINVAL;
		}
		ar_src_note(log, "configure: make %s", base);
		rc = step_rc(ar_exec(argv, src, e.v, AR_T_CONFIGURE, log));
		if (rc)
			return rc;
	}
	if (c->config_fragment) {
		const char *argv[] = { "./scripts/kconfig/merge_config.sh", "-m", ".config", frag,
				       NULL };

		rc = ar_src_abspath(c->config_fragment, frag, sizeof(frag));
		if (rc)
			return rc;
		if (!ar_src_is_file(frag)) {
			ar_src_note(log, "config fragment %s: no such file", frag);
			return -ENOENT;
		}
		rc = step_rc(ar_exec(argv, src, e.v, AR_T_CONFIGURE, log));
		if (rc)
			return rc;
	}
	if (c->config_fragment || ar_src_is_file(base)) {
		const char *argv[] = { "make", "olddefconfig", NULL };

		rc = step_rc(ar_exec(argv, src, e.v, AR_T_CONFIGURE, log));
	}
	return rc;
}

int ar_tree_build(const struct ar_source_conf *c, const struct ar_release *r, const char *src,
		  unsigned jobs, FILE *log)
{
	char jarg[32];
	struct tree_env e;
	int rc;

	if (!jobs)
		jobs = online_cpus();
	rc = tree_env(&e, c, r, src, jobs, NULL);
	if (rc)
		return rc;
	if (c->build_cmd) {
		ar_src_note(log, "build: the source's build command");
		return step_rc(ar_shell(c->build_cmd, src, e.v, AR_T_BUILD, log));
	}
	snprintf(jarg, sizeof(jarg), "-j%u", jobs);
	if (tree_has_modules(src)) {
		const char *argv[] = { "make", jarg, "bzImage", "modules", NULL };

		return step_rc(ar_exec(argv, src, e.v, AR_T_BUILD, log));
	} else {
		const char *argv[] = { "make", jarg, "bzImage", NULL };

		ar_src_note(log, "build: CONFIG_MODULES is off: kernel image only");
		return step_rc(ar_exec(argv, src, e.v, AR_T_BUILD, log));
	}
}

/* The kernel default install: x86 bzImage, modules, .config, release. */
static int tree_install_kernel(const char *src, struct ar_artifacts *a, const char *const env[],
			       FILE *log)
{
	char from[PATH_MAX], to[PATH_MAX], mod[PATH_MAX + 32], rel[256];
	const char *krel[] = { "make", "-s", "kernelrelease", NULL };
	int rc;

	rc = ar_src_path(from, sizeof(from), "%s/arch/x86/boot/bzImage", src);
	if (!rc)
		rc = ar_src_path(to, sizeof(to), "%s/vmlinuz", a->dir);
	if (rc)
		return rc;
	rc = ar_src_copy_file(from, to);
	if (rc) {
		ar_src_note(log, "cannot copy %s: %s", from, strerror(-rc));
		return rc;
	}
	if (tree_has_modules(src)) {
		const char *argv[] = { "make", "modules_install", mod, NULL };

		snprintf(mod, sizeof(mod), "INSTALL_MOD_PATH=%s", a->dir);
		rc = step_rc(ar_exec(argv, src, env, AR_T_INSTALL, log));
		if (rc)
			return rc;
	}
	rc = ar_src_path(from, sizeof(from), "%s/.config", src);
	if (!rc)
		rc = ar_src_path(to, sizeof(to), "%s/config", a->dir);
	if (!rc)
		rc = ar_src_copy_file(from, to);
	if (rc) {
		ar_src_note(log, "cannot copy %s: %s", from, strerror(-rc));
		return rc;
	}
	rc = ar_capture(krel, src, rel, sizeof(rel), AR_T_QUERY, log);
	if (rc)
		return step_rc(rc);
	rel[strcspn(rel, "\r\n")] = '\0';
	if (!rel[0]) {
		ar_src_note(log, "make kernelrelease printed nothing");
		return -EINVAL;
	}
	ar_src_note(log, "kernel release %s", rel);
	rc = ar_src_path(to, sizeof(to), "%s/release", a->dir);
	return rc ? rc : ar_src_write_line(to, rel);
}

int ar_tree_install(const struct ar_source_conf *c, const struct ar_release *r, const char *src,
		    struct ar_artifacts *a, FILE *log)
{
	char dir[PATH_MAX], p[PATH_MAX];
	struct tree_env e;
	int rc;

	rc = ar_src_abspath(a->dir, dir, sizeof(dir));
	if (rc)
		return rc;
	snprintf(a->dir, sizeof(a->dir), "%s", dir);
	rc = ar_mkdirs(a->dir);
	if (rc)
		return rc;
	rc = tree_env(&e, c, r, src, online_cpus(), a);
	if (rc)
		return rc;
	if (c->install_cmd) {
		ar_src_note(log, "install: the source's install command into %s", a->dir);
		rc = step_rc(ar_shell(c->install_cmd, src, e.v, AR_T_INSTALL, log));
	} else {
		rc = tree_install_kernel(src, a, e.v, log);
	}
	if (rc)
		return rc;
	rc = ar_src_path(p, sizeof(p), "%s/release", dir);
	if (rc)
		return rc;
	if (!ar_src_is_file(p)) {
		ar_src_note(log, "install left no release file in %s", dir);
		return -ENOENT;
	}
	rc = ar_artifacts_load(dir, a);
	if (rc)
		ar_src_note(log, "artifacts in %s unreadable: %s", dir, strerror(-rc));
	else
		ar_src_note_artifacts(log, a);
	return rc;
}
