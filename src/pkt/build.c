/* Frame encoder: see build.h. */
#include "build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "csum.h"

struct pkt_slayer *pkt_spec_push(struct pkt_spec *s, const struct pkt_proto *p)
{
	struct pkt_slayer *l;

	if (s->n >= PKT_MAX_LAYERS)
		return NULL;
	l = &s->l[s->n++];
	memset(l, 0, sizeof(*l));
	l->proto = p;
	return l;
}

int pkt_spec_set(struct pkt_slayer *l, const char *name, const struct pkt_val *v)
{
	const struct pkt_fdesc *f = pkt_proto_field(l->proto, name);

	if (!f)
		return -ENOENT;
	for (unsigned i = 0; i < l->nset; i++)
		if (l->set[i].f == f) {
			l->set[i].v = *v;
			return 0;
		}
	if (l->nset >= PKT_MAX_SET)
		return -ENOSPC;
	l->set[l->nset].f = f;
	l->set[l->nset].v = *v;
	l->nset++;
	return 0;
}

int pkt_spec_set_u(struct pkt_slayer *l, const char *name, uint64_t u)
{
	struct pkt_val v = { .type = PKT_FT_UINT, .u = u };

	return pkt_spec_set(l, name, &v);
}

int pkt_val_parse_addr(uint8_t type, const char *text, struct pkt_val *v)
{
	unsigned m[6];
	char tail;

	memset(v, 0, sizeof(*v));
	v->type = type;
	switch (type) {
	case PKT_FT_IP6:
		return inet_pton(AF_INET6, text, v->a) == 1 ? 0 : -EINVAL;
	case PKT_FT_IP4:
		return inet_pton(AF_INET, text, v->a) == 1 ? 0 : -EINVAL;
	case PKT_FT_MAC:
		if (sscanf(text, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3],
			   &m[4], &m[5], &tail) != 6)
			return -EINVAL;
		for (int i = 0; i < 6; i++) {
			if (m[i] > 255)
				return -EINVAL;
			v->a[i] = (uint8_t)m[i];
		}
		return 0;
	default:
		return -EINVAL;
	}
}

int pkt_spec_set_str(struct pkt_slayer *l, const char *name, const char *text)
{
	const struct pkt_fdesc *f = pkt_proto_field(l->proto, name);
	struct pkt_val v;
	int rc;

	if (!f)
		return -ENOENT;
	rc = pkt_val_parse_addr(f->type, text, &v);
	if (rc)
		return rc;
	return pkt_spec_set(l, name, &v);
}

static int berr(struct pkt_build *b, int rc, const char *fmt, ...)
{
	va_list ap;

	if (b->err && b->errlen) {
		va_start(ap, fmt);
		vsnprintf(b->err, b->errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static const struct pkt_sval *spec_find(const struct pkt_slayer *l, const struct pkt_fdesc *f)
{
	for (unsigned i = 0; i < l->nset; i++)
		if (l->set[i].f == f)
			return &l->set[i];
	return NULL;
}

bool pkt_build_isset(const struct pkt_build *b, int idx, const char *name)
{
	const struct pkt_slayer *l = &b->spec->l[idx];
	const struct pkt_fdesc *f = pkt_proto_field(l->proto, name);

	return f && spec_find(l, f);
}

int pkt_build_auto_u(struct pkt_build *b, int idx, const char *name, uint64_t u)
{
	const struct pkt_slayer *sl = &b->spec->l[idx];
	const struct pkt_fdesc *f = pkt_proto_field(sl->proto, name);
	struct pkt_val v = { .type = PKT_FT_UINT, .u = u };

	if (!f)
		return -ENOENT;
	if (spec_find(sl, f))
		return 0;
	return pkt_field_put(b->w->b, b->w->len, b->view.l[idx].off, f, &v);
}

int pkt_build_next_hdr(const struct pkt_build *b, int idx)
{
	for (int i = idx + 1; i < b->view.n; i++)
		if (b->view.l[i].depth == 0)
			return i;
	return -1;
}

/* Writes one layer's fixed part, defaults, caller fields and tail fields. */
static int write_layer(struct pkt_build *b, int idx)
{
	const struct pkt_slayer *sl = &b->spec->l[idx];
	const struct pkt_proto *p = sl->proto;
	struct pkt_wbuf *w = b->w;
	long off = pkt_wbuf_put(w, NULL, p->min_len);

	if (off < 0)
		return berr(b, -EMSGSIZE, "frame too large");
	for (unsigned i = 0; i < p->nfields; i++) {
		const struct pkt_fdesc *f = &p->fields[i];
		const struct pkt_sval *sv = spec_find(sl, f);
		struct pkt_val dv = { .type = PKT_FT_UINT, .u = f->def };
		int rc;

		if (f->flags & PKT_FF_TAIL)
			continue;
		if (sv && sv->v.type != f->type && !(f->type == PKT_FT_BYTES))
			return berr(b, -EINVAL, "%s.%s: wrong value type", p->name, f->name);
		if (!sv && (f->type != PKT_FT_UINT || !f->def))
			continue;
		rc = pkt_field_put(w->b, w->len, (size_t)off, f, sv ? &sv->v : &dv);
		if (rc)
			return berr(b, rc, "%s.%s: field outside the header", p->name, f->name);
	}
	for (unsigned i = 0; i < p->nfields; i++) {
		const struct pkt_fdesc *f = &p->fields[i];
		const struct pkt_sval *sv = spec_find(sl, f);

		if (!(f->flags & PKT_FF_TAIL) || !sv)
			continue;
		if ((size_t)(f->bitoff / 8) > w->len - (size_t)off)
			return berr(b, -EINVAL, "%s.%s: tail starts past the header", p->name, f->name);
		if (pkt_wbuf_put(w, sv->v.p, sv->v.n) < 0)
			return berr(b, -EMSGSIZE, "frame too large");
	}
	b->view.l[idx].proto = p;
	b->view.l[idx].off = (uint32_t)off;
	b->view.l[idx].depth = p->kind == PKT_PK_OPT;
	return 0;
}

/* Pads the option area of header h (whose options end at w->len). */
static int pad_options(struct pkt_build *b, int h)
{
	const struct pkt_optfam *fam = b->spec->l[h].proto->opts;
	size_t used = b->w->len - b->view.l[h].off;
	size_t pad;
	long at;

	if (!fam || !fam->align || b->spec->l[h].nopad)
		return 0;
	pad = (fam->align - used % fam->align) % fam->align;
	if (!pad)
		return 0;
	at = pkt_wbuf_put(b->w, NULL, pad);
	if (at < 0)
		return berr(b, -EMSGSIZE, "frame too large");
	if (fam->pad)
		fam->pad(b->w->b + at, pad);
	return 0;
}

static int fill_auto(struct pkt_build *b, int idx)
{
	const struct pkt_slayer *sl = &b->spec->l[idx];
	const struct pkt_proto *p = sl->proto;
	int nx = pkt_build_next_hdr(b, idx);
	int rc;

	for (unsigned i = 0; i < p->nfields; i++) {
		const struct pkt_fdesc *f = &p->fields[i];
		struct pkt_val v = { .type = PKT_FT_UINT };

		if (spec_find(sl, f))
			continue;
		if (f->flags & PKT_FF_NH) {
			v.u = (nx >= 0 && b->view.l[nx].proto->ipproto >= 0)
				      ? (uint64_t)b->view.l[nx].proto->ipproto
				      : 59;
		} else if (f->flags & PKT_FF_ETYPE) {
			if (nx < 0 || b->view.l[nx].proto->ethertype < 0)
				continue;
			v.u = (uint64_t)b->view.l[nx].proto->ethertype;
		} else {
			continue;
		}
		rc = pkt_field_put(b->w->b, b->w->len, b->view.l[idx].off, f, &v);
		if (rc)
			return berr(b, rc, "%s.%s: cannot write", p->name, f->name);
	}
	if (p->fix) {
		rc = p->fix(b, idx);
		if (rc)
			return berr(b, rc, "%s: cannot compute its fields", p->name);
	}
	for (unsigned i = 0; i < p->nfields; i++) {
		const struct pkt_fdesc *f = &p->fields[i];
		struct pkt_val v = { .type = PKT_FT_UINT };
		uint16_t ck;

		if (!(f->flags & PKT_FF_CSUM) || spec_find(sl, f) || !p->csum)
			continue;
		rc = p->csum(&b->view, idx, &ck);
		if (rc)
			return berr(b, rc, "%s: cannot compute the checksum (no IP header before it?)",
				    p->name);
		v.u = ck;
		pkt_field_put(b->w->b, b->w->len, b->view.l[idx].off, f, &v);
	}
	return 0;
}

int pkt_build(const struct pkt_spec *s, struct pkt_wbuf *w, char *err, size_t errlen)
{
	struct pkt_build b = { .spec = s, .w = w, .err = err, .errlen = errlen };
	int hdr = -1, rc;

	if (err && errlen)
		err[0] = 0;
	pkt_wbuf_reset(w);
	memset(&b.view, 0, offsetof(struct pkt_dec, l));
	b.view.n = s->n;
	for (int i = 0; i < s->n; i++) {
		const struct pkt_proto *p = s->l[i].proto;

		if (p->kind == PKT_PK_OPT) {
			if (hdr < 0 || !s->l[hdr].proto->opts)
				return berr(&b, -EINVAL, "option %s follows no header that holds options",
					    p->name);
		} else {
			if (hdr >= 0 && (rc = pad_options(&b, hdr)))
				return rc;
			hdr = i;
		}
		rc = write_layer(&b, i);
		if (rc)
			return rc;
		if (p->kind == PKT_PK_OPT && hdr >= 0 && s->l[hdr].proto->opts &&
		    s->l[hdr].proto->opts->optunit && !s->l[hdr].nopad) {
			size_t unit = s->l[hdr].proto->opts->optunit;
			size_t used = w->len - b.view.l[i].off;

			if (used % unit && pkt_wbuf_put(w, NULL, unit - used % unit) < 0)
				return berr(&b, -EMSGSIZE, "frame too large");
		}
		if (p->kind == PKT_PK_HDR && p->opts)
			b.view.l[i].optoff = (uint16_t)(w->len - b.view.l[i].off);
	}
	if (hdr >= 0 && (rc = pad_options(&b, hdr)))
		return rc;
	if (pkt_wbuf_error(w))
		return berr(&b, pkt_wbuf_error(w), "frame too large");
	/* Lengths: a header runs to the next header, an option to the next layer. */
	for (int i = 0; i < s->n; i++) {
		struct pkt_layer *l = &b.view.l[i];
		uint32_t next = (uint32_t)w->len;

		for (int j = i + 1; j < s->n; j++)
			if (l->depth == 1 || b.view.l[j].depth == 0) {
				next = b.view.l[j].off;
				break;
			}
		if (l->depth == 1) {
			/* Padding after the last option belongs to the header. */
			if (i + 1 == s->n || b.view.l[i + 1].depth == 0) {
				uint32_t opt_end = l->off + s->l[i].proto->min_len;
				for (unsigned k = 0; k < s->l[i].nset; k++)
					if (s->l[i].set[k].f->flags & PKT_FF_TAIL)
						opt_end += s->l[i].set[k].v.n;
				next = opt_end;
			}
		}
		l->len = next - l->off;
		l->end = (uint32_t)w->len;
		if (l->depth == 0 && l->optoff)
			l->optlen = (uint16_t)(l->len - l->optoff);
	}
	/* A caller-set IPv6 Payload Length (or IPv4 Total Length) shorter than
	 * what was written ends the payload there, as a receiver sees it: the
	 * checksums of the layers inside cover only that much. */
	for (int i = 0; i < s->n; i++) {
		const struct pkt_slayer *sl = &s->l[i];
		const struct pkt_fdesc *f = NULL;
		uint32_t end = 0;

		if (b.view.l[i].depth)
			continue;
		if (!strcmp(sl->proto->name, "ipv6") && (f = pkt_proto_field(sl->proto, "plen")))
			for (unsigned k = 0; k < sl->nset; k++)
				if (sl->set[k].f == f && sl->set[k].v.u)
					end = b.view.l[i].off + 40 + (uint32_t)sl->set[k].v.u;
		if (!strcmp(sl->proto->name, "ipv4") && (f = pkt_proto_field(sl->proto, "len")))
			for (unsigned k = 0; k < sl->nset; k++)
				if (sl->set[k].f == f)
					end = b.view.l[i].off + (uint32_t)sl->set[k].v.u;
		if (!end || end >= w->len || end < b.view.l[i].off + b.view.l[i].len)
			continue;
		for (int j = i + 1; j < s->n; j++)
			if (b.view.l[j].end > end)
				b.view.l[j].end = end;
	}
	b.view.buf = w->b;
	b.view.len = (uint32_t)w->len;
	for (int i = s->n - 1; i >= 0; i--) {
		rc = fill_auto(&b, i);
		if (rc)
			return rc;
	}
	return 0;
}
