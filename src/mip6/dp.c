/*
 * The sockets and kernel plumbing of the user-space data plane (dp.h), all
 * in the calling thread's network namespace: the TUN device (no addresses of
 * its own, so the kernel writes to it only what its routes send there), the
 * raw IPPROTO_IPV6 (41) socket that receives tunnelled packets, the raw
 * IPPROTO_RAW socket that sends whole packets, and an NFQUEUE queue fed by
 * an nftables table of its own in prerouting. The table is made over
 * nfnetlink in one transaction: the `nft` command cannot write a queue
 * verdict on a kernel without the nft "queue" expression (such as this one),
 * so the verdict is the native expression where the kernel has it and the
 * xtables NFQUEUE target through nft_compat otherwise; `nft list` shows both
 * as "queue num N bypass". The table is owned by the socket that made it,
 * so the kernel removes it when the daemon goes, even without m6_dp_close.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <linux/netlink.h>
#include <linux/types.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "dp.h"
#include "link.h"
#include "netns.h"
#include "rtnl.h"

#define NFQ_RXBUF (0xffff + 4096)	/* one queued packet with its attributes */
#define NFQ_OUTCAP (0xffff + 40)	/* one rewritten packet */
#define NFQ_MAXLEN 4096			/* packets the kernel holds for us */
#define NFQ_RCVBUF (4 << 20)
#define NFQ_BURST 256			/* messages handled per dispatch call */
#define NFT_CHAIN "pre"
#define NFT_PRIO (-300)			/* before conntrack (and its defrag) */
#define NFT_TIMEOUT_MS 3000

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* ---- nftables over nfnetlink ---- */

/* One transaction: messages between a batch begin and end, each asking for
 * an acknowledgement, with a name for messages about it. */
struct nft_tx {
	char buf[8192];		/* our messages are a few hundred bytes */
	size_t len;
	uint32_t seq0, seq;
	const char *what[16];
};

static struct nlmsghdr *nft_put(struct nft_tx *tx, uint16_t type, uint16_t flags,
				uint16_t res_id, const char *what)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(tx->buf + tx->len);
	struct nfgenmsg *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = tx->seq;
	if (flags & NLM_F_ACK)
		tx->what[tx->seq - tx->seq0] = what;
	tx->seq++;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = res_id ? AF_UNSPEC : NFPROTO_IPV6;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
	return nlh;
}

/* Ends the message nlh (the last one put). */
static void nft_done(struct nft_tx *tx, struct nlmsghdr *nlh)
{
	tx->len += nlh->nlmsg_len;
}

static struct nlmsghdr *nft_msg(struct nft_tx *tx, uint16_t msg, uint16_t flags,
				const char *what)
{
	return nft_put(tx, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | msg), flags | NLM_F_ACK, 0,
		       what);
}

static void nft_begin(struct nft_tx *tx)
{
	tx->len = 0;
	tx->seq0 = tx->seq = (uint32_t)time(NULL);
	memset(tx->what, 0, sizeof(tx->what));
	nft_done(tx, nft_put(tx, NFNL_MSG_BATCH_BEGIN, 0, NFNL_SUBSYS_NFTABLES, NULL));
}

static void nft_end(struct nft_tx *tx)
{
	nft_done(tx, nft_put(tx, NFNL_MSG_BATCH_END, 0, NFNL_SUBSYS_NFTABLES, NULL));
}

/* An expression: NFTA_LIST_ELEM { name, NFTA_EXPR_DATA { ... } }; the
 * caller puts the data and closes both nests with expr_end. */
static struct nlattr *expr_begin(struct nlmsghdr *nlh, const char *name, struct nlattr **data)
{
	struct nlattr *elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);

	mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, name);
	*data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	return elem;
}

static void expr_end(struct nlmsghdr *nlh, struct nlattr *elem, struct nlattr *data)
{
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, elem);
}

/* meta l4proto => reg 1: the upper layer after the extension headers. */
static void expr_meta_l4proto(struct nlmsghdr *nlh)
{
	struct nlattr *d, *e = expr_begin(nlh, "meta", &d);

	mnl_attr_put_u32(nlh, NFTA_META_KEY, htonl(NFT_META_L4PROTO));
	mnl_attr_put_u32(nlh, NFTA_META_DREG, htonl(NFT_REG_1));
	expr_end(nlh, e, d);
}

/* exthdr load ipv6 1b @ type + off => reg 1 ("present" loads 1 when the
 * header is there). */
static void expr_exthdr(struct nlmsghdr *nlh, uint8_t type, uint32_t off, bool present)
{
	struct nlattr *d, *e = expr_begin(nlh, "exthdr", &d);

	mnl_attr_put_u32(nlh, NFTA_EXTHDR_DREG, htonl(NFT_REG_1));
	mnl_attr_put_u8(nlh, NFTA_EXTHDR_TYPE, type);
	mnl_attr_put_u32(nlh, NFTA_EXTHDR_OFFSET, htonl(off));
	mnl_attr_put_u32(nlh, NFTA_EXTHDR_LEN, htonl(1));
	if (present)
		mnl_attr_put_u32(nlh, NFTA_EXTHDR_FLAGS, htonl(NFT_EXTHDR_F_PRESENT));
	expr_end(nlh, e, d);
}

/* cmp eq reg 1 value (one byte). */
static void expr_cmp_u8(struct nlmsghdr *nlh, uint8_t value)
{
	struct nlattr *d, *e = expr_begin(nlh, "cmp", &d), *v;

	mnl_attr_put_u32(nlh, NFTA_CMP_SREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_CMP_OP, htonl(NFT_CMP_EQ));
	v = mnl_attr_nest_start(nlh, NFTA_CMP_DATA);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, 1, &value);
	mnl_attr_nest_end(nlh, v);
	expr_end(nlh, e, d);
}

static void expr_counter(struct nlmsghdr *nlh)
{
	struct nlattr *d, *e = expr_begin(nlh, "counter", &d);

	mnl_attr_put_u64(nlh, NFTA_COUNTER_BYTES, 0);
	mnl_attr_put_u64(nlh, NFTA_COUNTER_PACKETS, 0);
	expr_end(nlh, e, d);
}

/* queue num N bypass: the native expression, or the xtables target. The
 * bypass flag lets packets through while no process listens on the queue. */
static void expr_queue(struct nlmsghdr *nlh, uint16_t num, bool compat)
{
	struct nlattr *d, *e;

	if (!compat) {
		e = expr_begin(nlh, "queue", &d);
		mnl_attr_put_u16(nlh, NFTA_QUEUE_NUM, htons(num));
		mnl_attr_put_u16(nlh, NFTA_QUEUE_TOTAL, htons(1));
		mnl_attr_put_u16(nlh, NFTA_QUEUE_FLAGS, htons(NFT_QUEUE_FLAG_BYPASS));
	} else {
		/* xtables target data is in host order, padded to 8 bytes. */
		uint8_t info[8] = { 0 };
		struct xt_NFQ_info_v3 q = { .queuenum = num, .queues_total = 1,
					    .flags = NFQ_FLAG_BYPASS };

		memcpy(info, &q, sizeof(q));
		e = expr_begin(nlh, "target", &d);
		mnl_attr_put_strz(nlh, NFTA_TARGET_NAME, "NFQUEUE");
		mnl_attr_put_u32(nlh, NFTA_TARGET_REV, htonl(3));
		mnl_attr_put(nlh, NFTA_TARGET_INFO, sizeof(info), info);
	}
	expr_end(nlh, e, d);
}

enum rule_kind { RULE_MH, RULE_DSTOPT, RULE_RH2 };

static void nft_rule(struct nft_tx *tx, const char *table, enum rule_kind k, uint16_t num,
		     bool compat)
{
	static const char *const what[] = { "rule 'meta l4proto 135'", "rule 'exthdr dst exists'",
					    "rule 'rt type 2'" };
	struct nlmsghdr *nlh = nft_msg(tx, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, what[k]);
	struct nlattr *list;

	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, NFT_CHAIN);
	list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
	switch (k) {
	case RULE_MH:
		expr_meta_l4proto(nlh);
		expr_cmp_u8(nlh, 135);
		break;
	case RULE_DSTOPT:
		expr_exthdr(nlh, 60, 0, true);
		expr_cmp_u8(nlh, 1);
		break;
	case RULE_RH2:
		expr_exthdr(nlh, 43, 2, false);
		expr_cmp_u8(nlh, 2);
		break;
	}
	expr_counter(nlh);
	expr_queue(nlh, num, compat);
	mnl_attr_nest_end(nlh, list);
	nft_done(tx, nlh);
}

static int nft_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER), one = 1;
	struct timeval tv = { NFT_TIMEOUT_MS / 1000, (NFT_TIMEOUT_MS % 1000) * 1000 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return fd;
}

/* The kernel's own words in an extended acknowledgement, if any. */
static const char *ack_msg(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	mnl_attr_for_each(a, nlh, sizeof(struct nlmsgerr)) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(a);
	}
	return NULL;
}

/* Sends the transaction and reads one acknowledgement per message; stops
 * at the first error (the whole transaction is then undone by the kernel;
 * the caller drops the socket, which may still hold replies). */
static int nft_talk(int fd, struct nft_tx *tx, char *err, size_t errlen)
{
	unsigned want = 0, got = 0;
	char buf[8192];

	for (uint32_t s = tx->seq0; s < tx->seq; s++)
		want += tx->what[s - tx->seq0] != NULL;
	if (send(fd, tx->buf, tx->len, 0) < 0) {
		set_err(err, errlen, "nftables: sending the transaction: %s", strerror(errno));
		return -errno;
	}
	while (got < want) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int left = (int)r;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			set_err(err, errlen, "nftables: no answer from the kernel: %s",
				strerror(errno == EAGAIN ? ETIMEDOUT : errno));
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *e;
			const char *what = NULL, *km;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (sizeof(*e) > mnl_nlmsg_get_payload_len(nlh))
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			got++;
			if (!e->error)
				continue;
			if (nlh->nlmsg_seq >= tx->seq0 && nlh->nlmsg_seq < tx->seq)
				what = tx->what[nlh->nlmsg_seq - tx->seq0];
			km = ack_msg(nlh);
			set_err(err, errlen, "nftables: %s refused: %s%s%s",
				what ? what : "a message", strerror(-e->error), km ? ": " : "",
				km ? km : "");
			return e->error;
		}
	}
	return 0;
}

/*
 * table ip6 NAME (owned by fd when owner) {
 *	chain pre { type filter hook prerouting priority -300; policy accept;
 *		meta l4proto 135 counter queue num N bypass
 *		exthdr dst exists counter queue num N bypass
 *		rt type 2 counter queue num N bypass } }
 * A table of that name left by a run that did not own it is replaced.
 */
static int nft_create(int fd, const char *table, uint16_t num, bool owner, bool compat,
		      char *err, size_t errlen)
{
	struct nft_tx *tx = calloc(1, sizeof(*tx));
	struct nlmsghdr *nlh;
	struct nlattr *hook;
	int rc;

	if (!tx)
		return -ENOMEM;
	nft_begin(tx);
	nlh = nft_msg(tx, NFT_MSG_NEWTABLE, NLM_F_CREATE, "table (making sure it exists)");
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	nft_done(tx, nlh);
	nlh = nft_msg(tx, NFT_MSG_DELTABLE, 0, "removing an old table");
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	nft_done(tx, nlh);
	nlh = nft_msg(tx, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, "table");
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	if (owner)
		mnl_attr_put_u32(nlh, NFTA_TABLE_FLAGS, htonl(NFT_TABLE_F_OWNER));
	nft_done(tx, nlh);

	nlh = nft_msg(tx, NFT_MSG_NEWCHAIN, NLM_F_CREATE, "prerouting chain");
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, NFT_CHAIN);
	hook = mnl_attr_nest_start(nlh, NFTA_CHAIN_HOOK);
	mnl_attr_put_u32(nlh, NFTA_HOOK_HOOKNUM, htonl(NF_INET_PRE_ROUTING));
	mnl_attr_put_u32(nlh, NFTA_HOOK_PRIORITY, htonl((uint32_t)NFT_PRIO));
	mnl_attr_nest_end(nlh, hook);
	mnl_attr_put_u32(nlh, NFTA_CHAIN_POLICY, htonl(NF_ACCEPT));
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TYPE, "filter");
	nft_done(tx, nlh);

	nft_rule(tx, table, RULE_MH, num, compat);
	nft_rule(tx, table, RULE_DSTOPT, num, compat);
	nft_rule(tx, table, RULE_RH2, num, compat);
	nft_end(tx);
	rc = nft_talk(fd, tx, err, errlen);
	free(tx);
	return rc;
}

static int nft_delete(int fd, const char *table, char *err, size_t errlen)
{
	struct nft_tx *tx = calloc(1, sizeof(*tx));
	struct nlmsghdr *nlh;
	int rc;

	if (!tx)
		return -ENOMEM;
	nft_begin(tx);
	nlh = nft_msg(tx, NFT_MSG_DELTABLE, 0, "removing the table");
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	nft_done(tx, nlh);
	nft_end(tx);
	rc = nft_talk(fd, tx, err, errlen);
	free(tx);
	return rc;
}

/* Tries the owned table with the native queue expression, then with the
 * xtables target, then both again unowned (kernels before 5.12); keeps the
 * socket of the attempt that worked. */
static int nft_setup(struct m6_dp *dp, char *err, size_t errlen)
{
	static const struct {
		bool owner, compat;
	} tries[] = { { true, false }, { true, true }, { false, false }, { false, true } };
	char first[192] = "", last[192] = "";
	int rc = -EINVAL;

	snprintf(dp->nft_table, sizeof(dp->nft_table), "mip6d_q%u", dp->queue);
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		int fd = nft_socket();

		if (fd < 0) {
			set_err(err, errlen, "nftables: netfilter netlink socket: %s",
				strerror(-fd));
			dp->nft_table[0] = 0;
			return fd;
		}
		rc = nft_create(fd, dp->nft_table, dp->queue, tries[i].owner, tries[i].compat,
				i ? last : first, sizeof(first));
		if (!rc) {
			dp->nft_fd = fd;
			return 0;
		}
		close(fd);
	}
	set_err(err, errlen, "nftables table %s: %s (first try: %s)", dp->nft_table, last, first);
	dp->nft_table[0] = 0;
	return rc;
}

/* ---- opening ---- */

static int tun_setup(struct m6_dp *dp, const struct m6_dp_conf *c, char *err, size_t errlen)
{
	static const char *const sysctls[][2] = {
		/* no link-local address, no router solicitations: the kernel
		 * writes to the device only what its routes send there */
		{ "addr_gen_mode", "1" }, { "accept_ra", "0" }, { "router_solicitations", "0" },
		{ "dad_transmits", "0" },
	};
	struct net_rtnl *nl = NULL;
	const char *what;
	char key[96];
	int rc, idx;

	if (!c->tun_name[0] || strlen(c->tun_name) >= sizeof(dp->tun_name)) {
		set_err(err, errlen, "TUN: bad device name \"%s\"", c->tun_name);
		return -EINVAL;
	}
	rc = net_tun_open(NULL, c->tun_name, NET_TUN, false);
	if (rc < 0) {
		set_err(err, errlen, "TUN %s: cannot create it through /dev/net/tun: %s",
			c->tun_name, strerror(-rc));
		return rc;
	}
	dp->tun_fd = rc;
	snprintf(dp->tun_name, sizeof(dp->tun_name), "%s", c->tun_name);
	rc = set_nonblock(dp->tun_fd);
	if (rc) {
		set_err(err, errlen, "TUN %s: %s", dp->tun_name, strerror(-rc));
		return rc;
	}
	/* Best effort: a kernel without one of these has nothing to turn off. */
	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
		snprintf(key, sizeof(key), "net/ipv6/conf/%s/%s", dp->tun_name, sysctls[i][0]);
		net_ns_sysctl_set(NULL, key, sysctls[i][1]);
	}
	what = "rtnetlink";
	rc = net_rtnl_open(NULL, &nl);
	if (rc)
		goto fail;
	what = "finding its index";
	idx = net_link_ifindex(nl, dp->tun_name);
	if (idx < 0) {
		rc = idx;
		goto fail;
	}
	dp->tun_ifindex = idx;
	what = "setting its MTU";
	rc = net_link_set_mtu(nl, idx, c->tun_mtu ? c->tun_mtu : M6_DP_TUN_MTU);
	if (rc)
		goto fail;
	what = "bringing it up";
	rc = net_link_set_up(nl, idx, true);
	if (rc)
		goto fail;
	net_rtnl_close(nl);
	return 0;
fail:
	set_err(err, errlen, "TUN %s: %s: %s%s%s", dp->tun_name, what, strerror(-rc),
		nl && net_rtnl_errmsg(nl)[0] ? ": " : "", nl ? net_rtnl_errmsg(nl) : "");
	net_rtnl_close(nl);
	return rc;
}

static int sock41_setup(struct m6_dp *dp, char *err, size_t errlen)
{
	int one = 1, rc;

	dp->fd41 = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_IPV6);
	if (dp->fd41 < 0 ||
	    setsockopt(dp->fd41, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one))) {
		rc = -errno;
		set_err(err, errlen, "raw socket for IPv6-in-IPv6 (protocol 41): %s",
			strerror(-rc));
		return rc;
	}
	return 0;
}

static int raw_setup(struct m6_dp *dp, char *err, size_t errlen)
{
	int small = 1;

	dp->raw_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (dp->raw_fd < 0) {
		int rc = -errno;

		set_err(err, errlen, "raw IPv6 socket (IPPROTO_RAW) for sending: %s%s",
			strerror(-rc), rc == -EPERM ? " (needs CAP_NET_RAW)" : "");
		return rc;
	}
	/* It only sends; what it could receive (next header 255) is not read. */
	setsockopt(dp->raw_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	return 0;
}

static int nfq_cb_fn(struct nfq_q_handle *qh, struct nfgenmsg *nfmsg, struct nfq_data *nfa,
		     void *data)
{
	struct m6_dp *dp = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	uint8_t *out = dp->buf + NFQ_RXBUF;
	unsigned char *pkt;
	size_t outlen = 0;
	uint32_t id;
	int n, v;

	(void)nfmsg;
	if (!ph)
		return 0;
	id = ntohl(ph->packet_id);
	n = nfq_get_payload(nfa, &pkt);
	if (n < 0 || !dp->cb)
		return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
	dp->nfq_pkts++;
	v = dp->cb(dp->cb_ctx, pkt, (size_t)n, (int)nfq_get_indev(nfa), out, NFQ_OUTCAP, &outlen);
	switch (v) {
	case M6_NF_ACCEPT:
		return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
	case M6_NF_MANGLE:
		if (outlen && outlen <= NFQ_OUTCAP)
			return nfq_set_verdict(qh, id, NF_ACCEPT, (uint32_t)outlen, out);
		break;
	case M6_NF_DROP:
		return nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
	default:
		break;
	}
	dp->nfq_cb_errors++;
	return nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
}

static int nfq_setup(struct m6_dp *dp, char *err, size_t errlen)
{
	const char *what;
	int rc;

	dp->buf = malloc(NFQ_RXBUF + NFQ_OUTCAP);
	if (!dp->buf) {
		set_err(err, errlen, "NFQUEUE: out of memory");
		return -ENOMEM;
	}
	what = "netfilter netlink socket";
	errno = 0;
	dp->nfq = nfq_open();
	if (!dp->nfq)
		goto fail;
	what = "binding the queue (is another process bound to it?)";
	errno = 0;
	dp->qh = nfq_create_queue(dp->nfq, dp->queue, nfq_cb_fn, dp);
	if (!dp->qh)
		goto fail;
	what = "setting the copy-packet mode";
	errno = 0;
	if (nfq_set_mode(dp->qh, NFQNL_COPY_PACKET, 0xffff) < 0)
		goto fail;
	/* Room for bursts; a kernel refusing either keeps its default. */
	nfq_set_queue_maxlen(dp->qh, NFQ_MAXLEN);
	nfnl_rcvbufsiz(nfq_nfnlh(dp->nfq), NFQ_RCVBUF);
	dp->nfq_fd = nfq_fd(dp->nfq);
	rc = set_nonblock(dp->nfq_fd);
	if (rc) {
		errno = -rc;
		what = "making the socket non-blocking";
		goto fail;
	}
	return 0;
fail:
	rc = errno ? -errno : -EIO;
	set_err(err, errlen, "NFQUEUE %u: %s: %s", dp->queue, what, strerror(-rc));
	return rc;
}

int m6_dp_open(struct m6_dp *dp, const struct m6_dp_conf *c, char *err, size_t errlen)
{
	int rc;

	memset(dp, 0, sizeof(*dp));
	dp->tun_fd = dp->fd41 = dp->raw_fd = dp->nfq_fd = dp->nft_fd = -1;
	dp->queue = c->queue;
	set_err(err, errlen, "%s", "");
	rc = raw_setup(dp, err, errlen);
	if (!rc && c->tun_name)
		rc = tun_setup(dp, c, err, errlen);
	if (!rc && c->want_41)
		rc = sock41_setup(dp, err, errlen);
	/* The queue is bound before the table feeds it, so that no packet
	 * meets a rule while nobody listens. */
	if (!rc && c->want_nfq)
		rc = nfq_setup(dp, err, errlen);
	if (!rc && c->want_nfq)
		rc = nft_setup(dp, err, errlen);
	if (rc)
		m6_dp_close(dp);
	return rc;
}

void m6_dp_close(struct m6_dp *dp)
{
	if (dp->nft_table[0]) {
		char msg[192];
		int fd = dp->nft_fd >= 0 ? dp->nft_fd : nft_socket();

		if (fd >= 0) {
			int rc = nft_delete(fd, dp->nft_table, msg, sizeof(msg));

			if (rc && rc != -ENOENT)
				fprintf(stderr, "mip6d: %s\n", msg);
			if (fd != dp->nft_fd)
				close(fd);
		}
		dp->nft_table[0] = 0;
	}
	if (dp->nft_fd >= 0)
		close(dp->nft_fd);
	if (dp->qh)
		nfq_destroy_queue(dp->qh);
	if (dp->nfq)
		nfq_close(dp->nfq); /* closes nfq_fd */
	if (dp->tun_fd >= 0)
		close(dp->tun_fd);
	if (dp->fd41 >= 0)
		close(dp->fd41);
	if (dp->raw_fd >= 0)
		close(dp->raw_fd);
	free(dp->buf);
	dp->buf = NULL;
	dp->qh = NULL;
	dp->nfq = NULL;
	dp->tun_fd = dp->fd41 = dp->raw_fd = dp->nfq_fd = dp->nft_fd = -1;
	dp->tun_ifindex = 0;
	dp->tun_name[0] = 0;
}

/* ---- packets ---- */

int m6_dp_send(struct m6_dp *dp, const uint8_t *pkt, size_t len)
{
	return m6_dp_send_if(dp, pkt, len, 0);
}

int m6_dp_send_if(struct m6_dp *dp, const uint8_t *pkt, size_t len, int ifindex)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cb;
	struct iovec iov = { (void *)pkt, len };
	struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
			    .msg_iovlen = 1 };
	ssize_t n;

	if (dp->raw_fd < 0)
		return -EBADF;
	if (40 > len || pkt[0] >> 4 != 6 || ifindex < 0)
		return -EINVAL;
	/* The kernel routes on the address given here; the header goes as is. */
	memcpy(&to.sin6_addr, pkt + 24, 16);
	if (IN6_IS_ADDR_LINKLOCAL(&to.sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&to.sin6_addr) ||
	    IN6_IS_ADDR_MC_NODELOCAL(&to.sin6_addr)) {
		if (!ifindex)
			return -EINVAL;
		to.sin6_scope_id = (uint32_t)ifindex;
	}
	if (ifindex) {
		/* IPV6_PKTINFO picks the output link for any destination. */
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)ifindex };
		struct cmsghdr *c;

		memset(&cb, 0, sizeof(cb));
		m.msg_control = cb.b;
		m.msg_controllen = sizeof(cb.b);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	n = sendmsg(dp->raw_fd, &m, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

ssize_t m6_dp_tun_read(struct m6_dp *dp, uint8_t *buf, size_t cap)
{
	ssize_t n;

	if (dp->tun_fd < 0)
		return -EBADF;
	n = read(dp->tun_fd, buf, cap);
	return n < 0 ? -errno : n;
}

int m6_dp_tun_write(struct m6_dp *dp, const uint8_t *pkt, size_t len)
{
	ssize_t n;

	if (dp->tun_fd < 0)
		return -EBADF;
	n = write(dp->tun_fd, pkt, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

ssize_t m6_dp_recv41(struct m6_dp *dp, uint8_t *buf, size_t cap, struct in6_addr *outer_src,
		     struct in6_addr *outer_dst)
{
	struct sockaddr_in6 from;
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
		struct cmsghdr align;
	} cb;
	struct iovec iov = { buf, cap };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = cb.b, .msg_controllen = sizeof(cb.b) };
	struct cmsghdr *c;
	ssize_t n;

	if (dp->fd41 < 0)
		return -EBADF;
	n = recvmsg(dp->fd41, &m, 0);
	if (n < 0)
		return -errno;
	if (m.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (outer_src)
		*outer_src = from.sin6_addr;
	if (outer_dst) {
		memset(outer_dst, 0, sizeof(*outer_dst));
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct in6_pktinfo pi;

			if (c->cmsg_level != IPPROTO_IPV6 || c->cmsg_type != IPV6_PKTINFO ||
			    c->cmsg_len < CMSG_LEN(sizeof(pi)))
				continue;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			*outer_dst = pi.ipi6_addr;
		}
	}
	return n;
}

int m6_dp_nfq_dispatch(struct m6_dp *dp)
{
	if (!dp->nfq || !dp->buf)
		return -EBADF;
	for (int i = 0; i < NFQ_BURST; i++) {
		ssize_t n = recv(dp->nfq_fd, dp->buf, NFQ_RXBUF, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* The kernel dropped packets it could not queue. */
				dp->nfq_overruns++;
				continue;
			}
			return -errno;
		}
		/* Each queued packet reaches nfq_cb_fn, which gives the
		 * verdict; a refused verdict has nothing left to undo. */
		nfq_handle_packet(dp->nfq, (char *)dp->buf, (int)n);
	}
	return 0;
}
