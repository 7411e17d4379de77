/*
 * The qemu and netns targets. Both boot through the conformance engine's
 * NUT drivers, so "the target came up" means exactly what a test needs: the
 * NUT is up with a link, its agent (qemu) or namespace (netns) answers, and
 * link-local DAD is over. qemu then reads kernel.osrelease from the VM and
 * compares it with the release; netns reads back the release's sysctls.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "nut.h"
#include "script.h"
#include "target.h"
#include "topo.h"

int ar_run_arg(struct ar_run_args *ra, const char *s)
{
	size_t len = strlen(s) + 1;

	if (ra->argc + 1 >= AR_RUN_ARGS_MAX || len > sizeof(ra->buf) - ra->used)
		return -E2BIG;
	memcpy(ra->buf + ra->used, s, len);
	ra->argv[ra->argc++] = ra->buf + ra->used;
	ra->argv[ra->argc] = NULL;
	ra->used += len;
	return 0;
}

void ar_sysctls_free(char **vec, int n)
{
	for (int i = 0; i < n; i++)
		free(vec[i]);
	free(vec);
}

int ar_sysctls_read(const char *path, char ***vec, int *n, int max, char *err, size_t errlen)
{
	char line[512], **v = calloc((size_t)max, sizeof(*v));
	int k = 0, lineno = 0;
	FILE *fp;

	*vec = NULL;
	*n = 0;
	if (!v)
		return -ENOMEM;
	fp = fopen(path, "r");
	if (!fp) {
		int rc = -errno;

		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(v);
		return rc;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *s = line, *e;

		lineno++;
		s += strspn(s, " \t");
		e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = 0;
		if (!*s || *s == '#')
			continue;
		e = strchr(s, '=');
		if (!e || e == s || strcspn(s, " \t") < (size_t)(e - s)) {
			snprintf(err, errlen, "%s:%d: not KEY=VALUE", path, lineno);
			goto bad;
		}
		if (k == max) {
			snprintf(err, errlen, "%s:%d: more than %d sysctls", path, lineno, max);
			goto bad;
		}
		v[k] = strdup(s);
		if (!v[k]) {
			snprintf(err, errlen, "out of memory");
			goto bad;
		}
		k++;
	}
	fclose(fp);
	*vec = v;
	*n = k;
	return 0;
bad:
	fclose(fp);
	ar_sysctls_free(v, k);
	return -EINVAL;
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = 0;
}

/* Brings a NUT up with one link through driver, then asks check(). */
static int boot_nut(const char *driver, const struct ar_target_conf *t, const struct ar_artifacts *a,
		    const char *dir, FILE *log, char *got, size_t gotlen, char *err, size_t errlen)
{
	struct nut_config cfg = { 0 };
	struct nut n = { 0 };
	char tag[IFNAMSIZ], **sys = NULL;
	int nsys = 0, rc;

	cfg.driver = driver;
	cfg.type = CF_NUT_HOST;
	cfg.log = log;
	cfg.outdir = dir;
	cfg.boot_wait_ms = t->boot_timeout * 1000u;
	cfg.boot_messages = true;
	if (a->kernel[0])
		cfg.kernel = a->kernel;
	if (a->modules[0])
		cfg.modules = a->modules;
	if (a->sysctl[0]) {
		rc = ar_sysctls_read(a->sysctl, &sys, &nsys, 16, err, errlen);
		if (rc)
			return rc;
		cfg.nsysctls = nsys;
		for (int i = 0; i < nsys; i++)
			cfg.sysctls[i] = sys[i];
	}
	if (net_topo_name("v6t", "boot", tag, sizeof(tag)))
		snprintf(tag, sizeof(tag), "v6tboot");
	cfg.tag = tag;
	n.ops = nut_driver(driver);
	n.cfg = &cfg;
	if (!n.ops) {
		snprintf(err, errlen, "no NUT driver '%s'", driver);
		ar_sysctls_free(sys, nsys);
		return -ENOTSUP;
	}
	rc = n.ops->setup(&n, 1, err, errlen);
	if (!rc && n.ops->ready)
		rc = n.ops->ready(&n, err, errlen);
	if (!rc) {
		char *argv[] = { "sysctl-get", "kernel.osrelease", NULL };

		rc = n.ops->action(&n, 2, argv, got, gotlen, err, errlen);
		trim(got);
	}
	/* netns: the release is the set of sysctls; each must read back. */
	for (int i = 0; !rc && !strcmp(driver, "netns") && i < nsys; i++) {
		char key[256], val[256], *eq;
		char *argv[] = { "sysctl-get", key, NULL };

		snprintf(key, sizeof(key), "%s", sys[i]);
		eq = strchr(key, '=');
		*eq = 0;
		rc = n.ops->action(&n, 2, argv, val, sizeof(val), err, errlen);
		trim(val);
		if (!rc && strcmp(val, eq + 1)) {
			snprintf(err, errlen, "%s is %s on the NUT, not %s", key, val, eq + 1);
			rc = -EPROTO;
		}
		if (log)
			fprintf(log, "boot: %s = %s\n", key, rc ? "?" : val);
	}
	n.ops->teardown(&n);
	ar_sysctls_free(sys, nsys);
	return rc;
}

static int qemu_boot(const struct ar_target_conf *t, const struct ar_artifacts *a, const char *dir,
		     FILE *log, char *got, size_t gotlen, char *err, size_t errlen)
{
	int rc;

	if (!a->kernel[0]) {
		snprintf(err, errlen, "the release has no kernel image to boot");
		return -ENOENT;
	}
	rc = boot_nut("qemu", t, a, dir, log, got, gotlen, err, errlen);
	if (rc)
		return rc;
	if (a->release[0] && strcmp(got, a->release)) {
		snprintf(err, errlen, "booted %s, expected %s", got, a->release);
		return -EPROTO;
	}
	return 0;
}

static int qemu_args(const struct ar_target_conf *t, const struct ar_artifacts *a,
		     struct ar_run_args *ra)
{
	int rc = ar_run_arg(ra, "--nut");

	rc = rc ?: ar_run_arg(ra, "qemu");
	rc = rc ?: ar_run_arg(ra, "--kernel");
	rc = rc ?: ar_run_arg(ra, a->kernel);
	if (a->modules[0]) {
		rc = rc ?: ar_run_arg(ra, "--modules");
		rc = rc ?: ar_run_arg(ra, a->modules);
	}
	return rc;
}

static int netns_boot(const struct ar_target_conf *t, const struct ar_artifacts *a, const char *dir,
		      FILE *log, char *got, size_t gotlen, char *err, size_t errlen)
{
	char kernel[128] = "";
	int rc;

	if (!a->release[0]) {
		snprintf(err, errlen, "the release names no version");
		return -ENOENT;
	}
	rc = boot_nut("netns", t, a, dir, log, kernel, sizeof(kernel), err, errlen);
	if (rc)
		return rc;
	/* The namespace runs the local kernel; the release is what was applied. */
	snprintf(got, gotlen, "%s", a->release);
	if (log)
		fprintf(log, "boot: local kernel %s, release %s\n", kernel, a->release);
	return 0;
}

static int netns_args(const struct ar_target_conf *t, const struct ar_artifacts *a,
		      struct ar_run_args *ra)
{
	char **sys = NULL, err[256];
	int nsys = 0, rc;

	rc = ar_run_arg(ra, "--nut");
	rc = rc ?: ar_run_arg(ra, "netns");
	if (rc || !a->sysctl[0])
		return rc;
	rc = ar_sysctls_read(a->sysctl, &sys, &nsys, 16, err, sizeof(err));
	for (int i = 0; !rc && i < nsys; i++) {
		rc = ar_run_arg(ra, "--nut-sysctl");
		rc = rc ?: ar_run_arg(ra, sys[i]);
	}
	ar_sysctls_free(sys, nsys);
	return rc;
}

const struct ar_target_ops ar_target_qemu = { "qemu", qemu_boot, qemu_args };
const struct ar_target_ops ar_target_netns = { "netns", netns_boot, netns_args };

const struct ar_target_ops *ar_target_kind(const char *kind)
{
	if (kind && !strcmp(kind, "qemu"))
		return &ar_target_qemu;
	if (kind && !strcmp(kind, "netns"))
		return &ar_target_netns;
	return NULL;
}
