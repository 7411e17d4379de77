/*
 * The watch configuration parser: a complete file read back field by field,
 * the defaults, repeated list keys and continuation lines, every error with
 * its "FILE:LINE: message", loading from a file, and the demo config that
 * ships in etc/.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "t.h"

static const char full[] =
	"# a complete configuration\n"
	"[watch]\n"
	"store = /var/lib/v6lab/ar.db\n"
	"workdir = out/w\n"
	"interval = 600\n"
	"reruns = 3\n"
	"jobs = 4\n"
	"\n"
	"[source deb61]\n"
	"kind = debian-kernel\n"
	"target = vm\n"
	"packages = linux-image-6.1.0-*-cloud-amd64\n"
	"packages = linux-image-6.12.*+deb12-cloud-amd64  linux-image-x\n"
	"apt-update = yes\n"
	"newest = 2\n"
	"suites = core-host\n"
	"\n"
	"[source tree]\n"
	"kind = git\n"
	"target = ns\n"
	"url = ../stack.git\n"
	"branch = main\n"
	"stable-tags = v[0-9]*\n"
	"rc-tags = v*-rc*\n"
	"kinds = stable snapshot\n"
	"base-config = tinyconfig\n"
	"config-fragment = etc/frag.config\n"
	"configure = ./configure \\\n"
	"    --prefix=/usr\n"
	"build = make -j$V6LAB_JOBS\n"
	"install = make install DESTDIR=$V6LAB_ARTIFACTS\n"
	"suites = core-host core-router\n"
	"\n"
	"[source drop]\n"
	"kind = dir\n"
	"target = vm\n"
	"path = /srv/drop\n"
	"\n"
	"[target vm]\n"
	"kind = qemu\n"
	"stable = deb61/6.1.170-3\n"
	"boot-timeout = 90\n"
	"\n"
	"[target ns]\n"
	"kind = netns\n"
	"\n"
	"[suite core-host]\n"
	"suite = core\n"
	"suites-dir = my/suites\n"
	"type = host\n"
	"test = core.rfc4443.echo.*\n"
	"test = core.rfc8200.a core.rfc8200.b\n"
	"sysctl = net.ipv6.conf.all.forwarding=0\n"
	"jobs = 1\n"
	"timeout = 900\n"
	"\n"
	"[suite core-router]\n"
	"type = router\n";

static void test_full(void)
{
	struct ar_conf c;
	char err[512];
	const struct ar_source_conf *s;
	const struct ar_target_conf *t;
	const struct ar_suite_conf *u;
	int rc;

	rc = ar_conf_parse("full.conf", full, &c, err, sizeof(err));
	T_EQ_U(rc, 0, "a complete config parses (%s)", err);
	if (rc)
		return;
	T_EQ_S(c.file, "full.conf", "file name kept");
	T_EQ_S(c.store, "/var/lib/v6lab/ar.db", "store");
	T_EQ_S(c.workdir, "out/w", "workdir stays relative as written");
	T_EQ_U(c.interval, 600, "interval");
	T_EQ_U(c.reruns, 3, "reruns");
	T_EQ_U(c.jobs, 4, "jobs");
	T_EQ_U(c.nsources, 3, "three sources");
	T_EQ_U(c.ntargets, 2, "two targets");
	T_EQ_U(c.nsuites, 2, "two suites");

	s = ar_conf_source(&c, "deb61");
	T_OK(s != NULL, "source deb61 found");
	if (s) {
		T_EQ_S(s->kind, "debian-kernel", "deb61 kind");
		T_EQ_S(s->target, "vm", "deb61 target");
		T_EQ_U(s->line, 9, "deb61 section line");
		T_EQ_U(s->packages.n, 3, "packages from two lines, several per line");
		T_EQ_S(s->packages.v[0], "linux-image-6.1.0-*-cloud-amd64", "packages[0]");
		T_EQ_S(s->packages.v[1], "linux-image-6.12.*+deb12-cloud-amd64", "packages[1]");
		T_EQ_S(s->packages.v[2], "linux-image-x", "packages[2]");
		T_OK(s->apt_update, "apt-update yes");
		T_EQ_U(s->newest, 2, "newest");
		T_EQ_U(s->suites.n, 1, "one suite");
		T_EQ_S(s->suites.v[0], "core-host", "suite name");
	}
	s = ar_conf_source(&c, "tree");
	T_OK(s != NULL, "source tree found");
	if (s) {
		T_EQ_S(s->url, "../stack.git", "url as written");
		T_EQ_S(s->branch, "main", "branch");
		T_EQ_S(s->stable_tags, "v[0-9]*", "stable-tags");
		T_EQ_S(s->rc_tags, "v*-rc*", "rc-tags");
		T_EQ_U(s->kinds.n, 2, "kinds as given");
		T_EQ_S(s->kinds.v[1], "snapshot", "kinds[1]");
		T_EQ_S(s->base_config, "tinyconfig", "base-config");
		T_EQ_S(s->config_fragment, "etc/frag.config", "config-fragment");
		T_EQ_S(s->configure_cmd, "./configure --prefix=/usr",
		       "a continued line is joined with a blank");
		T_EQ_S(s->build_cmd, "make -j$V6LAB_JOBS", "build command");
		T_EQ_S(s->install_cmd, "make install DESTDIR=$V6LAB_ARTIFACTS", "install command");
		T_EQ_U(s->newest, 0, "git: every tag unless newest is set");
		T_EQ_U(s->suites.n, 2, "two suites");
		T_OK(!s->apt_update, "apt-update off by default");
	}
	s = ar_conf_source(&c, "drop");
	T_OK(s && !strcmp(s->path, "/srv/drop") && !strcmp(s->kind, "dir"), "dir source");
	t = ar_conf_target(&c, "vm");
	T_OK(t && !strcmp(t->kind, "qemu") && !strcmp(t->stable, "deb61/6.1.170-3") &&
		     t->boot_timeout == 90,
	     "target vm");
	t = ar_conf_target(&c, "ns");
	T_OK(t && !strcmp(t->kind, "netns") && !t->stable && t->boot_timeout == 120,
	     "target ns with the default boot timeout");
	u = ar_conf_suite(&c, "core-host");
	T_OK(u != NULL, "suite core-host");
	if (u) {
		T_EQ_S(u->suite, "core", "suite");
		T_EQ_S(u->suites_dir, "my/suites", "suites-dir");
		T_EQ_S(u->type, "host", "type");
		T_EQ_U(u->tests.n, 3, "test patterns from two lines");
		T_EQ_S(u->tests.v[2], "core.rfc8200.b", "tests[2]");
		T_EQ_U(u->sysctls.n, 1, "sysctl");
		T_EQ_U(u->jobs, 1, "suite jobs");
		T_EQ_U(u->timeout, 900, "suite timeout");
	}
	u = ar_conf_suite(&c, "core-router");
	T_OK(u && !strcmp(u->suite, "core") && !strcmp(u->suites_dir, "suites") &&
		     !strcmp(u->type, "router") && u->tests.n == 0 && u->jobs == 0 &&
		     u->timeout == 3600,
	     "suite defaults");
	T_OK(!ar_conf_source(&c, "nope") && !ar_conf_target(&c, "deb61") &&
		     !ar_conf_suite(&c, NULL),
	     "lookups of unknown names return NULL");
	ar_conf_free(&c);
	T_OK(c.nsources == 0 && c.sources == NULL, "free clears the struct");
}

static void test_defaults(void)
{
	static const char text[] = "[source g]\n"
				   "kind = git\n"
				   "target = t\n"
				   "url = /srv/git/stack\n"
				   "rc-tags = v*-rc*\n"
				   "branch = main\n"
				   "[source d]\n"
				   "kind = debian-kernel\n"
				   "target = t\n"
				   "packages = linux-image-*\n"
				   "[target t]\n"
				   "kind = qemu\n";
	struct ar_conf c;
	char err[512];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int rc;

	rc = ar_conf_parse("d.conf", text, &c, err, sizeof(err));
	T_EQ_U(rc, 0, "a config without [watch] parses (%s)", err);
	if (rc)
		return;
	T_EQ_S(c.workdir, "out/autorun", "default workdir");
	T_EQ_S(c.store, "out/autorun/autorun.db", "default store is WORKDIR/autorun.db");
	T_EQ_U(c.interval, 3600, "default interval");
	T_EQ_U(c.reruns, 2, "default reruns");
	T_EQ_U(c.jobs, ncpu > 0 ? ncpu : 1, "default jobs: online CPUs");
	T_EQ_U(c.sources[0].kinds.n, 2, "git kinds default to those configured");
	T_EQ_S(c.sources[0].kinds.v[0], "rc", "rc (rc-tags set)");
	T_EQ_S(c.sources[0].kinds.v[1], "snapshot", "snapshot (branch set)");
	T_EQ_U(c.sources[1].newest, 1, "debian-kernel: newest defaults to 1");
	T_EQ_U(c.sources[1].suites.n, 0, "no suites listed: all of them");
	ar_conf_free(&c);

	rc = ar_conf_parse("w.conf", "[watch]\nworkdir = /tmp/x\n", &c, err, sizeof(err));
	T_OK(rc == 0 && !strcmp(c.store, "/tmp/x/autorun.db"), "store follows workdir");
	ar_conf_free(&c);
	rc = ar_conf_parse("e.conf", "", &c, err, sizeof(err));
	T_OK(rc == 0 && c.nsources == 0, "an empty file is a valid (empty) config");
	ar_conf_free(&c);
	rc = ar_conf_parse("e.conf", "  # only comments\r\n\r\n[watch]\r\nreruns = 0\r\n", &c, err,
			   sizeof(err));
	T_OK(rc == 0 && c.reruns == 0, "CRLF lines and reruns = 0");
	ar_conf_free(&c);
}

/* Sections that make a valid base for the error cases. */
#define BASE_T "[target t]\nkind = qemu\n"
#define BASE_S "[suite s]\ntest = core.x\n"

static void test_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[bogus]\n", "e.conf:1: unknown section [bogus]" },
		{ "\n[watch]\ncolour = red\n", "e.conf:3: unknown key 'colour' in [watch]" },
		{ "# hi\nstore = x\n", "e.conf:2: key 'store' outside a section" },
		{ BASE_T "[target t]\nkind = netns\n",
		  "e.conf:3: duplicate target 't' (first at line 1)" },
		{ BASE_T "[source a]\nkind = dir\ntarget = t\npath = /x\n"
			 "[source a]\nkind = dir\ntarget = t\npath = /y\n",
		  "e.conf:7: duplicate source 'a' (first at line 3)" },
		{ BASE_S BASE_S, "e.conf:3: duplicate suite 's' (first at line 1)" },
		{ "[watch]\n[watch]\n", "e.conf:2: duplicate [watch] section (first at line 1)" },
		{ "[watch] x\n", "e.conf:1: text after ']' in section header" },
		{ "[watch x]\n", "e.conf:1: [watch] takes no name" },
		{ "[source]\n", "e.conf:1: [source] needs a name" },
		{ "[source a/b]\n",
		  "e.conf:1: bad source name 'a/b' (letters, digits, '.', '_', '-'; at most 63)" },
		{ "[watch\n", "e.conf:1: missing ']' in section header" },
		{ "[watch]\njust words\n", "e.conf:2: expected 'key = value' or a [section]" },
		{ "[watch]\n = 3\n", "e.conf:2: missing key before '='" },
		{ "[watch]\nworkdir =\n", "e.conf:2: key 'workdir' needs a value" },
		{ "[watch]\njobs = 2\njobs = 3\n",
		  "e.conf:3: duplicate key 'jobs' (first at line 2)" },
		{ "[watch]\ninterval = soon\n", "e.conf:2: 'interval' needs a number, not 'soon'" },
		{ "[watch]\ninterval = -5\n", "e.conf:2: 'interval' needs a number, not '-5'" },
		{ "[watch]\ninterval = 10s\n", "e.conf:2: 'interval' needs a number, not '10s'" },
		{ "[watch]\ninterval = 0\n",
		  "e.conf:2: 'interval' = 0 is out of range (1..604800)" },
		{ "[watch]\nreruns = 99999999999999999999\n",
		  "e.conf:2: 'reruns' needs a number, not '99999999999999999999'" },
		{ BASE_T "[source a]\nkind = svn\n",
		  "e.conf:4: unknown source kind 'svn' (debian-kernel, git, dir)" },
		{ "[target t]\nkind = xen\n", "e.conf:2: unknown target kind 'xen' (qemu, netns)" },
		{ "[target t]\nboot-timeout = 5\n", "e.conf:1: target t: missing key 'kind'" },
		{ BASE_T "[source a]\ntarget = t\n", "e.conf:3: source a: missing key 'kind'" },
		{ BASE_T "[source a]\nkind = dir\npath = /x\n",
		  "e.conf:3: source a: missing key 'target'" },
		{ BASE_T "[source a]\nkind = debian-kernel\ntarget = t\n",
		  "e.conf:3: source a: missing key 'packages'" },
		{ BASE_T "[source a]\nkind = git\ntarget = t\nbranch = main\n",
		  "e.conf:3: source a: missing key 'url'" },
		{ BASE_T "[source a]\nkind = git\ntarget = t\nurl = /r\n",
		  "e.conf:3: source a: a git source needs branch, stable-tags or rc-tags" },
		{ BASE_T "[source a]\nkind = dir\ntarget = t\n",
		  "e.conf:3: source a: missing key 'path'" },
		{ BASE_T "[source a]\nkind = debian-kernel\ntarget = t\npackages = x\nurl = /r\n",
		  "e.conf:7: key 'url' does not apply to a debian-kernel source" },
		{ BASE_T "[source a]\nurl = /r\nkind = dir\ntarget = t\npath = /x\n",
		  "e.conf:4: key 'url' does not apply to a dir source" },
		{ BASE_T "[source a]\nkind = debian-kernel\ntarget = t\npackages = x\n"
			 "configure = make\n",
		  "e.conf:7: key 'configure' does not apply to a debian-kernel source" },
		{ BASE_T "[source a]\nkind = debian-kernel\ntarget = t\npackages = x\n"
			 "apt-update = maybe\n",
		  "e.conf:7: 'apt-update' needs yes or no, not 'maybe'" },
		{ BASE_T "[source a]\nkind = git\ntarget = t\nurl = /r\nbranch = m\n"
			 "kinds = snapshot nightly\n",
		  "e.conf:8: unknown release kind 'nightly' (stable, rc, snapshot)" },
		{ BASE_T "[source a]\nkind = git\ntarget = t\nurl = /r\nbranch = m\n"
			 "kinds = snapshot rc\n",
		  "e.conf:8: kinds: rc needs rc-tags" },
		{ BASE_T "[source a]\nkind = git\ntarget = t\nurl = /r\nrc-tags = v*\n"
			 "kinds = stable\n",
		  "e.conf:8: kinds: stable needs stable-tags" },
		{ BASE_T "[source a]\nkind = git\ntarget = t\nurl = /r\nrc-tags = v*\n"
			 "kinds = snapshot\n",
		  "e.conf:8: kinds: snapshot needs branch" },
		{ BASE_T "[source a]\nkind = dir\npath = /x\ntarget = vm\n",
		  "e.conf:6: source a: no target named 'vm'" },
		{ "[source a]\nkind = dir\npath = /x\ntarget = t\n" BASE_T
		  "[target u]\nkind = qemu\n"
		  "[source b]\nkind = dir\npath = /y\ntarget = t\nsuites = s\n" BASE_S
		  "[source c]\nkind = dir\npath = /z\ntarget = t\nsuites = s\nsuites = s2\n",
		  "e.conf:21: source c: no suite named 's2'" },
		{ BASE_T "[target u]\nkind = qemu\nstable = nosrc/1.0\n",
		  "e.conf:5: target u: stable 'nosrc/1.0' names no source" },
		{ "[target u]\nkind = qemu\nstable = 1.0\n",
		  "e.conf:3: stable '1.0' is not SOURCE/VERSION" },
		{ "[target u]\nkind = qemu\nstable = src/\n",
		  "e.conf:3: stable 'src/' is not SOURCE/VERSION" },
		{ "[suite s]\ntype = switch\n",
		  "e.conf:2: unknown suite type 'switch' (host, router)" },
		{ "[suite s]\nsysctl = a=1 noequals\n",
		  "e.conf:2: sysctl 'noequals' is not KEY=VALUE" },
		{ "[suite s]\njobs = 4097\n", "e.conf:2: 'jobs' = 4097 is out of range (0..4096)" },
		{ "[suite s]\ntimeout = 0\n",
		  "e.conf:2: 'timeout' = 0 is out of range (1..604800)" },
		{ "[suite s]\ntest = a \\\n b \\\nc = d\nbogus = 1\n",
		  "e.conf:5: unknown key 'bogus' in [suite]" },
		{ "[suite s]\nsuite = core\n\nsuite = ipsec\n",
		  "e.conf:4: duplicate key 'suite' (first at line 2)" },
	};
	struct ar_conf c;
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = ar_conf_parse("e.conf", cases[i].text, &c, err, sizeof(err));

		T_OK(rc == -EINVAL, "error case %zu is refused", i);
		T_EQ_S(err, cases[i].want, "error case %zu message", i);
		T_OK(c.nsources == 0 && c.ntargets == 0 && c.sources == NULL && c.file == NULL,
		     "error case %zu leaves nothing allocated", i);
	}

	/* More values than a list holds. */
	{
		char text[1024];
		size_t n = snprintf(text, sizeof(text), "[suite s]\ntest =");

		for (int i = 0; i <= AR_LIST_MAX; i++)
			n += snprintf(text + n, sizeof(text) - n, " t%d", i);
		snprintf(text + n, sizeof(text) - n, "\n");
		T_OK(ar_conf_parse("e.conf", text, &c, err, sizeof(err)) == -EINVAL,
		     "33 test patterns are refused");
		T_EQ_S(err, "e.conf:2: too many values for 'test' (at most 32)", "message");
	}
	/* A short error buffer is cut, not overrun. */
	{
		char small[8];

		memset(small, 'x', sizeof(small));
		ar_conf_parse("e.conf", "[bogus]\n", &c, small, 6);
		T_OK(small[5] == '\0' && small[6] == 'x', "messages respect errlen");
	}
}

static void test_load(void)
{
	char dir[] = "/tmp/v6lab-test-ar-conf-XXXXXX", path[300], demo[512], err[512];
	struct ar_conf c;
	FILE *f;
	int rc;

	T_OK(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(path, sizeof(path), "%s/w.conf", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("[watch]\njobs = 3\n[target t]\nkind = netns\n[target t]\n", f);
		fclose(f);
	}
	rc = ar_conf_load(path, &c, err, sizeof(err));
	T_OK(rc == -EINVAL, "load reports a parse error");
	{
		char want[400];

		snprintf(want, sizeof(want), "%s:5: duplicate target 't' (first at line 3)", path);
		T_EQ_S(err, want, "load: the message names the file and line");
	}
	f = fopen(path, "w");
	if (f) {
		fputs("[watch]\njobs = 3\n", f);
		fclose(f);
	}
	rc = ar_conf_load(path, &c, err, sizeof(err));
	T_OK(rc == 0 && c.jobs == 3 && !strcmp(c.file, path), "load a file");
	ar_conf_free(&c);
	unlink(path);
	rc = ar_conf_load(path, &c, err, sizeof(err));
	T_OK(rc == -ENOENT, "a missing file is -ENOENT");
	{
		char want[400];

		snprintf(want, sizeof(want), "%s: cannot read: No such file or directory", path);
		T_EQ_S(err, want, "missing file message");
	}
	rmdir(dir);

	/* The demo config shipped with the sources. */
	snprintf(demo, sizeof(demo), "%s/../../../etc/autorun-demo.conf", SNIPDIR);
	rc = ar_conf_load(demo, &c, err, sizeof(err));
	T_EQ_U(rc, 0, "etc/autorun-demo.conf parses (%s)", err);
	if (!rc) {
		const struct ar_source_conf *a = ar_conf_source(&c, "deb61");
		const struct ar_source_conf *b = ar_conf_source(&c, "deb612");
		const struct ar_suite_conf *u = ar_conf_suite(&c, "core-host");

		T_OK(a && b && !strcmp(a->kind, "debian-kernel") && a->newest == 1 &&
			     b->newest == 1,
		     "demo: two debian-kernel sources, newest 1");
		T_OK(a && !strcmp(a->packages.v[0], "linux-image-6.1.0-*-cloud-amd64"),
		     "demo: the 6.1 cloud series");
		T_OK(b && !strcmp(b->packages.v[0], "linux-image-6.12.*+deb12-cloud-amd64"),
		     "demo: the 6.12 cloud series");
		T_OK(ar_conf_target(&c, "vm") && !strcmp(ar_conf_target(&c, "vm")->kind, "qemu"),
		     "demo: qemu target vm");
		T_OK(u && u->tests.n == 0 && !strcmp(u->type, "host") && !strcmp(u->suite, "core"),
		     "demo: core-host suite, the whole core suite");
		T_EQ_S(c.workdir, "out/autorun-demo", "demo workdir");
		T_EQ_U(c.jobs, 2, "demo jobs");
		ar_conf_free(&c);
	}
}

int main(void)
{
	test_full();
	test_defaults();
	test_errors();
	test_load();
	return t_done();
}
