/*
 * Fuzz target for rtnetlink reply parsing: the first byte picks the listing
 * whose replies these are (links, addresses, routes, neighbours) and its
 * filter; the rest is what the kernel would send back to a request of
 * sequence 1: data messages, errors with extended acks, the end of a dump,
 * stale replies of other sequences. It goes through the receive half of the
 * exchange and the listing's per-message callback, which checks every
 * attribute against its policy before reading it.
 */
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEQ 1

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int families[4] = { AF_UNSPEC, AF_INET, AF_INET6, AF_UNSPEC };
	char errmsg[256];
	unsigned sel;
	int family, ifindex;
	mnl_cb_t cb;
	void *buf;

	if (size < 1 || size > 65536)
		return 0;
	sel = data[0];
	family = families[(sel >> 2) & 3];
	ifindex = sel & 0x10 ? 1 : 0;
	switch (sel & 3) {
	case 0:
		fz_link_reset();
		cb = fz_link_cb;
		break;
	case 1:
		fz_addr_reset(family, ifindex);
		cb = fz_addr_cb;
		break;
	case 2:
		fz_route_reset(family, sel & 0x20 ? 1000 : RT_TABLE_MAIN);
		cb = fz_route_cb;
		break;
	default:
		fz_neigh_reset(family, ifindex);
		cb = fz_neigh_cb;
		break;
	}
	/* An exact-size copy, aligned as a receive buffer is. */
	buf = malloc(size - 1 ? size - 1 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	fz_rtnl_replies(buf, size - 1, SEQ, cb, NULL, errmsg, sizeof(errmsg));
	free(buf);
	return 0;
}
