/*
 * Mobility Header messages (RFC 6275 §6.1) as the daemon sees them: one
 * struct for all eight types with their options, a strict parser and a
 * builder. Both work on the bytes of the Mobility Header only (from its
 * Payload Proto field); the checksum covers the IPv6 pseudo-header with the
 * home address rules applied by the caller (m6_mh_csum takes the addresses
 * the checksum must use). Protocol constants of RFC 6275 §12 are here too.
 */
#ifndef V6LAB_M6_MH_H
#define V6LAB_M6_MH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define M6_IPPROTO_MH 135

enum m6_mh_type {
	M6_BRR = 0,	/* Binding Refresh Request */
	M6_HOTI = 1,	/* Home Test Init */
	M6_COTI = 2,	/* Care-of Test Init */
	M6_HOT = 3,	/* Home Test */
	M6_COT = 4,	/* Care-of Test */
	M6_BU = 5,	/* Binding Update */
	M6_BA = 6,	/* Binding Acknowledgement */
	M6_BE = 7,	/* Binding Error */
	M6_MH_NTYPES = 8,
};

enum m6_mhopt_type {
	M6_OPT_PAD1 = 0,
	M6_OPT_PADN = 1,
	M6_OPT_BRA = 2,	 /* Binding Refresh Advice: refresh interval, 4 s units */
	M6_OPT_ACOA = 3, /* Alternate Care-of Address */
	M6_OPT_NI = 4,	 /* Nonce Indices: home, care-of */
	M6_OPT_BAD = 5,	 /* Binding Authorization Data: 96-bit authenticator */
};

/* Binding Update flags (the 16 bits after the lifetime field's predecessor). */
#define M6_BU_A 0x8000 /* Acknowledge */
#define M6_BU_H 0x4000 /* Home Registration */
#define M6_BU_L 0x2000 /* Link-Local Address Compatibility */
#define M6_BU_K 0x1000 /* Key Management Mobility Capability */
/* Binding Acknowledgement flag (the byte after Status). */
#define M6_BA_K 0x80

/* Binding Acknowledgement status (RFC 6275 §6.1.8). */
enum m6_ba_status {
	M6_BA_ACCEPTED = 0,
	M6_BA_ACCEPTED_PD = 1,	  /* accepted but prefix discovery necessary */
	M6_BA_UNSPEC = 128,	  /* reason unspecified */
	M6_BA_PROHIBITED = 129,	  /* administratively prohibited */
	M6_BA_RESOURCES = 130,	  /* insufficient resources */
	M6_BA_HR_NOT_SUPP = 131,  /* home registration not supported */
	M6_BA_NOT_HOME_SUBNET = 132,
	M6_BA_NOT_HA = 133,	  /* not home agent for this mobile node */
	M6_BA_DAD_FAILED = 134,
	M6_BA_SEQ_OOW = 135,	  /* sequence number out of window */
	M6_BA_EXP_HNI = 136,	  /* expired home nonce index */
	M6_BA_EXP_CNI = 137,	  /* expired care-of nonce index */
	M6_BA_EXP_NONCES = 138,	  /* expired nonces */
	M6_BA_REG_TYPE_CHANGE = 139,
};

/* Binding Error status (RFC 6275 §6.1.9). */
enum m6_be_status {
	M6_BE_UNKNOWN_HAO = 1,	/* unknown binding for Home Address destination option */
	M6_BE_UNKNOWN_MH = 2,	/* unrecognized MH Type value */
};

/* RFC 6275 §12 protocol constants (seconds unless named otherwise). */
#define M6_DHAAD_RETRIES 4
#define M6_INITIAL_BINDACK_TIMEOUT 1.0
#define M6_INITIAL_BINDACK_TIMEOUT_FIRST_REG 1.5 /* §13 configuration default */
#define M6_INITIAL_DHAAD_TIMEOUT 3.0
#define M6_INITIAL_SOLICIT_TIMER 3.0
#define M6_MAX_BINDACK_TIMEOUT 32.0
#define M6_MAX_NONCE_LIFETIME 240.0
#define M6_MAX_TOKEN_LIFETIME 210.0
#define M6_MAX_UPDATE_RATE 3 /* Binding Updates per second to one node */
#define M6_MAX_RR_BINDING_LIFETIME 420.0
#define M6_PREFIX_ADV_TIMEOUT 3.0
#define M6_MAX_PFX_ADV_DELAY 1000.0
#define M6_SLOW_UPDATE_RATE 10.0

struct m6_mh {
	uint8_t type;		/* enum m6_mh_type (or any value for an unknown type) */
	uint8_t proto;		/* Payload Proto (59 by default) */
	/* BU, BA */
	uint16_t seq;
	uint16_t lifetime;	/* 4-second units */
	uint16_t flags;		/* BU: M6_BU_*; BA: M6_BA_K in the low byte */
	/* BA, BE */
	uint8_t status;
	/* BE */
	struct in6_addr home;	/* Home Address field */
	/* HoTI, CoTI (cookie); HoT, CoT (cookie, token, nonce index) */
	uint8_t cookie[8];
	uint8_t token[8];
	uint16_t nonce_index;
	/* options (last of each kind wins; a message may carry several PadN) */
	bool has_bra, has_acoa, has_ni, has_bad;
	uint16_t refresh;	/* BRA: 4-second units */
	struct in6_addr acoa;
	uint16_t home_ni, coa_ni;
	uint8_t auth[12];	/* BAD authenticator */
	size_t auth_off;	/* parse: offset of auth[] in the message bytes */
	size_t bad_off;		/* parse, -EINVAL: offset of the offending byte (for an
				 * ICMP Parameter Problem pointer: Header Len is 1) */
};

/* Parses the Mobility Header at p (len bytes: what the IPv6 packet holds
 * after the previous header). Checks: Header Len vs len, length a multiple
 * of 8, the type's minimum length, option TLVs within the message, option
 * lengths and alignment of the fixed options (RFC 6275 §6.2), Payload Proto
 * 59. The checksum is not checked here (it needs the addresses). Returns 0;
 * -EINVAL with *why for a malformed message; -ENOTSUP for an unknown type
 * (m->type set: the caller answers a Binding Error, status 2). */
int m6_mh_parse(const uint8_t *p, size_t len, struct m6_mh *m, const char **why);

/* Builds m into buf: fixed part, options (with the padding and alignment
 * rules: BAD at 8n+2, ACoA at 8n+6, NI at 2n, BRA at 2n), length padded to a
 * multiple of 8, checksum 0. *auth_off gets the offset of the BAD
 * authenticator when has_bad (else 0). Returns 0 or -ENOSPC/-EINVAL. */
int m6_mh_build(const struct m6_mh *m, uint8_t *buf, size_t cap, size_t *len, size_t *auth_off);

/* The MH checksum over the pseudo-header (src, dst, length, 135) and the
 * message with its checksum field taken as 0; store it big-endian at 4. */
uint16_t m6_mh_csum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		    size_t len);
/* Fills the checksum field of a built message. */
void m6_mh_set_csum(const struct in6_addr *src, const struct in6_addr *dst, uint8_t *mh,
		    size_t len);
bool m6_mh_csum_ok(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		   size_t len);

/* Sequence numbers compare modulo 2^16 (RFC 1982 style): a newer than b. */
static inline bool m6_seq_after(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b) > 0;
}

const char *m6_mh_type_name(unsigned type);
const char *m6_ba_status_name(unsigned status);

#endif
