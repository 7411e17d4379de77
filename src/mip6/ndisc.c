/*
 * ICMPv6 for mip6d: parsing Router Advertisements (prefixes, the
 * Advertisement Interval and Home Agent Information options, the H flag),
 * Neighbor Solicitations and Advertisements; building NS, NA (also the
 * unsolicited NA a home agent sends for a proxied home address), RS and the
 * Mobile IPv6 ICMPv6 messages (DHAAD 144/145, mobile prefix 146/147) as
 * whole IPv6 packets; the ICMPv6 socket that feeds the roles; the
 * link-scoped raw socket; proxy neighbour entries in the kernel; the home
 * agents list.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netinet/icmp6.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "m6d.h"
#include "rtnl.h"

/* ---- checksums and builders ---- */

uint16_t m6_csum6(const struct in6_addr *src, const struct in6_addr *dst, uint8_t nh,
		  const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < 16; i += 2) {
		sum += (uint32_t)(src->s6_addr[i] << 8 | src->s6_addr[i + 1]);
		sum += (uint32_t)(dst->s6_addr[i] << 8 | dst->s6_addr[i + 1]);
	}
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + nh;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int m6_icmp6_build(uint8_t *buf, size_t cap, size_t *len, const struct in6_addr *src,
		   const struct in6_addr *dst, uint8_t hlim, uint8_t type, uint8_t code,
		   const uint8_t *body, size_t blen)
{
	uint8_t *ic = buf + 40;
	uint16_t c;

	if (blen > 0xffff - 4 || 44 + blen > cap)
		return -ENOSPC;
	m6d_ip6_hdr(buf, src, dst, IPPROTO_ICMPV6, (uint16_t)(4 + blen), hlim);
	ic[0] = type;
	ic[1] = code;
	ic[2] = ic[3] = 0;
	if (blen)
		memcpy(ic + 4, body, blen);
	c = m6_csum6(src, dst, IPPROTO_ICMPV6, ic, 4 + blen);
	ic[2] = (uint8_t)(c >> 8);
	ic[3] = (uint8_t)c;
	*len = 44 + blen;
	return 0;
}

static size_t put_lla(uint8_t *p, uint8_t type, const uint8_t *mac)
{
	p[0] = type;
	p[1] = 1;
	memcpy(p + 2, mac, 6);
	return 8;
}

int m6_nd_build_ns(uint8_t *buf, size_t cap, size_t *len, const struct in6_addr *src,
		   const struct in6_addr *dst, const struct in6_addr *target, const uint8_t *mac)
{
	uint8_t body[28] = { 0 };
	size_t n = 20;

	memcpy(body + 4, target, 16);
	/* no source link-layer option from the unspecified address (DAD) */
	if (mac && !IN6_IS_ADDR_UNSPECIFIED(src))
		n += put_lla(body + 20, 1, mac);
	return m6_icmp6_build(buf, cap, len, src, dst, 255, M6_ND_NS, 0, body, n);
}

int m6_nd_build_na(uint8_t *buf, size_t cap, size_t *len, const struct in6_addr *src,
		   const struct in6_addr *dst, const struct in6_addr *target, uint8_t flags,
		   const uint8_t *mac)
{
	uint8_t body[28] = { 0 };
	size_t n = 20;

	body[0] = flags;
	memcpy(body + 4, target, 16);
	if (mac)
		n += put_lla(body + 20, 2, mac);
	return m6_icmp6_build(buf, cap, len, src, dst, 255, M6_ND_NA, 0, body, n);
}

int m6_nd_build_rs(uint8_t *buf, size_t cap, size_t *len, const struct in6_addr *src,
		   const uint8_t *mac)
{
	uint8_t body[12] = { 0 };
	struct in6_addr all_routers = { .s6_addr = { 0xff, 2, [15] = 2 } };
	size_t n = 4;

	if (mac && !IN6_IS_ADDR_UNSPECIFIED(src))
		n += put_lla(body + 4, 1, mac);
	return m6_icmp6_build(buf, cap, len, src, &all_routers, 255, M6_ND_RS, 0, body, n);
}

/* ---- parsers ---- */

/* Walks ND options from off; calls the per-type handling in the callers
 * through the returned pointers. Checks every option's length before use. */
struct nd_opt_iter {
	const uint8_t *p;
	size_t off, len;
};

static int nd_opt_next(struct nd_opt_iter *it, const uint8_t **opt, size_t *olen)
{
	size_t left = it->len - it->off;

	if (left == 0)
		return 0;
	if (2 > left)
		return -EINVAL;
	*olen = (size_t)it->p[it->off + 1] * 8;
	if (*olen == 0 || *olen > left)
		return -EINVAL;
	*opt = it->p + it->off;
	it->off += *olen;
	return 1;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int m6_nd_parse_ra(const uint8_t *p, size_t len, struct m6_ra *ra, const char **why)
{
	struct nd_opt_iter it = { .p = p, .off = 16, .len = len };
	const uint8_t *o;
	size_t olen;
	int rc;

	memset(ra, 0, sizeof(*ra));
	*why = NULL;
	if (16 > len || p[0] != M6_ND_RA) {
		*why = "Router Advertisement shorter than 16 bytes";
		return -EINVAL;
	}
	if (p[1] != 0) {
		*why = "Router Advertisement with code not 0";
		return -EINVAL;
	}
	ra->cur_hlim = p[4];
	ra->flags = p[5];
	ra->lifetime = (uint16_t)(p[6] << 8 | p[7]);
	while ((rc = nd_opt_next(&it, &o, &olen)) > 0) {
		switch (o[0]) {
		case 1: /* source link-layer address */
			if (olen == 8) {
				memcpy(ra->mac, o + 2, 6);
				ra->has_mac = true;
			}
			break;
		case 3: /* prefix information */
			if (olen != 32) {
				*why = "Prefix Information option not 32 bytes";
				return -EINVAL;
			}
			if (o[2] > 128) {
				*why = "prefix length above 128";
				return -EINVAL;
			}
			if (ra->npfx < M6_RA_MAX_PFX) {
				struct m6_ra_pfx *x = &ra->pfx[ra->npfx++];

				x->plen = o[2];
				x->flags = o[3];
				x->valid = get32(o + 4);
				x->preferred = get32(o + 8);
				memcpy(&x->prefix, o + 16, 16);
			}
			break;
		case 7: /* Advertisement Interval (RFC 6275 §7.3) */
			if (olen != 8) {
				*why = "Advertisement Interval option not 8 bytes";
				return -EINVAL;
			}
			ra->has_ival = true;
			ra->ival_ms = get32(o + 4);
			break;
		case 8: /* Home Agent Information (RFC 6275 §7.4) */
			if (olen != 8) {
				*why = "Home Agent Information option not 8 bytes";
				return -EINVAL;
			}
			ra->has_hainfo = true;
			ra->ha_pref = (int16_t)(uint16_t)(o[4] << 8 | o[5]);
			ra->ha_life = (uint16_t)(o[6] << 8 | o[7]);
			break;
		default:
			break;
		}
	}
	if (rc < 0) {
		*why = "Router Advertisement option with a bad length";
		return -EINVAL;
	}
	return 0;
}

static int parse_ns_na(const uint8_t *p, size_t len, uint8_t type, uint8_t want_opt,
		       struct in6_addr *target, uint8_t mac[6], bool *has_mac)
{
	struct nd_opt_iter it = { .p = p, .off = 24, .len = len };
	const uint8_t *o;
	size_t olen;
	int rc;

	*has_mac = false;
	if (24 > len || p[0] != type || p[1] != 0)
		return -EINVAL;
	memcpy(target, p + 8, 16);
	while ((rc = nd_opt_next(&it, &o, &olen)) > 0) {
		if (o[0] == want_opt && olen == 8) {
			memcpy(mac, o + 2, 6);
			*has_mac = true;
		}
	}
	return rc < 0 ? -EINVAL : 0;
}

int m6_nd_parse_na(const uint8_t *p, size_t len, struct in6_addr *target, uint8_t *flags,
		   uint8_t mac[6], bool *has_mac)
{
	int rc = parse_ns_na(p, len, M6_ND_NA, 2, target, mac, has_mac);

	if (!rc)
		*flags = p[4];
	return rc;
}

int m6_nd_parse_ns(const uint8_t *p, size_t len, struct in6_addr *target, uint8_t mac[6],
		   bool *has_mac)
{
	return parse_ns_na(p, len, M6_ND_NS, 1, target, mac, has_mac);
}

/* ---- addresses ---- */

void m6_nd_solicited_node(const struct in6_addr *a, struct in6_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->s6_addr[0] = 0xff;
	out->s6_addr[1] = 0x02;
	out->s6_addr[11] = 0x01;
	out->s6_addr[12] = 0xff;
	memcpy(out->s6_addr + 13, a->s6_addr + 13, 3);
}

void m6_nd_ha_anycast(const struct in6_addr *prefix, int plen, struct in6_addr *out)
{
	*out = *prefix;
	if (plen < 0)
		plen = 0;
	if (plen > 120)
		plen = 120;
	for (int i = plen; i < 128; i++)
		out->s6_addr[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	/* anycast id 126 in the low 7 bits; the universal/local bit clear in
	 * an EUI-64 format identifier (RFC 2526 §2) */
	out->s6_addr[15] = 0xfe;
	if (plen == 64)
		out->s6_addr[8] &= (uint8_t)~0x02;
}

void m6_nd_eui64(struct in6_addr *a, const uint8_t mac[6])
{
	a->s6_addr[8] = mac[0] ^ 0x02;
	a->s6_addr[9] = mac[1];
	a->s6_addr[10] = mac[2];
	a->s6_addr[11] = 0xff;
	a->s6_addr[12] = 0xfe;
	a->s6_addr[13] = mac[3];
	a->s6_addr[14] = mac[4];
	a->s6_addr[15] = mac[5];
}

/* ---- sockets ---- */

int m6_nd_open(struct m6d *d, char *err, size_t errlen)
{
	struct icmp6_filter f;
	int on = 1, off = 0, hops = 255;
	uint32_t mark = M6D_FWMARK;
	int fd;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0) {
		snprintf(err, errlen, "ICMPv6 raw socket: %s", strerror(errno));
		return -errno;
	}
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(M6_ND_RA, &f);
	ICMP6_FILTER_SETPASS(M6_ND_NS, &f);
	ICMP6_FILTER_SETPASS(M6_ND_NA, &f);
	ICMP6_FILTER_SETPASS(M6_DHAAD_REQ, &f);
	ICMP6_FILTER_SETPASS(M6_DHAAD_REP, &f);
	ICMP6_FILTER_SETPASS(M6_MPS, &f);
	ICMP6_FILTER_SETPASS(M6_MPA, &f);
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off))) {
		snprintf(err, errlen, "ICMPv6 socket options: %s", strerror(errno));
		close(fd);
		return -errno;
	}
	d->icmp_fd = fd;
	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0) {
		snprintf(err, errlen, "raw IPv6 socket: %s", strerror(errno));
		return -errno;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops))) {
		snprintf(err, errlen, "raw IPv6 socket options: %s", strerror(errno));
		close(fd);
		return -errno;
	}
	d->ll_fd = fd;
	return 0;
}

void m6_nd_close(struct m6d *d)
{
	if (d->icmp_fd >= 0)
		close(d->icmp_fd);
	if (d->ll_fd >= 0)
		close(d->ll_fd);
	d->icmp_fd = d->ll_fd = -1;
}

int m6_nd_ll_send(struct m6d *d, const uint8_t *pkt, size_t len, int ifindex)
{
	union {
		struct cmsghdr c;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	struct iovec iov = { .iov_base = (void *)pkt, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b),
	};
	struct cmsghdr *c;
	struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)ifindex };

	if (40 > len)
		return -EINVAL;
	memcpy(&to.sin6_addr, pkt + 24, 16);
	to.sin6_scope_id = (uint32_t)ifindex;
	memset(&cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	if (sendmsg(d->ll_fd, &msg, 0) < 0)
		return -errno;
	return 0;
}

void m6_nd_input(struct m6d *d)
{
	for (int n = 0; n < 64; n++) {
		union {
			struct cmsghdr c;
			uint8_t b[256];
		} cbuf;
		uint8_t pkt[2048];
		struct sockaddr_in6 from;
		struct iovec iov = { .iov_base = pkt, .iov_len = sizeof(pkt) };
		struct msghdr msg = {
			.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			.msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b),
		};
		struct m6d_icmp ic = { .hlim = -1 };
		ssize_t r = recvmsg(d->icmp_fd, &msg, 0);

		if (r < 0)
			break;
		if (msg.msg_flags & MSG_TRUNC || r < 4)
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != IPPROTO_IPV6)
				continue;
			if (c->cmsg_type == IPV6_PKTINFO &&
			    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ic.dst = pi.ipi6_addr;
				ic.ifindex = (int)pi.ipi6_ifindex;
			} else if (c->cmsg_type == IPV6_HOPLIMIT &&
				   c->cmsg_len >= CMSG_LEN(sizeof(int))) {
				memcpy(&ic.hlim, CMSG_DATA(c), sizeof(int));
			}
		}
		ic.src = from.sin6_addr;
		ic.p = pkt;
		ic.len = (size_t)r;
		if (d->role->on_icmp6)
			d->role->on_icmp6(d, &ic);
	}
}

int m6_nd_group(struct m6d *d, bool join, int ifindex, const struct in6_addr *a)
{
	struct ipv6_mreq mr = { .ipv6mr_multiaddr = *a, .ipv6mr_interface = (unsigned)ifindex };
	int opt;

	if (a->s6_addr[0] == 0xff)
		opt = join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP;
	else
		opt = join ? IPV6_JOIN_ANYCAST : IPV6_LEAVE_ANYCAST;
	if (setsockopt(d->icmp_fd, IPPROTO_IPV6, opt, &mr, sizeof(mr)))
		return -errno;
	return 0;
}

int m6_nd_proxy_kernel(struct m6d *d, bool add, int ifindex, const struct in6_addr *a)
{
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;

	if (!d->nl)
		return -ENOTCONN;
	nlh = net_rtnl_req(d->nl, add ? RTM_NEWNEIGH : RTM_DELNEIGH,
			   add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_INET6;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_flags = NTF_PROXY;
	ndm->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, 16, a);
	return net_rtnl_talk(d->nl, nlh, NULL, NULL);
}

/* ---- home agents list ---- */

static struct m6_ha_entry *hal_find(struct m6_halist *l, const struct in6_addr *ll, int ifindex)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].ifindex == ifindex && IN6_ARE_ADDR_EQUAL(&l->e[i].ll, ll))
			return &l->e[i];
	return NULL;
}

static void hal_remove(struct m6_halist *l, struct m6_ha_entry *e)
{
	size_t i = (size_t)(e - l->e);

	l->e[i] = l->e[--l->n];
}

void m6_halist_ra(struct m6_halist *l, const struct m6_ra *ra, double now)
{
	struct m6_ha_entry *e = hal_find(l, &ra->src, ra->ifindex);
	uint16_t life = ra->has_hainfo ? ra->ha_life : ra->lifetime;

	if (!(ra->flags & M6_RA_H) || life == 0) {
		if (e)
			hal_remove(l, e);
		return;
	}
	if (!e) {
		if (l->n == M6_HAL_MAX)
			return;
		e = &l->e[l->n++];
		memset(e, 0, sizeof(*e));
		e->ll = ra->src;
		e->ifindex = ra->ifindex;
	}
	e->pref = ra->has_hainfo ? ra->ha_pref : 0;
	e->expires = now + life;
	for (size_t i = 0; i < ra->npfx; i++) {
		if (ra->pfx[i].flags & M6_PIO_R) {
			e->global = ra->pfx[i].prefix;
			e->has_global = true;
		}
	}
}

void m6_halist_expire(struct m6_halist *l, double now)
{
	for (size_t i = 0; i < l->n;) {
		if (l->e[i].expires <= now)
			l->e[i] = l->e[--l->n];
		else
			i++;
	}
}

size_t m6_halist_addrs(const struct m6_halist *l, int ifindex, struct in6_addr *out, size_t max)
{
	const struct m6_ha_entry *v[M6_HAL_MAX];
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].has_global && (!ifindex || l->e[i].ifindex == ifindex))
			v[n++] = &l->e[i];
	/* insertion sort, highest preference first */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j]->pref > v[j - 1]->pref; j--) {
			const struct m6_ha_entry *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		out[i] = v[i]->global;
	return n;
}
