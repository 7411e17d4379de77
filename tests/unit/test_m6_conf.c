/*
 * mip6d.conf (src/mip6/mconf.c): a full home agent, correspondent node and
 * mobile node configuration in the widely used syntax read field by field;
 * the defaults; warnings for the keywords of the format that are accepted
 * and ignored; every error with its file and line; loading from a file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"

#include "mconf.h"

static struct m6_conf c;
static char err[512];

static bool addr_eq(const struct in6_addr *a, const char *s)
{
	struct in6_addr b;

	return inet_pton(AF_INET6, s, &b) == 1 && !memcmp(a, &b, 16);
}

static const char ha_conf[] =
	"# Home agent on the home link eth0\n"			/* 1 */
	"NodeConfig HA;\n"					/* 2 */
	"DebugLevel 3;\n"					/* 3 */
	"DebugLogFile \"/var/log/mip6d.log\";\n"		/* 4 */
	"\n"							/* 5 */
	"Interface \"eth0\";\n"					/* 6 */
	"HaMaxBindingLife 3600;   # one hour\n"		/* 7 */
	"SendMobPfxAdvs enabled;\n"				/* 8 */
	"SendUnsolMobPfxAdvs disabled;\n"			/* 9 */
	"MinMobPfxAdvInterval 60;\n"				/* 10 */
	"MaxMobPfxAdvInterval 7200;\n"				/* 11 */
	"DoRouteOptimizationCN disabled;\n"			/* 12 */
	"UseMnHaIPsec disabled;\n"				/* 13 */
	"KeyMngMobCapability disabled;\n"			/* 14 */
	"TunnelDevice \"ha-tun\";\n"				/* 15 */
	"NfQueue 7;\n"						/* 16 */
	"ControlSocket \"/run/test-ha.sock\";\n"		/* 17 */
	"MaxBindingCacheEntries 200000;\n"			/* 18 */
	"DefaultBindingAclPolicy allow;\n"			/* 19 */
	"BindingAclPolicy 2001:db8:1::1000 allow;\n"		/* 20 */
	"IPsecPolicySet {\n"					/* 21 */
	"\tHomeAgentAddress 2001:db8:1::1;\n"			/* 22 */
	"\tHomeAddress 2001:db8:1::1000/64;\n"			/* 23 */
	"\tIPsecPolicy HomeRegBinding UseESP;\n"		/* 24 */
	"\tIPsecPolicy MobPfxDisc UseESP;\n"			/* 25 */
	"}\n";							/* 26 */

static const char cn_conf[] =
	"NodeConfig CN;\n"
	"DoRouteOptimizationCN enabled;\n"
	"DebugLevel 0;\n"
	"NonVolatileBindingCache disabled;\n";

static const char mn_conf[] =
	"# Mobile node\n"					/* 1 */
	"NodeConfig MN;\n"					/* 2 */
	"DebugLevel 10;\n"					/* 3 */
	"DoRouteOptimizationMN enabled;\n"			/* 4 */
	"MnMaxHaBindingLife 600;\n"				/* 5 */
	"MnMaxCnBindingLife 300;\n"				/* 6 */
	"MnRouterProbes 2;\n"					/* 7 */
	"MnRouterProbeTimeout 0.5;\n"				/* 8 */
	"InitialBindackTimeoutFirstReg 2.5;\n"			/* 9 */
	"MnDiscardHaParamProb enabled;\n"			/* 10 */
	"OptimisticHandoff enabled;\n"				/* 11 */
	"SendMobPfxSols disabled;\n"				/* 12 */
	"UseMnHaIPsec disabled;\n"				/* 13 */
	"KeyMngMobCapability disabled;\n"			/* 14 */
	"Interface \"eth0\" {\n"				/* 15 */
	"\tMnIfPreference 1;\n"					/* 16 */
	"}\n"							/* 17 */
	"Interface \"wlan0\" { MnIfPreference 3; };\n"		/* 18 */
	"Interface \"eth1\";\n"					/* 19 */
	"MnHomeLink \"eth0\" {\n"				/* 20 */
	"\tHomeAgentAddress 2001:db8:1::1;\n"			/* 21 */
	"\tHomeAddress 2001:db8:1::1000/64;\n"			/* 22 */
	"}\n"							/* 23 */
	"MnRoPolicy 2001:db8:3::1 enabled;\n"			/* 24 */
	"MnUseAllInterfaces disabled;\n";			/* 25 */

static void test_defaults(void)
{
	m6_conf_defaults(&c);
	T_EQ_U(c.role, M6_ROLE_NONE, "no role by default");
	T_OK(c.ro_cn && c.ro_mn, "route optimisation enabled by default");
	T_EQ_U(c.ha_max_life, 262140, "HaMaxBindingLife 262140");
	T_EQ_U(c.mn_max_ha_life, 262140, "MnMaxHaBindingLife 262140");
	T_EQ_U(c.mn_max_cn_life, 420, "MnMaxCnBindingLife 420");
	T_EQ_U(c.max_bindings, 1000000, "MaxBindingCacheEntries 1000000");
	T_EQ_U(c.mn_router_probes, 1, "MnRouterProbes 1");
	T_OK(c.mn_router_probe_timeout == 1.0, "MnRouterProbeTimeout 1.0");
	T_OK(c.initial_bindack_timeout_first_reg == 1.5, "InitialBindackTimeoutFirstReg 1.5");
	T_OK(c.send_mob_pfx_sols && c.send_mob_pfx_advs && c.send_unsol_mob_pfx_advs,
	     "prefix discovery enabled");
	T_OK(!c.mn_discard_ha_param_prob && !c.optimistic_handoff && !c.use_mn_ha_ipsec &&
	     !c.key_mng_mob_capability, "the others disabled");
	T_EQ_U(c.max_mob_pfx_adv_interval, 86400, "MaxMobPfxAdvInterval 86400");
	T_EQ_U(c.min_mob_pfx_adv_interval, 600, "MinMobPfxAdvInterval 600");
	T_EQ_S(c.tun_name, "mip6tun", "TunnelDevice mip6tun");
	T_EQ_U(c.nfqueue, 135, "NfQueue 135");
	T_EQ_S(c.ctl_path, "/run/mip6d.sock", "ControlSocket /run/mip6d.sock");
	T_EQ_S(c.debug_log, "", "log to stderr");
}

static void test_ha(void)
{
	int rc = m6_conf_parse("ha.conf", ha_conf, &c, err, sizeof(err));

	T_EQ_U(rc, 0, "HA configuration parses");
	if (rc)
		printf("#   %s\n", err);
	T_EQ_S(c.file, "ha.conf", "file name kept");
	T_EQ_U(c.role, M6_ROLE_HA, "NodeConfig HA");
	T_EQ_U(c.debug_level, 3, "DebugLevel 3");
	T_EQ_S(c.debug_log, "/var/log/mip6d.log", "DebugLogFile");
	T_EQ_U(c.nifaces, 1, "one interface");
	T_EQ_S(c.ifaces[0].name, "eth0", "Interface eth0");
	T_EQ_U(c.ifaces[0].line, 6, "on line 6");
	T_EQ_U(c.ifaces[0].preference, 5, "default preference 5");
	T_EQ_U(c.ha_max_life, 3600, "HaMaxBindingLife 3600");
	T_OK(c.send_mob_pfx_advs && !c.send_unsol_mob_pfx_advs, "prefix advertisement switches");
	T_EQ_U(c.min_mob_pfx_adv_interval, 60, "MinMobPfxAdvInterval");
	T_EQ_U(c.max_mob_pfx_adv_interval, 7200, "MaxMobPfxAdvInterval");
	T_OK(!c.ro_cn, "DoRouteOptimizationCN disabled");
	T_OK(c.ro_mn, "DoRouteOptimizationMN untouched");
	T_OK(!c.use_mn_ha_ipsec && !c.key_mng_mob_capability, "IPsec and K disabled");
	T_EQ_S(c.tun_name, "ha-tun", "TunnelDevice");
	T_EQ_U(c.nfqueue, 7, "NfQueue");
	T_EQ_S(c.ctl_path, "/run/test-ha.sock", "ControlSocket");
	T_EQ_U(c.max_bindings, 200000, "MaxBindingCacheEntries");
	T_EQ_U(c.nhomelinks, 0, "the addresses inside IPsecPolicySet are not home links");
	T_EQ_U(c.nwarn, 3, "three warnings");
	T_EQ_S(c.warn[0], "ha.conf:19: DefaultBindingAclPolicy is accepted and ignored: "
			  "binding access lists are not implemented", "warning 1");
	T_EQ_S(c.warn[1], "ha.conf:20: BindingAclPolicy is accepted and ignored: "
			  "binding access lists are not implemented", "warning 2");
	T_EQ_S(c.warn[2], "ha.conf:21: IPsecPolicySet is accepted and ignored: "
			  "ESP protection of MN-HA signalling is not built", "warning 3");
}

static void test_cn(void)
{
	int rc = m6_conf_parse("cn.conf", cn_conf, &c, err, sizeof(err));

	T_EQ_U(rc, 0, "CN configuration parses");
	T_EQ_U(c.role, M6_ROLE_CN, "NodeConfig CN");
	T_OK(c.ro_cn, "DoRouteOptimizationCN enabled");
	T_EQ_U(c.debug_level, 0, "DebugLevel 0");
	T_EQ_U(c.nifaces, 0, "a CN needs no Interface");
	T_EQ_U(c.nwarn, 1, "one warning");
	T_EQ_S(c.warn[0], "cn.conf:4: NonVolatileBindingCache is accepted and ignored: "
			  "the binding cache is not kept across restarts",
	       "NonVolatileBindingCache");
}

static void test_mn(void)
{
	int rc = m6_conf_parse("mn.conf", mn_conf, &c, err, sizeof(err));

	T_EQ_U(rc, 0, "MN configuration parses");
	if (rc)
		printf("#   %s\n", err);
	T_EQ_U(c.role, M6_ROLE_MN, "NodeConfig MN");
	T_EQ_U(c.debug_level, 10, "DebugLevel 10");
	T_OK(c.ro_mn, "DoRouteOptimizationMN");
	T_EQ_U(c.mn_max_ha_life, 600, "MnMaxHaBindingLife");
	T_EQ_U(c.mn_max_cn_life, 300, "MnMaxCnBindingLife");
	T_EQ_U(c.mn_router_probes, 2, "MnRouterProbes");
	T_OK(c.mn_router_probe_timeout == 0.5, "MnRouterProbeTimeout 0.5");
	T_OK(c.initial_bindack_timeout_first_reg == 2.5, "InitialBindackTimeoutFirstReg 2.5");
	T_OK(c.mn_discard_ha_param_prob && c.optimistic_handoff, "two switches on");
	T_OK(!c.send_mob_pfx_sols, "SendMobPfxSols disabled");
	T_EQ_U(c.nifaces, 3, "three interfaces");
	T_OK(!strcmp(c.ifaces[0].name, "eth0") && c.ifaces[0].preference == 1 &&
	     c.ifaces[0].line == 15, "eth0 preference 1, line 15");
	T_OK(!strcmp(c.ifaces[1].name, "wlan0") && c.ifaces[1].preference == 3 &&
	     c.ifaces[1].line == 18, "wlan0 preference 3 (one-line block with ';')");
	T_OK(!strcmp(c.ifaces[2].name, "eth1") && c.ifaces[2].preference == 5,
	     "eth1 default preference");
	T_EQ_U(c.nhomelinks, 1, "one home link");
	T_EQ_S(c.homelinks[0].ifname, "eth0", "MnHomeLink eth0");
	T_OK(addr_eq(&c.homelinks[0].ha, "2001:db8:1::1"), "HomeAgentAddress");
	T_OK(addr_eq(&c.homelinks[0].hoa, "2001:db8:1::1000"), "HomeAddress");
	T_EQ_U(c.homelinks[0].plen, 64, "prefix length 64");
	T_EQ_U(c.homelinks[0].line, 20, "on line 20");
	T_EQ_U(c.nwarn, 2, "two warnings");
	T_EQ_S(c.warn[0], "mn.conf:24: MnRoPolicy is accepted and ignored: route optimisation "
			  "follows DoRouteOptimizationMN", "MnRoPolicy");
	T_EQ_S(c.warn[1], "mn.conf:25: MnUseAllInterfaces is accepted and ignored: the "
			  "interfaces named by Interface are used", "MnUseAllInterfaces");

	/* A home link with HomeAgentAddress left out: discover it (DHAAD). */
	rc = m6_conf_parse("mn2.conf",
			   "NodeConfig MN; Interface \"eth0\";\n"
			   "MnHomeLink \"eth0\" { HomeAddress 2001:db8:1::1000/64;"
			   " MnRoPolicy x; }\n",
			   &c, err, sizeof(err));
	T_EQ_U(rc, 0, "MN without HomeAgentAddress parses");
	T_OK(addr_eq(&c.homelinks[0].ha, "::"), "home agent :: (to be discovered)");
	T_EQ_U(c.nwarn, 1, "MnRoPolicy inside MnHomeLink: a warning too");
}

static void test_others_ignored(void)
{
	static const char text[] =
		"NodeConfig HA;\n"
		"MnUseAllInterfaces enabled;\n"
		"MobRtrUseExplicitMode enabled;\n"
		"HaAcceptMobRtr enabled;\n"
		"HaServedPrefix 2001:db8:10::/48;\n"
		"CnBindingPolicySet {\n"
		"  2001:db8:3::1 2001:db8:1::1000 enabled; { nested } \"str}\" ;\n"
		"};\n"
		"MnRoPolicy 2001:db8:3::1 disabled;\n";
	int rc = m6_conf_parse("x", text, &c, err, sizeof(err));

	T_EQ_U(rc, 0, "all accepted-and-ignored keywords parse");
	if (rc)
		printf("#   %s\n", err);
	T_EQ_U(c.nwarn, 6, "six warnings");
	T_EQ_S(c.warn[1], "x:3: MobRtrUseExplicitMode is accepted and ignored: network mobility "
			  "(mobile routers) is not implemented", "MobRtrUseExplicitMode");
	T_EQ_S(c.warn[4], "x:6: CnBindingPolicySet is accepted and ignored: route optimisation "
			  "follows DoRouteOptimizationCN", "a block, with a nested block and a "
							   "brace in a string, skipped");
	T_EQ_S(c.warn[5], "x:9: MnRoPolicy is accepted and ignored: route optimisation follows "
			  "DoRouteOptimizationMN", "parsing goes on after the block");
}

static void expect_err(const char *text, const char *want)
{
	int rc = m6_conf_parse("t.conf", text, &c, err, sizeof(err));

	T_EQ_U(rc, -EINVAL, "error: %s", want);
	T_EQ_S(err, want, "  message");
}

#define MN_OK "Interface \"eth0\";\n"
#define A50 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void test_errors(void)
{
	expect_err("NodeConfig HA;\nFoo 1;\n", "t.conf:2: unknown keyword 'Foo'");
	expect_err("nodeconfig HA;\n", "t.conf:1: unknown keyword 'nodeconfig' (did you mean "
				       "'NodeConfig'?)");
	expect_err("NodeConfig HA;\nUseCnBuAck maybe;\n",
		   "t.conf:2: UseCnBuAck takes enabled or disabled, not 'maybe'");
	expect_err("NodeConfig HA\nDebugLevel 1;\n",
		   "t.conf:1: missing ';' after NodeConfig (found 'DebugLevel')");
	expect_err("NodeConfig HA;\nDebugLevel 1", "t.conf:2: missing ';' after DebugLevel (found "
						   "the end of the file)");
	expect_err("NodeConfig HA;\nBindingAclPolicy 2001:db8::1 allow\n",
		   "t.conf:2: missing ';' after BindingAclPolicy");
	expect_err("NodeConfig HA;\nDebugLevel;\n", "t.conf:2: DebugLevel needs a value before "
						    "';'");
	expect_err("NodeConfig MN;\nInterface \"eth0\" {\n  MnIfPreference 1;\n",
		   "t.conf:2: unbalanced braces: the Interface block is not closed by the end "
		   "of the file");
	expect_err("NodeConfig HA;\n}\n", "t.conf:2: unbalanced braces: '}' without a '{'");
	expect_err("NodeConfig HA;\nIPsecPolicySet {\n { }\n",
		   "t.conf:2: unbalanced braces: the IPsecPolicySet block is not closed by the "
		   "end of the file");
	expect_err("NodeConfig HA;\nHaServedPrefix 2001:db8::/64 }\n",
		   "t.conf:2: missing ';' after HaServedPrefix (found '}')");
	expect_err("NodeConfig MN;\n" MN_OK "MnHomeLink \"eth0\" {\n"
		   "  HomeAgentAddress 2001:db8::zz;\n}\n",
		   "t.conf:4: HomeAgentAddress: bad IPv6 address '2001:db8::zz'");
	expect_err("NodeConfig MN;\n" MN_OK "MnHomeLink \"eth0\" {\n"
		   "  HomeAgentAddress ff02::2;\n}\n",
		   "t.conf:4: HomeAgentAddress: ff02::2 is a multicast address");
	expect_err("NodeConfig MN;\n" MN_OK "MnHomeLink \"eth0\" {\n"
		   "  HomeAddress 2001:db8:1::1000;\n}\n",
		   "t.conf:4: HomeAddress: bad prefix '2001:db8:1::1000' (want ADDRESS/LENGTH)");
	expect_err("NodeConfig MN;\n" MN_OK "MnHomeLink \"eth0\" {\n"
		   "  HomeAddress 2001:db8:1::1000/129;\n}\n",
		   "t.conf:4: HomeAddress 129 is out of range (1..128)");
	expect_err("NodeConfig MN;\n" MN_OK "MnHomeLink \"eth0\" {\n"
		   "  HomeAddress 2001:db8:1::1000/x;\n}\n",
		   "t.conf:4: HomeAddress: bad prefix length in '2001:db8:1::1000/x'");
	expect_err("NodeConfig MN;\n" MN_OK "MnHomeLink \"eth0\" {\n"
		   "  HomeAddress 2001:db8:1:::1/64;\n}\n",
		   "t.conf:4: HomeAddress: bad IPv6 address '2001:db8:1:::1' in "
		   "'2001:db8:1:::1/64'");
	expect_err("NodeConfig MN;\n" MN_OK "MnHomeLink \"eth0\" {\n"
		   "  HomeAddress fe80::1/64;\n}\n",
		   "t.conf:4: HomeAddress: fe80::1 is not a global unicast address");
	expect_err("NodeConfig MN;\n" MN_OK "MnHomeLink \"eth0\" {\n"
		   "  HomeAddress 2001:db8:1::1/64;\n  HomeAddress 2001:db8:1::2/64;\n}\n",
		   "t.conf:5: HomeAddress given twice in MnHomeLink \"eth0\" (first on line 4)");
	expect_err("NodeConfig HA;\nDebugLevel 11;\n", "t.conf:2: DebugLevel 11 is out of range "
						       "(0..10)");
	expect_err("NodeConfig HA;\nDebugLevel -1;\n", "t.conf:2: DebugLevel -1 is out of range "
						       "(0..10)");
	expect_err("NodeConfig HA;\nDebugLevel 1x;\n", "t.conf:2: DebugLevel needs a whole number, "
						       "not '1x'");
	expect_err("NodeConfig HA;\nNfQueue 65536;\n", "t.conf:2: NfQueue 65536 is out of range "
						       "(0..65535)");
	expect_err("NodeConfig HA;\nHaMaxBindingLife 262141;\n",
		   "t.conf:2: HaMaxBindingLife 262141 is out of range (4..262140)");
	expect_err("NodeConfig HA;\nHaMaxBindingLife 99999999999999999999;\n",
		   "t.conf:2: HaMaxBindingLife 99999999999999999999 is out of range (4..262140)");
	expect_err("NodeConfig MN;\nMnMaxCnBindingLife 421;\n",
		   "t.conf:2: MnMaxCnBindingLife 421 is out of range (4..420)");
	expect_err("NodeConfig MN;\nMnRouterProbeTimeout 0;\n",
		   "t.conf:2: MnRouterProbeTimeout 0 is out of range (0.01..60)");
	expect_err("NodeConfig MN;\nMnRouterProbeTimeout nan;\n",
		   "t.conf:2: MnRouterProbeTimeout needs a number of seconds, not 'nan'");
	expect_err("NodeConfig MN;\nInitialBindackTimeoutFirstReg 1.5s;\n",
		   "t.conf:2: InitialBindackTimeoutFirstReg needs a number of seconds, not '1.5s'");
	expect_err("NodeConfig HA;\nMaxBindingCacheEntries 0;\n",
		   "t.conf:2: MaxBindingCacheEntries 0 is out of range (1..100000000)");
	expect_err("NodeConfig MN;\nDoRouteOptimizationMN yes;\n",
		   "t.conf:2: DoRouteOptimizationMN takes enabled or disabled, not 'yes'");
	expect_err("NodeConfig MN;\nInterface \"eth0\";\nInterface \"eth1\";\n"
		   "Interface \"eth0\";\n",
		   "t.conf:4: duplicate Interface \"eth0\" (first on line 2)");
	expect_err("NodeConfig MN;\nInterface \"a-very-long-ifname\";\n",
		   "t.conf:2: Interface: 'a-very-long-ifname' is not an interface name (1 to 15 "
		   "characters, no '/' or space)");
	expect_err("NodeConfig MN;\nInterface \"\";\n",
		   "t.conf:2: Interface: '' is not an interface name (1 to 15 characters, no '/' "
		   "or space)");
	expect_err("NodeConfig MN;\nInterface eth0;\n",
		   "t.conf:2: Interface needs a string in double quotes, not 'eth0'");
	expect_err("NodeConfig \"HA\";\n", "t.conf:1: NodeConfig takes a word, not the string "
					   "\"HA\"");
	expect_err("NodeConfig XY;\n", "t.conf:1: NodeConfig takes CN, HA or MN, not 'XY'");
	expect_err("NodeConfig HA;\n\nNodeConfig CN;\n",
		   "t.conf:3: NodeConfig given twice (first on line 1)");
	expect_err("DebugLevel 1;\n", "t.conf:1: NodeConfig is missing (CN, HA or MN)");
	expect_err("", "t.conf:1: NodeConfig is missing (CN, HA or MN)");
	expect_err("# nothing\n\nDebugLevel 1;", "t.conf:3: NodeConfig is missing (CN, HA or MN)");
	expect_err("NodeConfig MN;\n" MN_OK,
		   "t.conf:1: NodeConfig MN needs an MnHomeLink block with a HomeAddress");
	expect_err("NodeConfig MN;\n" MN_OK "MnHomeLink \"eth0\" {\n"
		   "  HomeAgentAddress 2001:db8:1::1;\n}\n",
		   "t.conf:3: MnHomeLink \"eth0\" has no HomeAddress");
	expect_err("NodeConfig MN;\nMnHomeLink \"eth0\" {\n"
		   "  HomeAddress 2001:db8:1::1000/64;\n}\n",
		   "t.conf:1: NodeConfig MN needs at least one Interface");
	expect_err("NodeConfig MN;\nMnHomeLink \"eth0\";\n",
		   "t.conf:2: MnHomeLink \"eth0\" needs a block in braces, found ';'");
	expect_err("NodeConfig MN;\nUseMnHaIPsec enabled;\n",
		   "t.conf:2: UseMnHaIPsec enabled: ESP protection of MN-HA signalling is not "
		   "built (write UseMnHaIPsec disabled)");
	expect_err("NodeConfig HA;\nHomeAddress 2001:db8::1/64;\n",
		   "t.conf:2: 'HomeAddress' belongs inside an MnHomeLink block");
	expect_err("NodeConfig HA;\nMnIfPreference 1;\n",
		   "t.conf:2: 'MnIfPreference' belongs inside an Interface block");
	expect_err("NodeConfig MN;\nInterface \"eth0\" {\n  DebugLevel 1;\n}\n",
		   "t.conf:3: 'DebugLevel' does not belong inside an Interface block");
	expect_err("NodeConfig MN;\nInterface \"eth0\" {\n  MnIfPreference 0;\n}\n",
		   "t.conf:3: MnIfPreference 0 is out of range (1..255)");
	expect_err("NodeConfig HA;\nDebugLogFile \"/var/log\n\";\n",
		   "t.conf:2: string not closed before the end of the line");
	expect_err("NodeConfig HA;\nDebugLogFile \"\";\n",
		   "t.conf:2: DebugLogFile needs a non-empty string");
	expect_err("NodeConfig HA;\nControlSocket \"/run/" A50 A50 "aaaaaa\";\n",
		   "t.conf:2: ControlSocket: \"/run/" A50 A50 "aaaaaa\" is longer than 107 "
		   "bytes");
	expect_err("NodeConfig HA;\nTunnelDevice \"a/b\";\n",
		   "t.conf:2: TunnelDevice: 'a/b' is not an interface name (1 to 15 characters, no "
		   "'/' or space)");
	expect_err("NodeConfig HA;\nMinMobPfxAdvInterval 9000;\nMaxMobPfxAdvInterval 8000;\n",
		   "t.conf:3: MinMobPfxAdvInterval 9000 is above MaxMobPfxAdvInterval 8000");
	expect_err("NodeConfig HA;\n; DebugLevel 1;\n", "t.conf:2: expected a keyword, found ';'");
	expect_err("NodeConfig HA;\n\"x\";\n", "t.conf:2: expected a keyword, found \"x\"");
	expect_err("NodeConfig HA;\nDebugLevel \x01;\n", "t.conf:2: unexpected byte 0x01");
	expect_err("NodeConfig HA;\nDebugLevel 1 2;\n", "t.conf:2: missing ';' after DebugLevel "
							"(found '2')");
	T_OK(m6_conf_parse("t.conf", "NodeConfig HA;\nFoo;\n", &c, NULL, 0) == -EINVAL,
	     "no error buffer: still -EINVAL");
}

static void test_load(void)
{
	char path[] = "/tmp/m6conf-XXXXXX";
	int fd = mkstemp(path);
	int rc;

	T_OK(fd >= 0, "temporary file");
	if (fd < 0)
		return;
	T_OK(write(fd, mn_conf, strlen(mn_conf)) == (ssize_t)strlen(mn_conf), "written");
	close(fd);
	rc = m6_conf_load(path, &c, err, sizeof(err));
	T_EQ_U(rc, 0, "loads");
	T_EQ_U(c.role, M6_ROLE_MN, "MN from the file");
	T_EQ_S(c.file, path, "file name");
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd >= 0) {
		T_OK(write(fd, "Bogus;\n", 7) == 7, "appended a bad line");
		close(fd);
	}
	rc = m6_conf_load(path, &c, err, sizeof(err));
	T_EQ_U(rc, -EINVAL, "bad line refused");
	char want[128];

	snprintf(want, sizeof(want), "%s:26: unknown keyword 'Bogus'", path);
	T_EQ_S(err, want, "error names the file and line 26");
	unlink(path);
	rc = m6_conf_load(path, &c, err, sizeof(err));
	T_EQ_U(rc, -ENOENT, "missing file: -ENOENT");
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	T_EQ_S(err, want, "message");
	rc = m6_conf_load("/tmp", &c, err, sizeof(err));
	T_OK(rc < 0 && strstr(err, "not a regular file"), "a directory is refused");
}

int main(void)
{
	test_defaults();
	test_ha();
	test_cn();
	test_mn();
	test_others_ignored();
	test_errors();
	test_load();
	return t_done();
}
