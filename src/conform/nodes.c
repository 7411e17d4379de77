/* Node names, addresses and variables: see nodes.h. */
#include "nodes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum cf_node_kind kind;
	uint8_t id; /* last MAC byte and host part */
} tester[] = {
	{ "TN1", CF_NODE_TN, 0x11 }, { "TN2", CF_NODE_TN, 0x12 }, { "TN3", CF_NODE_TN, 0x13 },
	{ "TN4", CF_NODE_TN, 0x14 }, { "TR1", CF_NODE_TR, 0x21 }, { "TR2", CF_NODE_TR, 0x22 },
	{ "TR3", CF_NODE_TR, 0x23 }, { "TH1", CF_NODE_TH, 0x31 }, { "TH2", CF_NODE_TH, 0x32 },
};

#define NTESTER ((int)(sizeof(tester) / sizeof(tester[0])))

void cf_nodes_init(struct cf_nodes *n, int nlinks)
{
	memset(n, 0, sizeof(*n));
	n->nlinks = nlinks;
	for (int l = 0; l < CF_MAX_LINKS; l++) {
		uint8_t mac[6] = { 0x02, 0x00, 0x00, 0x00, (uint8_t)l, 0x01 };

		memcpy(n->nut_mac[l], mac, 6);
	}
	for (int i = 0; i < NTESTER; i++)
		n->respond[i] = tester[i].kind != CF_NODE_TH;
}

void cf_link_prefix(int link, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0x20;
	out[1] = 0x01;
	out[2] = 0x0d;
	out[3] = 0xb8;
	out[5] = (uint8_t)(link + 1);
}

int cf_node_index(const char *name)
{
	for (int i = 0; i < NTESTER; i++)
		if (!strcmp(tester[i].name, name))
			return i;
	return -1;
}

const char *cf_node_name(int idx)
{
	return idx >= 0 && idx < NTESTER ? tester[idx].name : "?";
}

int cf_node_count(void)
{
	return NTESTER;
}

bool cf_node_on_link(int idx)
{
	return idx >= 0 && idx < NTESTER && tester[idx].kind != CF_NODE_TH;
}

void cf_node_mac(int idx, int link, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	mac[2] = 0x00;
	mac[3] = 0x01;
	mac[4] = (uint8_t)link;
	mac[5] = tester[idx].id;
}

void cf_eui64(const uint8_t prefix[16], const uint8_t mac[6], uint8_t a[16])
{
	memcpy(a, prefix, 8);
	a[8] = mac[0] ^ 0x02;
	a[9] = mac[1];
	a[10] = mac[2];
	a[11] = 0xff;
	a[12] = 0xfe;
	a[13] = mac[3];
	a[14] = mac[4];
	a[15] = mac[5];
}

int cf_nut_addr_eui64(const uint8_t mac[6], int link, const char *attr, uint8_t out[16])
{
	uint8_t p[16] = { 0xfe, 0x80 };

	if (!strcmp(attr, "global"))
		cf_link_prefix(link, p);
	cf_eui64(p, mac, out);
	return 0;
}

void cf_node_ll(int idx, int link, uint8_t a[16])
{
	uint8_t p[16] = { 0xfe, 0x80 }, mac[6];

	cf_node_mac(idx, link, mac);
	cf_eui64(p, mac, a);
}

int cf_node_global(int idx, int link, uint8_t a[16])
{
	uint8_t p[16], mac[6];

	if (tester[idx].kind == CF_NODE_TH) {
		/* Off-link hosts live in 2001:db8:f<n>::/64 behind the routers. */
		memset(a, 0, 16);
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		a[4] = 0x00;
		a[5] = (uint8_t)(0xf0 + (tester[idx].id & 0x0f));
		a[15] = 1;
		return 0;
	}
	cf_link_prefix(link, p);
	cf_node_mac(idx, link, mac);
	cf_eui64(p, mac, a);
	return 0;
}

struct cf_var *cf_var_get(struct cf_nodes *n, const char *name)
{
	for (int i = 0; i < n->nvars; i++)
		if (!strcmp(n->vars[i].name, name))
			return &n->vars[i];
	return NULL;
}

static struct cf_var *var_slot(struct cf_nodes *n, const char *name)
{
	struct cf_var *v = cf_var_get(n, name);

	if (v)
		return v;
	if (n->nvars >= CF_MAX_VARS || strlen(name) >= sizeof(v->name))
		return NULL;
	v = &n->vars[n->nvars++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	return v;
}

int cf_var_set(struct cf_nodes *n, const char *name, const struct pkt_fdesc *f,
	       const struct pkt_val *val)
{
	struct cf_var *v = var_slot(n, name);

	if (!v)
		return -ENOSPC;
	v->v = *val;
	if (val->type == PKT_FT_BYTES || val->type == PKT_FT_IP6LIST) {
		uint32_t k = val->n < sizeof(v->bytes) ? val->n : (uint32_t)sizeof(v->bytes);

		memcpy(v->bytes, val->p, k);
		v->v.p = v->bytes;
		v->v.n = k;
	}
	pkt_val_fmt(f, &v->v, v->text, sizeof(v->text));
	return 0;
}

int cf_var_set_text(struct cf_nodes *n, const char *name, const char *text)
{
	struct cf_var *v = var_slot(n, name);
	uint64_t u;

	if (!v)
		return -ENOSPC;
	memset(&v->v, 0, sizeof(v->v));
	snprintf(v->text, sizeof(v->text), "%s", text);
	/* Keep a typed value when the text is one. */
	if (!cf_parse_u64(text, &u)) {
		v->v.type = PKT_FT_UINT;
		v->v.u = u;
	} else if (inet_pton(AF_INET6, text, v->v.a) == 1) {
		v->v.type = PKT_FT_IP6;
	} else {
		v->v.type = 0xff; /* plain text */
	}
	return 0;
}

/* Splits "NODE.attr@linkN" into its parts. */
static int split_ref(const char *w, char *node, size_t nlen, char *attr, size_t alen, int *link,
		     int dflt_link)
{
	const char *at = strchr(w, '@'), *dot;
	char base[96];

	*link = dflt_link;
	if (at) {
		char *end;
		long l;

		if (strncmp(at + 1, "link", 4))
			return -EINVAL;
		l = strtol(at + 5, &end, 10);
		if (*end || l < 0 || l >= CF_MAX_LINKS)
			return -EINVAL;
		*link = (int)l;
		snprintf(base, sizeof(base), "%.*s", (int)(at - w), w);
	} else {
		snprintf(base, sizeof(base), "%s", w);
	}
	dot = strchr(base, '.');
	if (dot) {
		snprintf(node, nlen, "%.*s", (int)(dot - base), base);
		snprintf(attr, alen, "%s", dot + 1);
	} else {
		snprintf(node, nlen, "%s", base);
		attr[0] = 0;
	}
	return 0;
}

static int const_addr(const char *w, int link, uint8_t a[16])
{
	static const struct {
		const char *n, *a;
	} c[] = {
		{ "ALLNODES", "ff02::1" },   { "ALLROUTERS", "ff02::2" }, { "ALLMLDV2", "ff02::16" },
		{ "UNSPEC", "::" },	     { "LOOPBACK", "::1" },	  { "ALLNODES_IF", "ff01::1" },
	};
	char name[64], attr[16];
	int l;

	if (split_ref(w, name, sizeof(name), attr, sizeof(attr), &l, link) || attr[0])
		return -1;
	if (!strcmp(name, "PREFIX")) {
		cf_link_prefix(l, a);
		return 0;
	}
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (!strcmp(name, c[i].n))
			return inet_pton(AF_INET6, c[i].a, a) == 1 ? 0 : -1;
	return -1;
}

int cf_nodes_word(void *ctx, const char *word, uint8_t ftype, struct pkt_val *v, uint8_t *store,
		  size_t storelen, char *err, size_t errlen)
{
	struct cf_nodes *n = ctx;
	char node[64], attr[32];
	int link, idx;
	uint8_t a[16];

	memset(v, 0, sizeof(*v));
	v->type = ftype;
	if (word[0] == '$') {
		struct cf_var *var = cf_var_get(n, word + 1);

		if (!var) {
			snprintf(err, errlen, "variable %s was never set (a capture that did not happen?)", word);
			return -1;
		}
		if (var->v.type == ftype) {
			*v = var->v;
			if (v->p && store && storelen >= v->n) {
				memcpy(store, v->p, v->n);
				v->p = store;
			}
			return 0;
		}
		if (ftype == PKT_FT_UINT && !cf_parse_u64(var->text, &v->u))
			return 0;
		if (ftype == PKT_FT_IP6 && inet_pton(AF_INET6, var->text, v->a) == 1)
			return 0;
		if (ftype == PKT_FT_MAC && !pkt_val_parse_addr(PKT_FT_MAC, var->text, v))
			return 0;
		snprintf(err, errlen, "variable %s holds '%s', which does not fit this field", word, var->text);
		return -1;
	}
	if ((ftype == PKT_FT_IP6 || ftype == PKT_FT_MAC) && !const_addr(word, n->cur_link, a)) {
		if (ftype == PKT_FT_IP6) {
			memcpy(v->a, a, 16);
		} else {
			v->a[0] = v->a[1] = 0x33;
			memcpy(v->a + 2, a + 12, 4);
		}
		return 0;
	}
	if (split_ref(word, node, sizeof(node), attr, sizeof(attr), &link, n->cur_link)) {
		snprintf(err, errlen, "bad link in '%s' (use NODE.attr@linkN)", word);
		return -1;
	}
	if (link >= n->nlinks) {
		snprintf(err, errlen, "'%s' names link%d, but this test has %d link(s)", word, link, n->nlinks);
		return -1;
	}
	if (!strcmp(node, "NUT")) {
		if (ftype == PKT_FT_MAC && (!attr[0] || !strcmp(attr, "mac"))) {
			memcpy(v->a, n->nut_mac[link], 6);
			return 0;
		}
		if (ftype == PKT_FT_IP6 && (!strcmp(attr, "ll") || !strcmp(attr, "global"))) {
			if (!n->nut_addr || n->nut_addr(n->nut_ctx, link, attr, v->a)) {
				snprintf(err, errlen, "the NUT has no %s address on link%d (yet?)",
					 !strcmp(attr, "ll") ? "link-local" : "global", link);
				return -1;
			}
			return 0;
		}
		snprintf(err, errlen, "'%s' does not fit this field (NUT, NUT.mac, NUT.ll, NUT.global)", word);
		return -1;
	}
	idx = cf_node_index(node);
	if (idx < 0) {
		snprintf(err, errlen, "unknown name '%s' (nodes: TN1-TN4, TR1-TR3, TH1-TH2, NUT; "
				      "constants: ALLNODES, ALLROUTERS, ALLMLDV2, UNSPEC, PREFIX)", word);
		return -1;
	}
	if (ftype == PKT_FT_MAC && (!attr[0] || !strcmp(attr, "mac"))) {
		if (!cf_node_on_link(idx)) {
			snprintf(err, errlen, "%s is off-link and has no MAC", node);
			return -1;
		}
		cf_node_mac(idx, link, v->a);
		return 0;
	}
	if (ftype == PKT_FT_IP6 && !strcmp(attr, "ll") && cf_node_on_link(idx)) {
		cf_node_ll(idx, link, v->a);
		return 0;
	}
	if (ftype == PKT_FT_IP6 && !strcmp(attr, "global")) {
		cf_node_global(idx, link, v->a);
		return 0;
	}
	(void)store;
	(void)storelen;
	snprintf(err, errlen, "'%s' does not fit this field (use %s.mac, %s.ll or %s.global)", word, node,
		 node, node);
	return -1;
}

int cf_nodes_text(struct cf_nodes *n, const char *word, char *out, size_t outlen, char *err,
		  size_t errlen)
{
	struct pkt_val v;
	char e[256];

	if (word[0] == '$') {
		struct cf_var *var = cf_var_get(n, word + 1);

		if (!var) {
			snprintf(err, errlen, "variable %s was never set", word);
			return -1;
		}
		snprintf(out, outlen, "%s", var->text);
		return 0;
	}
	/* A function call: eui64(PREFIX,NUT), solicited(X), mcastmac(X). */
	{
		const char *lp = strchr(word, '(');
		size_t wl = strlen(word);

		if (lp && lp != word && wl && word[wl - 1] == ')') {
			static const struct pkt_fdesc ip6f = { "address", PKT_FT_IP6, 0, 0, 128, 0 };
			struct cf_value cv = { .kind = CV_CALL };
			char args[CF_TOK_MAX], *save = NULL, *tok;

			snprintf(cv.text, sizeof(cv.text), "%.*s", (int)(lp - word), word);
			snprintf(args, sizeof(args), "%.*s", (int)(wl - (size_t)(lp - word) - 2), lp + 1);
			for (tok = strtok_r(args, ",", &save); tok && cv.nargs < CF_LIST_MAX;
			     tok = strtok_r(NULL, ",", &save))
				snprintf(cv.args[cv.nargs++], sizeof(cv.args[0]), "%s", tok);
			{
				struct cf_resolver r = { n, cf_nodes_word };

				if (cf_value_resolve(&cv, &ip6f, &r, &v, NULL, 0, err, errlen))
					return -1;
			}
			pkt_val_fmt(NULL, &v, out, outlen);
			return 0;
		}
	}
	/* key=VALUE arguments resolve their value part. */
	{
		const char *eq = strchr(word, '=');

		if (eq && eq != word) {
			char val[CF_TOK_MAX];

			if (cf_nodes_text(n, eq + 1, val, sizeof(val), err, errlen))
				return -1;
			snprintf(out, outlen, "%.*s=%s", (int)(eq - word), word, val);
			return 0;
		}
	}
	if (strchr(word, '.') || strchr(word, '@') || !const_addr(word, n->cur_link, v.a)) {
		if (!cf_nodes_word(n, word, PKT_FT_IP6, &v, NULL, 0, e, sizeof(e))) {
			pkt_val_fmt(NULL, &v, out, outlen);
			return 0;
		}
		if (!strncmp(word, "NUT", 3) || cf_node_index(strtok(strdupa(word), ".@")) >= 0) {
			snprintf(err, errlen, "%s", e);
			return -1;
		}
	}
	snprintf(out, outlen, "%s", word);
	return 0;
}
