/*
 * Fuzz target for pcap file reading: the input is written to an in-memory
 * file, opened by path with pkt_pcap_open (libpcap reads both pcap and
 * pcapng), and every frame it yields is decoded by the file's link type,
 * summarised and checksum-checked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "csum.h"
#include "decode.h"
#include "pcapio.h"
#include "print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 256

static struct pkt_dec dec;
static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_pcap_reader *r;
	struct pkt_frame f;
	char err[512], line[1024];
	int dlt;

	if (fd < 0) {
		fd = memfd_create("fuzz_pcap", 0);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size) {
		perror("fuzz_pcap: writing the input");
		abort();
	}
	r = pkt_pcap_open(path, err, sizeof(err));
	if (!r)
		return 0;
	dlt = pkt_pcap_dlt(r);
	for (int i = 0; i < MAX_FRAMES && pkt_pcap_next(r, &f, err, sizeof(err)) == 1; i++) {
		/* An exact-size copy: libpcap's buffer would hide a read past
		 * the captured bytes. */
		uint8_t *copy = malloc(f.caplen ? f.caplen : 1);

		if (!copy)
			break;
		memcpy(copy, f.data, f.caplen);
		pkt_decode_dlt(&dec, copy, f.caplen, dlt);
		pkt_print_summary(&dec, line, sizeof(line));
		for (int k = 0; k < dec.n; k++)
			pkt_csum_verify(&dec, k);
		free(copy);
	}
	pkt_pcap_close(r);
	return 0;
}
