/*
 * mip6ctl: asks a running mip6d over its control socket for its binding
 * cache, binding update list, statistics or status, as text or JSON.
 *   mip6ctl [-s SOCKET] [--json] bc|bul|stats|status
 * Exit status: 0 answered, 1 the daemon could not be reached or answered
 * with an error, 2 bad usage.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: mip6ctl [-s SOCKET] [--json] COMMAND\n"
		"Shows the state of a running mip6d.\n"
		"\n"
		"commands:\n"
		"  bc      binding cache (correspondent node, home agent)\n"
		"  bul     binding update list (mobile node)\n"
		"  stats   signalling and data plane counters\n"
		"  status  role; for a mobile node where it is and its addresses\n"
		"\n"
		"options:\n"
		"  -s, --socket SOCKET  control socket of mip6d (default %s)\n"
		"  -j, --json           answer as JSON\n"
		"  -h, --help           this text\n"
		"\n"
		"exit status: 0 answered, 1 daemon unreachable or error, 2 usage\n",
		M6_CTL_PATH);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const cmds[] = { "bc", "bul", "stats", "status" };
	const char *path = M6_CTL_PATH, *cmd;
	char req[64], err[512], *ans = NULL;
	size_t alen = 0;
	bool json = false, known = false;
	FILE *fp;
	int c, rc;

	while ((c = getopt_long(argc, argv, "s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "mip6ctl: %s\n", optind == argc ? "no command given"
								 : "one command at a time");
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i]))
			known = true;
	if (!known) {
		fprintf(stderr, "mip6ctl: unknown command '%s' (bc, bul, stats, status)\n", cmd);
		return 2;
	}
	snprintf(req, sizeof(req), "%s%s", cmd, json ? " json" : "");

	fp = open_memstream(&ans, &alen);
	if (!fp) {
		perror("mip6ctl");
		return 1;
	}
	rc = m6_ctl_request(path, req, fp, err, sizeof(err));
	if (fclose(fp)) {
		perror("mip6ctl");
		free(ans);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "mip6ctl: %s\n", err);
		free(ans);
		return 1;
	}
	if (!alen) {
		fprintf(stderr, "mip6ctl: mip6d at %s closed the connection without an answer\n",
			path);
		free(ans);
		return 1;
	}
	/* The daemon answers errors as "error: ..." or {"error": "..."}. */
	if (!strncmp(ans, "error: ", 7) || !strncmp(ans, "{\"error\"", 8)) {
		fprintf(stderr, "mip6ctl: %s", ans);
		if (ans[alen - 1] != '\n')
			fputc('\n', stderr);
		free(ans);
		return 1;
	}
	rc = fwrite(ans, 1, alen, stdout) == alen && fflush(stdout) == 0 ? 0 : 1;
	free(ans);
	return rc;
}
