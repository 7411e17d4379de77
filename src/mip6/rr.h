/*
 * Return routability (RFC 6275 §5.2): SHA-1 and HMAC-SHA1, the
 * correspondent's secret Kcn and its table of nonces regenerated on a
 * schedule, keygen tokens, the binding management key Kbm and the Binding
 * Authorization Data authenticator.
 */
#ifndef V6LAB_M6_RR_H
#define V6LAB_M6_RR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void m6_sha1(const void *data, size_t len, uint8_t out[20]);
void m6_hmac_sha1(const uint8_t *key, size_t klen, const void *data, size_t len, uint8_t out[20]);

#define M6_NONCES 8		/* nonces kept; a new one every M6_NONCE_REGEN seconds */
#define M6_NONCE_REGEN 30.0

struct m6_rr_cn {
	uint8_t kcn[20];
	struct {
		uint8_t nonce[8];
		double born;	/* 0: unused slot */
	} nonce[M6_NONCES];
	uint16_t cur;		/* index of the newest nonce (indices wrap at 65536) */
};

/* Random Kcn and a first nonce (getrandom). */
int m6_rr_cn_init(struct m6_rr_cn *cn, double now);
/* Makes a new nonce when the newest is older than M6_NONCE_REGEN. */
void m6_rr_cn_tick(struct m6_rr_cn *cn, double now);
/* The newest nonce and its index. */
void m6_rr_cn_current(const struct m6_rr_cn *cn, uint16_t *index, uint8_t nonce[8]);
/* The nonce of an index, if it exists and is younger than
 * M6_MAX_NONCE_LIFETIME; false otherwise (expired: BA status 136/137). */
bool m6_rr_cn_nonce(const struct m6_rr_cn *cn, uint16_t index, double now, uint8_t nonce[8]);

/* keygen token = First(64, HMAC_SHA1(Kcn, address | nonce | id)),
 * id 0 for the home keygen token, 1 for the care-of keygen token. */
void m6_rr_token(const uint8_t kcn[20], const struct in6_addr *addr, const uint8_t nonce[8],
		 int id, uint8_t out[8]);
/* Kbm = SHA1(home keygen token | care-of keygen token); coa_token NULL for
 * a deregistration (home token only). */
void m6_rr_kbm(const uint8_t home_token[8], const uint8_t *coa_token, uint8_t kbm[20]);
/* Authenticator = First(96, HMAC_SHA1(Kbm, care-of address | correspondent
 * | MH data)), MH data being the message with checksum 0 and without the
 * authenticator bytes (auth_off..auth_off+12 skipped). */
void m6_rr_auth(const uint8_t kbm[20], const struct in6_addr *coa, const struct in6_addr *cn,
		const uint8_t *mh, size_t len, size_t auth_off, uint8_t out[12]);
/* Compares two authenticators in constant time. */
bool m6_rr_auth_equal(const uint8_t a[12], const uint8_t b[12]);

#endif
