/*
 * The daemon's NFQUEUE source: a netfilter netlink socket (libmnl, with
 * libnetfilter_queue's message helpers) bound to one queue in copy-packet
 * mode, read without waiting, and the verdicts sent back one per packet,
 * which lets a verdict wait (the fragments of a packet wait for the last).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/types.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "daemon.h"

#define NFQ_RCVBUF (8u << 20)

struct ctrack_nfq {
	struct mnl_socket *nl;
	unsigned portid;
	uint16_t num;
	uint64_t overruns;
	size_t bufsz;
	char buf[];
};

static int verdict_send(struct ctrack_nfq *q, uint32_t id, bool accept)
{
	char msg[256];
	struct nlmsghdr *nlh = nfq_nlmsg_put(msg, NFQNL_MSG_VERDICT, q->num);

	nfq_nlmsg_verdict_put(nlh, (int)id, accept ? NF_ACCEPT : NF_DROP);
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

/* A packet queued while the queue is still being set up (so without its
 * bytes): dropped, as it would have been with nobody bound. */
static int on_early(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	const struct nfqnl_msg_packet_hdr *ph;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR] ||
	    mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(*ph))
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	verdict_send(data, ntohl(ph->packet_id), false);
	return MNL_CB_OK;
}

/* Sends the message in nlh and waits for its acknowledgement. */
static int config_send(struct ctrack_nfq *q, struct nlmsghdr *nlh, uint32_t seq)
{
	int ret;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ret = (int)mnl_socket_recvfrom(q->nl, q->buf, q->bufsz);
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(q->buf, (size_t)ret, seq, q->portid, on_early, q);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret < 0)
			return errno ? -errno : -EPROTO;
	}
}

int ctrack_nfq_open(struct ctrack_nfq **out, uint16_t num, uint32_t maxlen, bool fail_open,
		    char *err, size_t n)
{
	size_t bufsz = 0xffff + (MNL_SOCKET_BUFFER_SIZE / 2);
	struct ctrack_nfq *q = calloc(1, sizeof(*q) + bufsz);
	struct nlmsghdr *nlh;
	char msg[512];
	int one = 1, rc, size = (int)NFQ_RCVBUF;
	const char *what;

	*out = NULL;
	if (!q) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	q->bufsz = bufsz;
	q->num = num;
	what = "netlink socket";
	q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!q->nl)
		goto fail_errno;
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail_errno;
	q->portid = mnl_socket_get_portid(q->nl);
	/* Room for bursts; a kernel refusing the forced size keeps its own. */
	if (setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	mnl_socket_setsockopt(q->nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));

	what = "binding the queue";
	nlh = nfq_nlmsg_put(msg, NFQNL_MSG_CONFIG, num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	rc = config_send(q, nlh, 1);
	if (rc)
		goto fail;

	what = "setting the copy mode";
	nlh = nfq_nlmsg_put(msg, NFQNL_MSG_CONFIG, num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	if (maxlen)
		nfq_nlmsg_cfg_put_qmaxlen(nlh, maxlen);
	if (fail_open) {
		mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_FAIL_OPEN));
		mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
	}
	rc = config_send(q, nlh, 2);
	if (rc)
		goto fail;
	*out = q;
	return 0;
fail_errno:
	rc = errno ? -errno : -EIO;
fail:
	snprintf(err, n, "NFQUEUE %u: %s: %s", num, what, strerror(-rc));
	if (q->nl)
		mnl_socket_close(q->nl);
	free(q);
	return rc;
}

int ctrack_nfq_fd(const struct ctrack_nfq *q)
{
	return mnl_socket_get_fd(q->nl);
}

struct read_ctx {
	ctrack_nfq_fn fn;
	void *arg;
};

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct read_ctx *r = data;
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	const struct nfqnl_msg_packet_hdr *ph;
	const uint8_t *pkt = NULL;
	size_t len = 0;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return MNL_CB_OK; /* not a packet: nothing to answer */
	if (mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(*ph))
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	if (attr[NFQA_PAYLOAD]) {
		pkt = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}
	r->fn(r->arg, ntohl(ph->packet_id), pkt, len);
	return MNL_CB_OK;
}

int ctrack_nfq_read(struct ctrack_nfq *q, unsigned max, ctrack_nfq_fn fn, void *arg)
{
	struct read_ctx r = { fn, arg };
	unsigned n = 0;

	while (n < max) {
		ssize_t got = recv(mnl_socket_get_fd(q->nl), q->buf, q->bufsz, MSG_DONTWAIT);

		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (errno == ENOBUFS) {
				q->overruns++;
				continue;
			}
			return -errno;
		}
		if (got == 0)
			break;
		n++;
		/* An error message (say, for a verdict on a packet the kernel
		 * no longer holds) is not fatal: the next message is read. */
		mnl_cb_run(q->buf, (size_t)got, 0, q->portid, on_msg, &r);
	}
	return (int)n;
}

int ctrack_nfq_verdict(struct ctrack_nfq *q, uint32_t id, bool accept)
{
	return verdict_send(q, id, accept);
}

uint64_t ctrack_nfq_overruns(const struct ctrack_nfq *q)
{
	return q->overruns;
}

void ctrack_nfq_close(struct ctrack_nfq *q)
{
	if (!q)
		return;
	mnl_socket_close(q->nl);
	free(q);
}
