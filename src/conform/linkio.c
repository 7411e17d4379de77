/* The tester's side of the links: see linkio.h. */
#include "linkio.h"

#include <errno.h>
#include <poll.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "decode.h"
#include "field.h"
#include "packet.h"
#include "pcapio.h"

struct lio_link {
	struct net_pkt pkt;
	bool open;
	struct pkt_pcap_writer *pcap;
	struct cf_frame *f; /* received frames; index i lives at f[i - first] */
	unsigned first, count, cap;
	unsigned dropped;
};

struct cf_linkio {
	int nlinks;
	struct cf_nodes *nodes;
	cf_linkio_logfn logfn;
	void *logctx;
	struct lio_link l[CF_MAX_LINKS];
	uint8_t buf[65536 + 64];
	struct pkt_dec dec;
	struct pkt_spec spec;
	struct pkt_wbuf w;
};

uint64_t cf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct cf_linkio *cf_linkio_new(int nlinks, struct cf_nodes *nodes, cf_linkio_logfn logfn,
				void *logctx)
{
	struct cf_linkio *lio;

	if (nlinks < 1 || nlinks > CF_MAX_LINKS)
		return NULL;
	lio = calloc(1, sizeof(*lio));
	if (!lio)
		return NULL;
	lio->nlinks = nlinks;
	lio->nodes = nodes;
	lio->logfn = logfn;
	lio->logctx = logctx;
	pkt_wbuf_init(&lio->w);
	return lio;
}

int cf_linkio_attach(struct cf_linkio *lio, int link, const struct net_ns *ns, const char *ifname,
		     const char *pcap_path, char *err, size_t errlen)
{
	struct lio_link *l = &lio->l[link];
	int rc;

	rc = net_pkt_open(&l->pkt, ns, ifname, NULL, 0, err, errlen);
	if (rc) {
		if (!err[0])
			snprintf(err, errlen, "AF_PACKET on %s: %s", ifname, strerror(-rc));
		return rc;
	}
	l->open = true;
	if (pcap_path) {
		l->pcap = pkt_pcap_create(pcap_path, DLT_EN10MB, err, errlen);
		if (!l->pcap)
			return -EIO;
	}
	return 0;
}

static void record_pcap(struct lio_link *l, const uint8_t *d, size_t n, const struct timespec *ts)
{
	if (l->pcap) {
		pkt_pcap_write(l->pcap, d, (uint32_t)n, ts);
		pkt_pcap_flush(l->pcap);
	}
}

int cf_linkio_send(struct cf_linkio *lio, int link, const uint8_t *data, size_t len)
{
	struct lio_link *l = &lio->l[link];
	struct cf_frame f;
	int rc;

	if (link < 0 || link >= lio->nlinks || !l->open)
		return -EINVAL;
	rc = net_pkt_send(&l->pkt, data, len);
	if (rc < 0)
		return rc;
	clock_gettime(CLOCK_REALTIME, &f.ts);
	f.len = (uint32_t)len;
	f.data = (uint8_t *)data;
	record_pcap(l, data, len, &f.ts);
	if (lio->logfn)
		lio->logfn(lio->logctx, link, 1, &f);
	return 0;
}

/* Answers a Neighbor Solicitation for an address of a node the tester
 * plays, as that node would: solicited, override, with its MAC. */
static void respond(struct cf_linkio *lio, int link)
{
	struct pkt_dec *d = &lio->dec;
	int ns = pkt_dec_find(d, "icmpv6.ns", 0), ip = pkt_dec_find(d, "ipv6", 0);
	int eth = pkt_dec_find(d, "ether", 0);
	struct pkt_val target, src, smac;

	if (ns < 0 || ip < 0 || eth < 0 || d->res != PKT_OK)
		return;
	if (pkt_field_get_name(d, ns, "target", &target) || pkt_field_get_name(d, ip, "src", &src) ||
	    pkt_field_get_name(d, eth, "src", &smac))
		return;
	for (int i = 0; i < cf_node_count(); i++) {
		uint8_t ll[16], gl[16], mac[6];
		bool dad = !memcmp(src.a, (uint8_t[16]){ 0 }, 16);
		struct pkt_slayer *s;
		struct pkt_val v;
		char e[128];

		if (!lio->nodes->respond[i] || !cf_node_on_link(i))
			continue;
		cf_node_ll(i, link, ll);
		cf_node_global(i, link, gl);
		if (memcmp(target.a, ll, 16) && memcmp(target.a, gl, 16))
			continue;
		if (dad)
			return; /* someone else's DAD for our address: stay quiet */
		cf_node_mac(i, link, mac);
		lio->spec.n = 0;
		s = pkt_spec_push(&lio->spec, pkt_proto_by_name("ether"));
		v = (struct pkt_val){ .type = PKT_FT_MAC };
		memcpy(v.a, mac, 6);
		pkt_spec_set(s, "src", &v);
		pkt_spec_set(s, "dst", &smac);
		s = pkt_spec_push(&lio->spec, pkt_proto_by_name("ipv6"));
		pkt_spec_set(s, "src", &target);
		pkt_spec_set(s, "dst", &src);
		pkt_spec_set_u(s, "hlim", 255);
		s = pkt_spec_push(&lio->spec, pkt_proto_by_name("icmpv6.na"));
		if (!s)
			return;
		pkt_spec_set_u(s, "r", !strncmp(cf_node_name(i), "TR", 2));
		pkt_spec_set_u(s, "s", 1);
		pkt_spec_set_u(s, "o", 1);
		pkt_spec_set(s, "target", &target);
		s = pkt_spec_push(&lio->spec, pkt_proto_by_name("ndopt.tlla"));
		if (!s)
			return;
		pkt_spec_set(s, "lladdr", &v);
		if (pkt_build(&lio->spec, &lio->w, e, sizeof(e)) == 0)
			cf_linkio_send(lio, link, lio->w.b, lio->w.len);
		return;
	}
}

static int take(struct cf_linkio *lio, int link, const uint8_t *data, size_t n,
		const struct timespec *ts)
{
	struct lio_link *l = &lio->l[link];
	struct cf_frame *f;

	if (l->count - l->first >= CF_LINKIO_MAX_FRAMES) {
		free(l->f[0].data);
		memmove(l->f, l->f + 1, sizeof(*l->f) * (l->count - l->first - 1));
		l->first++;
		l->dropped++;
	}
	if (l->count - l->first >= l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 64;
		struct cf_frame *nf = realloc(l->f, sizeof(*nf) * cap);

		if (!nf)
			return -ENOMEM;
		l->f = nf;
		l->cap = cap;
	}
	f = &l->f[l->count - l->first];
	f->data = malloc(n ? n : 1);
	if (!f->data)
		return -ENOMEM;
	memcpy(f->data, data, n);
	f->len = (uint32_t)n;
	f->ts = *ts;
	l->count++;
	record_pcap(l, data, n, ts);
	if (lio->logfn)
		lio->logfn(lio->logctx, link, 0, f);
	pkt_decode(&lio->dec, f->data, f->len, pkt_proto_by_name("ether"));
	respond(lio, link);
	return 0;
}

int cf_linkio_poll(struct cf_linkio *lio, int timeout_ms)
{
	struct pollfd pfd[CF_MAX_LINKS];
	int n = 0, got = 0, rc;

	for (int i = 0; i < lio->nlinks; i++) {
		pfd[i].fd = lio->l[i].open ? lio->l[i].pkt.fd : -1;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
		n++;
	}
	rc = poll(pfd, (nfds_t)n, timeout_ms < 0 ? 0 : timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		if (!(pfd[i].revents & POLLIN))
			continue;
		for (int k = 0; k < 256; k++) {
			struct net_pkt_info info;
			int len = net_pkt_recv(&lio->l[i].pkt, lio->buf, sizeof(lio->buf), 0, &info);

			if (len < 0)
				break;
			if (take(lio, i, lio->buf, (size_t)len, &info.ts) == 0)
				got++;
		}
	}
	return got;
}

unsigned cf_linkio_first(const struct cf_linkio *lio, int link)
{
	return lio->l[link].first;
}

unsigned cf_linkio_count(const struct cf_linkio *lio, int link)
{
	return lio->l[link].count;
}

const struct cf_frame *cf_linkio_frame(const struct cf_linkio *lio, int link, unsigned i)
{
	const struct lio_link *l = &lio->l[link];

	if (i < l->first || i >= l->count)
		return NULL;
	return &l->f[i - l->first];
}

void cf_linkio_free(struct cf_linkio *lio)
{
	if (!lio)
		return;
	for (int i = 0; i < CF_MAX_LINKS; i++) {
		struct lio_link *l = &lio->l[i];

		if (l->open)
			net_pkt_close(&l->pkt);
		pkt_pcap_finish(l->pcap);
		for (unsigned k = 0; k < l->count - l->first; k++)
			free(l->f[k].data);
		free(l->f);
	}
	pkt_wbuf_free(&lio->w);
	free(lio);
}
