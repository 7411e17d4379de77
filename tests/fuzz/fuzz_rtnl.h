/*
 * The rtnetlink reply parsers reached by the rtnl fuzz target. The per-message
 * callbacks of src/net are static, so each fuzz_rtnl_*.c compiles one file
 * of src/net into its own unit and exposes its callback here, with the
 * filter state the listing call would give it.
 */
#ifndef V6LAB_FUZZ_RTNL_H
#define V6LAB_FUZZ_RTNL_H

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdint.h>

/* The receive half of net_rtnl_talk(): runs buf through the same data and
 * control callbacks (sequence check, errors with extended acks, end of
 * dump), calling cb for the data messages of sequence seq. Returns what the
 * exchange would return and copies the kept kernel message to errmsg. */
int fz_rtnl_replies(const void *buf, size_t len, unsigned seq, mnl_cb_t cb, void *data,
		    char *errmsg, size_t errlen);

/* Each parser: reset with the filter of its listing call, then the callback
 * (as given to net_rtnl_dump), then the number of entries collected. */
void fz_link_reset(void);
int fz_link_cb(const struct nlmsghdr *nlh, void *data);
size_t fz_link_count(void);

void fz_addr_reset(int family, int ifindex);
int fz_addr_cb(const struct nlmsghdr *nlh, void *data);
size_t fz_addr_count(void);

void fz_route_reset(int family, uint32_t table);
int fz_route_cb(const struct nlmsghdr *nlh, void *data);
size_t fz_route_count(void);

void fz_neigh_reset(int family, int ifindex);
int fz_neigh_cb(const struct nlmsghdr *nlh, void *data);
size_t fz_neigh_count(void);

#endif
