/*
 * v6lab: the workbench's single entry point. It only dispatches to the
 * subcommands, each in its own file.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{ "run", cmd_run, "run conformance tests against a node under test" },
	{ "report", cmd_report, "markdown results table from run summaries" },
	{ "build", cmd_build, "build packets written in the notation into a pcap file" },
	{ "decode", cmd_decode, "print the packets of a pcap file (summary, tree or JSON)" },
	{ "watch", cmd_watch, "wait for new releases of a stack, build, boot and test each" },
	{ "compare", cmd_compare, "list the tests whose verdict changed between two runs" },
	{ "serve", cmd_serve, "web UI and JSON API over the results store" },
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: v6lab COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(fp, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(fp, "\n'v6lab COMMAND --help' explains a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("v6lab %s\n", V6LAB_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "v6lab: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
