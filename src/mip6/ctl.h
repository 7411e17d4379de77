/*
 * The daemon's control socket and its protocol, used by mip6ctl: a Unix
 * stream socket (mode 0600); the client sends one line "COMMAND [json]\n"
 * (commands: bc, bul, stats, status), the daemon answers with text or one
 * JSON document and closes. The daemon gives a read-only view of its state.
 */
#ifndef V6LAB_M6_CTL_H
#define V6LAB_M6_CTL_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#include "binding.h"
#include "mconf.h"

enum m6_stat {
	M6_ST_MH_RX, M6_ST_MH_TX,
	M6_ST_MH_BAD_CSUM, M6_ST_MH_MALFORMED, M6_ST_MH_UNKNOWN_TYPE, M6_ST_MH_UNAUTH,
	M6_ST_BU_RX, M6_ST_BU_ACCEPTED, M6_ST_BU_REJECTED, M6_ST_BU_TX,
	M6_ST_BA_RX, M6_ST_BA_TX, M6_ST_BE_RX, M6_ST_BE_TX, M6_ST_BRR_RX, M6_ST_BRR_TX,
	M6_ST_HOTI_RX, M6_ST_COTI_RX, M6_ST_HOT_RX, M6_ST_COT_RX,
	M6_ST_HOTI_TX, M6_ST_COTI_TX, M6_ST_HOT_TX, M6_ST_COT_TX,
	M6_ST_TUN_OUT, M6_ST_TUN_IN,	/* packets through the bidirectional tunnel */
	M6_ST_RO_OUT, M6_ST_RO_IN,	/* route-optimised packets (RH2 out / HAO in ...) */
	M6_ST_DHAAD_RX, M6_ST_DHAAD_TX, M6_ST_MPS_RX, M6_ST_MPA_TX, M6_ST_MPA_RX,
	M6_ST_MOVES,			/* MN: movements detected */
	M6_ST_DROPPED,			/* packets dropped by the data plane */
	M6_ST_MAX
};

extern const char *const m6_stat_names[M6_ST_MAX];

struct m6_stats {
	uint64_t v[M6_ST_MAX];
};

/* What the daemon shows (pointers may be NULL where a role has none). */
struct m6_ctl_view {
	enum m6_role role;
	double now;			/* same clock as binding expiry */
	struct m6_bcache *bc;		/* CN, HA */
	const struct m6_bul *bul;	/* MN */
	const struct m6_stats *stats;
	/* MN status */
	int at_home;			/* 1 home, 0 away, -1 unknown */
	struct in6_addr hoa, coa, ha;
	char ifname[M6_IFNAMSIZ];
	double last_move;		/* when the last movement was detected (0: none) */
	double last_ba;			/* when the last home BA arrived */
};

/* Listens on path (an old socket file is replaced). Returns the fd or a
 * negative errno. */
int m6_ctl_listen(const char *path);
/* Accepts one client on a ready listening fd, reads its request (with a
 * short timeout), writes the answer, closes. Never blocks long. */
int m6_ctl_serve(int lfd, const struct m6_ctl_view *v);
/* Writes the answer to a request line into fp (used by m6_ctl_serve and
 * by tests). Unknown commands: "error: ..." (or {"error": ...}). */
int m6_ctl_answer(const char *request, const struct m6_ctl_view *v, FILE *fp);
/* Client side: sends request, copies the answer to out. */
int m6_ctl_request(const char *path, const char *request, FILE *out, char *err, size_t errlen);

#endif
