/*
 * Named network namespaces, made the way iproute2 makes them (a new
 * namespace kept alive by a bind mount on /run/netns/NAME, so `ip netns`
 * lists it), and the primitives to work inside one without moving the whole
 * process: a function run in a helper thread that joined the namespace, a
 * socket or file opened there, and sysctls read or written from there.
 * Sockets and most files keep the namespace they were opened in, so the
 * conformance engine opens them once and uses them from any thread.
 */
#ifndef V6LAB_NET_NETNS_H
#define V6LAB_NET_NETNS_H

#include <stddef.h>

#define NET_NS_RUN_DIR "/run/netns"
#define NET_NS_NAME_MAX 64

/* An open namespace. A NULL `const struct net_ns *` anywhere in src/net means
 * the namespace of the calling thread. */
struct net_ns {
	char name[NET_NS_NAME_MAX]; /* under NET_NS_RUN_DIR */
	int fd;			    /* open on /run/netns/NAME, -1 when closed */
};

/* Creates /run/netns/NAME holding a new, empty namespace and opens it.
 * -EEXIST when the name is taken, -EINVAL for a bad name. */
int net_ns_create(const char *name, struct net_ns *ns);
/* Opens an existing named namespace. */
int net_ns_open(const char *name, struct net_ns *ns);
/* Closes the descriptor; the namespace stays while its mount does. */
void net_ns_close(struct net_ns *ns);
/* Detaches and removes /run/netns/NAME; the namespace goes once nothing
 * (socket, process) still holds it. -ENOENT when there is no such name. */
int net_ns_delete(const char *name);
/* Closes ns and deletes its name. */
int net_ns_destroy(struct net_ns *ns);

/* Runs fn(arg) in a helper thread that joined ns, and returns what fn
 * returned, or a negative errno when the thread could not be set up. */
int net_ns_run(const struct net_ns *ns, int (*fn)(void *arg), void *arg);
/* socket(2) inside ns: the descriptor (close-on-exec) or a negative errno. */
int net_ns_socket(const struct net_ns *ns, int domain, int type, int proto);
/* open(2) inside ns (e.g. /dev/net/tun): a descriptor or a negative errno. */
int net_ns_open_file(const struct net_ns *ns, const char *path, int flags);

/* Sysctls of ns. A key is either a path under /proc/sys
 * ("net/ipv6/conf/eth0.5/forwarding") or dotted ("net.ipv6.conf.all.forwarding");
 * a dotted key cannot name an interface with a dot in its name. */
int net_ns_sysctl_set(const struct net_ns *ns, const char *key, const char *value);
/* Reads the value without its trailing newline into buf. */
int net_ns_sysctl_get(const struct net_ns *ns, const char *key, char *buf, size_t n);

#endif
