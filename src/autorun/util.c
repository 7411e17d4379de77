/*
 * Helpers of the automatic running system (see util.h): running commands
 * in their own process group with a time limit and their output appended
 * to a step log, SHA-256 (FIPS 180-4) of buffers and files, mkdir -p,
 * rm -rf and reading a whole file.
 */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- running commands ---- */

/* Milliseconds a process group gets between SIGTERM and SIGKILL. */
#define AR_KILL_GRACE_MS 2000

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The "$ cmd args" line: arguments with blanks or quotes are single-quoted. */
static void log_cmdline(FILE *log, const char *const argv[], const char *cwd)
{
	fputs("$ ", log);
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];

		if (i)
			fputc(' ', log);
		if (*a && !strpbrk(a, " \t\n'\"\\$`;&|<>()*?[]{}~#")) {
			fputs(a, log);
			continue;
		}
		fputc('\'', log);
		for (; *a; a++) {
			if (*a == '\'')
				fputs("'\\''", log);
			else
				fputc(*a, log);
		}
		fputc('\'', log);
	}
	if (cwd)
		fprintf(log, "    (in %s)", cwd);
	fputc('\n', log);
}

/* environ with the entries of extra added or replacing those of the same
 * name. Built before fork: the child must not allocate. */
static char **build_env(const char *const extra[])
{
	size_t n = 0, m = 0, k = 0;
	char **e;

	while (environ && environ[n])
		n++;
	while (extra && extra[m])
		m++;
	e = calloc(n + m + 1, sizeof(*e));
	if (!e)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t kl = strcspn(environ[i], "=");
		int replaced = 0;

		for (size_t j = 0; j < m; j++)
			if (!strncmp(extra[j], environ[i], kl) && extra[j][kl] == '=')
				replaced = 1;
		if (!replaced)
			e[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		e[k++] = (char *)extra[j];
	e[k] = NULL;
	return e;
}

struct runio {
	int out_fd;		/* child's stdout: a log fd, a pipe end, or /dev/null */
	int err_fd;		/* child's stderr */
	int logpipe;		/* parent reads this and appends it to the log (-1: none) */
	int cappipe;		/* parent reads this into the capture buffer (-1: none) */
	char *cap;
	size_t cap_size, cap_len;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Reads what is available from *fd; closes it at end of file. */
static void pump(int *fd, FILE *log, struct runio *io, int is_cap)
{
	char buf[4096];
	ssize_t r = read(*fd, buf, sizeof(buf));

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		close_fd(fd);
		return;
	}
	if (!is_cap) {
		if (log)
			fwrite(buf, 1, (size_t)r, log);
		return;
	}
	/* Capture: keep what fits, drop the rest (but keep reading so the
	 * child never blocks on a full pipe). */
	if (io->cap_size && io->cap_len < io->cap_size - 1) {
		size_t room = io->cap_size - 1 - io->cap_len;
		size_t take = (size_t)r < room ? (size_t)r : room;

		memcpy(io->cap + io->cap_len, buf, take);
		io->cap_len += take;
		io->cap[io->cap_len] = '\0';
	}
}

static int kill_group(pid_t pid, int *status)
{
	double end;

	kill(-pid, SIGTERM);
	end = now_mono() + AR_KILL_GRACE_MS / 1000.0;
	while (now_mono() < end) {
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid) {
			/* The leader is gone; its group may live on. */
			kill(-pid, SIGKILL);
			return 0;
		}
		poll(NULL, 0, 50);
	}
	kill(-pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

/* The common body of ar_exec and ar_capture. */
static int run(const char *const argv[], const char *cwd, const char *const env[],
	       unsigned timeout_s, FILE *log, char *cap, size_t cap_size)
{
	struct runio io = { .out_fd = -1, .err_fd = -1, .logpipe = -1, .cappipe = -1,
			    .cap = cap, .cap_size = cap_size };
	int p_log[2] = { -1, -1 }, p_cap[2] = { -1, -1 }, p_exec[2] = { -1, -1 };
	int devnull = -1, logfd = -1, pidfd = -1, status = 0, rc = 0, timed_out = 0;
	int exec_err = 0, waited_err = 0;
	char **envp = NULL;
	double deadline = 0, t0;
	pid_t pid = -1, parent;

	if (!argv || !argv[0])
		return -EINVAL;
	if (cap && cap_size)
		cap[0] = '\0';
	if (log) {
		log_cmdline(log, argv, cwd);
		fflush(log);
		logfd = fileno(log);
	}
	envp = build_env(env);
	if (!envp)
		return -ENOMEM;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		rc = -errno;
		goto out;
	}
	/* The log's own descriptor when it has one (output lands even if this
	 * process dies), a pipe copied into the FILE otherwise. */
	if (log && logfd < 0) {
		if (pipe2(p_log, O_CLOEXEC) < 0) {
			rc = -errno;
			goto out;
		}
		logfd = p_log[1];
		io.logpipe = p_log[0];
	}
	if (!log)
		logfd = devnull;
	io.out_fd = logfd;
	io.err_fd = logfd;
	if (cap) {
		if (pipe2(p_cap, O_CLOEXEC) < 0) {
			rc = -errno;
			goto out;
		}
		io.out_fd = p_cap[1];
		io.cappipe = p_cap[0];
	}
	/* Reports an exec failure: closes on a successful exec. */
	if (pipe2(p_exec, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out;
	}

	t0 = now_mono();
	if (timeout_s)
		deadline = t0 + timeout_s;
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0) {
		sigset_t none;
		int e;

		setpgid(0, 0);
		/* The command does not outlive a watcher that is killed while
		 * it waits for it (the caller's thread is blocked here). */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		/* A watcher may block or ignore signals for itself: the command
		 * must start with the defaults so a timeout can stop it. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		if (dup2(io.out_fd, 1) < 0 || dup2(io.err_fd, 2) < 0 || dup2(devnull, 0) < 0)
			goto child_fail;
		/* The command gets no other descriptor of the watcher (the
		 * store, its lock, sockets): all close at exec. */
		close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		if (cwd && chdir(cwd) < 0)
			goto child_fail;
		execvpe(argv[0], (char *const *)argv, envp);
child_fail:
		e = errno;
		if (write(p_exec[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	/* Both sides set the group so a kill right after fork reaches it. */
	setpgid(pid, pid);
	/* Wakes the loop as soon as the child ends (else a 100 ms tick). */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	close_fd(&p_exec[1]);
	close_fd(&p_log[1]);
	close_fd(&p_cap[1]);
	{
		ssize_t r;

		do
			r = read(p_exec[0], &exec_err, sizeof(exec_err));
		while (r < 0 && errno == EINTR);
		if (r != (ssize_t)sizeof(exec_err))
			exec_err = 0;
	}

	for (;;) {
		struct pollfd pfd[3];
		int npfd = 0, wait_ms = 100;
		pid_t w;

		if (pidfd >= 0)
			pfd[npfd++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		if (io.logpipe >= 0)
			pfd[npfd++] = (struct pollfd){ .fd = io.logpipe, .events = POLLIN };
		if (io.cappipe >= 0)
			pfd[npfd++] = (struct pollfd){ .fd = io.cappipe, .events = POLLIN };
		if (poll(pfd, (nfds_t)npfd, wait_ms) > 0) {
			for (int i = 0; i < npfd; i++) {
				if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				if (pfd[i].fd == io.logpipe)
					pump(&io.logpipe, log, &io, 0);
				else if (pfd[i].fd == io.cappipe)
					pump(&io.cappipe, log, &io, 1);
			}
		}
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			/* Reaped elsewhere (SIGCHLD ignored): no status to give. */
			waited_err = -errno;
			break;
		}
		if (deadline && now_mono() >= deadline) {
			timed_out = 1;
			kill_group(pid, &status);
			break;
		}
	}
	/* The child is gone: take what is left in the pipes without waiting for
	 * processes it left behind that may still hold them open. */
	for (int spins = 0; spins < 1000 && (io.logpipe >= 0 || io.cappipe >= 0); spins++) {
		struct pollfd pfd[2];
		int npfd = 0, got = 0;

		if (io.logpipe >= 0)
			pfd[npfd++] = (struct pollfd){ .fd = io.logpipe, .events = POLLIN };
		if (io.cappipe >= 0)
			pfd[npfd++] = (struct pollfd){ .fd = io.cappipe, .events = POLLIN };
		if (poll(pfd, (nfds_t)npfd, 0) <= 0)
			break;
		for (int i = 0; i < npfd; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = 1;
			if (pfd[i].fd == io.logpipe)
				pump(&io.logpipe, log, &io, 0);
			else
				pump(&io.cappipe, log, &io, 1);
		}
		if (!got)
			break;
	}

	if (exec_err) {
		rc = -exec_err;
		if (log)
			fprintf(log, "# cannot run %s: %s\n", argv[0], strerror(exec_err));
	} else if (waited_err) {
		rc = waited_err;
		if (log)
			fprintf(log, "# lost the exit status of %s: %s\n", argv[0],
				strerror(-waited_err));
	} else if (timed_out) {
		rc = -ETIMEDOUT;
		if (log)
			fprintf(log, "# timed out after %u s: process group killed\n", timeout_s);
	} else if (WIFEXITED(status)) {
		rc = WEXITSTATUS(status);
		if (rc && log)
			fprintf(log, "# exit status %d\n", rc);
	} else if (WIFSIGNALED(status)) {
		rc = 128 + WTERMSIG(status);
		if (log)
			fprintf(log, "# killed by signal %d\n", WTERMSIG(status));
	} else {
		rc = -ECHILD;
	}
	if (log) {
		fprintf(log, "# %.1f s\n", now_mono() - t0);
		fflush(log);
	}
out:
	if (pid < 0 && log && rc < 0)
		fprintf(log, "# cannot start %s: %s\n", argv[0], strerror(-rc));
	close_fd(&p_log[0]);
	close_fd(&p_log[1]);
	close_fd(&p_cap[1]);
	close_fd(&p_exec[0]);
	close_fd(&p_exec[1]);
	close_fd(&io.logpipe);
	close_fd(&io.cappipe);
	close_fd(&devnull);
	close_fd(&pidfd);
	free(envp);
	return rc;
}

int ar_exec(const char *const argv[], const char *cwd, const char *const env[],
	    unsigned timeout_s, FILE *log)
{
	return run(argv, cwd, env, timeout_s, log, NULL, 0);
}

int ar_shell(const char *script, const char *cwd, const char *const env[], unsigned timeout_s,
	     FILE *log)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };

	if (!script)
		return -EINVAL;
	return run(argv, cwd, env, timeout_s, log, NULL, 0);
}

int ar_capture(const char *const argv[], const char *cwd, char *out, size_t cap,
	       unsigned timeout_s, FILE *log)
{
	if (!out || !cap)
		return -EINVAL;
	return run(argv, cwd, NULL, timeout_s, log, out, cap);
}

/* ---- SHA-256 ---- */

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[64];
	size_t nbuf;
};

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static uint32_t ror32(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
	s->nbuf = 0;
}

static void sha256_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ w[i - 15] >> 3;
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ w[i - 2] >> 10;

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
	e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
			      ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
		uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
			      ((a & b) ^ (a & c) ^ (b & c));

		h = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
	s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->len += len;
	if (s->nbuf) {
		size_t take = 64 - s->nbuf < len ? 64 - s->nbuf : len;

		memcpy(s->buf + s->nbuf, p, take);
		s->nbuf += take;
		p += take;
		len -= take;
		if (s->nbuf < 64)
			return;
		sha256_block(s, s->buf);
		s->nbuf = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(s, p);
	memcpy(s->buf, p, len);
	s->nbuf = len;
}

static void sha256_final(struct sha256 *s, uint8_t out[32])
{
	uint64_t bits = s->len * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (s->nbuf < 56 ? 56 : 120) - s->nbuf;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(s, pad, padlen + 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
}

void ar_sha256(const void *data, size_t len, uint8_t out[32])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, out);
}

int ar_sha256_file(const char *path, char hex[65], uint64_t *size)
{
	struct sha256 s;
	uint8_t buf[65536], md[32];
	uint64_t total = 0;
	int fd, rc = 0;

	hex[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	sha256_init(&s);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		sha256_update(&s, buf, (size_t)r);
		total += (uint64_t)r;
	}
	sha256_final(&s, md);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (size)
		*size = total;
out:
	close(fd);
	return rc;
}

/* ---- files and directories ---- */

int ar_mkdirs(const char *path)
{
	char *p;
	struct stat st;
	int rc = 0;

	if (!path || !*path)
		return -EINVAL;
	p = strdup(path);
	if (!p)
		return -ENOMEM;
	for (char *q = p + 1;; q++) {
		char c = *q;

		if (c != '/' && c != '\0')
			continue;
		*q = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*q = c;
		if (!c)
			break;
	}
	if (!rc && (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)))
		rc = -ENOTDIR;
	free(p);
	return rc;
}

/* Removes name in directory fd dfd, recursing into directories (without
 * following symbolic links). */
static int rm_at(int dfd, const char *name, int depth)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (depth > 256)
		return -ELOOP;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES) {
		/* A directory without read or search permission (a build
		 * may leave one): give them back to the owner and retry. */
		fchmodat(dfd, name, 0700, 0);
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	while ((de = readdir(d))) {
		int r;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = rm_at(fd, de->d_name, depth + 1);
		if (r && !rc)
			rc = r;
	}
	closedir(d);
	if (!rc && unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

int ar_rmtree(const char *path)
{
	const char *p;

	if (!path || !*path)
		return -EINVAL;
	/* "/", "//", "/./" ... : all the root. */
	for (p = path; *p == '/' || *p == '.'; p++)
		;
	if (!*p && path[0] == '/')
		return -EPERM;
	/* ".", "..", "./" : the current directory or its parent. */
	if (!*p)
		return -EPERM;
	return rm_at(AT_FDCWD, path, 0);
}

int ar_read_file(const char *path, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	int fd, rc = 0;
	struct stat st;

	*out = NULL;
	if (len)
		*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto out;
	}
	if (fstat(fd, &st) == 0 && st.st_size > 0 && (size_t)st.st_size < SIZE_MAX - 1)
		cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb;

			if (cap > SIZE_MAX / 2) {
				rc = -EFBIG;
				goto out;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = n;
out:
	free(buf);
	close(fd);
	return rc;
}
