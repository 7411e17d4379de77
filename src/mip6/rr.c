/*
 * Return routability (RFC 6275 §5.2) on top of sha1.c: the correspondent's
 * secret Kcn and its ring of nonces (a new one every M6_NONCE_REGEN seconds,
 * each usable for M6_MAX_NONCE_LIFETIME), the home and care-of keygen
 * tokens (§5.2.5), the binding management key Kbm and the authenticator of
 * the Binding Authorization Data option (§5.2.6, §6.2.7).
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "mh.h"
#include "rr.h"

/* The longest Mobility Header: Header Len 255 means 256 units of 8 octets. */
#define MH_MAX 2048

static int fill_random(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* A fresh nonce for the slot of index idx. Should the kernel refuse random
 * bytes, the nonce is derived from Kcn and the previous one, which is still
 * unpredictable to anybody who does not know Kcn. */
static void new_nonce(struct m6_rr_cn *cn, uint16_t idx, double now)
{
	uint8_t *slot = cn->nonce[idx % M6_NONCES].nonce;

	if (fill_random(slot, 8)) {
		uint8_t in[8 + 2], h[20];

		memcpy(in, cn->nonce[cn->cur % M6_NONCES].nonce, 8);
		in[8] = (uint8_t)(idx >> 8);
		in[9] = (uint8_t)idx;
		m6_hmac_sha1(cn->kcn, sizeof(cn->kcn), in, sizeof(in), h);
		memcpy(slot, h, 8);
	}
	cn->nonce[idx % M6_NONCES].born = now;
	cn->cur = idx;
}

/* now must be positive: a slot born at 0 counts as unused. */
int m6_rr_cn_init(struct m6_rr_cn *cn, double now)
{
	uint16_t first;
	int rc;

	memset(cn, 0, sizeof(*cn));
	rc = fill_random(cn->kcn, sizeof(cn->kcn));
	if (!rc)
		rc = fill_random(&first, sizeof(first));
	if (rc)
		return rc;
	/* M6_NONCES divides 65536, so the slot of an index survives the wrap. */
	new_nonce(cn, first, now);
	return 0;
}

void m6_rr_cn_tick(struct m6_rr_cn *cn, double now)
{
	if (now - cn->nonce[cn->cur % M6_NONCES].born >= M6_NONCE_REGEN)
		new_nonce(cn, (uint16_t)(cn->cur + 1), now);
}

void m6_rr_cn_current(const struct m6_rr_cn *cn, uint16_t *index, uint8_t nonce[8])
{
	*index = cn->cur;
	memcpy(nonce, cn->nonce[cn->cur % M6_NONCES].nonce, 8);
}

bool m6_rr_cn_nonce(const struct m6_rr_cn *cn, uint16_t index, double now, uint8_t nonce[8])
{
	uint16_t age = (uint16_t)(cn->cur - index);	/* generations since index was new */
	const typeof(cn->nonce[0]) *s = &cn->nonce[index % M6_NONCES];

	if (age >= M6_NONCES || s->born == 0 || now - s->born >= M6_MAX_NONCE_LIFETIME)
		return false;
	memcpy(nonce, s->nonce, 8);
	return true;
}

/* §5.2.5: First(64, HMAC_SHA1(Kcn, (address | nonce | id))), id being one
 * octet, 0 for the home keygen token and 1 for the care-of keygen token. */
void m6_rr_token(const uint8_t kcn[20], const struct in6_addr *addr, const uint8_t nonce[8],
		 int id, uint8_t out[8])
{
	uint8_t in[16 + 8 + 1], h[20];

	memcpy(in, addr->s6_addr, 16);
	memcpy(in + 16, nonce, 8);
	in[24] = (uint8_t)id;
	m6_hmac_sha1(kcn, 20, in, sizeof(in), h);
	memcpy(out, h, 8);
}

/* §5.2.5: Kbm = SHA1(home keygen token | care-of keygen token), or
 * SHA1(home keygen token) when the mobile node deregisters at home. */
void m6_rr_kbm(const uint8_t home_token[8], const uint8_t *coa_token, uint8_t kbm[20])
{
	uint8_t in[16];

	memcpy(in, home_token, 8);
	if (coa_token)
		memcpy(in + 8, coa_token, 8);
	m6_sha1(in, coa_token ? 16 : 8, kbm);
}

/*
 * §6.2.7: Authenticator = First(96, HMAC_SHA1(Kbm, Mobility Data)) with
 * Mobility Data = care-of address | correspondent | MH Data. "MH Data is the
 * content of the Mobility Header, excluding the Authenticator field itself",
 * computed "as if the Checksum field in the Mobility Header was zero". So
 * MH Data is every byte of the message from Payload Proto on (the BAD
 * option's type and length octets included), checksum as zero, with the 12
 * authenticator octets at auth_off left out and nothing put in their place.
 * An auth_off that does not leave 12 bytes inside the message (never the
 * case for a parsed or built message) leaves nothing out. The message is
 * taken up to the 2048 bytes a Mobility Header can have.
 */
void m6_rr_auth(const uint8_t kbm[20], const struct in6_addr *coa, const struct in6_addr *cn,
		const uint8_t *mh, size_t len, size_t auth_off, uint8_t out[12])
{
	uint8_t in[32 + MH_MAX], h[20];
	size_t n;

	if (len > MH_MAX)
		len = MH_MAX;
	memcpy(in, coa->s6_addr, 16);
	memcpy(in + 16, cn->s6_addr, 16);
	if (len)
		memcpy(in + 32, mh, len);
	n = 32 + len;
	if (len >= 6)
		in[32 + 4] = in[32 + 5] = 0;
	if (auth_off >= 6 && auth_off <= len && 12 <= len - auth_off) {
		memmove(in + 32 + auth_off, in + 32 + auth_off + 12, len - auth_off - 12);
		n -= 12;
	}
	m6_hmac_sha1(kbm, 20, in, n, h);
	memcpy(out, h, 12);
}

bool m6_rr_auth_equal(const uint8_t a[12], const uint8_t b[12])
{
	uint8_t d = 0;

	for (int i = 0; i < 12; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}
