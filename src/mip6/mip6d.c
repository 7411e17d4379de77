/*
 * mip6d: the Mobile IPv6 daemon (correspondent node, home agent or mobile
 * node, as NodeConfig says) with its data plane in user space.
 *   mip6d [-c FILE] [-d LEVEL] [-f] [--help]
 * It reads the configuration (errors as FILE:LINE), opens the data plane
 * (naming the missing piece: TUN, nftables, NFQUEUE), prints
 * "mip6d: ROLE ready" and, without -f, goes to the background. SIGINT and
 * SIGTERM stop it and remove what it added. Exit status: 0 after a clean
 * stop, 1 when it could not start, 2 for bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "m6d.h"

#define DEFAULT_CONF "/etc/mip6d.conf"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: mip6d [-c FILE] [-d LEVEL] [-f]\n"
		"Mobile IPv6 (RFC 6275) correspondent node, home agent or mobile node,\n"
		"with a user-space data plane (TUN, raw sockets, NFQUEUE).\n"
		"\n"
		"options:\n"
		"  -c, --config FILE   configuration (default %s; docs/mip6d.md)\n"
		"  -d, --debug LEVEL   DebugLevel: 0 errors, 1 events, 2 messages, 3 more\n"
		"  -f, --foreground    stay in the foreground\n"
		"  -h, --help          this text\n"
		"\n"
		"exit status: 0 stopped cleanly, 1 could not start, 2 usage\n",
		DEFAULT_CONF);
}

static int background(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return chdir("/") ? -errno : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "debug", required_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = DEFAULT_CONF;
	int level = -1, fg = 0, c, rc;
	struct m6_conf *conf;
	struct m6d *d;
	char err[512];

	while ((c = getopt_long(argc, argv, "c:d:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			file = optarg;
			break;
		case 'd': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v < 0 || v > 9) {
				fprintf(stderr, "mip6d: -d wants a level from 0 to 9\n");
				return 2;
			}
			level = (int)v;
			break;
		}
		case 'f':
			fg = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	conf = calloc(1, sizeof(*conf));
	d = calloc(1, sizeof(*d));
	if (!conf || !d) {
		fprintf(stderr, "mip6d: out of memory\n");
		return 1;
	}
	rc = m6_conf_load(file, conf, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "mip6d: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < conf->nwarn; i++)
		fprintf(stderr, "mip6d: warning: %s\n", conf->warn[i]);
	if (level >= 0)
		conf->debug_level = level;
	rc = m6d_init(d, conf, &m6d_kernel_ops, NULL, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "mip6d: %s\n", err);
		goto out;
	}
	printf("mip6d: %s ready\n", d->role->name);
	fflush(stdout);
	m6d_log(d, M6D_LOG_INFO, "%s ready (control socket %s)", d->role->name,
		d->conf.ctl_path);
	if (!fg) {
		rc = background();
		if (rc) {
			m6d_log(d, M6D_LOG_ERR, "going to the background: %s", strerror(-rc));
			m6d_fini(d);
			goto out;
		}
	}
	rc = m6d_run(d);
	m6d_fini(d);
out:
	free(conf);
	free(d);
	return rc ? 1 : 0;
}
