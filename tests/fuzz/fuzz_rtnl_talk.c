/*
 * src/net/rtnl.c compiled into the rtnl fuzz target, with the receive half
 * of its request / reply exchange exposed (see fuzz_rtnl.h).
 */
#include "../../src/net/rtnl.c"

#include "fuzz_rtnl.h"

int fz_rtnl_replies(const void *buf, size_t len, unsigned seq, mnl_cb_t cb, void *data,
		    char *errmsg, size_t errlen)
{
	/* The same control table as net_rtnl_talk(). */
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP] = talk_noop,
		[NLMSG_ERROR] = talk_error,
		[NLMSG_DONE] = talk_done,
		[NLMSG_OVERRUN] = talk_overrun,
	};
	static struct net_rtnl nl;
	struct talk t = { .nl = &nl, .seq = seq, .cb = cb, .data = data };
	int rc;

	nl.errmsg[0] = '\0';
	rc = mnl_cb_run2(buf, len, 0, 0, talk_data, &t, ctl, NLMSG_MIN_TYPE);
	snprintf(errmsg, errlen, "%s", nl.errmsg);
	if (rc < 0)
		return -errno;
	if (t.ack)
		return t.ack;
	return t.cb_err;
}
