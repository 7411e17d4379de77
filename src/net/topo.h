/*
 * Test topologies that clean up after themselves. A `struct net_topo`
 * records every namespace and link it makes and removes them all in
 * net_topo_destroy(), whatever state a failed test left them in. Names are
 * unique per process and per call (prefix, the pid and a counter, in at most
 * IFNAMSIZ - 1 characters, so they serve as interface names too), and carry
 * the pid so that a safety net can tell the leftovers of a crashed run (its
 * pid is gone) from the topologies of a run still going.
 */
#ifndef V6LAB_NET_TOPO_H
#define V6LAB_NET_TOPO_H

#include <net/if.h>
#include <stddef.h>

#include "netns.h"

#define NET_TOPO_PREFIX_MAX 5 /* characters, so a name still fits IFNAMSIZ */
#define NET_TOPO_MAX_NS 8
#define NET_TOPO_MAX_LINKS 32

struct net_topo_link {
	const struct net_ns *ns; /* NULL: the namespace of the thread that made it */
	char name[IFNAMSIZ];
};

/* Lives where the caller put it: links point at its namespaces. */
struct net_topo {
	char prefix[NET_TOPO_PREFIX_MAX + 1];
	unsigned nns, nlinks;
	struct net_ns ns[NET_TOPO_MAX_NS];
	struct net_topo_link link[NET_TOPO_MAX_LINKS];
};

/* A fresh unique name: prefix, pid and counter in base 36, then "-" and as
 * much of role as fits (role may be NULL). out needs IFNAMSIZ bytes. */
int net_topo_name(const char *prefix, const char *role, char *out, size_t n);

/* -EINVAL when prefix is empty, too long or not [a-z0-9-]. */
int net_topo_init(struct net_topo *t, const char *prefix);
/* Creates a namespace with a unique name and its loopback up. */
int net_topo_add_ns(struct net_topo *t, const char *role, struct net_ns **out);
/* A veth pair: name_a in a, name_b in b (NULL: the calling thread's
 * namespace), both left down. Recorded for removal. */
int net_topo_add_veth(struct net_topo *t, const struct net_ns *a, const char *name_a,
		      const struct net_ns *b, const char *name_b);
/* Records a link made by other means (bridge, TAP ...) for removal. */
int net_topo_track_link(struct net_topo *t, const struct net_ns *ns, const char *name);
/* Removes the recorded links (newest first), then the namespaces. Safe to
 * call twice. Returns 0 or the first error other than "already gone". */
int net_topo_destroy(struct net_topo *t);

/* Removes namespaces named prefix+pid+... whose pid no longer runs, and such
 * links in the calling thread's namespace. Returns how many went. */
int net_topo_sweep(const char *prefix);
/* The process-wide safety net: sweeps now, then removes this process's own
 * namespaces with that prefix at exit() and on SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT. A crash (SIGSEGV, abort) is caught by the next run's sweep. */
int net_topo_safety_net(const char *prefix);

#endif
