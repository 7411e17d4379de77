/*
 * `v6lab build`: turns packets written in the notation into a pcap file (or
 * hex on stdout), the way a test's `send` step would build them. Node names
 * resolve as on link0 of a test; the NUT's addresses are derived from its
 * MAC (02:00:00:00:00:01 unless --nut-mac) by EUI-64.
 */
#include <getopt.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build.h"
#include "cmd.h"
#include "nodes.h"
#include "notation.h"
#include "pcapio.h"

static int nut_addr(void *ctx, int link, const char *attr, uint8_t out[16])
{
	struct cf_nodes *n = ctx;

	return cf_nut_addr_eui64(n->nut_mac[link], link, attr, out);
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: v6lab build [-o FILE.pcap] [-f FILE] [--nut-mac MAC] [PACKET...]\n"
		"\n"
		"Builds each PACKET (the notation of docs/script-language.md, e.g.\n"
		"  'ether(TN1 -> NUT) / ipv6(TN1.ll -> NUT.ll) / icmpv6.echo_request(id=1)')\n"
		"and writes them to FILE.pcap, or prints them as hex lines without -o.\n"
		"  -f FILE        read packets from FILE, one per line ('#' comments)\n"
		"  --nut-mac MAC  the NUT's MAC (default 02:00:00:00:00:01)\n"
		"Exit status: 0 ok, 1 a packet did not parse or build (file:line:column), 2 usage.\n");
}

static int one(struct cf_nodes *nodes, const char *text, int line, const char *src,
	       struct pkt_pcap_writer *w, struct pkt_wbuf *wb)
{
	struct cf_resolver res = { nodes, cf_nodes_word };
	struct pkt_spec *spec = calloc(1, sizeof(*spec));
	struct cf_store *st = calloc(1, sizeof(*st));
	struct cf_pexpr pe = { 0 };
	struct cf_lex lx;
	char err[512];
	int rc = -1;

	if (!spec || !st)
		goto out;
	cf_lex_init(&lx, text, line);
	cf_lex_next(&lx);
	if (cf_pexpr_parse(&lx, &pe, err, sizeof(err)))
		goto fail;
	if (lx.tok.t != CT_END) {
		snprintf(err, sizeof(err), "%d:%d: unexpected %s after the packet", lx.tok.line, lx.tok.col,
			 cf_tok_name(lx.tok.t));
		goto fail;
	}
	if (cf_pexpr_to_spec(&pe, &res, spec, st, err, sizeof(err)))
		goto fail;
	if (pkt_build(spec, wb, err, sizeof(err))) {
		char tmp[600];

		snprintf(tmp, sizeof(tmp), "%d: %s", line, err);
		snprintf(err, sizeof(err), "%s", tmp);
		goto fail;
	}
	if (w) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		pkt_pcap_write(w, wb->b, (uint32_t)wb->len, &ts);
	} else {
		for (size_t i = 0; i < wb->len; i++)
			printf("%02x", wb->b[i]);
		printf("\n");
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "v6lab build: %s:%s\n", src, err);
out:
	cf_pexpr_free(&pe);
	free(spec);
	free(st);
	return rc;
}

int cmd_build(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "file", required_argument, NULL, 'f' },
		{ "nut-mac", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *file = NULL;
	struct pkt_pcap_writer *w = NULL;
	struct cf_nodes nodes;
	struct pkt_wbuf wb;
	int c, rc = 0;
	char err[512];

	cf_nodes_init(&nodes, 1);
	nodes.nut_addr = nut_addr;
	nodes.nut_ctx = &nodes;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:f:h", lo, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'f': file = optarg; break;
		case 'm': {
			struct pkt_val v;

			if (pkt_val_parse_addr(PKT_FT_MAC, optarg, &v)) {
				fprintf(stderr, "v6lab build: bad MAC '%s'\n", optarg);
				return 2;
			}
			memcpy(nodes.nut_mac[0], v.a, 6);
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!file && optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (out) {
		w = pkt_pcap_create(out, DLT_EN10MB, err, sizeof(err));
		if (!w) {
			fprintf(stderr, "v6lab build: %s\n", err);
			return 2;
		}
	}
	pkt_wbuf_init(&wb);
	for (int i = optind; i < argc; i++)
		if (one(&nodes, argv[i], 1, "argument", w, &wb))
			rc = 1;
	if (file) {
		FILE *fp = fopen(file, "r");
		char *line = NULL;
		size_t cap = 0;
		int ln = 0;

		if (!fp) {
			perror(file);
			rc = 2;
		} else {
			while (getline(&line, &cap, fp) > 0) {
				char *p = line;

				ln++;
				line[strcspn(line, "\n")] = 0;
				while (*p == ' ' || *p == '\t')
					p++;
				if (!*p || *p == '#')
					continue;
				if (one(&nodes, line, ln, file, w, &wb))
					rc = 1;
			}
			free(line);
			fclose(fp);
		}
	}
	pkt_wbuf_free(&wb);
	pkt_pcap_finish(w);
	return rc;
}
