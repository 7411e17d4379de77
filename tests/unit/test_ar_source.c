/*
 * Release sources: Debian version ordering (checked against dpkg), apt and
 * git output parsing on canned text, a git source end to end on a small
 * repository made here (poll, fetch, configure, build, install with the
 * source's own commands, artifacts read back), a dir source with a kernel
 * image, a kernel package and a source tarball built with the kernel
 * defaults by a stand-in kernel tree, and the artifact directory.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "conf.h"
#include "source.h"
#include "source_int.h"
#include "t.h"
#include "util.h"

static char tmp[] = "/tmp/v6lab-test-ar-source-XXXXXX";
static FILE *logf_;
static char logpath[300];

/* Shows the end of the step log after a failed check. */
static void dump_log(void)
{
	char *s = NULL;
	size_t n = 0;

	fflush(logf_);
	if (ar_read_file(logpath, &s, &n))
		return;
	printf("# --- step log (last 3000 bytes) ---\n");
	for (char *p = s + (n > 3000 ? n - 3000 : 0), *e; *p; p = e) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		printf("# %.*s\n", (int)(e - p), p);
		if (*e)
			e++;
	}
	free(s);
}

static int sh(const char *script)
{
	int rc = ar_shell(script, tmp, NULL, 120, logf_);

	if (rc)
		dump_log();
	return rc;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	char *s = NULL;

	return ar_read_file(path, &s, NULL) ? NULL : s;
}

/* ---- Debian versions and apt output ---- */

static int sign(int x)
{
	return x < 0 ? -1 : x > 0;
}

static void test_vercmp(void)
{
	static const struct {
		const char *a, *b;
		int want;
	} v[] = {
		{ "1.0", "1.0", 0 },
		{ "1.0", "1.1", -1 },
		{ "1.0~rc1", "1.0", -1 },
		{ "1.0~~", "1.0~", -1 },
		{ "1.0", "1.0-1", -1 },
		{ "1:0.1", "2.0", 1 },
		{ "0:1.0", "1.0", 0 },
		{ "6.1.192-2", "6.1.170-3", 1 },
		{ "6.1.99-1", "6.1.170-3", -1 },
		{ "6.12.117-1~deb12u1", "6.12.117-1", -1 },
		{ "6.12.117-1~deb12u1", "6.12.115-1", 1 },
		{ "1.0a", "1.0", 1 },
		{ "1.0+b1", "1.0", 1 },
		{ "1.0.", "1.0", 1 },
		{ "1.0a", "1.0+", -1 },
		{ "2.0", "10.0", -1 },
		{ "1.01", "1.1", 0 },
		{ "1.0-1-2", "1.0-1-10", -1 },
		{ "a", "b", -1 },
		{ "1.2.3-4", "1.2.3-4.1", -1 },
	};
	int have_dpkg = access("/usr/bin/dpkg", X_OK) == 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int got = sign(ar_deb_vercmp(v[i].a, v[i].b));
		int rev = sign(ar_deb_vercmp(v[i].b, v[i].a));

		T_OK(got == v[i].want && rev == -v[i].want, "%s %s %s", v[i].a,
		     v[i].want < 0 ? "<" : v[i].want > 0 ? ">" : "=", v[i].b);
		if (have_dpkg) {
			const char *op = got < 0 ? "lt" : got > 0 ? "gt" : "eq";
			const char *argv[] = { "dpkg", "--compare-versions", v[i].a, op, v[i].b,
					       NULL };

			T_EQ_U(ar_exec(argv, NULL, NULL, 10, NULL), 0, "dpkg agrees: %s %s %s",
			       v[i].a, op, v[i].b);
		}
	}
}

static void test_apt_parse(void)
{
	static const char names_text[] = "linux-image-6.1.0-48-cloud-amd64\n"
					 "linux-image-6.1.0-47-cloud-amd64-dbg\n"
					 "linux-image-6.1.0-47-cloud-amd64\n"
					 "linux-image-6.1.0-48-amd64\n"
					 "linux-image-6.12.1+deb12-cloud-amd64\r\n"
					 "linux-image-6.1.0-47-cloud-amd64\n"
					 "\n";
	static const char policy_text[] =
		"linux-image-6.1.0-47-cloud-amd64:\n"
		"  Installed: (none)\n"
		"  Candidate: 6.1.170-3\n"
		"  Version table:\n"
		"     6.1.170-3 500\n"
		"        500 http://deb.debian.org/debian bookworm/main amd64 Packages\n"
		"linux-image-virtual:\n"
		"  Installed: (none)\n"
		"  Candidate: (none)\n"
		"  Version table:\n"
		"linux-image-6.1.0-56-cloud-amd64:\n"
		"  Installed: 6.1.192-2\n"
		"  Candidate: 6.1.192-2\n"
		"  Version table:\n"
		" *** 6.1.192-2 500\n"
		"        500 http://deb.debian.org/debian-security bookworm-security/main amd64"
		" Packages\n"
		"        100 /var/lib/dpkg/status\n"
		"linux-image-6.1.0-9-cloud-amd64:\n"
		"  Installed: (none)\n"
		"  Candidate: 6.1.27-1\n"
		"linux-image-epoch:\n"
		"  Candidate: 1:0.1-1\n";
	char **names = NULL;
	struct ar_deb_pkg *p = NULL;
	size_t n = 0, keep;

	T_EQ_U(ar_apt_parse_names(names_text, "linux-image-6.1.0-*-cloud-amd64", &names, &n), 0,
	       "parse pkgnames output");
	T_EQ_U(n, 2, "two names match the glob (dbg, generic, 6.12 and the duplicate left out)");
	if (n == 2) {
		T_EQ_S(names[0], "linux-image-6.1.0-47-cloud-amd64", "names[0]");
		T_EQ_S(names[1], "linux-image-6.1.0-48-cloud-amd64", "names[1]");
	}
	ar_apt_free_names(names, n);
	T_OK(ar_apt_parse_names(names_text, "linux-image-6.12.*+deb12-cloud-amd64", &names, &n) ==
			     0 &&
		     n == 1 && !strcmp(names[0], "linux-image-6.12.1+deb12-cloud-amd64"),
	     "the 6.12 glob matches the CRLF line");
	ar_apt_free_names(names, n);
	T_OK(ar_apt_parse_names("", "x*", &names, &n) == 0 && n == 0, "no output, no names");
	ar_apt_free_names(names, n);

	T_EQ_U(ar_apt_parse_policy(policy_text, &p, &n), 0, "parse policy output");
	T_EQ_U(n, 4, "four packages have a candidate");
	if (n == 4) {
		T_EQ_S(p[0].name, "linux-image-6.1.0-47-cloud-amd64", "pkg[0] name");
		T_EQ_S(p[0].version, "6.1.170-3", "pkg[0] candidate");
		T_EQ_S(p[1].name, "linux-image-6.1.0-56-cloud-amd64", "pkg[1]: (none) skipped");
		T_EQ_S(p[1].version, "6.1.192-2", "pkg[1] candidate, not the table's ***");
		T_EQ_S(p[3].version, "1:0.1-1", "epoch kept");
	}
	keep = ar_deb_newest(p, n, 2);
	T_EQ_U(keep, 2, "newest 2 keeps two");
	if (n == 4) {
		T_EQ_S(p[0].version, "1:0.1-1", "the epoch wins");
		T_EQ_S(p[1].version, "6.1.192-2", "then 6.1.192-2");
		T_EQ_S(p[2].version, "6.1.170-3", "then 6.1.170-3");
		T_EQ_S(p[3].version, "6.1.27-1", "6.1.27 is older than 6.1.170");
	}
	T_EQ_U(ar_deb_newest(p, n, 0), n, "newest 0 keeps all");
	T_EQ_U(ar_deb_newest(p, n, 10), n, "newest above the count keeps all");
	free(p);
}

/* The real archive, when this machine has apt lists: the newest two of the
 * 6.1 cloud series, oldest first. */
static void test_apt_live(void)
{
	static const char conf[] = "[target t]\nkind = qemu\n"
				   "[source deb]\nkind = debian-kernel\ntarget = t\n"
				   "packages = linux-image-6.1.0-*-cloud-amd64\nnewest = 2\n"
				   "[source twice]\nkind = debian-kernel\ntarget = t\n"
				   "packages = linux-image-6.1.0-*-cloud-amd64\n"
				   "packages = linux-image-6.1.0-[0-9]*-cloud-amd64\n";
	const char *argv[] = { "apt-cache", "pkgnames", "linux-image-6.1.0-", NULL };
	const struct ar_source_ops *ops = ar_source_kind("debian-kernel");
	struct ar_release *r = NULL;
	struct ar_conf c;
	char out[64], err[256];
	size_t n = 0;

	if (ar_capture(argv, NULL, out, sizeof(out), 60, NULL) != 0 || !out[0]) {
		printf("# no apt lists here: the live apt poll is not checked\n");
		return;
	}
	if (ar_conf_parse("live.conf", conf, &c, err, sizeof(err))) {
		T_OK(0, "live config parses (%s)", err);
		return;
	}
	T_EQ_U(ops->poll(&c.sources[0], &r, &n, logf_), 0, "debian-kernel poll with apt-cache");
	T_EQ_U(n, 2, "newest 2: two releases");
	if (n == 2) {
		char ref[600];

		T_OK(ar_deb_vercmp(r[0].version, r[1].version) < 0, "oldest first (%s, %s)",
		     r[0].version, r[1].version);
		T_OK(!strncmp(r[1].name, "linux-image-6.1.0-", 18) && !strcmp(r[1].kind, "package"),
		     "name %s, kind package", r[1].name);
		snprintf(ref, sizeof(ref), "%s=%s", r[1].name, r[1].version);
		T_EQ_S(r[1].ref, ref, "ref is PACKAGE=VERSION");
		T_EQ_S(r[1].source, "deb", "source name");
	}
	free(r);
	r = NULL;
	T_EQ_U(ops->poll(&c.sources[1], &r, &n, logf_), 0, "poll with two globs");
	T_EQ_U(n, 1, "the newest package found by both globs is listed once");
	free(r);
	ar_conf_free(&c);
}

/* ---- git ---- */

static void test_git_parse(void)
{
	static const char tags[] = "1111111111111111111111111111111111111111\trefs/tags/v1.0\n"
				   "2222222222222222222222222222222222222222\trefs/tags/v1.0^{}\n"
				   "3333333333333333333333333333333333333333\trefs/tags/v1.1-rc1\n"
				   "4444444444444444444444444444444444444444\trefs/tags/v1.10\n"
				   "5555555555555555555555555555555555555555\trefs/tags/v1.9\n"
				   "6666666666666666666666666666666666666666\trefs/tags/other\n"
				   "garbage line\n"
				   "7777777777777777777777777777777777777777\trefs/heads/main\n";
	static const char head[] = "abcdef0123456789abcdef0123456789abcdef01\trefs/heads/main\n";
	static const char conf[] = "[target t]\nkind = qemu\n"
				   "[source g]\nkind = git\ntarget = t\nurl = /r\nbranch = main\n"
				   "stable-tags = v[0-9]*\nrc-tags = v*-rc*\n"
				   "[source n]\nkind = git\ntarget = t\nurl = /r\n"
				   "stable-tags = v[0-9]*\nnewest = 2\n"
				   "[source f]\nkind = git\ntarget = t\nurl = /r\n"
				   "branch = feature/x\n";
	struct ar_release *r = NULL;
	struct ar_conf c;
	char err[256];
	size_t n = 0;

	if (ar_conf_parse("g.conf", conf, &c, err, sizeof(err))) {
		T_OK(0, "git config parses (%s)", err);
		return;
	}
	T_EQ_U(ar_git_releases(&c.sources[0], tags, head, &r, &n, logf_), 0, "git releases");
	T_EQ_U(n, 5, "3 stable + 1 rc + 1 snapshot");
	if (n == 5) {
		T_OK(!strcmp(r[0].version, "v1.0") && !strcmp(r[0].kind, "stable"), "v1.0 stable");
		T_EQ_S(r[0].ref, "2222222222222222222222222222222222222222",
		       "an annotated tag refers to its commit (peeled)");
		T_EQ_S(r[1].version, "v1.9", "version order: v1.9");
		T_EQ_S(r[2].version, "v1.10", "then v1.10");
		T_OK(!strcmp(r[3].version, "v1.1-rc1") && !strcmp(r[3].kind, "rc"),
		     "an rc tag (also matching stable-tags) is rc only");
		T_EQ_S(r[4].version, "main-abcdef012345", "snapshot BRANCH-COMMIT12");
		T_OK(!strcmp(r[4].kind, "snapshot") && !strcmp(r[4].name, "main") &&
			     !strcmp(r[4].ref, "abcdef0123456789abcdef0123456789abcdef01"),
		     "snapshot kind, name, ref");
		T_EQ_S(r[4].source, "g", "source name in the release");
	}
	free(r);
	T_EQ_U(ar_git_releases(&c.sources[1], tags, NULL, &r, &n, logf_), 0, "newest 2");
	T_OK(n == 2 && !strcmp(r[0].version, "v1.9") && !strcmp(r[1].version, "v1.10"),
	     "newest 2 keeps the two highest stable tags");
	free(r);
	T_OK(ar_git_releases(&c.sources[0], tags, "", &r, &n, logf_) == -ENOENT && !r,
	     "a missing branch is an error");
	T_EQ_U(ar_git_releases(&c.sources[2], "", "0123456789abcdef0123456789abcdef01234567\t"
						  "refs/heads/feature/x\n",
			       &r, &n, logf_),
	       0, "branch with a slash");
	T_OK(n == 1 && !strcmp(r[0].version, "feature-x-0123456789ab") &&
		     !strcmp(r[0].name, "feature/x"),
	     "a slash in a branch becomes '-' in the version");
	free(r);
	ar_conf_free(&c);
}

static const char git_repo_script[] =
	"set -e\n"
	"mkdir repo && cd repo\n"
	"git init -q -b main .\n"
	"git config user.email tests@example.org && git config user.name tests\n"
	"echo 1.0 > version.txt && git add version.txt && git commit -q -m one\n"
	"git tag -a v1.0 -m 'release 1.0'\n"
	"echo 1.1-rc1 > version.txt && git commit -q -am two && git tag v1.1-rc1\n"
	"echo 1.1-dev > version.txt && git commit -q -am three\n"
	"git rev-parse v1.0^{commit} > ../c-v1.0\n"
	"git rev-parse v1.1-rc1 > ../c-rc\n"
	"git rev-parse main > ../c-main\n";

static const char git_conf[] =
	"[target t]\nkind = netns\n"
	"[source g]\nkind = git\ntarget = t\nurl = repo\nbranch = main\n"
	"stable-tags = v[0-9]*\nrc-tags = v*-rc*\n"
	"config-fragment = frag.config\n"
	"configure = echo \"$V6LAB_VERSION $V6LAB_JOBS\" > configured && \\\n"
	"    echo \"$V6LAB_SRC\" > srcpath && test -f \"$V6LAB_CONFIG_FRAGMENT\" && \\\n"
	"    test -z \"$V6LAB_ARTIFACTS\"\n"
	"build = echo \"jobs=$V6LAB_JOBS\" > built\n"
	"install = cp version.txt \"$V6LAB_ARTIFACTS/release\" && \\\n"
	"    echo net.ipv6.conf.all.accept_ra=0 > \"$V6LAB_ARTIFACTS/sysctl\"\n"
	"[source rc]\nkind = git\ntarget = t\nurl = repo\nbranch = main\n"
	"stable-tags = v[0-9]*\nrc-tags = v*-rc*\nkinds = rc\n"
	"[source bad]\nkind = git\ntarget = t\nurl = repo\nbranch = main\n"
	"build = exit 3\ninstall = true\n";

static char *first_line(const char *path)
{
	char *s = slurp(path);

	if (s)
		s[strcspn(s, "\n")] = '\0';
	return s;
}

/* Runs fetch..install of release r into work/NAME and art/NAME. */
static int git_steps(const struct ar_source_ops *ops, const struct ar_source_conf *sc,
		     const struct ar_release *r, const char *name, struct ar_artifacts *a)
{
	char dir[PATH_MAX];
	int rc;

	snprintf(dir, sizeof(dir), "work/%s", name);
	memset(a, 0, sizeof(*a));
	snprintf(a->dir, sizeof(a->dir), "art/%s", name);
	rc = ops->fetch(sc, r, dir, logf_);
	if (!rc)
		rc = ops->configure(sc, r, dir, logf_);
	if (!rc)
		rc = ops->build(sc, r, dir, 3, logf_);
	if (!rc)
		rc = ops->install(sc, r, dir, a, logf_);
	if (rc)
		dump_log();
	return rc;
}

static void test_git_e2e(void)
{
	const struct ar_source_ops *ops = ar_source_kind("git");
	struct ar_release *r = NULL;
	struct ar_artifacts a, b;
	struct ar_conf c;
	char err[256], *cv10 = NULL, *crc = NULL, *cmain = NULL, *s, want[PATH_MAX + 64];
	size_t n = 0;

	/* Relative paths in the config are relative to the current directory. */
	if (chdir(tmp) < 0 || sh(git_repo_script)) {
		T_OK(0, "make the test repository");
		return;
	}
	write_file("frag.config", "CONFIG_IPV6=y\n");
	cv10 = first_line("c-v1.0");
	crc = first_line("c-rc");
	cmain = first_line("c-main");
	if (ar_conf_parse("git.conf", git_conf, &c, err, sizeof(err))) {
		T_OK(0, "git config parses (%s)", err);
		goto out;
	}
	T_EQ_U(ops->poll(&c.sources[0], &r, &n, logf_), 0, "git poll on the local repository");
	T_EQ_U(n, 3, "stable, rc and snapshot");
	if (n != 3) {
		dump_log();
		goto out_conf;
	}
	T_OK(!strcmp(r[0].kind, "stable") && !strcmp(r[0].version, "v1.0") &&
		     cv10 && !strcmp(r[0].ref, cv10),
	     "stable v1.0 at its commit");
	T_OK(!strcmp(r[1].kind, "rc") && !strcmp(r[1].version, "v1.1-rc1") && crc &&
		     !strcmp(r[1].ref, crc),
	     "rc v1.1-rc1 at its commit");
	snprintf(want, sizeof(want), "main-%.12s", cmain ? cmain : "?");
	T_EQ_S(r[2].version, want, "snapshot version");
	T_OK(cmain && !strcmp(r[2].ref, cmain) && !strcmp(r[2].kind, "snapshot"), "snapshot ref");

	T_EQ_U(git_steps(ops, &c.sources[0], &r[0], "v1.0", &a), 0,
	       "v1.0: fetch, configure, build, install");
	T_EQ_S(a.release, "1.0", "the install command's release file (from the checked-out tag)");
	snprintf(want, sizeof(want), "%s/art/v1.0", tmp);
	T_EQ_S(a.dir, want, "artifact dir made absolute");
	snprintf(want, sizeof(want), "%s/art/v1.0/sysctl", tmp);
	T_EQ_S(a.sysctl, want, "sysctl file found");
	T_OK(!a.kernel[0] && !a.modules[0] && !a.config[0], "no kernel, modules or config");
	s = first_line("work/v1.0/src/configured");
	snprintf(want, sizeof(want), "v1.0 %ld", sysconf(_SC_NPROCESSORS_ONLN));
	T_EQ_S(s, want, "configure saw V6LAB_VERSION and V6LAB_JOBS (online CPUs)");
	free(s);
	s = first_line("work/v1.0/src/srcpath");
	snprintf(want, sizeof(want), "%s/work/v1.0/src", tmp);
	T_EQ_S(s, want, "V6LAB_SRC is the absolute source directory");
	free(s);
	s = first_line("work/v1.0/src/built");
	T_EQ_S(s, "jobs=3", "build saw the jobs it was given");
	free(s);
	memset(&b, 0xff, sizeof(b));
	T_EQ_U(ar_artifacts_load("art/v1.0", &b), 0, "artifacts load again");
	T_OK(!strcmp(b.release, a.release) && !strcmp(b.sysctl, a.sysctl) &&
		     !strcmp(b.dir, a.dir) && !b.kernel[0],
	     "loaded artifacts equal the installed ones");

	T_EQ_U(git_steps(ops, &c.sources[0], &r[2], "snap", &a), 0, "snapshot steps");
	T_EQ_S(a.release, "1.1-dev", "the snapshot is the branch head");
	T_EQ_U(git_steps(ops, &c.sources[0], &r[1], "rc", &a), 0, "rc steps");
	T_EQ_S(a.release, "1.1-rc1", "the rc tag's tree");
	free(r);
	r = NULL;

	T_EQ_U(ops->poll(&c.sources[1], &r, &n, logf_), 0, "poll with kinds = rc");
	T_OK(n == 1 && !strcmp(r[0].kind, "rc"), "only the rc release");
	free(r);
	r = NULL;

	/* Failures: a build command failing, an install leaving no release. */
	T_EQ_U(ops->poll(&c.sources[2], &r, &n, logf_), 0, "poll source bad");
	if (n >= 1) {
		char dir[] = "work/bad";

		T_EQ_U(ops->fetch(&c.sources[2], &r[n - 1], dir, logf_), 0, "fetch");
		T_OK(ops->build(&c.sources[2], &r[n - 1], dir, 1, logf_) == -EIO,
		     "a failing build command fails the step");
		memset(&a, 0, sizeof(a));
		snprintf(a.dir, sizeof(a.dir), "art/bad");
		T_OK(ops->install(&c.sources[2], &r[n - 1], dir, &a, logf_) == -ENOENT,
		     "an install without a release file fails");
		snprintf(r[n - 1].ref, sizeof(r[n - 1].ref), "%s", "0123456789abcdef0123");
		T_OK(ops->fetch(&c.sources[2], &r[n - 1], "work/bad2", logf_) < 0,
		     "fetch of a commit that does not exist fails");
	}
	free(r);
	r = NULL;
	free(c.sources[2].url);
	c.sources[2].url = strdup("no-such-repo");
	T_OK(ops->poll(&c.sources[2], &r, &n, logf_) < 0 && !r,
	     "poll of a missing repository fails");
out_conf:
	free(r);
	ar_conf_free(&c);
out:
	free(cv10);
	free(crc);
	free(cmain);
	if (chdir("/") < 0)
		perror("chdir");
}

/* ---- dir ---- */

static const char fake_tree_script[] =
	"set -e\n"
	"t=fake-kernel-1.0\n"
	"mkdir -p $t/scripts/kconfig drop\n"
	"printf 'defconfig:\\n\\techo CONFIG_MODULES=y > .config\\n'"
	" > $t/Makefile\n"
	"printf 'olddefconfig:\\n\\techo CONFIG_OLDDEF=y >> .config\\n' >> $t/Makefile\n"
	"printf 'bzImage:\\n\\tmkdir -p arch/x86/boot && echo image > arch/x86/boot/bzImage\\n'"
	" >> $t/Makefile\n"
	"printf 'modules:\\n\\techo built > modules.built\\n' >> $t/Makefile\n"
	"printf 'extra.config:\\n\\techo CONFIG_EXTRA=y >> .config\\n' >> $t/Makefile\n"
	"printf 'kernelrelease:\\n\\t@echo 9.8.7-fake\\n' >> $t/Makefile\n"
	"printf 'modules_install:\\n\\tmkdir -p $(INSTALL_MOD_PATH)/lib/modules/9.8.7-fake\\n'"
	" >> $t/Makefile\n"
	"printf '\\ttouch $(INSTALL_MOD_PATH)/lib/modules/9.8.7-fake/modules.dep\\n'"
	" >> $t/Makefile\n"
	"printf '#!/bin/sh\\n[ \"$1\" = -m ] && shift\\nb=$1; shift\\ncat \"$@\" >> \"$b\"\\n'"
	" > $t/scripts/kconfig/merge_config.sh\n"
	"chmod +x $t/scripts/kconfig/merge_config.sh\n"
	"tar -czf drop/fake-kernel-1.0.tar.gz $t\n"
	"echo 'not a kernel' > drop/vmlinuz-6.1.0-test\n"
	/* A linux-image package, and a package that is not a kernel. */
	"mkdir -p pkg/DEBIAN pkg/boot pkg/lib/modules/9.9.9-fake/kernel\n"
	"printf 'Package: linux-image-9.9.9-fake\\nVersion: 9.9.9-1\\nArchitecture: amd64\\n"
	"Maintainer: v6lab tests <tests@example.org>\\nDescription: a stand-in kernel\\n'"
	" > pkg/DEBIAN/control\n"
	"echo kernel > pkg/boot/vmlinuz-9.9.9-fake\n"
	"echo CONFIG_FAKE=y > pkg/boot/config-9.9.9-fake\n"
	"dpkg-deb --root-owner-group -Znone --build pkg"
	" drop/linux-image-9.9.9-fake_9.9.9-1_amd64.deb >/dev/null\n"
	"mkdir -p other/DEBIAN\n"
	"printf 'Package: hello-fake\\nVersion: 1.0\\nArchitecture: all\\n"
	"Maintainer: v6lab tests <tests@example.org>\\nDescription: not a kernel\\n'"
	" > other/DEBIAN/control\n"
	"dpkg-deb --root-owner-group -Znone --build other drop/hello-fake_1.0_all.deb >/dev/null\n"
	/* Files to ignore. */
	"echo x > drop/partial.tar.gz.part\n"
	"echo x > drop/.hidden.tar.gz\n"
	"echo x > drop/vmlinuz-7.0.tmp\n"
	"echo x > drop/notes.txt\n"
	"mkdir drop/vmlinuz-dir\n";

/* A file with an x86 setup header whose kernel_version string names the
 * release. */
static void write_bzimage(const char *path, const char *version)
{
	uint8_t img[0x400] = { 0 };
	FILE *f;

	memcpy(img + 0x202, "HdrS", 4);
	img[0x20e] = 0x00;
	img[0x20f] = 0x01; /* string at 0x100 + 0x200 */
	snprintf((char *)img + 0x300, 0x100, "%s", version);
	f = fopen(path, "w");
	if (!f)
		return;
	fwrite(img, 1, sizeof(img), f);
	fclose(f);
}

static void set_mtime(const char *path, long t)
{
	struct timeval tv[2] = { { t, 0 }, { t, 0 } };

	utimes(path, tv);
}

static void test_dir(void)
{
	const struct ar_source_ops *ops = ar_source_kind("dir");
	static const char conf[] = "[target t]\nkind = qemu\n"
				   "[source d]\nkind = dir\ntarget = t\npath = drop\n"
				   "config-fragment = frag.config\n";
	struct ar_release *r = NULL;
	struct ar_artifacts a;
	struct ar_conf c;
	char err[256], want[PATH_MAX + 64], rel[64], *s;
	size_t n = 0;
	int rc;

	if (chdir(tmp) < 0 || sh(fake_tree_script)) {
		T_OK(0, "make the dir source's files");
		return;
	}
	write_file("frag.config", "CONFIG_FRAG=y\n");
	write_bzimage("drop/bzImage-6.9.0-name", "6.9.0-hdr (builder@example.org) #1 SMP");
	T_EQ_U(ar_bzimage_release("drop/bzImage-6.9.0-name", rel, sizeof(rel)), 0,
	       "release from a bzImage header");
	T_EQ_S(rel, "6.9.0-hdr", "the first word of kernel_version");
	T_OK(ar_bzimage_release("drop/vmlinuz-6.1.0-test", rel, sizeof(rel)) == -ENOENT,
	     "a file without a setup header has none");
	set_mtime("drop/vmlinuz-6.1.0-test", 1000);
	set_mtime("drop/fake-kernel-1.0.tar.gz", 2000);
	set_mtime("drop/linux-image-9.9.9-fake_9.9.9-1_amd64.deb", 3000);
	set_mtime("drop/bzImage-6.9.0-name", 4000);

	if (ar_conf_parse("d.conf", conf, &c, err, sizeof(err))) {
		T_OK(0, "dir config parses (%s)", err);
		goto out;
	}
	T_EQ_U(ops->poll(&c.sources[0], &r, &n, logf_), 0, "dir poll");
	T_EQ_U(n, 4, "an image, a tarball, a kernel package and a bzImage; the rest ignored");
	if (n != 4) {
		dump_log();
		goto out_conf;
	}
	T_OK(!strcmp(r[0].version, "6.1.0-test") && r[0].date == 1000 &&
		     !strcmp(r[0].name, "vmlinuz-6.1.0-test") && !strcmp(r[0].kind, "file"),
	     "vmlinuz-6.1.0-test: version after the dash, date = mtime");
	snprintf(want, sizeof(want), "%s/drop/vmlinuz-6.1.0-test", tmp);
	T_EQ_S(r[0].ref, want, "ref is the absolute path");
	T_OK(!strcmp(r[1].version, "fake-kernel-1.0") && r[1].date == 2000,
	     "tarball: version is the name without .tar.gz");
	T_OK(!strcmp(r[2].version, "9.9.9-1") &&
		     !strcmp(r[2].name, "linux-image-9.9.9-fake_9.9.9-1_amd64.deb"),
	     "package: version from its control fields");
	T_EQ_S(r[3].version, "6.9.0-name", "bzImage-6.9.0-name");

	/* The bare image: nothing to configure or build. */
	T_EQ_U(ops->fetch(&c.sources[0], &r[0], "dw/img", logf_), 0, "image fetch");
	T_EQ_U(ops->configure(&c.sources[0], &r[0], "dw/img", logf_), AR_SKIPPED,
	       "image configure is skipped");
	T_EQ_U(ops->build(&c.sources[0], &r[0], "dw/img", 2, logf_), AR_SKIPPED,
	       "image build is skipped");
	memset(&a, 0, sizeof(a));
	snprintf(a.dir, sizeof(a.dir), "da/img");
	T_EQ_U(ops->install(&c.sources[0], &r[0], "dw/img", &a, logf_), 0, "image install");
	T_EQ_S(a.release, "6.1.0-test", "release from the file name");
	snprintf(want, sizeof(want), "%s/da/img/vmlinuz", tmp);
	T_EQ_S(a.kernel, want, "kernel in the artifact dir");
	s = slurp("da/img/vmlinuz");
	T_EQ_S(s, "not a kernel\n", "the image is copied as it is");
	free(s);

	/* The bzImage: its header names the release. */
	rc = ops->fetch(&c.sources[0], &r[3], "dw/bz", logf_);
	memset(&a, 0, sizeof(a));
	snprintf(a.dir, sizeof(a.dir), "da/bz");
	if (!rc)
		rc = ops->install(&c.sources[0], &r[3], "dw/bz", &a, logf_);
	T_EQ_U(rc, 0, "bzImage fetch and install");
	T_EQ_S(a.release, "6.9.0-hdr", "release from the image header, not the file name");

	/* The tarball: kernel defaults on the stand-in tree. */
	memset(&a, 0, sizeof(a));
	snprintf(a.dir, sizeof(a.dir), "da/tar");
	rc = ops->fetch(&c.sources[0], &r[1], "dw/tar", logf_);
	T_EQ_U(rc, 0, "tarball fetch unpacks");
	T_OK(ar_src_is_file("dw/tar/src/Makefile"), "the single top directory is taken off");
	if (!rc)
		rc = ops->configure(&c.sources[0], &r[1], "dw/tar", logf_);
	T_EQ_U(rc, 0, "configure: make defconfig, merge the fragment, olddefconfig");
	s = slurp("dw/tar/src/.config");
	T_EQ_S(s, "CONFIG_MODULES=y\nCONFIG_FRAG=y\nCONFIG_OLDDEF=y\n", "the resulting .config");
	free(s);
	if (!rc)
		rc = ops->build(&c.sources[0], &r[1], "dw/tar", 2, logf_);
	T_EQ_U(rc, 0, "build: make bzImage modules");
	T_OK(ar_src_is_file("dw/tar/src/modules.built"), "modules were built (CONFIG_MODULES=y)");
	if (!rc)
		rc = ops->install(&c.sources[0], &r[1], "dw/tar", &a, logf_);
	T_EQ_U(rc, 0, "install: kernel defaults");
	T_EQ_S(a.release, "9.8.7-fake", "release from make kernelrelease");
	snprintf(want, sizeof(want), "%s/da/tar/lib/modules/9.8.7-fake", tmp);
	T_EQ_S(a.modules, want, "modules_install into the artifact dir");
	snprintf(want, sizeof(want), "%s/da/tar/config", tmp);
	T_EQ_S(a.config, want, "config copied");
	T_OK(a.kernel[0] && !a.sysctl[0], "kernel present, no sysctl");
	if (rc)
		dump_log();

	/* Other base configs: several make targets, a file, nonsense. */
	{
		struct ar_source_conf sc = c.sources[0];
		struct ar_release rr = r[1];

		sc.config_fragment = NULL;
		sc.base_config = "defconfig  extra.config";
		T_EQ_U(ar_tree_configure(&sc, &rr, "dw/tar/src", logf_), 0,
		       "base-config of two make targets");
		s = slurp("dw/tar/src/.config");
		T_EQ_S(s, "CONFIG_MODULES=y\nCONFIG_EXTRA=y\n", "both targets ran, in order");
		free(s);
		write_file("base.config", "CONFIG_BASE=y\n");
		sc.base_config = "base.config";
		T_EQ_U(ar_tree_configure(&sc, &rr, "dw/tar/src", logf_), 0, "base-config file");
		s = slurp("dw/tar/src/.config");
		T_EQ_S(s, "CONFIG_BASE=y\nCONFIG_OLDDEF=y\n", "the file, then olddefconfig");
		free(s);
		sc.base_config = "nosuchconfig";
		T_OK(ar_tree_configure(&sc, &rr, "dw/tar/src", logf_) == -EIO,
		     "an unknown make target fails the step");
		sc.base_config = "base.config";
		sc.config_fragment = "missing.fragment";
		T_OK(ar_tree_configure(&sc, &rr, "dw/tar/src", logf_) == -ENOENT,
		     "a missing fragment fails the step");
	}

	/* The package: extracted by build, moved by install, depmod run. */
	memset(&a, 0, sizeof(a));
	snprintf(a.dir, sizeof(a.dir), "da/deb");
	rc = ops->fetch(&c.sources[0], &r[2], "dw/deb", logf_);
	T_EQ_U(rc, 0, "package fetch");
	T_EQ_U(ops->configure(&c.sources[0], &r[2], "dw/deb", logf_), AR_SKIPPED,
	       "package configure is skipped");
	T_OK(ops->install(&c.sources[0], &r[2], "dw/deb", &a, logf_) == -ENOENT,
	     "install before build fails cleanly");
	if (!rc)
		rc = ops->build(&c.sources[0], &r[2], "dw/deb", 2, logf_);
	T_EQ_U(rc, 0, "package build extracts it");
	if (!rc)
		rc = ops->install(&c.sources[0], &r[2], "dw/deb", &a, logf_);
	T_EQ_U(rc, 0, "package install");
	T_EQ_S(a.release, "9.9.9-fake", "release from boot/vmlinuz-R");
	T_OK(ar_src_is_file("da/deb/lib/modules/9.9.9-fake/modules.dep"),
	     "depmod made the missing modules.dep");
	s = slurp("da/deb/config");
	T_EQ_S(s, "CONFIG_FAKE=y\n", "boot/config-R became config");
	free(s);
	s = slurp("da/deb/release");
	T_EQ_S(s, "9.9.9-fake\n", "release file");
	free(s);
	if (rc)
		dump_log();

	/* A package with the Debian 13 layout (usr/lib/modules). */
	ar_mkdirs("root13/boot");
	ar_mkdirs("root13/usr/lib/modules/13.0-fake/kernel");
	write_file("root13/boot/vmlinuz-13.0-fake", "k\n");
	memset(&a, 0, sizeof(a));
	snprintf(a.dir, sizeof(a.dir), "da/13");
	T_EQ_U(ar_deb_install_root("root13", &a, logf_), 0, "install from usr/lib/modules");
	snprintf(want, sizeof(want), "%s/da/13/lib/modules/13.0-fake", tmp);
	T_EQ_S(a.modules, want, "modules moved to lib/modules");
	T_OK(!a.config[0], "no config in that package");
	ar_mkdirs("root2/boot");
	write_file("root2/boot/vmlinuz-a", "k\n");
	write_file("root2/boot/vmlinuz-b", "k\n");
	snprintf(a.dir, sizeof(a.dir), "da/2");
	T_OK(ar_deb_install_root("root2", &a, logf_) == -EEXIST,
	     "two kernels in a package: refused");

	free(c.sources[0].path);
	c.sources[0].path = strdup("no-such-dir");
	free(r);
	r = NULL;
	T_OK(ops->poll(&c.sources[0], &r, &n, logf_) == -ENOENT && !r,
	     "poll of a missing directory fails");
out_conf:
	free(r);
	ar_conf_free(&c);
out:
	if (chdir("/") < 0)
		perror("chdir");
}

static void test_artifacts(void)
{
	char d[PATH_MAX], p[PATH_MAX + 32];
	struct ar_artifacts a;

	T_OK(ar_source_kind("debian-kernel") == &ar_source_debian &&
		     ar_source_kind("git") == &ar_source_git &&
		     ar_source_kind("dir") == &ar_source_dir,
	     "kinds map to their sources");
	T_OK(!ar_source_kind("svn") && !ar_source_kind(NULL), "unknown kinds map to none");
	snprintf(d, sizeof(d), "%s/arts", tmp);
	T_OK(ar_artifacts_load(d, &a) == -ENOENT, "a missing directory");
	ar_mkdirs(d);
	T_OK(ar_artifacts_load(d, &a) == -ENOENT, "a directory without a release file");
	snprintf(p, sizeof(p), "%s/release", d);
	write_file(p, "\n");
	T_OK(ar_artifacts_load(d, &a) == -EINVAL, "an empty release");
	write_file(p, "6.1.0-9-cloud-amd64\nignored\n");
	snprintf(p, sizeof(p), "%s/lib/modules/6.1.0-9-cloud-amd64", d);
	ar_mkdirs(p);
	snprintf(p, sizeof(p), "%s/vmlinuz", d);
	write_file(p, "k");
	T_EQ_U(ar_artifacts_load(d, &a), 0, "load");
	T_EQ_S(a.release, "6.1.0-9-cloud-amd64", "the first line is the release");
	T_EQ_S(a.kernel, p, "kernel");
	snprintf(p, sizeof(p), "%s/lib/modules/6.1.0-9-cloud-amd64", d);
	T_EQ_S(a.modules, p, "modules of that release");
	T_OK(!a.config[0] && !a.sysctl[0], "no config, no sysctl");
}

int main(void)
{
	int rc;

	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(logpath, sizeof(logpath), "%s/steps.log", tmp);
	logf_ = fopen(logpath, "w");
	if (!logf_) {
		perror(logpath);
		ar_rmtree(tmp);
		return 1;
	}
	test_vercmp();
	test_apt_parse();
	test_apt_live();
	test_git_parse();
	test_git_e2e();
	test_dir();
	test_artifacts();
	fclose(logf_);
	rc = ar_rmtree(tmp);
	T_EQ_U(rc, 0, "temporary directory removed");
	return t_done();
}
