/*
 * `v6lab report SUMMARY.json...`: turns the summaries of one or more runs
 * into a markdown results table (counts per section and NUT type) followed
 * by every non-PASS verdict with its reason, as committed in docs/results/.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const char *const verdicts[] = { "PASS", "WARN", "FAIL", "SKIP", "N/A", "ERROR" };

static int vindex(const char *v)
{
	for (int i = 0; i < 6; i++)
		if (!strcmp(v, verdicts[i]))
			return i;
	return -1;
}

int cmd_report(int argc, char **argv)
{
	json_t *runs[8];
	int nruns = 0, rc = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: v6lab report SUMMARY.json...\n\n"
			"Prints a markdown table of verdict counts per section for each run\n"
			"(the summary.json that v6lab run writes), then every non-PASS result.\n");
		return argc < 2 ? 2 : 0;
	}
	for (int i = 1; i < argc && nruns < 8; i++) {
		json_error_t e;
		json_t *j = json_load_file(argv[i], 0, &e);

		if (!j || !json_is_array(json_object_get(j, "results"))) {
			fprintf(stderr, "v6lab report: %s: %s\n", argv[i], j ? "no results" : e.text);
			json_decref(j);
			rc = 2;
			continue;
		}
		runs[nruns++] = j;
	}
	for (int r = 0; r < nruns; r++) {
		json_t *res = json_object_get(runs[r], "results"), *x;
		const char *secs[64];
		int nsec = 0, tot[6] = { 0 };
		size_t i;

		printf("### NUT %s (%s driver), %s\n\n", json_string_value(json_object_get(runs[r], "nut_type")),
		       json_string_value(json_object_get(runs[r], "driver")),
		       json_string_value(json_object_get(runs[r], "started")));
		printf("| section | PASS | WARN | FAIL | SKIP | N/A | ERROR | total |\n"
		       "|---|---:|---:|---:|---:|---:|---:|---:|\n");
		json_array_foreach(res, i, x) {
			const char *s = json_string_value(json_object_get(x, "section"));
			bool seen = false;

			for (int k = 0; k < nsec; k++)
				seen |= !strcmp(secs[k], s);
			if (!seen && nsec < 64)
				secs[nsec++] = s;
		}
		for (int k = 0; k < nsec; k++) {
			int c[6] = { 0 }, t = 0;

			json_array_foreach(res, i, x) {
				int v = vindex(json_string_value(json_object_get(x, "verdict")));

				if (strcmp(json_string_value(json_object_get(x, "section")), secs[k]) || v < 0)
					continue;
				c[v]++;
				tot[v]++;
				t++;
			}
			printf("| %s | %d | %d | %d | %d | %d | %d | %d |\n", secs[k], c[0], c[1], c[2], c[3],
			       c[4], c[5], t);
		}
		printf("| **all** | %d | %d | %d | %d | %d | %d | %zu |\n\n", tot[0], tot[1], tot[2], tot[3],
		       tot[4], tot[5], json_array_size(res));
		printf("Wall time %.0f s with -j %lld.\n\n", json_real_value(json_object_get(runs[r], "secs")),
		       (long long)json_integer_value(json_object_get(runs[r], "jobs")));
		printf("Every verdict other than PASS and N/A:\n\n| test | verdict | reason |\n|---|---|---|\n");
		json_array_foreach(res, i, x) {
			const char *v = json_string_value(json_object_get(x, "verdict"));

			if (!strcmp(v, "PASS") || !strcmp(v, "N/A"))
				continue;
			printf("| `%s` | %s | ", json_string_value(json_object_get(x, "id")), v);
			for (const char *p = json_string_value(json_object_get(x, "reason")); p && *p; p++)
				fputs(*p == '|' ? "\\|" : *p == '\n' ? " " : (char[]){ *p, 0 }, stdout);
			printf(" |\n");
		}
		printf("\n");
	}
	for (int r = 0; r < nruns; r++)
		json_decref(runs[r]);
	return rc;
}
