/*
 * The watcher's pipeline (see pipeline.h). Each step gets a log file in the
 * run's directory (WORKDIR/runs/RUN/NN-STEP.log) and a row in the store;
 * when the step ends its log goes into the store with its status. The
 * suites run as `v6lab run` child processes, whose summary.json and per-test
 * folders (log.txt, pcaps, console.log) are read back into the store.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "pipeline.h"
#include "source.h"
#include "target.h"
#include "util.h"

#define MAX_RERUN_TESTS 256

struct step {
	struct ar_watch *w;
	int64_t id;
	FILE *log;
	char path[PATH_MAX];
	char name[96];
	double t0;
};

/* One release on its way through the pipeline. */
struct job {
	struct ar_watch *w;
	const struct ar_source_conf *sc;
	const struct ar_source_ops *sops;
	const struct ar_target_conf *tc;
	const struct ar_target_ops *tops;
	const struct ar_release *r;
	int64_t release_id, run_id;
	char rundir[PATH_MAX];
	char label[256];
	int nstep;
	struct ar_artifacts a;
	char note[512];
	bool interrupted;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void say(struct ar_watch *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct ar_watch *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->out)
		return;
	va_start(ap, fmt);
	vfprintf(w->out, fmt, ap);
	va_end(ap);
	fputc('\n', w->out);
	fflush(w->out);
}

/* A version as one path component: [A-Za-z0-9._+-], others become '_'. */
static void safe_name(const char *in, char *out, size_t n)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < n; i++) {
		char c = in[i];

		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
					 c == '.' || c == '_' || c == '+' || c == '-'
				 ? c
				 : '_';
	}
	out[i] = 0;
	if (!strcmp(out, ".") || !strcmp(out, "..") || !out[0])
		snprintf(out, n, "_");
}

static int step_begin(struct job *j, const char *name, struct step *s)
{
	struct ar_watch *w = j->w;
	char fname[128];
	int rc;

	memset(s, 0, sizeof(*s));
	s->w = w;
	s->t0 = now();
	snprintf(s->name, sizeof(s->name), "%s", name);
	safe_name(name, fname, sizeof(fname));
	snprintf(s->path, sizeof(s->path), "%s/%02d-%s.log", j->rundir, ++j->nstep, fname);
	s->log = fopen(s->path, "w+");
	if (!s->log) {
		say(w, "%s: cannot write %s: %s", j->label, s->path, strerror(errno));
		return -errno;
	}
	setvbuf(s->log, NULL, _IOLBF, 0);
	rc = w->st->ops->step_begin(w->st, j->run_id, name, &s->id);
	if (rc) {
		say(w, "%s: store: cannot record step %s: %s", j->label, name, strerror(-rc));
		fclose(s->log);
		s->log = NULL;
		return rc;
	}
	if (w->out) {
		fprintf(w->out, "%s %-22s ", j->label, name);
		fflush(w->out);
	}
	return 0;
}

/* Ends a step: its log file goes into the store with status and note. */
static int step_end(struct step *s, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int step_end(struct step *s, const char *status, const char *fmt, ...)
{
	struct ar_watch *w = s->w;
	char note[512] = "", *text = NULL;
	size_t len = 0;
	va_list ap;
	int rc;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(note, sizeof(note), fmt, ap);
		va_end(ap);
	}
	if (s->log) {
		fprintf(s->log, "== %s: %s%s%s (%.1f s)\n", s->name, status, note[0] ? ": " : "",
			note, now() - s->t0);
		fclose(s->log);
		s->log = NULL;
	}
	if (ar_read_file(s->path, &text, &len)) {
		text = NULL;
		len = 0;
	}
	rc = w->st->ops->step_end(w->st, s->id, status, note, text, len);
	free(text);
	if (w->out) {
		fprintf(w->out, "%-7s %6.1f s%s%s\n", status, now() - s->t0, note[0] ? "  " : "", note);
		fflush(w->out);
	}
	return rc;
}

/* Appends a file (console log) to a step log. */
static void append_file(FILE *log, const char *title, const char *path)
{
	char *text = NULL;
	size_t len = 0;

	if (ar_read_file(path, &text, &len))
		return;
	fprintf(log, "---- %s (%s, %zu bytes) ----\n", title, path, len);
	fwrite(text, 1, len, log);
	if (len && text[len - 1] != '\n')
		fputc('\n', log);
	fprintf(log, "---- end of %s ----\n", title);
	free(text);
}

static bool stopping(struct job *j)
{
	if (j->w->stop && *j->w->stop)
		j->interrupted = true;
	return j->interrupted;
}

/* ---- build steps ---- */

/* Runs a source step; AR_SKIPPED is recorded as skipped. */
static int source_step(struct job *j, const char *name, struct step *s, int rc)
{
	if (rc == AR_SKIPPED)
		return step_end(s, "skipped", "nothing to do for a %s release", j->r->kind) ? -EIO : 0;
	if (rc) {
		/* Sources give -EIO for a command that exited non-zero. */
		const char *why = rc > 0 || rc == -EIO ? "a command failed, see its log"
						      : strerror(-rc);

		snprintf(j->note, sizeof(j->note), "%s failed: %s", name, why);
		step_end(s, "failed", "%s", why);
		return -1;
	}
	return step_end(s, "ok", NULL) ? -EIO : 0;
}

static void record_artifact(struct job *j, FILE *log, const char *kind, const char *path)
{
	char hex[65], p[PATH_MAX];
	uint64_t size = 0;

	if (!path[0])
		return;
	/* A module tree is identified by its modules.dep. */
	if (!strcmp(kind, "modules"))
		snprintf(p, sizeof(p), "%s/modules.dep", path);
	else
		snprintf(p, sizeof(p), "%s", path);
	if (ar_sha256_file(p, hex, &size)) {
		fprintf(log, "artifact %s: %s unreadable\n", kind, p);
		return;
	}
	fprintf(log, "artifact %-8s %s sha256 %s (%llu bytes)\n", kind, path, hex,
		(unsigned long long)size);
	j->w->st->ops->artifact_add(j->w->st, j->release_id, kind, path, hex, size);
}

static int build_release(struct job *j)
{
	struct ar_watch *w = j->w;
	char work[PATH_MAX], sv[256], ss[AR_NAME_MAX];
	struct step s;
	int rc;

	safe_name(j->r->version, sv, sizeof(sv));
	safe_name(j->sc->name, ss, sizeof(ss));
	snprintf(work, sizeof(work), "%s/work/%s/%s", w->conf->workdir, ss, sv);
	snprintf(j->a.dir, sizeof(j->a.dir), "%s/artifacts/%s/%s", w->conf->workdir, ss, sv);

	if (step_begin(j, "fetch", &s))
		return -EIO;
	fprintf(s.log, "release %s %s (%s), ref %s\n", j->r->source, j->r->version, j->r->kind,
		j->r->ref);
	ar_rmtree(work);
	rc = ar_mkdirs(work);
	if (!rc)
		rc = j->sops->fetch(j->sc, j->r, work, s.log);
	if (source_step(j, "fetch", &s, rc) || stopping(j))
		return -1;

	if (step_begin(j, "configure", &s))
		return -EIO;
	rc = j->sops->configure(j->sc, j->r, work, s.log);
	if (source_step(j, "configure", &s, rc) || stopping(j))
		return -1;

	if (step_begin(j, "build", &s))
		return -EIO;
	fprintf(s.log, "jobs %u\n", w->conf->jobs);
	rc = j->sops->build(j->sc, j->r, work, w->conf->jobs, s.log);
	if (source_step(j, "build", &s, rc) || stopping(j))
		return -1;

	if (step_begin(j, "install", &s))
		return -EIO;
	ar_rmtree(j->a.dir);
	rc = ar_mkdirs(j->a.dir);
	if (!rc)
		rc = j->sops->install(j->sc, j->r, work, &j->a, s.log);
	if (!rc && !j->a.release[0]) {
		fprintf(s.log, "install gave no release string\n");
		rc = -ENOENT;
	}
	if (!rc) {
		fprintf(s.log, "release string: %s\n", j->a.release);
		record_artifact(j, s.log, "kernel", j->a.kernel);
		record_artifact(j, s.log, "modules", j->a.modules);
		record_artifact(j, s.log, "config", j->a.config);
		record_artifact(j, s.log, "sysctl", j->a.sysctl);
		/* The sources and build tree are not kept once installed. */
		ar_rmtree(work);
	}
	if (source_step(j, "install", &s, rc) || stopping(j))
		return -1;
	return 0;
}

/* ---- boot ---- */

static int boot_step(struct job *j, const char *name, const struct ar_artifacts *a)
{
	char dir[PATH_MAX], got[128] = "", err[512] = "", path[PATH_MAX + 32];
	struct step s;
	int rc;

	snprintf(dir, sizeof(dir), "%s/%s", j->rundir, name);
	for (char *p = dir + strlen(j->rundir) + 1; *p; p++)
		if (*p == ':' || *p == '/')
			*p = '-';
	ar_mkdirs(dir);
	if (step_begin(j, name, &s))
		return -EIO;
	fprintf(s.log, "target %s (%s): booting %s, expecting %s\n", j->tc->name, j->tc->kind,
		a->kernel[0] ? a->kernel : "(local kernel)", a->release);
	rc = j->tops->boot(j->tc, a, dir, s.log, got, sizeof(got), err, sizeof(err));
	snprintf(path, sizeof(path), "%s/console.log", dir);
	append_file(s.log, "serial console", path);
	if (rc) {
		fprintf(s.log, "boot failed: %s\n", err);
		step_end(&s, "failed", "%s", err);
		snprintf(j->note, sizeof(j->note), "%s: %s", name, err);
		return -1;
	}
	step_end(&s, "ok", "came up on %s", got);
	return 0;
}

/* ---- suites ---- */

struct verdicts {
	size_t n, cap;
	struct vd {
		char *test;
		char verdict[8];
	} *v;
};

static int vd_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vd *)a)->test, ((const struct vd *)b)->test);
}

static int vd_add(struct verdicts *vs, const char *test, const char *verdict)
{
	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 64;
		void *p = realloc(vs->v, cap * sizeof(*vs->v));

		if (!p)
			return -ENOMEM;
		vs->v = p;
		vs->cap = cap;
	}
	vs->v[vs->n].test = strdup(test);
	if (!vs->v[vs->n].test)
		return -ENOMEM;
	snprintf(vs->v[vs->n].verdict, sizeof(vs->v[vs->n].verdict), "%s", verdict);
	vs->n++;
	return 0;
}

static const char *vd_find(const struct verdicts *vs, const char *test)
{
	struct vd key = { .test = (char *)test };
	const struct vd *f = vs->n ? bsearch(&key, vs->v, vs->n, sizeof(key), vd_cmp) : NULL;

	return f ? f->verdict : NULL;
}

static void vd_free(struct verdicts *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		free(vs->v[i].test);
	free(vs->v);
	memset(vs, 0, sizeof(*vs));
}

static int prev_cb(void *ctx, const struct ar_result_row *r)
{
	return vd_add(ctx, r->test, r->verdict);
}

/* Runs `v6lab run` for a suite into outdir; tests: -t patterns. */
static int run_suite(struct job *j, const struct ar_suite_conf *su, const char *outdir,
		     const char *const *tests, size_t ntests, FILE *log)
{
	struct ar_watch *w = j->w;
	struct ar_run_args ra = { 0 };
	char jobs[16], db[PATH_MAX + 16];
	unsigned nj = su->jobs ? su->jobs : w->conf->jobs;
	int rc;

	snprintf(jobs, sizeof(jobs), "%u", nj ? nj : 1);
	snprintf(db, sizeof(db), "%s/run.db", outdir);
	rc = ar_run_arg(&ra, w->self);
	rc = rc ?: ar_run_arg(&ra, "run");
	rc = rc ?: ar_run_arg(&ra, "--suite");
	rc = rc ?: ar_run_arg(&ra, su->suite);
	rc = rc ?: ar_run_arg(&ra, "--suites");
	rc = rc ?: ar_run_arg(&ra, su->suites_dir);
	rc = rc ?: ar_run_arg(&ra, "--type");
	rc = rc ?: ar_run_arg(&ra, su->type);
	rc = rc ?: ar_run_arg(&ra, "-j");
	rc = rc ?: ar_run_arg(&ra, jobs);
	rc = rc ?: ar_run_arg(&ra, "--out");
	rc = rc ?: ar_run_arg(&ra, outdir);
	rc = rc ?: ar_run_arg(&ra, "--db");
	rc = rc ?: ar_run_arg(&ra, db);
	rc = rc ?: ar_run_arg(&ra, "-q");
	rc = rc ?: j->tops->run_args(j->tc, &j->a, &ra);
	for (size_t i = 0; !rc && i < su->sysctls.n; i++) {
		rc = ar_run_arg(&ra, "--nut-sysctl");
		rc = rc ?: ar_run_arg(&ra, su->sysctls.v[i]);
	}
	for (size_t i = 0; !rc && i < ntests; i++) {
		rc = ar_run_arg(&ra, "-t");
		rc = rc ?: ar_run_arg(&ra, tests[i]);
	}
	if (rc) {
		fprintf(log, "too many arguments for v6lab run\n");
		return rc;
	}
	ar_rmtree(outdir);
	ar_mkdirs(outdir);
	rc = ar_exec(ra.argv, NULL, NULL, su->timeout, log);
	/* 0: done; 3: done, some test ended in ERROR (a result like others). */
	if (rc == 0 || rc == 3)
		return 0;
	fprintf(log, "v6lab run ended with %d\n", rc);
	return rc < 0 ? rc : -EIO;
}

struct summary {
	json_t *root;
	json_t *results; /* array */
};

static int summary_load(const char *outdir, struct summary *sm, FILE *log)
{
	char path[PATH_MAX + 16];
	json_error_t je;

	snprintf(path, sizeof(path), "%s/summary.json", outdir);
	sm->root = json_load_file(path, 0, &je);
	if (!sm->root) {
		fprintf(log, "%s: %s (line %d)\n", path, je.text, je.line);
		return -EINVAL;
	}
	sm->results = json_object_get(sm->root, "results");
	if (!json_is_array(sm->results)) {
		fprintf(log, "%s: no results array\n", path);
		json_decref(sm->root);
		sm->root = NULL;
		return -EINVAL;
	}
	return 0;
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* The verdict of test in a summary, or NULL. */
static const char *summary_verdict(const struct summary *sm, const char *test)
{
	size_t i;
	json_t *r;

	json_array_foreach(sm->results, i, r)
		if (!strcmp(jstr(r, "id"), test))
			return jstr(r, "verdict");
	return NULL;
}

static bool wanted_file(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && !strcmp(name + n - 5, ".pcap")) || !strcmp(name, "console.log") ||
	       !strcmp(name, "driver.log");
}

/* Stores the files of a test's folder (pcaps, console, driver log). */
static void store_files(struct job *j, int64_t rid, const char *dir, const char *prefix,
			FILE *log)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX + 256], name[300];
		char *data = NULL;
		size_t len = 0;

		if (e->d_name[0] == '.' || !wanted_file(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(name, sizeof(name), "%s%s", prefix, e->d_name);
		if (ar_read_file(path, &data, &len)) {
			fprintf(log, "cannot read %s\n", path);
			continue;
		}
		if (j->w->st->ops->file_add(j->w->st, rid, name, data, len))
			fprintf(log, "store: cannot keep %s\n", path);
		free(data);
	}
	closedir(d);
}

static int suite_steps(struct job *j, const struct ar_suite_conf *su)
{
	struct ar_watch *w = j->w;
	struct ar_store *st = w->st;
	char name[128], outdir[PATH_MAX], rdir[PATH_MAX + 32], ss[AR_NAME_MAX];
	struct summary main = { 0 }, re[8] = { { 0 } };
	struct verdicts prev = { 0 };
	const char *cand[MAX_RERUN_TESTS];
	size_t ncand = 0, i;
	unsigned nre = 0, reruns = w->conf->reruns > 8 ? 8 : w->conf->reruns;
	int64_t sid = 0, prev_sid = 0;
	struct step s;
	json_t *r;
	int rc = 0, stored = 0, regressions = 0, flaky = 0;

	safe_name(su->name, ss, sizeof(ss));
	snprintf(name, sizeof(name), "reboot:%s", su->name);
	if (boot_step(j, name, &j->a))
		return -2; /* the target needs attention */
	if (stopping(j))
		return -1;

	snprintf(outdir, sizeof(outdir), "%s/%s", j->rundir, ss);
	snprintf(name, sizeof(name), "suite:%s", su->name);
	if (step_begin(j, name, &s))
		return -EIO;
	rc = st->ops->suite_begin(st, j->run_id, su->name, &sid);
	if (!rc)
		rc = st->ops->previous_suite(st, sid, &prev_sid);
	if (!rc && prev_sid) {
		rc = st->ops->results(st, prev_sid, prev_cb, &prev);
		qsort(prev.v, prev.n, sizeof(*prev.v), vd_cmp);
		fprintf(s.log, "previous run of this suite on %s: suite run %lld (%zu results)\n",
			j->tc->name, (long long)prev_sid, prev.n);
	} else if (!rc) {
		fprintf(s.log, "no previous run of this suite on %s\n", j->tc->name);
	}
	if (rc) {
		step_end(&s, "failed", "store: %s", strerror(-rc));
		goto out;
	}
	snprintf(rdir, sizeof(rdir), "%s/main", outdir);
	rc = run_suite(j, su, rdir, (const char *const *)su->tests.v, su->tests.n, s.log);
	if (!rc)
		rc = summary_load(rdir, &main, s.log);
	if (rc) {
		step_end(&s, "failed", "the suite did not run to the end");
		snprintf(j->note, sizeof(j->note), "suite %s did not run to the end", su->name);
		goto out;
	}
	{
		json_t *c = json_object_get(main.root, "counts");

		step_end(&s, "ok", "%zu tests: %lld PASS, %lld WARN, %lld FAIL, %lld N/A, %lld ERROR",
			 json_array_size(main.results),
			 (long long)json_integer_value(json_object_get(c, "PASS")),
			 (long long)json_integer_value(json_object_get(c, "WARN")),
			 (long long)json_integer_value(json_object_get(c, "FAIL")),
			 (long long)json_integer_value(json_object_get(c, "N/A")),
			 (long long)json_integer_value(json_object_get(c, "ERROR")));
	}
	if (stopping(j))
		goto out;

	/* Tests that fail now and passed on the previous release: rerun. */
	json_array_foreach(main.results, i, r) {
		const char *t = jstr(r, "id"), *old = vd_find(&prev, t);

		if (ar_verdict_bad(jstr(r, "verdict")) && old && ar_verdict_good(old) &&
		    ncand < MAX_RERUN_TESTS)
			cand[ncand++] = t;
	}
	if (ncand && reruns) {
		snprintf(name, sizeof(name), "rerun:%s", su->name);
		if (step_begin(j, name, &s))
			goto out;
		for (i = 0; i < ncand; i++)
			fprintf(s.log, "candidate regression: %s (%s, was %s)\n", cand[i],
				summary_verdict(&main, cand[i]), vd_find(&prev, cand[i]));
		for (nre = 0; nre < reruns && !stopping(j); nre++) {
			snprintf(rdir, sizeof(rdir), "%s/rerun%u", outdir, nre + 1);
			fprintf(s.log, "== attempt %u\n", nre + 2);
			if (run_suite(j, su, rdir, cand, ncand, s.log) ||
			    summary_load(rdir, &re[nre], s.log))
				break;
		}
		step_end(&s, nre == reruns ? "ok" : "failed", "%zu test(s), %u rerun(s)", ncand, nre);
	}

	snprintf(name, sizeof(name), "store:%s", su->name);
	if (step_begin(j, name, &s))
		goto out;
	json_array_foreach(main.results, i, r) {
		const char *t = jstr(r, "id"), *att[9], *verdict, *flag, *old = vd_find(&prev, t);
		char hist[128] = "", tdir[PATH_MAX + 300], path[PATH_MAX + 320];
		struct ar_result res = { 0 };
		int na = 0;
		int64_t rid;
		char *log = NULL;
		size_t loglen = 0;

		att[na++] = jstr(r, "verdict");
		for (unsigned k = 0; k < nre; k++) {
			const char *v = summary_verdict(&re[k], t);

			if (v)
				att[na++] = v;
		}
		ar_classify(att, na, old && ar_verdict_good(old), &verdict, &flag);
		for (int k = 0; k < na; k++)
			snprintf(hist + strlen(hist), sizeof(hist) - strlen(hist), "%s%s", k ? "," : "",
				 att[k]);
		snprintf(tdir, sizeof(tdir), "%s/main/%s", outdir, jstr(r, "log"));
		snprintf(path, sizeof(path), "%s/log.txt", tdir);
		if (jstr(r, "log")[0] && ar_read_file(path, &log, &loglen))
			log = NULL;
		res.test = t;
		res.title = jstr(r, "title");
		res.rfc = jstr(r, "rfc");
		res.verdict = verdict;
		res.reason = jstr(r, "reason");
		res.history = hist;
		res.flag = flag ? flag : "";
		res.secs = json_number_value(json_object_get(r, "secs"));
		res.attempts = na;
		res.log = log;
		res.loglen = log ? loglen : 0;
		rc = st->ops->result_add(st, sid, &res, &rid);
		free(log);
		if (rc) {
			fprintf(s.log, "store: %s: %s\n", t, strerror(-rc));
			break;
		}
		stored++;
		if (jstr(r, "log")[0])
			store_files(j, rid, tdir, "", s.log);
		for (unsigned k = 0; na > 1 && k < nre; k++) {
			char pre[32];

			snprintf(tdir, sizeof(tdir), "%s/rerun%u/%s", outdir, k + 1, jstr(r, "log"));
			snprintf(pre, sizeof(pre), "rerun%u-", k + 1);
			store_files(j, rid, tdir, pre, s.log);
			snprintf(path, sizeof(path), "%s/log.txt", tdir);
			if (!ar_read_file(path, &log, &loglen)) {
				snprintf(pre, sizeof(pre), "rerun%u-log.txt", k + 1);
				st->ops->file_add(st, rid, pre, log, loglen);
				free(log);
			}
		}
		if (flag && !strcmp(flag, "regression"))
			regressions++;
		if (flag && !strcmp(flag, "flaky"))
			flaky++;
		if (flag)
			fprintf(s.log, "%s: %s (%s), was %s\n", t, flag, hist, old);
	}
	if (!rc)
		rc = st->ops->suite_end(st, sid);
	step_end(&s, rc ? "failed" : "ok", "%d results, %d regression(s), %d flaky", stored,
		 regressions, flaky);
out:
	json_decref(main.root);
	for (i = 0; i < 8; i++)
		json_decref(re[i].root);
	vd_free(&prev);
	return rc ? -1 : 0;
}

/* ---- stable, compare ---- */

static int stable_step(struct job *j)
{
	const char *st = j->tc->stable;
	char dir[PATH_MAX], src[AR_NAME_MAX], sv[256];
	struct ar_artifacts a = { 0 };
	const char *slash;
	struct step s;

	if (!st || !*st) {
		if (step_begin(j, "stable", &s))
			return -EIO;
		step_end(&s, "skipped", "no stable release configured for %s", j->tc->name);
		return 0;
	}
	slash = strchr(st, '/');
	snprintf(src, sizeof(src), "%.*s", slash ? (int)(slash - st) : 0, st);
	safe_name(src, src, sizeof(src));
	safe_name(slash ? slash + 1 : "", sv, sizeof(sv));
	snprintf(dir, sizeof(dir), "%s/artifacts/%s/%s", j->w->conf->workdir, src, sv);
	if (ar_artifacts_load(dir, &a)) {
		if (step_begin(j, "stable", &s))
			return -EIO;
		fprintf(s.log, "stable release %s: no artifacts in %s\n", st, dir);
		step_end(&s, "skipped", "stable release %s is not installed yet", st);
		return 0;
	}
	return boot_step(j, "stable", &a) ? -2 : 0;
}

struct suite_list {
	size_t n;
	int64_t id[AR_LIST_MAX];
	char name[AR_LIST_MAX][AR_NAME_MAX];
};

static int suite_list_cb(void *ctx, const struct ar_suite_row *r)
{
	struct suite_list *l = ctx;

	if (l->n < AR_LIST_MAX) {
		l->id[l->n] = r->id;
		snprintf(l->name[l->n], sizeof(l->name[0]), "%s", r->suite);
		l->n++;
	}
	return 0;
}

static int compare_step(struct job *j)
{
	struct ar_store *st = j->w->st;
	struct suite_list l = { 0 };
	int changed = 0, regressions = 0, flaky = 0;
	struct step s;
	int rc;

	if (step_begin(j, "compare", &s))
		return -EIO;
	rc = st->ops->suites(st, j->run_id, NULL, suite_list_cb, &l);
	for (size_t i = 0; !rc && i < l.n; i++) {
		struct ar_diff d = { 0 };
		int64_t prev = 0;

		rc = st->ops->previous_suite(st, l.id[i], &prev);
		if (rc)
			break;
		if (!prev) {
			fprintf(s.log, "%s: first run on %s, nothing to compare\n", l.name[i],
				j->tc->name);
			continue;
		}
		rc = ar_compare(st, prev, l.id[i], &d);
		if (rc)
			break;
		fprintf(s.log, "%s: suite run %lld against %lld: %zu changed, %d the same\n",
			l.name[i], (long long)l.id[i], (long long)prev, d.n, d.same);
		for (size_t k = 0; k < d.n; k++) {
			fprintf(s.log, "  %-60s %-5s -> %-5s %s\n", d.v[k].test,
				d.v[k].old_verdict[0] ? d.v[k].old_verdict : "-",
				d.v[k].new_verdict[0] ? d.v[k].new_verdict : "-", d.v[k].new_flag);
			regressions += !strcmp(d.v[k].new_flag, "regression");
			flaky += !strcmp(d.v[k].new_flag, "flaky");
		}
		changed += (int)d.n;
		ar_diff_free(&d);
	}
	if (rc) {
		step_end(&s, "failed", "store: %s", strerror(-rc));
		return -1;
	}
	step_end(&s, "ok", "%d changed, %d regression(s), %d flaky", changed, regressions, flaky);
	return 0;
}

/* ---- one release ---- */

static bool suite_selected(const struct ar_source_conf *sc, const char *name)
{
	if (!sc->suites.n)
		return true;
	for (size_t i = 0; i < sc->suites.n; i++)
		if (!strcmp(sc->suites.v[i], name))
			return true;
	return false;
}

struct attention {
	size_t n;
	const char *target[AR_LIST_MAX];
};

static bool needs_attention(const struct attention *at, const char *t)
{
	for (size_t i = 0; i < at->n; i++)
		if (!strcmp(at->target[i], t))
			return true;
	return false;
}

static int handle_release(struct ar_watch *w, const struct ar_source_conf *sc,
			  const struct ar_release *r, int64_t release_id, struct attention *at)
{
	struct ar_store *st = w->st;
	struct job j = { 0 };
	const char *status = "done";
	double t0 = now();
	int rc;

	j.w = w;
	j.sc = sc;
	j.r = r;
	j.release_id = release_id;
	j.sops = ar_source_kind(sc->kind);
	j.tc = ar_conf_target(w->conf, sc->target);
	j.tops = j.tc ? ar_target_kind(j.tc->kind) : NULL;
	if (!j.sops || !j.tc || !j.tops)
		return -EINVAL; /* ar_conf_load checked these */
	snprintf(j.label, sizeof(j.label), "[%s %s on %s]", sc->name, r->version, j.tc->name);
	rc = st->ops->run_begin(st, release_id, j.tc->name, &j.run_id);
	if (rc)
		return rc;
	rc = st->ops->release_state(st, release_id, "running");
	if (rc)
		return rc;
	snprintf(j.rundir, sizeof(j.rundir), "%s/runs/%lld", w->conf->workdir, (long long)j.run_id);
	ar_rmtree(j.rundir);
	rc = ar_mkdirs(j.rundir);
	if (rc) {
		say(w, "%s: cannot create %s: %s", j.label, j.rundir, strerror(-rc));
		st->ops->run_end(st, j.run_id, "failed", "cannot create the run directory");
		st->ops->release_state(st, release_id, "failed");
		return 0;
	}
	say(w, "%s run %lld (%s)", j.label, (long long)j.run_id, j.rundir);

	if (build_release(&j)) {
		status = "failed";
		goto end;
	}
	if (boot_step(&j, "boot", &j.a)) {
		status = "boot-failed";
		goto end;
	}
	for (size_t i = 0; i < w->conf->nsuites && !stopping(&j); i++) {
		const struct ar_suite_conf *su = &w->conf->suites[i];

		if (!suite_selected(sc, su->name))
			continue;
		rc = suite_steps(&j, su);
		if (rc == -2) {
			status = "boot-failed";
			goto end;
		}
		if (rc && !j.note[0])
			snprintf(j.note, sizeof(j.note), "suite %s failed", su->name);
	}
	if (!stopping(&j) && stable_step(&j) == -2) {
		status = "boot-failed";
		goto end;
	}
	if (!stopping(&j))
		compare_step(&j);
end:
	if (j.interrupted) {
		status = "interrupted";
		snprintf(j.note, sizeof(j.note), "the watcher was stopped");
	}
	if (!strcmp(status, "done") && j.note[0])
		status = "failed";
	st->ops->run_end(st, j.run_id, status, j.note);
	if (!strcmp(status, "done")) {
		st->ops->release_state(st, release_id, "done");
		w->runs_done++;
	} else if (!strcmp(status, "boot-failed")) {
		st->ops->release_state(st, release_id, "attention");
		if (at->n < AR_LIST_MAX)
			at->target[at->n++] = j.tc->name;
		w->runs_attention++;
	} else if (!strcmp(status, "interrupted")) {
		st->ops->release_state(st, release_id, "new");
		w->runs_interrupted++;
	} else {
		st->ops->release_state(st, release_id, "failed");
		w->runs_failed++;
	}
	say(w, "%s %s after %.0f s%s%s", j.label, status, now() - t0, j.note[0] ? ": " : "", j.note);
	return 0;
}

/* ---- a pass ---- */

struct state_ctx {
	char state[32];
};

static int state_cb(void *ctx, const struct ar_release_row *r)
{
	snprintf(((struct state_ctx *)ctx)->state, sizeof(((struct state_ctx *)ctx)->state), "%s",
		 r->state);
	return 0;
}

static int rel_cmp(const void *a, const void *b)
{
	const struct ar_release *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return 0;
}

int ar_watch_pass(struct ar_watch *w)
{
	const struct ar_conf *c = w->conf;
	struct attention at = { 0 };
	int rc;

	w->releases_new = w->runs_done = w->runs_failed = 0;
	w->runs_attention = w->runs_interrupted = 0;
	rc = w->st->ops->recover(w->st, "the watcher stopped during this run");
	if (rc < 0)
		return rc;
	if (rc > 0)
		say(w, "watch: %d interrupted run(s) marked; their releases are handled again", rc);
	for (size_t i = 0; i < c->nsources && !(w->stop && *w->stop); i++) {
		const struct ar_source_conf *sc = &c->sources[i];
		const struct ar_source_ops *so = ar_source_kind(sc->kind);
		struct ar_release *rel = NULL;
		size_t n = 0, nnew = 0;
		char *buf = NULL;
		size_t blen = 0;
		FILE *plog;

		if (!so)
			continue;
		if (w->out) {
			fprintf(w->out, "watch: polling %s (%s) ... ", sc->name, sc->kind);
			fflush(w->out);
		}
		plog = open_memstream(&buf, &blen);
		rc = plog ? so->poll(sc, &rel, &n, plog) : -ENOMEM;
		if (plog)
			fclose(plog);
		if (rc) {
			say(w, "failed: %s", strerror(-rc));
			if (buf && w->out)
				fprintf(w->out, "%s", buf);
			free(buf);
			free(rel);
			continue;
		}
		free(buf);
		qsort(rel, n, sizeof(*rel), rel_cmp);
		say(w, "%zu release(s)", n);
		for (size_t k = 0; k < n && !(w->stop && *w->stop); k++) {
			struct state_ctx sx = { "" };
			int64_t id;
			bool isnew;

			rc = w->st->ops->release_add(w->st, &rel[k], &id, &isnew);
			if (rc) {
				free(rel);
				return rc;
			}
			rc = w->st->ops->release_get(w->st, id, state_cb, &sx);
			if (rc) {
				free(rel);
				return rc;
			}
			if (strcmp(sx.state, "new"))
				continue;
			nnew++;
			w->releases_new++;
			if (needs_attention(&at, sc->target)) {
				say(w, "[%s %s] waits: target %s needs attention", sc->name,
				    rel[k].version, sc->target);
				continue;
			}
			rc = handle_release(w, sc, &rel[k], id, &at);
			if (rc) {
				free(rel);
				return rc;
			}
		}
		if (!nnew)
			say(w, "watch: %s: nothing new", sc->name);
		free(rel);
	}
	return 0;
}
