/*
 * The watch configuration parser (conf.h, docs/autorun-config.md): an
 * INI-like file of "# comment" lines, section headers ([watch], [source N],
 * [target N], [suite N]) and "key = value" lines, where a line ending in a
 * backslash continues on the next one. Keys are described by one table
 * (name, section, value type, where the value goes); a section is checked
 * when it ends (required keys, keys that do not fit the source's kind) and
 * the names a section refers to are checked once the whole file is read.
 * Relative paths are stored as written: they are relative to the directory
 * the watcher runs in.
 */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

enum sect { S_NONE, S_WATCH, S_SOURCE, S_TARGET, S_SUITE };
enum ktype { K_STR, K_LIST, K_UINT, K_BOOL };

/* Source kinds, as bits: which kinds a source key applies to. */
#define KD_DEB 1u
#define KD_GIT 2u
#define KD_DIR 4u
#define KD_ALL (KD_DEB | KD_GIT | KD_DIR)
#define KD_TREE (KD_GIT | KD_DIR) /* keys that turn a source tree into artifacts */

struct key {
	const char *name;
	enum sect sect;
	enum ktype type;
	size_t off;		/* in struct ar_conf / ar_source_conf / ... */
	unsigned min, max;	/* K_UINT */
	unsigned kinds;		/* S_SOURCE: KD_* it applies to */
};

#define W(n, t, f, lo, hi) { n, S_WATCH, t, offsetof(struct ar_conf, f), lo, hi, 0 }
#define SO(n, t, f, k) { n, S_SOURCE, t, offsetof(struct ar_source_conf, f), 0, UINT_MAX, k }
#define T(n, t, f, lo, hi) { n, S_TARGET, t, offsetof(struct ar_target_conf, f), lo, hi, 0 }
#define SU(n, t, f, lo, hi) { n, S_SUITE, t, offsetof(struct ar_suite_conf, f), lo, hi, 0 }

static const struct key keys[] = {
	W("store", K_STR, store, 0, 0),
	W("workdir", K_STR, workdir, 0, 0),
	W("interval", K_UINT, interval, 1, 7 * 86400),
	W("reruns", K_UINT, reruns, 0, 100),
	W("jobs", K_UINT, jobs, 1, 4096),
	SO("kind", K_STR, kind, KD_ALL),
	SO("target", K_STR, target, KD_ALL),
	SO("suites", K_LIST, suites, KD_ALL),
	SO("packages", K_LIST, packages, KD_DEB),
	SO("apt-update", K_BOOL, apt_update, KD_DEB),
	SO("newest", K_UINT, newest, KD_DEB | KD_GIT),
	SO("url", K_STR, url, KD_GIT),
	SO("branch", K_STR, branch, KD_GIT),
	SO("stable-tags", K_STR, stable_tags, KD_GIT),
	SO("rc-tags", K_STR, rc_tags, KD_GIT),
	SO("kinds", K_LIST, kinds, KD_GIT),
	SO("path", K_STR, path, KD_DIR),
	SO("base-config", K_STR, base_config, KD_TREE),
	SO("config-fragment", K_STR, config_fragment, KD_TREE),
	SO("configure", K_STR, configure_cmd, KD_TREE),
	SO("build", K_STR, build_cmd, KD_TREE),
	SO("install", K_STR, install_cmd, KD_TREE),
	T("kind", K_STR, kind, 0, 0),
	T("stable", K_STR, stable, 0, 0),
	T("boot-timeout", K_UINT, boot_timeout, 1, 86400),
	SU("suite", K_STR, suite, 0, 0),
	SU("suites-dir", K_STR, suites_dir, 0, 0),
	SU("type", K_STR, type, 0, 0),
	SU("test", K_LIST, tests, 0, 0),
	SU("sysctl", K_LIST, sysctls, 0, 0),
	SU("jobs", K_UINT, jobs, 0, 4096),
	SU("timeout", K_UINT, timeout, 1, 7 * 86400),
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Lines of the keys that name other sections, checked at the end. */
struct refs {
	int target;		/* of a source */
	int suites[AR_LIST_MAX]; /* of each name in a source's suites */
	int stable;		/* of a target */
};

struct parser {
	const char *name;
	char *err;
	size_t errlen;
	struct ar_conf *c;
	enum sect sect;
	int sect_line;
	void *obj;		/* the current section's struct */
	int key_line[NKEYS];	/* where each key of the current section was set */
	int watch_line;
	struct refs *src_refs, *tgt_refs;
};

static int fail(struct parser *p, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->name, line, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->name, msg);
	return -EINVAL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static const char *sect_word(enum sect s)
{
	switch (s) {
	case S_WATCH:
		return "watch";
	case S_SOURCE:
		return "source";
	case S_TARGET:
		return "target";
	case S_SUITE:
		return "suite";
	default:
		return "?";
	}
}

static int valid_name(const char *s)
{
	if (!*s || strlen(s) >= AR_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return 0;
	return 1;
}

static unsigned kind_bit(const char *kind)
{
	if (!kind)
		return 0;
	if (!strcmp(kind, "debian-kernel"))
		return KD_DEB;
	if (!strcmp(kind, "git"))
		return KD_GIT;
	if (!strcmp(kind, "dir"))
		return KD_DIR;
	return 0;
}

static const char *section_label(struct parser *p)
{
	static const size_t name_off[] = {
		[S_SOURCE] = offsetof(struct ar_source_conf, name),
		[S_TARGET] = offsetof(struct ar_target_conf, name),
		[S_SUITE] = offsetof(struct ar_suite_conf, name),
	};

	if (p->sect == S_WATCH || p->sect == S_NONE)
		return "";
	return (const char *)p->obj + name_off[p->sect];
}

static int list_has(const struct ar_list *l, const char *v)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], v))
			return 1;
	return 0;
}

static int list_add(struct ar_list *l, const char *v)
{
	if (l->n >= AR_LIST_MAX)
		return -E2BIG;
	l->v[l->n] = strdup(v);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static void list_free(struct ar_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static int key_index(const struct key *k)
{
	return (int)(k - keys);
}

static int key_seen(struct parser *p, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].sect == p->sect && !strcmp(keys[i].name, name))
			return p->key_line[i];
	return 0;
}

/* Checks the section that just ended and fills its defaults. */
static int finish_section(struct parser *p)
{
	const char *label = section_label(p);

	if (p->sect == S_SOURCE) {
		struct ar_source_conf *s = p->obj;
		unsigned bit = kind_bit(s->kind);

		if (!s->kind)
			return fail(p, p->sect_line, "source %s: missing key 'kind'", label);
		if (!s->target)
			return fail(p, p->sect_line, "source %s: missing key 'target'", label);
		for (size_t i = 0; i < NKEYS; i++) {
			if (keys[i].sect != S_SOURCE || !p->key_line[i] || (keys[i].kinds & bit))
				continue;
			return fail(p, p->key_line[i], "key '%s' does not apply to a %s source",
				    keys[i].name, s->kind);
		}
		if (bit == KD_DEB && !s->packages.n)
			return fail(p, p->sect_line, "source %s: missing key 'packages'", label);
		if (bit == KD_GIT && !s->url)
			return fail(p, p->sect_line, "source %s: missing key 'url'", label);
		if (bit == KD_GIT && !s->branch && !s->stable_tags && !s->rc_tags)
			return fail(p, p->sect_line,
				    "source %s: a git source needs branch, stable-tags or rc-tags",
				    label);
		if (bit == KD_DIR && !s->path)
			return fail(p, p->sect_line, "source %s: missing key 'path'", label);
		if (bit == KD_GIT) {
			int kl = key_seen(p, "kinds");

			if (list_has(&s->kinds, "stable") && !s->stable_tags)
				return fail(p, kl, "kinds: stable needs stable-tags");
			if (list_has(&s->kinds, "rc") && !s->rc_tags)
				return fail(p, kl, "kinds: rc needs rc-tags");
			if (list_has(&s->kinds, "snapshot") && !s->branch)
				return fail(p, kl, "kinds: snapshot needs branch");
			if (!s->kinds.n) {
				int rc = 0;

				if (s->stable_tags)
					rc = rc ? rc : list_add(&s->kinds, "stable");
				if (s->rc_tags)
					rc = rc ? rc : list_add(&s->kinds, "rc");
				if (s->branch)
					rc = rc ? rc : list_add(&s->kinds, "snapshot");
				if (rc)
					return rc;
			}
		}
		/* newest: one release per package glob for Debian, every tag
		 * (0) for git unless set. */
		if (!key_seen(p, "newest"))
			s->newest = bit == KD_DEB ? 1 : 0;
	} else if (p->sect == S_TARGET) {
		struct ar_target_conf *t = p->obj;

		if (!t->kind)
			return fail(p, p->sect_line, "target %s: missing key 'kind'", label);
		if (!key_seen(p, "boot-timeout"))
			t->boot_timeout = 120;
	} else if (p->sect == S_SUITE) {
		struct ar_suite_conf *u = p->obj;

		if (!u->suite && !(u->suite = strdup("core")))
			return -ENOMEM;
		if (!u->suites_dir && !(u->suites_dir = strdup("suites")))
			return -ENOMEM;
		if (!u->type && !(u->type = strdup("host")))
			return -ENOMEM;
		if (!key_seen(p, "timeout"))
			u->timeout = 3600;
	}
	return 0;
}

/* Appends a zeroed element to *arr (n elements of size sz) and its refs. */
static void *grow(void **arr, size_t *n, size_t sz, struct refs **refs)
{
	void *na = realloc(*arr, (*n + 1) * sz);
	struct refs *nr;

	if (!na)
		return NULL;
	*arr = na;
	if (refs) {
		nr = realloc(*refs, (*n + 1) * sizeof(**refs));
		if (!nr)
			return NULL;
		*refs = nr;
		memset(&nr[*n], 0, sizeof(*nr));
	}
	memset((char *)na + *n * sz, 0, sz);
	return (char *)na + (*n)++ * sz;
}

static int start_section(struct parser *p, char *hdr, int line)
{
	char *close = strchr(hdr, ']'), *word, *name;
	struct ar_conf *c = p->c;
	enum sect s;
	int rc;

	if (!close)
		return fail(p, line, "missing ']' in section header");
	if (*trim(close + 1))
		return fail(p, line, "text after ']' in section header");
	*close = '\0';
	word = trim(hdr + 1);
	name = word + strcspn(word, " \t");
	if (*name)
		*name++ = '\0';
	name = trim(name);

	if (!strcmp(word, "watch"))
		s = S_WATCH;
	else if (!strcmp(word, "source"))
		s = S_SOURCE;
	else if (!strcmp(word, "target"))
		s = S_TARGET;
	else if (!strcmp(word, "suite"))
		s = S_SUITE;
	else
		return fail(p, line, "unknown section [%s]", word);

	rc = finish_section(p);
	if (rc)
		return rc;
	memset(p->key_line, 0, sizeof(p->key_line));
	p->sect = s;
	p->sect_line = line;

	if (s == S_WATCH) {
		if (*name)
			return fail(p, line, "[watch] takes no name");
		if (p->watch_line)
			return fail(p, line, "duplicate [watch] section (first at line %d)",
				    p->watch_line);
		p->watch_line = line;
		p->obj = c;
		return 0;
	}
	if (!*name)
		return fail(p, line, "[%s] needs a name", word);
	if (!valid_name(name))
		return fail(p, line,
			    "bad %s name '%s' (letters, digits, '.', '_', '-'; at most %d)",
			    word, name, AR_NAME_MAX - 1);
	if (s == S_SOURCE) {
		struct ar_source_conf *o;

		if (ar_conf_source(c, name))
			return fail(p, line, "duplicate source '%s' (first at line %d)", name,
				    ar_conf_source(c, name)->line);
		o = grow((void **)&c->sources, &c->nsources, sizeof(*o), &p->src_refs);
		if (!o)
			return -ENOMEM;
		snprintf(o->name, sizeof(o->name), "%s", name);
		o->line = line;
		p->obj = o;
	} else if (s == S_TARGET) {
		struct ar_target_conf *o;

		if (ar_conf_target(c, name))
			return fail(p, line, "duplicate target '%s' (first at line %d)", name,
				    ar_conf_target(c, name)->line);
		o = grow((void **)&c->targets, &c->ntargets, sizeof(*o), &p->tgt_refs);
		if (!o)
			return -ENOMEM;
		snprintf(o->name, sizeof(o->name), "%s", name);
		o->line = line;
		p->obj = o;
	} else {
		struct ar_suite_conf *o;

		if (ar_conf_suite(c, name))
			return fail(p, line, "duplicate suite '%s' (first at line %d)", name,
				    ar_conf_suite(c, name)->line);
		o = grow((void **)&c->suites, &c->nsuites, sizeof(*o), NULL);
		if (!o)
			return -ENOMEM;
		snprintf(o->name, sizeof(o->name), "%s", name);
		o->line = line;
		p->obj = o;
	}
	return 0;
}

/* Checks the value of the keys whose values come from a fixed set. */
static int check_word(struct parser *p, const struct key *k, const char *v, int line)
{
	if (k->sect == S_SOURCE && !strcmp(k->name, "kind") && !kind_bit(v))
		return fail(p, line, "unknown source kind '%s' (debian-kernel, git, dir)", v);
	if (k->sect == S_SOURCE && !strcmp(k->name, "kinds") && strcmp(v, "stable") &&
	    strcmp(v, "rc") && strcmp(v, "snapshot"))
		return fail(p, line, "unknown release kind '%s' (stable, rc, snapshot)", v);
	if (k->sect == S_TARGET && !strcmp(k->name, "kind") && strcmp(v, "qemu") &&
	    strcmp(v, "netns"))
		return fail(p, line, "unknown target kind '%s' (qemu, netns)", v);
	if (k->sect == S_SUITE && !strcmp(k->name, "type") && strcmp(v, "host") &&
	    strcmp(v, "router"))
		return fail(p, line, "unknown suite type '%s' (host, router)", v);
	if (k->sect == S_SUITE && !strcmp(k->name, "sysctl") &&
	    (!strchr(v, '=') || v[0] == '='))
		return fail(p, line, "sysctl '%s' is not KEY=VALUE", v);
	if (k->sect == S_TARGET && !strcmp(k->name, "stable")) {
		const char *slash = strchr(v, '/');

		if (!slash || slash == v || !slash[1])
			return fail(p, line, "stable '%s' is not SOURCE/VERSION", v);
	}
	return 0;
}

static int set_key(struct parser *p, char *key, char *val, int line)
{
	const struct key *k = NULL;
	char *field;
	int rc;

	if (p->sect == S_NONE)
		return fail(p, line, "key '%s' outside a section", key);
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].sect == p->sect && !strcmp(keys[i].name, key))
			k = &keys[i];
	if (!k)
		return fail(p, line, "unknown key '%s' in [%s]", key, sect_word(p->sect));
	if (!*val)
		return fail(p, line, "key '%s' needs a value", key);
	if (p->key_line[key_index(k)] && k->type != K_LIST)
		return fail(p, line, "duplicate key '%s' (first at line %d)", key,
			    p->key_line[key_index(k)]);
	if (!p->key_line[key_index(k)])
		p->key_line[key_index(k)] = line;
	field = (char *)p->obj + k->off;

	switch (k->type) {
	case K_STR: {
		char **dst = (char **)(void *)field;

		rc = check_word(p, k, val, line);
		if (rc)
			return rc;
		*dst = strdup(val);
		return *dst ? 0 : -ENOMEM;
	}
	case K_LIST: {
		struct ar_list *l = (struct ar_list *)(void *)field;
		char *save = NULL;

		for (char *w = strtok_r(val, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
			rc = check_word(p, k, w, line);
			if (rc)
				return rc;
			rc = list_add(l, w);
			if (rc == -E2BIG)
				return fail(p, line, "too many values for '%s' (at most %d)", key,
					    AR_LIST_MAX);
			if (rc)
				return rc;
		}
		return 0;
	}
	case K_UINT: {
		unsigned *dst = (unsigned *)(void *)field;
		unsigned long v;
		char *end;

		errno = 0;
		v = strtoul(val, &end, 10);
		if (!isdigit((unsigned char)val[0]) || *end || errno)
			return fail(p, line, "'%s' needs a number, not '%s'", key, val);
		if (v < k->min || v > k->max)
			return fail(p, line, "'%s' = %lu is out of range (%u..%u)", key, v, k->min,
				    k->max);
		*dst = (unsigned)v;
		return 0;
	}
	case K_BOOL: {
		bool *dst = (bool *)(void *)field;

		if (!strcmp(val, "yes"))
			*dst = true;
		else if (!strcmp(val, "no"))
			*dst = false;
		else
			return fail(p, line, "'%s' needs yes or no, not '%s'", key, val);
		return 0;
	}
	}
	return 0;
}

/* Keys that name other sections: checked when all sections are known. */
static int check_refs(struct parser *p)
{
	struct ar_conf *c = p->c;

	for (size_t i = 0; i < c->nsources; i++) {
		const struct ar_source_conf *s = &c->sources[i];

		if (!ar_conf_target(c, s->target))
			return fail(p, p->src_refs[i].target, "source %s: no target named '%s'",
				    s->name, s->target);
		for (size_t j = 0; j < s->suites.n; j++)
			if (!ar_conf_suite(c, s->suites.v[j]))
				return fail(p, p->src_refs[i].suites[j],
					    "source %s: no suite named '%s'", s->name,
					    s->suites.v[j]);
	}
	for (size_t i = 0; i < c->ntargets; i++) {
		const struct ar_target_conf *t = &c->targets[i];
		char src[AR_NAME_MAX];
		size_t n;

		if (!t->stable)
			continue;
		n = strcspn(t->stable, "/");
		if (n < sizeof(src))
			snprintf(src, sizeof(src), "%.*s", (int)n, t->stable);
		if (n >= sizeof(src) || !ar_conf_source(c, src))
			return fail(p, p->tgt_refs[i].stable,
				    "target %s: stable '%s' names no source", t->name, t->stable);
	}
	return 0;
}

static int fill_defaults(struct ar_conf *c)
{
	long ncpu;

	if (!c->workdir && !(c->workdir = strdup("out/autorun")))
		return -ENOMEM;
	if (!c->store) {
		size_t n = strlen(c->workdir) + sizeof("/autorun.db");

		c->store = malloc(n);
		if (!c->store)
			return -ENOMEM;
		snprintf(c->store, n, "%s/autorun.db", c->workdir);
	}
	if (!c->interval)
		c->interval = 3600;
	if (!c->jobs) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		c->jobs = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	return 0;
}

/* Records where the keys that name other sections were set; n0 is the
 * number of suites the source had before this line. */
static void note_refs(struct parser *p, const char *key, int line, size_t n0)
{
	if (p->sect == S_SOURCE) {
		struct ar_source_conf *s = p->obj;
		struct refs *r = &p->src_refs[s - p->c->sources];

		if (!strcmp(key, "target"))
			r->target = line;
		else if (!strcmp(key, "suites"))
			for (size_t i = n0; i < s->suites.n; i++)
				r->suites[i] = line;
	} else if (p->sect == S_TARGET && !strcmp(key, "stable")) {
		p->tgt_refs[(struct ar_target_conf *)p->obj - p->c->targets].stable = line;
	}
}

static int parse_line(struct parser *p, char *s, int line)
{
	char *eq, *key, *val;
	size_t n0 = 0;
	int rc;

	s = trim(s);
	if (!*s || *s == '#')
		return 0;
	if (*s == '[')
		return start_section(p, s, line);
	eq = strchr(s, '=');
	if (!eq)
		return fail(p, line, "expected 'key = value' or a [section]");
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (!*key)
		return fail(p, line, "missing key before '='");
	if (p->sect == S_SOURCE)
		n0 = ((struct ar_source_conf *)p->obj)->suites.n;
	rc = set_key(p, key, val, line);
	if (!rc)
		note_refs(p, key, line, n0);
	return rc;
}

int ar_conf_parse(const char *name, const char *text, struct ar_conf *c, char *err, size_t errlen)
{
	struct parser p = {
		.name = name ? name : "(config)", .err = err, .errlen = errlen, .c = c,
	};
	char *buf = NULL, *logical = NULL;
	size_t llen = 0;
	int rc = 0, line = 0, start_line = 0;

	memset(c, 0, sizeof(*c));
	if (errlen)
		err[0] = '\0';
	c->reruns = 2;
	c->file = strdup(p.name);
	buf = strdup(text ? text : "");
	if (!c->file || !buf) {
		rc = -ENOMEM;
		goto out;
	}
	for (char *s = buf, *nl; s; s = nl) {
		size_t n;
		char *t;
		int cont;

		nl = strchr(s, '\n');
		if (nl)
			*nl++ = '\0';
		line++;
		/* Continuation: a line ending in '\' joins the next one, with one
		 * blank between the two. */
		t = s + strlen(s);
		while (t > s && isspace((unsigned char)t[-1]))
			*--t = '\0';
		cont = t > s && t[-1] == '\\' && *trim(s) != '#';
		if (cont) {
			*--t = '\0';
			while (t > s && isspace((unsigned char)t[-1]))
				*--t = '\0';
		}
		if (!logical)
			start_line = line;
		else
			s = trim(s);
		n = strlen(s);
		{
			char *nlg = realloc(logical, llen + n + 2);

			if (!nlg) {
				rc = -ENOMEM;
				goto out;
			}
			logical = nlg;
		}
		if (llen)
			logical[llen++] = ' ';
		memcpy(logical + llen, s, n + 1);
		llen += n;
		if (cont && nl)
			continue;
		rc = parse_line(&p, logical, start_line);
		free(logical);
		logical = NULL;
		llen = 0;
		if (rc)
			goto out;
	}
	rc = finish_section(&p);
	if (!rc)
		rc = check_refs(&p);
	if (!rc)
		rc = fill_defaults(c);
out:
	if (rc == -ENOMEM && errlen && !err[0])
		snprintf(err, errlen, "%s: out of memory", p.name);
	free(logical);
	free(buf);
	free(p.src_refs);
	free(p.tgt_refs);
	if (rc)
		ar_conf_free(c);
	return rc;
}

int ar_conf_load(const char *file, struct ar_conf *c, char *err, size_t errlen)
{
	char *text;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = ar_read_file(file, &text, NULL);
	if (rc) {
		snprintf(err, errlen, "%s: cannot read: %s", file, strerror(-rc));
		return rc;
	}
	rc = ar_conf_parse(file, text, c, err, errlen);
	free(text);
	return rc;
}

void ar_conf_free(struct ar_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nsources; i++) {
		struct ar_source_conf *s = &c->sources[i];

		free(s->kind);
		free(s->target);
		list_free(&s->suites);
		list_free(&s->packages);
		free(s->url);
		free(s->branch);
		free(s->stable_tags);
		free(s->rc_tags);
		list_free(&s->kinds);
		free(s->path);
		free(s->base_config);
		free(s->config_fragment);
		free(s->configure_cmd);
		free(s->build_cmd);
		free(s->install_cmd);
	}
	for (size_t i = 0; i < c->ntargets; i++) {
		free(c->targets[i].kind);
		free(c->targets[i].stable);
	}
	for (size_t i = 0; i < c->nsuites; i++) {
		struct ar_suite_conf *u = &c->suites[i];

		free(u->suite);
		free(u->suites_dir);
		free(u->type);
		list_free(&u->tests);
		list_free(&u->sysctls);
	}
	free(c->sources);
	free(c->targets);
	free(c->suites);
	free(c->file);
	free(c->store);
	free(c->workdir);
	memset(c, 0, sizeof(*c));
}

const struct ar_target_conf *ar_conf_target(const struct ar_conf *c, const char *name)
{
	for (size_t i = 0; name && i < c->ntargets; i++)
		if (!strcmp(c->targets[i].name, name))
			return &c->targets[i];
	return NULL;
}

const struct ar_suite_conf *ar_conf_suite(const struct ar_conf *c, const char *name)
{
	for (size_t i = 0; name && i < c->nsuites; i++)
		if (!strcmp(c->suites[i].name, name))
			return &c->suites[i];
	return NULL;
}

const struct ar_source_conf *ar_conf_source(const struct ar_conf *c, const char *name)
{
	for (size_t i = 0; name && i < c->nsources; i++)
		if (!strcmp(c->sources[i].name, name))
			return &c->sources[i];
	return NULL;
}
