/*
 * v6lab serve: the web UI and JSON API over the results store of the
 * automatic running system. It opens the store (--store, else the store of
 * --config, else out/autorun/autorun.db), listens (127.0.0.1:8080 unless
 * --listen says otherwise; port 0 picks a free port), prints the address it
 * really listens on, and serves until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "conf.h"
#include "web.h"

#define DEFAULT_STORE "out/autorun/autorun.db"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: v6lab serve [--store FILE|URI] [--config FILE] [--listen ADDR:PORT]\n"
		"\n"
		"Serves the results of v6lab watch as web pages and a JSON API\n"
		"(docs/autorun-api.md).\n"
		"\n"
		"  --store FILE|URI    the results store: a SQLite file or sqlite:PATH\n"
		"                      (default: the store of --config, else %s)\n"
		"  --config FILE       the watch configuration whose store to show\n"
		"  --listen ADDR:PORT  address to listen on, [IPV6]:PORT for IPv6 (default %s);\n"
		"                      port 0 picks a free port\n"
		"  -h, --help          this text\n",
		DEFAULT_STORE, AR_WEB_DEFAULT_LISTEN);
}

/* A SQLite store given as a path must exist: serving would create an empty one. */
static int check_store(const char *uri)
{
	const char *path = uri;
	struct stat sb;

	if (strstr(uri, "://"))
		return 0;
	if (!strncmp(uri, "sqlite:", 7))
		path = uri + 7;
	if (stat(path, &sb) < 0) {
		fprintf(stderr, "v6lab serve: no store at %s: %s (run v6lab watch first, or give "
			"--store)\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *store = NULL, *config = NULL, *listen_addr = NULL;
	struct ar_conf conf;
	bool have_conf = false;
	struct ar_store *st = NULL;
	struct ar_web *web = NULL;
	sigset_t set, old;
	char err[512];
	int opt, sig = SIGTERM, ret = 1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 's': store = optarg; break;
		case 'c': config = optarg; break;
		case 'l': listen_addr = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "v6lab serve: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (listen_addr) {
		struct sockaddr_storage ss;
		socklen_t sl;

		if (ar_web_parse_listen(listen_addr, &ss, &sl, err, sizeof(err)) < 0) {
			fprintf(stderr, "v6lab serve: %s\n", err);
			return 2;
		}
	}
	if (config) {
		if (ar_conf_load(config, &conf, err, sizeof(err)) < 0) {
			fprintf(stderr, "v6lab serve: %s\n", err);
			return 1;
		}
		have_conf = true;
		if (!store)
			store = conf.store;
	}
	if (!store)
		store = DEFAULT_STORE;
	if (check_store(store) < 0)
		goto out;
	if (ar_store_open(store, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "v6lab serve: %s\n", err);
		goto out;
	}

	/* The server thread inherits this mask, so the signals come to sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);
	if (ar_web_start(st, listen_addr, &web, err, sizeof(err)) < 0) {
		fprintf(stderr, "v6lab serve: %s\n", err);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		goto out;
	}
	printf("listening on %s\n", ar_web_url(web));
	fflush(stdout);
	do {
		if (sigwait(&set, &sig) != 0)
			break;
	} while (sig == SIGHUP);	/* nothing to reload: every page reads the store */
	fprintf(stderr, "v6lab serve: %s, stopping\n", strsignal(sig));
	ar_web_stop(web);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	ret = 0;
out:
	ar_store_close(st);
	if (have_conf)
		ar_conf_free(&conf);
	return ret;
}
