/*
 * mip6d.conf: the daemon's configuration, in the syntax of the widely used
 * mip6d.conf format (statements ending in ';', blocks in braces, strings in
 * double quotes, '#' comments). Keywords of that format that apply here are
 * accepted (NodeConfig, DebugLevel, Interface, MnHomeLink, HomeAddress,
 * HomeAgentAddress, DoRouteOptimizationCN/MN, lifetimes ...); keywords of it
 * that do not apply (IPsec policy sets while ESP protection is not built)
 * are accepted with a warning; anything else is an error "FILE:LINE: msg".
 * docs/mip6d-conf.md lists every keyword.
 */
#ifndef V6LAB_M6_MCONF_H
#define V6LAB_M6_MCONF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum m6_role { M6_ROLE_NONE = 0, M6_ROLE_CN, M6_ROLE_HA, M6_ROLE_MN };

#define M6_MAX_IFACES 8
#define M6_MAX_HOMELINKS 4
#define M6_IFNAMSIZ 16
#define M6_CTL_PATH "/run/mip6d.sock"	/* default ControlSocket (mip6ctl -s) */

struct m6_iface {
	char name[M6_IFNAMSIZ];
	int preference;		/* MnIfPreference (MN; lower is preferred), default 5 */
	int line;
};

struct m6_homelink {
	char ifname[M6_IFNAMSIZ];	/* MnHomeLink "IF" */
	struct in6_addr ha;		/* HomeAgentAddress (:: = discover with DHAAD) */
	struct in6_addr hoa;		/* HomeAddress ADDR/PLEN */
	int plen;
	int line;
};

struct m6_conf {
	char file[256];
	enum m6_role role;		/* NodeConfig CN|HA|MN (required) */
	int debug_level;		/* DebugLevel, default 0 */
	char debug_log[256];		/* DebugLogFile ("" = stderr) */
	bool ro_cn;			/* DoRouteOptimizationCN, default enabled */
	bool ro_mn;			/* DoRouteOptimizationMN, default enabled */
	uint32_t ha_max_life;		/* HaMaxBindingLife, seconds, default 262140 */
	uint32_t mn_max_ha_life;	/* MnMaxHaBindingLife, default 262140 */
	uint32_t mn_max_cn_life;	/* MnMaxCnBindingLife, default 420 */
	uint32_t max_bindings;		/* MaxBindingCacheEntries (ours), default 1000000 */
	int mn_router_probes;		/* MnRouterProbes: NUD probes of the old router, default 1 */
	double mn_router_probe_timeout;	/* MnRouterProbeTimeout, seconds, default 1.0 */
	double initial_bindack_timeout_first_reg; /* InitialBindackTimeoutFirstReg, 1.5 */
	bool mn_discard_ha_param_prob;	/* MnDiscardHaParamProb, default disabled */
	bool optimistic_handoff;	/* OptimisticHandoff, default disabled */
	bool use_cn_bu_ack;		/* UseCnBuAck: A flag in BUs to correspondents, default disabled */
	bool send_mob_pfx_sols;		/* SendMobPfxSols, default enabled */
	bool send_mob_pfx_advs;		/* SendMobPfxAdvs, default enabled */
	bool send_unsol_mob_pfx_advs;	/* SendUnsolMobPfxAdvs, default enabled */
	uint32_t max_mob_pfx_adv_interval; /* MaxMobPfxAdvInterval, default 86400 */
	uint32_t min_mob_pfx_adv_interval; /* MinMobPfxAdvInterval, default 600 */
	bool use_mn_ha_ipsec;		/* UseMnHaIPsec: must stay disabled for now */
	bool key_mng_mob_capability;	/* KeyMngMobCapability (K flag) */
	size_t nifaces;
	struct m6_iface ifaces[M6_MAX_IFACES];	/* Interface "IF" [{ ... }] */
	size_t nhomelinks;
	struct m6_homelink homelinks[M6_MAX_HOMELINKS];
	/* data plane (keywords of ours) */
	char tun_name[M6_IFNAMSIZ];	/* TunnelDevice, default "mip6tun" */
	uint16_t nfqueue;		/* NfQueue, default 135 */
	char ctl_path[256];		/* ControlSocket, default /run/mip6d.sock */
	/* warnings for accepted keywords that do not apply */
	size_t nwarn;
	char warn[8][160];
};

/* Defaults for every field. */
void m6_conf_defaults(struct m6_conf *c);
/* Parses text (name for messages). Errors: "NAME:LINE: message" in err,
 * -EINVAL. Checks: NodeConfig given; MN needs one MnHomeLink with a
 * HomeAddress and an Interface; UseMnHaIPsec enabled is refused (not built). */
int m6_conf_parse(const char *name, const char *text, struct m6_conf *c, char *err, size_t errlen);
int m6_conf_load(const char *path, struct m6_conf *c, char *err, size_t errlen);

#endif
