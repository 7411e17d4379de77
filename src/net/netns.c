/*
 * Network namespaces: see netns.h. Work inside a namespace happens in a
 * short-lived helper thread that setns()es into it, because a namespace
 * switch applies to one thread only and the engine runs tests in parallel
 * threads. /proc/sys/net follows the network namespace of the thread that
 * opens it, so sysctls are opened, read and written in that thread too.
 */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct ns_job {
	int nsfd; /* namespace to join, or -1 to make a new one */
	int (*fn)(void *arg);
	void *arg;
	int rc;
};

static void *ns_thread(void *p)
{
	struct ns_job *j = p;

	if (j->nsfd >= 0 ? setns(j->nsfd, CLONE_NEWNET) : unshare(CLONE_NEWNET)) {
		j->rc = -errno;
		return NULL;
	}
	j->rc = j->fn(j->arg);
	return NULL;
}

static int ns_job_run(struct ns_job *j)
{
	sigset_t all, old;
	pthread_t t;
	int rc;

	/* The helper inherits a full signal mask, so signals meant for the
	 * process keep landing on the caller's threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t, NULL, ns_thread, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	pthread_join(t, NULL);
	return j->rc;
}

int net_ns_run(const struct net_ns *ns, int (*fn)(void *arg), void *arg)
{
	struct ns_job j = { .fn = fn, .arg = arg };

	if (!ns)
		return fn(arg);
	if (ns->fd < 0)
		return -EBADF;
	j.nsfd = ns->fd;
	return ns_job_run(&j);
}

/* Names become file names under /run/netns and often interface names too:
 * keep them to a portable set. */
static int ns_check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= NET_NS_NAME_MAX || name[0] == '.')
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return -EINVAL;
	}
	return 0;
}

static int ns_path(const char *name, char *path, size_t n)
{
	int rc = ns_check_name(name);

	if (rc)
		return rc;
	snprintf(path, n, "%s/%s", NET_NS_RUN_DIR, name);
	return 0;
}

/* /run/netns is made a shared mount point, as iproute2 does, so that the
 * namespace mounts also show in mount namespaces made later (ip netns exec).
 * The mount table is process-wide, hence the process-wide guard. */
static pthread_mutex_t run_dir_lock = PTHREAD_MUTEX_INITIALIZER;
static int run_dir_ready;

static int ns_run_dir_ready(void)
{
	int rc = 0, bound = 0;

	pthread_mutex_lock(&run_dir_lock);
	if (run_dir_ready)
		goto out;
	if (mkdir(NET_NS_RUN_DIR, 0755) && errno != EEXIST) {
		rc = -errno;
		goto out;
	}
	while (mount("", NET_NS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL)) {
		/* EINVAL: not a mount point yet; make it one by binding it
		 * onto itself, once. */
		if (errno != EINVAL || bound) {
			rc = -errno;
			goto out;
		}
		if (mount(NET_NS_RUN_DIR, NET_NS_RUN_DIR, "none", MS_BIND | MS_REC, NULL)) {
			rc = -errno;
			goto out;
		}
		bound = 1;
	}
	run_dir_ready = 1;
out:
	pthread_mutex_unlock(&run_dir_lock);
	return rc;
}

static int ns_bind_self(void *arg)
{
	const char *path = arg;

	/* /proc/self would name the thread group leader's namespace. */
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL))
		return -errno;
	return 0;
}

int net_ns_create(const char *name, struct net_ns *ns)
{
	char path[sizeof(NET_NS_RUN_DIR) + NET_NS_NAME_MAX + 1];
	struct ns_job j = { .nsfd = -1, .fn = ns_bind_self, .arg = path };
	int fd, rc;

	ns->fd = -1;
	rc = ns_path(name, path, sizeof(path));
	if (rc)
		return rc;
	rc = ns_run_dir_ready();
	if (rc)
		return rc;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	rc = ns_job_run(&j);
	if (rc) {
		unlink(path);
		return rc;
	}
	rc = net_ns_open(name, ns);
	if (rc)
		net_ns_delete(name);
	return rc;
}

int net_ns_open(const char *name, struct net_ns *ns)
{
	char path[sizeof(NET_NS_RUN_DIR) + NET_NS_NAME_MAX + 1];
	int fd, rc;

	ns->fd = -1;
	rc = ns_path(name, path, sizeof(path));
	if (rc)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A plain file left by an interrupted create is not a namespace. */
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		return -ENOENT;
	}
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->fd = fd;
	return 0;
}

void net_ns_close(struct net_ns *ns)
{
	if (ns->fd >= 0)
		close(ns->fd);
	ns->fd = -1;
}

int net_ns_delete(const char *name)
{
	char path[sizeof(NET_NS_RUN_DIR) + NET_NS_NAME_MAX + 1];
	int rc;

	rc = ns_path(name, path, sizeof(path));
	if (rc)
		return rc;
	/* EINVAL: not mounted (an interrupted create); the file still goes. */
	umount2(path, MNT_DETACH);
	if (unlink(path))
		return -errno;
	return 0;
}

int net_ns_destroy(struct net_ns *ns)
{
	net_ns_close(ns);
	return net_ns_delete(ns->name);
}

struct ns_open_args {
	const char *path;
	int domain, type, proto, flags;
};

static int ns_do_socket(void *arg)
{
	const struct ns_open_args *a = arg;
	int fd = socket(a->domain, a->type | SOCK_CLOEXEC, a->proto);

	return fd < 0 ? -errno : fd;
}

int net_ns_socket(const struct net_ns *ns, int domain, int type, int proto)
{
	struct ns_open_args a = { .domain = domain, .type = type, .proto = proto };

	return net_ns_run(ns, ns_do_socket, &a);
}

static int ns_do_open(void *arg)
{
	const struct ns_open_args *a = arg;
	int fd = open(a->path, a->flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int net_ns_open_file(const struct net_ns *ns, const char *path, int flags)
{
	struct ns_open_args a = { .path = path, .flags = flags };

	return net_ns_run(ns, ns_do_open, &a);
}

/* Turns a sysctl key into a path under /proc/sys. */
static int sysctl_path(const char *key, char *path, size_t n)
{
	size_t k = strlen("/proc/sys/"), len = strlen(key);
	int dotted = !strchr(key, '/');

	if (len == 0 || key[0] == '/' || key[0] == '.' || strstr(key, ".."))
		return -EINVAL;
	if (k + len + 1 > n)
		return -ENAMETOOLONG;
	memcpy(path, "/proc/sys/", k);
	for (size_t i = 0; i <= len; i++)
		path[k + i] = dotted && key[i] == '.' ? '/' : key[i];
	return 0;
}

struct sysctl_args {
	const char *path;
	const char *value;
	char *buf;
	size_t n;
};

static int sysctl_do_set(void *arg)
{
	const struct sysctl_args *a = arg;
	size_t len = strlen(a->value);
	ssize_t w;
	int fd, rc = 0;

	fd = open(a->path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, a->value, len);
	if (w < 0)
		rc = -errno;
	else if ((size_t)w != len)
		rc = -EIO;
	close(fd);
	return rc;
}

static int sysctl_do_get(void *arg)
{
	const struct sysctl_args *a = arg;
	char extra;
	ssize_t r;
	int fd, rc = 0;

	fd = open(a->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, a->buf, a->n - 1);
	if (r < 0) {
		rc = -errno;
		goto out;
	}
	a->buf[r] = '\0';
	if ((size_t)r == a->n - 1 && read(fd, &extra, 1) > 0) {
		rc = -ENOBUFS;
		goto out;
	}
	while (r > 0 && a->buf[r - 1] == '\n')
		a->buf[--r] = '\0';
out:
	close(fd);
	return rc;
}

int net_ns_sysctl_set(const struct net_ns *ns, const char *key, const char *value)
{
	char path[256];
	struct sysctl_args a = { .path = path, .value = value };
	int rc = sysctl_path(key, path, sizeof(path));

	return rc ? rc : net_ns_run(ns, sysctl_do_set, &a);
}

int net_ns_sysctl_get(const struct net_ns *ns, const char *key, char *buf, size_t n)
{
	char path[256];
	struct sysctl_args a = { .path = path, .buf = buf, .n = n };
	int rc;

	if (n < 2)
		return -ENOBUFS;
	buf[0] = '\0';
	rc = sysctl_path(key, path, sizeof(path));
	return rc ? rc : net_ns_run(ns, sysctl_do_get, &a);
}
