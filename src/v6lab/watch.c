/*
 * v6lab watch: the automatic running system's watcher (one pass with
 * --once, for a timer; otherwise a loop with an interval), and v6lab
 * compare: the tests whose verdict changed between two suite runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "compare.h"
#include "conf.h"
#include "pipeline.h"
#include "util.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	/* A second signal stops at once; the next pass recovers the run. */
	if (stop_flag)
		signal(sig, SIG_DFL), raise(sig);
	stop_flag = 1;
}

static void watch_usage(FILE *fp)
{
	fprintf(fp,
		"usage: v6lab watch --config FILE [--once] [--interval SECONDS] [--store URI] [-q]\n"
		"\n"
		"Waits for new releases of the stacks named in the config file, and takes each\n"
		"through fetch, configure, build, install, boot (version checked), the suites\n"
		"(a reboot before each), the return to the stable release, storing and comparing\n"
		"with the previous release. Results go to the store that `v6lab serve` shows.\n"
		"  -c, --config FILE    the watch configuration (docs/autorun-config.md)\n"
		"  --once               poll every source once, handle what is new, exit\n"
		"  --interval SECONDS   time between polls (default: [watch] interval, 3600)\n"
		"  --store URI          results store (default: [watch] store)\n"
		"  -q, --quiet          no progress lines\n"
		"A stopped watcher (SIGINT/SIGTERM: after the current step; a second signal at\n"
		"once) loses nothing recorded: the next pass marks the interrupted run and\n"
		"handles its release again.\n"
		"Exit status: 0 done; 1 the store failed; 2 bad usage or configuration.\n");
}

static int lock_workdir(const char *workdir)
{
	char path[PATH_MAX];
	int fd;

	if (ar_mkdirs(workdir)) {
		fprintf(stderr, "v6lab watch: cannot create %s: %s\n", workdir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/watch.lock", workdir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
		fprintf(stderr, "v6lab watch: another watcher works in %s (%s)\n", workdir,
			fd < 0 ? strerror(errno) : "locked");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int cmd_watch(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' }, { "once", no_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' }, { "store", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },	      { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *store = NULL;
	long interval = -1;
	bool once = false, quiet = false;
	struct ar_conf conf = { 0 };
	struct ar_store *st = NULL;
	struct ar_watch w = { 0 };
	char err[1024], self[PATH_MAX];
	ssize_t n;
	int opt, rc, lockfd, status = 0;

	while ((opt = getopt_long(argc, argv, "c:qh", lo, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			once = true;
			break;
		case 'i': {
			char *end;

			errno = 0;
			interval = strtol(optarg, &end, 10);
			if (errno || *end || interval < 1 || interval > 7 * 86400) {
				fprintf(stderr, "v6lab watch: --interval wants 1..604800 seconds\n");
				return 2;
			}
			break;
		}
		case 's':
			store = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			watch_usage(stdout);
			return 0;
		default:
			watch_usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !config) {
		if (!config)
			fprintf(stderr, "v6lab watch: --config FILE is needed\n");
		watch_usage(stderr);
		return 2;
	}
	rc = ar_conf_load(config, &conf, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "v6lab watch: %s\n", err);
		return 2;
	}
	if (interval > 0)
		conf.interval = (unsigned)interval;
	lockfd = lock_workdir(conf.workdir);
	if (lockfd < 0) {
		ar_conf_free(&conf);
		return 2;
	}
	rc = ar_store_open(store ? store : conf.store, &st, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "v6lab watch: %s\n", err);
		close(lockfd);
		ar_conf_free(&conf);
		return 1;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		snprintf(self, sizeof(self), "%s", "v6lab");
	else
		self[n] = 0;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	w.conf = &conf;
	w.st = st;
	w.self = self;
	w.out = quiet ? NULL : stdout;
	w.stop = &stop_flag;
	for (;;) {
		time_t next;

		rc = ar_watch_pass(&w);
		if (rc) {
			fprintf(stderr, "v6lab watch: store: %s\n", strerror(-rc));
			status = 1;
			break;
		}
		if (!quiet)
			printf("watch: pass done: %d new release(s), %d done, %d failed, %d need "
			       "attention, %d interrupted\n",
			       w.releases_new, w.runs_done, w.runs_failed, w.runs_attention,
			       w.runs_interrupted);
		if (once || stop_flag)
			break;
		next = time(NULL) + conf.interval;
		if (!quiet) {
			char when[32];

			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&next));
			printf("watch: next poll at %s\n", when);
			fflush(stdout);
		}
		while (!stop_flag && time(NULL) < next)
			sleep(1);
		if (stop_flag)
			break;
	}
	if (stop_flag && !quiet)
		printf("watch: stopped\n");
	ar_store_close(st);
	close(lockfd);
	ar_conf_free(&conf);
	return status;
}

/* ---- compare ---- */

static void compare_usage(FILE *fp)
{
	fprintf(fp,
		"usage: v6lab compare [--store URI | --config FILE] [--json] A B\n"
		"       v6lab compare [--store URI | --config FILE] [--json] --previous B\n"
		"\n"
		"Lists the tests whose verdict changed from suite run A to suite run B (ids as\n"
		"shown by `v6lab serve` and its API), with --previous against the previous\n"
		"release's run of the same suite and target.\n"
		"Exit status: 0 no change; 1 some verdicts changed; 2 bad usage or store error.\n");
}

static int parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0 || !*s)
		return -EINVAL;
	*id = v;
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "store", required_argument, NULL, 's' }, { "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },	   { "previous", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },	   { NULL, 0, NULL, 0 },
	};
	const char *store = NULL, *config = NULL;
	bool json = false, previous = false;
	struct ar_conf conf = { 0 };
	struct ar_store *st = NULL;
	struct ar_diff d = { 0 };
	int64_t a = 0, b = 0;
	size_t changed;
	char err[1024];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "s:c:h", lo, NULL)) != -1) {
		switch (opt) {
		case 's':
			store = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			previous = true;
			break;
		case 'h':
			compare_usage(stdout);
			return 0;
		default:
			compare_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != (previous ? 1 : 2) ||
	    (!previous && parse_id(argv[optind], &a)) ||
	    parse_id(argv[argc - 1], &b)) {
		fprintf(stderr, "v6lab compare: wants two suite run ids (positive integers)\n");
		compare_usage(stderr);
		return 2;
	}
	if (config) {
		rc = ar_conf_load(config, &conf, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "v6lab compare: %s\n", err);
			return 2;
		}
		if (!store)
			store = conf.store;
	}
	if (!store)
		store = "out/autorun/autorun.db";
	if (access(store, F_OK) && !strstr(store, "://") && strncmp(store, "sqlite:", 7)) {
		fprintf(stderr, "v6lab compare: no store at %s\n", store);
		ar_conf_free(&conf);
		return 2;
	}
	rc = ar_store_open(store, &st, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "v6lab compare: %s\n", err);
		ar_conf_free(&conf);
		return 2;
	}
	if (previous) {
		rc = st->ops->previous_suite(st, b, &a);
		if (!rc && !a) {
			fprintf(stderr, "v6lab compare: suite run %lld has no previous run\n",
				(long long)b);
			rc = -ENOENT;
			goto out;
		}
	}
	if (!rc)
		rc = ar_compare(st, a, b, &d);
	if (rc) {
		fprintf(stderr, "v6lab compare: %s\n",
			rc == -ENOENT ? "no such suite run" : strerror(-rc));
		goto out;
	}
	if (json) {
		json_t *o = json_pack("{s:I,s:I,s:i,s:[]}", "a", (json_int_t)a, "b", (json_int_t)b,
				      "same", d.same, "changes");
		json_t *ch = json_object_get(o, "changes");

		for (size_t i = 0; i < d.n; i++)
			json_array_append_new(ch, json_pack("{s:s,s:s,s:s,s:s}", "test", d.v[i].test,
							    "old", d.v[i].old_verdict, "new",
							    d.v[i].new_verdict, "flag",
							    d.v[i].new_flag));
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		for (size_t i = 0; i < d.n; i++)
			printf("%-64s %-5s -> %-5s %s\n", d.v[i].test,
			       d.v[i].old_verdict[0] ? d.v[i].old_verdict : "-",
			       d.v[i].new_verdict[0] ? d.v[i].new_verdict : "-", d.v[i].new_flag);
		printf("suite run %lld -> %lld: %zu changed, %d the same\n", (long long)a,
		       (long long)b, d.n, d.same);
	}
out:
	changed = d.n;
	ar_diff_free(&d);
	ar_store_close(st);
	ar_conf_free(&conf);
	if (rc)
		return 2;
	return changed ? 1 : 0;
}
