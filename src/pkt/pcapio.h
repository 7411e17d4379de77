/*
 * pcap files through libpcap: a reader that hands out frames with their
 * timestamps and link type, and a writer. Errors carry libpcap's message.
 */
#ifndef V6LAB_PKT_PCAPIO_H
#define V6LAB_PKT_PCAPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

struct pkt_pcap_reader;
struct pkt_pcap_writer;

struct pkt_frame {
	const uint8_t *data;
	uint32_t caplen;
	uint32_t len;
	struct timespec ts;
};

/* Opens FILE for reading; NULL with a message in err. */
struct pkt_pcap_reader *pkt_pcap_open(const char *path, char *err, size_t errlen);
int pkt_pcap_dlt(const struct pkt_pcap_reader *r);
/* 1 with a frame, 0 at the end, negative errno on a read error (err set). */
int pkt_pcap_next(struct pkt_pcap_reader *r, struct pkt_frame *f, char *err, size_t errlen);
void pkt_pcap_close(struct pkt_pcap_reader *r);

/* Creates FILE (nanosecond timestamps) for link type dlt. */
struct pkt_pcap_writer *pkt_pcap_create(const char *path, int dlt, char *err, size_t errlen);
int pkt_pcap_write(struct pkt_pcap_writer *w, const uint8_t *data, uint32_t len,
		   const struct timespec *ts);
int pkt_pcap_flush(struct pkt_pcap_writer *w);
void pkt_pcap_finish(struct pkt_pcap_writer *w);

#endif
