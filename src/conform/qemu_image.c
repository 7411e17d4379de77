/*
 * Builds and caches the qemu NUT's boot image: locates the kernel and its
 * module tree, makes modules.dep with depmod when the kernel package shipped
 * none, resolves the modules the NUT needs with their dependencies, and
 * writes a newc cpio initramfs with busybox-static, those modules (stored
 * uncompressed, so busybox insmod loads them), init and the agent. The
 * initramfs is named after a hash of everything that goes into it, so a
 * changed agent or kernel tree gives a new one; a lock file serializes the
 * parallel tests that find the cache empty.
 */
#include "qemu_image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const qemu_image_wanted[] = { "virtio_pci", "virtio_net", "ipv6", NULL };

static const char *const busybox_paths[] = { "/bin/busybox", "/usr/bin/busybox", NULL };

/* ---- newc cpio ---- */

static void cpio_entry(struct qemu_cpio *c, const char *name, unsigned mode, unsigned rmaj,
		       unsigned rmin, const void *data, size_t len)
{
	static const char zeros[4];
	size_t nlen = strlen(name) + 1;

	if (fprintf(c->fp, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		    c->ino++, mode, 0u, 0u, 1u, 0u, len, 0u, 0u, rmaj, rmin, nlen, 0u) < 0)
		c->error = 1;
	/* The 110-byte header and the name are padded to 4 bytes together. */
	if (fwrite(name, 1, nlen, c->fp) != nlen || fwrite(zeros, 1, (4 - (110 + nlen) % 4) % 4, c->fp) !=
							    (4 - (110 + nlen) % 4) % 4)
		c->error = 1;
	if (len && fwrite(data, 1, len, c->fp) != len)
		c->error = 1;
	if (fwrite(zeros, 1, (4 - len % 4) % 4, c->fp) != (4 - len % 4) % 4)
		c->error = 1;
}

void qemu_cpio_begin(struct qemu_cpio *c, FILE *fp)
{
	c->fp = fp;
	c->ino = 1;
	c->error = 0;
}

void qemu_cpio_dir(struct qemu_cpio *c, const char *name)
{
	cpio_entry(c, name, S_IFDIR | 0755, 0, 0, NULL, 0);
}

void qemu_cpio_file(struct qemu_cpio *c, const char *name, unsigned mode, const void *data, size_t len)
{
	cpio_entry(c, name, S_IFREG | (mode & 07777), 0, 0, data, len);
}

void qemu_cpio_symlink(struct qemu_cpio *c, const char *name, const char *target)
{
	cpio_entry(c, name, S_IFLNK | 0777, 0, 0, target, strlen(target));
}

void qemu_cpio_chardev(struct qemu_cpio *c, const char *name, unsigned mode, unsigned major,
		       unsigned minor)
{
	cpio_entry(c, name, S_IFCHR | (mode & 07777), major, minor, NULL, 0);
}

int qemu_cpio_end(struct qemu_cpio *c)
{
	cpio_entry(c, "TRAILER!!!", 0, 0, 0, NULL, 0);
	if (fflush(c->fp))
		c->error = 1;
	return c->error ? -EIO : 0;
}

/* ---- helpers ---- */

static void say(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(FILE *log, const char *fmt, ...)
{
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	vfprintf(log, fmt, ap);
	va_end(ap);
	fputc('\n', log);
	fflush(log);
}

static int mkdirs(const char *path)
{
	char tmp[QEMU_PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, 0755) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* A module's name from its path: the file name without .ko and its
 * compression suffix, dashes as underscores (as the kernel names them). */
static void mod_name(const char *path, char *out, size_t n)
{
	const char *b = base_name(path), *ko = strstr(b, ".ko");
	size_t len = ko ? (size_t)(ko - b) : strlen(b);

	if (len >= n)
		len = n - 1;
	for (size_t i = 0; i < len; i++)
		out[i] = b[i] == '-' ? '_' : b[i];
	out[len] = 0;
}

/* Runs argv with stdout to out_fd (or the log) and stderr to the log; the
 * exit status, or a negative errno when it could not run. */
static int run_prog(char *const argv[], int out_fd, FILE *log)
{
	int logfd = log ? fileno(log) : -1, st;
	pid_t pid;

	if (log)
		fflush(log);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(out_fd >= 0 ? out_fd : logfd >= 0 ? logfd : null, 1);
		dup2(logfd >= 0 ? logfd : null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int read_all_fd(int fd, uint8_t **buf, size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *b = malloc(cap);

	if (!b)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			uint8_t *nb = realloc(b, cap * 2);

			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int rc = -errno;

			free(b);
			return rc;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* A file's bytes; a module compressed with xz, gzip or zstd comes out
 * uncompressed through the matching tool. */
static int load_file(const char *path, uint8_t **buf, size_t *len, FILE *log, char *err, size_t errlen)
{
	const char *tool = NULL;
	size_t pl = strlen(path);
	int fd, rc;

	if (pl > 3 && !strcmp(path + pl - 3, ".xz"))
		tool = "xz";
	else if (pl > 3 && !strcmp(path + pl - 3, ".gz"))
		tool = "gzip";
	else if (pl > 4 && !strcmp(path + pl - 4, ".zst"))
		tool = "zstd";
	if (!tool) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return rc;
		}
		rc = read_all_fd(fd, buf, len);
		close(fd);
		if (rc)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	{
		char tmpl[] = "/tmp/v6lab-mod.XXXXXX";
		char *argv[] = { (char *)tool, "-dc", (char *)path, NULL };
		int st;

		fd = mkstemp(tmpl);
		if (fd < 0) {
			rc = -errno;
			snprintf(err, errlen, "temporary file: %s", strerror(errno));
			return rc;
		}
		unlink(tmpl);
		st = run_prog(argv, fd, log);
		if (st) {
			close(fd);
			snprintf(err, errlen, "%s -dc %s failed (status %d%s)", tool, path, st,
				 st == 127 ? ": not installed?" : "");
			return -EIO;
		}
		lseek(fd, 0, SEEK_SET);
		rc = read_all_fd(fd, buf, len);
		close(fd);
		if (rc)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
}

/* A statically linked ELF has no program interpreter. */
static bool elf_is_static(const uint8_t *b, size_t len)
{
	uint64_t phoff;
	uint16_t phentsize, phnum;

	if (len < 64 || memcmp(b, "\177ELF", 4) || b[4] != 2 || b[5] != 1)
		return false;
	memcpy(&phoff, b + 32, 8);
	memcpy(&phentsize, b + 54, 2);
	memcpy(&phnum, b + 56, 2);
	if (phentsize < 4 || phoff > len)
		return false;
	for (uint16_t i = 0; i < phnum; i++) {
		uint32_t type;

		if ((uint64_t)phentsize > len - phoff || (uint64_t)i * phentsize > len - phoff - phentsize)
			return false;
		memcpy(&type, b + phoff + (uint64_t)i * phentsize, 4);
		if (type == 3) /* PT_INTERP */
			return false;
	}
	return true;
}

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t fnv_stat(uint64_t h, const char *path)
{
	struct stat st;
	char buf[QEMU_PATH_MAX + 64];
	int n;

	if (stat(path, &st))
		memset(&st, 0, sizeof(st));
	n = snprintf(buf, sizeof(buf), "%s %lld %lld", path, (long long)st.st_size,
		     (long long)st.st_mtime);
	return fnv(h, buf, (size_t)n);
}

/* ---- kernel and modules ---- */

int qemu_image_version(const char *kernel, const char *modules, char *out, size_t n)
{
	if (modules && modules[0]) {
		char tmp[QEMU_PATH_MAX];
		size_t l;

		snprintf(tmp, sizeof(tmp), "%s", modules);
		l = strlen(tmp);
		while (l > 1 && tmp[l - 1] == '/')
			tmp[--l] = 0;
		snprintf(out, n, "%s", base_name(tmp));
		return out[0] ? 0 : -EINVAL;
	}
	if (kernel && !strncmp(base_name(kernel), "vmlinuz-", 8) && base_name(kernel)[8]) {
		snprintf(out, n, "%s", base_name(kernel) + 8);
		return 0;
	}
	return -EINVAL;
}

/* The module tree: given, or lib/modules/VERSION beside boot/vmlinuz-VERSION. */
static int find_modules(const char *kernel, const char *modules, char *out, size_t n, char *err,
			size_t errlen)
{
	char ver[128], dir[QEMU_PATH_MAX];
	const char *b;
	struct stat st;

	if (modules && modules[0]) {
		snprintf(out, n, "%s", modules);
		if (stat(out, &st) || !S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "--modules %s is not a folder", modules);
			return -ENOENT;
		}
		return 0;
	}
	if (qemu_image_version(kernel, NULL, ver, sizeof(ver))) {
		snprintf(err, errlen, "cannot tell the kernel release from %s: give --modules DIR "
				      "(lib/modules/VERSION)", kernel);
		return -EINVAL;
	}
	snprintf(dir, sizeof(dir), "%s", kernel);
	b = strrchr(dir, '/');
	if (b)
		dir[b - dir] = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	snprintf(out, n, "%s/../lib/modules/%s", dir, ver);
	if (stat(out, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "no module tree at %s: give --modules DIR (lib/modules/VERSION)", out);
		return -ENOENT;
	}
	return 0;
}

/* modules.dep when missing: depmod -b BASE VERSION needs the tree at
 * BASE/lib/modules/VERSION. */
static int ensure_depmod(const char *moddir, const char *ver, FILE *log, char *err, size_t errlen)
{
	char dep[QEMU_PATH_MAX + 16], base[QEMU_PATH_MAX + 16], check[2 * QEMU_PATH_MAX];
	struct stat a, b;
	int st;

	snprintf(dep, sizeof(dep), "%s/modules.dep", moddir);
	if (!access(dep, R_OK))
		return 0;
	snprintf(base, sizeof(base), "%s/../../..", moddir);
	snprintf(check, sizeof(check), "%s/lib/modules/%s", base, ver);
	if (stat(moddir, &a) || stat(check, &b) || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		snprintf(err, errlen, "%s has no modules.dep and is not laid out as DIR/lib/modules/%s "
				      "for depmod -b DIR", moddir, ver);
		return -EINVAL;
	}
	{
		char *argv[] = { "depmod", "-b", base, (char *)ver, NULL };

		say(log, "qemu: depmod -b %s %s", base, ver);
		st = run_prog(argv, -1, log);
		if (st == 127) {
			char *argv2[] = { "/sbin/depmod", "-b", base, (char *)ver, NULL };

			st = run_prog(argv2, -1, log);
		}
	}
	if (st || access(dep, R_OK)) {
		snprintf(err, errlen, "depmod -b %s %s failed (status %d%s)", base, ver, st,
			 st == 127 ? ": install kmod" : "");
		return -EIO;
	}
	return 0;
}

static bool in_builtin(const char *moddir, const char *name)
{
	char path[QEMU_PATH_MAX + 32], line[512], m[64];
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/modules.builtin", moddir);
	fp = fopen(path, "r");
	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\r\n")] = 0;
		mod_name(line, m, sizeof(m));
		found = !strcmp(m, name);
	}
	fclose(fp);
	return found;
}

static int add_path(char paths[][QEMU_PATH_MAX], int max, int *n, const char *p, char *err,
		    size_t errlen)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(paths[i], p))
			return 0;
	if (*n >= max) {
		snprintf(err, errlen, "more than %d modules to load", max);
		return -E2BIG;
	}
	snprintf(paths[(*n)++], QEMU_PATH_MAX, "%s", p);
	return 0;
}

int qemu_image_resolve(const char *moddir, char paths[][QEMU_PATH_MAX], int max, int *n, char *err,
		       size_t errlen)
{
	char path[QEMU_PATH_MAX + 32];
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	*n = 0;
	for (int w = 0; qemu_image_wanted[w] && !rc; w++) {
		const char *want = qemu_image_wanted[w];
		bool found = false;
		FILE *fp;

		if (in_builtin(moddir, want))
			continue;
		snprintf(path, sizeof(path), "%s/modules.dep", moddir);
		fp = fopen(path, "r");
		if (!fp) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = -errno;
			break;
		}
		while (!found && getline(&line, &cap, fp) > 0) {
			char *colon = strchr(line, ':'), m[64], *deps[64], *save = NULL, *tok;
			int nd = 0;

			if (!colon)
				continue;
			*colon = 0;
			mod_name(line, m, sizeof(m));
			if (strcmp(m, want))
				continue;
			found = true;
			/* depmod lists every dependency, transitively, in an order that
			 * loads from the last to the first. */
			for (tok = strtok_r(colon + 1, " \t\r\n", &save); tok && nd < 64;
			     tok = strtok_r(NULL, " \t\r\n", &save))
				deps[nd++] = tok;
			for (int k = nd - 1; k >= 0 && !rc; k--)
				rc = add_path(paths, max, n, deps[k], err, errlen);
			if (!rc)
				rc = add_path(paths, max, n, line, err, errlen);
		}
		fclose(fp);
		if (!found && !rc) {
			snprintf(err, errlen, "the kernel has %s neither built in nor as a module in %s", want,
				 moddir);
			rc = -ENOENT;
		}
	}
	free(line);
	return rc;
}

/* ---- the image ---- */

/* Removes the initramfs files of dir other than keep: those of an older
 * agent or kernel tree. */
static void drop_stale(const char *dir, const char *keep, FILE *log)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char p[2 * QEMU_PATH_MAX];

		if (strncmp(e->d_name, "initrd-", 7) || l < 12 || strcmp(e->d_name + l - 5, ".cpio") ||
		    !strcmp(e->d_name, keep))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (!unlink(p))
			say(log, "qemu: removed the stale %s", p);
	}
	closedir(d);
}

static int write_image(const char *tmp, const char *busybox, const char *moddir,
		       char paths[][QEMU_PATH_MAX], int npaths, FILE *log, char *err, size_t errlen)
{
	static const char *const dirs[] = { "bin", "dev", "proc", "sys", "tmp", "run", "lib", "lib/modules" };
	struct qemu_cpio c;
	char order[QEMU_MODS_MAX * 72] = "", name[QEMU_PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	fp = fopen(tmp, "we");
	if (!fp) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return rc;
	}
	qemu_cpio_begin(&c, fp);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		qemu_cpio_dir(&c, dirs[i]);
	/* init needs a console before it mounts devtmpfs. */
	qemu_cpio_chardev(&c, "dev/console", 0600, 5, 1);
	rc = load_file(busybox, &buf, &len, log, err, errlen);
	if (rc)
		goto out;
	if (!elf_is_static(buf, len)) {
		snprintf(err, errlen, "%s is not statically linked: install busybox-static", busybox);
		rc = -EINVAL;
		goto out;
	}
	qemu_cpio_file(&c, "bin/busybox", 0755, buf, len);
	free(buf);
	buf = NULL;
	qemu_cpio_symlink(&c, "bin/sh", "busybox");
	qemu_cpio_file(&c, "init", 0755, qemu_init_script, strlen(qemu_init_script));
	qemu_cpio_file(&c, "agent", 0755, qemu_agent_script, strlen(qemu_agent_script));
	qemu_cpio_file(&c, "bin/v6lab-nut-pmtu", 0755, qemu_pmtu_helper, qemu_pmtu_helper_len);
	for (int i = 0; i < npaths; i++) {
		char m[64], full[2 * QEMU_PATH_MAX];

		snprintf(full, sizeof(full), "%s/%s", moddir, paths[i]);
		rc = load_file(full, &buf, &len, log, err, errlen);
		if (rc)
			goto out;
		mod_name(paths[i], m, sizeof(m));
		snprintf(name, sizeof(name), "lib/modules/%s.ko", m);
		qemu_cpio_file(&c, name, 0644, buf, len);
		free(buf);
		buf = NULL;
		strcat(order, m);
		strcat(order, ".ko\n");
	}
	qemu_cpio_file(&c, "lib/modules/order", 0644, order, strlen(order));
	rc = qemu_cpio_end(&c);
	if (rc)
		snprintf(err, errlen, "%s: write failed", tmp);
out:
	free(buf);
	if (fclose(fp) && !rc) {
		rc = -EIO;
		snprintf(err, errlen, "%s: write failed", tmp);
	}
	return rc;
}

int qemu_image_prepare(const char *kernel, const char *modules, const char *cache, FILE *log,
		       struct qemu_image *img, char *err, size_t errlen)
{
	char dir[QEMU_PATH_MAX], lockp[QEMU_PATH_MAX + 16], tmp[QEMU_PATH_MAX + 32];
	char (*paths)[QEMU_PATH_MAX] = NULL;
	const char *busybox = NULL;
	uint64_t h = 0xcbf29ce484222325ull;
	int lock = -1, npaths = 0, rc;

	memset(img, 0, sizeof(*img));
	if (!kernel || !kernel[0]) {
		snprintf(err, errlen, "the qemu driver needs --kernel FILE (a vmlinuz; "
				      "tests/qemu/fetch-kernel fetches one)");
		return -EINVAL;
	}
	if (access(kernel, R_OK)) {
		rc = -errno;
		snprintf(err, errlen, "--kernel %s: %s", kernel, strerror(errno));
		return rc;
	}
	snprintf(img->kernel, sizeof(img->kernel), "%s", kernel);
	rc = find_modules(kernel, modules, img->modules, sizeof(img->modules), err, errlen);
	if (rc)
		return rc;
	qemu_image_version(kernel, img->modules, img->version, sizeof(img->version));
	for (int i = 0; busybox_paths[i] && !busybox; i++)
		if (!access(busybox_paths[i], R_OK))
			busybox = busybox_paths[i];
	if (!busybox) {
		snprintf(err, errlen, "no busybox: install busybox-static");
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s/%s", cache && cache[0] ? cache : "out/qemu-cache", img->version);
	rc = mkdirs(dir);
	if (rc) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(-rc));
		return rc;
	}
	snprintf(lockp, sizeof(lockp), "%s/.lock", dir);
	lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0 || flock(lock, LOCK_EX)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", lockp, strerror(errno));
		goto out;
	}
	rc = ensure_depmod(img->modules, img->version, log, err, errlen);
	if (rc)
		goto out;
	paths = calloc(QEMU_MODS_MAX, sizeof(*paths));
	if (!paths) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = qemu_image_resolve(img->modules, paths, QEMU_MODS_MAX, &npaths, err, errlen);
	if (rc)
		goto out;
	h = fnv(h, "v6lab-initramfs-1", 17);
	h = fnv(h, qemu_init_script, strlen(qemu_init_script));
	h = fnv(h, qemu_agent_script, strlen(qemu_agent_script));
	h = fnv(h, qemu_pmtu_helper, qemu_pmtu_helper_len);
	h = fnv_stat(h, busybox);
	for (int i = 0; i < npaths; i++) {
		char full[2 * QEMU_PATH_MAX];

		snprintf(full, sizeof(full), "%s/%s", img->modules, paths[i]);
		h = fnv_stat(h, full);
		mod_name(paths[i], img->mods[i], sizeof(img->mods[i]));
	}
	img->nmods = npaths;
	snprintf(img->initrd, sizeof(img->initrd), "%s/initrd-%016llx.cpio", dir, (unsigned long long)h);
	if (!access(img->initrd, R_OK))
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", img->initrd, (int)getpid());
	rc = write_image(tmp, busybox, img->modules, paths, npaths, log, err, errlen);
	if (!rc && rename(tmp, img->initrd)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", img->initrd, strerror(errno));
	}
	if (rc)
		unlink(tmp);
	else
		img->built = 1;
	if (!rc) {
		say(log, "qemu: built %s (busybox, %d modules)", img->initrd, npaths);
		drop_stale(dir, base_name(img->initrd), log);
	}
out:
	free(paths);
	if (lock >= 0)
		close(lock);
	return rc;
}
