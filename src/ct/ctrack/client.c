/*
 * The client subcommands of ctrack: list, get, delete, update, flush,
 * events and stats. Each reads its options (filters as conntrack names
 * them), sends one request to the daemon's control socket
 * (docs/ctrack-control.md) and prints the replies, as conntrack-tools does
 * by default (the daemon formats those lines) or as JSON lines with
 * --json. The socket is --socket PATH, else $CTRACK_SOCKET, else
 * /run/ctrack.sock.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctrack.h"

enum { C_LIST, C_GET, C_DELETE, C_UPDATE, C_FLUSH, C_EVENTS, C_STATS };

static const char *const cmd_names[] = { "list", "get", "delete", "update", "flush", "events", "stats" };

struct opts {
	int cmd;
	bool json;
	const char *sock;
	struct ctrack_filter f;
	json_t *text; /* the "text" member of the request, unless --json */
	uint32_t id;
	bool has_id;
	uint32_t limit;
	bool has_limit;
	uint32_t set_mark, set_timeout;
	bool has_mark, has_timeout;
	json_t *events;
	/* get by tuple: ICMP fields */
	uint32_t icmp_type, icmp_code, icmp_id;
	unsigned icmp_has; /* 1 type, 2 code, 4 id */
};

static void usage(FILE *fp, int cmd)
{
	static const char *const what[] = {
		"List the connections (conntrack -L)",
		"Show one connection, by id or by its tuple (conntrack -G)",
		"Delete a connection by id, or those a filter matches (conntrack -D)",
		"Change the mark or timeout of a connection or of those a filter matches",
		"Delete every connection (conntrack -F)",
		"Follow events: NEW, UPDATE, DESTROY (conntrack -E)",
		"Show the statistics (conntrack -S) and the daemon's",
	};
	static const char *const args[] = {
		"[FILTERS] [--limit N]",
		"ID | --src A --dst B --proto P [--sport N --dport N | --icmp-type T --icmp-code C --icmp-id I] [--zone N]",
		"ID | FILTERS",
		"(ID | FILTERS) [--set-mark M] [--set-timeout S]",
		"",
		"[FILTERS] [--event new,update,destroy]",
		"",
	};

	fprintf(fp, "usage: ctrack %s%s%s [--socket PATH] [--json] [-o extended,acct,timestamp,id]\n\n%s.\n",
		cmd_names[cmd], *args[cmd] ? " " : "", args[cmd], what[cmd]);
	if (cmd == C_FLUSH || cmd == C_STATS)
		return;
	fprintf(fp,
		"\nFILTERS (all must hold; addresses and ports of the original direction):\n"
		"  -s, --src ADDR[/LEN]   -d, --dst ADDR[/LEN]   --sport N   --dport N\n"
		"  -p, --proto NAME|NUM   -f, --family ipv4|ipv6  --state TCP_STATE\n"
		"  --zone N   --mark V[/MASK]   --status assured,unreplied,seen_reply,expected\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 'S' },    { "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },    { "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },       { "sport", required_argument, NULL, 1 },
		{ "dport", required_argument, NULL, 2 },       { "proto", required_argument, NULL, 'p' },
		{ "family", required_argument, NULL, 'f' },    { "state", required_argument, NULL, 3 },
		{ "zone", required_argument, NULL, 4 },	       { "mark", required_argument, NULL, 'm' },
		{ "status", required_argument, NULL, 5 },      { "limit", required_argument, NULL, 6 },
		{ "id", required_argument, NULL, 7 },	       { "set-mark", required_argument, NULL, 8 },
		{ "set-timeout", required_argument, NULL, 9 }, { "event", required_argument, NULL, 'e' },
		{ "icmp-type", required_argument, NULL, 10 },  { "icmp-code", required_argument, NULL, 11 },
		{ "icmp-id", required_argument, NULL, 12 },    { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const fkeys[] = { [1] = "sport", [2] = "dport", [3] = "state",
					     [4] = "zone", [5] = "status" };
	const char *output = NULL;
	char err[256];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hjS:o:s:d:p:f:m:e:", lo, NULL)) != -1) {
		const char *key = NULL;

		switch (c) {
		case 'S': o->sock = optarg; break;
		case 'j': o->json = true; break;
		case 'o': output = optarg; break;
		case 's': key = "src"; break;
		case 'd': key = "dst"; break;
		case 'p': key = "proto"; break;
		case 'f': key = "family"; break;
		case 'm': key = "mark"; break;
		case 1: case 2: case 3: case 4: case 5: key = fkeys[c]; break;
		case 6:
			if (ctrack_parse_u32(optarg, &o->limit))
				goto bad;
			o->has_limit = true;
			break;
		case 7:
			if (ctrack_parse_u32(optarg, &o->id) || !o->id)
				goto bad;
			o->has_id = true;
			break;
		case 8:
			if (ctrack_parse_u32(optarg, &o->set_mark))
				goto bad;
			o->has_mark = true;
			break;
		case 9:
			if (ctrack_parse_u32(optarg, &o->set_timeout))
				goto bad;
			o->has_timeout = true;
			break;
		case 10: case 11: case 12: {
			uint32_t *v = c == 10 ? &o->icmp_type : c == 11 ? &o->icmp_code : &o->icmp_id;

			if (ctrack_parse_u32(optarg, v) || *v > (c == 12 ? 65535u : 255u))
				goto bad;
			o->icmp_has |= 1u << (c - 10);
			break;
		}
		case 'e': {
			char *dup = strdup(optarg), *save = NULL, *w;

			if (!dup)
				return 1;
			o->events = json_array();
			for (w = strtok_r(dup, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				if (strcmp(w, "new") && strcmp(w, "update") && strcmp(w, "destroy")) {
					free(dup);
					goto bad;
				}
				json_array_append_new(o->events, json_string(w));
			}
			free(dup);
			break;
		}
		case 'h': usage(stdout, o->cmd); return -1;
		default: usage(stderr, o->cmd); return 2;
		}
		if (key && ctrack_filter_arg(&o->f, key, optarg, err, sizeof(err))) {
			fprintf(stderr, "ctrack %s: %s\n", cmd_names[o->cmd], err);
			return 2;
		}
	}
	if (optind < argc) {
		if (optind + 1 != argc || o->has_id || ctrack_parse_u32(argv[optind], &o->id) || !o->id) {
			usage(stderr, o->cmd);
			return 2;
		}
		o->has_id = true;
	}
	if (!o->json) {
		o->text = json_array();
		if (output) {
			char *dup = strdup(output), *save = NULL, *w;

			if (!dup)
				return 1;
			for (w = strtok_r(dup, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				if (strcmp(w, "extended") && strcmp(w, "acct") && strcmp(w, "timestamp") &&
				    strcmp(w, "id")) {
					fprintf(stderr, "ctrack %s: -o takes extended, acct, timestamp, id\n",
						cmd_names[o->cmd]);
					free(dup);
					return 2;
				}
				json_array_append_new(o->text, json_string(w));
			}
			free(dup);
		}
	}
	return 0;
bad:
	fprintf(stderr, "ctrack %s: bad value '%s'\n", cmd_names[o->cmd], optarg);
	return 2;
}

/* Refuses options the command has no use for. */
static int check_args(const struct opts *o)
{
	const char *cmd = cmd_names[o->cmd];
	bool filters = o->f.has != 0;

	if (o->has_limit && o->cmd != C_LIST)
		goto unused;
	if ((o->has_mark || o->has_timeout) != (o->cmd == C_UPDATE)) {
		if (o->cmd != C_UPDATE)
			goto unused;
		fprintf(stderr, "ctrack update: give --set-mark and/or --set-timeout\n");
		return 2;
	}
	if (o->events && o->cmd != C_EVENTS)
		goto unused;
	if (o->icmp_has && o->cmd != C_GET)
		goto unused;
	if ((o->cmd == C_FLUSH || o->cmd == C_STATS) && (filters || o->has_id))
		goto unused;
	if ((o->cmd == C_LIST || o->cmd == C_EVENTS) && o->has_id)
		goto unused;
	if ((o->cmd == C_DELETE || o->cmd == C_UPDATE || o->cmd == C_GET) && o->has_id && filters) {
		fprintf(stderr, "ctrack %s: give an id or filters, not both\n", cmd);
		return 2;
	}
	if ((o->cmd == C_DELETE || o->cmd == C_GET) && !o->has_id && !filters) {
		fprintf(stderr, "ctrack %s: which connections? give an id or %s\n", cmd,
			o->cmd == C_GET ? "a tuple" : "filters (flush deletes all)");
		return 2;
	}
	return 0;
unused:
	fprintf(stderr, "ctrack %s: an option that %s does not take\n", cmd, cmd);
	usage(stderr, o->cmd);
	return 2;
}

/* The tuple of `ctrack get` from the filter options. */
static json_t *tuple_of(const struct opts *o)
{
	const struct ctrack_filter *f = &o->f;
	unsigned allowed = CTF_SRC | CTF_DST | CTF_PROTO | CTF_SPORT | CTF_DPORT | CTF_ZONE;
	char a[64];
	json_t *t;

	if ((f->has & ~allowed) || (f->has & (CTF_SRC | CTF_DST | CTF_PROTO)) != (CTF_SRC | CTF_DST | CTF_PROTO) ||
	    f->src.len != (f->src.l3 == 4 ? 32 : 128) || f->dst.len != (f->dst.l3 == 4 ? 32 : 128)) {
		fprintf(stderr, "ctrack get: a tuple is --src ADDR --dst ADDR --proto P, with --sport/--dport or "
				"--icmp-type/--icmp-code/--icmp-id, and --zone\n");
		return NULL;
	}
	t = json_object();
	ctrack_prefix_str(&f->src, a, sizeof(a));
	json_object_set_new(t, "src", json_string(a));
	ctrack_prefix_str(&f->dst, a, sizeof(a));
	json_object_set_new(t, "dst", json_string(a));
	json_object_set_new(t, "proto", json_integer(f->proto));
	if (f->has & CTF_SPORT)
		json_object_set_new(t, "sport", json_integer(f->sport));
	if (f->has & CTF_DPORT)
		json_object_set_new(t, "dport", json_integer(f->dport));
	if (o->icmp_has & 1)
		json_object_set_new(t, "type", json_integer(o->icmp_type));
	if (o->icmp_has & 2)
		json_object_set_new(t, "code", json_integer(o->icmp_code));
	if (o->icmp_has & 4)
		json_object_set_new(t, "id", json_integer(o->icmp_id));
	if (f->has & CTF_ZONE)
		json_object_set_new(t, "zone", json_integer(f->zone));
	return t;
}

static json_t *build_request(struct opts *o)
{
	json_t *r = json_object();

	json_object_set_new(r, "cmd", json_string(cmd_names[o->cmd]));
	if (o->has_id)
		json_object_set_new(r, "id", json_integer(o->id));
	if (o->cmd == C_GET && !o->has_id) {
		json_t *t = tuple_of(o);

		if (!t) {
			json_decref(r);
			return NULL;
		}
		json_object_set_new(r, "tuple", t);
	} else if (o->cmd != C_FLUSH && o->cmd != C_STATS && !o->has_id &&
		   (o->f.has || o->cmd == C_UPDATE)) {
		json_object_set_new(r, "filter", ctrack_filter_json(&o->f));
	}
	if (o->has_limit)
		json_object_set_new(r, "limit", json_integer(o->limit));
	if (o->has_mark)
		json_object_set_new(r, "mark", json_integer(o->set_mark));
	if (o->has_timeout)
		json_object_set_new(r, "timeout", json_integer(o->set_timeout));
	if (o->events)
		json_object_set_new(r, "events", json_incref(o->events));
	if (o->text && (o->cmd == C_LIST || o->cmd == C_GET || o->cmd == C_EVENTS))
		json_object_set_new(r, "text", json_array_size(o->text) ? json_incref(o->text) : json_true());
	return r;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "ctrack: %s: path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "ctrack: cannot connect to %s: %s (is the daemon running?)\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static json_int_t num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void print_stats(json_t *r)
{
	json_t *t = json_object_get(r, "table"), *d = json_object_get(r, "daemon");
	json_t *rl = json_object_get(r, "rules"), *list = json_object_get(rl, "list"), *x;
	const char *file = json_string_value(json_object_get(rl, "file"));
	size_t i;

	printf("cpu=0   \tfound=%lld invalid=%lld insert=0 insert_failed=%lld drop=%lld "
	       "early_drop=%lld error=%lld search_restart=0\n",
	       (long long)num(t, "found"), (long long)num(t, "invalid"), (long long)num(t, "insert_failed"),
	       (long long)num(t, "drop"), (long long)num(t, "early_drop"), (long long)num(t, "error"));
	printf("entries=%lld max=%lld expect=%lld new=%lld expired=%lld deleted=%lld related=%lld "
	       "frag_held=%lld\n",
	       (long long)num(t, "entries"), (long long)num(t, "max"), (long long)num(t, "expect"),
	       (long long)num(t, "new"), (long long)num(t, "expired"), (long long)num(t, "deleted"),
	       (long long)num(t, "related"), (long long)num(t, "frag_held"));
	printf("daemon: mode=%s", json_string_value(json_object_get(d, "mode")) ?: "?");
	if (json_object_get(d, "link"))
		printf(" link=%s link_drops=%lld", json_string_value(json_object_get(d, "link")) ?: "?",
		       (long long)num(d, "link_drops"));
	else
		printf(" queue=%lld", (long long)num(d, "queue"));
	printf(" uptime=%lld packets=%lld accepted=%lld dropped=%lld held=%lld queue_overruns=%lld "
	       "clients=%lld events_lost=%lld\n",
	       (long long)num(d, "uptime"), (long long)num(d, "packets"), (long long)num(d, "accepted"),
	       (long long)num(d, "dropped"), (long long)num(d, "held"), (long long)num(d, "queue_overruns"),
	       (long long)num(d, "clients"), (long long)num(d, "events_lost"));
	if (!file) {
		printf("rules: none (every packet accepted)\n");
		return;
	}
	printf("rules: %s, %zu, no match (dropped) %lld\n", file, json_array_size(list),
	       (long long)num(rl, "nomatch"));
	json_array_foreach (list, i, x)
		printf("  %4lld  %-12lld %s\n", (long long)num(x, "line"), (long long)num(x, "hits"),
		       json_string_value(json_object_get(x, "rule")) ?: "?");
}

static void print_json(json_t *o)
{
	ctrack_json_print(json_incref(o));
}

/* Prints one reply line; returns 1 when it ended the reply (its status
 * in *rc), 0 when more follow. */
static int handle_line(const struct opts *o, json_t *r, unsigned long *shown, int *rc)
{
	json_t *ok = json_object_get(r, "ok"), *entry = json_object_get(r, "entry");
	const char *text = json_string_value(json_object_get(r, "text"));

	if (!ok) {
		if (json_object_get(r, "lost")) {
			fprintf(stderr, "ctrack: %lld events lost (this client read too slowly)\n",
				(long long)num(r, "lost"));
		} else if (entry) {
			if (o->json) {
				if (o->cmd == C_EVENTS) {
					json_t *x = json_object();

					json_object_set(x, "event", json_object_get(r, "event"));
					json_object_set(x, "entry", entry);
					ctrack_json_print(x);
				} else {
					print_json(entry);
				}
			} else if (text) {
				printf("%s\n", text);
			}
			(*shown)++;
			if (o->cmd == C_EVENTS)
				fflush(stdout);
		}
		return 0;
	}
	if (!json_is_true(ok)) {
		fprintf(stderr, "ctrack %s: %s\n", cmd_names[o->cmd],
			json_string_value(json_object_get(r, "error")) ?: "failed");
		*rc = 1;
		return 1;
	}
	*rc = 0;
	switch (o->cmd) {
	case C_LIST:
		if (o->json)
			break;
		fprintf(stderr, "ctrack: %lld flow entries have been shown.\n", (long long)num(r, "count"));
		break;
	case C_GET:
		if (o->json)
			print_json(entry);
		else if (text)
			printf("%s\n", text);
		fprintf(stderr, "ctrack: 1 flow entries have been shown.\n");
		break;
	case C_DELETE:
	case C_FLUSH:
		if (o->json)
			print_json(r);
		else if (o->cmd == C_FLUSH)
			fprintf(stderr, "ctrack: connection tracking table has been emptied.\n");
		else
			fprintf(stderr, "ctrack: %lld flow entries have been deleted.\n",
				(long long)num(r, "deleted"));
		if (o->cmd == C_DELETE && !num(r, "deleted"))
			*rc = 1;
		break;
	case C_UPDATE:
		if (o->json)
			print_json(r);
		else
			fprintf(stderr, "ctrack: %lld flow entries have been updated.\n",
				(long long)num(r, "updated"));
		if (!num(r, "updated"))
			*rc = 1;
		break;
	case C_STATS:
		if (o->json)
			print_json(r);
		else
			print_stats(r);
		break;
	case C_EVENTS:
		fflush(stdout);
		return 0; /* subscribed: the events follow */
	}
	return 1;
}

int ctrack_client(int argc, char **argv)
{
	struct opts o = { 0 };
	json_t *req = NULL;
	char *line = NULL, *s = NULL;
	size_t cap = 0;
	unsigned long shown = 0;
	FILE *fp = NULL;
	int fd = -1, rc = 2;

	for (o.cmd = 0; o.cmd <= C_STATS; o.cmd++)
		if (!strcmp(argv[0], cmd_names[o.cmd]))
			break;
	if (o.cmd > C_STATS)
		return 2;
	o.sock = getenv("CTRACK_SOCKET");
	if (!o.sock || !*o.sock)
		o.sock = CTRACK_SOCKET;
	rc = parse_args(argc, argv, &o);
	if (rc) {
		rc = rc < 0 ? 0 : rc;
		goto out;
	}
	rc = check_args(&o);
	if (rc)
		goto out;
	req = build_request(&o);
	if (!req) {
		rc = 2;
		goto out;
	}
	s = json_dumps(req, JSON_COMPACT);
	rc = 1;
	if (!s)
		goto out;
	fd = connect_to(o.sock);
	if (fd < 0)
		goto out;
	/* A daemon refusing this peer answers and closes before reading:
	 * its answer is still there to read when the write fails. */
	if (write_all(fd, s, strlen(s)) || write_all(fd, "\n", 1)) {
		if (errno != EPIPE && errno != ECONNRESET) {
			fprintf(stderr, "ctrack: %s: %s\n", o.sock, strerror(errno));
			goto out;
		}
	}
	fp = fdopen(fd, "r");
	if (!fp)
		goto out;
	fd = -1;
	for (;;) {
		json_error_t je;
		json_t *r;
		ssize_t n = getline(&line, &cap, fp);
		int done;

		if (n < 0) {
			fprintf(stderr, "ctrack: the daemon closed the connection\n");
			rc = 1;
			break;
		}
		r = json_loadb(line, (size_t)n, 0, &je);
		if (!json_is_object(r)) {
			fprintf(stderr, "ctrack: a reply that is not a JSON object: %s\n", je.text);
			json_decref(r);
			rc = 1;
			break;
		}
		done = handle_line(&o, r, &shown, &rc);
		json_decref(r);
		if (done)
			break;
	}
out:
	free(line);
	free(s);
	json_decref(req);
	json_decref(o.text);
	json_decref(o.events);
	if (fp)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	return rc;
}
