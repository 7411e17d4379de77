/*
 * The tester's AF_PACKET link: see packet.h. The socket is made with
 * protocol 0, so it queues nothing until it is bound, and the filter is in
 * place before the first frame arrives. The kernel drops the socket's own
 * transmissions itself (PACKET_IGNORE_OUTGOING, Linux 4.20); on an older
 * kernel they are skipped on receive by their PACKET_OUTGOING type.
 */
#include "packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define PKT_SNAPLEN 262144
#define PKT_RCVBUF (4 << 20)

static void set_err(char *err, size_t errlen, const char *fmt, const char *s)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, s);
}

int net_pkt_compile(const char *filter, struct sock_fprog *prog, char *err, size_t errlen)
{
	struct bpf_program bp;
	pcap_t *pd;
	int rc = 0;

	memset(prog, 0, sizeof(*prog));
	pd = pcap_open_dead(DLT_EN10MB, PKT_SNAPLEN);
	if (!pd)
		return -ENOMEM;
	if (pcap_compile(pd, &bp, filter, 1, PCAP_NETMASK_UNKNOWN)) {
		set_err(err, errlen, "%s", pcap_geterr(pd));
		pcap_close(pd);
		return -EINVAL;
	}
	if (bp.bf_len == 0 || bp.bf_len > BPF_MAXINSNS) {
		set_err(err, errlen, "%s", "filter program too long");
		rc = -E2BIG;
		goto out;
	}
	prog->filter = calloc(bp.bf_len, sizeof(*prog->filter));
	if (!prog->filter) {
		rc = -ENOMEM;
		goto out;
	}
	/* libpcap's and the kernel's instruction layouts are the same, but
	 * copy field by field rather than rely on it. */
	for (unsigned i = 0; i < bp.bf_len; i++) {
		prog->filter[i].code = bp.bf_insns[i].code;
		prog->filter[i].jt = bp.bf_insns[i].jt;
		prog->filter[i].jf = bp.bf_insns[i].jf;
		prog->filter[i].k = bp.bf_insns[i].k;
	}
	prog->len = (unsigned short)bp.bf_len;
out:
	pcap_freecode(&bp);
	pcap_close(pd);
	return rc;
}

static int attach(int fd, const struct sock_fprog *prog)
{
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, prog, sizeof(*prog)))
		return -errno;
	return 0;
}

int net_pkt_drain(struct net_pkt *p)
{
	uint8_t b[1];
	int n = 0;

	while (recv(p->fd, b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		n++;
	return n;
}

int net_pkt_set_filter(struct net_pkt *p, const char *filter, char *err, size_t errlen)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog none = { .len = 1, .filter = &drop }, prog = { 0 };
	int rc;

	if (filter && filter[0]) {
		rc = net_pkt_compile(filter, &prog, err, errlen);
		if (rc)
			return rc;
	}
	/* Drop everything while the queue is emptied, so no frame the old
	 * filter let in is read as if the new one had. */
	rc = attach(p->fd, &none);
	if (rc)
		goto out;
	net_pkt_drain(p);
	if (prog.filter) {
		rc = attach(p->fd, &prog);
	} else {
		/* The kernel wants an int here, although it reads none. */
		int zero = 0;

		if (setsockopt(p->fd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero)))
			rc = -errno;
	}
out:
	free(prog.filter);
	return rc;
}

int net_pkt_open(struct net_pkt *p, const struct net_ns *ns, const char *ifname,
		 const char *filter, unsigned flags, char *err, size_t errlen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
	struct ifreq ifr;
	int one = 1, rcvbuf = PKT_RCVBUF, rc;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (err && errlen)
		err[0] = '\0';
	if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	rc = net_ns_socket(ns, AF_PACKET, SOCK_RAW, 0);
	if (rc < 0)
		return rc;
	p->fd = rc;
	p->flags = flags;
	/* The lookup runs in the socket's namespace. */
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(p->fd, SIOCGIFINDEX, &ifr))
		goto fail_errno;
	p->ifindex = ifr.ifr_ifindex;
	if (filter && filter[0]) {
		rc = net_pkt_set_filter(p, filter, err, errlen);
		if (rc)
			goto fail;
	}
	if (!(flags & NET_PKT_OUTGOING) &&
	    setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one))) {
		if (errno != ENOPROTOOPT)
			goto fail_errno;
		p->skip_outgoing = 1;
	}
	if (setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)))
		goto fail_errno;
	/* Best effort: a burst from the NUT should not overflow the queue. */
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (!(flags & NET_PKT_NOPROMISC)) {
		/* A membership, so the kernel undoes it when the socket goes. */
		mr.mr_ifindex = p->ifindex;
		if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)))
			goto fail_errno;
	}
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)))
		goto fail_errno;
	return 0;
fail_errno:
	rc = -errno;
fail:
	close(p->fd);
	p->fd = -1;
	return rc;
}

int net_pkt_send(struct net_pkt *p, const void *frame, size_t len)
{
	ssize_t n = send(p->fd, frame, len, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Puts back the 802.1Q tag the kernel moved into the frame's metadata. */
static size_t vlan_reinsert(uint8_t *b, size_t n, size_t cap, const struct tpacket_auxdata *aux,
			    struct net_pkt_info *info)
{
	uint16_t tpid = (aux->tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux->tp_vlan_tpid
								      : ETH_P_8021Q;
	size_t m;

	if (n < 12 || cap < 16)
		return n;
	m = n + 4 > cap ? cap : n + 4;
	memmove(b + 16, b + 12, m - 16);
	b[12] = (uint8_t)(tpid >> 8);
	b[13] = (uint8_t)tpid;
	b[14] = (uint8_t)(aux->tp_vlan_tci >> 8);
	b[15] = (uint8_t)aux->tp_vlan_tci;
	info->len += 4;
	return m;
}

int net_pkt_recv(struct net_pkt *p, void *buf, size_t cap, int timeout_ms,
		 struct net_pkt_info *info)
{
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	struct net_pkt_info dummy;

	if (!info)
		info = &dummy;
	for (;;) {
		union {
			struct cmsghdr h;
			uint8_t b[CMSG_SPACE(sizeof(struct timespec)) +
				  CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} ctl;
		struct sockaddr_ll from;
		struct iovec iov = { .iov_base = buf, .iov_len = cap };
		struct msghdr msg = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
		};
		struct tpacket_auxdata aux;
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		int wait = timeout_ms < 0 ? -1 : 0, got_ts = 0, got_aux = 0, rc;
		struct cmsghdr *c;
		ssize_t n;
		size_t len;

		if (timeout_ms > 0) {
			int64_t left = deadline - now_ms();

			wait = left > 0 ? (int)left : 0;
		}
		rc = poll(&pfd, 1, wait);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (rc == 0)
			return -ETIMEDOUT;
		n = recvmsg(p->fd, &msg, MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (p->skip_outgoing && from.sll_pkttype == PACKET_OUTGOING)
			continue;
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
			    c->cmsg_len >= CMSG_LEN(sizeof(info->ts))) {
				memcpy(&info->ts, CMSG_DATA(c), sizeof(info->ts));
				got_ts = 1;
			} else if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
				   c->cmsg_len >= CMSG_LEN(sizeof(aux))) {
				memcpy(&aux, CMSG_DATA(c), sizeof(aux));
				got_aux = 1;
			}
		}
		if (!got_ts)
			clock_gettime(CLOCK_REALTIME, &info->ts);
		info->pkttype = from.sll_pkttype;
		info->len = (uint32_t)n;
		len = (size_t)n < cap ? (size_t)n : cap;
		if (got_aux && (aux.tp_status & TP_STATUS_VLAN_VALID))
			len = vlan_reinsert(buf, len, cap, &aux, info);
		return (int)len;
	}
}

void net_pkt_close(struct net_pkt *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}
