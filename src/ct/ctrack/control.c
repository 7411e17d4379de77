/*
 * The daemon's control socket (docs/ctrack-control.md): a unix stream
 * socket, mode 0600, whose peers must be root or the daemon's own user
 * (SO_PEERCRED). Each connection sends JSON requests, one a line of at most
 * CTRACK_LINE_MAX bytes, and gets JSON lines back: list (filtered here,
 * sent in chunks as the peer reads them, so a large table neither blocks
 * the packet path nor fills the memory), get, delete, update, flush, stats,
 * and events, a subscription that turns the connection into a stream of
 * event lines. Every request is checked (JSON syntax, known fields, types
 * and ranges) and a bad one gets an error reply; the daemon never trusts a
 * peer's bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"

#define MAX_CLIENTS 64
#define LIST_CHUNK (1u << 20)	     /* output a list adds before yielding */
#define LIST_LOW (256u << 10)	     /* ... and below which it goes on */
#define EVENTS_HIGH (4u << 20)	     /* events queued for a slow peer */
#define EVENTS_RESUME (1u << 20)
#define TEXT_NONE (-1)

struct obuf {
	char *p;
	size_t off, len, cap; /* pending bytes: p[off, len) */
};

struct client {
	int fd;
	unsigned uid;
	char in[CTRACK_LINE_MAX];
	size_t inlen;
	struct obuf out;
	bool eof; /* the peer sent all it will: close once all is answered */
	bool skipping; /* the rest of an over-long line is discarded */
	bool dead;
	bool oom;
	/* an events subscription */
	bool events;
	unsigned evmask;
	struct ctrack_filter evf;
	int evtext;
	uint64_t lost;
	/* a list being sent */
	bool listing;
	struct ctrack_filter lf;
	int ltext;
	uintptr_t cursor;
	uint64_t lcount, llimit;
	bool limited;
};

struct ctrack_ctl {
	struct ctrack_daemon *d;
	int lfd;
	char *path;
	dev_t dev;
	ino_t ino;
	struct client *cl[MAX_CLIENTS];
	size_t ncl;
	/* what the last ctrack_ctl_pollfds call put where */
	struct client *polled[MAX_CLIENTS + 1];
	bool listen_polled;
	uint64_t lost;
	uint64_t now;
};

/* ---- output ---- */

static void out_add(struct client *c, const char *s, size_t n)
{
	struct obuf *b = &c->out;

	if (c->oom)
		return;
	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (b->cap - b->len < n) {
		size_t live = b->len - b->off, cap = b->cap ? b->cap : 4096;
		char *np;

		if (b->off) { /* reclaim what was sent */
			memmove(b->p, b->p + b->off, live);
			b->off = 0;
			b->len = live;
		}
		while (cap - live < n)
			cap *= 2;
		if (cap != b->cap) {
			np = realloc(b->p, cap);
			if (!np) {
				c->oom = true;
				c->dead = true;
				return;
			}
			b->p = np;
			b->cap = cap;
		}
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static size_t out_pending(const struct client *c)
{
	return c->out.len - c->out.off;
}

/* Queues o as one line and releases it. */
static void out_json(struct client *c, json_t *o)
{
	char *s;

	if (!o) {
		c->dead = true;
		return;
	}
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s) {
		c->dead = true;
		return;
	}
	out_add(c, s, strlen(s));
	out_add(c, "\n", 1);
	free(s);
}

__attribute__((format(printf, 2, 3))) static void reply_error(struct client *c, const char *fmt,
							      ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out_json(c, json_pack("{s:b,s:s}", "ok", 0, "error", msg));
}

static void flush_out(struct client *c)
{
	while (!c->dead && out_pending(c)) {
		ssize_t k = send(c->fd, c->out.p + c->out.off, out_pending(c), MSG_NOSIGNAL | MSG_DONTWAIT);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				c->dead = true;
			return;
		}
		c->out.off += (size_t)k;
	}
	/* a large buffer left over from a list goes back once drained */
	if (!out_pending(c) && c->out.cap > (1u << 20)) {
		free(c->out.p);
		memset(&c->out, 0, sizeof(c->out));
	}
}

/* ---- request fields ---- */

static bool only_keys(struct client *c, const char *cmd, json_t *req, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach (req, key, v) {
		size_t i;

		for (i = 0; allowed[i]; i++)
			if (!strcmp(key, allowed[i]))
				break;
		if (!allowed[i]) {
			reply_error(c, "unknown field '%s' for %s", key, cmd);
			return false;
		}
	}
	return true;
}

/* An integer field in [min, max]; absent leaves *out and returns 0. */
static int get_uint(struct client *c, json_t *req, const char *key, uint64_t min, uint64_t max,
		    uint64_t *out)
{
	json_t *v = json_object_get(req, key);
	json_int_t i;

	if (!v)
		return 0;
	if (!json_is_integer(v)) {
		reply_error(c, "'%s' wants an integer", key);
		return -EINVAL;
	}
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max) {
		reply_error(c, "'%s' out of range %llu..%llu", key, (unsigned long long)min,
			    (unsigned long long)max);
		return -EINVAL;
	}
	*out = (uint64_t)i;
	return 1;
}

/* "text": false/true, or a list of the optional parts of the line. */
static int get_text(struct client *c, json_t *req, int *text)
{
	static const struct {
		const char *name;
		unsigned flag;
	} parts[] = {
		{ "extended", CT_FMT_EXTENDED },
		{ "acct", CT_FMT_ACCT },
		{ "timestamp", CT_FMT_TSTAMP },
		{ "id", CT_FMT_ID },
	};
	json_t *v = json_object_get(req, "text"), *w;
	size_t i, j;

	*text = TEXT_NONE;
	if (!v)
		return 0;
	if (json_is_boolean(v)) {
		*text = json_is_true(v) ? 0 : TEXT_NONE;
		return 0;
	}
	if (!json_is_array(v)) {
		reply_error(c, "'text' wants true, false or a list of extended, acct, timestamp, id");
		return -EINVAL;
	}
	*text = 0;
	json_array_foreach (v, i, w) {
		for (j = 0; j < sizeof(parts) / sizeof(parts[0]); j++)
			if (json_is_string(w) && !strcmp(json_string_value(w), parts[j].name))
				break;
		if (j == sizeof(parts) / sizeof(parts[0])) {
			reply_error(c, "'text' parts are extended, acct, timestamp, id");
			return -EINVAL;
		}
		*text |= (int)parts[j].flag;
	}
	return 0;
}

static int get_filter(struct client *c, json_t *req, struct ctrack_filter *f)
{
	json_t *v = json_object_get(req, "filter");
	char err[256];

	memset(f, 0, sizeof(*f));
	if (!v)
		return 0;
	if (ctrack_filter_from_json(v, f, err, sizeof(err))) {
		reply_error(c, "filter: %s", err);
		return -EINVAL;
	}
	return 0;
}

/* The connection a request names by "id": NULL (with the reply sent)
 * when there is none. */
static struct ct_entry *get_by_id(struct ctrack_ctl *ctl, struct client *c, json_t *req)
{
	uint64_t id = 0;
	struct ct_entry *e;

	if (get_uint(c, req, "id", 1, 0xffffffffu, &id) <= 0)
		return NULL;
	e = ct_table_by_id(ctl->d->t, (uint32_t)id);
	if (!e || e->expires <= ctl->now) {
		reply_error(c, "no connection with id %llu", (unsigned long long)id);
		return NULL;
	}
	return e;
}

/* Exactly one of "id" and "filter"; 1 for id, 0 for filter. */
static int id_or_filter(struct client *c, const char *cmd, json_t *req)
{
	bool id = json_object_get(req, "id") != NULL, f = json_object_get(req, "filter") != NULL;

	if (id == f) {
		reply_error(c, "%s wants either 'id' or 'filter'", cmd);
		return -EINVAL;
	}
	return id;
}

/* ---- entries on the wire ---- */

static json_t *entry_line(struct ctrack_ctl *ctl, const struct ct_entry *e, int text)
{
	json_t *o = json_object();
	char line[1024];

	json_object_set_new(o, "entry", ctrack_entry_json(e, ctl->now));
	if (text != TEXT_NONE && ct_entry_format_opts(e, ctl->now, (unsigned)text, line, sizeof(line)) >= 0)
		json_object_set_new(o, "text", json_string(line));
	return o;
}

/* ---- list ---- */

struct walk {
	struct ctrack_ctl *ctl;
	struct client *c;
	size_t n;
	struct ct_entry **v;
	size_t cap;
	bool oom;
};

/* ct_table_walk visits entries in the order they lie in the table's array,
 * which does not move: the address of the last entry sent is where the
 * next chunk of a list starts. Entries made or removed between chunks may
 * be missed, as with a netlink dump. */
static int list_cb(struct ct_entry *e, void *arg)
{
	struct walk *w = arg;
	struct client *c = w->c;

	if (c->cursor && (uintptr_t)e <= c->cursor)
		return 0;
	c->cursor = (uintptr_t)e;
	if (e->expires <= w->ctl->now || !ctrack_filter_match(&c->lf, e))
		return 0;
	out_json(c, entry_line(w->ctl, e, c->ltext));
	c->lcount++;
	if (c->dead)
		return 1;
	if (c->llimit && c->lcount >= c->llimit) {
		c->limited = true;
		return 2;
	}
	return out_pending(c) >= LIST_CHUNK ? 1 : 0;
}

static void list_more(struct ctrack_ctl *ctl, struct client *c)
{
	struct walk w = { .ctl = ctl, .c = c };
	json_t *o;

	if (ct_table_walk(ctl->d->t, list_cb, &w) == 1)
		return;
	c->listing = false;
	o = json_pack("{s:b,s:I}", "ok", 1, "count", (json_int_t)c->lcount);
	if (c->limited)
		json_object_set_new(o, "limited", json_true());
	out_json(c, o);
}

static void cmd_list(struct ctrack_ctl *ctl, struct client *c, json_t *req)
{
	static const char *const keys[] = { "cmd", "filter", "text", "limit", NULL };
	uint64_t limit = 0;

	if (!only_keys(c, "list", req, keys) || get_filter(c, req, &c->lf) ||
	    get_text(c, req, &c->ltext) || get_uint(c, req, "limit", 0, 0xffffffffu, &limit) < 0)
		return;
	c->llimit = limit;
	c->lcount = 0;
	c->cursor = 0;
	c->limited = false;
	c->listing = true;
	list_more(ctl, c);
}

/* ---- get ---- */

static int tuple_from_json(struct client *c, json_t *o, struct ct_tuple *t)
{
	static const char *const keys[] = { "src", "dst", "proto", "sport", "dport",
					    "type", "code", "id", "zone", NULL };
	struct ctrack_prefix a, b;
	json_t *v;
	uint64_t u;
	int rc;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(o)) {
		reply_error(c, "'tuple' wants an object");
		return -EINVAL;
	}
	if (!only_keys(c, "tuple", o, keys))
		return -EINVAL;
	v = json_object_get(o, "src");
	if (!json_is_string(v) || ctrack_prefix_parse(json_string_value(v), &a) ||
	    a.len != (a.l3 == 4 ? 32 : 128)) {
		reply_error(c, "tuple: 'src' wants an address");
		return -EINVAL;
	}
	v = json_object_get(o, "dst");
	if (!json_is_string(v) || ctrack_prefix_parse(json_string_value(v), &b) ||
	    b.len != (b.l3 == 4 ? 32 : 128) || b.l3 != a.l3) {
		reply_error(c, "tuple: 'dst' wants an address of the same version as 'src'");
		return -EINVAL;
	}
	t->l3 = a.l3;
	t->src = a.a;
	t->dst = b.a;
	v = json_object_get(o, "proto");
	if (json_is_string(v))
		rc = ctrack_proto_parse(json_string_value(v), &t->proto);
	else if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255)
		rc = (t->proto = (uint8_t)json_integer_value(v), 0);
	else
		rc = -EINVAL;
	if (rc) {
		reply_error(c, "tuple: 'proto' wants a protocol name or number");
		return -EINVAL;
	}
	if (ctrack_proto_has_ports(t->proto)) {
		u = 0;
		if (get_uint(c, o, "sport", 0, 65535, &u) < 0)
			return -EINVAL;
		t->sport = (uint16_t)u;
		u = 0;
		if (get_uint(c, o, "dport", 0, 65535, &u) < 0)
			return -EINVAL;
		t->dport = (uint16_t)u;
	} else if (t->proto == 1 || t->proto == 58) {
		u = 0;
		if (get_uint(c, o, "type", 0, 255, &u) < 0)
			return -EINVAL;
		t->type = (uint8_t)u;
		u = 0;
		if (get_uint(c, o, "code", 0, 255, &u) < 0)
			return -EINVAL;
		t->code = (uint8_t)u;
		u = 0;
		if (get_uint(c, o, "id", 0, 65535, &u) < 0)
			return -EINVAL;
		t->sport = (uint16_t)u;
	}
	if ((!ctrack_proto_has_ports(t->proto) &&
	     (json_object_get(o, "sport") || json_object_get(o, "dport"))) ||
	    (t->proto != 1 && t->proto != 58 &&
	     (json_object_get(o, "type") || json_object_get(o, "code") || json_object_get(o, "id")))) {
		reply_error(c, "tuple: fields that protocol %u does not have", t->proto);
		return -EINVAL;
	}
	u = 0;
	if (get_uint(c, o, "zone", 0, 65535, &u) < 0)
		return -EINVAL;
	t->zone = (uint16_t)u;
	return 0;
}

static void cmd_get(struct ctrack_ctl *ctl, struct client *c, json_t *req)
{
	static const char *const keys[] = { "cmd", "id", "tuple", "text", NULL };
	enum ct_dir dir = CT_DIR_ORIG;
	struct ct_entry *e;
	struct ct_tuple t;
	bool by_id = json_object_get(req, "id") != NULL;
	int text;
	json_t *o;

	if (!only_keys(c, "get", req, keys) || get_text(c, req, &text))
		return;
	if (by_id == (json_object_get(req, "tuple") != NULL)) {
		reply_error(c, "get wants either 'id' or 'tuple'");
		return;
	}
	if (by_id) {
		e = get_by_id(ctl, c, req);
		if (!e)
			return;
	} else {
		if (tuple_from_json(c, json_object_get(req, "tuple"), &t))
			return;
		e = ct_table_lookup(ctl->d->t, &t, &dir);
		if (!e || e->expires <= ctl->now) {
			reply_error(c, "no such connection");
			return;
		}
	}
	o = entry_line(ctl, e, text);
	json_object_set_new(o, "ok", json_true());
	json_object_set_new(o, "dir", json_string(dir == CT_DIR_ORIG ? "original" : "reply"));
	out_json(c, o);
}

/* ---- delete, update, flush ---- */

static int delete_cb(struct ct_entry *e, void *arg)
{
	struct walk *w = arg;

	if (e->expires > w->ctl->now && ctrack_filter_match(&w->c->lf, e) &&
	    !ct_entry_delete(w->ctl->d->t, e))
		w->n++;
	return 0;
}

static void cmd_delete(struct ctrack_ctl *ctl, struct client *c, json_t *req)
{
	static const char *const keys[] = { "cmd", "id", "filter", NULL };
	struct walk w = { .ctl = ctl, .c = c };
	int by_id;

	if (!only_keys(c, "delete", req, keys))
		return;
	by_id = id_or_filter(c, "delete", req);
	if (by_id < 0)
		return;
	if (by_id) {
		struct ct_entry *e = get_by_id(ctl, c, req);

		if (!e)
			return;
		if (!ct_entry_delete(ctl->d->t, e))
			w.n++;
	} else {
		if (get_filter(c, req, &c->lf))
			return;
		if (!c->lf.has) {
			reply_error(c, "delete with an empty filter: use flush");
			return;
		}
		ct_table_walk(ctl->d->t, delete_cb, &w);
	}
	out_json(c, json_pack("{s:b,s:I}", "ok", 1, "deleted", (json_int_t)w.n));
}

static int collect_cb(struct ct_entry *e, void *arg)
{
	struct walk *w = arg;

	if (e->expires <= w->ctl->now || !ctrack_filter_match(&w->c->lf, e))
		return 0;
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 64;
		struct ct_entry **nv = realloc(w->v, nc * sizeof(*nv));

		if (!nv) {
			w->oom = true;
			return 1;
		}
		w->v = nv;
		w->cap = nc;
	}
	w->v[w->n++] = e;
	return 0;
}

static void cmd_update(struct ctrack_ctl *ctl, struct client *c, json_t *req)
{
	static const char *const keys[] = { "cmd", "id", "filter", "mark", "timeout", NULL };
	struct walk w = { .ctl = ctl, .c = c };
	uint64_t mark = 0, timeout = 0;
	int by_id, has_mark, has_to;
	size_t done = 0;

	if (!only_keys(c, "update", req, keys))
		return;
	by_id = id_or_filter(c, "update", req);
	if (by_id < 0)
		return;
	has_mark = get_uint(c, req, "mark", 0, 0xffffffffu, &mark);
	if (has_mark < 0)
		return;
	has_to = get_uint(c, req, "timeout", 0, 0xffffffffu, &timeout);
	if (has_to < 0)
		return;
	if (!has_mark && !has_to) {
		reply_error(c, "update wants 'mark' or 'timeout'");
		return;
	}
	if (by_id) {
		struct ct_entry *e = get_by_id(ctl, c, req);

		if (!e)
			return;
		w.v = malloc(sizeof(*w.v));
		if (!w.v) {
			reply_error(c, "out of memory");
			return;
		}
		w.v[w.n++] = e;
	} else {
		if (get_filter(c, req, &c->lf))
			return;
		/* the table may not change during a walk: collect, then act */
		ct_table_walk(ctl->d->t, collect_cb, &w);
		if (w.oom) {
			free(w.v);
			reply_error(c, "out of memory");
			return;
		}
	}
	for (size_t i = 0; i < w.n; i++) {
		int rc = 0;

		if (has_mark)
			rc = ct_entry_set_mark(ctl->d->t, w.v[i], (uint32_t)mark);
		if (!rc && has_to)
			rc = ct_entry_set_timeout(ctl->d->t, w.v[i], (uint32_t)timeout, ctl->now);
		if (!rc)
			done++;
	}
	free(w.v);
	out_json(c, json_pack("{s:b,s:I}", "ok", 1, "updated", (json_int_t)done));
}

static void cmd_flush(struct ctrack_ctl *ctl, struct client *c, json_t *req)
{
	static const char *const keys[] = { "cmd", NULL };
	size_t before;

	if (!only_keys(c, "flush", req, keys))
		return;
	before = ct_table_count(ctl->d->t);
	ct_table_flush(ctl->d->t);
	out_json(c, json_pack("{s:b,s:I}", "ok", 1, "deleted",
			      (json_int_t)(before - ct_table_count(ctl->d->t))));
}

static void cmd_stats(struct ctrack_ctl *ctl, struct client *c, json_t *req)
{
	static const char *const keys[] = { "cmd", NULL };
	json_t *o;

	if (!only_keys(c, "stats", req, keys))
		return;
	o = ctrack_daemon_stats(ctl->d, ctl->now);
	if (!o) {
		reply_error(c, "out of memory");
		return;
	}
	json_object_set_new(o, "ok", json_true());
	out_json(c, o);
}

/* ---- events ---- */

static const char *event_name(enum ct_event ev)
{
	return ev == CT_EV_NEW ? "NEW" : ev == CT_EV_UPDATE ? "UPDATE" : "DESTROY";
}

static void cmd_events(struct ctrack_ctl *ctl, struct client *c, json_t *req)
{
	static const char *const keys[] = { "cmd", "filter", "events", "text", NULL };
	json_t *v = json_object_get(req, "events"), *w;
	unsigned mask = 0;
	size_t i;

	if (!only_keys(c, "events", req, keys) || get_filter(c, req, &c->evf) ||
	    get_text(c, req, &c->evtext))
		return;
	if (v) {
		if (!json_is_array(v) || !json_array_size(v))
			goto bad;
		json_array_foreach (v, i, w) {
			const char *s = json_is_string(w) ? json_string_value(w) : "";

			if (!strcmp(s, "new"))
				mask |= CT_EV_NEW;
			else if (!strcmp(s, "update"))
				mask |= CT_EV_UPDATE;
			else if (!strcmp(s, "destroy"))
				mask |= CT_EV_DESTROY;
			else
				goto bad;
		}
	} else {
		mask = CT_EV_NEW | CT_EV_UPDATE | CT_EV_DESTROY;
	}
	c->evmask = mask;
	c->events = true;
	out_json(c, json_pack("{s:b,s:b}", "ok", 1, "subscribed", 1));
	return;
bad:
	reply_error(c, "'events' wants a list of new, update, destroy");
}

void ctrack_ctl_event(struct ctrack_ctl *ctl, enum ct_event ev, const struct ct_entry *e,
		      uint64_t now)
{
	for (size_t i = 0; i < ctl->ncl; i++) {
		struct client *c = ctl->cl[i];
		char line[1024];
		json_t *o;

		if (!c->events || c->dead || !(c->evmask & ev) || !ctrack_filter_match(&c->evf, e))
			continue;
		if (out_pending(c) >= EVENTS_HIGH) {
			c->lost++;
			ctl->lost++;
			continue;
		}
		if (c->lost && out_pending(c) < EVENTS_RESUME) {
			out_json(c, json_pack("{s:I}", "lost", (json_int_t)c->lost));
			c->lost = 0;
		}
		o = json_object();
		json_object_set_new(o, "event", json_string(event_name(ev)));
		json_object_set_new(o, "entry", ctrack_entry_json(e, now));
		if (c->evtext != TEXT_NONE &&
		    ct_event_format_opts(ev, e, now, (unsigned)c->evtext, line, sizeof(line)) >= 0)
			json_object_set_new(o, "text", json_string(line));
		out_json(c, o);
	}
}

/* ---- requests ---- */

static void request(struct ctrack_ctl *ctl, struct client *c, const char *line, size_t len)
{
	static const struct {
		const char *name;
		void (*fn)(struct ctrack_ctl *, struct client *, json_t *);
	} cmds[] = {
		{ "list", cmd_list },	  { "get", cmd_get },	  { "delete", cmd_delete },
		{ "update", cmd_update }, { "flush", cmd_flush }, { "stats", cmd_stats },
		{ "events", cmd_events },
	};
	json_error_t je;
	json_t *req, *cmd;
	size_t i;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
		;
	if (i == len)
		return; /* a blank line asks nothing */
	if (c->events)
		return; /* an events connection only listens: its lines are ignored */
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!req) {
		reply_error(c, "bad JSON at column %d: %s", je.column, je.text);
		return;
	}
	if (!json_is_object(req)) {
		reply_error(c, "a request is a JSON object");
		goto out;
	}
	cmd = json_object_get(req, "cmd");
	if (!json_is_string(cmd)) {
		reply_error(c, "a request wants 'cmd' (a string)");
		goto out;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(json_string_value(cmd), cmds[i].name)) {
			ctl->now = ctrack_now();
			ct_table_expire(ctl->d->t, ctl->now);
			cmds[i].fn(ctl, c, req);
			goto out;
		}
	}
	reply_error(c, "unknown cmd '%.64s'", json_string_value(cmd));
out:
	json_decref(req);
}

/* Answers the complete lines read so far, one request at a time: a list
 * being sent holds back the next request until it is done. */
static void serve_lines(struct ctrack_ctl *ctl, struct client *c, bool eof)
{
	size_t start = 0;

	while (!c->listing && !c->dead && start < c->inlen) {
		char *nl = memchr(c->in + start, '\n', c->inlen - start);
		size_t len;

		if (!nl) {
			if (!eof)
				break;
			len = c->inlen - start; /* the last line, without its newline */
		} else {
			len = (size_t)(nl - (c->in + start));
		}
		request(ctl, c, c->in + start, len);
		start += len + (nl ? 1 : 0);
	}
	memmove(c->in, c->in + start, c->inlen - start);
	c->inlen -= start;
	if (c->inlen == sizeof(c->in) && !c->listing) {
		/* answered, and what follows up to the next newline dropped:
		 * the connection goes on with the next line */
		reply_error(c, "request line longer than %u bytes", CTRACK_LINE_MAX);
		c->inlen = 0;
		c->skipping = true;
	}
}

/* Drops the bytes of an over-long line up to its newline (kept). */
static void skip_long(struct client *c)
{
	char *nl = memchr(c->in, '\n', c->inlen);

	if (!nl) {
		c->inlen = 0;
		return;
	}
	c->inlen -= (size_t)(nl + 1 - c->in);
	memmove(c->in, nl + 1, c->inlen);
	c->skipping = false;
}

static void client_read(struct ctrack_ctl *ctl, struct client *c)
{
	bool eof = false;

	while (c->inlen < sizeof(c->in)) {
		ssize_t k = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				c->dead = true;
			break;
		}
		if (k == 0) {
			eof = true;
			break;
		}
		if (c->events) { /* a subscriber's bytes are read to see it go */
			c->inlen = 0;
			continue;
		}
		c->inlen += (size_t)k;
		if (c->skipping) {
			skip_long(c);
			if (c->skipping)
				continue;
			k = (ssize_t)c->inlen;
		}
		if (memchr(c->in + c->inlen - (size_t)k, '\n', (size_t)k))
			break;
	}
	serve_lines(ctl, c, eof);
	if (eof) {
		c->eof = true;
		/* Nobody reads the stream any more; the reply to the request
		 * that subscribed is still owed, so send what is queued first. */
		if (c->events) {
			flush_out(c);
			c->dead = true;
		}
	}
}

/* ---- connections ---- */

static void client_free(struct client *c)
{
	close(c->fd);
	free(c->out.p);
	free(c);
}

static void accept_one(struct ctrack_ctl *ctl)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct client *c;
	int fd = accept4(ctl->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	static const char full[] = "{\"ok\":false,\"error\":\"too many connections\"}\n";

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cl != sizeof(cred)) {
		ctrack_log("control: cannot read the peer's credentials: %s", strerror(errno));
		close(fd);
		return;
	}
	if (cred.uid != 0 && cred.uid != geteuid()) {
		char msg[128];
		int k = snprintf(msg, sizeof(msg),
				 "{\"ok\":false,\"error\":\"permission denied for uid %u\"}\n",
				 (unsigned)cred.uid);

		ctrack_log("control: refused uid %u (pid %d)", (unsigned)cred.uid, (int)cred.pid);
		if (send(fd, msg, (size_t)k, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* nothing more to tell it */
		}
		close(fd);
		return;
	}
	if (ctl->ncl == MAX_CLIENTS) {
		if (send(fd, full, sizeof(full) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* it goes anyway */
		}
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->uid = (unsigned)cred.uid;
	c->evtext = TEXT_NONE;
	c->ltext = TEXT_NONE;
	ctl->cl[ctl->ncl++] = c;
}

size_t ctrack_ctl_pollfds(struct ctrack_ctl *ctl, struct pollfd *p, size_t max)
{
	size_t n = 0;

	ctl->listen_polled = false;
	if (ctl->ncl < MAX_CLIENTS && n < max) {
		p[n] = (struct pollfd){ .fd = ctl->lfd, .events = POLLIN };
		ctl->polled[n++] = NULL;
		ctl->listen_polled = true;
	}
	for (size_t i = 0; i < ctl->ncl && n < max; i++) {
		struct client *c = ctl->cl[i];
		short ev = 0;

		if (!c->listing && !c->eof && c->inlen < sizeof(c->in))
			ev |= POLLIN;
		if (out_pending(c))
			ev |= POLLOUT;
		p[n] = (struct pollfd){ .fd = c->fd, .events = ev };
		ctl->polled[n++] = c;
	}
	return n;
}

void ctrack_ctl_handle(struct ctrack_ctl *ctl, const struct pollfd *p, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		struct client *c = ctl->polled[i];

		if (!c) {
			if (ctl->listen_polled && (p[i].revents & POLLIN))
				for (j = 0; j < 16 && ctl->ncl < MAX_CLIENTS; j++)
					accept_one(ctl);
			continue;
		}
		if (p[i].revents & (POLLERR | POLLNVAL))
			c->dead = true;
		if (!c->dead && (p[i].revents & (POLLIN | POLLHUP)) && !c->eof && !c->listing)
			client_read(ctl, c);
		else if (p[i].revents & POLLHUP && !(p[i].revents & POLLOUT) && !out_pending(c))
			c->dead = true;
	}
	/* every connection: send, go on with lists, take queued requests */
	for (i = 0; i < ctl->ncl; i++) {
		struct client *c = ctl->cl[i];

		for (int round = 0; round < 4 && !c->dead; round++) {
			flush_out(c);
			if (c->listing && out_pending(c) < LIST_LOW) {
				ctl->now = ctrack_now();
				list_more(ctl, c);
				continue;
			}
			if (!c->listing && c->inlen) {
				size_t before = c->inlen;

				serve_lines(ctl, c, c->eof);
				if (c->inlen != before)
					continue;
			}
			break;
		}
		if (c->eof && !c->listing && !c->inlen && !out_pending(c))
			c->dead = true;
	}
	for (i = j = 0; i < ctl->ncl; i++) {
		if (ctl->cl[i]->dead)
			client_free(ctl->cl[i]);
		else
			ctl->cl[j++] = ctl->cl[i];
	}
	ctl->ncl = j;
}

size_t ctrack_ctl_clients(const struct ctrack_ctl *ctl)
{
	return ctl ? ctl->ncl : 0;
}

uint64_t ctrack_ctl_lost(const struct ctrack_ctl *ctl)
{
	return ctl ? ctl->lost : 0;
}

/* Whether a daemon answers on the socket file at path. */
static bool socket_live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 || errno != ECONNREFUSED;
	close(fd);
	return live;
}

int ctrack_ctl_open(struct ctrack_ctl **out, struct ctrack_daemon *d, const char *path, char *err,
		    size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctrack_ctl *ctl;
	struct stat st;
	mode_t old;
	int rc;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, n, "%s: path too long for a unix socket", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, n, "%s: exists and is not a socket", path);
			return -EEXIST;
		}
		if (socket_live(&sa)) {
			snprintf(err, n, "%s: another daemon listens there", path);
			return -EADDRINUSE;
		}
		unlink(path);
	}
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl || !(ctl->path = strdup(path))) {
		free(ctl);
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	ctl->d = d;
	ctl->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->lfd < 0)
		goto fail;
	old = umask(0177); /* the file is born 0600 */
	rc = bind(ctl->lfd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc)
		goto fail;
	if (chmod(path, 0600) || lstat(path, &st) || listen(ctl->lfd, 16)) {
		rc = -errno;
		unlink(path);
		errno = -rc;
		goto fail;
	}
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	*out = ctl;
	return 0;
fail:
	rc = -errno;
	snprintf(err, n, "%s: %s", path, strerror(errno));
	if (ctl->lfd >= 0)
		close(ctl->lfd);
	free(ctl->path);
	free(ctl);
	return rc;
}

void ctrack_ctl_close(struct ctrack_ctl *ctl)
{
	struct stat st;

	if (!ctl)
		return;
	for (size_t i = 0; i < ctl->ncl; i++)
		client_free(ctl->cl[i]);
	close(ctl->lfd);
	/* remove the file only if it is still ours */
	if (!lstat(ctl->path, &st) && st.st_dev == ctl->dev && st.st_ino == ctl->ino)
		unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}
