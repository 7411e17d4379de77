/*
 * The control socket (src/mip6/ctl.c): the answers to bc, bul, stats and
 * status as text (compared whole) and as JSON (parsed back with jansson),
 * errors for unknown and malformed requests, the counter names, and real
 * round trips over a Unix socket with a server in a forked child; a client
 * that sends nothing or too much; replacing a stale socket file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "t.h"

#include "ctl.h"
#include "mh.h"

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		memset(&a, 0xee, sizeof(a));
	return a;
}

static struct m6_bcache *bc;
static struct m6_bul bul;
static struct m6_stats st;
static struct m6_ctl_view ha_view, mn_view;

static void make_views(void)
{
	struct in6_addr a = A("2001:db8:1::2000"), b = A("2001:db8:1::1000");
	struct m6_binding *e;
	struct m6_bul_entry *u;

	bc = m6_bcache_new(100);
	/* Put the larger address first: the answer is sorted. */
	e = m6_bcache_put(bc, &a, NULL);
	e->coa = A("2001:db8:3::2000");
	e->local = A("2001:db8:1::1");
	e->seq = 65535;
	e->lifetime = 420;
	e->expires = 999;
	e->created = 900;
	e->flags = M6_BU_A | M6_BU_K;
	e = m6_bcache_put(bc, &b, NULL);
	e->coa = A("2001:db8:2::1000");
	e->local = A("2001:db8:1::1");
	e->seq = 7;
	e->lifetime = 600;
	e->expires = 1590.7;
	e->created = 990;
	e->flags = M6_BU_H | M6_BU_A;
	e->home_reg = 1;
	e->ifindex = 3;
	e->pkts_in = 12;
	e->pkts_out = 10;

	st.v[M6_ST_BU_RX] = 5;
	st.v[M6_ST_MOVES] = 3;
	st.v[M6_ST_DROPPED] = 1234567890123ull;

	ha_view.role = M6_ROLE_HA;
	ha_view.now = 1000;
	ha_view.bc = bc;
	ha_view.stats = &st;
	ha_view.at_home = -1;

	a = A("2001:db8:1::1");
	u = m6_bul_put(&bul, &a);
	u->hoa = A("2001:db8:1::1000");
	u->coa = A("2001:db8:2::1000");
	u->home = true;
	u->state = M6_BUL_BOUND;
	u->seq = 3;
	u->lifetime = 600;
	u->granted = 600;
	u->expires = 1500;
	u->timeout = 1.5;
	a = A("2001:db8:9::1");
	u = m6_bul_put(&bul, &a);
	u->hoa = A("2001:db8:1::1000");
	u->coa = A("2001:db8:2::1000");
	u->state = M6_BUL_RR;
	u->retries = 2;
	u->ro = true;
	u->timeout = 2;

	mn_view.role = M6_ROLE_MN;
	mn_view.now = 1000;
	mn_view.bul = &bul;
	mn_view.stats = &st;
	mn_view.at_home = 0;
	mn_view.hoa = A("2001:db8:1::1000");
	mn_view.coa = A("2001:db8:2::1000");
	mn_view.ha = A("2001:db8:1::1");
	snprintf(mn_view.ifname, sizeof(mn_view.ifname), "eth0");
	mn_view.last_move = 987.5;
	mn_view.last_ba = 0;
}

static char *ans;
static int ans_rc;

static const char *answer(const char *req, const struct m6_ctl_view *v)
{
	size_t n = 0;
	FILE *fp;

	free(ans);
	ans = NULL;
	fp = open_memstream(&ans, &n);
	ans_rc = m6_ctl_answer(req, v, fp);
	fclose(fp);
	return ans;
}

static json_t *answer_json(const char *req, const struct m6_ctl_view *v)
{
	json_error_t e;
	json_t *j = json_loads(answer(req, v), 0, &e);

	if (!j)
		printf("# JSON error: %s at line %d: %s\n", e.text, e.line, ans);
	return j;
}

static void test_names(void)
{
	int bad = 0;

	for (int i = 0; i < M6_ST_MAX; i++) {
		if (!m6_stat_names[i])
			bad++;
		for (int j = 0; j < i && m6_stat_names[i]; j++)
			if (m6_stat_names[j] && !strcmp(m6_stat_names[i], m6_stat_names[j]))
				bad++;
	}
	T_EQ_U(bad, 0, "every counter has a name, all different");
	T_EQ_S(m6_stat_names[M6_ST_BU_RX], "bu_rx", "bu_rx");
	T_EQ_S(m6_stat_names[M6_ST_DROPPED], "dropped", "last one");
}

static void test_bc(void)
{
	json_t *j, *o;

	T_EQ_S(answer("bc", &ha_view),
	       "HOME ADDRESS      CARE-OF ADDRESS   LOCAL          SEQ    LIFETIME  LEFT  FLAGS  "
	       "HOME  PKTS IN  PKTS OUT\n"
	       "2001:db8:1::1000  2001:db8:2::1000  2001:db8:1::1  7      600       590   HA     "
	       "yes   12       10\n"
	       "2001:db8:1::2000  2001:db8:3::2000  2001:db8:1::1  65535  420       0     AK     "
	       "no    0        0\n"
	       "2 bindings\n",
	       "bc as a table sorted by home address");
	T_EQ_U(ans_rc, 0, "rc 0");

	j = answer_json("bc json", &ha_view);
	T_OK(json_is_array(j) && json_array_size(j) == 2, "bc json: an array of 2");
	o = json_array_get(j, 0);
	T_EQ_S(json_string_value(json_object_get(o, "hoa")), "2001:db8:1::1000", "[0].hoa");
	T_EQ_S(json_string_value(json_object_get(o, "coa")), "2001:db8:2::1000", "[0].coa");
	T_EQ_S(json_string_value(json_object_get(o, "local")), "2001:db8:1::1", "[0].local");
	T_EQ_U(json_integer_value(json_object_get(o, "seq")), 7, "[0].seq");
	T_EQ_U(json_integer_value(json_object_get(o, "lifetime")), 600, "[0].lifetime");
	T_EQ_U(json_integer_value(json_object_get(o, "left")), 590, "[0].left");
	T_EQ_S(json_string_value(json_object_get(o, "flags")), "HA", "[0].flags");
	T_OK(json_is_true(json_object_get(o, "home_reg")), "[0].home_reg");
	T_EQ_U(json_integer_value(json_object_get(o, "ifindex")), 3, "[0].ifindex");
	T_EQ_U(json_integer_value(json_object_get(o, "age")), 10, "[0].age");
	T_EQ_U(json_integer_value(json_object_get(o, "pkts_in")), 12, "[0].pkts_in");
	T_EQ_U(json_integer_value(json_object_get(o, "pkts_out")), 10, "[0].pkts_out");
	o = json_array_get(j, 1);
	T_EQ_U(json_integer_value(json_object_get(o, "seq")), 65535, "[1].seq");
	T_EQ_U(json_integer_value(json_object_get(o, "left")), 0, "[1].left: expired, 0");
	T_EQ_S(json_string_value(json_object_get(o, "flags")), "AK", "[1].flags");
	T_OK(json_is_false(json_object_get(o, "home_reg")), "[1].home_reg false");
	json_decref(j);

	T_EQ_S(answer("bc", &mn_view),
	       "HOME ADDRESS  CARE-OF ADDRESS  LOCAL  SEQ  LIFETIME  LEFT  FLAGS  HOME  PKTS IN  "
	       "PKTS OUT\n0 bindings\n", "no cache: an empty table");
	T_EQ_S(answer("bc json", &mn_view), "[]\n", "no cache: []");
}

static void test_bul(void)
{
	json_t *j, *o;

	T_EQ_S(answer("bul", &mn_view),
	       "PEER           HOME ADDRESS      CARE-OF ADDRESS   HOME  STATE  SEQ  LIFETIME  "
	       "GRANTED  EXPIRES IN  RETRIES  RO\n"
	       "2001:db8:1::1  2001:db8:1::1000  2001:db8:2::1000  yes   bound  3    600       "
	       "600      500         0        no\n"
	       "2001:db8:9::1  2001:db8:1::1000  2001:db8:2::1000  no    rr     0    0         "
	       "0        -           2        yes\n"
	       "2 entries\n",
	       "bul as a table");
	j = answer_json("bul json", &mn_view);
	T_OK(json_is_array(j) && json_array_size(j) == 2, "bul json: an array of 2");
	o = json_array_get(j, 0);
	T_EQ_S(json_string_value(json_object_get(o, "peer")), "2001:db8:1::1", "[0].peer");
	T_EQ_S(json_string_value(json_object_get(o, "hoa")), "2001:db8:1::1000", "[0].hoa");
	T_EQ_S(json_string_value(json_object_get(o, "coa")), "2001:db8:2::1000", "[0].coa");
	T_OK(json_is_true(json_object_get(o, "home")), "[0].home");
	T_EQ_S(json_string_value(json_object_get(o, "state")), "bound", "[0].state");
	T_EQ_U(json_integer_value(json_object_get(o, "seq")), 3, "[0].seq");
	T_EQ_U(json_integer_value(json_object_get(o, "lifetime")), 600, "[0].lifetime");
	T_EQ_U(json_integer_value(json_object_get(o, "granted")), 600, "[0].granted");
	T_EQ_U(json_integer_value(json_object_get(o, "expires_in")), 500, "[0].expires_in");
	T_EQ_U(json_real_value(json_object_get(o, "timeout")) * 10, 15, "[0].timeout 1.5");
	o = json_array_get(j, 1);
	T_EQ_S(json_string_value(json_object_get(o, "state")), "rr", "[1].state");
	T_OK(json_is_null(json_object_get(o, "expires_in")), "[1].expires_in null");
	T_EQ_U(json_integer_value(json_object_get(o, "retries")), 2, "[1].retries");
	T_OK(json_is_true(json_object_get(o, "ro")), "[1].ro");
	json_decref(j);
	T_EQ_S(answer("bul json", &ha_view), "[]\n", "no list: []");
}

static void test_stats(void)
{
	json_t *j;
	const char *s = answer("stats", &ha_view);
	int lines = 0;

	for (const char *p = s; *p; p++)
		lines += *p == '\n';
	T_EQ_U(lines, M6_ST_MAX, "one line per counter");
	T_OK(strstr(s, "mh_rx            0\n") == s, "first line, names padded to the longest");
	T_OK(strstr(s, "\nbu_rx            5\n") != NULL, "bu_rx 5");
	T_OK(strstr(s, "\ndropped          1234567890123\n") != NULL, "64-bit counter");
	j = answer_json("stats json", &ha_view);
	T_OK(json_is_object(j) && json_object_size(j) == M6_ST_MAX, "stats json: every counter");
	T_EQ_U(json_integer_value(json_object_get(j, "bu_rx")), 5, "bu_rx");
	T_EQ_U(json_integer_value(json_object_get(j, "moves")), 3, "moves");
	T_EQ_U(json_integer_value(json_object_get(j, "dropped")), 1234567890123ull, "dropped");
	T_OK(json_integer_value(json_object_get(j, "mh_rx")) == 0 &&
	     json_is_integer(json_object_get(j, "mh_rx")), "mh_rx 0");
	json_decref(j);
}

static void test_status(void)
{
	json_t *j;

	T_EQ_S(answer("status", &mn_view),
	       "role: MN\n"
	       "location: away\n"
	       "home address: 2001:db8:1::1000\n"
	       "care-of address: 2001:db8:2::1000\n"
	       "home agent: 2001:db8:1::1\n"
	       "interface: eth0\n"
	       "last move: 12.5 s ago\n"
	       "last home BA: never\n"
	       "binding update list: 2 entries\n",
	       "MN status");
	j = answer_json("status json", &mn_view);
	T_EQ_S(json_string_value(json_object_get(j, "role")), "MN", "role");
	T_EQ_S(json_string_value(json_object_get(j, "location")), "away", "location");
	T_EQ_S(json_string_value(json_object_get(j, "hoa")), "2001:db8:1::1000", "hoa");
	T_EQ_S(json_string_value(json_object_get(j, "coa")), "2001:db8:2::1000", "coa");
	T_EQ_S(json_string_value(json_object_get(j, "ha")), "2001:db8:1::1", "ha");
	T_EQ_S(json_string_value(json_object_get(j, "ifname")), "eth0", "ifname");
	T_EQ_U(json_real_value(json_object_get(j, "since_move")) * 10, 125, "since_move 12.5");
	T_OK(json_is_null(json_object_get(j, "since_ba")), "since_ba null");
	T_EQ_U(json_integer_value(json_object_get(j, "bul_entries")), 2, "bul_entries");
	json_decref(j);

	T_EQ_S(answer("status", &ha_view), "role: HA\nbindings: 2\n", "HA status");
	j = answer_json("status json", &ha_view);
	T_EQ_S(json_string_value(json_object_get(j, "role")), "HA", "HA role");
	T_EQ_U(json_integer_value(json_object_get(j, "bindings")), 2, "bindings");
	json_decref(j);
}

static void test_errors(void)
{
	json_t *j;

	T_EQ_S(answer("foo", &ha_view),
	       "error: unknown command 'foo' (commands: bc, bul, stats, status)\n", "unknown");
	T_EQ_U(ans_rc, -EINVAL, "rc -EINVAL");
	j = answer_json("foo json", &ha_view);
	T_EQ_S(json_string_value(json_object_get(j, "error")),
	       "unknown command 'foo' (commands: bc, bul, stats, status)", "unknown, as JSON");
	json_decref(j);
	T_EQ_S(answer("", &ha_view), "error: empty request (commands: bc, bul, stats, status)\n",
	       "empty");
	T_EQ_S(answer("bc extra", &ha_view), "error: unexpected 'extra' after bc\n",
	       "extra word");
	char *plain = strdup(answer("stats", &ha_view));

	T_EQ_S(answer("  stats \r\n", &ha_view), plain, "spaces and CRLF around a command");
	T_EQ_U(ans_rc, 0, "are fine");
	free(plain);
	T_EQ_S(answer("b\x01", &ha_view),
	       "error: unknown command 'b?' (commands: bc, bul, stats, status)\n",
	       "control characters not echoed");
}

/* ---- over a socket ---- */

static char path[64];

static int raw_client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Serves n clients (or gives up after 10 s), then exits. */
static void server(int lfd, int n)
{
	double end = mono() + 10;

	while (n > 0 && mono() < end) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		if (poll(&p, 1, 100) == 1 && m6_ctl_serve(lfd, &ha_view) != -EAGAIN)
			n--;
	}
	_exit(0);
}

static void test_socket(void)
{
	char err[256], *out = NULL, buf[512];
	size_t n = 0;
	struct stat sb;
	json_t *j;
	FILE *fp;
	pid_t pid;
	int lfd, fd, rc, status;

	snprintf(path, sizeof(path), "/tmp/m6ctl-%d.sock", (int)getpid());
	unlink(path);

	rc = m6_ctl_request(path, "bc", stdout, err, sizeof(err));
	T_EQ_U(rc, -ENOENT, "no daemon: -ENOENT");
	snprintf(buf, sizeof(buf), "cannot reach mip6d at %s: No such file or directory", path);
	T_EQ_S(err, buf, "no daemon: message");

	lfd = m6_ctl_listen(path);
	T_OK(lfd >= 0, "listen");
	if (lfd < 0)
		return;
	T_OK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "socket mode 0600");
	T_EQ_U(m6_ctl_serve(lfd, &ha_view), -EAGAIN, "serve with nobody waiting: -EAGAIN");
	T_EQ_U(m6_ctl_listen(path), -EADDRINUSE, "a second listener on a live socket: refused");
	T_EQ_U(m6_ctl_serve(lfd, &ha_view), -ENODATA,
	       "its probe connection, closed without a request: -ENODATA, no answer");

	pid = fork();
	if (pid == 0)
		server(lfd, 3);
	fp = open_memstream(&out, &n);
	rc = m6_ctl_request(path, "bc json", fp, err, sizeof(err));
	fclose(fp);
	T_EQ_U(rc, 0, "request bc json over the socket");
	j = json_loads(out ? out : "", 0, NULL);
	T_OK(json_is_array(j) && json_array_size(j) == 2, "2 bindings came back");
	T_EQ_S(json_string_value(json_object_get(json_array_get(j, 1), "hoa")), "2001:db8:1::2000",
	       "second home address");
	json_decref(j);
	free(out);
	out = NULL;
	fp = open_memstream(&out, &n);
	rc = m6_ctl_request(path, "status\n", fp, err, sizeof(err));
	fclose(fp);
	T_EQ_U(rc, 0, "request status (with its own newline)");
	T_EQ_S(out, "role: HA\nbindings: 2\n", "status text over the socket");
	free(out);
	out = NULL;
	fp = open_memstream(&out, &n);
	rc = m6_ctl_request(path, "nope", fp, err, sizeof(err));
	fclose(fp);
	T_EQ_U(rc, 0, "an unknown command still gets an answer");
	T_EQ_S(out, "error: unknown command 'nope' (commands: bc, bul, stats, status)\n",
	       "the error over the socket");
	free(out);
	waitpid(pid, &status, 0);
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "server child done");

	/* A client that says nothing: the daemon waits 500 ms, no more. */
	fd = raw_client();
	double t0 = mono();

	rc = m6_ctl_serve(lfd, &ha_view);
	double dt = mono() - t0;

	T_EQ_U(rc, -ETIMEDOUT, "silent client: -ETIMEDOUT");
	T_OK(dt >= 0.45 && dt < 1.5, "after about 500 ms (%.3f s)", dt);
	T_OK(fd >= 0 && read(fd, buf, sizeof(buf)) == 0, "and the connection is closed");
	close(fd);

	/* A request without a newline but with the write side shut: fine. */
	fd = raw_client();
	T_OK(write(fd, "status", 6) == 6 && shutdown(fd, SHUT_WR) == 0, "half-closed request");
	T_EQ_U(m6_ctl_serve(lfd, &ha_view), 0, "served");
	memset(buf, 0, sizeof(buf));
	T_OK(read(fd, buf, sizeof(buf) - 1) > 0 && !strcmp(buf, "role: HA\nbindings: 2\n"),
	     "answered");
	close(fd);

	/* Too long a request. */
	fd = raw_client();
	memset(buf, 'x', 300);
	T_OK(write(fd, buf, 300) == 300, "300 bytes without a newline");
	T_EQ_U(m6_ctl_serve(lfd, &ha_view), -EMSGSIZE, "refused: -EMSGSIZE");
	memset(buf, 0, sizeof(buf));
	T_OK(read(fd, buf, sizeof(buf) - 1) > 0 &&
	     !strcmp(buf, "error: request longer than 255 bytes\n"), "with an error line");
	close(fd);

	/* A client gone before the answer: no SIGPIPE, an error. */
	fd = raw_client();
	T_OK(write(fd, "stats\n", 6) == 6, "request then close");
	close(fd);
	rc = m6_ctl_serve(lfd, &ha_view);
	T_OK(rc == 0 || rc == -EPIPE, "the daemon survives a vanished client (%d)", rc);

	/* Another user: kept out by the socket's mode, and by its credentials
	 * even when the mode is opened up. */
	if (geteuid() == 0) {
		int pfd[2];
		char res[256] = "";

		T_OK(pipe(pfd) == 0, "pipe");
		pid = fork();
		if (pid == 0) {
			char e2[256], *o2 = NULL;
			size_t n2 = 0;
			FILE *f2;
			int r2;

			close(pfd[0]);
			if (setgid(65534) || setuid(65534))
				_exit(1);
			f2 = open_memstream(&o2, &n2);
			r2 = m6_ctl_request(path, "stats", f2, e2, sizeof(e2));
			fclose(f2);
			dprintf(pfd[1], "%d|%s|", r2, r2 ? e2 : o2);
			free(o2);
			_exit(0);
		}
		close(pfd[1]);
		waitpid(pid, &status, 0);
		T_OK(read(pfd[0], res, sizeof(res) - 1) > 0, "nobody's result");
		close(pfd[0]);
		snprintf(buf, sizeof(buf), "-13|cannot reach mip6d at %s: Permission denied|",
			 path);
		T_EQ_S(res, buf, "user nobody cannot connect to a 0600 socket");

		chmod(path, 0666);
		T_OK(pipe(pfd) == 0, "pipe");
		pid = fork();
		if (pid == 0) {
			char e2[256], *o2 = NULL;
			size_t n2 = 0;
			FILE *f2;
			int r2;

			close(pfd[0]);
			if (setgid(65534) || setuid(65534))
				_exit(1);
			f2 = open_memstream(&o2, &n2);
			r2 = m6_ctl_request(path, "stats", f2, e2, sizeof(e2));
			fclose(f2);
			dprintf(pfd[1], "%d|%s|", r2, r2 ? e2 : o2);
			free(o2);
			_exit(0);
		}
		close(pfd[1]);
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		T_OK(poll(&p, 1, 5000) == 1, "nobody connects through a 0666 socket");
		T_EQ_U(m6_ctl_serve(lfd, &ha_view), -EACCES, "and is refused by credentials");
		waitpid(pid, &status, 0);
		memset(res, 0, sizeof(res));
		T_OK(read(pfd[0], res, sizeof(res) - 1) > 0, "nobody's result");
		close(pfd[0]);
		T_EQ_S(res, "0|error: permission denied\n|", "with an error line");
		chmod(path, 0600);
	} else {
		T_OK(1, "# SKIP not root: other-user checks");
	}

	close(lfd);
	/* The old socket file is stale now: a new listener replaces it. */
	lfd = m6_ctl_listen(path);
	T_OK(lfd >= 0, "stale socket file replaced");
	close(lfd);
	unlink(path);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	T_EQ_U(m6_ctl_listen(path), -EEXIST, "a regular file in the way is not removed");
	unlink(path);
	T_EQ_U(m6_ctl_listen("/tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock"),
	       -ENAMETOOLONG, "path too long");
}

int main(void)
{
	make_views();
	test_names();
	test_bc();
	test_bul();
	test_stats();
	test_status();
	test_errors();
	test_socket();
	free(ans);
	m6_bcache_free(bc);
	return t_done();
}
