/*
 * The list of every protocol descriptor, module by module, and the lookups
 * over it. A module is a NULL-terminated array defined in its own file.
 */
#include <pthread.h>
#include <string.h>

#include "decode.h"
#include "proto.h"

#define MODULES(X)                                                             \
	X(l2) X(ipv4) X(icmp4) X(ipv6) X(ip6opt) X(routing) X(frag) X(ipsec)   \
	X(icmp6) X(nd) X(mld) X(mip6icmp) X(mh) X(tcp) X(udp)

#define DECL(m) extern const struct pkt_proto *const pkt_mod_##m[];
MODULES(DECL)
#undef DECL

static const struct pkt_proto *const pkt_mod_core[] = { &pkt_proto_raw, NULL };

static const struct pkt_proto *const *const modules[] = {
	pkt_mod_core,
#define REF(m) pkt_mod_##m,
	MODULES(REF)
#undef REF
};

static const struct pkt_proto *all[512];
static size_t nall;
/* Entry descriptors by IP protocol number: the decoder asks for one per
 * header, so this is a table, not a scan. */
static const struct pkt_proto *by_ipproto[256];
static const struct pkt_proto *entries_eth[16];
static size_t neth;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void registry_fill(void)
{
	for (size_t m = 0; m < sizeof(modules) / sizeof(modules[0]); m++)
		for (size_t i = 0; modules[m][i] && nall < sizeof(all) / sizeof(all[0]); i++)
			all[nall++] = modules[m][i];
	for (size_t i = 0; i < nall; i++) {
		if (!all[i]->entry)
			continue;
		if (all[i]->ipproto >= 0 && all[i]->ipproto < 256 && !by_ipproto[all[i]->ipproto])
			by_ipproto[all[i]->ipproto] = all[i];
		if (all[i]->ethertype >= 0 && neth < sizeof(entries_eth) / sizeof(entries_eth[0]))
			entries_eth[neth++] = all[i];
	}
}

static void registry_init(void)
{
	pthread_once(&once, registry_fill);
}

const struct pkt_proto *const *pkt_proto_all(size_t *n)
{
	registry_init();
	*n = nall;
	return all;
}

const struct pkt_proto *pkt_proto_by_name(const char *name)
{
	registry_init();
	for (size_t i = 0; i < nall; i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

const struct pkt_proto *pkt_proto_by_ipproto(int ipproto)
{
	registry_init();
	return ipproto >= 0 && ipproto < 256 ? by_ipproto[ipproto] : NULL;
}

const struct pkt_proto *pkt_proto_by_ethertype(int ethertype)
{
	registry_init();
	for (size_t i = 0; i < neth; i++)
		if (entries_eth[i]->ethertype == ethertype)
			return entries_eth[i];
	return NULL;
}

const struct pkt_fdesc *pkt_proto_field(const struct pkt_proto *p, const char *name)
{
	for (unsigned i = 0; i < p->nfields; i++)
		if (!strcmp(p->fields[i].name, name))
			return &p->fields[i];
	return NULL;
}
