/*
 * The netns NUT driver: the local Linux kernel in a fresh network namespace
 * per test. Link i is a veth pair whose NUT end is "link<i>" in the NUT
 * namespace and whose tester end is "tn<i>" in a tester namespace with IPv6
 * disabled, so only the tester's AF_PACKET socket speaks there. Actions are
 * carried out through rtnetlink, sysctls and sockets opened in the NUT
 * namespace; radvd is started inside it for router tests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_addr.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/neighbour.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "link.h"
#include "linkio.h"
#include "neigh.h"
#include "packet.h"
#include "netns.h"
#include "nodes.h"
#include "nut.h"
#include "route.h"
#include "rtnl.h"
#include "script.h"

#define MAX_SOCKS 16

struct netns_priv {
	struct net_ns nut, tn;
	bool have_nut, have_tn;
	struct net_rtnl *nl; /* in the NUT namespace */
	int ifindex[NUT_MAX_LINKS];
	pid_t radvd[NUT_MAX_LINKS];
	int socks[MAX_SOCKS];
	int nsocks;
};

static void say(struct nut *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct nut *n, const char *fmt, ...)
{
	va_list ap;

	if (!n->cfg->log)
		return;
	va_start(ap, fmt);
	vfprintf(n->cfg->log, fmt, ap);
	va_end(ap);
	fputc('\n', n->cfg->log);
}

static int link_of(struct nut *n, const char *arg)
{
	char *end;
	long l;

	if (strncmp(arg, "link", 4))
		return -1;
	l = strtol(arg + 4, &end, 10);
	if (*end || l < 0 || l >= n->nlinks)
		return -1;
	return (int)l;
}

static int find_addr(struct nut *n, int link, const char *attr, uint8_t out[16],
		     bool allow_tentative);

static int wait_ll(struct nut *n, unsigned ms)
{
	struct netns_priv *p = n->priv;
	uint64_t deadline = cf_now_ms() + ms;

	for (;;) {
		int ready = 0;

		for (int i = 0; i < n->nlinks; i++) {
			uint8_t a[16];

			if (n->ops->addr(n, i, "ll", a) == 0)
				ready++;
		}
		if (ready == n->nlinks)
			return 0;
		if (cf_now_ms() >= deadline)
			return -ETIMEDOUT;
		(void)p;
		nut_idle(n, 20);
	}
}

/* Applies the configured sysctls: phase 0 the namespace-wide ones (all,
 * default, and everything outside conf/neigh), phase 1 those naming a link,
 * once the links exist and before they come up. */
static int apply_sysctls(struct nut *n, int phase, char *err, size_t errlen)
{
	struct netns_priv *p = n->priv;

	for (int i = 0; i < n->cfg->nsysctls; i++) {
		char kv[256], *eq;
		bool linkwide;
		int rc;

		snprintf(kv, sizeof(kv), "%s", n->cfg->sysctls[i]);
		eq = strchr(kv, '=');
		if (!eq) {
			snprintf(err, errlen, "sysctl '%s' is not KEY=VALUE", kv);
			return -EINVAL;
		}
		*eq = 0;
		linkwide = strstr(kv, ".link") || strstr(kv, "/link");
		if (linkwide != (phase == 1))
			continue;
		rc = net_ns_sysctl_set(&p->nut, kv, eq + 1);
		if (rc) {
			snprintf(err, errlen, "sysctl %s: %s", kv, strerror(-rc));
			return rc;
		}
		say(n, "sysctl %s=%s", kv, eq + 1);
	}
	return 0;
}

/* Turns off checksum and segmentation offloads on a NUT link: with them on,
 * veth hands the tester frames whose checksums are left for hardware that
 * is not there, and TCP super-segments larger than the MTU. */
static void offloads_off(struct netns_priv *p, const char *ifname)
{
	static const uint32_t cmds[] = { ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SSG };
	int fd = net_ns_socket(&p->nut, AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct ethtool_value ev = { .cmd = cmds[i], .data = 0 };
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		ifr.ifr_data = (void *)&ev;
		ioctl(fd, SIOCETHTOOL, &ifr);
	}
	close(fd);
}

static int netns_setup(struct nut *n, int nlinks, char *err, size_t errlen)
{
	const struct nut_config *cfg = n->cfg;
	struct netns_priv *p = calloc(1, sizeof(*p));
	struct net_rtnl *tnl = NULL;
	char name[NET_NS_NAME_MAX];
	int rc;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n->priv = p;
	n->nlinks = nlinks;
	for (int i = 0; i < MAX_SOCKS; i++)
		p->socks[i] = -1;
	snprintf(name, sizeof(name), "%sn", cfg->tag);
	rc = net_ns_create(name, &p->nut);
	if (rc) {
		snprintf(err, errlen, "cannot create namespace %s: %s", name, strerror(-rc));
		return rc;
	}
	p->have_nut = true;
	snprintf(name, sizeof(name), "%st", cfg->tag);
	rc = net_ns_create(name, &p->tn);
	if (rc) {
		snprintf(err, errlen, "cannot create namespace %s: %s", name, strerror(-rc));
		return rc;
	}
	p->have_tn = true;
	/* The tester's kernel must stay silent on the links. */
	net_ns_sysctl_set(&p->tn, "net.ipv6.conf.all.disable_ipv6", "1");
	net_ns_sysctl_set(&p->tn, "net.ipv6.conf.default.disable_ipv6", "1");
	if (cfg->type == CF_NUT_ROUTER) {
		net_ns_sysctl_set(&p->nut, "net.ipv6.conf.all.forwarding", "1");
		net_ns_sysctl_set(&p->nut, "net.ipv6.conf.default.forwarding", "1");
	}
	rc = apply_sysctls(n, 0, err, errlen);
	if (rc)
		return rc;
	rc = net_rtnl_open(&p->nut, &p->nl);
	if (!rc)
		rc = net_rtnl_open(&p->tn, &tnl);
	if (rc) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(-rc));
		goto out;
	}
	{
		int lo = net_link_ifindex(p->nl, "lo");

		if (lo > 0)
			net_link_set_up(p->nl, lo, true);
	}
	for (int i = 0; i < nlinks; i++) {
		char tn[IFNAMSIZ], nut[IFNAMSIZ];
		uint8_t mac[6];
		int ti;

		snprintf(tn, sizeof(tn), "tn%d", i);
		snprintf(nut, sizeof(nut), "link%d", i);
		rc = net_link_add_veth(tnl, tn, nut, &p->nut);
		if (rc) {
			snprintf(err, errlen, "veth %s/%s: %s %s", tn, nut, strerror(-rc), net_rtnl_errmsg(tnl));
			goto out;
		}
		p->ifindex[i] = net_link_ifindex(p->nl, nut);
		ti = net_link_ifindex(tnl, tn);
		if (p->ifindex[i] <= 0 || ti <= 0) {
			rc = -ENODEV;
			snprintf(err, errlen, "veth %s/%s vanished", tn, nut);
			goto out;
		}
		if (cfg->have_nut_mac[i])
			memcpy(mac, cfg->nut_mac[i], 6);
		else {
			uint8_t d[6] = { 0x02, 0x00, 0x00, 0x00, (uint8_t)i, 0x01 };

			memcpy(mac, d, 6);
		}
		offloads_off(p, nut);
		rc = net_link_set_mac(p->nl, p->ifindex[i], mac);
		if (!rc)
			rc = net_link_set_up(tnl, ti, true);
		if (rc) {
			snprintf(err, errlen, "link%d: %s", i, strerror(-rc));
			goto out;
		}
	}
	rc = apply_sysctls(n, 1, err, errlen);
	if (rc)
		goto out;
	/* The NUT's links come up last, just before the tester attaches. */
	for (int i = 0; i < nlinks; i++) {
		if (cfg->type == CF_NUT_ROUTER) {
			struct net_ip ip = { .family = AF_INET6 };
			uint8_t mac[6];

			uint8_t pfx[16];

			cf_link_prefix(i, pfx);
			memcpy(mac, cfg->have_nut_mac[i] ? cfg->nut_mac[i]
							 : (const uint8_t[]){ 2, 0, 0, 0, (uint8_t)i, 1 }, 6);
			cf_eui64(pfx, mac, ip.a);
			net_addr_add(p->nl, p->ifindex[i], &ip, 64, 0);
		}
		rc = net_link_set_up(p->nl, p->ifindex[i], true);
		if (rc) {
			snprintf(err, errlen, "link%d up: %s", i, strerror(-rc));
			goto out;
		}
	}
	say(n, "netns NUT %sn up with %d link(s)", cfg->tag, nlinks);
out:
	net_rtnl_close(tnl);
	return rc;
}

static int netns_ready(struct nut *n, char *err, size_t errlen)
{
	unsigned ms = n->cfg->boot_wait_ms ? n->cfg->boot_wait_ms : 5000;

	uint64_t deadline = cf_now_ms() + ms;

	if (wait_ll(n, ms)) {
		snprintf(err, errlen, "the NUT's link-local addresses did not finish DAD within %ums", ms);
		return -ETIMEDOUT;
	}
	/* A router NUT has its configured global addresses: wait for their DAD. */
	if (n->cfg->type == CF_NUT_ROUTER)
		for (int i = 0; i < n->nlinks; i++) {
			uint8_t a[16];

			while (find_addr(n, i, "global", a, false)) {
				if (cf_now_ms() >= deadline) {
					snprintf(err, errlen, "link%d: the router's global address did not "
							      "finish DAD within %ums", i, ms);
					return -ETIMEDOUT;
				}
				nut_idle(n, 20);
			}
		}
	return 0;
}

static int netns_tn_end(struct nut *n, int link, const struct net_ns **ns, char ifname[IFNAMSIZ])
{
	struct netns_priv *p = n->priv;

	if (link < 0 || link >= n->nlinks)
		return -EINVAL;
	*ns = &p->tn;
	snprintf(ifname, IFNAMSIZ, "tn%d", link);
	return 0;
}

/* The best address of a kind on a link: non-tentative first; in the link
 * prefix first for globals. */
static int find_addr(struct nut *n, int link, const char *attr, uint8_t out[16], bool allow_tentative)
{
	struct netns_priv *p = n->priv;
	struct net_addr *v = NULL;
	size_t cnt = 0;
	int best = -1, best_score = -1;
	uint8_t pfx[16];
	bool ll = !strcmp(attr, "ll");

	if (net_addr_list(p->nl, p->ifindex[link], AF_INET6, &v, &cnt))
		return -EIO;
	cf_link_prefix(link, pfx);
	for (size_t i = 0; i < cnt; i++) {
		const uint8_t *a = v[i].ip.a;
		bool is_ll = a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
		int score = 0;

		if (ll != is_ll || (v[i].flags & IFA_F_DADFAILED))
			continue;
		if (!ll && a[0] == 0xff)
			continue;
		if (v[i].flags & IFA_F_TENTATIVE) {
			if (!allow_tentative)
				continue;
		} else {
			score += 2;
		}
		if (!ll && !memcmp(a, pfx, 8))
			score += 4;
		if (!(v[i].flags & IFA_F_DEPRECATED))
			score += 1;
		if (score > best_score) {
			best = (int)i;
			best_score = score;
		}
	}
	if (best >= 0)
		memcpy(out, v[best].ip.a, 16);
	free(v);
	return best >= 0 ? 0 : -ENOENT;
}

static int netns_addr(struct nut *n, int link, const char *attr, uint8_t out[16])
{
	if (link < 0 || link >= n->nlinks)
		return -EINVAL;
	return find_addr(n, link, attr, out, false);
}

static void kv_split(char *arg, char **key, char **val)
{
	char *eq = strchr(arg, '=');

	*key = arg;
	*val = NULL;
	if (eq) {
		*eq = 0;
		*val = eq + 1;
	}
}

/* Reads key=value options from argv[from..]. */
static const char *opt(int argc, char **argv, int from, const char *key)
{
	size_t k = strlen(key);

	for (int i = from; i < argc; i++)
		if (!strncmp(argv[i], key, k) && argv[i][k] == '=')
			return argv[i] + k + 1;
	return NULL;
}

static bool flag(int argc, char **argv, int from, const char *word)
{
	for (int i = from; i < argc; i++)
		if (!strcmp(argv[i], word))
			return true;
	return false;
}

static int keep_sock(struct netns_priv *p, int fd)
{
	if (p->nsocks >= MAX_SOCKS) {
		close(fd);
		return -ENOSPC;
	}
	p->socks[p->nsocks++] = fd;
	return 0;
}

static int addr_state(struct nut *n, int link, const struct net_ip *ip, char *out, size_t outlen)
{
	struct netns_priv *p = n->priv;
	struct net_addr *v = NULL;
	const struct net_addr *a;
	size_t cnt = 0;
	int rc = net_addr_list(p->nl, p->ifindex[link], AF_INET6, &v, &cnt);

	if (rc)
		return rc;
	a = net_addr_find(v, cnt, p->ifindex[link], ip);
	if (!a)
		snprintf(out, outlen, "NONE");
	else if (a->flags & IFA_F_DADFAILED)
		snprintf(out, outlen, "DADFAILED");
	else if (a->flags & IFA_F_TENTATIVE)
		snprintf(out, outlen, "TENTATIVE");
	else if (a->flags & IFA_F_DEPRECATED)
		snprintf(out, outlen, "DEPRECATED");
	else
		snprintf(out, outlen, "PREFERRED");
	free(v);
	return 0;
}

static int sock_dst(struct nut *n, int link, const char *text, struct sockaddr_in6 *sa, char *err,
		    size_t errlen)
{
	struct netns_priv *p = n->priv;

	memset(sa, 0, sizeof(*sa));
	sa->sin6_family = AF_INET6;
	if (inet_pton(AF_INET6, text, &sa->sin6_addr) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv6 address", text);
		return -EINVAL;
	}
	/* Link-local and multicast destinations need the link. */
	if (IN6_IS_ADDR_LINKLOCAL(&sa->sin6_addr) || IN6_IS_ADDR_MULTICAST(&sa->sin6_addr))
		sa->sin6_scope_id = (uint32_t)p->ifindex[link];
	return 0;
}

static int act_ping(struct nut *n, int link, int argc, char **argv, char *err, size_t errlen)
{
	struct netns_priv *p = n->priv;
	const char *cnt_s = opt(argc, argv, 3, "count"), *size_s = opt(argc, argv, 3, "size"),
		   *hl_s = opt(argc, argv, 3, "hlim"), *id_s = opt(argc, argv, 3, "id");
	int count = cnt_s ? atoi(cnt_s) : 1, size = size_s ? atoi(size_s) : 8;
	struct sockaddr_in6 sa;
	uint8_t buf[65536];
	int fd, rc;

	if (argc < 3) {
		snprintf(err, errlen, "nut ping LINK DST [count=N] [size=N] [hlim=N] [id=N]");
		return -EINVAL;
	}
	if (count < 1 || count > 1000 || size < 0 || size > 65000) {
		snprintf(err, errlen, "count must be 1..1000 and size 0..65000");
		return -EINVAL;
	}
	rc = sock_dst(n, link, argv[2], &sa, err, errlen);
	if (rc)
		return rc;
	fd = net_ns_socket(&p->nut, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (fd < 0) {
		snprintf(err, errlen, "raw socket: %s", strerror(-fd));
		return fd;
	}
	if (hl_s) {
		int hl = atoi(hl_s);

		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hl, sizeof(hl));
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hl, sizeof(hl));
	}
	if (IN6_IS_ADDR_MULTICAST(&sa.sin6_addr)) {
		int ifi = p->ifindex[link];

		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifi, sizeof(ifi));
	}
	for (int i = 0; i < count; i++) {
		struct icmp6_hdr *h = (struct icmp6_hdr *)buf;
		int idv = id_s ? atoi(id_s) : 0x7601;

		memset(buf, 0, sizeof(struct icmp6_hdr) + (size_t)size);
		h->icmp6_type = ICMP6_ECHO_REQUEST;
		h->icmp6_id = htons((uint16_t)idv);
		h->icmp6_seq = htons((uint16_t)(i + 1));
		for (int k = 0; k < size; k++)
			buf[8 + k] = (uint8_t)k;
		if (sendto(fd, buf, 8 + (size_t)size, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			rc = -errno;
			snprintf(err, errlen, "sendto: %s", strerror(errno));
			break;
		}
	}
	/* Kept open: the kernel may deliver the replies to it; closed at teardown. */
	if (keep_sock(p, fd))
		return rc;
	return rc;
}

static int act_udp(struct nut *n, int link, int argc, char **argv, char *err, size_t errlen)
{
	struct netns_priv *p = n->priv;
	const char *size_s = opt(argc, argv, 4, "size"), *sport_s = opt(argc, argv, 4, "sport");
	int size = size_s ? atoi(size_s) : 16;
	struct sockaddr_in6 sa;
	uint8_t buf[65536];
	int fd, rc;

	if (argc < 4) {
		snprintf(err, errlen, "nut udp LINK DST PORT [size=N] [sport=N]");
		return -EINVAL;
	}
	if (size < 0 || size > 65000) {
		snprintf(err, errlen, "size must be 0..65000");
		return -EINVAL;
	}
	rc = sock_dst(n, link, argv[2], &sa, err, errlen);
	if (rc)
		return rc;
	sa.sin6_port = htons((uint16_t)atoi(argv[3]));
	fd = net_ns_socket(&p->nut, AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0) {
		snprintf(err, errlen, "udp socket: %s", strerror(-fd));
		return fd;
	}
	if (sport_s) {
		struct sockaddr_in6 src = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)atoi(sport_s)) };
		int one = 1;

		/* Earlier sockets of the test may hold the port: share it. */
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
			rc = -errno;
			snprintf(err, errlen, "source port %s: %s", sport_s, strerror(errno));
			close(fd);
			return rc;
		}
	}
	memset(buf, 'v', (size_t)size);
	if (sendto(fd, buf, (size_t)size, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "sendto: %s", strerror(errno));
	}
	keep_sock(p, fd);
	return rc;
}

static int act_pmtu(struct nut *n, int link, const char *dst, char *out, size_t outlen, char *err,
		    size_t errlen)
{
	struct netns_priv *p = n->priv;
	struct sockaddr_in6 sa;
	int fd, rc, mtu = 0;
	socklen_t sl = sizeof(mtu);

	rc = sock_dst(n, link, dst, &sa, err, errlen);
	if (rc)
		return rc;
	sa.sin6_port = htons(9);
	fd = net_ns_socket(&p->nut, AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &sl) < 0) {
		rc = -errno;
		snprintf(err, errlen, "path MTU of %s: %s", dst, strerror(errno));
		close(fd);
		return rc;
	}
	close(fd);
	snprintf(out, outlen, "%d", mtu);
	return 0;
}

static int act_radvd(struct nut *n, int link, int argc, char **argv, char *err, size_t errlen)
{
	struct netns_priv *p = n->priv;
	const char *pfx = opt(argc, argv, 2, "prefix"), *life = opt(argc, argv, 2, "lifetime"),
		   *maxi = opt(argc, argv, 2, "interval"), *mtu = opt(argc, argv, 2, "mtu"),
		   *reach = opt(argc, argv, 2, "reachable"), *retrans = opt(argc, argv, 2, "retrans"),
		   *chl = opt(argc, argv, 2, "hoplimit");
	char conf[512], logf[512], pidf[512], pbuf[64];
	FILE *fp;
	pid_t pid;

	if (link < 0) {
		snprintf(err, errlen, "nut radvd LINK [prefix=P/64] [lifetime=S] [interval=S] [mtu=N] "
				      "[reachable=MS] [retrans=MS] [hoplimit=N]");
		return -EINVAL;
	}
	if (!pfx) {
		uint8_t a[16];

		cf_link_prefix(link, a);
		inet_ntop(AF_INET6, a, pbuf, sizeof(pbuf));
		strcat(pbuf, "/64");
		pfx = pbuf;
	}
	snprintf(conf, sizeof(conf), "%s/radvd-link%d.conf", n->cfg->outdir, link);
	snprintf(logf, sizeof(logf), "%s/radvd-link%d.log", n->cfg->outdir, link);
	snprintf(pidf, sizeof(pidf), "%s/radvd-link%d.pid", n->cfg->outdir, link);
	fp = fopen(conf, "w");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", conf, strerror(errno));
		return -errno;
	}
	fprintf(fp, "interface link%d {\n\tAdvSendAdvert on;\n\tMinRtrAdvInterval 3;\n"
		    "\tMaxRtrAdvInterval %s;\n\tAdvDefaultLifetime %s;\n",
		link, maxi ? maxi : "10", life ? life : "1800");
	if (mtu)
		fprintf(fp, "\tAdvLinkMTU %s;\n", mtu);
	if (reach)
		fprintf(fp, "\tAdvReachableTime %s;\n", reach);
	if (retrans)
		fprintf(fp, "\tAdvRetransTimer %s;\n", retrans);
	if (chl)
		fprintf(fp, "\tAdvCurHopLimit %s;\n", chl);
	fprintf(fp, "\tprefix %s {\n\t\tAdvOnLink on;\n\t\tAdvAutonomous on;\n\t};\n};\n", pfx);
	fclose(fp);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		if (setns(p->nut.fd, CLONE_NEWNET) < 0)
			_exit(126);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execlp("radvd", "radvd", "-n", "-C", conf, "-p", pidf, "-m", "logfile", "-l", logf, "-u",
		       "root", (char *)NULL);
		_exit(127);
	}
	p->radvd[link] = pid;
	/* radvd checks forwarding and the link before it speaks; give it a
	 * moment and report an early exit (missing binary, bad config). */
	for (int i = 0; i < 25; i++) {
		int st;

		nut_idle(n, 20);
		if (waitpid(pid, &st, WNOHANG) == pid) {
			p->radvd[link] = 0;
			snprintf(err, errlen, "radvd exited at once (status %d%s); see %s", WEXITSTATUS(st),
				 WEXITSTATUS(st) == 127 ? ": not installed?" : "", logf);
			return -EIO;
		}
	}
	say(n, "radvd started on link%d (pid %d)", link, (int)pid);
	return 0;
}

static int netns_action(struct nut *n, int argc, char **argv, char *out, size_t outlen, char *err,
			size_t errlen)
{
	struct netns_priv *p = n->priv;
	const char *a = argv[0];
	int link = argc > 1 ? link_of(n, argv[1]) : -1;
	char key[256];
	int rc;

	out[0] = 0;
	if (!strcmp(a, "sysctl")) {
		char *k, *v;

		if (argc != 2 || !strchr(argv[1], '=')) {
			snprintf(err, errlen, "nut sysctl KEY=VALUE");
			return -EINVAL;
		}
		kv_split(argv[1], &k, &v);
		rc = net_ns_sysctl_set(&p->nut, k, v);
		if (rc)
			snprintf(err, errlen, "%s: %s", k, strerror(-rc));
		return rc;
	}
	if (!strcmp(a, "sysctl-get")) {
		if (argc != 2) {
			snprintf(err, errlen, "nut sysctl-get KEY -> $var");
			return -EINVAL;
		}
		rc = net_ns_sysctl_get(&p->nut, argv[1], out, outlen);
		if (rc)
			snprintf(err, errlen, "%s: %s", argv[1], strerror(-rc));
		return rc;
	}
	if (!strcmp(a, "conf") || !strcmp(a, "neigh-conf") || !strcmp(a, "conf-get") ||
	    !strcmp(a, "neigh-get")) {
		bool neigh = !strncmp(a, "neigh", 5), get = strstr(a, "get") != NULL;
		char *k, *v;

		if (link < 0 || argc != 3 || (!get && !strchr(argv[2], '='))) {
			snprintf(err, errlen, "nut %s LINK KEY%s", a, get ? " -> $var" : "=VALUE");
			return -EINVAL;
		}
		kv_split(argv[2], &k, &v);
		snprintf(key, sizeof(key), "net/ipv6/%s/link%d/%s", neigh ? "neigh" : "conf", link, k);
		rc = get ? net_ns_sysctl_get(&p->nut, key, out, outlen) : net_ns_sysctl_set(&p->nut, key, v);
		if (rc)
			snprintf(err, errlen, "%s: %s", key, strerror(-rc));
		return rc;
	}
	if (!strcmp(a, "addr")) {
		struct net_ip ip;
		unsigned plen;

		if (argc < 4 || link_of(n, argv[2]) < 0 || net_prefix_parse(argv[3], &ip, &plen)) {
			snprintf(err, errlen, "nut addr add|del LINK ADDR/PLEN [nodad]");
			return -EINVAL;
		}
		link = link_of(n, argv[2]);
		if (!strcmp(argv[1], "add"))
			rc = net_addr_add(p->nl, p->ifindex[link], &ip, plen,
					  flag(argc, argv, 4, "nodad") ? IFA_F_NODAD : 0);
		else if (!strcmp(argv[1], "del"))
			rc = net_addr_del(p->nl, p->ifindex[link], &ip, plen);
		else {
			snprintf(err, errlen, "nut addr add|del ...");
			return -EINVAL;
		}
		if (rc)
			snprintf(err, errlen, "%s %s", strerror(-rc), net_rtnl_errmsg(p->nl));
		return rc;
	}
	if (!strcmp(a, "route")) {
		struct net_route r = { 0 };
		unsigned plen = 0;

		/* nut route add|del DST/PLEN|default via GW LINK */
		if (argc != 6 || strcmp(argv[3], "via") || link_of(n, argv[5]) < 0 ||
		    net_ip_parse(argv[4], &r.gw)) {
			snprintf(err, errlen, "nut route add|del PREFIX/LEN|default via GATEWAY LINK");
			return -EINVAL;
		}
		if (!strcmp(argv[2], "default")) {
			r.dst.family = AF_INET6;
		} else if (net_prefix_parse(argv[2], &r.dst, &plen)) {
			snprintf(err, errlen, "bad prefix '%s'", argv[2]);
			return -EINVAL;
		}
		r.plen = (uint8_t)plen;
		r.oif = p->ifindex[link_of(n, argv[5])];
		rc = !strcmp(argv[1], "add") ? net_route_add(p->nl, &r) : net_route_del(p->nl, &r);
		if (rc)
			snprintf(err, errlen, "%s %s", strerror(-rc), net_rtnl_errmsg(p->nl));
		return rc;
	}
	if (!strcmp(a, "neighbor")) {
		struct net_neigh *v = NULL;
		struct net_ip ip;
		size_t cnt = 0;

		if (link < 0 || argc != 3 || net_ip_parse(argv[2], &ip)) {
			snprintf(err, errlen, "nut neighbor LINK ADDR -> $state");
			return -EINVAL;
		}
		rc = net_neigh_list(p->nl, p->ifindex[link], AF_INET6, &v, &cnt);
		if (rc)
			return rc;
		snprintf(out, outlen, "NONE");
		for (size_t i = 0; i < cnt; i++)
			if (net_ip_eq(&v[i].ip, &ip)) {
				snprintf(out, outlen, "%s", net_neigh_state_name(v[i].state));
				if (v[i].flags & NTF_ROUTER)
					strncat(out, "", outlen - strlen(out) - 1);
			}
		free(v);
		return 0;
	}
	if (!strcmp(a, "neighbor-lladdr")) {
		struct net_neigh *v = NULL;
		struct net_ip ip;
		size_t cnt = 0;

		if (link < 0 || argc != 3 || net_ip_parse(argv[2], &ip)) {
			snprintf(err, errlen, "nut neighbor-lladdr LINK ADDR -> $mac");
			return -EINVAL;
		}
		rc = net_neigh_list(p->nl, p->ifindex[link], AF_INET6, &v, &cnt);
		if (rc)
			return rc;
		snprintf(out, outlen, "NONE");
		for (size_t i = 0; i < cnt; i++)
			if (net_ip_eq(&v[i].ip, &ip) && v[i].lladdr_len == 6)
				snprintf(out, outlen, "%02x:%02x:%02x:%02x:%02x:%02x", v[i].lladdr[0],
					 v[i].lladdr[1], v[i].lladdr[2], v[i].lladdr[3], v[i].lladdr[4],
					 v[i].lladdr[5]);
		free(v);
		return 0;
	}
	if (!strcmp(a, "is-router")) {
		struct net_neigh *v = NULL;
		struct net_ip ip;
		size_t cnt = 0;

		if (link < 0 || argc != 3 || net_ip_parse(argv[2], &ip)) {
			snprintf(err, errlen, "nut is-router LINK ADDR -> $yesno");
			return -EINVAL;
		}
		rc = net_neigh_list(p->nl, p->ifindex[link], AF_INET6, &v, &cnt);
		if (rc)
			return rc;
		snprintf(out, outlen, "NONE");
		for (size_t i = 0; i < cnt; i++)
			if (net_ip_eq(&v[i].ip, &ip))
				snprintf(out, outlen, "%s", (v[i].flags & NTF_ROUTER) ? "yes" : "no");
		free(v);
		return 0;
	}
	if (!strcmp(a, "address") || !strcmp(a, "await-address")) {
		const char *w = opt(argc, argv, 3, "within");
		uint32_t ms = 3000;
		uint64_t deadline;
		struct net_ip ip;

		if (link < 0 || argc < 3 || net_ip_parse(argv[2], &ip) ||
		    (w && cf_parse_duration(w, &ms))) {
			snprintf(err, errlen, "nut %s LINK ADDR%s -> $state", a,
				 a[0] == 'a' && a[1] == 'w' ? " [within=3s]" : "");
			return -EINVAL;
		}
		deadline = cf_now_ms() + ms;
		for (;;) {
			rc = addr_state(n, link, &ip, out, outlen);
			if (rc || a[1] != 'w')
				return rc;
			if (strcmp(out, "TENTATIVE") && strcmp(out, "NONE"))
				return 0;
			if (cf_now_ms() >= deadline)
				return 0;
			nut_idle(n, 20);
		}
	}
	if (!strcmp(a, "await-global")) {
		/* nut await-global LINK [within=4s] -> $addr: waits for a global
		 * address that finished DAD (NONE when none came). */
		const char *w = opt(argc, argv, 2, "within");
		uint32_t ms = 4000;
		uint64_t deadline;
		uint8_t ad[16];

		if (link < 0 || (w && cf_parse_duration(w, &ms))) {
			snprintf(err, errlen, "nut await-global LINK [within=4s] -> $addr");
			return -EINVAL;
		}
		deadline = cf_now_ms() + ms;
		for (;;) {
			if (!find_addr(n, link, "global", ad, false)) {
				inet_ntop(AF_INET6, ad, out, (socklen_t)outlen);
				return 0;
			}
			if (cf_now_ms() >= deadline) {
				snprintf(out, outlen, "NONE");
				return 0;
			}
			nut_idle(n, 20);
		}
	}
	if (!strcmp(a, "address-valid") || !strcmp(a, "address-preferred")) {
		/* Remaining lifetime in seconds ("forever", or NONE without the address). */
		struct net_addr *v = NULL;
		const struct net_addr *ad;
		struct net_ip ip;
		size_t cnt = 0;

		if (link < 0 || argc != 3 || net_ip_parse(argv[2], &ip)) {
			snprintf(err, errlen, "nut %s LINK ADDR -> $secs", a);
			return -EINVAL;
		}
		rc = net_addr_list(p->nl, p->ifindex[link], AF_INET6, &v, &cnt);
		if (rc)
			return rc;
		ad = net_addr_find(v, cnt, p->ifindex[link], &ip);
		if (!ad) {
			snprintf(out, outlen, "NONE");
		} else {
			uint32_t secs = a[8] == 'v' ? ad->valid : ad->preferred;

			if (secs == 0xffffffffu)
				snprintf(out, outlen, "forever");
			else
				snprintf(out, outlen, "%u", secs);
		}
		free(v);
		return 0;
	}
	if (!strcmp(a, "global-address")) {
		/* nut global-address LINK -> $addr: the NUT's best global address or NONE. */
		uint8_t ad[16];

		if (link < 0) {
			snprintf(err, errlen, "nut global-address LINK -> $addr");
			return -EINVAL;
		}
		if (find_addr(n, link, "global", ad, true))
			snprintf(out, outlen, "NONE");
		else
			inet_ntop(AF_INET6, ad, out, (socklen_t)outlen);
		return 0;
	}
	if (!strcmp(a, "default-router")) {
		struct net_route *v = NULL;
		size_t cnt = 0;

		if (link < 0) {
			snprintf(err, errlen, "nut default-router LINK -> $addr");
			return -EINVAL;
		}
		rc = net_route_list(p->nl, AF_INET6, 0, &v, &cnt);
		if (rc)
			return rc;
		snprintf(out, outlen, "NONE");
		for (size_t i = 0; i < cnt; i++)
			if (v[i].plen == 0 && v[i].gw.family && v[i].oif == p->ifindex[link]) {
				net_ip_fmt(&v[i].gw, out, outlen);
				break;
			}
		free(v);
		return 0;
	}
	if (!strcmp(a, "ping"))
		return link < 0 ? (snprintf(err, errlen, "nut ping LINK DST ..."), -EINVAL)
				: act_ping(n, link, argc, argv, err, errlen);
	if (!strcmp(a, "udp"))
		return link < 0 ? (snprintf(err, errlen, "nut udp LINK DST PORT ..."), -EINVAL)
				: act_udp(n, link, argc, argv, err, errlen);
	if (!strcmp(a, "udp-listen")) {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
		int fd, one = 1;

		if (argc != 2) {
			snprintf(err, errlen, "nut udp-listen PORT");
			return -EINVAL;
		}
		sa.sin6_port = htons((uint16_t)atoi(argv[1]));
		fd = net_ns_socket(&p->nut, AF_INET6, SOCK_DGRAM, 0);
		if (fd < 0)
			return fd;
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			rc = -errno;
			close(fd);
			snprintf(err, errlen, "bind: %s", strerror(-rc));
			return rc;
		}
		return keep_sock(p, fd);
	}
	if (!strcmp(a, "pmtu")) {
		if (link < 0 || argc != 3) {
			snprintf(err, errlen, "nut pmtu LINK DST -> $mtu");
			return -EINVAL;
		}
		return act_pmtu(n, link, argv[2], out, outlen, err, errlen);
	}
	if (!strcmp(a, "radvd"))
		return act_radvd(n, link, argc, argv, err, errlen);
	if (!strcmp(a, "inject")) {
		/* nut inject LINK HEX...: raw frames sent from the NUT's side of
		 * the link, for testing the tester against garbage. */
		struct net_pkt pk;
		uint8_t frame[2048];

		if (link < 0 || argc < 3) {
			snprintf(err, errlen, "nut inject LINK HEXFRAME...");
			return -EINVAL;
		}
		snprintf(key, sizeof(key), "link%d", link);
		rc = net_pkt_open(&pk, &p->nut, key, NULL, NET_PKT_NOPROMISC, err, errlen);
		if (rc)
			return rc;
		for (int i = 2; i < argc && !rc; i++) {
			size_t len = strlen(argv[i]) / 2;
			const char *h = argv[i];

			if (!strncmp(h, "0x", 2)) {
				h += 2;
				len = strlen(h) / 2;
			}
			if (strlen(h) % 2 || len > sizeof(frame) || len < 1) {
				snprintf(err, errlen, "bad hex frame '%s'", argv[i]);
				rc = -EINVAL;
				break;
			}
			for (size_t k = 0; k < len; k++) {
				unsigned b;

				if (sscanf(h + 2 * k, "%2x", &b) != 1) {
					snprintf(err, errlen, "bad hex frame '%s'", argv[i]);
					rc = -EINVAL;
					break;
				}
				frame[k] = (uint8_t)b;
			}
			if (!rc)
				rc = net_pkt_send(&pk, frame, len);
		}
		net_pkt_close(&pk);
		return rc < 0 ? rc : 0;
	}
	if (!strcmp(a, "link")) {
		if (link < 0 || argc != 3 || (strcmp(argv[2], "up") && strcmp(argv[2], "down"))) {
			snprintf(err, errlen, "nut link LINK up|down");
			return -EINVAL;
		}
		return net_link_set_up(p->nl, p->ifindex[link], !strcmp(argv[2], "up"));
	}
	return -ENOTSUP;
}

static void netns_teardown(struct nut *n)
{
	struct netns_priv *p = n->priv;

	if (!p)
		return;
	for (int i = 0; i < NUT_MAX_LINKS; i++)
		if (p->radvd[i] > 0) {
			kill(p->radvd[i], SIGTERM);
			waitpid(p->radvd[i], NULL, 0);
		}
	for (int i = 0; i < p->nsocks; i++)
		close(p->socks[i]);
	net_rtnl_close(p->nl);
	if (!n->cfg->keep) {
		if (p->have_nut)
			net_ns_destroy(&p->nut);
		if (p->have_tn)
			net_ns_destroy(&p->tn);
	}
	free(p);
	n->priv = NULL;
}

const struct nut_ops nut_netns_ops = {
	.name = "netns",
	.setup = netns_setup,
	.ready = netns_ready,
	.tn_end = netns_tn_end,
	.addr = netns_addr,
	.action = netns_action,
	.teardown = netns_teardown,
};
