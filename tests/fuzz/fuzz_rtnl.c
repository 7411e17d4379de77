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

/*
 * libmnl (1.0.4) checks a message length as a signed int: a length of 2^31
 * or more passes, rounds up to 0, and mnl_cb_run2() then loops for ever on
 * the same message. The kernel never sends such a length, so the input is
 * cut before the first one; everything else goes through as it is.
 */
static size_t kernel_shaped(const uint8_t *p, size_t n)
{
	size_t off = 0;
	uint32_t len;

	while (n - off >= sizeof(struct nlmsghdr)) {
		memcpy(&len, p + off, sizeof(len));
		if (len >= UINT32_C(0x80000000))
			return off;
		if (len < sizeof(struct nlmsghdr) || len > n - off)
			break;
		off += NLMSG_ALIGN(len);
		if (off > n)
			break;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int families[4] = { AF_UNSPEC, AF_INET, AF_INET6, AF_UNSPEC };
	char errmsg[256];
	unsigned sel;
	int family, ifindex;
	mnl_cb_t cb;
	uint8_t *buf;
	size_t len;

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
	/* A copy of exactly what a receive would give: the kernel pads every
	 * message to 4 bytes, so a datagram is a multiple of 4 bytes long (and
	 * libmnl lets the last attribute run into that padding). */
	len = NLMSG_ALIGN(size - 1);
	buf = calloc(1, len ? len : 4);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	len = kernel_shaped(buf, len);
	fz_rtnl_replies(buf, len, SEQ, cb, NULL, errmsg, sizeof(errmsg));
	free(buf);
	return 0;
}
