/*
 * src/net/neigh.c compiled into the rtnl fuzz target, its reply callback
 * exposed with the filter net_neigh_list() gives it (see fuzz_rtnl.h).
 */
#include "../../src/net/neigh.c"

#include "fuzz_rtnl.h"

static struct neigh_filter neigh_f = { .vec = { .size = sizeof(struct net_neigh) } };

void fz_neigh_reset(int family, int ifindex)
{
	free(neigh_f.vec.v);
	neigh_f.vec.v = NULL;
	neigh_f.vec.n = neigh_f.vec.cap = 0;
	neigh_f.family = family;
	neigh_f.ifindex = ifindex;
}

int fz_neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	return neigh_cb(nlh, &neigh_f);
}

size_t fz_neigh_count(void)
{
	return neigh_f.vec.n;
}
