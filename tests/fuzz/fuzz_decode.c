/*
 * Fuzz target for the frame decoder: the input is decoded as an Ethernet
 * frame and again as a raw IP packet, and every decoded frame goes through
 * the three printers and the checksum check of each layer, which between
 * them read every field of every layer the decoder accepted.
 */
#include <pcap/dlt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "csum.h"
#include "decode.h"
#include "print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pkt_dec dec;
static FILE *devnull;

static void exercise(const uint8_t *data, uint32_t len, int dlt)
{
	char line[2048], small[24];
	json_t *j;

	pkt_decode_dlt(&dec, data, len, dlt);
	pkt_print_summary(&dec, line, sizeof(line));
	/* A short buffer too: the summary must cut itself off cleanly. */
	pkt_print_summary(&dec, small, sizeof(small));
	pkt_print_tree(&dec, devnull);
	j = pkt_print_json(&dec);
	if (j) {
		char *s = json_dumps(j, JSON_COMPACT);

		free(s);
		json_decref(j);
	}
	for (int i = 0; i < dec.n; i++)
		pkt_csum_verify(&dec, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65535 + 14)
		return 0;
	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		if (!devnull)
			abort();
	}
	exercise(data, (uint32_t)size, DLT_EN10MB);
	exercise(data, (uint32_t)size, DLT_RAW);
	return 0;
}
