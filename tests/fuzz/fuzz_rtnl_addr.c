/*
 * src/net/addr.c compiled into the rtnl fuzz target, its reply callback
 * exposed with the filter net_addr_list() gives it (see fuzz_rtnl.h).
 */
#include "../../src/net/addr.c"

#include "fuzz_rtnl.h"

static struct addr_filter addr_f = { .vec = { .size = sizeof(struct net_addr) } };

void fz_addr_reset(int family, int ifindex)
{
	free(addr_f.vec.v);
	addr_f.vec.v = NULL;
	addr_f.vec.n = addr_f.vec.cap = 0;
	addr_f.family = family;
	addr_f.ifindex = ifindex;
}

int fz_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	return addr_cb(nlh, &addr_f);
}

size_t fz_addr_count(void)
{
	return addr_f.vec.n;
}
