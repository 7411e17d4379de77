/*
 * Dictionary writer for the text fuzz targets: see fuzz_dict.h.
 */
#include "fuzz_dict.h"

#include <stdio.h>
#include <stdlib.h>

#include "proto.h"

static void word(FILE *fp, const char *w)
{
	fputc('"', fp);
	for (; *w; w++) {
		unsigned char c = (unsigned char)*w;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(fp, "\\x%02x", c);
		else
			fputc(c, fp);
	}
	fputs("\"\n", fp);
}

void fz_dict_maybe_write(const char *const *extra)
{
	static const char *const notation[] = {
		"TN1", "TN2", "TR1", "TR2", "TH1", "NUT", ".ll", ".global", ".mac", "@link1",
		"ALLNODES", "ALLROUTERS", "ALLMLDV2", "UNSPEC", "PREFIX", "solicited(",
		"mcastmac(", "eui64(", "hex(", " / ", " -> ", "=", "!=", "<=", ">=", "0x",
		"2001:db8::1", "fe80::1", "192.0.2.1", "02:00:00:00:00:01", "$n", "$a", "$b",
		"\"", "[", "]", ", ", "(", ")", NULL,
	};
	const char *path = getenv("V6LAB_FUZZ_DICT");
	const struct pkt_proto *const *all;
	size_t n;
	FILE *fp;

	if (!path)
		return;
	fp = fopen(path, "w");
	if (!fp) {
		perror(path);
		exit(1);
	}
	all = pkt_proto_all(&n);
	for (size_t i = 0; i < n; i++) {
		word(fp, all[i]->name);
		for (int k = 0; k < all[i]->nfields; k++)
			word(fp, all[i]->fields[k].name);
	}
	for (size_t i = 0; notation[i]; i++)
		word(fp, notation[i]);
	for (size_t i = 0; extra && extra[i]; i++)
		word(fp, extra[i]);
	exit(fclose(fp) ? 1 : 0);
}
