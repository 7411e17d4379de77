/*
 * The daemon's rule file (docs/ctrack-rules.md): an ordered list of
 * "accept|drop [matches]" lines, the first match deciding a packet's
 * verdict from its tracking state (new, established, related, invalid,
 * untracked) and its addresses, protocol and ports; and the reading of
 * those fields from a packet that starts at its IP header.
 */
#ifndef V6LAB_CTRACK_RULES_H
#define V6LAB_CTRACK_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrack.h"

/* What a rule can look at in a packet. */
struct ctrack_pktkey {
	uint8_t l3;    /* 4 or 6; 0 when not IP */
	uint8_t proto; /* upper-layer protocol */
	bool l4;       /* ports or ICMP type/code were read */
	bool frag;     /* a fragment (not an atomic one) */
	union ct_addr src, dst;
	uint16_t sport, dport;
	uint8_t type, code; /* ICMP, ICMPv6 */
	uint32_t frag_id;   /* identification of the fragment's packet */
};

/* Reads the key of the IP packet p (len bytes), walking IPv6 extension
 * headers. Returns 0, or -EINVAL when the IP header itself is unreadable
 * (k->l3 is then 0). */
int ctrack_pktkey_read(const uint8_t *p, size_t len, struct ctrack_pktkey *k);

enum ctrack_action {
	CTRACK_ACCEPT,
	CTRACK_DROP,
};

#define CTRACK_R_SPORT 0x01
#define CTRACK_R_DPORT 0x02
#define CTRACK_R_PROTO 0x04
#define CTRACK_R_SRC 0x08
#define CTRACK_R_DST 0x10
#define CTRACK_R_MARK 0x20
#define CTRACK_R_TYPE 0x40
#define CTRACK_R_FAMILY 0x80

struct ctrack_rule {
	uint8_t action; /* enum ctrack_action */
	uint8_t states; /* bits 1 << enum ct_info; 0: any */
	uint8_t has;	/* CTRACK_R_* */
	uint8_t l3, proto, type;
	uint16_t sport[2], dport[2]; /* inclusive ranges */
	struct ctrack_prefix src, dst;
	uint32_t mark, mark_mask;
	unsigned line;
	uint64_t hits;
};

struct ctrack_rules {
	struct ctrack_rule *r;
	size_t n;
	char *file;
	uint64_t nomatch; /* packets no rule matched (dropped) */
};

/* Reads a rule file into rs (zeroed first). On error returns -EINVAL (or
 * the errno of the open) and writes "FILE:LINE: what" into err; rs is then
 * empty. */
int ctrack_rules_load(const char *path, struct ctrack_rules *rs, char *err, size_t n);
/* Reads rules from a string (for tests and --rule); name stands for the
 * file in messages. */
int ctrack_rules_parse(const char *text, const char *name, struct ctrack_rules *rs, char *err,
		       size_t n);
void ctrack_rules_free(struct ctrack_rules *rs);
/* The verdict for a packet with key k, tracking state info and (when it
 * belongs to one) its connection's mark; *rule is the matching rule, or
 * NULL when none matched (the verdict is then drop). */
enum ctrack_action ctrack_rules_eval(struct ctrack_rules *rs, const struct ctrack_pktkey *k,
				     enum ct_info info, uint32_t mark, const struct ctrack_rule **rule);
/* The rule as text, in the file's syntax. */
void ctrack_rule_str(const struct ctrack_rule *r, char *out, size_t n);
const char *ctrack_info_name(enum ct_info info);

#endif
