/*
 * libct: one connection tracker for IPv4 and IPv6. A packet goes in (from
 * its IP header on, with the time it was seen); the tracker finds or makes
 * its connection, moves the protocol state machine and tells how the packet
 * relates to the table (NEW, ESTABLISHED, RELATED, INVALID with a reason).
 * The IP layer (l3.c) and the L4 protocols, modules behind struct
 * ct_l4proto (l4.h), sit below the table, so nothing above this header
 * cares which IP version it sees. The clock is the caller's: live traffic
 * passes the monotonic time, an offline replay the capture's timestamps.
 * Semantics follow Linux's nf_conntrack, and the differences are listed in
 * docs/ct-differences.md.
 */
#ifndef V6LAB_CT_H
#define V6LAB_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- tuples ---- */

union ct_addr {
	uint8_t a[16]; /* IPv4 uses the first 4 bytes, the rest is zero */
	uint32_t w[4];
};

/* One direction of a connection. For TCP/UDP the ports; for ICMP/ICMPv6
 * queries the identifier in `sport` and type/code (original direction) in
 * `type`/`code`; for other protocols both zero. */
struct ct_tuple {
	union ct_addr src, dst;
	uint16_t sport, dport;
	uint8_t l3;    /* 4 or 6 */
	uint8_t proto; /* IP protocol number */
	uint8_t type, code;
	uint16_t zone;
};

enum ct_dir {
	CT_DIR_ORIG = 0,
	CT_DIR_REPLY = 1,
};

/* ---- connection states and flags ---- */

enum ct_tcp_state {
	CT_TCP_NONE,
	CT_TCP_SYN_SENT,
	CT_TCP_SYN_RECV,
	CT_TCP_ESTABLISHED,
	CT_TCP_FIN_WAIT,
	CT_TCP_CLOSE_WAIT,
	CT_TCP_LAST_ACK,
	CT_TCP_TIME_WAIT,
	CT_TCP_CLOSE,
	CT_TCP_SYN_SENT2,
	CT_TCP_MAX,
};

/* Status bits, as conntrack-tools shows them. */
#define CT_S_EXPECTED 0x0001   /* created from an expectation (RELATED) */
#define CT_S_SEEN_REPLY 0x0002 /* a packet went the other way */
#define CT_S_ASSURED 0x0004    /* will not be early-dropped */
#define CT_S_CONFIRMED 0x0008  /* in the table */
#define CT_S_DYING 0x0200

/* Per-direction TCP window tracking data (RFC 793 plus window scaling). */
struct ct_tcp_dir {
	uint32_t td_end;    /* max of seq + len */
	uint32_t td_maxend; /* max of ack + max(win, 1) */
	uint32_t td_maxwin; /* max(win) */
	uint8_t td_scale;   /* window scale factor */
	uint8_t flags;	    /* CT_TCP_F_* */
};

#define CT_TCP_F_WINDOW_SCALE 0x01
#define CT_TCP_F_SACK_PERM 0x02
#define CT_TCP_F_CLOSE_INIT 0x04
#define CT_TCP_F_BE_LIBERAL 0x08
#define CT_TCP_F_DATA_UNACK 0x10
#define CT_TCP_F_MAXACK_SET 0x20

struct ct_tcp {
	struct ct_tcp_dir seen[2];
	uint8_t state; /* enum ct_tcp_state */
	uint8_t last_dir, last_index, retrans;
	uint32_t last_seq, last_ack, last_end;
	uint16_t last_win;
};

/* Helpers a connection can have (struct ct_entry.helper). */
enum ct_helper_id {
	CT_HELPER_NONE = 0,
	CT_HELPER_FTP = 1,
};

/* A tracked connection. Read-only for callers; change it through the
 * ct_entry_* calls so events and timeouts stay right. The layout is packed
 * to 160 bytes, the table's links included (plus 4 bytes a hash bucket):
 * status is 16 bits, the packet counters 32 bits (they wrap), the start
 * time whole seconds. */
struct ct_entry {
	struct ct_tuple t; /* original direction; the reply is t inverted */
	uint32_t id;	   /* stable identifier (conntrack's id=), never 0 */
	uint32_t mark;
	uint16_t status; /* CT_S_* */
	uint8_t helper;	 /* enum ct_helper_id */
	uint8_t tflags;	 /* table-private */
	uint32_t master; /* id of the connection it is related to, or 0 */
	uint32_t start;	 /* first packet: seconds of the caller's clock (now / 1e9) */
	uint64_t expires; /* absolute time, ns, in the caller's clock */
	uint64_t bytes[2];
	uint32_t pkts[2];
	union {
		struct ct_tcp tcp;
		struct {
			uint32_t first_ns; /* first packet: ns past `start` */
		} udp;
		struct {
			uint16_t req, rep; /* ICMP queries and replies seen */
		} icmp;
	} p;
	uint32_t link[3]; /* table-private: hash chain and expiry wheel */
};

/* Seconds left before e times out at `now` (0 when past). */
uint32_t ct_entry_timeout(const struct ct_entry *e, uint64_t now);

/* ---- processing a packet ---- */

enum ct_info {
	CT_NEW,
	CT_ESTABLISHED,
	CT_RELATED,
	CT_INVALID,
	CT_UNTRACKED, /* not IP, or a protocol the tracker is told to skip */
};

struct ct_result {
	enum ct_info info;
	enum ct_dir dir;
	struct ct_entry *entry; /* NULL when INVALID/UNTRACKED or not kept */
	const char *reason;	/* why INVALID (and notes for the others) */
	bool created;		/* this packet created the entry */
};

struct ct_table;

/* Timeouts in seconds, per state; defaults are Linux's. */
struct ct_timeouts {
	uint32_t tcp[CT_TCP_MAX];
	uint32_t tcp_unack, tcp_retrans;
	uint32_t udp, udp_stream;
	uint32_t icmp, icmpv6;
	uint32_t generic;
};

struct ct_config {
	uint32_t max_entries;	  /* 0: 65536 */
	uint32_t buckets;	  /* 0: max_entries; rounded up to a power of 2.
				   * 4 bytes each: max_entries / 4 saves 3 bytes
				   * an entry for chains 4 times as long */
	struct ct_timeouts to;	  /* zero fields take the defaults */
	bool tcp_liberal;	  /* nf_conntrack_tcp_be_liberal */
	bool tcp_loose;		  /* nf_conntrack_tcp_loose: pick up mid-stream */
	uint32_t tcp_max_retrans; /* nf_conntrack_tcp_max_retrans (3) */
	uint64_t seed;		  /* hash seed; 0: random */
	bool helpers;		  /* run helpers (ftp) on their default ports */
	uint32_t frag_timeout;	  /* reassembly timeout, s (60) */
	uint32_t frag_max_bytes;  /* reassembly memory bound (4 MiB) */
	bool checksum;		  /* verify IPv4 header and UDP/ICMP checksums
				   * (nf_conntrack_checksum); off by default:
				   * captures carry offloaded checksums */
	uint32_t max_expect;	  /* expectations held at once; 0: 256 */
};

void ct_config_defaults(struct ct_config *c);

int ct_table_new(const struct ct_config *cfg, struct ct_table **out);
void ct_table_free(struct ct_table *t);

/* Tracks one packet that starts with its IP header (the version nibble
 * says 4 or 6; anything else is CT_UNTRACKED), seen at `now` ns. Fragments
 * are held for reassembly and tracked when complete (the result is then
 * CT_UNTRACKED with reason "fragment held" until then). zone selects the
 * zone (0 by default), as in nf_conntrack. The clock never goes back: an
 * older `now` counts as the latest seen. Returns 0 (res says what happened)
 * or -EINVAL for NULL arguments. One table is for one thread. */
int ct_process(struct ct_table *t, const uint8_t *pkt, size_t len, uint16_t zone, uint64_t now,
	       struct ct_result *res);

/* Expires what timed out by `now` (ct_process does it too, a little at a
 * time, some ticks of about a second late); returns how many went. */
unsigned ct_table_expire(struct ct_table *t, uint64_t now);

/* ---- reading and changing the table ---- */

/* Entries past their timeout (at the latest time seen) are not found. */
struct ct_entry *ct_table_lookup(struct ct_table *t, const struct ct_tuple *tu, enum ct_dir *dir);
struct ct_entry *ct_table_by_id(struct ct_table *t, uint32_t id);
/* Calls fn for every entry until it returns non-zero (returned). The table
 * must not be changed from fn except through ct_entry_delete of that entry. */
int ct_table_walk(struct ct_table *t, int (*fn)(struct ct_entry *e, void *arg), void *arg);
size_t ct_table_count(const struct ct_table *t);
int ct_entry_delete(struct ct_table *t, struct ct_entry *e);
int ct_entry_set_mark(struct ct_table *t, struct ct_entry *e, uint32_t mark);
int ct_entry_set_timeout(struct ct_table *t, struct ct_entry *e, uint32_t secs, uint64_t now);
void ct_table_flush(struct ct_table *t);

/* Reply tuple of an entry. */
void ct_tuple_invert(const struct ct_tuple *in, struct ct_tuple *out);

/* ---- events and statistics ---- */

enum ct_event {
	CT_EV_NEW = 1,
	CT_EV_UPDATE = 2, /* state or status change */
	CT_EV_DESTROY = 4,
};

/* Called synchronously; fn must not change the table. A DESTROY event comes
 * while the entry is still readable. */
typedef void (*ct_event_fn)(void *arg, enum ct_event ev, const struct ct_entry *e);
/* Subscribes to the events in mask; returns a handle >= 0 (-ENOSPC past 8). */
int ct_subscribe(struct ct_table *t, unsigned mask, ct_event_fn fn, void *arg);
void ct_unsubscribe(struct ct_table *t, int handle);

struct ct_stats {
	uint64_t found, new, invalid, ignore, insert_failed, drop, early_drop, error;
	uint64_t expired, deleted, related, frag_held, frag_dropped;
	uint64_t search_restart; /* unused, kept for conntrack -S parity */
};

void ct_table_stats(const struct ct_table *t, struct ct_stats *out);

/* ---- printing ---- */

const char *ct_tcp_state_name(uint8_t state);
/* Extra parts of the conntrack-tools text formats. */
#define CT_FMT_EXTENDED 0x01 /* "ipv4     2 " first (-o extended) */
#define CT_FMT_ACCT 0x02     /* packets= bytes= (nf_conntrack_acct=1) */
#define CT_FMT_TSTAMP 0x04   /* delta-time= (nf_conntrack_timestamp=1) */
#define CT_FMT_ID 0x08	     /* id= last (-o id) */
/* One line as `conntrack -L` prints it (without the trailing newline).
 * These return the length written, or -ENOSPC when out is too small. */
int ct_entry_format(const struct ct_entry *e, uint64_t now, char *out, size_t n);
int ct_entry_format_opts(const struct ct_entry *e, uint64_t now, unsigned flags, char *out,
			 size_t n);
/* One line as `conntrack -E` prints it: "    [NEW] tcp      6 120 SYN_SENT
 * src=..." (the event name right-aligned in 9 columns). For DESTROY, `now`
 * is the time of the destruction. */
int ct_event_format(enum ct_event ev, const struct ct_entry *e, uint64_t now, char *out, size_t n);
int ct_event_format_opts(enum ct_event ev, const struct ct_entry *e, uint64_t now, unsigned flags,
			 char *out, size_t n);

/* ---- helpers and expectations (ftp) ---- */

/* A connection a helper announced: PORT/EPRT/227/229 on an FTP control
 * connection. A new connection matching it is RELATED, with CT_S_EXPECTED
 * and master set, and takes the master's mark. */
struct ct_expect {
	struct ct_tuple t;   /* expected original tuple; zero sport = any */
	uint32_t master;     /* connection that created it */
	uint64_t expires;
	uint8_t helper;	     /* enum ct_helper_id */
};

size_t ct_expect_count(const struct ct_table *t);
/* Calls fn for every expectation (with its master) until it returns
 * non-zero (returned). */
int ct_expect_walk(struct ct_table *t,
		   int (*fn)(const struct ct_expect *x, const struct ct_entry *master, void *arg),
		   void *arg);
/* One line as `conntrack -L expect` prints it. */
int ct_expect_format(const struct ct_expect *x, const struct ct_entry *master, uint64_t now,
		     char *out, size_t n);
const char *ct_helper_name(uint8_t helper);

#endif
