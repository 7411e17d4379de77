/*
 * Fragmentation and reassembly: IPv6 fragments (unfragmentable part, offsets,
 * sizes, identification) and IPv4 fragments (Don't Fragment, copied
 * options), compared with scapy's fragment6()/fragment(); reassembly in and
 * out of order, duplicates, overlaps (RFC 5722), atomic fragments (RFC 6946),
 * timeouts with and without the first fragment, memory and queue limits, and
 * the length checks of RFC 8200 §4.5. Expected frames were produced with
 * scapy and are pasted here as bytes.
 */
#include "pkt_t.h"
#include "reasm.h"

/* IPv6(2001:db8::1 > 2001:db8::2)/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()/
 * IPv6ExtHdrRouting()/IPv6ExtHdrDestOpt()/UDP(sport=1000, dport=2000)/bytes(range(100)) */
static const uint8_t v6_orig[180] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x8c, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x2b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x03, 0xe8, 0x07, 0xd0, 0x00, 0x6c, 0xfc, 0x1b, 0x00, 0x01, 0x02, 0x03,
	0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33,
	0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b,
	0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
	0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63,
};

/* fragment6() of the same with IPv6ExtHdrFragment(id=0x12345678) after the
 * Routing header, MTU 96: the unfragmentable part is 64 bytes, the data 24
 * bytes a fragment (the Destination Options after the Routing header goes
 * into the fragmentable part). */
static const uint8_t v6_frag0[96] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x38, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x2b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78,
	0x11, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8, 0x07, 0xd0,
	0x00, 0x6c, 0xfc, 0x1b, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
};

static const uint8_t v6_frag1[96] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x38, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x2b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x19, 0x12, 0x34, 0x56, 0x78,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
	0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static const uint8_t v6_frag2[96] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x38, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x2b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x31, 0x12, 0x34, 0x56, 0x78,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b,
	0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

static const uint8_t v6_frag3[96] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x38, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x2b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x49, 0x12, 0x34, 0x56, 0x78,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43,
	0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
};

static const uint8_t v6_frag4[92] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x34, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x2b, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x60, 0x12, 0x34, 0x56, 0x78,
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b,
	0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63,
};

/* IP(192.0.2.1 > 198.51.100.2, id=0x4242)/UDP(sport=1000, dport=2000)/bytes(range(100)) */
static const uint8_t v4_orig[128] = {
	0x45, 0x00, 0x00, 0x80, 0x42, 0x42, 0x00, 0x00, 0x40, 0x11, 0x4b, 0xf4,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x03, 0xe8, 0x07, 0xd0,
	0x00, 0x6c, 0x6b, 0x59, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
	0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b,
	0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43,
	0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b,
	0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63,
};

/* fragment(v4_orig, fragsize=48) */
static const uint8_t v4_frag0[68] = {
	0x45, 0x00, 0x00, 0x44, 0x42, 0x42, 0x20, 0x00, 0x40, 0x11, 0x2c, 0x30,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x03, 0xe8, 0x07, 0xd0,
	0x00, 0x6c, 0x6b, 0x59, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
	0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
};

static const uint8_t v4_frag1[68] = {
	0x45, 0x00, 0x00, 0x44, 0x42, 0x42, 0x20, 0x06, 0x40, 0x11, 0x2c, 0x2a,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x28, 0x29, 0x2a, 0x2b,
	0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43,
	0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
};

static const uint8_t v4_frag2[32] = {
	0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x0c, 0x40, 0x11, 0x4c, 0x48,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x58, 0x59, 0x5a, 0x5b,
	0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63,
};


static const uint8_t *const v6_frags[] = { v6_frag0, v6_frag1, v6_frag2, v6_frag3, v6_frag4 };
static const size_t v6_frag_len[] = { sizeof(v6_frag0), sizeof(v6_frag1), sizeof(v6_frag2),
				      sizeof(v6_frag3), sizeof(v6_frag4) };
static const uint8_t *const v4_frags[] = { v4_frag0, v4_frag1, v4_frag2 };
static const size_t v4_frag_len[] = { sizeof(v4_frag0), sizeof(v4_frag1), sizeof(v4_frag2) };

/* Offsets in the IPv6 fragments: Fragment header at 64. */
#define F6_OFF 66
#define F6_ID 68

/* A copy of IPv6 fragment i with another Identification. */
static size_t frag6_id(uint8_t *dst, int i, uint32_t id)
{
	memcpy(dst, v6_frags[i], v6_frag_len[i]);
	dst[F6_ID] = (uint8_t)(id >> 24);
	dst[F6_ID + 1] = (uint8_t)(id >> 16);
	dst[F6_ID + 2] = (uint8_t)(id >> 8);
	dst[F6_ID + 3] = (uint8_t)id;
	return v6_frag_len[i];
}

static void test_frag6(void)
{
	struct pkt_frag_opts o = { .mtu = 96, .id = 0x12345678 };
	struct pkt_fraglist fl;
	uint32_t sizes[] = { 16, 40 };
	int rc;

	pkt_fraglist_init(&fl);
	rc = pkt_fragment_ipv6(v6_orig, sizeof(v6_orig), &o, &fl);
	T_EQ_U(rc, 0, "ipv6 packet with hbh, dstopt, routing, dstopt fragments at MTU 96");
	T_EQ_U(fl.n, 5, "five fragments");
	for (size_t i = 0; i < fl.n && i < 5; i++)
		T_OK(first_diff(fl.v[i].b, fl.v[i].len, v6_frags[i], v6_frag_len[i]) < 0,
		     "fragment %zu equals scapy's fragment6()", i);

	/* Fragment sizes chosen by the caller, the last one repeating. */
	o.mtu = 0;
	o.sizes = sizes;
	o.nsizes = 2;
	o.id = 7;
	rc = pkt_fragment_ipv6(v6_orig, sizeof(v6_orig), &o, &fl);
	T_OK(rc == 0 && fl.n == 4, "sizes 16, 40, 40 and the rest: 4 fragments (rc %d)", rc);
	if (fl.n == 4) {
		T_EQ_U(fl.v[0].len, 64 + 8 + 16, "first fragment carries 16 bytes");
		T_EQ_U(fl.v[3].len, 64 + 8 + 20, "last fragment carries the 20 left");
		T_EQ_U(fl.v[2].b[F6_OFF] << 8 | fl.v[2].b[F6_OFF + 1], 56 | 1,
		       "third fragment: offset 56 bytes (7 units), M set");
		T_EQ_U(fl.v[3].b[F6_OFF + 1] & 1, 0, "last fragment: M clear");
		T_EQ_U(fl.v[1].b[F6_ID + 3], 7, "caller's identification");
		T_EQ_U(fl.v[1].b[4] << 8 | fl.v[1].b[5], 24 + 8 + 40, "payload length of a fragment");
		T_EQ_U(fl.v[1].b[56], 44, "routing header's next header is Fragment");
		T_EQ_U(fl.v[1].b[64], 60, "fragment header's next header is the original one");
	}
	o.nsizes = 0;
	o.size = 20;
	T_EQ_U(pkt_fragment_ipv6(v6_orig, sizeof(v6_orig), &o, &fl), (unsigned long long)-EINVAL,
	       "a size that is not a multiple of 8 is refused");
	T_EQ_U(fl.n, 0, "and the list is left empty");
	o.size = 0;
	o.mtu = 79;
	T_EQ_U(pkt_fragment_ipv6(v6_orig, sizeof(v6_orig), &o, &fl), (unsigned long long)-EMSGSIZE,
	       "an MTU with no room for 8 bytes of data is refused");
	o.mtu = 96;
	T_EQ_U(pkt_fragment_ipv6(v6_frag0, sizeof(v6_frag0), &o, &fl), (unsigned long long)-EINVAL,
	       "a fragment is not fragmented again");
	o.mtu = 1280;
	rc = pkt_fragment_ipv6(v6_orig, sizeof(v6_orig), &o, &fl);
	T_OK(rc == 0 && fl.n == 1 && fl.v[0].len == sizeof(v6_orig) + 8,
	     "a packet that fits gives one atomic fragment");
	T_EQ_U(fl.n ? fl.v[0].b[F6_OFF] << 8 | fl.v[0].b[F6_OFF + 1] : 99, 0,
	       "atomic fragment: offset 0, M clear");
	pkt_fraglist_free(&fl);
}

static void test_frag4(void)
{
	struct pkt_frag_opts o = { .size = 48 };
	struct pkt_fraglist fl, fl2;
	struct pkt_slayer *l;
	uint8_t b[256];
	int rc;

	pkt_fraglist_init(&fl);
	pkt_fraglist_init(&fl2);
	rc = pkt_fragment_ipv4(v4_orig, sizeof(v4_orig), &o, &fl);
	T_OK(rc == 0 && fl.n == 3, "ipv4 in 48-byte pieces: 3 fragments (rc %d)", rc);
	for (size_t i = 0; i < fl.n && i < 3; i++)
		T_OK(first_diff(fl.v[i].b, fl.v[i].len, v4_frags[i], v4_frag_len[i]) < 0,
		     "fragment %zu equals scapy's fragment()", i);
	o.size = 0;
	o.mtu = 68;
	o.set_id = true;
	o.id = 0x4242;
	rc = pkt_fragment_ipv4(v4_orig, sizeof(v4_orig), &o, &fl);
	T_OK(rc == 0 && fl.n == 3 &&
		     first_diff(fl.v[1].b, fl.v[1].len, v4_frag1, sizeof(v4_frag1)) < 0,
	     "MTU 68 gives the same fragments");

	memcpy(b, v4_orig, sizeof(v4_orig));
	b[6] = 0x40;
	b[10] = b[11] = 0;
	T_EQ_U(pkt_fragment_ipv4(b, sizeof(v4_orig), &o, &fl), (unsigned long long)-EMSGSIZE,
	       "Don't Fragment: -EMSGSIZE when it does not fit");
	o.mtu = 1500;
	o.set_id = false;
	rc = pkt_fragment_ipv4(v4_orig, sizeof(v4_orig), &o, &fl);
	T_OK(rc == 0 && fl.n == 1 &&
		     first_diff(fl.v[0].b, fl.v[0].len, v4_orig, sizeof(v4_orig)) < 0,
	     "a packet that fits comes back unchanged");

	/* A fragment split again keeps its place and its More Fragments bit. */
	o.mtu = 0;
	o.size = 24;
	rc = pkt_fragment_ipv4(v4_frag0, sizeof(v4_frag0), &o, &fl);
	T_OK(rc == 0 && fl.n == 2, "the first fragment splits in two (rc %d)", rc);
	if (fl.n == 2) {
		T_EQ_U(fl.v[1].b[6] << 8 | fl.v[1].b[7], 0x2003, "second piece: MF, offset 3 units");
		T_EQ_U(pkt_csum_header(fl.v[1].b, 20, 10), fl.v[1].b[10] << 8 | fl.v[1].b[11],
		       "header checksum recomputed");
	}
	rc = pkt_fragment_ipv4(v4_frag2, sizeof(v4_frag2), &o, &fl2);
	T_OK(rc == 0 && fl2.n == 1 && (fl2.v[0].b[6] & 0x20) == 0,
	     "the last fragment stays last");

	/* Options: Router Alert is copied into every fragment, Record Route
	 * only into the first. */
	spec->n = 0;
	push_ip4("192.0.2.1", "198.51.100.2", 9);
	l = push("ip4opt");
	pkt_spec_set_u(l, "type", 7);
	set_bytes(l, "data", "\x04\0\0\0\0", 5);
	push("ip4opt.ra");
	push("udp");
	set_bytes(push("raw"), "data", v4_orig + 28, 100);
	rc = build();
	T_OK(rc == 0 && wb.len == 32 + 108, "ipv4 with record route and router alert builds (%s)",
	     err);
	o.size = 0;
	o.mtu = 80;
	rc = pkt_fragment_ipv4(wb.b, wb.len, &o, &fl);
	T_OK(rc == 0 && fl.n == 3, "with options, MTU 80: 3 fragments (rc %d)", rc);
	if (fl.n == 3) {
		T_EQ_U(fl.v[0].len, 80, "first: 32-byte header and 48 bytes");
		T_EQ_U(fl.v[1].b[0], 0x46, "second: header of 24 bytes");
		T_EQ_U(fl.v[1].b[20], 148, "second: router alert copied");
		T_EQ_U(fl.v[1].len, 80, "second: 56 bytes of data");
		T_EQ_U(fl.v[2].len, 24 + 4, "third: the 4 bytes left");
		decode4(fl.v[1].b, fl.v[1].len);
		T_OK(dec->res == PKT_OK && dec->n >= 2 && !strcmp(lname(1), "ip4opt.ra"),
		     "second fragment decodes with its router alert");
		T_EQ_U(pkt_csum_verify(dec, 0), 1, "second fragment's header checksum verifies");
	}
	T_EQ_U(pkt_fragment_ipv4(v6_orig, sizeof(v6_orig), &o, &fl), (unsigned long long)-EINVAL,
	       "an IPv6 packet is not IPv4");
	pkt_fraglist_free(&fl);
	pkt_fraglist_free(&fl2);
}

/* Timeout reports collected by the callback. */
static struct {
	int n;
	struct pkt_reasm_timeout last;
	uint8_t first[128];
} to;

static void on_timeout(void *arg, const struct pkt_reasm_timeout *t)
{
	(void)arg;
	to.n++;
	to.last = *t;
	if (t->first && t->first_len <= sizeof(to.first))
		memcpy(to.first, t->first, t->first_len);
}

static struct pkt_reasm *reasm(size_t max_bytes, uint32_t max_queues)
{
	struct pkt_reasm_limits lim = { .max_bytes = max_bytes, .max_queues = max_queues };
	struct pkt_reasm *r = pkt_reasm_new(&lim);

	if (!r)
		abort();
	pkt_reasm_on_timeout(r, on_timeout, NULL);
	return r;
}

static enum pkt_reasm_status add6(struct pkt_reasm *r, int i, uint64_t now, struct pkt_wbuf *out)
{
	return pkt_reasm_add(r, v6_frags[i], v6_frag_len[i], now, out, NULL);
}

static void test_reasm_order(void)
{
	struct pkt_reasm *r = reasm(0, 0);
	struct pkt_reasm_info info;
	struct pkt_wbuf out;
	enum pkt_reasm_status st = PKT_REASM_HELD;
	int held = 0;

	pkt_wbuf_init(&out);
	for (int i = 0; i < 5; i++) {
		st = pkt_reasm_add(r, v6_frags[i], v6_frag_len[i], 1000 + i, &out, &info);
		held += st == PKT_REASM_HELD;
	}
	T_EQ_U(held, 4, "in order: four fragments held");
	T_EQ_U(st, PKT_REASM_DONE, "in order: the last completes the datagram");
	T_EQ_U(info.nfrags, 5, "made of five fragments");
	T_OK(first_diff(out.b, out.len, v6_orig, sizeof(v6_orig)) < 0,
	     "reassembled packet equals the original");
	T_EQ_U(pkt_reasm_queues(r), 0, "no queue left");
	T_EQ_U(pkt_reasm_bytes(r), 0, "no bytes held");

	for (int i = 4; i >= 0; i--)
		st = add6(r, i, 2000, &out);
	T_EQ_U(st, PKT_REASM_DONE, "reverse order completes");
	T_OK(first_diff(out.b, out.len, v6_orig, sizeof(v6_orig)) < 0,
	     "reverse order: same packet");

	static const int mixed[] = { 2, 0, 4, 1, 3 };
	for (int i = 0; i < 5; i++)
		st = add6(r, mixed[i], 3000, &out);
	T_EQ_U(st, PKT_REASM_DONE, "mixed order completes");
	T_OK(first_diff(out.b, out.len, v6_orig, sizeof(v6_orig)) < 0, "mixed order: same packet");

	/* Exact duplicate: dropped, the datagram goes on. */
	add6(r, 0, 4000, &out);
	add6(r, 1, 4000, &out);
	st = pkt_reasm_add(r, v6_frags[1], v6_frag_len[1], 4000, &out, &info);
	T_EQ_U(st, PKT_REASM_DROPPED, "an exact duplicate is dropped");
	T_EQ_S(info.why, "duplicate fragment", "duplicate reason");
	add6(r, 2, 4000, &out);
	add6(r, 3, 4000, &out);
	st = add6(r, 4, 4000, &out);
	T_EQ_U(st, PKT_REASM_DONE, "the datagram completes despite the duplicate");
	T_OK(first_diff(out.b, out.len, v6_orig, sizeof(v6_orig)) < 0, "duplicate: same packet");

	T_EQ_U(pkt_reasm_stats(r)->reassembled, 4, "4 datagrams reassembled");
	T_EQ_U(pkt_reasm_stats(r)->dup, 1, "1 duplicate counted");
	T_EQ_U(pkt_reasm_stats(r)->frags, 21, "21 fragments handed in");

	/* IPv4, out of order. */
	pkt_reasm_add(r, v4_frag2, sizeof(v4_frag2), 5000, &out, NULL);
	pkt_reasm_add(r, v4_frag0, sizeof(v4_frag0), 5000, &out, NULL);
	st = pkt_reasm_add(r, v4_frag1, sizeof(v4_frag1), 5000, &out, NULL);
	T_EQ_U(st, PKT_REASM_DONE, "ipv4 out of order completes");
	T_OK(first_diff(out.b, out.len, v4_orig, sizeof(v4_orig)) < 0,
	     "ipv4 reassembled equals the original");

	/* IPv4 queues are told apart by protocol as well. */
	{
		uint8_t b[sizeof(v4_frag0)];

		memcpy(b, v4_frag0, sizeof(b));
		b[9] = 6;
		pkt_reasm_add(r, b, sizeof(b), 6000, &out, NULL);
		pkt_reasm_add(r, v4_frag0, sizeof(v4_frag0), 6000, &out, NULL);
		T_EQ_U(pkt_reasm_queues(r), 2, "same id, other protocol: another queue");
	}

	st = pkt_reasm_add(r, v6_orig, sizeof(v6_orig), 6000, &out, &info);
	T_EQ_U(st, PKT_REASM_NOT_FRAG, "a packet without a Fragment header is not a fragment");
	st = pkt_reasm_add(r, v4_orig, sizeof(v4_orig), 6000, &out, &info);
	T_EQ_U(st, PKT_REASM_NOT_FRAG, "an unfragmented ipv4 packet is not a fragment");
	st = pkt_reasm_add(r, v6_frag0, 30, 6000, &out, &info);
	T_EQ_U(st, PKT_REASM_DROPPED, "a 30-byte ipv6 packet is dropped");
	st = pkt_reasm_add(r, v6_frag0, 90, 6000, &out, &info);
	T_EQ_S(info.why, "IPv6 payload length exceeds the packet", "a cut fragment is dropped");
	pkt_wbuf_free(&out);
	pkt_reasm_free(r);
}

static void test_reasm_overlap(void)
{
	struct pkt_reasm *r = reasm(0, 0);
	struct pkt_reasm_info info;
	struct pkt_wbuf out;
	enum pkt_reasm_status st;
	uint8_t b[128];

	pkt_wbuf_init(&out);
	to.n = 0;
	add6(r, 0, 0, &out);
	add6(r, 1, 0, &out);
	/* Fragment 2's data moved to offset 16: it overlaps fragment 0 and 1. */
	memcpy(b, v6_frag2, sizeof(v6_frag2));
	b[F6_OFF] = 0;
	b[F6_OFF + 1] = 16 | 1;
	st = pkt_reasm_add(r, b, sizeof(v6_frag2), 1, &out, &info);
	T_EQ_U(st, PKT_REASM_DROPPED, "an overlapping fragment is dropped");
	T_EQ_S(info.why, "overlapping fragment (RFC 5722): datagram discarded", "overlap reason");
	T_EQ_U(pkt_reasm_bytes(r), 0, "the datagram's fragments are discarded");
	T_EQ_U(pkt_reasm_stats(r)->overlap, 1, "overlap counted");
	for (int i = 2; i < 5; i++)
		st = add6(r, i, 2, &out);
	T_EQ_U(st, PKT_REASM_DROPPED, "fragments still arriving are discarded too");
	T_EQ_U(pkt_reasm_stats(r)->after_drop, 3, "three late fragments counted");
	T_EQ_U(pkt_reasm_queues(r), 1, "the discarded datagram is remembered");
	T_EQ_U(pkt_reasm_expire(r, 60000), 0, "at the timeout it does not count as timed out");
	T_EQ_U(to.n, 0, "nor is it reported");
	T_EQ_U(pkt_reasm_queues(r), 0, "but it is forgotten");
	for (int i = 0; i < 5; i++)
		st = add6(r, i, 60001, &out);
	T_EQ_U(st, PKT_REASM_DONE, "after that the same identification reassembles again");

	/* Same offset and length, other bytes: an overlap, not a duplicate. */
	add6(r, 0, 70000, &out);
	memcpy(b, v6_frag0, sizeof(v6_frag0));
	b[95] ^= 0xff;
	st = pkt_reasm_add(r, b, sizeof(v6_frag0), 70000, &out, &info);
	T_EQ_U(st, PKT_REASM_DROPPED, "same place, other bytes is dropped");
	T_EQ_U(pkt_reasm_stats(r)->overlap, 2, "and counted as an overlap");

	/* Two last fragments that disagree on the end. */
	frag6_id(b, 4, 99);
	pkt_reasm_add(r, b, v6_frag_len[4], 80000, &out, NULL);
	frag6_id(b, 4, 99);
	b[F6_OFF + 1] = (uint8_t)(b[F6_OFF + 1] + 8); /* one unit further */
	st = pkt_reasm_add(r, b, v6_frag_len[4], 80000, &out, &info);
	T_EQ_U(st, PKT_REASM_DROPPED, "a second last fragment with another end is dropped");
	T_EQ_U(pkt_reasm_stats(r)->inconsistent, 1, "inconsistent end counted");
	pkt_wbuf_free(&out);
	pkt_reasm_free(r);
}

static void test_reasm_atomic(void)
{
	struct pkt_frag_opts o = { .mtu = 1280, .id = 0x12345678 };
	struct pkt_reasm *r = reasm(0, 0);
	struct pkt_fraglist fl;
	struct pkt_wbuf out;
	enum pkt_reasm_status st;

	pkt_wbuf_init(&out);
	pkt_fraglist_init(&fl);
	add6(r, 0, 0, &out);
	add6(r, 1, 0, &out);
	pkt_fragment_ipv6(v6_orig, sizeof(v6_orig), &o, &fl);
	st = fl.n ? pkt_reasm_add(r, fl.v[0].b, fl.v[0].len, 1, &out, NULL) : PKT_REASM_DROPPED;
	T_EQ_U(st, PKT_REASM_ATOMIC, "an atomic fragment is returned at once");
	T_OK(first_diff(out.b, out.len, v6_orig, sizeof(v6_orig)) < 0,
	     "without its Fragment header: the original packet");
	T_EQ_U(pkt_reasm_queues(r), 1, "the queue with the same identification is untouched");
	T_EQ_U(pkt_reasm_bytes(r), 192, "and keeps its two fragments");
	add6(r, 2, 2, &out);
	add6(r, 3, 2, &out);
	st = add6(r, 4, 2, &out);
	T_EQ_U(st, PKT_REASM_DONE, "that datagram still completes");
	T_EQ_U(pkt_reasm_stats(r)->atomic, 1, "atomic counted");
	pkt_fraglist_free(&fl);
	pkt_wbuf_free(&out);
	pkt_reasm_free(r);
}

static void test_reasm_timeout(void)
{
	struct pkt_reasm *r = reasm(0, 0);
	struct pkt_wbuf out;
	uint8_t b[128];

	pkt_wbuf_init(&out);
	to.n = 0;
	add6(r, 0, 1000, &out);
	add6(r, 1, 30000, &out);
	T_EQ_U(pkt_reasm_expire(r, 60999), 0, "nothing expires before 60 s");
	T_EQ_U(pkt_reasm_expire(r, 61000), 1, "60 s after the first-arriving fragment it expires");
	T_EQ_U(to.n, 1, "the timeout is reported");
	T_OK(to.last.have_first, "with the first fragment");
	T_EQ_U(to.last.family, 6, "ipv6");
	T_EQ_U(to.last.id, 0x12345678, "its identification");
	T_EQ_U(to.last.nfrags, 2, "two fragments had arrived");
	T_OK(first_diff(to.first, to.last.first_len, v6_frag0, sizeof(v6_frag0)) < 0,
	     "the first fragment is handed over to be quoted");
	T_EQ_U(pkt_reasm_stats(r)->timeouts, 1, "timeout counted");

	/* Without the first fragment: reported so, no Time Exceeded. */
	frag6_id(b, 2, 5);
	pkt_reasm_add(r, b, v6_frag_len[2], 100000, &out, NULL);
	frag6_id(b, 3, 5);
	pkt_reasm_add(r, b, v6_frag_len[3], 100000, &out, NULL);
	/* The timeout also runs when a fragment is handed in. */
	pkt_reasm_add(r, v6_frag0, sizeof(v6_frag0), 160000, &out, NULL);
	T_EQ_U(to.n, 2, "expired while adding another fragment");
	T_OK(!to.last.have_first, "without the first fragment");
	T_EQ_U(to.last.id, 5, "the right datagram");
	T_EQ_U(pkt_reasm_queues(r), 1, "the new fragment's queue is there");
	pkt_wbuf_free(&out);
	pkt_reasm_free(r);
}

static void test_reasm_limits(void)
{
	struct pkt_reasm *r = reasm(300, 0);
	struct pkt_reasm_info info;
	struct pkt_wbuf out;
	enum pkt_reasm_status st;
	uint8_t b[128];

	pkt_wbuf_init(&out);
	/* Memory: 96-byte fragments, 300 bytes allowed. */
	add6(r, 0, 0, &out);
	add6(r, 1, 0, &out);
	frag6_id(b, 0, 2);
	pkt_reasm_add(r, b, v6_frag_len[0], 1, &out, NULL);
	T_EQ_U(pkt_reasm_bytes(r), 288, "three fragments held");
	frag6_id(b, 1, 2);
	st = pkt_reasm_add(r, b, v6_frag_len[1], 2, &out, NULL);
	T_EQ_U(st, PKT_REASM_HELD, "the fourth is held");
	T_EQ_U(pkt_reasm_stats(r)->evicted, 1, "by dropping the oldest datagram");
	T_EQ_U(pkt_reasm_queues(r), 1, "one datagram left");
	T_EQ_U(pkt_reasm_bytes(r), 192, "with its two fragments");
	pkt_reasm_free(r);

	/* A fragment larger than the whole budget. */
	r = reasm(64, 0);
	st = pkt_reasm_add(r, v6_frag0, sizeof(v6_frag0), 0, &out, &info);
	T_EQ_U(st, PKT_REASM_DROPPED, "a fragment over the memory limit is dropped");
	T_EQ_S(info.why, "reassembly memory limit: datagram discarded", "memory limit reason");
	T_EQ_U(pkt_reasm_queues(r), 0, "no queue kept for it");
	pkt_reasm_free(r);

	/* Queues: at most 2. */
	r = reasm(0, 2);
	for (uint32_t id = 1; id <= 3; id++) {
		frag6_id(b, 0, id);
		pkt_reasm_add(r, b, v6_frag_len[0], id, &out, NULL);
	}
	T_EQ_U(pkt_reasm_queues(r), 2, "a third datagram keeps 2 queues");
	T_EQ_U(pkt_reasm_stats(r)->evicted, 1, "the oldest one was dropped");
	for (int i = 1; i < 5; i++) {
		frag6_id(b, i, 1);
		st = pkt_reasm_add(r, b, v6_frag_len[i], 10, &out, NULL);
	}
	T_EQ_U(st, PKT_REASM_HELD, "the dropped datagram cannot complete");
	pkt_reasm_free(r);

	/* Lengths (RFC 8200 §4.5). */
	r = reasm(0, 0);
	memcpy(b, v6_frag1, sizeof(v6_frag1));
	b[5] -= 4;
	st = pkt_reasm_add(r, b, sizeof(v6_frag1) - 4, 0, &out, &info);
	T_EQ_U(st, PKT_REASM_DROPPED, "a 20-byte non-last fragment is dropped");
	T_EQ_S(info.why, "fragment length is not a multiple of 8", "multiple of 8 reason");
	T_EQ_U(info.param_ptr, 4, "parameter problem points at the payload length");
	T_EQ_U(pkt_reasm_stats(r)->bad_len, 1, "counted");
	memcpy(b, v6_frag4, sizeof(v6_frag4));
	st = pkt_reasm_add(r, b, sizeof(v6_frag4), 0, &out, &info);
	T_EQ_U(st, PKT_REASM_HELD, "a 20-byte last fragment is fine");
	memcpy(b, v6_frag1, sizeof(v6_frag1));
	b[F6_OFF] = 0xff;
	b[F6_OFF + 1] = 0xf9; /* offset 65528, M set */
	st = pkt_reasm_add(r, b, sizeof(v6_frag1), 0, &out, &info);
	T_EQ_U(st, PKT_REASM_DROPPED, "a fragment ending past 65535 is dropped");
	T_EQ_S(info.why, "fragment reassembles past 65535 bytes", "too big reason");
	T_EQ_U(info.param_ptr, F6_OFF, "parameter problem points at the fragment offset");
	T_EQ_U(pkt_reasm_stats(r)->too_big, 1, "counted");
	/* IPv4: 20 + 65528 + 16 is too big as well. */
	memcpy(b, v4_frag2, sizeof(v4_frag2));
	b[6] = 0x1f;
	b[7] = 0xff;
	st = pkt_reasm_add(r, b, sizeof(v4_frag2), 0, &out, &info);
	T_OK(st == PKT_REASM_DROPPED && pkt_reasm_stats(r)->too_big == 2,
	     "an ipv4 fragment ending past 65535 is dropped");
	pkt_wbuf_free(&out);
	pkt_reasm_free(r);
}

int main(void)
{
	t_pkt_init();
	test_frag6();
	test_frag4();
	test_reasm_order();
	test_reasm_overlap();
	test_reasm_atomic();
	test_reasm_timeout();
	test_reasm_limits();
	return t_done();
}
