/*
 * The boot image of the qemu NUT driver: a Linux kernel (vmlinuz) with its
 * module tree, and an initramfs that v6lab builds itself and keeps in a
 * cache, one per kernel release: busybox-static, the modules the NUT needs
 * (virtio_net, virtio_pci, ipv6 when modular, with their dependencies from
 * the kernel's modules.dep, which depmod makes when the package shipped
 * none), an init script and the NUT agent, a shell script that carries out
 * the driver's commands on the second serial port.
 */
#ifndef V6LAB_CF_QEMU_IMAGE_H
#define V6LAB_CF_QEMU_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define QEMU_PATH_MAX 1024
#define QEMU_MODS_MAX 32

struct qemu_image {
	char kernel[QEMU_PATH_MAX];  /* vmlinuz */
	char modules[QEMU_PATH_MAX]; /* .../lib/modules/VERSION */
	char version[128];	     /* the kernel release: the modules folder's name */
	char initrd[QEMU_PATH_MAX];  /* the cached initramfs */
	int nmods;		     /* modules in the initramfs, in load order */
	char mods[QEMU_MODS_MAX][64];
	int built;		     /* 1 when this call built the initramfs */
};

/* The modules the NUT loads, by name, when the kernel has them as modules. */
extern const char *const qemu_image_wanted[];

/* Finds the kernel and its modules (modules NULL: beside the kernel, as a
 * Debian package lays them out: boot/vmlinuz-V and lib/modules/V), and
 * builds the initramfs in cache/VERSION unless it is there already. Safe
 * when several processes call it at once (they take a lock on the cache). */
int qemu_image_prepare(const char *kernel, const char *modules, const char *cache, FILE *log,
		       struct qemu_image *img, char *err, size_t errlen);

/* The kernel release of a --kernel/--modules pair, as prepare finds it. */
int qemu_image_version(const char *kernel, const char *modules, char *out, size_t n);

/* Resolves the modules to load from a module tree that has modules.dep:
 * the wanted ones that are neither built in nor missing, each after its
 * dependencies, without repeats. Paths are relative to the tree. Exposed
 * for the tests. */
int qemu_image_resolve(const char *moddir, char paths[][QEMU_PATH_MAX], int max, int *n, char *err,
		       size_t errlen);

/* A newc cpio archive written as it goes (the format the kernel unpacks
 * as an initramfs). Exposed for the tests. */
struct qemu_cpio {
	FILE *fp;
	uint32_t ino;
	int error;
};

void qemu_cpio_begin(struct qemu_cpio *c, FILE *fp);
void qemu_cpio_dir(struct qemu_cpio *c, const char *name);
void qemu_cpio_file(struct qemu_cpio *c, const char *name, unsigned mode, const void *data, size_t len);
void qemu_cpio_symlink(struct qemu_cpio *c, const char *name, const char *target);
void qemu_cpio_chardev(struct qemu_cpio *c, const char *name, unsigned mode, unsigned major,
		       unsigned minor);
/* Writes the trailer; 0, or -EIO when a write failed. */
int qemu_cpio_end(struct qemu_cpio *c);

/* The agent's and the init script's text (as they go into the image). */
extern const char qemu_agent_script[];
extern const char qemu_init_script[];

/* v6lab-nut-pmtu (qemu_helper.c), built static and embedded at build time. */
extern const unsigned char qemu_pmtu_helper[];
extern const unsigned long qemu_pmtu_helper_len;

#endif
