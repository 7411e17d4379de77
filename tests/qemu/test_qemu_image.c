/*
 * Unit tests of the qemu NUT's boot image (src/conform/qemu_image.c): module
 * resolution from a made-up modules.dep and modules.builtin, the newc cpio
 * writer (parsed back here), kernel release names, the shell syntax of the
 * embedded init and agent scripts, and a whole initramfs built into a cache
 * and found there the second time. No root, no QEMU, no network.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu_image.h"
#include "t.h"

static char root[256];

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (char *s = p + strlen(root) + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	fp = fopen(p, "w");
	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

static const char dep_text[] =
	"kernel/drivers/virtio/virtio_ring.ko:\n"
	"kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/net/core/failover.ko:\n"
	"kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
	"kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko "
	"kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko "
	"kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/virtio/virtio_pci_modern_dev.ko:\n"
	"kernel/fs/fuse/virtiofs.ko: kernel/drivers/virtio/virtio.ko\n";

static void test_resolve(void)
{
	static char paths[QEMU_MODS_MAX][QEMU_PATH_MAX];
	char dir[512], err[512];
	int n = 0, rc;

	snprintf(dir, sizeof(dir), "%s/lib/modules/9.9.9-test", root);
	put("lib/modules/9.9.9-test/modules.dep", dep_text);
	put("lib/modules/9.9.9-test/modules.builtin", "kernel/net/ipv6/ipv6.ko\nkernel/lib/crc32.ko\n");
	rc = qemu_image_resolve(dir, paths, QEMU_MODS_MAX, &n, err, sizeof(err));
	T_EQ_U(rc, 0, "modules resolve from modules.dep (%s)", rc ? err : "ok");
	T_EQ_U(n, 7, "seven modules: virtio_pci and virtio_net with their dependencies, ipv6 built in");
	if (n == 7) {
		T_EQ_S(paths[0], "kernel/drivers/virtio/virtio_ring.ko", "the deepest dependency loads first");
		T_EQ_S(paths[1], "kernel/drivers/virtio/virtio.ko", "then what needs only it");
		T_EQ_S(paths[2], "kernel/drivers/virtio/virtio_pci_modern_dev.ko", "virtio_pci's own dependency");
		T_EQ_S(paths[3], "kernel/drivers/virtio/virtio_pci.ko", "virtio_pci after its dependencies");
		T_EQ_S(paths[4], "kernel/net/core/failover.ko", "a shared dependency is listed once");
		T_EQ_S(paths[5], "kernel/drivers/net/net_failover.ko", "net_failover after failover");
		T_EQ_S(paths[6], "kernel/drivers/net/virtio_net.ko", "virtio_net last");
	}

	/* virtio_pci built in: only the virtio_net chain is loaded. */
	put("lib/modules/9.9.9-test/modules.builtin", "kernel/net/ipv6/ipv6.ko\n"
						     "kernel/drivers/virtio/virtio_pci.ko\n");
	rc = qemu_image_resolve(dir, paths, QEMU_MODS_MAX, &n, err, sizeof(err));
	T_OK(rc == 0 && n == 5, "a built-in virtio_pci is not loaded (%d modules)", n);

	/* ipv6 neither built in nor a module. */
	put("lib/modules/9.9.9-test/modules.builtin", "");
	rc = qemu_image_resolve(dir, paths, QEMU_MODS_MAX, &n, err, sizeof(err));
	T_OK(rc == -ENOENT && strstr(err, "ipv6"), "a kernel without ipv6 is refused, naming it (%s)", err);

	/* Too small an array. */
	put("lib/modules/9.9.9-test/modules.builtin", "kernel/net/ipv6/ipv6.ko\n");
	rc = qemu_image_resolve(dir, paths, 3, &n, err, sizeof(err));
	T_OK(rc == -E2BIG, "more modules than room is an error, not an overflow");
}

static unsigned hex8(const char *p)
{
	char b[9];

	memcpy(b, p, 8);
	b[8] = 0;
	return (unsigned)strtoul(b, NULL, 16);
}

static void test_cpio(void)
{
	struct qemu_cpio c;
	char *buf = NULL;
	size_t len = 0, off = 0;
	FILE *fp = open_memstream(&buf, &len);
	const char *names[8];
	unsigned modes[8], sizes[8], rmaj[8];
	int n = 0, aligned = 1, rc;

	qemu_cpio_begin(&c, fp);
	qemu_cpio_dir(&c, "bin");
	qemu_cpio_file(&c, "bin/x", 0755, "hello", 5);
	qemu_cpio_symlink(&c, "bin/sh", "busybox");
	qemu_cpio_chardev(&c, "dev/console", 0600, 5, 1);
	rc = qemu_cpio_end(&c);
	fclose(fp);
	T_EQ_U(rc, 0, "the cpio archive is written");
	while (off + 110 <= len && n < 8) {
		unsigned nsize, fsize;

		if (memcmp(buf + off, "070701", 6))
			break;
		modes[n] = hex8(buf + off + 14);
		fsize = hex8(buf + off + 54);
		rmaj[n] = hex8(buf + off + 78);
		nsize = hex8(buf + off + 94);
		sizes[n] = fsize;
		names[n] = buf + off + 110;
		off += (110 + nsize + 3) & ~3u;
		if (n == 1)
			aligned &= !memcmp(buf + off, "hello", 5);
		off += (fsize + 3) & ~3u;
		aligned &= off % 4 == 0;
		n++;
	}
	T_EQ_U(n, 5, "five entries parse back, the trailer last");
	if (n == 5) {
		T_EQ_S(names[0], "bin", "a directory");
		T_EQ_U(modes[0], 040755, "with directory mode");
		T_EQ_S(names[1], "bin/x", "a file");
		T_EQ_U(modes[1], 0100755, "with its mode");
		T_EQ_U(sizes[1], 5, "and its size");
		T_EQ_U(modes[2], 0120777, "a symlink");
		T_EQ_U(sizes[2], 7, "whose data is the target");
		T_EQ_U(modes[3], 020600, "a character device");
		T_EQ_U(rmaj[3], 5, "with its major number");
		T_EQ_S(names[4], "TRAILER!!!", "the trailer");
	}
	T_OK(aligned, "names and data are padded to 4 bytes");
	T_EQ_U(off, len, "nothing follows the trailer");
	free(buf);
}

static void test_version(void)
{
	char v[128];

	T_OK(!qemu_image_version("x/boot/vmlinuz-6.1.0-56-cloud-amd64", NULL, v, sizeof(v)) &&
		     !strcmp(v, "6.1.0-56-cloud-amd64"),
	     "the release from vmlinuz-RELEASE (%s)", v);
	T_OK(!qemu_image_version("k", "a/lib/modules/6.12.1-test/", v, sizeof(v)) && !strcmp(v, "6.12.1-test"),
	     "the release from the modules folder, trailing slash ignored (%s)", v);
	T_OK(qemu_image_version("bzImage", NULL, v, sizeof(v)) != 0, "no release from a bare kernel name");
}

static int sh_check(const char *name, const char *text)
{
	char p[512];
	FILE *fp;
	int st;

	snprintf(p, sizeof(p), "%s/%s", root, name);
	fp = fopen(p, "w");
	if (!fp)
		return -1;
	fputs(text, fp);
	fclose(fp);
	if (fork() == 0) {
		execlp("sh", "sh", "-n", p, (char *)NULL);
		_exit(127);
	}
	wait(&st);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_scripts(void)
{
	T_EQ_U(sh_check("agent.sh", qemu_agent_script), 0, "the agent script parses (sh -n)");
	T_EQ_U(sh_check("init.sh", qemu_init_script), 0, "the init script parses (sh -n)");
	T_OK(strstr(qemu_agent_script, "v6lab-agent hello") != NULL, "the agent says hello");
	T_OK(strstr(qemu_init_script, "/agent") != NULL, "init runs the agent");
}

static void test_prepare(void)
{
	struct qemu_image img;
	char kernel[512], cache[512], err[512], first[QEMU_PATH_MAX];
	const char *mods[] = { "kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
			       "kernel/drivers/virtio/virtio_pci_modern_dev.ko",
			       "kernel/drivers/virtio/virtio_pci.ko", "kernel/net/core/failover.ko",
			       "kernel/drivers/net/net_failover.ko", "kernel/drivers/net/virtio_net.ko" };
	struct stat st;
	int rc;

	if (access("/bin/busybox", R_OK) && access("/usr/bin/busybox", R_OK)) {
		printf("# no busybox: the initramfs build is not tested\n");
		return;
	}
	put("boot/vmlinuz-9.9.9-test", "not really a kernel");
	put("lib/modules/9.9.9-test/modules.builtin", "kernel/net/ipv6/ipv6.ko\n");
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		char rel[256];

		snprintf(rel, sizeof(rel), "lib/modules/9.9.9-test/%s", mods[i]);
		put(rel, "\177ELF module");
	}
	snprintf(kernel, sizeof(kernel), "%s/boot/vmlinuz-9.9.9-test", root);
	snprintf(cache, sizeof(cache), "%s/cache", root);
	put("cache/9.9.9-test/initrd-0000000000000000.cpio", "an older image");
	rc = qemu_image_prepare(kernel, NULL, cache, NULL, &img, err, sizeof(err));
	if (rc && strstr(err, "statically")) {
		printf("# %s: the initramfs build is not tested\n", err);
		return;
	}
	T_EQ_U(rc, 0, "the initramfs is built (%s)", rc ? err : "ok");
	T_EQ_S(img.version, "9.9.9-test", "the release is found from the kernel's name");
	T_OK(strstr(img.modules, "lib/modules/9.9.9-test") != NULL, "the modules beside the kernel are found");
	T_OK(img.built == 1 && !stat(img.initrd, &st) && st.st_size > 100000, "the initramfs is in the cache");
	T_EQ_U(img.nmods, 7, "with seven modules");
	T_EQ_S(img.mods[6], "virtio_net", "virtio_net loads last");
	snprintf(first, sizeof(first), "%s/9.9.9-test/initrd-0000000000000000.cpio", cache);
	T_OK(access(first, F_OK) != 0, "an older initramfs of the same kernel is removed");
	snprintf(first, sizeof(first), "%s", img.initrd);
	rc = qemu_image_prepare(kernel, NULL, cache, NULL, &img, err, sizeof(err));
	T_OK(rc == 0 && img.built == 0 && !strcmp(img.initrd, first), "the second time it comes from the cache");
	rc = qemu_image_prepare(NULL, NULL, cache, NULL, &img, err, sizeof(err));
	T_OK(rc == -EINVAL && strstr(err, "--kernel"), "no kernel: the error names --kernel");
	snprintf(kernel, sizeof(kernel), "%s/boot/bzImage", root);
	put("boot/bzImage", "x");
	rc = qemu_image_prepare(kernel, NULL, cache, NULL, &img, err, sizeof(err));
	T_OK(rc != 0 && strstr(err, "--modules"), "a kernel whose release is unknown asks for --modules");
}

int main(void)
{
	char cmd[600];

	snprintf(root, sizeof(root), "/tmp/v6lab-qimg.XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	test_resolve();
	test_cpio();
	test_version();
	test_scripts();
	test_prepare();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		printf("# could not remove %s\n", root);
	return t_done();
}
