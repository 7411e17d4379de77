/*
 * Return routability primitives (src/mip6/sha1.c, rr.c): SHA-1 against the
 * FIPS 180-2 examples, HMAC-SHA1 against the seven RFC 2202 vectors, the
 * keygen tokens, Kbm and the BAD authenticator recomputed here from
 * concatenations written out by hand (and once against values computed
 * with another implementation), and the correspondent's nonce ring:
 * regeneration every 30 s, expiry after 240 s, index wrap.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "t.h"

#include "mh.h"
#include "rr.h"

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		memset(&a, 0xee, sizeof(a));
	return a;
}

static const char *hex(const uint8_t *p, size_t n)
{
	static char s[256];

	for (size_t i = 0; i < n && i < 120; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * (n < 120 ? n : 120)] = 0;
	return s;
}

static void test_sha1(void)
{
	uint8_t d[20];
	char *m;

	m6_sha1("abc", 3, d);
	T_EQ_S(hex(d, 20), "a9993e364706816aba3e25717850c26c9cd0d89d", "SHA-1(\"abc\")");
	m6_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
	T_EQ_S(hex(d, 20), "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
	       "SHA-1 of the 448-bit message");
	m = malloc(1000000);
	if (m) {
		memset(m, 'a', 1000000);
		m6_sha1(m, 1000000, d);
		free(m);
	}
	T_EQ_S(hex(d, 20), "34aa973cd4c4daa4f61eeb2bdbad27316534016f", "SHA-1 of a million 'a'");
	m6_sha1(NULL, 0, d);
	T_EQ_S(hex(d, 20), "da39a3ee5e6b4b0d3255bfef95601890afd80709", "SHA-1 of nothing");
	/* 55, 56 and 64 bytes: the padding's edge cases. */
	m6_sha1("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 55, d);
	T_EQ_S(hex(d, 20), "c1c8bbdc22796e28c0e15163d20899b65621d65a", "55 bytes");
	m6_sha1("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 56, d);
	T_EQ_S(hex(d, 20), "c2db330f6083854c99d4b5bfb6e8f29f201be699", "56 bytes");
	m6_sha1("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64, d);
	T_EQ_S(hex(d, 20), "0098ba824b5c16427bd7a1122a5a442a25ec644d", "64 bytes");
}

static void test_hmac(void)
{
	static const struct {
		size_t klen;
		uint8_t kbyte;		/* key: klen times kbyte (0: see below) */
		const char *data;
		size_t dlen;
		uint8_t dbyte;		/* data: dlen times dbyte when data is NULL */
		const char *want;
	} v[] = {
		{ 20, 0x0b, "Hi There", 8, 0, "b617318655057264e28bc0b6fb378c8ef146be00" },
		{ 4, 0, "what do ya want for nothing?", 28, 0,
		  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
		{ 20, 0xaa, NULL, 50, 0xdd, "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
		{ 25, 0, NULL, 50, 0xcd, "4c9007f4026250c6bc8414f9bf50c86c2d7235da" },
		{ 20, 0x0c, "Test With Truncation", 20, 0,
		  "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04" },
		{ 80, 0xaa, "Test Using Larger Than Block-Size Key - Hash Key First", 54, 0,
		  "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
		{ 80, 0xaa,
		  "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data", 73,
		  0, "e8e99d0f45237d786d6bbaa7965c7808bbff1a91" },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t key[80], data[80], d[20];

		if (i == 1)
			memcpy(key, "Jefe", 4);
		else if (i == 3)
			for (int k = 0; k < 25; k++)
				key[k] = (uint8_t)(k + 1);
		else
			memset(key, v[i].kbyte, v[i].klen);
		if (v[i].data)
			memcpy(data, v[i].data, v[i].dlen);
		else
			memset(data, v[i].dbyte, v[i].dlen);
		m6_hmac_sha1(key, v[i].klen, data, v[i].dlen, d);
		T_EQ_S(hex(d, 20), v[i].want, "HMAC-SHA1 RFC 2202 test case %zu", i + 1);
	}
}

static const uint8_t kcn_fixed[20] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
};
static const uint8_t nonce_fixed[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static void test_tokens(void)
{
	struct in6_addr hoa = A("2001:db8:1::5"), coa = A("2001:db8:2::5"), cn = A("2001:db8:3::1");
	uint8_t ht[8], ct[8], in[25], h[20], kbm[20], kbm2[20], cat[16];

	/* Home keygen token: HMAC_SHA1(Kcn, home address | nonce | 0), first 64 bits. */
	m6_rr_token(kcn_fixed, &hoa, nonce_fixed, 0, ht);
	memcpy(in, &hoa, 16);
	memcpy(in + 16, nonce_fixed, 8);
	in[24] = 0;
	m6_hmac_sha1(kcn_fixed, 20, in, 25, h);
	T_OK(!memcmp(ht, h, 8), "home keygen token = First(64, HMAC_SHA1(Kcn, hoa|nonce|0))");
	T_EQ_S(hex(ht, 8), "4886b187e72038e6", "home keygen token value");

	m6_rr_token(kcn_fixed, &coa, nonce_fixed, 1, ct);
	memcpy(in, &coa, 16);
	in[24] = 1;
	m6_hmac_sha1(kcn_fixed, 20, in, 25, h);
	T_OK(!memcmp(ct, h, 8), "care-of keygen token = First(64, HMAC_SHA1(Kcn, coa|nonce|1))");
	T_EQ_S(hex(ct, 8), "c97bd2b502075bcd", "care-of keygen token value");

	m6_rr_token(kcn_fixed, &hoa, nonce_fixed, 1, h);
	T_OK(memcmp(ht, h, 8), "the id octet matters");

	m6_rr_kbm(ht, ct, kbm);
	memcpy(cat, ht, 8);
	memcpy(cat + 8, ct, 8);
	m6_sha1(cat, 16, kbm2);
	T_OK(!memcmp(kbm, kbm2, 20), "Kbm = SHA1(home token | care-of token)");
	T_EQ_S(hex(kbm, 20), "3049b21fa3513d2fc487c1bb315d7b84a1febfa5", "Kbm value");
	m6_rr_kbm(ht, NULL, kbm2);
	m6_sha1(ht, 8, h);
	T_OK(!memcmp(kbm2, h, 20), "deregistration Kbm = SHA1(home token)");
	T_EQ_S(hex(kbm2, 20), "910b213edf1fa95d43bd24cfe883c6bcb749c9aa",
	       "deregistration Kbm value");

	/* Authenticator over a BU with nonce indices and authorization data. */
	struct m6_mh m = { .type = M6_BU, .seq = 0x0102, .flags = M6_BU_A, .lifetime = 105 };
	uint8_t bu[64], auth[12], md[32 + 64];
	size_t len, aoff;

	m.has_ni = true;
	m.home_ni = 3;
	m.coa_ni = 4;
	m.has_bad = true;
	T_EQ_U(m6_mh_build(&m, bu, sizeof(bu), &len, &aoff), 0, "RR BU builds");
	T_OK(len == 32 && aoff == 20, "32 bytes, authenticator at 20");
	m6_rr_auth(kbm, &coa, &cn, bu, len, aoff, auth);
	/* By hand: care-of address | correspondent | the MH bytes up to the
	 * authenticator (type and length of the BAD option included), with the
	 * checksum zero; nothing follows the authenticator. */
	memcpy(md, &coa, 16);
	memcpy(md + 16, &cn, 16);
	memcpy(md + 32, bu, 20);
	md[32 + 4] = md[32 + 5] = 0;
	m6_hmac_sha1(kbm, 20, md, 52, h);
	T_OK(!memcmp(auth, h, 12), "authenticator = First(96, HMAC_SHA1(Kbm, coa|cn|MH data))");
	T_EQ_S(hex(auth, 12), "68aad30e89acc58498907ddd", "authenticator value");

	/* What is in the checksum and authenticator fields does not count. */
	memcpy(bu + aoff, auth, 12);
	bu[4] = 0x12;
	bu[5] = 0x34;
	m6_rr_auth(kbm, &coa, &cn, bu, len, aoff, h);
	T_OK(!memcmp(auth, h, 12), "checksum and authenticator bytes are left out");
	T_OK(m6_rr_auth_equal(auth, h), "auth_equal: same");
	bu[11] ^= 1;
	m6_rr_auth(kbm, &coa, &cn, bu, len, aoff, h);
	T_OK(memcmp(auth, h, 12), "a changed lifetime changes it");
	T_OK(!m6_rr_auth_equal(auth, h), "auth_equal: different");
	bu[11] ^= 1;
	m6_rr_auth(kbm, &cn, &coa, bu, len, aoff, h);
	T_OK(memcmp(auth, h, 12), "so do swapped addresses");

	/* Bytes after the authenticator would count (the parser refuses them). */
	memset(md, 0, sizeof(md));
	memcpy(md, &coa, 16);
	memcpy(md + 16, &cn, 16);
	memcpy(md + 32, bu, 20);
	md[32 + 4] = md[32 + 5] = 0;
	memcpy(md + 52, "\x01\x02\x00\x00\x00\x00\x00\x00", 8);
	memcpy(bu + 32, "\x01\x02\x00\x00\x00\x00\x00\x00", 8);
	m6_rr_auth(kbm, &coa, &cn, bu, 40, aoff, auth);
	m6_hmac_sha1(kbm, 20, md, 60, h);
	T_OK(!memcmp(auth, h, 12), "only the 12 authenticator bytes are skipped");
}

static void test_nonces(void)
{
	struct m6_rr_cn cn, cn2;
	uint8_t n0[8], n[8], cur[8];
	uint16_t i0, idx;
	int regen = 0;
	double t;

	T_EQ_U(m6_rr_cn_init(&cn, 1000), 0, "init");
	T_EQ_U(m6_rr_cn_init(&cn2, 1000), 0, "init another");
	T_OK(memcmp(cn.kcn, cn2.kcn, 20), "Kcn is random");
	m6_rr_cn_current(&cn, &i0, n0);
	T_OK(m6_rr_cn_nonce(&cn, i0, 1000, n) && !memcmp(n, n0, 8), "current nonce found");
	T_OK(!m6_rr_cn_nonce(&cn, (uint16_t)(i0 - 1), 1000, n), "the index before: never made");
	T_OK(!m6_rr_cn_nonce(&cn, (uint16_t)(i0 + 1), 1000, n), "the index after: not yet");

	m6_rr_cn_tick(&cn, 1029.9);
	m6_rr_cn_current(&cn, &idx, cur);
	T_EQ_U(idx, i0, "no new nonce before 30 s");
	for (t = 1000; t <= 1300; t += 0.5) {
		uint16_t before = cn.cur;

		m6_rr_cn_tick(&cn, t);
		if (cn.cur != before)
			regen++;
	}
	T_EQ_U(regen, 10, "one new nonce every 30 s over 300 s");
	m6_rr_cn_current(&cn, &idx, cur);
	T_EQ_U(idx, (uint16_t)(i0 + 10), "index moved by 10");
	T_OK(memcmp(cur, n0, 8), "the nonce changed");

	/* The first one was born at 1000: valid below 1240 only, and in any
	 * case gone once 8 newer ones exist. */
	T_EQ_U(m6_rr_cn_init(&cn, 1000), 0, "re-init");
	m6_rr_cn_current(&cn, &i0, n0);
	for (t = 1030; t <= 1210; t += 30)
		m6_rr_cn_tick(&cn, t);
	m6_rr_cn_current(&cn, &idx, cur);
	T_EQ_U((uint16_t)(idx - i0), 7, "seven newer nonces by 1210");
	T_OK(m6_rr_cn_nonce(&cn, i0, 1239.9, n) && !memcmp(n, n0, 8), "first nonce at 239.9 s");
	T_OK(!m6_rr_cn_nonce(&cn, i0, 1240, n), "first nonce expired at 240 s");
	T_OK(m6_rr_cn_nonce(&cn, (uint16_t)(i0 + 1), 1240, n), "second one still valid at 1240");
	m6_rr_cn_tick(&cn, 1240);
	T_OK(!m6_rr_cn_nonce(&cn, i0, 1100, n), "its slot reused by the eighth newer nonce");
	/* Without ticks for a while the newest nonce ages out too. */
	T_OK(!m6_rr_cn_nonce(&cn, cn.cur, 1240 + 240, n), "newest nonce expires without ticks");

	/* Index wrap at 65536. */
	T_EQ_U(m6_rr_cn_init(&cn, 5000), 0, "re-init");
	cn.cur = 65533;
	memcpy(cn.nonce[65533 % M6_NONCES].nonce, "wrapping", 8);
	cn.nonce[65533 % M6_NONCES].born = 5000;
	for (t = 5030; t <= 5120; t += 30)
		m6_rr_cn_tick(&cn, t);
	m6_rr_cn_current(&cn, &idx, cur);
	T_EQ_U(idx, 1, "65533 + 4 wraps to 1");
	T_OK(m6_rr_cn_nonce(&cn, 65533, 5120, n) && !memcmp(n, "wrapping", 8),
	     "65533 still found across the wrap");
	T_OK(m6_rr_cn_nonce(&cn, 65535, 5120, n), "65535 found");
	T_OK(m6_rr_cn_nonce(&cn, 0, 5120, n), "0 found");
	T_OK(m6_rr_cn_nonce(&cn, 1, 5120, n) && !memcmp(n, cur, 8), "1 is the current one");
	T_OK(!m6_rr_cn_nonce(&cn, 2, 5120, n), "2 does not exist yet");
	T_OK(!m6_rr_cn_nonce(&cn, 65529, 5120, n), "65529 is older than the ring");
}

int main(void)
{
	test_sha1();
	test_hmac();
	test_tokens();
	test_nonces();
	return t_done();
}
