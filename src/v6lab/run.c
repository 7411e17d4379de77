/*
 * `v6lab run`: loads the scripts of a suite, runs the tests that apply in
 * parallel (one child process per test, each with its own namespaces),
 * shows progress, and writes the per-test logs and pcaps, a summary on the
 * terminal, summary.html and summary.json, and a record in the run database.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "build.h"
#include "cmd.h"
#include "linkio.h"
#include "nut.h"
#include "qemu_image.h"
#include "run.h"
#include "script.h"
#include "store.h"
#include "topo.h"

#define NS_PREFIX "v6t"

struct job {
	int test;
	pid_t pid;
	int fd; /* result pipe */
};

struct runopts {
	const char *suite;
	const char *suites_dir;
	const char *out;
	const char *db;
	int jobs;
	int nfilters;
	const char *filters[256];
	bool list, check, strict, quiet;
	struct nut_config nut;
};

/* The section of a test, as in the Logo reports: the folder under its suite
 * (suites/core/rfc4861/nud.v6t -> rfc4861); outside the suites, the folder
 * that holds the script. */
static const char *section_of(const struct cf_test *t, const char *root)
{
	static __thread char sec[64];
	const char *p = t->file, *slash, *last = NULL;
	size_t rl = strlen(root);

	if (!strncmp(p, root, rl) && p[rl] == '/') {
		const char *suite = p + rl + 1, *rest = strchr(suite, '/');

		if (rest && (slash = strchr(rest + 1, '/'))) {
			snprintf(sec, sizeof(sec), "%.*s", (int)(slash - rest - 1), rest + 1);
			return sec;
		}
		snprintf(sec, sizeof(sec), "%.*s", rest ? (int)(rest - suite) : (int)strlen(suite), suite);
		return sec;
	}
	for (const char *q = p; (q = strchr(q, '/')); q++) {
		if (last)
			p = last + 1;
		last = q;
	}
	if (!last)
		return "scripts";
	snprintf(sec, sizeof(sec), "%.*s", (int)(last - p), p);
	return sec;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads one script; on a parse error prints it, drops the file's tests and
 * counts the error, so every broken file is reported in one pass. */
static int nerrors;

static void load_file(struct cf_suite *s, const char *path, const char *snips)
{
	int before = s->ntests;
	char err[1024];

	if (cf_script_load(s, path, snips, err, sizeof(err))) {
		fprintf(stderr, "v6lab run: %s\n", err);
		cf_suite_truncate(s, before);
		nerrors++;
	}
}

/* Loads every *.v6t under dir (sorted, recursively), skipping "common". */
static int load_dir(struct cf_suite *s, const char *dir, const char *snips, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char **nn;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "common"))
			continue;
		nn = realloc(names, sizeof(*names) * (n + 1));
		if (!nn) {
			rc = -1;
			break;
		}
		names = nn;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && !rc; i++) {
		char path[512];
		struct stat st;
		size_t l = strlen(names[i]);

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			rc = load_dir(s, path, snips, err, errlen);
		else if (l > 4 && !strcmp(names[i] + l - 4, ".v6t"))
			load_file(s, path, snips);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static bool selected(const struct runopts *o, const struct cf_test *t)
{
	if (!o->nfilters)
		return true;
	for (int i = 0; i < o->nfilters; i++)
		if (!fnmatch(o->filters[i], t->id, 0) || strstr(t->id, o->filters[i]))
			return true;
	return false;
}

static int mkdirs(const char *path)
{
	char tmp[1024];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, 0755) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static void run_child(const struct cf_test *t, struct runopts *o, const char *dir, int fd)
{
	struct nut_config cfg = o->nut;
	struct cf_result res;
	char tag[IFNAMSIZ];
	FILE *drvlog;
	char p[1024];

	snprintf(p, sizeof(p), "%s/driver.log", dir);
	drvlog = fopen(p, "w");
	cfg.log = drvlog;
	cfg.outdir = dir;
	if (net_topo_name(NS_PREFIX, NULL, tag, sizeof(tag)))
		snprintf(tag, sizeof(tag), "%s%d", NS_PREFIX, (int)getpid());
	cfg.tag = tag;
	cf_run_test(t, &cfg, &res);
	if (drvlog)
		fclose(drvlog);
	if (write(fd, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(3);
	_exit(0);
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: v6lab run [options] [--suite NAME | SCRIPT...]\n"
		"\n"
		"Runs conformance tests against a Node Under Test and reports a verdict per test.\n"
		"  --suite NAME       run suites/NAME (default: core)\n"
		"  --suites DIR       where the suites live (default: ./suites)\n"
		"  --nut DRIVER       netns (the local Linux kernel in namespaces; default), qemu\n"
		"                     (a Linux kernel in a VM per test) or manual\n"
		"  --type host|router NUT type (default host); tests for the other type are N/A\n"
		"  -j, --jobs N       tests run in parallel (default: 2 x CPUs)\n"
		"  -t, --test PATTERN run only tests whose id matches (glob or substring; repeatable)\n"
		"  --out DIR          results directory (default: out/run-DATE)\n"
		"  --db FILE          run database (default: out/v6lab.db)\n"
		"  --linkN IFNAME     manual driver: the tester's interface for linkN\n"
		"  --nut-mac linkN=MAC  the NUT's MAC on linkN\n"
		"  --feature NAME     declare a NUT feature (tests that need it run; others are N/A)\n"
		"  --nut-sysctl K=V   netns, qemu: set a sysctl on the NUT before its links come up\n"
		"                     (e.g. net.ipv6.conf.default.accept_ra=0; repeatable)\n"
		"  --kernel FILE      qemu driver: the vmlinuz to boot (initramfs built and cached\n"
		"                     in out/qemu-cache/VERSION; tests/qemu/fetch-kernel gets one)\n"
		"  --modules DIR      qemu driver: its lib/modules/VERSION (default: beside the\n"
		"                     kernel, as in an extracted Debian package)\n"
		"  --keep             leave the namespaces of each test behind (debugging)\n"
		"  --list             list the tests and exit\n"
		"  --check            only parse the scripts (reports file:line:column errors)\n"
		"  --strict           exit 1 when any test FAILs\n"
		"  -q, --quiet        no progress line\n"
		"Exit status: 0 the run completed; 1 with --strict and a FAIL; 2 bad usage or\n"
		"scripts; 3 some test ended in ERROR (the tester itself failed).\n");
}

static void iso_now(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void json_result(json_t *arr, const struct cf_test *t, const char *sec, const struct cf_result *r,
			const char *dir)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(t->id));
	json_object_set_new(o, "title", json_string(t->title));
	json_object_set_new(o, "section", json_string(sec));
	json_object_set_new(o, "spec", json_string(t->spec));
	json_object_set_new(o, "rfc", json_string(t->rfc));
	json_object_set_new(o, "verdict", json_string(cf_verdict_name(r->verdict)));
	json_object_set_new(o, "reason", json_string(r->reason));
	json_object_set_new(o, "file", json_string(r->file[0] ? r->file : t->file));
	json_object_set_new(o, "line", json_integer(r->line ? r->line : t->line));
	json_object_set_new(o, "secs", json_real(r->secs));
	json_object_set_new(o, "log", json_string(dir));
	json_array_append_new(arr, o);
}

int cmd_run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "suite", required_argument, NULL, 's' },   { "suites", required_argument, NULL, 'S' },
		{ "nut", required_argument, NULL, 'n' },     { "type", required_argument, NULL, 'T' },
		{ "jobs", required_argument, NULL, 'j' },    { "test", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },     { "db", required_argument, NULL, 'd' },
		{ "nut-mac", required_argument, NULL, 'm' }, { "feature", required_argument, NULL, 'f' },
		{ "keep", no_argument, NULL, 'k' },	     { "list", no_argument, NULL, 'l' },
		{ "check", no_argument, NULL, 'c' },	     { "strict", no_argument, NULL, 'x' },
		{ "quiet", no_argument, NULL, 'q' },	     { "help", no_argument, NULL, 'h' },
		{ "link0", required_argument, NULL, 1000 },  { "link1", required_argument, NULL, 1001 },
		{ "link2", required_argument, NULL, 1002 },  { "link3", required_argument, NULL, 1003 },
		{ "nut-sysctl", required_argument, NULL, 'y' },
		{ "kernel", required_argument, NULL, 'K' },  { "modules", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	struct runopts o = { .suite = NULL, .suites_dir = "suites", .jobs = 0 };
	struct cf_suite suite = { 0 };
	char err[1024], outdir[512], started[32], path[1024];
	struct cf_store_db *db = NULL;
	int64_t run_id = 0;
	int c, counts[6] = { 0 }, *order = NULL, norder = 0, done = 0, rc = 0, next = 0, running = 0;
	struct job *jobs = NULL;
	struct cf_result *results = NULL;
	uint64_t t0;
	json_t *jres;
	FILE *fp;
	int nscripts = 0;
	bool tty = isatty(1);

	o.nut.driver = "netns";
	o.nut.type = CF_NUT_HOST;
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:t:qh", lo, NULL)) != -1) {
		switch (c) {
		case 's': o.suite = optarg; break;
		case 'S': o.suites_dir = optarg; break;
		case 'n': o.nut.driver = optarg; break;
		case 'T':
			if (!strcmp(optarg, "host"))
				o.nut.type = CF_NUT_HOST;
			else if (!strcmp(optarg, "router"))
				o.nut.type = CF_NUT_ROUTER;
			else {
				fprintf(stderr, "v6lab run: --type host or router, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'j':
			o.jobs = atoi(optarg);
			if (o.jobs < 1 || o.jobs > 256) {
				fprintf(stderr, "v6lab run: -j wants 1..256\n");
				return 2;
			}
			break;
		case 't':
			if (o.nfilters == (int)(sizeof(o.filters) / sizeof(o.filters[0]))) {
				fprintf(stderr, "v6lab run: at most %d -t patterns\n", o.nfilters);
				return 2;
			}
			o.filters[o.nfilters++] = optarg;
			break;
		case 'o': o.out = optarg; break;
		case 'd': o.db = optarg; break;
		case 'm': {
			int l;
			unsigned m[6];

			if (sscanf(optarg, "link%d=%x:%x:%x:%x:%x:%x", &l, &m[0], &m[1], &m[2], &m[3], &m[4],
				   &m[5]) != 7 || l < 0 || l >= NUT_MAX_LINKS) {
				fprintf(stderr, "v6lab run: --nut-mac linkN=aa:bb:cc:dd:ee:ff\n");
				return 2;
			}
			for (int i = 0; i < 6; i++)
				o.nut.nut_mac[l][i] = (uint8_t)m[i];
			o.nut.have_nut_mac[l] = true;
			break;
		}
		case 'f':
			if (o.nut.nfeatures < 16)
				o.nut.features[o.nut.nfeatures++] = optarg;
			break;
		case 'y':
			if (!strchr(optarg, '=') || o.nut.nsysctls >= 16) {
				fprintf(stderr, "v6lab run: --nut-sysctl KEY=VALUE (at most 16)\n");
				return 2;
			}
			o.nut.sysctls[o.nut.nsysctls++] = optarg;
			break;
		case 'K': o.nut.kernel = optarg; break;
		case 'M': o.nut.modules = optarg; break;
		case 'k': o.nut.keep = true; break;
		case 'l': o.list = true; break;
		case 'c': o.check = true; break;
		case 'x': o.strict = true; break;
		case 'q': o.quiet = true; break;
		case 'h': usage(stdout); return 0;
		default:
			if (c >= 1000 && c < 1000 + NUT_MAX_LINKS) {
				o.nut.link_ifname[c - 1000] = optarg;
				break;
			}
			usage(stderr);
			return 2;
		}
	}
	if (!o.nut.driver || !nut_driver(o.nut.driver)) {
		fprintf(stderr, "v6lab run: unknown NUT driver '%s' (netns, qemu, manual)\n", o.nut.driver);
		return 2;
	}
	if (!o.jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		o.jobs = n > 0 ? (int)n * 2 : 2;
	}
	/* Scripts named on the command line, or the suite directory. */
	for (int i = optind; i < argc; i++, nscripts++)
		load_file(&suite, argv[i], o.suites_dir);
	if (!nscripts) {
		snprintf(path, sizeof(path), "%s/%s", o.suites_dir, o.suite ? o.suite : "core");
		if (load_dir(&suite, path, o.suites_dir, err, sizeof(err))) {
			fprintf(stderr, "v6lab run: %s\n", err);
			cf_suite_free(&suite);
			return 2;
		}
	}
	if (nerrors) {
		fprintf(stderr, "v6lab run: %d script file(s) with errors\n", nerrors);
		cf_suite_free(&suite);
		return 2;
	}
	if (o.check) {
		printf("%d tests parsed, no errors\n", suite.ntests);
		cf_suite_free(&suite);
		return 0;
	}
	for (int i = 0; i < suite.ntests; i++)
		if (selected(&o, &suite.tests[i]))
			norder++;
	if (o.list) {
		for (int i = 0; i < suite.ntests; i++)
			if (selected(&o, &suite.tests[i]))
				printf("%-48s %-6s %-16s %s\n", suite.tests[i].id,
				       suite.tests[i].nut == (CF_NUT_HOST | CF_NUT_ROUTER) ? "both"
				       : suite.tests[i].nut == CF_NUT_HOST		   ? "host"
											   : "router",
				       suite.tests[i].spec[0] ? suite.tests[i].spec : "-", suite.tests[i].title);
		cf_suite_free(&suite);
		return 0;
	}
	if (!norder) {
		fprintf(stderr, "v6lab run: no test selected\n");
		cf_suite_free(&suite);
		return 2;
	}
	if (geteuid() != 0 && (!strcmp(o.nut.driver, "netns") || !strcmp(o.nut.driver, "qemu"))) {
		fprintf(stderr, "v6lab run: the %s driver needs root (namespaces, %s, AF_PACKET)\n",
			o.nut.driver, strcmp(o.nut.driver, "qemu") ? "veth" : "TAP");
		cf_suite_free(&suite);
		return 2;
	}
	if (!strcmp(o.nut.driver, "qemu") && !o.nut.kernel) {
		fprintf(stderr, "v6lab run: the qemu driver needs --kernel FILE\n");
		cf_suite_free(&suite);
		return 2;
	}
	iso_now(started, sizeof(started));
	if (o.out) {
		snprintf(outdir, sizeof(outdir), "%s", o.out);
	} else {
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
		snprintf(outdir, sizeof(outdir), "out/run-%s-%s", ts,
			 o.nut.type == CF_NUT_HOST ? "host" : "router");
	}
	if (mkdirs(outdir)) {
		fprintf(stderr, "v6lab run: cannot create %s: %s\n", outdir, strerror(errno));
		cf_suite_free(&suite);
		return 2;
	}
	{
		struct utsname u;
		char kver[128] = "unknown";
		struct cf_run_info ri = { .started = started, .driver = o.nut.driver,
					  .nut_type = o.nut.type == CF_NUT_HOST ? "host" : "router",
					  .suite = o.suite ? o.suite : (nscripts ? "scripts" : "core"),
					  .outdir = outdir, .jobs = o.jobs };
		char dbp[600];

		uname(&u);
		if (!strcmp(o.nut.driver, "qemu"))
			qemu_image_version(o.nut.kernel, o.nut.modules, kver, sizeof(kver));
		ri.kernel = !strcmp(o.nut.driver, "netns") ? u.release : kver;
		snprintf(dbp, sizeof(dbp), "%s", o.db ? o.db : "out/v6lab.db");
		if (!o.db)
			mkdirs("out");
		if (cf_db_open(dbp, &db, err, sizeof(err)) || cf_db_run_begin(db, &ri, &run_id)) {
			fprintf(stderr, "v6lab run: run database: %s (results are still written to %s)\n", err,
				outdir);
			cf_db_close(db);
			db = NULL;
		}
	}
	if (!strcmp(o.nut.driver, "netns") || !strcmp(o.nut.driver, "qemu"))
		net_topo_safety_net(NS_PREFIX);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	order = calloc((size_t)norder, sizeof(*order));
	jobs = calloc((size_t)o.jobs, sizeof(*jobs));
	results = calloc((size_t)suite.ntests, sizeof(*results));
	if (!order || !jobs || !results) {
		fprintf(stderr, "v6lab run: out of memory\n");
		return 2;
	}
	norder = 0;
	for (int i = 0; i < suite.ntests; i++)
		if (selected(&o, &suite.tests[i]))
			order[norder++] = i;
	for (int i = 0; i < o.jobs; i++)
		jobs[i].pid = 0;
	fflush(NULL);
	t0 = cf_now_ms();
	if (!o.quiet)
		printf("v6lab: %d tests, NUT %s %s, %d in parallel, results in %s\n", norder, o.nut.driver,
		       o.nut.type == CF_NUT_HOST ? "host" : "router", o.jobs, outdir);
	while (done < norder) {
		/* Start tests while there are free slots. */
		while (!stop_flag && running < o.jobs && next < norder) {
			int fds[2], slot = 0;
			const struct cf_test *t = &suite.tests[order[next]];
			char dir[1024];

			while (jobs[slot].pid)
				slot++;
			snprintf(dir, sizeof(dir), "%s/%s", outdir, t->id);
			mkdirs(dir);
			if (pipe(fds)) {
				fprintf(stderr, "v6lab run: pipe: %s\n", strerror(errno));
				stop_flag = 1;
				break;
			}
			fflush(NULL);
			jobs[slot].pid = fork();
			if (jobs[slot].pid == 0) {
				close(fds[0]);
				signal(SIGINT, SIG_DFL);
				signal(SIGTERM, SIG_DFL);
				run_child(t, &o, dir, fds[1]);
			}
			close(fds[1]);
			if (jobs[slot].pid < 0) {
				jobs[slot].pid = 0;
				close(fds[0]);
				fprintf(stderr, "v6lab run: fork: %s\n", strerror(errno));
				stop_flag = 1;
				break;
			}
			jobs[slot].fd = fds[0];
			jobs[slot].test = order[next];
			next++;
			running++;
		}
		if (stop_flag && !running)
			break;
		{
			int st;
			pid_t pid = waitpid(-1, &st, 0);

			if (pid < 0) {
				if (errno == EINTR) {
					if (stop_flag)
						for (int i = 0; i < o.jobs; i++)
							if (jobs[i].pid)
								kill(jobs[i].pid, SIGTERM);
					continue;
				}
				break;
			}
			for (int i = 0; i < o.jobs; i++) {
				struct cf_result *r;
				const struct cf_test *t;
				char dir[1024];

				if (jobs[i].pid != pid)
					continue;
				t = &suite.tests[jobs[i].test];
				r = &results[jobs[i].test];
				if (read(jobs[i].fd, r, sizeof(*r)) != (ssize_t)sizeof(*r)) {
					memset(r, 0, sizeof(*r));
					r->verdict = CF_ERROR;
					snprintf(r->reason, sizeof(r->reason), "the test process died (%s %d)",
						 WIFSIGNALED(st) ? "signal" : "status",
						 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
				}
				close(jobs[i].fd);
				jobs[i].pid = 0;
				running--;
				done++;
				counts[r->verdict]++;
				snprintf(dir, sizeof(dir), "%s/%s", outdir, t->id);
				if (db)
					cf_db_result(db, run_id, t, section_of(t, o.suites_dir), r, dir);
				if (!o.quiet) {
					if (tty)
						printf("\r\033[K");
					if (r->verdict != CF_PASS || !tty)
						printf("%-5s %-44s %5.1fs %s\n", cf_verdict_name(r->verdict), t->id,
						       r->secs, r->reason);
					if (tty)
						printf("[%d/%d] pass %d warn %d fail %d n/a %d error %d  %.0fs",
						       done, norder, counts[CF_PASS], counts[CF_WARN],
						       counts[CF_FAIL], counts[CF_NA], counts[CF_ERROR],
						       (double)(cf_now_ms() - t0) / 1000.0);
					fflush(stdout);
				}
			}
		}
	}
	if (!o.quiet && tty)
		printf("\n");
	{
		double secs = (double)(cf_now_ms() - t0) / 1000.0;
		const char *secs_seen[64];
		int nsec = 0;

		/* Summary table per section. */
		printf("\n%-16s %5s %5s %5s %5s %5s %5s %6s\n", "section", "PASS", "WARN", "FAIL", "SKIP",
		       "N/A", "ERROR", "total");
		for (int k = 0; k < norder; k++) {
			const char *sec = section_of(&suite.tests[order[k]], o.suites_dir);
			int cc[6] = { 0 }, tot = 0;
			bool seen = false;
			char secbuf[64];

			for (int s = 0; s < nsec; s++)
				seen |= !strcmp(secs_seen[s], sec);
			if (seen || nsec >= 64)
				continue;
			snprintf(secbuf, sizeof(secbuf), "%s", sec);
			secs_seen[nsec++] = strdup(secbuf);
			for (int m = 0; m < norder; m++)
				if (!strcmp(section_of(&suite.tests[order[m]], o.suites_dir), secbuf) &&
				    (m < next)) {
					cc[results[order[m]].verdict]++;
					tot++;
				}
			printf("%-16s %5d %5d %5d %5d %5d %5d %6d\n", secbuf, cc[0], cc[1], cc[2], cc[3], cc[4],
			       cc[5], tot);
		}
		for (int k = 0; k < nsec; k++)
			free((char *)secs_seen[k]);
		printf("%-16s %5d %5d %5d %5d %5d %5d %6d\n", "all", counts[0], counts[1], counts[2],
		       counts[3], counts[4], counts[5], done);
		printf("\n%d tests in %.1fs (%.0f tests/min) with -j %d\n", done, secs,
		       secs > 0 ? done * 60.0 / secs : 0.0, o.jobs);
		/* summary.json and summary.html */
		jres = json_array();
		for (int k = 0; k < norder; k++)
			if (k < next) {
				char dir[1024];

				snprintf(dir, sizeof(dir), "%s", suite.tests[order[k]].id);
				json_result(jres, &suite.tests[order[k]],
					    section_of(&suite.tests[order[k]], o.suites_dir), &results[order[k]], dir);
			}
		{
			json_t *top = json_object(), *cnt = json_object();

			for (int v = 0; v < 6; v++)
				json_object_set_new(cnt, cf_verdict_name((enum cf_verdict)v), json_integer(counts[v]));
			json_object_set_new(top, "started", json_string(started));
			json_object_set_new(top, "driver", json_string(o.nut.driver));
			json_object_set_new(top, "nut_type",
					    json_string(o.nut.type == CF_NUT_HOST ? "host" : "router"));
			json_object_set_new(top, "secs", json_real(secs));
			json_object_set_new(top, "jobs", json_integer(o.jobs));
			json_object_set_new(top, "counts", cnt);
			json_object_set_new(top, "results", jres);
			snprintf(path, sizeof(path), "%s/summary.json", outdir);
			json_dump_file(top, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
			json_decref(top);
		}
		snprintf(path, sizeof(path), "%s/summary.html", outdir);
		fp = fopen(path, "w");
		if (fp) {
			static const char *const color[] = { "#cfc", "#ffc", "#fcc", "#eee", "#eee", "#f9f" };

			fprintf(fp, "<!doctype html><html><head><meta charset=\"utf-8\"><title>v6lab run %s"
				    "</title><style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:left}"
				    "</style></head><body><h1>v6lab run %s</h1><p>NUT %s %s, %d tests, %.1fs</p>"
				    "<p>PASS %d &middot; WARN %d &middot; FAIL %d &middot; SKIP %d &middot; N/A %d "
				    "&middot; ERROR %d</p><table><tr><th>verdict</th><th>test</th><th>RFC</th>"
				    "<th>spec</th><th>reason</th></tr>\n",
				started, started, o.nut.driver, o.nut.type == CF_NUT_HOST ? "host" : "router", done,
				secs, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
			for (int k = 0; k < norder && k < next; k++) {
				const struct cf_test *t = &suite.tests[order[k]];
				const struct cf_result *r = &results[order[k]];

				fprintf(fp, "<tr style=\"background:%s\"><td>%s</td><td><a href=\"%s/log.html\">%s"
					    "</a><br><small>", color[r->verdict], cf_verdict_name(r->verdict), t->id,
					t->id);
				for (const char *q = t->title; *q; q++)
					fputs(*q == '<' ? "&lt;" : *q == '&' ? "&amp;" : (char[]){ *q, 0 }, fp);
				fprintf(fp, "</small></td><td>%s</td><td>%s</td><td>", t->rfc, t->spec);
				for (const char *q = r->reason; *q; q++)
					fputs(*q == '<' ? "&lt;" : *q == '&' ? "&amp;" : (char[]){ *q, 0 }, fp);
				fprintf(fp, "</td></tr>\n");
			}
			fprintf(fp, "</table></body></html>\n");
			fclose(fp);
		}
		if (db) {
			cf_db_run_end(db, run_id, secs, counts);
			printf("changes since the previous run of this NUT:\n");
			if (cf_db_diff_previous(db, run_id, stdout) == 0)
				printf("  none\n");
			cf_db_close(db);
		}
		printf("report: %s/summary.html  (json: %s/summary.json)\n", outdir, outdir);
	}
	if (stop_flag)
		rc = 130;
	else if (counts[CF_ERROR])
		rc = 3;
	else if (o.strict && counts[CF_FAIL])
		rc = 1;
	free(order);
	free(jobs);
	free(results);
	cf_suite_free(&suite);
	return rc;
}
