/* Summary line, field tree and JSON for decoded frames: see print.h. */
#include "print.h"

#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "field.h"

static int layer_summary(const struct pkt_dec *d, int i, char *out, size_t n)
{
	const struct pkt_proto *p = d->l[i].proto;

	if (p->summary)
		return p->summary(d, i, out, n);
	if (p == d->l[i].proto && !strcmp(p->name, "raw"))
		return snprintf(out, n, "raw %u bytes", d->l[i].len);
	return snprintf(out, n, "%s", p->name);
}

int pkt_print_summary(const struct pkt_dec *d, char *out, size_t n)
{
	size_t w = 0;

	if (!n)
		return 0;
	out[0] = 0;
	for (int i = 0; i < d->n && w < n; i++) {
		int k;

		if (d->l[i].depth)
			continue;
		if (w) {
			k = snprintf(out + w, n - w, " / ");
			if (k < 0 || (size_t)k >= n - w)
				break;
			w += (size_t)k;
		}
		k = layer_summary(d, i, out + w, n - w);
		if (k < 0 || (size_t)k >= n - w) {
			w = strlen(out);
			break;
		}
		w += (size_t)k;
	}
	if (d->res == PKT_MALFORMED && w < n)
		w += (size_t)snprintf(out + w, n - w, "%s[malformed at %u: %s]", w ? " " : "",
				      d->bad_off, d->why);
	return (int)(w < n ? w : n - 1);
}

void pkt_print_tree(const struct pkt_dec *d, FILE *fp)
{
	char buf[2048];

	for (int i = 0; i < d->n; i++) {
		const struct pkt_layer *l = &d->l[i];
		const struct pkt_proto *p = l->proto;
		const char *ind = l->depth ? "    " : "";
		int ck = pkt_csum_verify(d, i);

		fprintf(fp, "%s%s (%s) offset %u length %u%s\n", ind, p->name, p->title ? p->title : p->name,
			l->off, l->len, (l->flags & PKT_LF_TRUNC) ? " truncated" : "");
		for (unsigned f = 0; f < p->nfields; f++) {
			struct pkt_val v;

			if (pkt_field_get(d, i, &p->fields[f], &v))
				continue;
			pkt_val_fmt(&p->fields[f], &v, buf, sizeof(buf));
			fprintf(fp, "%s    %s: %s%s\n", ind, p->fields[f].name, buf,
				(p->fields[f].flags & PKT_FF_CSUM) && ck >= 0
					? (ck ? " (correct)" : " (wrong)") : "");
		}
	}
	if (d->res == PKT_MALFORMED)
		fprintf(fp, "malformed at offset %u: %s\n", d->bad_off, d->why);
}

static json_t *val_json(const struct pkt_fdesc *f, const struct pkt_val *v)
{
	char buf[4096];

	if (v->type == PKT_FT_UINT && v->u <= (1ull << 53))
		return json_integer((json_int_t)v->u);
	if (v->type == PKT_FT_IP6LIST) {
		json_t *a = json_array();

		for (uint32_t i = 0; a && i + 16 <= v->n; i += 16) {
			struct pkt_val one = { .type = PKT_FT_IP6 };

			memcpy(one.a, v->p + i, 16);
			pkt_val_fmt(NULL, &one, buf, sizeof(buf));
			json_array_append_new(a, json_string(buf));
		}
		return a;
	}
	if (v->type == PKT_FT_BYTES && v->n * 2 + 1 > sizeof(buf)) {
		char *big = malloc((size_t)v->n * 2 + 1);
		json_t *s;

		if (!big)
			return NULL;
		pkt_val_fmt(f, v, big, (size_t)v->n * 2 + 1);
		s = json_string(big);
		free(big);
		return s;
	}
	pkt_val_fmt(f, v, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *layer_json(const struct pkt_dec *d, int i)
{
	const struct pkt_layer *l = &d->l[i];
	const struct pkt_proto *p = l->proto;
	json_t *o = json_object(), *fields = json_object();
	int ck = pkt_csum_verify(d, i);

	if (!o || !fields) {
		json_decref(o);
		json_decref(fields);
		return NULL;
	}
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "offset", json_integer(l->off));
	json_object_set_new(o, "length", json_integer(l->len));
	if (l->flags & PKT_LF_TRUNC)
		json_object_set_new(o, "truncated", json_true());
	for (unsigned f = 0; f < p->nfields; f++) {
		struct pkt_val v;

		if (pkt_field_get(d, i, &p->fields[f], &v))
			continue;
		json_object_set_new(fields, p->fields[f].name, val_json(&p->fields[f], &v));
	}
	json_object_set_new(o, "fields", fields);
	if (ck >= 0)
		json_object_set_new(o, "checksum_ok", json_boolean(ck));
	return o;
}

json_t *pkt_print_json(const struct pkt_dec *d)
{
	json_t *o = json_object(), *layers = json_array(), *cur_opts = NULL;

	if (!o || !layers) {
		json_decref(o);
		json_decref(layers);
		return NULL;
	}
	for (int i = 0; i < d->n; i++) {
		json_t *lj = layer_json(d, i);

		if (!lj)
			continue;
		if (d->l[i].depth == 0) {
			json_array_append_new(layers, lj);
			cur_opts = NULL;
			if (d->l[i].proto->opts) {
				cur_opts = json_array();
				json_object_set_new(lj, "options", cur_opts);
			}
		} else if (cur_opts) {
			json_array_append_new(cur_opts, lj);
		} else {
			json_array_append_new(layers, lj);
		}
	}
	json_object_set_new(o, "layers", layers);
	if (d->res == PKT_MALFORMED) {
		json_t *m = json_object();

		json_object_set_new(m, "reason", json_string(d->why));
		json_object_set_new(m, "offset", json_integer(d->bad_off));
		json_object_set_new(o, "malformed", m);
	}
	return o;
}
