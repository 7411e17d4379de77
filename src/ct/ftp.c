/*
 * The FTP helper (RFC 959, RFC 2428), as Linux's nf_conntrack_ftp: on a
 * control connection to port 21, a segment of the client starting with
 * "PORT h1,h2,h3,h4,p1,p2" (IPv4) or "EPRT |af|addr|port|", or one of the
 * server starting with "227 ... (h1,h2,h3,h4,p1,p2)" (IPv4) or
 * "229 ... (|||port|)", announces a data connection: from the other end,
 * any source port, to the announced address and port. The table keeps it
 * as an expectation (five minutes, one per control connection); the
 * connection that fulfils it is RELATED. An address other than the
 * announcer's own is ignored, as Linux does unless told to be loose. Only
 * the start of a segment is looked at, case-insensitively, as Linux does.
 */
#include <arpa/inet.h>
#include <string.h>

#include "ct_int.h"

struct ftp_cmd {
	union ct_addr addr;
	bool has_addr;
	uint16_t port;
};

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Offset after the pattern (and after the first `skip` char past it when
 * skip is set), or 0 when the segment does not start with the pattern. */
static size_t match(const uint8_t *d, size_t n, const char *pat, uint8_t skip)
{
	size_t plen = strlen(pat), i;

	if (n <= plen)
		return 0;
	for (i = 0; i < plen; i++)
		if (lower(d[i]) != lower((uint8_t)pat[i]))
			return 0;
	if (!skip)
		return plen;
	for (i = plen; i < n; i++)
		if (d[i] == skip)
			return i + 1;
	return 0;
}

/* n numbers separated by sep and ended by term (any character when term
 * is 0) after the last; each below 256. Returns the length read or 0. */
static size_t numbers(const uint8_t *d, size_t len, uint32_t *v, int n, uint8_t sep, uint8_t term)
{
	int i = 0;
	bool digit = false;

	memset(v, 0, sizeof(*v) * (size_t)n);
	for (size_t k = 0; k < len; k++) {
		if (is_digit(d[k])) {
			v[i] = v[i] * 10 + (uint32_t)(d[k] - '0');
			if (v[i] > 255)
				return 0;
			digit = true;
		} else if (d[k] == sep && i < n - 1 && digit) {
			i++;
			digit = false;
		} else {
			return (d[k] == term || !term) && i == n - 1 && digit ? k : 0;
		}
	}
	return 0;
}

/* A decimal port ended by delim. */
static bool port_until(const uint8_t *d, size_t len, uint8_t delim, uint16_t *port)
{
	uint32_t v = 0;

	for (size_t k = 0; k < len; k++) {
		if (d[k] == delim) {
			if (!k || !v)
				return false;
			*port = (uint16_t)v;
			return true;
		}
		if (!is_digit(d[k]))
			return false;
		v = v * 10 + (uint32_t)(d[k] - '0');
		if (v > 65535)
			return false;
	}
	return false;
}

/* "h1,h2,h3,h4,p1,p2" (PORT, and 227 after its text) */
static bool rfc959(const uint8_t *d, size_t len, uint8_t term, struct ftp_cmd *c)
{
	uint32_t v[6];

	if (!numbers(d, len, v, 6, ',', term))
		return false;
	c->addr.a[0] = (uint8_t)v[0];
	c->addr.a[1] = (uint8_t)v[1];
	c->addr.a[2] = (uint8_t)v[2];
	c->addr.a[3] = (uint8_t)v[3];
	c->has_addr = true;
	c->port = (uint16_t)(v[4] << 8 | v[5]);
	return c->port != 0;
}

static bool rfc1123(const uint8_t *d, size_t len, struct ftp_cmd *c)
{
	size_t i = 0;

	while (i < len && !is_digit(d[i]))
		i++;
	return i < len && rfc959(d + i, len - i, 0, c);
}

static bool delim_ok(uint8_t d)
{
	return !is_digit(d) && d >= 33 && d <= 126;
}

/* "|1|192.0.2.1|5282|" or "|2|2001:db8::1|5282|" */
static bool eprt(const uint8_t *d, size_t len, uint8_t l3, struct ftp_cmd *c)
{
	uint8_t dl;
	size_t k;

	if (len <= 3)
		return false;
	dl = d[0];
	if (!delim_ok(dl) || d[2] != dl || d[1] != (l3 == 4 ? '1' : '2'))
		return false;
	if (l3 == 4) {
		uint32_t v[4];

		k = numbers(d + 3, len - 3, v, 4, '.', dl);
		if (!k)
			return false;
		for (int i = 0; i < 4; i++)
			c->addr.a[i] = (uint8_t)v[i];
	} else {
		char text[INET6_ADDRSTRLEN];

		for (k = 0; 3 + k < len && d[3 + k] != dl; k++)
			if (k >= sizeof(text) - 1)
				return false;
		if (3 + k >= len || !k)
			return false;
		memcpy(text, d + 3, k);
		text[k] = 0;
		if (inet_pton(AF_INET6, text, c->addr.a) != 1)
			return false;
	}
	c->has_addr = true;
	return port_until(d + 3 + k + 1, len - 3 - k - 1, dl, &c->port);
}

/* "|||5282|" */
static bool epsv(const uint8_t *d, size_t len, struct ftp_cmd *c)
{
	if (len <= 3 || !delim_ok(d[0]) || d[1] != d[0] || d[2] != d[0])
		return false;
	return port_until(d + 3, len - 3, d[0], &c->port);
}

static bool parse(const uint8_t *d, size_t n, uint8_t l3, enum ct_dir dir, struct ftp_cmd *c)
{
	size_t i;

	if (dir == CT_DIR_ORIG) {
		if (l3 == 4 && (i = match(d, n, "PORT", ' ')))
			return rfc959(d + i, n - i, '\r', c);
		if ((i = match(d, n, "EPRT", ' ')))
			return eprt(d + i, n - i, l3, c);
		return false;
	}
	if (l3 == 4 && (i = match(d, n, "227 ", 0)))
		return rfc1123(d + i, n - i, c);
	if ((i = match(d, n, "229 ", '(')))
		return epsv(d + i, n - i, c);
	return false;
}

void ct_ftp_help(struct ct_table *t, const struct ct_entry *e, const struct ct_pkt *p,
		 enum ct_dir dir, enum ct_info info)
{
	const uint8_t *th = p->b + p->l4off;
	const union ct_addr *sender, *other;
	struct ftp_cmd c = { 0 };
	struct ct_tuple x;
	size_t doff;

	if (info != CT_ESTABLISHED || p->t.proto != 6 || p->l4len < 20)
		return;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || doff >= p->l4len)
		return;
	if (!parse(th + doff, p->l4len - doff, e->t.l3, dir, &c))
		return;
	sender = dir == CT_DIR_ORIG ? &e->t.src : &e->t.dst;
	other = dir == CT_DIR_ORIG ? &e->t.dst : &e->t.src;
	if (c.has_addr && memcmp(&c.addr, sender, sizeof(c.addr)))
		return;
	memset(&x, 0, sizeof(x));
	x.l3 = e->t.l3;
	x.proto = 6;
	x.zone = e->t.zone;
	x.src = *other;
	x.dst = *sender;
	x.dport = c.port;
	ct_expect_add(t, &x, e, CT_HELPER_FTP, CT_FTP_EXPECT_TIMEOUT);
}
