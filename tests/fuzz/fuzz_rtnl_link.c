/*
 * src/net/link.c compiled into the rtnl fuzz target, its reply callback
 * exposed with the vector net_link_list() gives it (see fuzz_rtnl.h).
 */
#include "../../src/net/link.c"

#include "fuzz_rtnl.h"

static struct net_rtnl_vec link_vec = { .size = sizeof(struct net_link) };

void fz_link_reset(void)
{
	free(link_vec.v);
	link_vec.v = NULL;
	link_vec.n = link_vec.cap = 0;
}

int fz_link_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	return link_cb(nlh, &link_vec);
}

size_t fz_link_count(void)
{
	return link_vec.n;
}
