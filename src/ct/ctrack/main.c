/* ctrack: the connection tracker's command; dispatches to subcommands. */
#include <stdio.h>
#include <string.h>

#include "ctrack.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{ "replay", ctrack_replay, "track the connections of a pcap file" },
	{ "daemon", ctrack_daemon, "track live traffic (NFQUEUE firewall or a link)" },
	{ "list", ctrack_client, "list the daemon's connections" },
	{ "get", ctrack_client, "show one connection" },
	{ "delete", ctrack_client, "delete connections" },
	{ "update", ctrack_client, "change the mark or timeout of connections" },
	{ "flush", ctrack_client, "delete every connection" },
	{ "events", ctrack_client, "follow the daemon's events" },
	{ "stats", ctrack_client, "show the daemon's statistics" },
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: ctrack COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(fp, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(fp, "\n'ctrack COMMAND --help' explains a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ctrack: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
