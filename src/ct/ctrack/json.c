/* JSON forms of entries and statistics, shared by the ctrack subcommands. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctrack.h"

int ctrack_parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > 0xffffffffUL)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static json_t *tuple_json(const struct ct_tuple *t)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int af = t->l3 == 4 ? AF_INET : AF_INET6;
	json_t *o = json_object();

	inet_ntop(af, t->src.a, a, sizeof(a));
	inet_ntop(af, t->dst.a, b, sizeof(b));
	json_object_set_new(o, "src", json_string(a));
	json_object_set_new(o, "dst", json_string(b));
	if (t->proto == 6 || t->proto == 17 || t->proto == 132 || t->proto == 33 || t->proto == 136) {
		json_object_set_new(o, "sport", json_integer(t->sport));
		json_object_set_new(o, "dport", json_integer(t->dport));
	} else if (t->proto == 1 || t->proto == 58) {
		json_object_set_new(o, "type", json_integer(t->type));
		json_object_set_new(o, "code", json_integer(t->code));
		json_object_set_new(o, "id", json_integer(t->sport));
	}
	return o;
}

json_t *ctrack_entry_json(const struct ct_entry *e, uint64_t now)
{
	json_t *o = json_object(), *st = json_array();
	struct ct_tuple rep;

	ct_tuple_invert(&e->t, &rep);
	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "l3", json_string(e->t.l3 == 4 ? "ipv4" : "ipv6"));
	json_object_set_new(o, "proto", json_integer(e->t.proto));
	if (e->t.proto == 6)
		json_object_set_new(o, "state", json_string(ct_tcp_state_name(e->p.tcp.state)));
	json_object_set_new(o, "timeout",
			    json_integer(e->expires > now ? (json_int_t)((e->expires - now) / 1000000000ull) : 0));
	json_object_set_new(o, "original", tuple_json(&e->t));
	json_object_set_new(o, "reply", tuple_json(&rep));
	if (e->status & CT_S_ASSURED)
		json_array_append_new(st, json_string("ASSURED"));
	if (!(e->status & CT_S_SEEN_REPLY))
		json_array_append_new(st, json_string("UNREPLIED"));
	if (e->status & CT_S_EXPECTED)
		json_array_append_new(st, json_string("EXPECTED"));
	json_object_set_new(o, "status", st);
	json_object_set_new(o, "mark", json_integer(e->mark));
	json_object_set_new(o, "zone", json_integer(e->t.zone));
	json_object_set_new(o, "packets", json_pack("[I,I]", (json_int_t)e->pkts[0], (json_int_t)e->pkts[1]));
	json_object_set_new(o, "bytes", json_pack("[I,I]", (json_int_t)e->bytes[0], (json_int_t)e->bytes[1]));
	if (e->master)
		json_object_set_new(o, "master", json_integer(e->master));
	return o;
}

json_t *ctrack_stats_json(const struct ct_stats *s, size_t count)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "entries", (json_int_t)count,
			 "found", (json_int_t)s->found, "new", (json_int_t)s->new, "invalid",
			 (json_int_t)s->invalid, "insert_failed", (json_int_t)s->insert_failed, "drop",
			 (json_int_t)s->drop, "early_drop", (json_int_t)s->early_drop, "error",
			 (json_int_t)s->error, "expired", (json_int_t)s->expired, "deleted",
			 (json_int_t)s->deleted, "related", (json_int_t)s->related, "frag_held",
			 (json_int_t)s->frag_held);
}

void ctrack_json_print(json_t *o)
{
	char *s;

	if (!o)
		return;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}
