/* The ctrack command: its subcommands and the helpers they share. */
#ifndef V6LAB_CTRACK_H
#define V6LAB_CTRACK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"

int ctrack_replay(int argc, char **argv);
int ctrack_daemon(int argc, char **argv);
/* list, get, delete, update, flush, events, stats: argv[0] names which. */
int ctrack_client(int argc, char **argv);

/* The daemon's control socket when none is given. */
#define CTRACK_SOCKET "/run/ctrack.sock"
/* Longest request line the daemon reads, newline included. */
#define CTRACK_LINE_MAX 8192

/* An entry as a JSON object (tuples, state, status, counters, timeout). */
json_t *ctrack_entry_json(const struct ct_entry *e, uint64_t now);
json_t *ctrack_stats_json(const struct ct_stats *s, size_t count);
/* Prints one compact JSON line and releases o. */
void ctrack_json_print(json_t *o);
int ctrack_parse_u32(const char *s, uint32_t *out);

/* ---- filters over connections (filter.c) ---- */

/* An address with a prefix length (the whole address when none given). */
struct ctrack_prefix {
	uint8_t l3; /* 4 or 6 */
	uint8_t len;
	union ct_addr a;
};

#define CTF_SRC 0x0001
#define CTF_DST 0x0002
#define CTF_SPORT 0x0004
#define CTF_DPORT 0x0008
#define CTF_PROTO 0x0010
#define CTF_FAMILY 0x0020
#define CTF_STATE 0x0040
#define CTF_ZONE 0x0080
#define CTF_MARK 0x0100
#define CTF_STATUS 0x0200

/* What a connection must be to match; every part set (has) must hold. The
 * addresses and ports are those of the original direction, as with
 * conntrack -s/-d/--sport/--dport. */
struct ctrack_filter {
	unsigned has; /* CTF_* */
	struct ctrack_prefix src, dst;
	uint16_t sport, dport;
	uint8_t proto, l3, state;
	uint16_t zone;
	uint32_t mark, mark_mask;
	uint16_t st_set, st_clear; /* CT_S_* bits that must be set, clear */
};

int ctrack_prefix_parse(const char *s, struct ctrack_prefix *p);
bool ctrack_prefix_match(const struct ctrack_prefix *p, uint8_t l3, const union ct_addr *a);
/* "2001:db8::/32", or the bare address for a full-length prefix. */
void ctrack_prefix_str(const struct ctrack_prefix *p, char *out, size_t n);
/* A protocol by name (tcp, udp, icmp, icmpv6, sctp, dccp, udplite, gre)
 * or number 0..255. */
int ctrack_proto_parse(const char *s, uint8_t *proto);
/* The name of a protocol, NULL for those without one here. */
const char *ctrack_proto_name(uint8_t proto);
/* Whether the protocol's tuples carry ports. */
bool ctrack_proto_has_ports(uint8_t proto);
/* A TCP state by its conntrack name, any case (ESTABLISHED, TIME_WAIT ...). */
int ctrack_tcp_state_parse(const char *s, uint8_t *state);

/* Sets one part of f from the text of a command line option; key is the
 * JSON name (src, dst, sport, dport, proto, family, state, zone, mark as
 * V[/M], status as a comma list). -EINVAL with a message in err. */
int ctrack_filter_arg(struct ctrack_filter *f, const char *key, const char *val, char *err,
		      size_t n);
/* Reads a filter object; an unknown key or a value of the wrong type or
 * range is -EINVAL with a message in err. */
int ctrack_filter_from_json(const json_t *o, struct ctrack_filter *f, char *err, size_t n);
json_t *ctrack_filter_json(const struct ctrack_filter *f);
bool ctrack_filter_match(const struct ctrack_filter *f, const struct ct_entry *e);

#endif
