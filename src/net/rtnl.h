/*
 * An rtnetlink handle bound to one network namespace, and the request /
 * reply exchange the link, address, route and neighbour calls share: a
 * request is sent with an acknowledgement asked for, replies are read until
 * the acknowledgement or the end of a dump, every attribute of a reply is
 * checked against a policy before it is read, and a failure comes back as a
 * negative errno with the kernel's extended-ack message kept in the handle.
 */
#ifndef V6LAB_NET_RTNL_H
#define V6LAB_NET_RTNL_H

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdint.h>

#include "netns.h"

/* One handle is used by one thread at a time. */
struct net_rtnl;

/* Opens an rtnetlink socket inside ns (NULL: the calling thread's). */
int net_rtnl_open(const struct net_ns *ns, struct net_rtnl **out);
void net_rtnl_close(struct net_rtnl *nl);
/* The kernel's message for the last failed (or warned) request, or "". */
const char *net_rtnl_errmsg(const struct net_rtnl *nl);

/* For the calls in src/net: */

/* Starts a request in the handle's buffer (8 KiB: requests here are small
 * and bounded, so attributes are put without checks). */
struct nlmsghdr *net_rtnl_req(struct net_rtnl *nl, uint16_t type, uint16_t flags);
/* Sends the request and reads replies, calling cb for each data message
 * (cb may be NULL). cb returns MNL_CB_OK, or MNL_CB_ERROR with errno set;
 * the remaining replies are still read so the socket stays in step.
 * Returns 0 or a negative errno. */
int net_rtnl_talk(struct net_rtnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data);
/* Growable array the dump calls collect their entries in. */
struct net_rtnl_vec {
	void *v;
	size_t n, cap, size; /* size: bytes of one entry */
};

/* A zeroed new entry at the end, or NULL when out of memory. */
void *net_rtnl_vec_push(struct net_rtnl_vec *vec);
/* Sends a dump request and collects with cb; a dump the kernel marks as
 * interrupted (the table changed meanwhile) is restarted with vec emptied.
 * On failure vec is freed. */
int net_rtnl_dump(struct net_rtnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data,
		  struct net_rtnl_vec *vec);
/* Notes a message for the caller (e.g. a malformed reply). */
void net_rtnl_set_errmsg(struct net_rtnl *nl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Attribute policy: MNL_TYPE_* per attribute type, and for MNL_TYPE_BINARY
 * the minimum and maximum payload length. Types left at MNL_TYPE_UNSPEC
 * (0) and types above max are skipped: they are not read. */
struct net_rtnl_pol {
	uint8_t type;
	uint8_t min, max;
};

/* Validates the attributes after a fixed header of hdrlen bytes and indexes
 * them in tb[0..max]. Returns 0, or -EBADMSG when one breaks the policy. */
int net_rtnl_parse(const struct nlmsghdr *nlh, size_t hdrlen,
		   const struct net_rtnl_pol *pol, uint16_t max, const struct nlattr **tb);
int net_rtnl_parse_nested(const struct nlattr *nest, const struct net_rtnl_pol *pol,
			  uint16_t max, const struct nlattr **tb);

#endif
