/*
 * The nodes a test talks about and how their names become addresses. On
 * every link the tester impersonates hosts TN1..TN4 and routers TR1..TR3,
 * each with its own MAC, link-local address and global address in the
 * link's prefix; TH1..TH2 are hosts beyond a router (global address only).
 * NUT is the node under test: its addresses come from its driver. Variables
 * captured by a test live here too, because both resolve the same way.
 */
#ifndef V6LAB_CF_NODES_H
#define V6LAB_CF_NODES_H

#include <stdbool.h>
#include <stdint.h>

#include "field.h"
#include "notation.h"

#define CF_MAX_LINKS 8
#define CF_MAX_VARS 64

enum cf_node_kind { CF_NODE_TN, CF_NODE_TR, CF_NODE_TH, CF_NODE_NUT };

struct cf_var {
	char name[32];
	struct pkt_val v;
	uint8_t bytes[256]; /* v.p points here for BYTES/IP6LIST */
	char text[128];	    /* printed form, for nut arguments and asserts */
};

struct cf_nodes;

/* Asks the NUT driver for an address of the NUT: attr is "ll" or "global". */
typedef int (*cf_nut_addr_fn)(void *ctx, int link, const char *attr, uint8_t out[16]);

struct cf_nodes {
	int nlinks;
	uint8_t nut_mac[CF_MAX_LINKS][6];
	cf_nut_addr_fn nut_addr;
	void *nut_ctx;
	int cur_link; /* link of the step being run: default for names */
	bool respond[16]; /* per tester node index: answer Neighbor Solicitations */
	int nvars;
	struct cf_var vars[CF_MAX_VARS];
};

void cf_nodes_init(struct cf_nodes *n, int nlinks);

/* The link prefix (2001:db8:L+1::/64). */
void cf_link_prefix(int link, uint8_t out[16]);
/* Tester node by name (TN1, TR2 ...): index >= 0, or -1. */
int cf_node_index(const char *name);
const char *cf_node_name(int idx);
int cf_node_count(void);
/* PREFIX (its first 8 bytes) + the modified EUI-64 interface id of mac. */
void cf_eui64(const uint8_t prefix[16], const uint8_t mac[6], uint8_t out[16]);
/* A NUT address derived from its MAC: attr "ll" (fe80::/64) or "global"
 * (the link prefix), for drivers that cannot ask the NUT. Returns 0. */
int cf_nut_addr_eui64(const uint8_t mac[6], int link, const char *attr, uint8_t out[16]);
/* MAC, link-local and global address of tester node idx on a link. */
void cf_node_mac(int idx, int link, uint8_t mac[6]);
void cf_node_ll(int idx, int link, uint8_t a[16]);
int cf_node_global(int idx, int link, uint8_t a[16]);
bool cf_node_on_link(int idx);

/* Resolver callback for the notation (struct cf_resolver.word). */
int cf_nodes_word(void *ctx, const char *word, uint8_t ftype, struct pkt_val *v, uint8_t *store,
		  size_t storelen, char *err, size_t errlen);
/* Resolves a word to text (for nut arguments and asserts): node addresses
 * print as addresses, $vars as their text, other words stay as they are. */
int cf_nodes_text(struct cf_nodes *n, const char *word, char *out, size_t outlen, char *err,
		  size_t errlen);

/* Variables. */
struct cf_var *cf_var_get(struct cf_nodes *n, const char *name);
int cf_var_set(struct cf_nodes *n, const char *name, const struct pkt_fdesc *f,
	       const struct pkt_val *v);
int cf_var_set_text(struct cf_nodes *n, const char *name, const char *text);

#endif
