/* pcap reading and writing through libpcap: see pcapio.h. */
#include "pcapio.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

struct pkt_pcap_reader {
	pcap_t *p;
	int nsec;
};

struct pkt_pcap_writer {
	pcap_t *p;
	pcap_dumper_t *d;
};

struct pkt_pcap_reader *pkt_pcap_open(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct pkt_pcap_reader *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!r->p) {
		snprintf(err, errlen, "%s: not a readable pcap file: %s", path, ebuf);
		free(r);
		return NULL;
	}
	r->nsec = pcap_get_tstamp_precision(r->p) == PCAP_TSTAMP_PRECISION_NANO;
	return r;
}

int pkt_pcap_dlt(const struct pkt_pcap_reader *r)
{
	return pcap_datalink(r->p);
}

int pkt_pcap_next(struct pkt_pcap_reader *r, struct pkt_frame *f, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(r->p, &h, &data);

	if (rc == 1) {
		f->data = data;
		f->caplen = h->caplen;
		f->len = h->len;
		f->ts.tv_sec = h->ts.tv_sec;
		f->ts.tv_nsec = r->nsec ? h->ts.tv_usec : h->ts.tv_usec * 1000L;
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	snprintf(err, errlen, "pcap read error: %s", pcap_geterr(r->p));
	return -EIO;
}

void pkt_pcap_close(struct pkt_pcap_reader *r)
{
	if (!r)
		return;
	pcap_close(r->p);
	free(r);
}

struct pkt_pcap_writer *pkt_pcap_create(const char *path, int dlt, char *err, size_t errlen)
{
	struct pkt_pcap_writer *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->p = pcap_open_dead_with_tstamp_precision(dlt, 262144, PCAP_TSTAMP_PRECISION_NANO);
	if (!w->p) {
		snprintf(err, errlen, "pcap_open_dead failed");
		free(w);
		return NULL;
	}
	w->d = pcap_dump_open(w->p, path);
	if (!w->d) {
		snprintf(err, errlen, "%s: %s", path, pcap_geterr(w->p));
		pcap_close(w->p);
		free(w);
		return NULL;
	}
	return w;
}

int pkt_pcap_write(struct pkt_pcap_writer *w, const uint8_t *data, uint32_t len,
		   const struct timespec *ts)
{
	struct pcap_pkthdr h = { 0 };

	h.caplen = h.len = len;
	if (ts) {
		h.ts.tv_sec = ts->tv_sec;
		h.ts.tv_usec = (suseconds_t)ts->tv_nsec; /* nanoseconds: see create */
	}
	pcap_dump((u_char *)w->d, &h, data);
	return 0;
}

int pkt_pcap_flush(struct pkt_pcap_writer *w)
{
	return pcap_dump_flush(w->d) ? -EIO : 0;
}

void pkt_pcap_finish(struct pkt_pcap_writer *w)
{
	if (!w)
		return;
	pcap_dump_close(w->d);
	pcap_close(w->p);
	free(w);
}
