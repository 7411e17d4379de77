/*
 * NUT drivers. A driver brings up the Node Under Test with its links, tells
 * the engine where the tester's end of each link is, answers questions about
 * the NUT (its addresses) and carries out the NUT actions of a script
 * (`nut sysctl ...`, `nut ping ...`). The netns driver runs the local Linux
 * kernel in a fresh namespace per test; the qemu driver boots a given Linux
 * kernel in a fresh VM per test; the manual driver asks an operator. A
 * remote-device driver implements the same operations.
 */
#ifndef V6LAB_CF_NUT_H
#define V6LAB_CF_NUT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "netns.h"

#define NUT_MAX_LINKS 8

struct nut_config {
	const char *driver;	  /* "netns", "qemu", "manual" */
	unsigned type;		  /* CF_NUT_HOST or CF_NUT_ROUTER */
	const char *link_ifname[NUT_MAX_LINKS]; /* --linkN IFNAME: real interfaces */
	uint8_t nut_mac[NUT_MAX_LINKS][6];      /* MAC of the NUT on each link */
	bool have_nut_mac[NUT_MAX_LINKS];
	int nfeatures;
	const char *features[16];
	const char *tag;	  /* unique name part for namespaces */
	FILE *log;		  /* where the driver narrates what it does */
	unsigned boot_wait_ms;	  /* how long to wait for the NUT to be ready */
	bool keep;		  /* leave namespaces behind (debugging) */
	const char *outdir;	  /* per-test directory for driver files (radvd.conf) */
	int nsysctls;		  /* KEY=VALUE set on the NUT before its links come up */
	const char *sysctls[16];
	const char *kernel;	  /* qemu driver: the vmlinuz to boot (--kernel) */
	const char *modules;	  /* qemu driver: its lib/modules/VERSION (--modules; NULL:
				   * beside the kernel as a Debian package lays them out) */
	bool boot_messages;	  /* qemu driver: the kernel's boot messages on the console
				   * (no "quiet"), for a kept boot log */
};

struct nut;

struct nut_ops {
	const char *name;
	/* Brings the NUT up with nlinks links. */
	int (*setup)(struct nut *n, int nlinks, char *err, size_t errlen);
	/* Waits until the NUT is ready for the first step (optional). Called
	 * once the tester listens on the links, so boot traffic is captured. */
	int (*ready)(struct nut *n, char *err, size_t errlen);
	/* Where the tester's end of link i is: namespace (NULL: ours) and name. */
	int (*tn_end)(struct nut *n, int link, const struct net_ns **ns, char ifname[IFNAMSIZ]);
	/* NUT address on a link: attr "ll" or "global"; -ENOENT when none. */
	int (*addr)(struct nut *n, int link, const char *attr, uint8_t out[16]);
	/* Runs an action; a result (for `-> $var`) goes to out. Returns 0, or
	 * -ENOTSUP for an unknown action, or another negative errno with err. */
	int (*action)(struct nut *n, int argc, char **argv, char *out, size_t outlen, char *err,
		      size_t errlen);
	/* Removes everything setup made; safe after a partial setup. */
	void (*teardown)(struct nut *n);
};

struct nut {
	const struct nut_ops *ops;
	const struct nut_config *cfg;
	int nlinks;
	void *priv;
	/* Drivers wait through this, so the tester keeps reading its links
	 * (and answering Neighbor Solicitations) while an action waits. */
	void (*idle)(void *ctx, unsigned ms);
	void *idle_ctx;
};

/* Waits ms through n->idle, or sleeps when there is none. */
void nut_idle(struct nut *n, unsigned ms);

extern const struct nut_ops nut_netns_ops;
extern const struct nut_ops nut_qemu_ops;
extern const struct nut_ops nut_manual_ops;

/* The driver named in cfg->driver, or NULL. */
const struct nut_ops *nut_driver(const char *name);

#endif
