/*
 * Fuzz target for mip6d's Mobility Header parser: the input is one Mobility
 * Header. What parses must build again, and the built message must parse
 * to the same fields (a message the daemon answers with is one it would
 * accept); a refused one must say why. The checksum and the authenticator
 * run over the input too, as the daemon runs them on what it receives.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mh.h"
#include "rr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const struct m6_mh *a, const struct m6_mh *b)
{
	return a->type == b->type && a->proto == b->proto && a->seq == b->seq &&
	       a->lifetime == b->lifetime && a->flags == b->flags && a->status == b->status &&
	       !memcmp(&a->home, &b->home, 16) && !memcmp(a->cookie, b->cookie, 8) &&
	       !memcmp(a->token, b->token, 8) && a->nonce_index == b->nonce_index &&
	       a->has_bra == b->has_bra && a->has_acoa == b->has_acoa && a->has_ni == b->has_ni &&
	       a->has_bad == b->has_bad && a->refresh == b->refresh &&
	       !memcmp(&a->acoa, &b->acoa, 16) && a->home_ni == b->home_ni &&
	       a->coa_ni == b->coa_ni && !memcmp(a->auth, b->auth, 12);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct in6_addr src = { { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } } };
	static const struct in6_addr dst = { { { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } } };
	static const uint8_t kbm[20] = { 1 };
	struct m6_mh m, back;
	const char *why = NULL;
	uint8_t buf[256], auth[12];
	size_t len = 0, aoff = 0;
	int rc;

	if (size > 4096)
		return 0;
	rc = m6_mh_parse(data, size, &m, &why);
	(void)m6_mh_csum_ok(&src, &dst, data, size);
	if (rc == -ENOTSUP && (m.type < M6_MH_NTYPES || !why))
		abort();
	if (rc) {
		if (rc != -ENOTSUP && (rc != -EINVAL || !why || m.bad_off >= (size > 8 ? size : 8)))
			abort();
		return 0;
	}
	if (m.has_bad) {
		if (m.auth_off < 8 || m.auth_off + 12 > size ||
		    memcmp(data + m.auth_off, m.auth, 12))
			abort();
		m6_rr_auth(kbm, &src, &dst, data, ((size_t)data[1] + 1) * 8, m.auth_off, auth);
	}

	rc = m6_mh_build(&m, buf, sizeof(buf), &len, &aoff);
	if (rc || len % 8 || len < 8 || buf[1] != len / 8 - 1)
		abort();
	m6_mh_set_csum(&src, &dst, buf, len);
	if (!m6_mh_csum_ok(&src, &dst, buf, len))
		abort();
	rc = m6_mh_parse(buf, len, &back, &why);
	if (rc || !same(&m, &back) || (m.has_bad && back.auth_off != aoff))
		abort();
	return 0;
}
