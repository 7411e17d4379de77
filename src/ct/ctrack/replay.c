/*
 * `ctrack replay FILE.pcap`: tracks a capture with libct, using the packet
 * timestamps as the clock, and prints the final table as `conntrack -L`
 * does, the events as `conntrack -E` does (--events), the classification of
 * every packet (--verdicts) and the statistics (--stats); --json gives all
 * of it as JSON lines.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"
#include "ctrack.h"
#include "pcapio.h"

struct replay {
	bool json, events, verdicts, stats, table;
	uint64_t now;
};

static const char *info_name(enum ct_info i)
{
	static const char *const n[] = { "new", "established", "related", "invalid", "untracked" };

	return (unsigned)i < 5 ? n[i] : "?";
}

static const char *event_name(enum ct_event ev)
{
	return ev == CT_EV_NEW ? "NEW" : ev == CT_EV_UPDATE ? "UPDATE" : "DESTROY";
}

static void on_event(void *arg, enum ct_event ev, const struct ct_entry *e)
{
	struct replay *r = arg;
	char line[1024];

	if (!r->events)
		return;
	if (r->json) {
		json_t *o = ctrack_entry_json(e, r->now);

		json_object_set_new(o, "event", json_string(event_name(ev)));
		ctrack_json_print(o);
		return;
	}
	ct_event_format(ev, e, r->now, line, sizeof(line));
	printf("%s\n", line);
}

static int print_entry(struct ct_entry *e, void *arg)
{
	struct replay *r = arg;
	char line[1024];

	if (r->json) {
		json_t *o = ctrack_entry_json(e, r->now);

		json_object_set_new(o, "table", json_true());
		ctrack_json_print(o);
	} else {
		ct_entry_format(e, r->now, line, sizeof(line));
		printf("%s\n", line);
	}
	return 0;
}

/* Offset of the IP header in a frame of link type dlt, or -1. */
static long ip_offset(int dlt, const uint8_t *p, uint32_t len)
{
	uint32_t off = 0;
	uint16_t type;

	switch (dlt) {
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return 0;
	case DLT_LINUX_SLL2: /* tcpdump -i any writes this one today */
		if (len < 20)
			return -1;
		type = (uint16_t)(p[0] << 8 | p[1]);
		off = 20;
		break;
	case DLT_LINUX_SLL:
		if (len < 16)
			return -1;
		type = (uint16_t)(p[14] << 8 | p[15]);
		off = 16;
		break;
	case DLT_EN10MB:
		if (len < 14)
			return -1;
		type = (uint16_t)(p[12] << 8 | p[13]);
		off = 14;
		while ((type == 0x8100 || type == 0x88a8) && len >= off + 4) {
			type = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
			off += 4;
		}
		break;
	default:
		return -1;
	}
	return (type == 0x0800 || type == 0x86dd) ? (long)off : -1;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: ctrack replay [options] FILE.pcap\n"
		"\n"
		"Tracks the connections of a capture, with its timestamps as the clock.\n"
		"  --events       print events as they happen (conntrack -E format)\n"
		"  --verdicts     print how each packet relates: new, established, related,\n"
		"                 invalid (with the reason), untracked\n"
		"  --stats        print the statistics (conntrack -S format)\n"
		"  --no-table     do not print the final table (conntrack -L format)\n"
		"  --json         everything as JSON, one object per line\n"
		"  --max N        table size (default 65536)\n"
		"  --liberal      no TCP window checks (nf_conntrack_tcp_be_liberal)\n"
		"  --no-loose     do not pick up TCP connections mid-stream\n"
		"  --helpers      run the FTP helper on port 21 (nf_conntrack_helper=1,\n"
		"                 or a `ct helper` rule)\n"
		"  --checksum     verify checksums (nf_conntrack_checksum=1); captures of\n"
		"                 locally sent traffic carry offloaded, unfinished ones\n"
		"  --zone N       track in zone N\n"
		"Exit status: 0 ok, 1 the file could not be read to the end, 2 usage.\n");
}

int ctrack_replay(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "events", no_argument, NULL, 'e' },	  { "verdicts", no_argument, NULL, 'v' },
		{ "stats", no_argument, NULL, 's' },	  { "no-table", no_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },	  { "max", required_argument, NULL, 'm' },
		{ "liberal", no_argument, NULL, 'l' },	  { "no-loose", no_argument, NULL, 'L' },
		{ "zone", required_argument, NULL, 'z' }, { "help", no_argument, NULL, 'h' },
		{ "helpers", no_argument, NULL, 'H' },	  { "checksum", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay r = { .table = true };
	struct ct_config cfg;
	struct ct_table *t = NULL;
	struct pkt_pcap_reader *pr;
	struct pkt_frame f;
	char err[512];
	int c, dlt, rc = 0;
	unsigned long n = 0;
	unsigned zone = 0;

	ct_config_defaults(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'e': r.events = true; break;
		case 'v': r.verdicts = true; break;
		case 's': r.stats = true; break;
		case 'T': r.table = false; break;
		case 'j': r.json = true; break;
		case 'm':
			if (ctrack_parse_u32(optarg, &cfg.max_entries) || !cfg.max_entries) {
				fprintf(stderr, "ctrack replay: --max wants a positive number\n");
				return 2;
			}
			break;
		case 'l': cfg.tcp_liberal = true; break;
		case 'L': cfg.tcp_loose = false; break;
		case 'H': cfg.helpers = true; break;
		case 'C': cfg.checksum = true; break;
		case 'z':
			if (ctrack_parse_u32(optarg, &zone) || zone > 65535) {
				fprintf(stderr, "ctrack replay: --zone wants 0..65535\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	pr = pkt_pcap_open(argv[optind], err, sizeof(err));
	if (!pr) {
		fprintf(stderr, "ctrack replay: %s\n", err);
		return 2;
	}
	rc = ct_table_new(&cfg, &t);
	if (rc) {
		fprintf(stderr, "ctrack replay: cannot make the table: %s\n", strerror(-rc));
		pkt_pcap_close(pr);
		return 2;
	}
	ct_subscribe(t, CT_EV_NEW | CT_EV_UPDATE | CT_EV_DESTROY, on_event, &r);
	dlt = pkt_pcap_dlt(pr);
	for (;;) {
		struct ct_result res;
		long off;
		int got = pkt_pcap_next(pr, &f, err, sizeof(err));

		if (got == 0)
			break;
		if (got < 0) {
			fprintf(stderr, "ctrack replay: %s\n", err);
			rc = 1;
			break;
		}
		n++;
		r.now = (uint64_t)f.ts.tv_sec * 1000000000ull + (uint64_t)f.ts.tv_nsec;
		off = ip_offset(dlt, f.data, f.caplen);
		if (off < 0) {
			memset(&res, 0, sizeof(res));
			res.info = CT_UNTRACKED;
			res.reason = "not IP";
		} else {
			ct_process(t, f.data + off, f.caplen - (size_t)off, (uint16_t)zone, r.now, &res);
		}
		if (!r.verdicts)
			continue;
		if (r.json) {
			json_t *o = json_object();

			json_object_set_new(o, "packet", json_integer((json_int_t)n));
			json_object_set_new(o, "verdict", json_string(info_name(res.info)));
			json_object_set_new(o, "dir", json_string(res.dir == CT_DIR_ORIG ? "original" : "reply"));
			if (res.reason)
				json_object_set_new(o, "reason", json_string(res.reason));
			if (res.entry)
				json_object_set_new(o, "id", json_integer(res.entry->id));
			ctrack_json_print(o);
		} else {
			printf("%lu %s%s%s%s\n", n, info_name(res.info),
			       res.info == CT_INVALID || res.info == CT_UNTRACKED ? ": " : "",
			       res.info == CT_INVALID || res.info == CT_UNTRACKED ? (res.reason ? res.reason : "?") : "",
			       res.info != CT_INVALID && res.info != CT_UNTRACKED && res.dir == CT_DIR_REPLY ? " reply" : "");
		}
	}
	if (r.table) {
		ct_table_walk(t, print_entry, &r);
		if (!r.json)
			fprintf(stderr, "ctrack: %zu flow entries have been shown.\n", ct_table_count(t));
	}
	if (r.stats) {
		struct ct_stats s;

		ct_table_stats(t, &s);
		if (r.json) {
			ctrack_json_print(ctrack_stats_json(&s, ct_table_count(t)));
		} else {
			printf("cpu=0   \tfound=%llu invalid=%llu insert=0 insert_failed=%llu drop=%llu "
			       "early_drop=%llu error=%llu search_restart=%llu\n",
			       (unsigned long long)s.found, (unsigned long long)s.invalid,
			       (unsigned long long)s.insert_failed, (unsigned long long)s.drop,
			       (unsigned long long)s.early_drop, (unsigned long long)s.error,
			       (unsigned long long)s.search_restart);
		}
	}
	/* What is still in the table at the end was not destroyed: no events. */
	r.events = false;
	ct_table_free(t);
	pkt_pcap_close(pr);
	return rc;
}
