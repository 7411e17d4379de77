/*
 * Test topologies and the leftover sweep: see topo.h. The name counter and
 * the safety net's prefix are process-wide on purpose: names must not
 * collide between threads, and exit handlers and signal handlers have no
 * context to carry them. The signal handler uses only async-signal-safe
 * system calls (getdents64, umount2, unlinkat) on names prepared beforehand.
 */
#include "topo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "link.h"
#include "rtnl.h"

static atomic_uint name_counter;

static int b36(unsigned long v, char *out, size_t n)
{
	char tmp[16];
	size_t k = 0;

	do {
		unsigned d = (unsigned)(v % 36);

		tmp[k++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= 36;
	} while (v && k < sizeof(tmp));
	if (k + 1 > n)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < k; i++)
		out[i] = tmp[k - 1 - i];
	out[k] = '\0';
	return (int)k;
}

static int prefix_ok(const char *prefix)
{
	size_t n = prefix ? strlen(prefix) : 0;

	if (n == 0 || n > NET_TOPO_PREFIX_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((prefix[i] >= 'a' && prefix[i] <= 'z') ||
		      (prefix[i] >= '0' && prefix[i] <= '9') || prefix[i] == '-'))
			return 0;
	return 1;
}

/* "prefix" + pid in base 36 + "-": what every name of this process starts with. */
static int own_stem(const char *prefix, pid_t pid, char *out, size_t n)
{
	char p36[16];

	if (b36((unsigned long)pid, p36, sizeof(p36)) < 0)
		return -ENAMETOOLONG;
	if ((size_t)snprintf(out, n, "%s%s-", prefix, p36) >= n)
		return -ENAMETOOLONG;
	return 0;
}

int net_topo_name(const char *prefix, const char *role, char *out, size_t n)
{
	char stem[IFNAMSIZ + 8], c36[16];
	size_t ls, lc, k;

	if (!prefix_ok(prefix) || n < IFNAMSIZ)
		return -EINVAL;
	if (own_stem(prefix, getpid(), stem, sizeof(stem)))
		return -ENAMETOOLONG;
	b36(atomic_fetch_add(&name_counter, 1), c36, sizeof(c36));
	ls = strlen(stem);
	lc = strlen(c36);
	if (ls + lc > IFNAMSIZ - 1)
		return -ENAMETOOLONG;
	memcpy(out, stem, ls);
	memcpy(out + ls, c36, lc);
	k = ls + lc;
	/* The unique part always fits; the role is cut to what is left. */
	if (role && role[0] && k + 1 < IFNAMSIZ - 1) {
		size_t lr = strnlen(role, IFNAMSIZ - 2 - k);

		out[k++] = '-';
		memcpy(out + k, role, lr);
		k += lr;
	}
	out[k] = '\0';
	return 0;
}

int net_topo_init(struct net_topo *t, const char *prefix)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < NET_TOPO_MAX_NS; i++)
		t->ns[i].fd = -1;
	if (!prefix_ok(prefix))
		return -EINVAL;
	snprintf(t->prefix, sizeof(t->prefix), "%s", prefix);
	return 0;
}

int net_topo_add_ns(struct net_topo *t, const char *role, struct net_ns **out)
{
	struct net_rtnl *nl;
	struct net_ns *ns;
	char name[IFNAMSIZ];
	int rc;

	if (t->nns == NET_TOPO_MAX_NS)
		return -ENOSPC;
	rc = net_topo_name(t->prefix, role, name, sizeof(name));
	if (rc)
		return rc;
	ns = &t->ns[t->nns];
	rc = net_ns_create(name, ns);
	if (rc)
		return rc;
	t->nns++;
	rc = net_rtnl_open(ns, &nl);
	if (rc)
		return rc;
	rc = net_link_set_up(nl, 1, true); /* lo is always ifindex 1 */
	net_rtnl_close(nl);
	if (rc)
		return rc;
	if (out)
		*out = ns;
	return 0;
}

int net_topo_track_link(struct net_topo *t, const struct net_ns *ns, const char *name)
{
	struct net_topo_link *l;

	if (t->nlinks == NET_TOPO_MAX_LINKS)
		return -ENOSPC;
	if (!name || !name[0] || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	l = &t->link[t->nlinks++];
	l->ns = ns;
	snprintf(l->name, sizeof(l->name), "%s", name);
	return 0;
}

int net_topo_add_veth(struct net_topo *t, const struct net_ns *a, const char *name_a,
		      const struct net_ns *b, const char *name_b)
{
	struct net_ns self = { .fd = -1 };
	struct net_rtnl *nl;
	int rc;

	if (t->nlinks == NET_TOPO_MAX_LINKS)
		return -ENOSPC;
	/* To the handle in a, "no namespace" would mean a's own. */
	if (!b && a) {
		self.fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self.fd < 0)
			return -errno;
		b = &self;
	}
	rc = net_rtnl_open(a, &nl);
	if (!rc) {
		rc = net_link_add_veth(nl, name_a, name_b, b);
		net_rtnl_close(nl);
	}
	if (self.fd >= 0)
		close(self.fd);
	if (rc)
		return rc;
	return net_topo_track_link(t, a, name_a);
}

static int link_remove(const struct net_ns *ns, const char *name)
{
	struct net_rtnl *nl;
	int rc, ifindex;

	rc = net_rtnl_open(ns, &nl);
	if (rc)
		return rc;
	ifindex = net_link_ifindex(nl, name);
	rc = ifindex < 0 ? ifindex : net_link_del(nl, ifindex);
	net_rtnl_close(nl);
	return rc;
}

int net_topo_destroy(struct net_topo *t)
{
	int first = 0, rc;

	while (t->nlinks > 0) {
		struct net_topo_link *l = &t->link[--t->nlinks];

		/* Gone already: the other end of a veth pair, or its namespace. */
		rc = link_remove(l->ns, l->name);
		if (rc && rc != -ENODEV && rc != -EBADF && !first)
			first = rc;
	}
	while (t->nns > 0) {
		struct net_ns *ns = &t->ns[--t->nns];

		rc = net_ns_destroy(ns);
		if (rc && rc != -ENOENT && !first)
			first = rc;
	}
	return first;
}

/* The pid a name of ours carries after the prefix, or -1. */
static pid_t name_pid(const char *prefix, const char *name)
{
	size_t k = strlen(prefix);
	unsigned long pid = 0;
	const char *p;

	if (strncmp(name, prefix, k))
		return -1;
	for (p = name + k; *p && *p != '-'; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'z' ? *p - 'a' + 10 : -1;

		if (d < 0 || pid > 0x7fffffffUL / 36)
			return -1;
		pid = pid * 36 + (unsigned long)d;
	}
	if (*p != '-' || p == name + k || pid == 0)
		return -1;
	return (pid_t)pid;
}

static int pid_gone(pid_t pid)
{
	return kill(pid, 0) && errno == ESRCH;
}

/* Removes links in the calling thread's namespace of dead pids, or (own != 0)
 * of that pid; returns how many went. */
static int sweep_links(const char *prefix, pid_t own)
{
	struct net_link *v;
	struct net_rtnl *nl;
	size_t n;
	int gone = 0;

	if (net_rtnl_open(NULL, &nl))
		return 0;
	if (!net_link_list(nl, &v, &n)) {
		for (size_t i = 0; i < n; i++) {
			pid_t pid = name_pid(prefix, v[i].name);

			if (pid > 0 && (own ? pid == own : pid_gone(pid)) &&
			    !net_link_del(nl, v[i].ifindex))
				gone++;
		}
		free(v);
	}
	net_rtnl_close(nl);
	return gone;
}

/* Removes namespaces of dead pids, or (own != 0) of that pid. */
static int sweep_ns(const char *prefix, pid_t own)
{
	DIR *d = opendir(NET_NS_RUN_DIR);
	struct dirent *e;
	int gone = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		pid_t pid = name_pid(prefix, e->d_name);

		if (pid > 0 && (own ? pid == own : pid_gone(pid)) && !net_ns_delete(e->d_name))
			gone++;
	}
	closedir(d);
	return gone;
}

int net_topo_sweep(const char *prefix)
{
	if (!prefix_ok(prefix))
		return -EINVAL;
	return sweep_ns(prefix, 0) + sweep_links(prefix, 0);
}

/* The safety net's state: set once, read by the exit and signal handlers. */
static pthread_mutex_t net_lock = PTHREAD_MUTEX_INITIALIZER;
static char net_prefix[NET_TOPO_PREFIX_MAX + 1];
static char net_stem[64];	/* prefix + own pid + "-" */
static volatile pid_t net_owner; /* a forked child must not clean its parent's */

static const int net_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static void safety_exit(void)
{
	if (getpid() != net_owner)
		return;
	sweep_ns(net_prefix, net_owner);
	sweep_links(net_prefix, net_owner);
}

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void safety_signal(int sig)
{
	_Alignas(struct linux_dirent64) char buf[4096];
	char path[sizeof(NET_NS_RUN_DIR) + 256];
	size_t stem = strlen(net_stem), dir = strlen(NET_NS_RUN_DIR);
	int saved = errno;
	long n;
	int fd;

	if (getpid() != net_owner)
		goto out;
	fd = open(NET_NS_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		goto out;
	/* One pass; an entry skipped by the reading order is left to the
	 * next run's sweep. */
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + off);
			size_t len = strlen(e->d_name);

			off += e->d_reclen;
			if (len < stem || strncmp(e->d_name, net_stem, stem) ||
			    dir + 1 + len >= sizeof(path))
				continue;
			memcpy(path, NET_NS_RUN_DIR, dir);
			path[dir] = '/';
			memcpy(path + dir + 1, e->d_name, len + 1);
			umount2(path, MNT_DETACH);
			unlink(path);
		}
	}
	close(fd);
out:
	errno = saved;
	signal(sig, SIG_DFL);
	raise(sig);
}

int net_topo_safety_net(const char *prefix)
{
	int rc = 0;

	if (!prefix_ok(prefix))
		return -EINVAL;
	pthread_mutex_lock(&net_lock);
	if (net_owner == getpid()) {
		rc = strcmp(net_prefix, prefix) ? -EBUSY : 0;
		goto out;
	}
	snprintf(net_prefix, sizeof(net_prefix), "%s", prefix);
	rc = own_stem(prefix, getpid(), net_stem, sizeof(net_stem));
	if (rc)
		goto out;
	if (!net_owner && atexit(safety_exit)) {
		rc = -ENOMEM;
		goto out;
	}
	net_owner = getpid();
	for (size_t i = 0; i < sizeof(net_signals) / sizeof(net_signals[0]); i++) {
		struct sigaction old, sa = { .sa_handler = safety_signal };

		/* A handler the program installed itself is left alone. */
		sigemptyset(&sa.sa_mask);
		if (!sigaction(net_signals[i], NULL, &old) && old.sa_handler == SIG_DFL)
			sigaction(net_signals[i], &sa, NULL);
	}
out:
	pthread_mutex_unlock(&net_lock);
	if (!rc)
		net_topo_sweep(prefix);
	return rc;
}
