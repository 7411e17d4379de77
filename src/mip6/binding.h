/*
 * The binding cache of a correspondent node or home agent (RFC 6275 §9.1,
 * §10.1): one entry per home address, found by a hash of the address, with
 * expiry on a timer, and the mobile node's binding update list (§11.1): one
 * entry per peer (home agent or correspondent) with the retransmission
 * state. Entries are small and allocated from one pool so that 100k
 * bindings stay cheap (see bench/mip6).
 */
#ifndef V6LAB_M6_BINDING_H
#define V6LAB_M6_BINDING_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct m6_binding {
	struct in6_addr hoa;	/* key */
	struct in6_addr coa;
	struct in6_addr local;	/* our address the BU was sent to (HA or CN address) */
	double expires;		/* absolute time (monotonic seconds) */
	double created, updated;
	uint32_t lifetime;	/* granted, seconds */
	uint16_t seq;		/* last accepted sequence number */
	uint16_t flags;		/* BU flags of the last accepted BU */
	uint8_t home_reg;	/* H flag: a home registration (HA) */
	uint8_t brr_sent;	/* a Binding Refresh Request went out for this lifetime */
	int ifindex;		/* HA: the home link the proxy NA is on */
	uint64_t pkts_in, pkts_out;	/* data packets through this binding */
};

struct m6_bcache;

struct m6_bcache *m6_bcache_new(size_t max_entries);
void m6_bcache_free(struct m6_bcache *bc);
/* The entry for hoa, or NULL. */
struct m6_binding *m6_bcache_get(struct m6_bcache *bc, const struct in6_addr *hoa);
/* Finds or adds the entry for hoa (new ones zeroed but for hoa); NULL when
 * the cache is full (BA status 130) or out of memory. *isnew tells. */
struct m6_binding *m6_bcache_put(struct m6_bcache *bc, const struct in6_addr *hoa, bool *isnew);
int m6_bcache_del(struct m6_bcache *bc, const struct in6_addr *hoa);
size_t m6_bcache_count(const struct m6_bcache *bc);
/* Bytes the cache holds (entries, table), for the memory benchmark. */
size_t m6_bcache_bytes(const struct m6_bcache *bc);
/* Calls cb for every entry (in no order); cb returning non-zero stops. */
int m6_bcache_walk(struct m6_bcache *bc, int (*cb)(void *ctx, struct m6_binding *b), void *ctx);
/* Removes entries whose expires <= now, calling cb (may be NULL) on each
 * before removal; returns how many. */
size_t m6_bcache_expire(struct m6_bcache *bc, double now,
			void (*cb)(void *ctx, const struct m6_binding *b), void *ctx);

/* ---- mobile node: binding update list ---- */

enum m6_bul_state {
	M6_BUL_IDLE = 0,	/* nothing outstanding */
	M6_BUL_RR,		/* return routability in progress (correspondent) */
	M6_BUL_WAIT_BA,		/* BU sent, waiting for the BA */
	M6_BUL_BOUND,		/* BA received (or no ack asked): binding in place */
};

struct m6_bul_entry {
	struct in6_addr peer;	/* HA or CN */
	struct in6_addr hoa, coa;
	bool home;		/* home registration (peer is our HA) */
	enum m6_bul_state state;
	uint16_t seq;		/* last sequence number sent */
	uint32_t lifetime;	/* asked, seconds */
	uint32_t granted;	/* from the BA, seconds */
	double sent;		/* when the last BU went */
	double timeout;		/* current retransmission timeout */
	double next;		/* next action (retransmit or refresh) */
	double expires;
	int retries;
	/* return routability (correspondent entries) */
	uint8_t hot_cookie[8], cot_cookie[8];
	uint8_t home_token[8], coa_token[8];
	uint16_t home_ni, coa_ni;
	bool have_hot, have_cot;
	double hot_time, cot_time;	/* when the tokens arrived */
	bool ro;		/* route optimisation in use with this peer */
};

#define M6_BUL_MAX 64

struct m6_bul {
	size_t n;
	struct m6_bul_entry e[M6_BUL_MAX];
};

struct m6_bul_entry *m6_bul_get(struct m6_bul *l, const struct in6_addr *peer);
/* Finds or adds (zeroed, peer set); NULL when full. */
struct m6_bul_entry *m6_bul_put(struct m6_bul *l, const struct in6_addr *peer);
void m6_bul_del(struct m6_bul *l, const struct in6_addr *peer);

/* Retransmission: the next timeout after a BU without BA: doubled, capped
 * at M6_MAX_BINDACK_TIMEOUT (§11.8). first is the initial timeout. */
double m6_backoff(double cur, double first);

#endif
