/*
 * What the parts of `ctrack daemon` share: the daemon's state (table,
 * rules, counters), the NFQUEUE source (nfq.c) and the control socket
 * (control.c). Private to the ctrack command.
 */
#ifndef V6LAB_CTRACK_DAEMON_H
#define V6LAB_CTRACK_DAEMON_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrack.h"
#include "rules.h"

/* ---- NFQUEUE (nfq.c) ---- */

struct ctrack_nfq;

/* Binds queue num with whole packets copied; maxlen 0 keeps the kernel's
 * queue length; fail_open lets the kernel accept what overflows the queue
 * instead of dropping it. -errno with a message in err. */
int ctrack_nfq_open(struct ctrack_nfq **out, uint16_t num, uint32_t maxlen, bool fail_open,
		    char *err, size_t n);
int ctrack_nfq_fd(const struct ctrack_nfq *q);
/* A queued packet, from its IP header (len 0 when the kernel sent none);
 * the callee gives its verdict with ctrack_nfq_verdict, now or later. */
typedef void (*ctrack_nfq_fn)(void *arg, uint32_t id, const uint8_t *pkt, size_t len);
/* Reads up to max packets without waiting; returns how many, or -errno. */
int ctrack_nfq_read(struct ctrack_nfq *q, unsigned max, ctrack_nfq_fn fn, void *arg);
int ctrack_nfq_verdict(struct ctrack_nfq *q, uint32_t id, bool accept);
/* Packets the kernel could not queue to us (receive buffer overruns). */
uint64_t ctrack_nfq_overruns(const struct ctrack_nfq *q);
void ctrack_nfq_close(struct ctrack_nfq *q);

/* ---- the daemon ---- */

struct ctrack_ctl;

struct ctrack_counters {
	uint64_t packets;   /* packets tracked */
	uint64_t accepted;  /* verdicts */
	uint64_t dropped;
	uint64_t held;	    /* fragments whose verdict waited for the rest */
	uint64_t verdict_errors;
};

struct ctrack_daemon {
	struct ct_table *t;
	struct ct_config cfg;
	struct ctrack_rules rules;
	bool have_rules;
	const char *rules_path;
	const char *mode; /* "nfqueue" or "link" */
	unsigned queue;
	const char *ifname;
	uint16_t zone;
	struct ctrack_counters c;
	uint64_t started; /* ns, CLOCK_MONOTONIC */
	struct ctrack_ctl *ctl;
};

/* The daemon's clock: CLOCK_MONOTONIC in ns, the one libct is fed. */
uint64_t ctrack_now(void);
/* One line on stderr, "ctrack: " first. */
__attribute__((format(printf, 1, 2))) void ctrack_log(const char *fmt, ...);
/* The "stats" reply's body: the table's statistics and the daemon's. */
json_t *ctrack_daemon_stats(struct ctrack_daemon *d, uint64_t now);

/* ---- control socket (control.c) ---- */

/* Listens on path (a unix stream socket, mode 0600; a stale socket file
 * left there is replaced, a live one is not). -errno with err. */
int ctrack_ctl_open(struct ctrack_ctl **out, struct ctrack_daemon *d, const char *path,
		    char *err, size_t n);
/* Puts the descriptors to wait for into p (at most max); returns how many. */
size_t ctrack_ctl_pollfds(struct ctrack_ctl *c, struct pollfd *p, size_t max);
/* Serves what poll found on the n descriptors ctrack_ctl_pollfds gave. */
void ctrack_ctl_handle(struct ctrack_ctl *c, const struct pollfd *p, size_t n);
/* Passes a table event to the subscribed clients. */
void ctrack_ctl_event(struct ctrack_ctl *c, enum ct_event ev, const struct ct_entry *e,
		      uint64_t now);
size_t ctrack_ctl_clients(const struct ctrack_ctl *c);
uint64_t ctrack_ctl_lost(const struct ctrack_ctl *c);
/* Closes every connection and removes the socket file. */
void ctrack_ctl_close(struct ctrack_ctl *c);

#endif
