/*
 * src/net/route.c compiled into the rtnl fuzz target, its reply callback
 * exposed with the filter net_route_list() gives it (see fuzz_rtnl.h).
 */
#include "../../src/net/route.c"

#include "fuzz_rtnl.h"

static struct route_filter route_f = { .vec = { .size = sizeof(struct net_route) } };

void fz_route_reset(int family, uint32_t table)
{
	free(route_f.vec.v);
	route_f.vec.v = NULL;
	route_f.vec.n = route_f.vec.cap = 0;
	route_f.family = family;
	route_f.table = table;
}

int fz_route_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	return route_cb(nlh, &route_f);
}

size_t fz_route_count(void)
{
	return route_f.vec.n;
}
