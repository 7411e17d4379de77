/*
 * Fuzz target for the mip6d data plane's packet rewrites: the input is an
 * IPv6 packet. m6_pkt_info walks its header chain; the receive-side
 * rewrites (HAO in, RH2 in) run on it, and whatever they produce must walk
 * cleanly again; the send-side rewrites (HAO out, RH2 out, encapsulation)
 * run on it too and their output must walk cleanly and carry the option.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[65536 + 256];

static void must_walk(const uint8_t *p, size_t n)
{
	struct m6_pkt_info pi;

	if (m6_pkt_info(p, n, &pi))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct m6_pkt_info pi, po;
	struct in6_addr a, b, coa = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 9 } };
	size_t n;

	if (size > 65535 + 40)
		return 0;
	if (m6_pkt_info(data, size, &pi))
		return 0;
	if (!m6_pkt_hao_in(data, size, out, sizeof(out), &n, &a, &b)) {
		must_walk(out, n);
		if (m6_pkt_info(out, n, &po) || po.has_hao || memcmp(&po.src, &b, 16))
			abort();
	}
	if (!m6_pkt_rh2_in(data, size, out, sizeof(out), &n, &a)) {
		if (m6_pkt_info(out, n, &po) || po.has_rh2 || memcmp(&po.dst, &a, 16))
			abort();
	}
	if (!m6_pkt_hao_out(data, size, &coa, out, sizeof(out), &n)) {
		if (m6_pkt_info(out, n, &po) || !po.has_hao || memcmp(&po.src, &coa, 16))
			abort();
	}
	if (!m6_pkt_rh2_out(data, size, &coa, out, sizeof(out), &n)) {
		if (m6_pkt_info(out, n, &po) || !po.has_rh2 || memcmp(&po.dst, &coa, 16))
			abort();
	}
	if (!m6_pkt_encap(data, size, &coa, &pi.dst, out, sizeof(out), &n))
		must_walk(out, n);
	return 0;
}
