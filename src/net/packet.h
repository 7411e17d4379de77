/*
 * Raw Ethernet access to one interface for the tester: an AF_PACKET socket
 * opened inside a namespace and bound to one link, in promiscuous mode (the
 * tester impersonates many MACs), that sends whole frames and receives
 * frames with their kernel receive time in nanoseconds, filtered by an
 * optional capture filter (pcap-filter(7) syntax, compiled by libpcap and
 * run in the kernel), with a timeout. Frames the socket's own link sends
 * are not read back unless asked for.
 */
#ifndef V6LAB_NET_PACKET_H
#define V6LAB_NET_PACKET_H

#include <linux/if_packet.h> /* PACKET_HOST ... */
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "netns.h"

#define NET_PKT_OUTGOING 0x01	/* also receive frames sent out of the link */
#define NET_PKT_NOPROMISC 0x02	/* leave promiscuous mode off */

struct net_pkt {
	int fd;
	int ifindex;
	unsigned flags;
	uint8_t skip_outgoing; /* the kernel cannot drop them: drop on receive */
};

struct net_pkt_info {
	struct timespec ts; /* kernel receive time, CLOCK_REALTIME */
	uint32_t len;	    /* frame length; more than was copied when cut short */
	uint8_t pkttype;    /* PACKET_HOST, PACKET_OTHERHOST, PACKET_MULTICAST,
			     * PACKET_BROADCAST, PACKET_OUTGOING */
};

/* Opens the socket on ifname in ns (NULL: the calling thread's namespace),
 * with filter attached before any frame is queued (NULL or "": all frames).
 * On a filter error, its text is in err. */
int net_pkt_open(struct net_pkt *p, const struct net_ns *ns, const char *ifname,
		 const char *filter, unsigned flags, char *err, size_t errlen);
/* Replaces the filter. Frames queued under the old one are dropped, and so
 * are frames arriving during the swap. */
int net_pkt_set_filter(struct net_pkt *p, const char *filter, char *err, size_t errlen);
/* Sends one whole frame (from the destination MAC on, no FCS). */
int net_pkt_send(struct net_pkt *p, const void *frame, size_t len);
/* Waits up to timeout_ms (negative: for ever, 0: just polls) for a frame
 * and copies it into buf: returns the bytes copied, or -ETIMEDOUT. A VLAN
 * tag the kernel took off the frame is put back in. info may be NULL. */
int net_pkt_recv(struct net_pkt *p, void *buf, size_t cap, int timeout_ms,
		 struct net_pkt_info *info);
/* Discards the frames queued so far; returns how many. */
int net_pkt_drain(struct net_pkt *p);
void net_pkt_close(struct net_pkt *p);

/* Compiles a filter for Ethernet frames into a classic BPF program (the
 * caller frees prog->filter); exposed for tests and tools. */
struct sock_fprog;
int net_pkt_compile(const char *filter, struct sock_fprog *prog, char *err, size_t errlen);

#endif
