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
