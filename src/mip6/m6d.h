/*
 * mip6d's internal interface: the daemon context (struct m6d) that the
 * event loop (daemon.c), the three roles (cn.c, ha.c, mn.c), movement
 * detection (movement.c) and the ICMPv6 / Neighbor Discovery helpers
 * (ndisc.c) share; the role operations; a small timer facility on the
 * monotonic clock; logging by DebugLevel. Every action on the kernel
 * (sending a packet, writing into the TUN, adding an address, a route, a
 * rule or a proxy entry, a sysctl) goes through struct m6d_ops, so the role
 * logic runs in unit tests with a fake clock and captured packets.
 */
#ifndef V6LAB_M6_DAEMON_H
#define V6LAB_M6_DAEMON_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "binding.h"
#include "ctl.h"
#include "dp.h"
#include "mconf.h"
#include "mh.h"
#include "rr.h"

/* Policy routing: the routes into the TUN (a bound home address at a CN or
 * HA, the MN's default route for packets from its home address) live in
 * table M6D_TABLE; the daemon's own sockets carry M6D_FWMARK and a rule
 * sends them to the main table first, so a Home Test or a tunnelled packet
 * never loops back into the TUN. */
#define M6D_TABLE 135
#define M6D_PRIO_MARK 900
#define M6D_PRIO_TABLE 1000
#define M6D_FWMARK 0x6d36
#define M6D_PKT_MAX 65600
#define M6D_DAD_TIME 1.0	/* RetransTimer for the HA's DAD probe (RFC 4862) */
#define M6D_MAX_TIMERS 16
#define M6D_TICK 1.0		/* expiry and refresh checks of the binding cache */

struct m6d;
struct net_rtnl;

/* ---- logging ---- */

enum { M6D_LOG_ERR = 0, M6D_LOG_INFO = 1, M6D_LOG_DEBUG = 2, M6D_LOG_PKT = 3 };

/* One line "[wall-clock seconds] mip6d: ..." when level <= DebugLevel
 * (errors always). */
void m6d_log(struct m6d *d, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An address as text in one of a few rotating buffers of d (for logs). */
const char *m6d_ntop(struct m6d *d, const struct in6_addr *a);

/* ---- timers ---- */

struct m6d_timer {
	double when;		/* monotonic seconds; 0: not armed */
	void (*fn)(struct m6d *d, struct m6d_timer *t);
	const char *name;
};

/* Registers t (once, at role init); -ENOSPC beyond M6D_MAX_TIMERS. */
int m6d_timer_add(struct m6d *d, struct m6d_timer *t, const char *name,
		  void (*fn)(struct m6d *d, struct m6d_timer *t));
void m6d_timer_arm(struct m6d_timer *t, double when);
/* Arms t at when unless it is already armed earlier. */
void m6d_timer_sooner(struct m6d_timer *t, double when);
void m6d_timer_stop(struct m6d_timer *t);
/* The earliest armed deadline, 0 when none. */
double m6d_timer_next(const struct m6d *d);
/* Runs (and disarms first) every timer whose deadline has passed. */
void m6d_timers_run(struct m6d *d);

/* ---- rate limiting (error messages) ---- */

struct m6d_rate {
	double rate, burst;	/* tokens per second, bucket size */
	double tokens, last;
};
bool m6d_rate_ok(struct m6d_rate *r, double now);

/* ---- what the roles need from the kernel ---- */

#define M6D_LINK_MAX_GLOBAL 8

struct m6d_link {
	int ifindex;
	uint8_t mac[6];
	bool has_mac;
	struct in6_addr ll;	/* a link-local address, if any */
	bool has_ll;
	size_t nglobal;
	struct {
		struct in6_addr a;
		int plen;
	} global[M6D_LINK_MAX_GLOBAL];
};

struct m6d_ops {
	double (*now)(struct m6d *d);
	/* A whole IPv6 packet; ifindex 0: routed on its destination, else
	 * sent out of that link (link-local and multicast destinations). */
	int (*send)(struct m6d *d, const uint8_t *pkt, size_t len, int ifindex);
	int (*tun_write)(struct m6d *d, const uint8_t *pkt, size_t len);
	int (*link)(struct m6d *d, const char *name, struct m6d_link *out);
	bool (*is_local)(struct m6d *d, const struct in6_addr *a);
	/* flags: IFA_F_NODAD, IFA_F_OPTIMISTIC ... */
	int (*addr)(struct m6d *d, bool add, int ifindex, const struct in6_addr *a, int plen,
		    uint32_t flags);
	/* gw NULL: on-link through oif. table 0: main. */
	int (*route)(struct m6d *d, bool add, uint32_t table, const struct in6_addr *dst, int plen,
		     const struct in6_addr *gw, int oif);
	/* from NULL: every source; fwmark 0: no mark match. */
	int (*rule)(struct m6d *d, bool add, uint32_t prio, const struct in6_addr *from,
		    uint32_t fwmark, uint32_t table);
	/* Proxy Neighbor Discovery for a on the link. */
	int (*proxy)(struct m6d *d, bool add, int ifindex, const struct in6_addr *a);
	/* Writes a sysctl (dotted key); the old value is restored at exit. */
	int (*sysctl)(struct m6d *d, const char *key, const char *value);
	/* Multicast or anycast membership of the ICMPv6 socket. */
	int (*group)(struct m6d *d, bool join, int ifindex, const struct in6_addr *a);
};

/* The real ones (netlink, raw sockets, the data plane). */
extern const struct m6d_ops m6d_kernel_ops;

/* ---- Mobility Header in and out ---- */

/* A received Mobility Header message with the addresses that matter. */
struct m6d_rx {
	struct m6_mh m;
	struct in6_addr src, dst;	/* IPv6 header (the inner one when tunnelled) */
	struct in6_addr home;		/* the HAO's address (hao) or the RH2's (rh2) */
	bool hao, rh2, tunnelled;
	struct in6_addr osrc, odst;	/* outer header when tunnelled */
	const uint8_t *mh;		/* the message as received */
	size_t mhlen;
	int ifindex;
};

/* How to send one: the IPv6 addresses, and what to wrap around it. */
struct m6d_tx {
	struct in6_addr src, dst;
	const struct in6_addr *hao;	/* home address for a HAO: src is the care-of address */
	const struct in6_addr *rh2;	/* home address for an RH2: dst is the care-of address */
	const struct in6_addr *tun_src, *tun_dst; /* IPv6-in-IPv6 around it */
	const uint8_t *kbm;		/* fills the BAD authenticator (m.has_bad) */
};

/*
 * m6d_send_mh and m6d_recv_mh are the only places where Mobility Header
 * messages leave and enter the daemon. ESP protection of the MN-HA
 * signalling (RFC 3776 / RFC 4877) will be added here: the SPD lookup and
 * ESP transport processing of a BU / BA between MN and HA wrap the packet
 * after it is built (send) and are undone before it is parsed (receive).
 */
int m6d_send_mh(struct m6d *d, const struct m6_mh *m, const struct m6d_tx *tx);
/* pkt is a whole IPv6 packet whose upper layer is the Mobility Header
 * (with a HAO and/or RH2 possibly in front); osrc/odst are the outer
 * addresses when it came out of the tunnel (else NULL). Checks the
 * checksum, parses, counts, answers an unknown type with a Binding Error
 * and dispatches the rest to the role. */
int m6d_recv_mh(struct m6d *d, const uint8_t *pkt, size_t len, int ifindex,
		const struct in6_addr *osrc, const struct in6_addr *odst);
/* Sends a built IPv6 packet with the HAO / RH2 / tunnel of tx applied
 * (ICMPv6 messages of the mobile prefix discovery use it). */
int m6d_send_pkt(struct m6d *d, const uint8_t *pkt, size_t len, const struct m6d_tx *tx);
/* Binding Error (rate limited): to `to` from `from`, Home Address field
 * home (NULL: unspecified). */
int m6d_send_be(struct m6d *d, uint8_t status, const struct in6_addr *from,
		const struct in6_addr *to, const struct in6_addr *home);
/* A Binding Acknowledgement to a BU received in rx: to its source, with an
 * RH2 carrying the home address when the BU had a HAO. kbm NULL: no BAD. */
int m6d_send_ba(struct m6d *d, const struct m6d_rx *rx, uint8_t status, uint16_t seq,
		uint32_t lifetime_s, const uint8_t *kbm);

/* Writes an IPv6 header (version 6, no flow label). */
void m6d_ip6_hdr(uint8_t *p, const struct in6_addr *src, const struct in6_addr *dst,
		 uint8_t nh, uint16_t plen, uint8_t hlim);

/* ---- role operations ---- */

struct m6d_icmp {
	struct in6_addr src, dst;
	int ifindex;
	int hlim;		/* -1 when unknown */
	const uint8_t *p;	/* the ICMPv6 message */
	size_t len;
};

struct m6d_role {
	const char *name;
	int (*init)(struct m6d *d, char *err, size_t errlen);
	void (*fini)(struct m6d *d);
	void (*on_mh)(struct m6d *d, const struct m6d_rx *rx);
	/* A packet the kernel routed into the TUN. */
	void (*on_tun)(struct m6d *d, const uint8_t *pkt, size_t len);
	/* The inner packet of IPv6-in-IPv6 addressed to us. */
	void (*on_41)(struct m6d *d, const uint8_t *inner, size_t len, const struct in6_addr *osrc,
		      const struct in6_addr *odst);
	/* A queued packet addressed to us that is not a Mobility Header
	 * (HAO, RH2): returns M6_NF_ACCEPT / DROP / MANGLE (out, *outlen). */
	int (*on_nfq)(struct m6d *d, const uint8_t *pkt, size_t len, const struct m6_pkt_info *pi,
		      int ifindex, uint8_t *out, size_t cap, size_t *outlen);
	void (*on_icmp6)(struct m6d *d, const struct m6d_icmp *ic);
	/* Fills the role part of the control socket's view. */
	void (*view)(struct m6d *d, struct m6_ctl_view *v);
};

extern const struct m6d_role m6d_role_cn, m6d_role_ha, m6d_role_mn;

/* ---- the daemon ---- */

/* Correspondent node state (the CN role, and the HA acting as a CN). */
struct m6d_cn {
	bool on;
	struct m6_rr_cn rr;
	struct m6d_timer tick;
};

struct m6d {
	struct m6_conf conf;
	const struct m6d_role *role;
	const struct m6d_ops *ops;
	void *ops_ctx;			/* for the ops of tests */
	bool kernel;			/* the kernel parts below are open */

	/* kernel side */
	struct m6_dp dp;
	bool dp_open;
	struct net_rtnl *nl;
	int icmp_fd;			/* ICMPv6 raw socket: ND, RA, DHAAD, MPS/MPA */
	int ll_fd;			/* IPPROTO_RAW for packets out of a given link */
	int ctl_fd, sig_fd;
	bool rules_added;
	/* local addresses (is_local), refreshed at most once a second on a miss */
	struct in6_addr *local;
	size_t nlocal;
	double local_time;
	bool local_stale;
	/* sysctls to restore */
	size_t nsysctl;
	struct {
		char key[96];
		char old[32];
	} sysctl[16];

	/* shared protocol state */
	struct m6_stats stats;
	struct m6_bcache *bc;		/* CN, HA */
	struct m6_bul bul;		/* MN */
	struct m6d_cn cn;
	struct m6d_rate err_rate;	/* Binding Errors and ICMPv6 errors */
	void *rs;			/* role state */

	/* timers */
	struct m6d_timer *timers[M6D_MAX_TIMERS];
	size_t ntimers;

	/* logging */
	FILE *log;
	bool log_owned;
	int level;
	char ntop[8][INET6_ADDRSTRLEN];
	unsigned ntop_i;

	volatile int quit;
	uint8_t buf[M6D_PKT_MAX];	/* packets read from the TUN / tunnel */
	uint8_t tx[M6D_PKT_MAX];	/* packets built to send */
};

/* Sets d up for the configuration: with &m6d_kernel_ops it opens the data
 * plane, the sockets, the control socket and the signals; with other ops
 * (tests) nothing of the kernel. Then the role starts. err gets a message. */
int m6d_init(struct m6d *d, const struct m6_conf *c, const struct m6d_ops *ops, void *ops_ctx,
	     char *err, size_t errlen);
/* Stops the role (it removes what it added) and closes the rest. */
void m6d_fini(struct m6d *d);
/* The event loop, until SIGINT / SIGTERM (d->quit). */
int m6d_run(struct m6d *d);
double m6d_now(struct m6d *d);
/* The control socket's view of the daemon. */
void m6d_view(struct m6d *d, struct m6_ctl_view *v);
/* The NFQUEUE verdict for a queued packet (also used by tests). */
int m6d_nfq(struct m6d *d, const uint8_t *pkt, size_t len, int ifindex, uint8_t *out,
	    size_t cap, size_t *outlen);
/* Routes a home address into the TUN (table M6D_TABLE) or removes it. */
int m6d_tun_route(struct m6d *d, bool add, const struct in6_addr *hoa);
bool m6d_prefix_match(const struct in6_addr *a, const struct in6_addr *p, int plen);

/* ---- correspondent node (cn.c; the HA uses it as well) ---- */

int m6d_cn_start(struct m6d *d);
/* HoTI, CoTI, a BU without the H flag. */
void m6d_cn_on_mh(struct m6d *d, const struct m6d_rx *rx);
/* A packet with a HAO to us: accepted and rewritten when a binding
 * matches, else Binding Error status 1 and dropped. */
int m6d_cn_hao_in(struct m6d *d, const uint8_t *pkt, size_t len, const struct m6_pkt_info *pi,
		  uint8_t *out, size_t cap, size_t *outlen);
/* A packet from the TUN to a home address bound here without home
 * registration: sent with an RH2. Returns 0, or -ENOENT without binding. */
int m6d_cn_tun_out(struct m6d *d, const uint8_t *pkt, size_t len);
/* Binding expiry: removes the route of an entry (CN or HA). */
void m6d_binding_gone(void *ctx, const struct m6_binding *b);
/* The periodic work of the CN part: nonces, expiry, Binding Refresh
 * Requests. */
void m6d_cn_tick(struct m6d *d);

/* ---- ICMPv6 and Neighbor Discovery (ndisc.c) ---- */

#define M6_ND_RS 133
#define M6_ND_RA 134
#define M6_ND_NS 135
#define M6_ND_NA 136
#define M6_DHAAD_REQ 144
#define M6_DHAAD_REP 145
#define M6_MPS 146
#define M6_MPA 147
#define M6_ICMP6_PARAM_PROB 4

#define M6_RA_H 0x20		/* RA flag: Home Agent */
#define M6_PIO_L 0x80
#define M6_PIO_A 0x40
#define M6_PIO_R 0x20		/* Router Address (RFC 6275 §7.2) */
#define M6_NA_R 0x80
#define M6_NA_S 0x40
#define M6_NA_O 0x20
#define M6_RA_MAX_PFX 8

struct m6_ra_pfx {
	struct in6_addr prefix;	/* the Prefix field (a full address when R is set) */
	uint8_t plen, flags;
	uint32_t valid, preferred;
};

struct m6_ra {
	struct in6_addr src;
	int ifindex;
	uint8_t cur_hlim, flags;	/* M 0x80, O 0x40, H 0x20 */
	uint16_t lifetime;		/* router lifetime, seconds */
	uint8_t mac[6];
	bool has_mac;
	size_t npfx;
	struct m6_ra_pfx pfx[M6_RA_MAX_PFX];
	bool has_ival;
	uint32_t ival_ms;		/* Advertisement Interval option (type 7) */
	bool has_hainfo;
	int16_t ha_pref;		/* Home Agent Information option (type 8) */
	uint16_t ha_life;
};

/* Parses the ICMPv6 part of a Router Advertisement (from its type byte).
 * -EINVAL with *why when malformed (options are length-checked). */
int m6_nd_parse_ra(const uint8_t *p, size_t len, struct m6_ra *ra, const char **why);
/* Neighbor Advertisement / Solicitation: target, flags (NA), and the
 * link-layer address option when present. */
int m6_nd_parse_na(const uint8_t *p, size_t len, struct in6_addr *target, uint8_t *flags,
		   uint8_t mac[6], bool *has_mac);
int m6_nd_parse_ns(const uint8_t *p, size_t len, struct in6_addr *target, uint8_t mac[6],
		   bool *has_mac);

/* Packet builders: a whole IPv6 packet (hop limit 255 for ND) with the
 * ICMPv6 checksum; *len gets its length. 0 or -ENOSPC. */
int m6_nd_build_ns(uint8_t *buf, size_t cap, size_t *len, const struct in6_addr *src,
		   const struct in6_addr *dst, const struct in6_addr *target, const uint8_t *mac);
int m6_nd_build_na(uint8_t *buf, size_t cap, size_t *len, const struct in6_addr *src,
		   const struct in6_addr *dst, const struct in6_addr *target, uint8_t flags,
		   const uint8_t *mac);
int m6_nd_build_rs(uint8_t *buf, size_t cap, size_t *len, const struct in6_addr *src,
		   const uint8_t *mac);
/* ICMPv6 message body (type, code 0, id, then data) into an IPv6 packet. */
int m6_icmp6_build(uint8_t *buf, size_t cap, size_t *len, const struct in6_addr *src,
		   const struct in6_addr *dst, uint8_t hlim, uint8_t type, uint8_t code,
		   const uint8_t *body, size_t blen);
uint16_t m6_csum6(const struct in6_addr *src, const struct in6_addr *dst, uint8_t nh,
		  const uint8_t *p, size_t len);

/* ff02::1:ffXX:XXXX of a. */
void m6_nd_solicited_node(const struct in6_addr *a, struct in6_addr *out);
/* The Mobile IPv6 Home-Agents anycast address of a prefix (RFC 2526). */
void m6_nd_ha_anycast(const struct in6_addr *prefix, int plen, struct in6_addr *out);
/* Modified EUI-64 interface identifier of a MAC address into the low 64
 * bits of a (the high 64 bits are kept). */
void m6_nd_eui64(struct in6_addr *a, const uint8_t mac[6]);

/* The kernel side: the ICMPv6 socket (filtered to RA, NS, NA, DHAAD and
 * mobile prefix messages) and the link-scoped raw socket. */
int m6_nd_open(struct m6d *d, char *err, size_t errlen);
void m6_nd_close(struct m6d *d);
/* Reads what is waiting on icmp_fd and hands it to the role. */
void m6_nd_input(struct m6d *d);
int m6_nd_ll_send(struct m6d *d, const uint8_t *pkt, size_t len, int ifindex);
int m6_nd_group(struct m6d *d, bool join, int ifindex, const struct in6_addr *a);
/* A proxy neighbour entry (NTF_PROXY): the kernel answers NS for it. */
int m6_nd_proxy_kernel(struct m6d *d, bool add, int ifindex, const struct in6_addr *a);

/* Home agents list (RFC 6275 §10.1), from RAs with the H flag. */
#define M6_HAL_MAX 16

struct m6_ha_entry {
	struct in6_addr ll;	/* the RA's source */
	struct in6_addr global;	/* from a prefix option with the R flag */
	bool has_global;
	int ifindex;
	int16_t pref;
	double expires;
};

struct m6_halist {
	size_t n;
	struct m6_ha_entry e[M6_HAL_MAX];
};

/* Updates the list from an RA (an RA without the H flag or with a zero
 * home agent lifetime removes its sender). */
void m6_halist_ra(struct m6_halist *l, const struct m6_ra *ra, double now);
void m6_halist_expire(struct m6_halist *l, double now);
/* Global addresses of the home agents on ifindex, highest preference
 * first; returns how many were written. */
size_t m6_halist_addrs(const struct m6_halist *l, int ifindex, struct in6_addr *out, size_t max);

/* ---- movement detection (movement.c), pure logic on RA / NA events ---- */

struct m6_rtr {
	bool valid;
	struct in6_addr ll;
	int ifindex;
	uint8_t mac[6];
	bool has_mac;
	bool has_prefix;
	struct in6_addr prefix;	/* first autonomous prefix (care-of address) */
	int plen;
	uint32_t ival_ms;	/* Advertisement Interval, 0: none */
	uint16_t lifetime;
	double last_ra;
};

enum m6_mv_act {
	M6_MV_NONE = 0,
	M6_MV_PROBE,	/* send a NUD probe (unicast NS) to cur.ll */
	M6_MV_ATTACH,	/* cur is a router we had no router before (first, or after LOST) */
	M6_MV_MOVED,	/* the old router failed NUD: cur is now the new one */
	M6_MV_LOST,	/* the old router failed NUD and there is no other */
};

struct m6_move {
	struct m6_rtr cur, cand;
	bool probing;
	int probes_left;
	double probe_deadline;
	int probes;		/* MnRouterProbes */
	double probe_timeout;	/* MnRouterProbeTimeout */
};

void m6_move_init(struct m6_move *mv, int probes, double probe_timeout);
enum m6_mv_act m6_move_ra(struct m6_move *mv, const struct m6_ra *ra, double now);
enum m6_mv_act m6_move_na(struct m6_move *mv, const struct in6_addr *target, int ifindex,
			  double now);
enum m6_mv_act m6_move_tick(struct m6_move *mv, double now);
/* When m6_move_tick should run next (0: nothing pending). */
double m6_move_next(const struct m6_move *mv);
const char *m6_move_act_name(enum m6_mv_act a);

#endif
