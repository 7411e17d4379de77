/*
 * Links through rtnetlink (RTM_NEWLINK, RTM_SETLINK, RTM_DELLINK,
 * RTM_GETLINK) and TUN/TAP devices through /dev/net/tun: see link.h.
 */
#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const struct net_rtnl_pol link_pol[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = { MNL_TYPE_NUL_STRING, 0, 0 },
	[IFLA_MTU] = { MNL_TYPE_U32, 0, 0 },
	[IFLA_MASTER] = { MNL_TYPE_U32, 0, 0 },
	[IFLA_LINK] = { MNL_TYPE_U32, 0, 0 },
	[IFLA_OPERSTATE] = { MNL_TYPE_U8, 0, 0 },
	[IFLA_ADDRESS] = { MNL_TYPE_BINARY, 0, NET_LINK_ADDR_MAX },
	[IFLA_LINKINFO] = { MNL_TYPE_NESTED, 0, 0 },
};

static const struct net_rtnl_pol linkinfo_pol[IFLA_INFO_MAX + 1] = {
	[IFLA_INFO_KIND] = { MNL_TYPE_NUL_STRING, 0, 0 },
};

static int link_from_msg(const struct nlmsghdr *nlh, struct net_link *l)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];

	if (net_rtnl_parse(nlh, sizeof(*ifi), link_pol, IFLA_MAX, tb))
		return -EBADMSG;
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MTU])
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_MASTER])
		l->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK])
		l->link = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_OPERSTATE])
		l->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_ADDRESS]) {
		l->addr_len = (uint8_t)mnl_attr_get_payload_len(tb[IFLA_ADDRESS]);
		memcpy(l->addr, mnl_attr_get_payload(tb[IFLA_ADDRESS]), l->addr_len);
	}
	if (tb[IFLA_LINKINFO]) {
		if (net_rtnl_parse_nested(tb[IFLA_LINKINFO], linkinfo_pol, IFLA_INFO_MAX, info))
			return -EBADMSG;
		if (info[IFLA_INFO_KIND])
			snprintf(l->kind, sizeof(l->kind), "%s",
				 mnl_attr_get_str(info[IFLA_INFO_KIND]));
	}
	return 0;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct net_rtnl_vec *vec = data;
	struct net_link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	l = net_rtnl_vec_push(vec);
	if (!l) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	if (link_from_msg(nlh, l)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int name_ok(struct net_rtnl *nl, const char *name)
{
	if (!name || !name[0] || strlen(name) >= IFNAMSIZ) {
		net_rtnl_set_errmsg(nl, "interface name must have 1 to %d characters",
				    IFNAMSIZ - 1);
		return 0;
	}
	return 1;
}

/* A request about one link, with its ifinfomsg filled in. */
static struct nlmsghdr *link_req(struct net_rtnl *nl, uint16_t type, uint16_t flags,
				 int ifindex)
{
	struct nlmsghdr *nlh = net_rtnl_req(nl, type, flags);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

int net_link_get(struct net_rtnl *nl, int ifindex, const char *name, struct net_link *out)
{
	struct net_rtnl_vec vec = { .size = sizeof(struct net_link) };
	struct nlmsghdr *nlh = link_req(nl, RTM_GETLINK, 0, ifindex);
	int rc;

	if (!ifindex) {
		if (!name_ok(nl, name))
			return -EINVAL;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	}
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	rc = net_rtnl_talk(nl, nlh, link_cb, &vec);
	if (!rc && vec.n != 1)
		rc = -EBADMSG;
	if (!rc)
		*out = *(struct net_link *)vec.v;
	free(vec.v);
	return rc;
}

int net_link_ifindex(struct net_rtnl *nl, const char *name)
{
	struct net_link l;
	int rc = net_link_get(nl, 0, name, &l);

	return rc ? rc : l.ifindex;
}

int net_link_list(struct net_rtnl *nl, struct net_link **out, size_t *n)
{
	struct net_rtnl_vec vec = { .size = sizeof(struct net_link) };
	struct nlmsghdr *nlh = link_req(nl, RTM_GETLINK, NLM_F_DUMP, 0);
	int rc;

	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	rc = net_rtnl_dump(nl, nlh, link_cb, &vec, &vec);
	*out = vec.v;
	*n = vec.n;
	return rc;
}

int net_link_add_veth(struct net_rtnl *nl, const char *name, const char *peer,
		      const struct net_ns *peer_ns)
{
	struct nlmsghdr *nlh;
	struct nlattr *info, *data, *pn;

	if (!name_ok(nl, name) || !name_ok(nl, peer))
		return -EINVAL;
	nlh = link_req(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* The peer is described by its own ifinfomsg and attributes. */
	pn = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_ns)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_ns->fd);
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return net_rtnl_talk(nl, nlh, NULL, NULL);
}

int net_link_add_bridge(struct net_rtnl *nl, const char *name)
{
	struct nlmsghdr *nlh;
	struct nlattr *info;

	if (!name_ok(nl, name))
		return -EINVAL;
	nlh = link_req(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	return net_rtnl_talk(nl, nlh, NULL, NULL);
}

int net_link_del(struct net_rtnl *nl, int ifindex)
{
	if (ifindex <= 0)
		return -ENODEV;
	return net_rtnl_talk(nl, link_req(nl, RTM_DELLINK, 0, ifindex), NULL, NULL);
}

int net_link_set_up(struct net_rtnl *nl, int ifindex, bool up)
{
	struct nlmsghdr *nlh = link_req(nl, RTM_SETLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return net_rtnl_talk(nl, nlh, NULL, NULL);
}

int net_link_set_mtu(struct net_rtnl *nl, int ifindex, unsigned mtu)
{
	struct nlmsghdr *nlh = link_req(nl, RTM_SETLINK, 0, ifindex);

	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return net_rtnl_talk(nl, nlh, NULL, NULL);
}

int net_link_set_mac(struct net_rtnl *nl, int ifindex, const uint8_t mac[6])
{
	struct nlmsghdr *nlh = link_req(nl, RTM_SETLINK, 0, ifindex);

	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return net_rtnl_talk(nl, nlh, NULL, NULL);
}

int net_link_set_master(struct net_rtnl *nl, int ifindex, int master)
{
	struct nlmsghdr *nlh = link_req(nl, RTM_SETLINK, 0, ifindex);

	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return net_rtnl_talk(nl, nlh, NULL, NULL);
}

int net_link_set_ns(struct net_rtnl *nl, int ifindex, const struct net_ns *ns)
{
	struct nlmsghdr *nlh = link_req(nl, RTM_SETLINK, 0, ifindex);
	int fd = ns ? ns->fd : open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return ns ? -EBADF : -errno;
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)fd);
	rc = net_rtnl_talk(nl, nlh, NULL, NULL);
	if (!ns)
		close(fd);
	return rc;
}

int net_tun_open(const struct net_ns *ns, const char *name, enum net_tun_kind kind,
		 bool persist)
{
	struct ifreq ifr;
	int fd, rc;

	if (!name || !name[0] || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	fd = net_ns_open_file(ns, "/dev/net/tun", O_RDWR);
	if (fd < 0)
		return fd;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (kind == NET_TAP ? IFF_TAP : IFF_TUN) | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) || (persist && ioctl(fd, TUNSETPERSIST, 1))) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int net_tun_create(const struct net_ns *ns, const char *name, enum net_tun_kind kind)
{
	int fd = net_tun_open(ns, name, kind, true);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}
