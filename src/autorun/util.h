/*
 * Small helpers of the automatic running system: running a command with
 * its output appended to a step log and a time limit, SHA-256 of files,
 * directory creation and removal, reading a whole file.
 */
#ifndef V6LAB_AR_UTIL_H
#define V6LAB_AR_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Runs argv (argv[0] searched in PATH) in directory cwd (NULL: current),
 * with extra environment entries env ("K=V", NULL-terminated, may be NULL),
 * stdin from /dev/null, stdout and stderr appended to log (a "$ cmd" line
 * first). Kills the process group after timeout_s seconds (0: none).
 * Returns the exit status (0..255), 128+signal when killed by a signal,
 * -ETIMEDOUT on timeout, or a negative errno when it could not start. */
int ar_exec(const char *const argv[], const char *cwd, const char *const env[],
	    unsigned timeout_s, FILE *log);
/* The same with "/bin/sh -c script". */
int ar_shell(const char *script, const char *cwd, const char *const env[], unsigned timeout_s,
	     FILE *log);
/* Runs argv and captures its stdout (up to cap-1 bytes, NUL-terminated)
 * into out; stderr goes to log (may be NULL). Returns as ar_exec. */
int ar_capture(const char *const argv[], const char *cwd, char *out, size_t cap,
	       unsigned timeout_s, FILE *log);

/* SHA-256 of a file as 64 lowercase hex digits + NUL; size to *size. */
int ar_sha256_file(const char *path, char hex[65], uint64_t *size);
/* SHA-256 of a buffer (raw 32 bytes). */
void ar_sha256(const void *data, size_t len, uint8_t out[32]);

/* mkdir -p (mode 0755). */
int ar_mkdirs(const char *path);
/* rm -rf; refuses "/" and empty paths. */
int ar_rmtree(const char *path);
/* Reads a whole file into a malloc'd NUL-terminated buffer (size to *len). */
int ar_read_file(const char *path, char **out, size_t *len);

#endif
