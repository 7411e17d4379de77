/*
 * The tester's side of the links: one AF_PACKET socket per link, every frame
 * in and out kept in order with its timestamp and written to the link's
 * pcap, and the Neighbor Advertisements the tester sends on behalf of the
 * nodes it impersonates when the NUT asks for them.
 */
#ifndef V6LAB_CF_LINKIO_H
#define V6LAB_CF_LINKIO_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "netns.h"
#include "nodes.h"

struct cf_frame {
	struct timespec ts;
	uint32_t len;
	uint8_t *data;
};

struct cf_linkio;

/* Frames kept per link; older ones are dropped (and counted) past this. */
#define CF_LINKIO_MAX_FRAMES 20000

typedef void (*cf_linkio_logfn)(void *ctx, int link, int sent, const struct cf_frame *f);

struct cf_linkio *cf_linkio_new(int nlinks, struct cf_nodes *nodes, cf_linkio_logfn logfn,
				void *logctx);
/* Opens the tester's end of link i (interface ifname in ns) and its pcap. */
int cf_linkio_attach(struct cf_linkio *lio, int link, const struct net_ns *ns, const char *ifname,
		     const char *pcap_path, char *err, size_t errlen);
int cf_linkio_send(struct cf_linkio *lio, int link, const uint8_t *data, size_t len);
/* Waits up to timeout_ms for frames and takes in all that are ready.
 * Returns the number taken in, or a negative errno. */
int cf_linkio_poll(struct cf_linkio *lio, int timeout_ms);
/* Received frames of a link: index of the first kept one, and the count. */
unsigned cf_linkio_first(const struct cf_linkio *lio, int link);
unsigned cf_linkio_count(const struct cf_linkio *lio, int link);
const struct cf_frame *cf_linkio_frame(const struct cf_linkio *lio, int link, unsigned i);
void cf_linkio_free(struct cf_linkio *lio);

/* Monotonic milliseconds. */
uint64_t cf_now_ms(void);

#endif
