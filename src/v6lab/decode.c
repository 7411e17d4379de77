/*
 * `v6lab decode FILE.pcap`: prints every frame of a capture as a summary
 * line, a field tree (--verbose) or one JSON object per line (--json). A
 * malformed frame is printed as far as it decodes and marked; decoding goes
 * on with the next frame. Exit status: 0 all frames decoded, 1 some frame was
 * malformed, 2 usage or file error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "decode.h"
#include "pcapio.h"
#include "print.h"
#include "proto.h"

static void decode_usage(FILE *fp)
{
	fprintf(fp,
		"usage: v6lab decode [--json | --verbose] [--count N] FILE.pcap\n"
		"\n"
		"Prints each frame of FILE.pcap (pcap or pcapng; Ethernet or raw IP).\n"
		"  default     one summary line per frame: number, time, layers\n"
		"  --verbose   every layer and field as an indented tree\n"
		"  --json      one JSON object per frame (schema: docs/decode-json.md)\n"
		"  --count N   stop after N frames\n"
		"  --fields    list every layer and field v6lab knows (markdown) and exit\n"
		"A frame that does not decode is printed up to where it failed and\n"
		"marked malformed with the reason and byte offset.\n"
		"Exit status: 0 ok, 1 some frame malformed, 2 bad usage or unreadable file.\n");
}

static const char *type_name(uint8_t t)
{
	static const char *const n[] = { "uint", "mac", "ipv4", "ipv6", "bytes", "ipv6 list" };

	return t < 6 ? n[t] : "?";
}

/* The layer and field reference of docs/decode-json.md, from the tables. */
static void list_fields(void)
{
	size_t n;
	const struct pkt_proto *const *all = pkt_proto_all(&n);

	printf("| layer | kind | title | fields (name: type/bits, * = computed unless set) |\n"
	       "|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		const struct pkt_proto *p = all[i];

		printf("| `%s` | %s | %s | ", p->name, p->kind == PKT_PK_OPT ? "option" : "header",
		       p->title ? p->title : "");
		for (unsigned f = 0; f < p->nfields; f++) {
			const struct pkt_fdesc *d = &p->fields[f];

			printf("%s`%s`%s: %s", f ? ", " : "", d->name, (d->flags & PKT_FF_AUTO) ? "*" : "",
			       type_name(d->type));
			if (d->type == PKT_FT_UINT)
				printf("/%u", d->bits);
			if (d->flags & PKT_FF_TAIL)
				printf(" (rest)");
		}
		printf(" |\n");
	}
}

int cmd_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "count", required_argument, NULL, 'c' },
		{ "fields", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, verbose = 0, c, rc = 0, dlt;
	long count = -1, n = 0;
	char err[512], line[4096];
	struct pkt_pcap_reader *r;
	struct pkt_frame f;
	struct pkt_dec *d;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jvc:hF", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'c': {
			char *end;

			count = strtol(optarg, &end, 10);
			if (*end || count < 0) {
				fprintf(stderr, "v6lab decode: --count wants a number, not '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 'h':
			decode_usage(stdout);
			return 0;
		case 'F':
			list_fields();
			return 0;
		default:
			decode_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		decode_usage(stderr);
		return 2;
	}
	r = pkt_pcap_open(argv[optind], err, sizeof(err));
	if (!r) {
		fprintf(stderr, "v6lab decode: %s\n", err);
		return 2;
	}
	d = malloc(sizeof(*d));
	if (!d) {
		pkt_pcap_close(r);
		fprintf(stderr, "v6lab decode: out of memory\n");
		return 2;
	}
	dlt = pkt_pcap_dlt(r);
	while (count < 0 || n < count) {
		int got = pkt_pcap_next(r, &f, err, sizeof(err));

		if (got == 0)
			break;
		if (got < 0) {
			fprintf(stderr, "v6lab decode: %s\n", err);
			rc = 2;
			break;
		}
		n++;
		pkt_decode_dlt(d, f.data, f.caplen, dlt);
		if (d->res != PKT_OK && rc == 0)
			rc = 1;
		if (json) {
			json_t *o = pkt_print_json(d);
			char *s;

			if (!o)
				continue;
			json_object_set_new(o, "frame", json_integer(n));
			snprintf(line, sizeof(line), "%lld.%09ld", (long long)f.ts.tv_sec, f.ts.tv_nsec);
			json_object_set_new(o, "time", json_string(line));
			json_object_set_new(o, "caplen", json_integer(f.caplen));
			json_object_set_new(o, "len", json_integer(f.len));
			s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (s)
				printf("%s\n", s);
			free(s);
			json_decref(o);
		} else {
			pkt_print_summary(d, line, sizeof(line));
			printf("%ld %lld.%06ld %s%s\n", n, (long long)f.ts.tv_sec, f.ts.tv_nsec / 1000,
			       line, f.caplen < f.len ? " [capture truncated]" : "");
			if (verbose)
				pkt_print_tree(d, stdout);
		}
	}
	free(d);
	pkt_pcap_close(r);
	return rc;
}
