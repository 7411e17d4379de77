/*
 * End to end on the wire: the Linux kernel in a NUT namespace answers an
 * ICMPv6 Echo Request that the packet encoder built and the AF_PACKET link
 * sent from a tester namespace, and the decoder reads the Echo Reply. The
 * NUT resolves the tester's (impersonated) MAC from a static neighbour
 * entry. Uses the icmpv6.echo_* descriptors when the registry has them, and
 * otherwise builds the message as raw bytes after the IPv6 header. Needs root.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "build.h"
#include "csum.h"
#include "decode.h"
#include "field.h"
#include "link.h"
#include "neigh.h"
#include "netns.h"
#include "packet.h"
#include "print.h"
#include "rtnl.h"
#include "t.h"
#include "topo.h"

#define PREFIX "v6t-"
#define TN_MAC "02:00:5e:10:01:01"
#define TN_IP "2001:db8:1::1"
#define NUT_IP "2001:db8:1::2"
#define ECHO_ID 0x1234
#define ECHO_SEQ 7

static const uint8_t echo_data[16] = "v6lab echo test";

/* The ICMPv6 sum over the pseudo-header and the message at m[0..n). */
static uint16_t icmp6_sum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *m,
			  size_t n)
{
	uint8_t ph[8] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n,
			  0, 0, 0, 58 };
	uint32_t s = pkt_csum_add(0, src, 16);

	s = pkt_csum_add(s, dst, 16);
	s = pkt_csum_add(s, ph, 8);
	return pkt_csum_fold(pkt_csum_add(s, m, n));
}

/* ether / ipv6 / icmpv6.echo_request, or its raw-bytes stand-in. */
static int build_request(const uint8_t nut_mac[6], struct pkt_wbuf *w, int raw, uint16_t seq)
{
	const struct pkt_proto *req = raw ? NULL : pkt_proto_by_name("icmpv6.echo_request");
	struct pkt_spec *s = calloc(1, sizeof(*s));
	struct pkt_val v = { .type = PKT_FT_MAC };
	struct pkt_slayer *l;
	uint8_t m[8 + sizeof(echo_data)];
	char err[128];
	int rc;

	if (!s)
		return -ENOMEM;
	l = pkt_spec_push(s, pkt_proto_by_name("ether"));
	pkt_spec_set_str(l, "src", TN_MAC);
	memcpy(v.a, nut_mac, 6);
	pkt_spec_set(l, "dst", &v);
	l = pkt_spec_push(s, pkt_proto_by_name("ipv6"));
	pkt_spec_set_str(l, "src", TN_IP);
	pkt_spec_set_str(l, "dst", NUT_IP);
	if (req) {
		l = pkt_spec_push(s, req);
		rc = pkt_spec_set_u(l, "id", ECHO_ID);
		rc = rc ? rc : pkt_spec_set_u(l, "seq", seq);
		v = (struct pkt_val){ .type = PKT_FT_BYTES, .p = echo_data, .n = sizeof(echo_data) };
		rc = rc ? rc : pkt_spec_set(l, "data", &v);
		T_OK(rc == 0, "echo request fields id, seq and data set (%d)", rc);
	} else {
		/* No descriptor yet: type 128, code 0, checksum, id, seq, data. */
		pkt_spec_set_u(l, "nh", 58);
		memset(m, 0, sizeof(m));
		m[0] = 128;
		m[4] = ECHO_ID >> 8, m[5] = ECHO_ID & 0xff;
		m[6] = (uint8_t)(seq >> 8), m[7] = (uint8_t)seq;
		memcpy(m + 8, echo_data, sizeof(echo_data));
		l = pkt_spec_push(s, pkt_proto_by_name("raw"));
		v = (struct pkt_val){ .type = PKT_FT_BYTES, .p = m, .n = sizeof(m) };
		pkt_spec_set(l, "data", &v);
	}
	pkt_wbuf_init(w);
	rc = pkt_build(s, w, err, sizeof(err));
	T_OK(rc == 0, "echo request built (%s)", rc ? err : "ok");
	if (!rc && raw && w->len == 14 + 40 + sizeof(m)) {
		uint16_t c = icmp6_sum(w->b + 14 + 8, w->b + 14 + 24, w->b + 54, sizeof(m));

		w->b[54 + 2] = (uint8_t)(c >> 8);
		w->b[54 + 3] = (uint8_t)c;
	}
	free(s);
	return rc;
}

/* Checks the reply with the decoder. */
static void check_reply(const uint8_t *f, int n, const uint8_t nut_mac[6], int raw,
			uint16_t seq)
{
	struct pkt_dec *d = calloc(1, sizeof(*d));
	struct pkt_val v;
	struct net_ip tn, nut;
	char line[512];
	int i;

	if (!d)
		return;
	net_ip_parse(TN_IP, &tn);
	net_ip_parse(NUT_IP, &nut);
	pkt_decode(d, f, (uint32_t)n, pkt_proto_by_name("ether"));
	pkt_print_summary(d, line, sizeof(line));
	printf("# reply: %s\n", line);
	T_OK(d->res == PKT_OK && d->n >= 3, "reply decodes (%s)", d->res ? d->why : "ok");
	T_OK(pkt_field_get_name(d, 0, "dst", &v) == 0 && !memcmp(v.a, "\x02\x00\x5e\x10\x01\x01", 6),
	     "sent to the impersonated MAC the NUT has as neighbour");
	T_OK(pkt_field_get_name(d, 0, "src", &v) == 0 && !memcmp(v.a, nut_mac, 6),
	     "from the NUT's MAC");
	i = pkt_dec_find(d, "ipv6", 0);
	T_OK(i >= 0 && pkt_field_get_name(d, i, "src", &v) == 0 && !memcmp(v.a, nut.a, 16),
	     "IPv6 source is the NUT's address");
	T_OK(i >= 0 && pkt_field_get_name(d, i, "dst", &v) == 0 && !memcmp(v.a, tn.a, 16),
	     "IPv6 destination is the tester's address");
	if (!raw) {
		i = pkt_dec_find(d, "icmpv6.echo_reply", 0);
		T_OK(i >= 0, "an icmpv6.echo_reply layer");
		T_EQ_U(i >= 0 ? pkt_field_u(d, i, "id", 0) : 0, ECHO_ID, "identifier echoed");
		T_EQ_U(i >= 0 ? pkt_field_u(d, i, "seq", 0) : 0, seq, "sequence number echoed");
		T_OK(i >= 0 && pkt_field_get_name(d, i, "data", &v) == 0 &&
			     v.n == sizeof(echo_data) && !memcmp(v.p, echo_data, v.n),
		     "data echoed");
		T_EQ_U(i >= 0 ? pkt_csum_verify(d, i) : 0, 1, "checksum verifies");
	} else {
		/* Raw stand-in: the message follows a bare IPv6 header. */
		const uint8_t *m = f + 54;
		size_t mlen = (size_t)n - 54;

		T_OK(n >= 54 + 8 && f[14 + 6] == 58 && m[0] == 129 && m[1] == 0,
		     "an ICMPv6 echo reply after the IPv6 header");
		T_OK(n >= 54 + 8 && (m[4] << 8 | m[5]) == ECHO_ID && (m[6] << 8 | m[7]) == seq,
		     "identifier and sequence number echoed");
		T_OK(mlen == 8 + sizeof(echo_data) && !memcmp(m + 8, echo_data, sizeof(echo_data)),
		     "data echoed");
		T_OK(n >= 54 + 8 && icmp6_sum(f + 22, f + 38, m, mlen) == 0, "checksum verifies");
	}
	free(d);
}

/* Sends one echo request and checks the reply. */
static void exchange(struct net_pkt *p, const uint8_t nut_mac[6], int raw, uint16_t seq)
{
	struct net_pkt_info info;
	struct pkt_wbuf w = { 0 };
	uint8_t f[2048];
	int rc, n = -1;

	if (!raw && !pkt_proto_by_name("icmpv6.echo_request")) {
		printf("# icmpv6.echo_request is not in the registry yet\n");
		return;
	}
	printf("# echo request %s\n", raw ? "as raw bytes after ipv6" : "from the icmpv6 descriptors");
	net_pkt_drain(p); /* a late reply to an earlier try */
	rc = build_request(nut_mac, &w, raw, seq);
	if (rc)
		goto out;
	/* The NUT may still be bringing the link up: try a few times. */
	for (int t = 0; t < 5 && n < 0; t++) {
		rc = net_pkt_send(p, w.b, w.len);
		if (rc)
			break;
		n = net_pkt_recv(p, f, sizeof(f), 1000, &info);
	}
	T_OK(rc == 0, "echo request sent");
	T_OK(n > 0, "echo reply received (%d)", n);
	T_OK(n > 0 && info.ts.tv_sec > 0, "with a timestamp");
	if (n > 0)
		check_reply(f, n, nut_mac, raw, seq);
out:
	pkt_wbuf_free(&w);
}

static void run(struct net_topo *topo)
{
	struct net_ns *tn, *nut;
	struct net_rtnl *nl_tn = NULL, *nl_nut = NULL;
	struct net_pkt p = { .fd = -1 };
	struct net_link l;
	struct net_neigh *nv;
	struct net_ip a;
	uint8_t tn_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x01, 0x01 };
	char err[256], v[16];
	int if_tn, if_nut, rc;
	size_t nn, i;

	rc = net_topo_add_ns(topo, "nut", &nut);
	tn = &topo->ns[0];
	rc = rc ? rc : net_topo_add_veth(topo, tn, "tn0", nut, "nut0");
	rc = rc ? rc : net_rtnl_open(tn, &nl_tn);
	rc = rc ? rc : net_rtnl_open(nut, &nl_nut);
	T_OK(rc == 0, "tester and NUT namespaces joined by a veth pair (%d)", rc);
	if (rc)
		goto out;
	if_tn = net_link_ifindex(nl_tn, "tn0");
	if_nut = net_link_ifindex(nl_nut, "nut0");
	/* The tester's kernel keeps out of the exchange. */
	rc = net_ns_sysctl_set(tn, "net.ipv6.conf.tn0.disable_ipv6", "1");
	T_OK(rc == 0 && net_ns_sysctl_get(tn, "net.ipv6.conf.tn0.disable_ipv6", v, sizeof(v)) == 0 &&
		     !strcmp(v, "1"),
	     "IPv6 off on the tester's end (%d)", rc);
	net_ip_parse(NUT_IP, &a);
	rc = net_addr_add(nl_nut, if_nut, &a, 64, IFA_F_NODAD);
	T_OK(rc == 0, "NUT address %s with nodad (%s)", NUT_IP, net_rtnl_errmsg(nl_nut));
	T_OK(net_link_set_up(nl_tn, if_tn, true) == 0 && net_link_set_up(nl_nut, if_nut, true) == 0,
	     "links up");
	net_ip_parse(TN_IP, &a);
	rc = net_neigh_add(nl_nut, if_nut, &a, tn_mac, 6, NUD_PERMANENT);
	T_OK(rc == 0, "static neighbour for the tester on the NUT (%s)", net_rtnl_errmsg(nl_nut));
	T_OK(net_link_get(nl_nut, if_nut, NULL, &l) == 0 && l.addr_len == 6, "NUT MAC read");
	rc = net_pkt_open(&p, tn, "tn0", "icmp6 and ip6[40] == 129", 0, err, sizeof(err));
	T_OK(rc == 0, "tester's packet socket with an echo-reply filter (%s)", err);
	if (rc)
		goto out;
	/* Once with the echo descriptors, once with the raw stand-in. */
	for (int raw = 0; raw < 2; raw++)
		exchange(&p, l.addr, raw, (uint16_t)(ECHO_SEQ + raw));

	rc = net_neigh_list(nl_nut, if_nut, AF_INET6, &nv, &nn);
	for (i = 0; rc == 0 && i < nn; i++)
		if (net_ip_eq(&nv[i].ip, &a))
			break;
	T_OK(rc == 0 && i < nn && nv[i].state == NUD_PERMANENT && !memcmp(nv[i].lladdr, tn_mac, 6),
	     "the NUT's neighbour cache holds the tester as %s",
	     rc == 0 && i < nn ? net_neigh_state_name(nv[i].state) : "-");
	if (!rc)
		free(nv);
out:
	net_pkt_close(&p);
	net_rtnl_close(nl_tn);
	net_rtnl_close(nl_nut);
}

int main(void)
{
	struct net_topo topo;
	int rc;

	if (geteuid() != 0) {
		/* Meson reads a TAP plan of 0 with SKIP as skipped only when
		 * the exit status is 0 (77 would count as an error). */
		printf("1..0 # SKIP needs root for network namespaces\n");
		return 0;
	}
	rc = net_topo_safety_net(PREFIX);
	T_OK(rc == 0, "safety net installed (%d)", rc);
	net_topo_init(&topo, PREFIX);
	rc = net_topo_add_ns(&topo, "tn", NULL);
	if (rc == -EPERM || rc == -EACCES) {
		printf("1..0 # SKIP cannot make network namespaces here (%s)\n", strerror(-rc));
		return 0;
	}
	T_OK(rc == 0, "tester namespace (%d)", rc);
	if (!rc)
		run(&topo);
	T_EQ_U(net_topo_destroy(&topo), 0, "topology destroyed");
	return t_done();
}
