/*
 * Helpers the packet library's unit tests share, on one spec, one decoded
 * frame and one built frame per test program: pushing layers, building,
 * decoding from a descriptor, reading a field as text, checking built bytes
 * against a vector, and decoding every prefix of a frame. The checks count
 * in the including file's TAP plan, so everything here is static inline and
 * is included after t.h.
 */
#ifndef V6LAB_PKT_T_H
#define V6LAB_PKT_T_H

#include <stdarg.h>
#include <stdlib.h>

#include "build.h"
#include "csum.h"
#include "decode.h"
#include "field.h"
#include "print.h"
#include "t.h"

static struct pkt_spec *spec __attribute__((unused));
static struct pkt_dec *dec __attribute__((unused));
static struct pkt_wbuf wb __attribute__((unused));
static char err[256] __attribute__((unused));

/* Allocates the spec and the decoded frame; call first in main(). */
static inline void t_pkt_init(void)
{
	spec = calloc(1, sizeof(*spec));
	dec = calloc(1, sizeof(*dec));
	if (!spec || !dec) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	pkt_wbuf_init(&wb);
}

/* ---- building ---- */

/* A descriptor by name; a missing one aborts the whole test run. */
static inline const struct pkt_proto *proto(const char *name)
{
	const struct pkt_proto *p = pkt_proto_by_name(name);

	if (!p) {
		printf("Bail out! no descriptor named %s\n", name);
		exit(1);
	}
	return p;
}

static inline struct pkt_slayer *push(const char *name)
{
	return pkt_spec_push(spec, proto(name));
}

/* Appends an IPv6 header src > dst. */
static inline struct pkt_slayer *push_ip6(const char *src, const char *dst)
{
	struct pkt_slayer *l = push("ipv6");

	pkt_spec_set_str(l, "src", src);
	pkt_spec_set_str(l, "dst", dst);
	return l;
}

/* Starts a new spec with an IPv6 header src > dst. */
static inline struct pkt_slayer *spec_ip6(const char *src, const char *dst)
{
	spec->n = 0;
	return push_ip6(src, dst);
}

/* Appends Ether 02::01 > 02::02 and an IPv6 header src > dst. */
static inline struct pkt_slayer *push_eth_ip6(const char *src, const char *dst)
{
	struct pkt_slayer *l = push("ether");

	pkt_spec_set_str(l, "src", "02:00:00:00:00:01");
	pkt_spec_set_str(l, "dst", "02:00:00:00:00:02");
	return push_ip6(src, dst);
}

/* Starts a new spec with Ether 02::01 > 02::02 and IPv6 src > dst. */
static inline struct pkt_slayer *spec_eth_ip6(const char *src, const char *dst)
{
	spec->n = 0;
	return push_eth_ip6(src, dst);
}

/* Appends an IPv4 header src > dst with an Identification. */
static inline struct pkt_slayer *push_ip4(const char *src, const char *dst, unsigned id)
{
	struct pkt_slayer *l = push("ipv4");

	pkt_spec_set_str(l, "src", src);
	pkt_spec_set_str(l, "dst", dst);
	pkt_spec_set_u(l, "id", id);
	return l;
}

/* Sets a field to n bytes at p, read as `type` (BYTES, IP6LIST). */
static inline void set_val(struct pkt_slayer *l, const char *name, uint8_t type, const void *p,
			   size_t n)
{
	struct pkt_val v = { .type = type, .p = p, .n = (uint32_t)n };

	if (pkt_spec_set(l, name, &v))
		printf("# cannot set %s.%s\n", l->proto->name, name);
}

static inline void set_bytes(struct pkt_slayer *l, const char *name, const void *p, size_t n)
{
	set_val(l, name, PKT_FT_BYTES, p, n);
}

/* Builds the spec into wb; says why in a comment when it cannot. */
static inline int build(void)
{
	int rc = pkt_build(spec, &wb, err, sizeof(err));

	if (rc)
		printf("# build: %s\n", err);
	return rc;
}

/* Index of the first differing byte, or -1 when equal (lengths included). */
static inline long first_diff(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	size_t n = an < bn ? an : bn;

	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return (long)i;
	return an == bn ? -1 : (long)n;
}

/* Checks that the frame just built is want[0..n); says where it differs. */
static inline void check_built(const uint8_t *want, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void check_built(const uint8_t *want, size_t n, const char *fmt, ...)
{
	long at = first_diff(wb.b, wb.len, want, n);
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	T_OK(at < 0, "%s", msg);
	if (at >= 0)
		printf("#   length %zu want %zu, first difference at %ld\n", wb.len, n, at);
}

static inline void check_bytes(const uint8_t *want, size_t n, const char *what)
{
	check_built(want, n, "%s: built bytes equal the scapy vector", what);
}

/* Builds the spec and checks it against the vector: three checks. */
static inline void build_eq(const uint8_t *want, size_t n, const char *what)
{
	T_OK(build() == 0, "%s: builds (%s)", what, err);
	T_EQ_U(wb.len, n, "%s: length", what);
	check_bytes(want, n, what);
}

/* ---- decoding ---- */

static inline enum pkt_result decode_from(const char *first, const uint8_t *b, size_t n)
{
	return pkt_decode(dec, b, (uint32_t)n, proto(first));
}

static inline enum pkt_result decode6(const uint8_t *b, size_t n)
{
	return decode_from("ipv6", b, n);
}

static inline enum pkt_result decode4(const uint8_t *b, size_t n)
{
	return decode_from("ipv4", b, n);
}

static inline enum pkt_result decode_eth(const uint8_t *b, size_t n)
{
	return decode_from("ether", b, n);
}

/* Name of layer i, or "(none)". */
static inline const char *lname(int i)
{
	return i >= 0 && i < dec->n ? dec->l[i].proto->name : "(none)";
}

/* A field of layer idx as the notation prints it, or "(absent)". */
static inline const char *fstr(int idx, const char *field)
{
	static char s[512];
	const struct pkt_fdesc *f;
	struct pkt_val v;

	if (idx < 0 || idx >= dec->n || !(f = pkt_proto_field(dec->l[idx].proto, field)) ||
	    pkt_field_get(dec, idx, f, &v))
		return "(absent)";
	pkt_val_fmt(f, &v, s, sizeof(s));
	return s;
}

/* Whether an address field of layer idx holds the address in text (the
 * first one of a list). */
static inline int addr_is(int idx, const char *name, const char *text)
{
	struct pkt_val v, want;

	if (pkt_field_get_name(dec, idx, name, &v))
		return 0;
	switch (v.type) {
	case PKT_FT_MAC:
		return !pkt_val_parse_addr(PKT_FT_MAC, text, &want) && !memcmp(v.a, want.a, 6);
	case PKT_FT_IP6:
		return !pkt_val_parse_addr(PKT_FT_IP6, text, &want) && !memcmp(v.a, want.a, 16);
	case PKT_FT_IP6LIST:
		return !pkt_val_parse_addr(PKT_FT_IP6, text, &want) && v.n >= 16 &&
		       !memcmp(v.p, want.a, 16);
	default:
		return 0;
	}
}

/* The one-line summary of the whole frame. */
static inline const char *summary(void)
{
	static char s[1024];

	pkt_print_summary(dec, s, sizeof(s));
	return s;
}

/* The summary of layer i alone. */
static inline const char *lsummary(int i)
{
	static char s[1024];

	s[0] = 0;
	if (i < 0 || i >= dec->n || !dec->l[i].proto->summary)
		return "(no summary)";
	dec->l[i].proto->summary(dec, i, s, sizeof(s));
	return s;
}

/*
 * Problems with the frame of n bytes just decoded: a result other than OK
 * or MALFORMED, a malformed one without a reason or with an offset outside,
 * a layer outside the frame. Printing and checksums read every field, so
 * they run too, for a sanitizer to watch.
 */
static inline int decode_problems(uint32_t n)
{
	static FILE *null;
	char line[1024];
	json_t *j;
	int bad = 0;

	if (!null)
		null = fopen("/dev/null", "w");
	if (dec->res != PKT_OK && dec->res != PKT_MALFORMED)
		bad++;
	if (dec->res == PKT_MALFORMED && (!dec->why || dec->bad_off > n))
		bad++;
	for (int i = 0; i < dec->n; i++)
		if (dec->l[i].off > n || dec->l[i].len > n - dec->l[i].off)
			bad++;
	pkt_print_summary(dec, line, sizeof(line));
	if (null)
		pkt_print_tree(dec, null);
	j = pkt_print_json(dec);
	json_decref(j);
	for (int i = 0; i < dec->n; i++)
		pkt_csum_verify(dec, i);
	return bad;
}

/*
 * Decodes every prefix of b[0..n) from descriptor `first`, each from a copy
 * of its exact size so that a sanitizer sees any read past it; an IPv6
 * prefix also with its payload length patched to fit. One check: no
 * prefix has problems, and those of length lo..hi-1 are malformed.
 */
static inline void check_prefixes(const char *first, const uint8_t *b, size_t n, size_t lo,
				  size_t hi, const char *what)
{
	int ip6 = !strcmp(first, "ipv6"), bad = 0;

	for (size_t k = 0; k <= n; k++) {
		uint8_t *p = malloc(k ? k : 1);

		if (!p) {
			bad++;
			break;
		}
		memcpy(p, b, k);
		decode_from(first, p, k);
		bad += decode_problems((uint32_t)k);
		if (k >= lo && k < hi && dec->res != PKT_MALFORMED)
			bad++;
		if (ip6 && k >= 40) {
			p[4] = (uint8_t)((k - 40) >> 8);
			p[5] = (uint8_t)(k - 40);
			decode_from(first, p, k);
			bad += decode_problems((uint32_t)k);
		}
		free(p);
	}
	T_EQ_U(bad, 0, "%s: every prefix decodes inside its bytes%s", what,
	       lo < hi ? ", the ones cut short malformed" : "");
}

#endif
