/*
 * Fuzz target for the mip6d.conf reader: the input is the text of a
 * configuration file. A refused one must have a "fuzz.conf:LINE: " message;
 * an accepted one a role, and the checks made at the end must hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_dict.h"
#include "mconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const words[] = {
		"NodeConfig ", "CN", "HA", "MN", "DebugLevel ", "DebugLogFile ",
		"DoRouteOptimizationCN ", "DoRouteOptimizationMN ", "HaMaxBindingLife ",
		"MnMaxHaBindingLife ", "MnMaxCnBindingLife ", "MnRouterProbes ",
		"MnRouterProbeTimeout ", "InitialBindackTimeoutFirstReg ", "MnDiscardHaParamProb ",
		"OptimisticHandoff ", "SendMobPfxSols ", "SendMobPfxAdvs ", "SendUnsolMobPfxAdvs ",
		"MaxMobPfxAdvInterval ", "MinMobPfxAdvInterval ", "UseMnHaIPsec ",
		"KeyMngMobCapability ", "Interface ", "MnIfPreference ", "MnHomeLink ",
		"HomeAgentAddress ", "HomeAddress ", "TunnelDevice ", "NfQueue ", "ControlSocket ",
		"MaxBindingCacheEntries ", "IPsecPolicySet ", "BindingAclPolicy ",
		"DefaultBindingAclPolicy ", "NonVolatileBindingCache ", "MnUseAllInterfaces ",
		"MobRtrUseExplicitMode ", "HaAcceptMobRtr ", "HaServedPrefix ", "MnRoPolicy ",
		"CnBindingPolicySet ", "enabled", "disabled", "\"eth0\"", "2001:db8:1::1",
		"2001:db8:1::1000/64", ";", "{", "}", "\n", "# ", "1.5", "262140", NULL,
	};

	(void)argc;
	(void)argv;
	fz_dict_maybe_write(words);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct m6_conf c;
	char err[512], *text;
	int rc;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	rc = m6_conf_parse("fuzz.conf", text, &c, err, sizeof(err));
	free(text);
	if (rc && strncmp(err, "fuzz.conf:", 10))
		abort();
	if (!rc && (c.role == M6_ROLE_NONE || c.use_mn_ha_ipsec ||
		    c.nifaces > M6_MAX_IFACES || c.nhomelinks > M6_MAX_HOMELINKS ||
		    (c.role == M6_ROLE_MN && (!c.nifaces || !c.nhomelinks))))
		abort();
	return 0;
}
