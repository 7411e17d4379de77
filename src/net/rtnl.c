/*
 * The rtnetlink exchange: see rtnl.h. Replies are matched to the request by
 * sequence number; replies left over from an earlier request that timed out
 * or failed half-way are skipped, so one bad exchange does not spoil the
 * next. Extended acks are asked for, with the request echo capped, and the
 * kernel's message is kept for the caller.
 */
#include "rtnl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define RTNL_REQ_SIZE 8192
/* The kernel sizes a dump part by the reader's buffer, up to 32 KiB. */
#define RTNL_RX_SIZE 32768
#define RTNL_TIMEOUT_S 5
#define RTNL_DUMP_TRIES 4

struct net_rtnl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
	char errmsg[256];
	_Alignas(struct nlmsghdr) uint8_t req[RTNL_REQ_SIZE];
	_Alignas(struct nlmsghdr) uint8_t rx[RTNL_RX_SIZE];
};

int net_rtnl_open(const struct net_ns *ns, struct net_rtnl **out)
{
	struct timeval tv = { .tv_sec = RTNL_TIMEOUT_S };
	struct net_rtnl *nl;
	int fd, one = 1, rc;

	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	fd = net_ns_socket(ns, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (fd < 0) {
		free(nl);
		return fd;
	}
	nl->sock = mnl_socket_fdopen(fd);
	if (!nl->sock) {
		rc = -errno;
		close(fd);
		free(nl);
		return rc;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* Older kernels lack extended acks; errors then come without text. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		goto fail;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	*out = nl;
	return 0;
fail:
	rc = -errno;
	mnl_socket_close(nl->sock);
	free(nl);
	return rc;
}

void net_rtnl_close(struct net_rtnl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

const char *net_rtnl_errmsg(const struct net_rtnl *nl)
{
	return nl->errmsg;
}

void net_rtnl_set_errmsg(struct net_rtnl *nl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nl->errmsg, sizeof(nl->errmsg), fmt, ap);
	va_end(ap);
}

struct nlmsghdr *net_rtnl_req(struct net_rtnl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(nl->req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

struct talk {
	struct net_rtnl *nl;
	unsigned seq;
	mnl_cb_t cb;
	void *data;
	int cb_err; /* first failure of cb */
	int ack;    /* error carried by the ack or the end of the dump */
};

static int talk_data(const struct nlmsghdr *nlh, void *p)
{
	struct talk *t = p;

	if (nlh->nlmsg_seq != t->seq || t->cb_err || !t->cb)
		return MNL_CB_OK;
	errno = 0;
	if (t->cb(nlh, t->data) == MNL_CB_ERROR)
		t->cb_err = errno ? -errno : -EBADMSG;
	return MNL_CB_OK;
}

static int extack_attr(const struct nlattr *a, void *p)
{
	struct net_rtnl *nl = p;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/* The extended-ack attributes start after `off` bytes of payload. */
static void talk_extack(struct talk *t, const struct nlmsghdr *nlh, size_t off)
{
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = MNL_ALIGN(off);
	if (off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, (unsigned)off, extack_attr, t->nl);
}

static int talk_error(const struct nlmsghdr *nlh, void *p)
{
	struct talk *t = p;
	const struct nlmsgerr *e;
	size_t off;

	if (nlh->nlmsg_seq != t->seq)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		t->ack = -EBADMSG;
		return MNL_CB_STOP;
	}
	e = mnl_nlmsg_get_payload(nlh);
	/* Uncapped, the whole request follows the error code. */
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= sizeof(struct nlmsghdr))
		off = sizeof(e->error) + e->msg.nlmsg_len;
	talk_extack(t, nlh, off);
	t->ack = e->error > 0 ? -e->error : e->error;
	return MNL_CB_STOP;
}

static int talk_done(const struct nlmsghdr *nlh, void *p)
{
	struct talk *t = p;
	int err;

	if (nlh->nlmsg_seq != t->seq)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err)) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err)
			t->ack = err > 0 ? -err : err;
		talk_extack(t, nlh, sizeof(err));
	}
	return MNL_CB_STOP;
}

static int talk_noop(const struct nlmsghdr *nlh, void *p)
{
	return MNL_CB_OK;
}

static int talk_overrun(const struct nlmsghdr *nlh, void *p)
{
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

int net_rtnl_talk(struct net_rtnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP] = talk_noop,
		[NLMSG_ERROR] = talk_error,
		[NLMSG_DONE] = talk_done,
		[NLMSG_OVERRUN] = talk_overrun,
	};
	struct talk t = { .nl = nl, .cb = cb, .data = data };
	ssize_t n;
	int rc;

	nl->errmsg[0] = '\0';
	/* Without a dump, only the ack says that the answer is complete.
	 * NLM_F_DUMP shares its bits with NLM_F_EXCL and NLM_F_REPLACE: only
	 * an RTM_GET* request (type % 4 == 2) can be a dump. */
	if (!((req->nlmsg_type & 3) == 2 && (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP))
		req->nlmsg_flags |= NLM_F_ACK;
	req->nlmsg_seq = t.seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		/* Sequence numbers are checked in the callbacks (stale replies
		 * are skipped), so libmnl is given 0 for the sequence. */
		rc = mnl_cb_run2(nl->rx, (size_t)n, 0, nl->portid, talk_data, &t, ctl,
				 NLMSG_MIN_TYPE);
		if (rc < 0)
			return -errno;
		if (rc == MNL_CB_STOP)
			break;
	}
	if (t.ack)
		return t.ack;
	if (t.cb_err && !nl->errmsg[0])
		net_rtnl_set_errmsg(nl, "malformed reply from the kernel");
	return t.cb_err;
}

void *net_rtnl_vec_push(struct net_rtnl_vec *vec)
{
	uint8_t *e;

	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 16;
		void *v = realloc(vec->v, cap * vec->size);

		if (!v)
			return NULL;
		vec->v = v;
		vec->cap = cap;
	}
	e = (uint8_t *)vec->v + vec->n++ * vec->size;
	memset(e, 0, vec->size);
	return e;
}

int net_rtnl_dump(struct net_rtnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data,
		  struct net_rtnl_vec *vec)
{
	int rc = -EINTR;

	req->nlmsg_flags |= NLM_F_DUMP;
	for (int i = 0; i < RTNL_DUMP_TRIES && rc == -EINTR; i++) {
		vec->n = 0;
		rc = net_rtnl_talk(nl, req, cb, data);
	}
	if (rc) {
		free(vec->v);
		vec->v = NULL;
		vec->n = vec->cap = 0;
	}
	return rc;
}

struct parse_ctx {
	const struct net_rtnl_pol *pol;
	uint16_t max;
	const struct nlattr **tb;
};

static int parse_attr(const struct nlattr *a, void *p)
{
	const struct parse_ctx *c = p;
	uint16_t type = mnl_attr_get_type(a);
	const struct net_rtnl_pol *pol;

	/* Attributes newer than this build, or not read, are skipped. */
	if (mnl_attr_type_valid(a, c->max) < 0)
		return MNL_CB_OK;
	pol = &c->pol[type];
	if (pol->type == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (pol->type == MNL_TYPE_BINARY) {
		uint16_t len = mnl_attr_get_payload_len(a);

		if (len < pol->min || (pol->max && len > pol->max)) {
			errno = ERANGE;
			return MNL_CB_ERROR;
		}
	} else if (mnl_attr_validate(a, (enum mnl_attr_data_type)pol->type) < 0) {
		return MNL_CB_ERROR;
	}
	c->tb[type] = a;
	return MNL_CB_OK;
}

int net_rtnl_parse(const struct nlmsghdr *nlh, size_t hdrlen,
		   const struct net_rtnl_pol *pol, uint16_t max, const struct nlattr **tb)
{
	struct parse_ctx c = { pol, max, tb };

	memset(tb, 0, (max + 1u) * sizeof(*tb));
	if (mnl_nlmsg_get_payload_len(nlh) < hdrlen)
		return -EBADMSG;
	if (mnl_attr_parse(nlh, (unsigned)MNL_ALIGN(hdrlen), parse_attr, &c) < 0)
		return -EBADMSG;
	return 0;
}

int net_rtnl_parse_nested(const struct nlattr *nest, const struct net_rtnl_pol *pol,
			  uint16_t max, const struct nlattr **tb)
{
	struct parse_ctx c = { pol, max, tb };

	memset(tb, 0, (max + 1u) * sizeof(*tb));
	if (mnl_attr_parse_nested(nest, parse_attr, &c) < 0)
		return -EBADMSG;
	return 0;
}
