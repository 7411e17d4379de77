/*
 * Helpers of the automatic running system: commands with exit codes,
 * signals, time limits (the whole process group is killed), environment,
 * working directory and their output in the log; SHA-256 against known
 * vectors and sha256sum; mkdir -p, rm -rf and reading files.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "t.h"
#include "util.h"

static char tmp[] = "/tmp/v6lab-test-ar-util-XXXXXX";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *slurp(const char *path)
{
	char *s = NULL;

	if (ar_read_file(path, &s, NULL))
		return NULL;
	return s;
}

static void test_exec_status(void)
{
	const char *ok[] = { "true", NULL };
	const char *three[] = { "sh", "-c", "exit 3", NULL };
	const char *sig[] = { "sh", "-c", "kill -9 $$", NULL };
	const char *none[] = { "v6lab-no-such-command", NULL };

	T_EQ_U(ar_exec(ok, NULL, NULL, 10, NULL), 0, "true exits 0");
	T_EQ_U(ar_exec(three, NULL, NULL, 10, NULL), 3, "exit status 3 is returned");
	T_EQ_U(ar_exec(sig, NULL, NULL, 10, NULL), 128 + SIGKILL, "killed by SIGKILL: 128+9");
	T_OK(ar_exec(none, NULL, NULL, 10, NULL) == -ENOENT, "a missing command is -ENOENT");
	T_OK(ar_exec((const char *[]){ NULL }, NULL, NULL, 10, NULL) == -EINVAL,
	     "an empty argv is refused");
	T_EQ_U(ar_shell("test \"$(echo a b)\" = 'a b' && exit 7", NULL, NULL, 10, NULL), 7,
	       "ar_shell runs a shell script");
	T_OK(ar_exec(ok, "/nonexistent/dir", NULL, 10, NULL) == -ENOENT,
	     "a missing working directory is an error, not a run");

	/* A descriptor of the caller without close-on-exec stays out. */
	{
		int fd = open("/dev/null", O_RDONLY);
		char script[128];

		snprintf(script, sizeof(script), "test -e /proc/$$/fd/%d", fd);
		T_OK(fd > 2 && ar_shell(script, NULL, NULL, 10, NULL) == 1,
		     "the command does not inherit the caller's descriptors");
		snprintf(script, sizeof(script), "test -e /proc/$$/fd/2");
		T_EQ_U(ar_shell(script, NULL, NULL, 10, NULL), 0, "but has stderr");
		close(fd);
	}
}

static void test_exec_timeout(void)
{
	char pidfile[256], cmd[512], stat_path[64], *s;
	double t0;
	int rc;
	long pid = 0;

	/* The shell starts a sleeping grandchild and waits: both must die. */
	snprintf(pidfile, sizeof(pidfile), "%s/sleep.pid", tmp);
	snprintf(cmd, sizeof(cmd), "sleep 60 & echo $! > %s; wait", pidfile);
	t0 = now();
	rc = ar_shell(cmd, NULL, NULL, 1, NULL);
	T_OK(rc == -ETIMEDOUT, "a sleeping command times out (rc %d)", rc);
	T_OK(now() - t0 < 10, "the time limit is kept (%.1f s)", now() - t0);
	s = slurp(pidfile);
	if (s)
		pid = strtol(s, NULL, 10);
	free(s);
	T_OK(pid > 0, "the grandchild wrote its pid");
	if (pid > 0) {
		/* Gone, or a zombie waiting for init to reap it. */
		char *st = NULL;
		int dead = 0;

		for (int i = 0; i < 50 && !dead; i++) {
			snprintf(stat_path, sizeof(stat_path), "/proc/%ld/stat", pid);
			if (ar_read_file(stat_path, &st, NULL)) {
				dead = 1;
			} else {
				const char *p = strrchr(st, ')');

				dead = p && (p[2] == 'Z' || p[2] == 'X');
				free(st);
				st = NULL;
				if (!dead)
					usleep(100000);
			}
		}
		T_OK(dead, "the process group was killed (grandchild %ld is gone)", pid);
		if (!dead)
			kill((pid_t)pid, SIGKILL);
	}
	T_EQ_U(ar_shell("exit 0", NULL, NULL, 1, NULL), 0, "a quick command within its limit");
}

static void test_exec_log(void)
{
	char path[256], *s;
	const char *echo[] = { "echo", "hello world", NULL };
	const char *both[] = { "sh", "-c", "echo out; echo err >&2; exit 2", NULL };
	FILE *log;
	char *mem = NULL;
	size_t memlen = 0;

	snprintf(path, sizeof(path), "%s/step.log", tmp);
	log = fopen(path, "w");
	if (!log) {
		T_OK(0, "open the log");
		return;
	}
	/* Buffered text must come before the command's output. */
	fputs("before\n", log);
	T_EQ_U(ar_exec(echo, NULL, NULL, 10, log), 0, "echo into the log");
	T_EQ_U(ar_exec(both, NULL, NULL, 10, log), 2, "stdout and stderr into the log");
	fputs("after\n", log);
	fclose(log);
	s = slurp(path);
	T_OK(s && !strncmp(s, "before\n$ echo 'hello world'\nhello world\n", 39),
	     "log: buffered text, the command line, its output in order");
	T_OK(s && strstr(s, "$ sh -c 'echo out; echo err >&2; exit 2'\n"
			    "out\nerr\n# exit status 2\n"),
	     "log: stdout, stderr and the exit status");
	T_OK(s && strstr(s, "after\n") && strlen(strstr(s, "after\n")) == 6,
	     "text written after the commands comes last");
	free(s);

	/* A FILE with no descriptor: output goes through a pipe. */
	log = open_memstream(&mem, &memlen);
	T_EQ_U(ar_exec(echo, NULL, NULL, 10, log), 0, "echo into a memory stream");
	fclose(log);
	T_OK(mem && strstr(mem, "\nhello world\n"), "output reached the memory stream");
	free(mem);
}

static void test_exec_env_cwd(void)
{
	const char *envp[] = { "V6LAB_T_A=one", "PATH=/usr/bin:/bin", NULL };
	const char *sh[] = { "sh", "-c", "echo \"$V6LAB_T_A:$PWD\"", NULL };
	const char *err[] = { "sh", "-c", "echo visible; echo hidden >&2", NULL };
	const char *big[] = { "sh", "-c", "yes 0123456789 | head -c 200000", NULL };
	const char *envsh[] = { "sh", "-c", "test \"$V6LAB_T_A\" = one && echo ok > envok", NULL };
	char out[512], want[512], path[300], *s;
	FILE *log;
	char *mem = NULL;
	size_t memlen = 0;

	T_EQ_U(ar_exec(envsh, tmp, envp, 10, NULL), 0, "environment entries reach the command");
	snprintf(path, sizeof(path), "%s/envok", tmp);
	s = slurp(path);
	T_EQ_S(s, "ok\n", "the command ran in cwd and saw V6LAB_T_A");
	free(s);

	setenv("V6LAB_T_A", "old", 1);
	T_EQ_U(ar_capture(sh, tmp, out, sizeof(out), 10, NULL), 0, "capture");
	snprintf(want, sizeof(want), "old:%s\n", tmp);
	T_EQ_S(out, want, "capture sees the inherited environment and cwd");
	unsetenv("V6LAB_T_A");

	log = open_memstream(&mem, &memlen);
	T_EQ_U(ar_capture(err, NULL, out, sizeof(out), 10, log), 0, "capture with a log");
	fclose(log);
	T_EQ_S(out, "visible\n", "stdout is captured");
	T_OK(mem && strstr(mem, "\nhidden\n") && !strstr(mem, "\nvisible\n"),
	     "stderr goes to the log, stdout does not");
	free(mem);

	T_EQ_U(ar_capture(big, NULL, out, 16, 10, NULL), 0,
	       "a command printing more than the buffer still completes");
	T_EQ_U(strlen(out), 15, "capture keeps cap-1 bytes");
	T_EQ_S(out, "0123456789\n0123", "the first bytes are kept");
}

static void hex(const uint8_t *md, char *out)
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_sha256(void)
{
	static const struct {
		const char *in, *md;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	static const size_t lens[] = { 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 65536, 70001 };
	uint8_t md[32], *buf;
	char h[65], fh[65], path[300], out[256];
	uint64_t size = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ar_sha256(v[i].in, strlen(v[i].in), md);
		hex(md, h);
		T_EQ_S(h, v[i].md, "SHA-256 vector %zu (%zu bytes)", i, strlen(v[i].in));
	}
	buf = malloc(1000000);
	if (!buf)
		return;
	memset(buf, 'a', 1000000);
	ar_sha256(buf, 1000000, md);
	hex(md, h);
	T_EQ_S(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	       "SHA-256 of a million 'a'");

	/* Files of lengths around the block and read-chunk edges, against
	 * sha256sum. */
	for (size_t i = 0; i < 1000000; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 8));
	snprintf(path, sizeof(path), "%s/blob", tmp);
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		const char *argv[] = { "sha256sum", path, NULL };
		FILE *f = fopen(path, "w");

		if (!f)
			break;
		fwrite(buf, 1, lens[k], f);
		fclose(f);
		T_OK(ar_sha256_file(path, fh, &size) == 0 && size == lens[k],
		     "hash a %zu-byte file", lens[k]);
		ar_sha256(buf, lens[k], md);
		hex(md, h);
		T_EQ_S(fh, h, "file and buffer hashes agree (%zu bytes)", lens[k]);
		if (ar_capture(argv, NULL, out, sizeof(out), 10, NULL) == 0) {
			out[64] = '\0';
			T_EQ_S(fh, out, "sha256sum agrees (%zu bytes)", lens[k]);
		}
	}
	free(buf);
	T_OK(ar_sha256_file("/nonexistent/file", fh, &size) == -ENOENT, "missing file: -ENOENT");
}

static void test_dirs(void)
{
	char p[400], q[400], outside[400], *s = NULL;
	size_t len = 0;
	struct stat st;
	FILE *f;

	snprintf(p, sizeof(p), "%s/a/b/c/d", tmp);
	T_EQ_U(ar_mkdirs(p), 0, "mkdirs makes a nested path");
	T_OK(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "the directory exists");
	T_EQ_U(ar_mkdirs(p), 0, "mkdirs of an existing directory is fine");
	snprintf(q, sizeof(q), "%s/a/b/file", tmp);
	f = fopen(q, "w");
	if (f) {
		fputs("data\n", f);
		fclose(f);
	}
	snprintf(p, sizeof(p), "%s/a/b/file/sub", tmp);
	T_OK(ar_mkdirs(p) == -ENOTDIR, "mkdirs through a file fails with -ENOTDIR");
	T_OK(ar_mkdirs(q) == -ENOTDIR, "mkdirs of an existing file fails");

	T_EQ_U(ar_read_file(q, &s, &len), 0, "read a file");
	T_EQ_S(s, "data\n", "content");
	T_EQ_U(len, 5, "length");
	free(s);
	snprintf(p, sizeof(p), "%s/a", tmp);
	T_OK(ar_read_file(p, &s, &len) == -EISDIR && !s, "reading a directory fails");
	T_OK(ar_read_file("/nonexistent/x", &s, &len) == -ENOENT && !s, "reading a missing file");
	snprintf(p, sizeof(p), "%s/empty", tmp);
	f = fopen(p, "w");
	if (f)
		fclose(f);
	T_OK(ar_read_file(p, &s, &len) == 0 && s && !*s && len == 0, "an empty file reads as \"\"");
	free(s);

	/* rm -rf: nested files, a read-only directory, a symbolic link to a file
	 * outside that must survive. */
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	f = fopen(outside, "w");
	if (f) {
		fputs("keep\n", f);
		fclose(f);
	}
	snprintf(p, sizeof(p), "%s/a/link", tmp);
	T_OK(symlink(outside, p) == 0, "symlink");
	snprintf(p, sizeof(p), "%s/a/b/ro", tmp);
	ar_mkdirs(p);
	snprintf(q, sizeof(q), "%s/a/b/ro/f", tmp);
	f = fopen(q, "w");
	if (f)
		fclose(f);
	chmod(p, 0500);
	snprintf(p, sizeof(p), "%s/a/linkdir", tmp);
	T_OK(symlink(tmp, p) == 0, "symlink to a directory");
	snprintf(p, sizeof(p), "%s/a", tmp);
	T_EQ_U(ar_rmtree(p), 0, "rmtree removes the tree");
	T_OK(stat(p, &st) < 0 && errno == ENOENT, "the tree is gone");
	T_OK(stat(outside, &st) == 0, "the target of a symbolic link is kept");
	T_EQ_U(ar_rmtree(p), 0, "rmtree of a missing path is fine");
	T_OK(ar_rmtree("/") == -EPERM, "rmtree refuses /");
	T_OK(ar_rmtree("//") == -EPERM, "rmtree refuses //");
	T_OK(ar_rmtree("/./") == -EPERM, "rmtree refuses /./");
	T_OK(ar_rmtree("") == -EINVAL, "rmtree refuses an empty path");
	T_OK(ar_rmtree(".") == -EPERM, "rmtree refuses .");
	T_OK(ar_rmtree(NULL) == -EINVAL, "rmtree refuses NULL");
	T_EQ_U(ar_rmtree(outside), 0, "rmtree of a plain file removes it");
	T_OK(stat(outside, &st) < 0, "the file is gone");
}

int main(void)
{
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_exec_status();
	test_exec_timeout();
	test_exec_log();
	test_exec_env_cwd();
	test_sha256();
	test_dirs();
	T_EQ_U(ar_rmtree(tmp), 0, "temporary directory removed");
	return t_done();
}
