/*
 * The qemu NUT driver: a Linux kernel (--kernel, --modules) booted in a
 * fresh QEMU VM per test, under TCG, from an initramfs v6lab builds and
 * caches (qemu_image.c). Link i is a TAP device "tn<i>" in a tester
 * namespace with IPv6 disabled; QEMU gets its descriptor, so what the VM's
 * NIC i sends arrives on tn<i>, where the tester's AF_PACKET socket reads,
 * and what the tester sends there goes to the VM. The NIC has the NUT MAC
 * and is named link<i> inside the VM, so scripts that name
 * net.ipv6.conf.link0.* work as with the netns driver. NUT actions go to the
 * agent (qemu_agent.c) on the VM's second serial port, as plain commands
 * whose answers are parsed here; the first serial port is the kernel console,
 * kept as console.log in the test's folder.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "link.h"
#include "linkio.h"
#include "netns.h"
#include "nodes.h"
#include "nut.h"
#include "qemu_image.h"
#include "rtnl.h"
#include "script.h"

#define QEMU_BIN "qemu-system-x86_64"
#define QBOOT "/usr/share/qemu/qboot.rom"
#define BOOT_TIMEOUT_MS 120000u /* TCG on a loaded machine is slow */
#define CALL_TIMEOUT_MS 20000u
#define ADDR_CACHE_MS 150u /* NUT.ll and NUT.global are asked per frame an expect scans */
#define MAX_ADDRS 64
/* Busybox ping takes its Echo identifier from its pid: 65536 + id. */
#define PID_BASE 65536
#define DEFAULT_PING_ID 0x7601
#define UDP_MIN 24 /* busybox traceroute6 sends 72..32768-byte packets */
#define UDP_MAX 32720

struct qaddr {
	uint8_t a[16];
	char dev[IFNAMSIZ];
	unsigned plen, scope, flags;
};

struct qemu_priv {
	struct net_ns tn;
	bool have_tn;
	int tap[NUT_MAX_LINKS];
	uint8_t mac[NUT_MAX_LINKS][6];
	pid_t qemu;
	int ag; /* the agent's serial port, through a socket QEMU holds the other end of */
	char in[16384];
	size_t inlen;
	unsigned seq;
	struct qemu_image img;
	uint64_t t_start;
	struct qaddr addrs[MAX_ADDRS];
	int naddrs;
	uint64_t addrs_at; /* when addrs was read; 0: stale */
};

static void say(struct nut *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct nut *n, const char *fmt, ...)
{
	va_list ap;

	if (!n->cfg->log)
		return;
	va_start(ap, fmt);
	vfprintf(n->cfg->log, fmt, ap);
	va_end(ap);
	fputc('\n', n->cfg->log);
	fflush(n->cfg->log);
}

static double since(const struct qemu_priv *p)
{
	return (double)(cf_now_ms() - p->t_start) / 1000.0;
}

static int link_of(struct nut *n, const char *arg)
{
	char *end;
	long l;

	if (strncmp(arg, "link", 4))
		return -1;
	l = strtol(arg + 4, &end, 10);
	if (*end || l < 0 || l >= n->nlinks)
		return -1;
	return (int)l;
}

static const char *opt(int argc, char **argv, int from, const char *key)
{
	size_t k = strlen(key);

	for (int i = from; i < argc; i++)
		if (!strncmp(argv[i], key, k) && argv[i][k] == '=')
			return argv[i] + k + 1;
	return NULL;
}

static bool flag(int argc, char **argv, int from, const char *word)
{
	for (int i = from; i < argc; i++)
		if (!strcmp(argv[i], word))
			return true;
	return false;
}

static bool vm_gone(struct qemu_priv *p)
{
	int st;

	if (p->qemu <= 0)
		return true;
	if (waitpid(p->qemu, &st, WNOHANG) == p->qemu) {
		p->qemu = 0;
		return true;
	}
	return false;
}

/* ---- the agent channel ---- */

/* The next line from the agent, waiting until deadline. With idle the
 * tester keeps reading its links meanwhile; without (the addr op, called
 * while an expect scans frames) only the agent is waited for. */
static int next_line(struct nut *n, bool idle, uint64_t deadline, char *line, size_t len)
{
	struct qemu_priv *p = n->priv;

	for (;;) {
		char *nl = memchr(p->in, '\n', p->inlen);
		struct pollfd pf = { .fd = p->ag, .events = POLLIN };
		uint64_t now;
		int r;

		if (nl) {
			size_t l = (size_t)(nl - p->in), c = l < len - 1 ? l : len - 1;

			memcpy(line, p->in, c);
			line[c] = 0;
			if (c && line[c - 1] == '\r')
				line[c - 1] = 0;
			memmove(p->in, nl + 1, p->inlen - l - 1);
			p->inlen -= l + 1;
			return 0;
		}
		if (p->inlen == sizeof(p->in))
			p->inlen = 0; /* a line longer than the buffer: noise */
		now = cf_now_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&pf, 1, idle ? 0 : (int)(deadline - now < 100 ? deadline - now : 100));
		if (r > 0) {
			ssize_t k = read(p->ag, p->in + p->inlen, sizeof(p->in) - p->inlen);

			if (k == 0)
				return -EPIPE;
			if (k < 0 && errno != EINTR && errno != EAGAIN)
				return -errno;
			if (k > 0)
				p->inlen += (size_t)k;
			continue;
		}
		if (vm_gone(p))
			return -EPIPE;
		if (idle)
			nut_idle(n, 2);
	}
}

/* Sends one command and collects the answer: data lines (joined by '\n')
 * into data, the text after "ok" into res. 0 on "ok"; -EIO on "err" with
 * the agent's message in err; -ETIMEDOUT; -EPIPE when the VM is gone. */
static int agent_call(struct nut *n, bool idle, unsigned timeout_ms, char *data, size_t datalen,
		      char *res, size_t reslen, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 10, 11)));
static int agent_call(struct nut *n, bool idle, unsigned timeout_ms, char *data, size_t datalen,
		      char *res, size_t reslen, char *err, size_t errlen, const char *fmt, ...)
{
	struct qemu_priv *p = n->priv;
	char cmd[1024], line[4096];
	const char *what;
	size_t dl = 0, off = 0;
	unsigned seq = ++p->seq;
	uint64_t deadline;
	bool quiet;
	va_list ap;
	int len, rc;

	if (data && datalen)
		data[0] = 0;
	if (res && reslen)
		res[0] = 0;
	len = snprintf(cmd, sizeof(cmd), "%u ", seq);
	va_start(ap, fmt);
	len += vsnprintf(cmd + len, sizeof(cmd) - (size_t)len, fmt, ap);
	va_end(ap);
	if (len >= (int)sizeof(cmd) - 1 || strchr(cmd, '\n')) {
		snprintf(err, errlen, "agent command too long or with a line break");
		return -EINVAL;
	}
	what = cmd + strcspn(cmd, " ") + 1;
	quiet = !strcmp(what, "addrs");
	if (!quiet)
		say(n, "%7.3f agent< %s", since(p), cmd);
	cmd[len++] = '\n';
	while (off < (size_t)len) {
		ssize_t w = write(p->ag, cmd + off, (size_t)len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "the VM is gone (see console.log)");
			return -EPIPE;
		}
		off += (size_t)w;
	}
	cmd[--len] = 0;
	deadline = cf_now_ms() + timeout_ms;
	for (;;) {
		char *end;
		unsigned long got;

		rc = next_line(n, idle, deadline, line, sizeof(line));
		if (rc == -ETIMEDOUT) {
			snprintf(err, errlen, "the agent did not answer '%.100s' within %us (see console.log)",
				 what, timeout_ms / 1000);
			return rc;
		}
		if (rc) {
			snprintf(err, errlen, "the VM is gone (see console.log)");
			return rc;
		}
		got = strtoul(line, &end, 10);
		if (end == line || got != seq) {
			/* A late answer to a command that timed out, or noise. */
			say(n, "%7.3f agent> (ignored) %s", since(p), line);
			continue;
		}
		if (*end == '|') {
			size_t l = strlen(end + 1);

			if (!quiet)
				say(n, "%7.3f agent> |%s", since(p), end + 1);

			if (data && dl + l + 2 < datalen) {
				memcpy(data + dl, end + 1, l);
				dl += l;
				data[dl++] = '\n';
				data[dl] = 0;
			}
			continue;
		}
		if (!strncmp(end, " ok", 3) && (end[3] == 0 || end[3] == ' ')) {
			if (res)
				snprintf(res, reslen, "%s", end[3] ? end + 4 : "");
			if (!quiet || cf_now_ms() + timeout_ms - deadline > 1000)
				say(n, "%7.3f agent> ok %s%s", since(p), quiet ? "(slow) " : "", end[3] ? end + 4 : "");
			return 0;
		}
		if (!strncmp(end, " err", 4)) {
			/* The command's own output says more than its status. */
			if (data && dl)
				snprintf(err, errlen, "%s (%.*s)", end[4] ? end + 5 : "failed",
					 (int)(dl - 1), data);
			else
				snprintf(err, errlen, "%s", end[4] ? end + 5 : "failed");
			say(n, "%7.3f agent> err %s", since(p), err);
			return -EIO;
		}
		say(n, "%7.3f agent> (bad) %s", since(p), line);
	}
}

/* ---- addresses ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The NUT's IPv6 addresses from /proc/net/if_inet6: "HEX32 IFINDEX PLEN
 * SCOPE FLAGS NAME", numbers in hex, flags the low byte of IFA_F_*. */
static int load_addrs(struct nut *n, bool idle, char *err, size_t errlen)
{
	struct qemu_priv *p = n->priv;
	char data[8192], *save = NULL;
	int rc;

	if (p->addrs_at && cf_now_ms() - p->addrs_at < ADDR_CACHE_MS)
		return 0;
	rc = agent_call(n, idle, CALL_TIMEOUT_MS, data, sizeof(data), NULL, 0, err, errlen, "addrs");
	if (rc)
		return rc;
	p->naddrs = 0;
	for (char *l = strtok_r(data, "\n", &save); l && p->naddrs < MAX_ADDRS; l = strtok_r(NULL, "\n", &save)) {
		char hex[40], dev[IFNAMSIZ + 8];
		unsigned idx, plen, scope, flags;
		struct qaddr *a = &p->addrs[p->naddrs];
		bool ok = true;

		if (sscanf(l, "%39s %x %x %x %x %23s", hex, &idx, &plen, &scope, &flags, dev) != 6 ||
		    strlen(hex) != 32 || strlen(dev) >= IFNAMSIZ)
			continue;
		for (int i = 0; i < 16 && ok; i++) {
			int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

			ok = hi >= 0 && lo >= 0;
			a->a[i] = (uint8_t)(hi << 4 | lo);
		}
		if (!ok)
			continue;
		snprintf(a->dev, sizeof(a->dev), "%s", dev);
		a->plen = plen;
		a->scope = scope;
		a->flags = flags;
		p->naddrs++;
	}
	p->addrs_at = cf_now_ms() | 1;
	return 0;
}

/* The best address of a kind on a link, scored as the netns driver does:
 * non-tentative first; in the link prefix first for globals. */
static int find_addr(struct nut *n, int link, const char *attr, uint8_t out[16], bool allow_tentative)
{
	struct qemu_priv *p = n->priv;
	char dev[IFNAMSIZ];
	int best = -1, best_score = -1;
	uint8_t pfx[16];
	bool ll = !strcmp(attr, "ll");

	snprintf(dev, sizeof(dev), "link%d", link);
	cf_link_prefix(link, pfx);
	for (int i = 0; i < p->naddrs; i++) {
		const uint8_t *a = p->addrs[i].a;
		bool is_ll = a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
		int score = 0;

		if (strcmp(p->addrs[i].dev, dev) || ll != is_ll || (p->addrs[i].flags & IFA_F_DADFAILED))
			continue;
		if (!ll && a[0] == 0xff)
			continue;
		if (p->addrs[i].flags & IFA_F_TENTATIVE) {
			if (!allow_tentative)
				continue;
		} else {
			score += 2;
		}
		if (!ll && !memcmp(a, pfx, 8))
			score += 4;
		if (!(p->addrs[i].flags & IFA_F_DEPRECATED))
			score += 1;
		if (score > best_score) {
			best = i;
			best_score = score;
		}
	}
	if (best < 0)
		return -ENOENT;
	memcpy(out, p->addrs[best].a, 16);
	return 0;
}

static int qemu_addr(struct nut *n, int link, const char *attr, uint8_t out[16])
{
	char err[256];

	if (link < 0 || link >= n->nlinks || !n->priv)
		return -EINVAL;
	if (load_addrs(n, false, err, sizeof(err)))
		return -EIO;
	return find_addr(n, link, attr, out, false);
}

static void addr_state(struct nut *n, int link, const struct net_ip *ip, char *out, size_t outlen)
{
	struct qemu_priv *p = n->priv;
	char dev[IFNAMSIZ];

	snprintf(dev, sizeof(dev), "link%d", link);
	snprintf(out, outlen, "NONE");
	for (int i = 0; i < p->naddrs; i++) {
		unsigned f = p->addrs[i].flags;

		if (strcmp(p->addrs[i].dev, dev) || memcmp(p->addrs[i].a, ip->a, 16))
			continue;
		snprintf(out, outlen, "%s", (f & IFA_F_DADFAILED) ? "DADFAILED"
					    : (f & IFA_F_TENTATIVE) ? "TENTATIVE"
					    : (f & IFA_F_DEPRECATED) ? "DEPRECATED"
								       : "PREFERRED");
	}
}

/* ---- setup and teardown ---- */

static void nut_mac(const struct nut_config *cfg, int i, uint8_t mac[6])
{
	if (cfg->have_nut_mac[i]) {
		memcpy(mac, cfg->nut_mac[i], 6);
	} else {
		const uint8_t d[6] = { 0x02, 0x00, 0x00, 0x00, (uint8_t)i, 0x01 };

		memcpy(mac, d, 6);
	}
}

/* Starts QEMU with the agent socket as fd 3 and the TAPs from fd 4 on. */
static int start_qemu(struct nut *n, int agent_fd, char *err, size_t errlen)
{
	struct qemu_priv *p = n->priv;
	const char *dir = n->cfg->outdir ? n->cfg->outdir : ".";
	char *argv[64 + 4 * NUT_MAX_LINKS], console[QEMU_PATH_MAX + 16], qlog[QEMU_PATH_MAX + 16];
	char netdev[NUT_MAX_LINKS][64], device[NUT_MAX_LINKS][128];
	int a = 0;
	pid_t pid, parent;

	snprintf(console, sizeof(console), "file:%s/console.log", dir);
	snprintf(qlog, sizeof(qlog), "%s/qemu.log", dir);
	argv[a++] = QEMU_BIN;
	argv[a++] = "-accel";
	argv[a++] = "tcg";
	if (!access(QBOOT, R_OK)) {
		/* qboot reaches the kernel about a second sooner than SeaBIOS. */
		argv[a++] = "-bios";
		argv[a++] = QBOOT;
	}
	argv[a++] = "-m";
	argv[a++] = "256M";
	argv[a++] = "-smp";
	argv[a++] = "1";
	argv[a++] = "-nodefaults";
	argv[a++] = "-no-user-config";
	argv[a++] = "-nographic";
	argv[a++] = "-no-reboot";
	argv[a++] = "-monitor";
	argv[a++] = "none";
	argv[a++] = "-kernel";
	argv[a++] = p->img.kernel;
	argv[a++] = "-initrd";
	argv[a++] = p->img.initrd;
	argv[a++] = "-append";
	argv[a++] = n->cfg->boot_messages ? "console=ttyS0 panic=-1" : "console=ttyS0 quiet panic=-1";
	argv[a++] = "-serial";
	argv[a++] = console;
	argv[a++] = "-chardev";
	argv[a++] = "socket,id=agent,fd=3";
	argv[a++] = "-serial";
	argv[a++] = "chardev:agent";
	for (int i = 0; i < n->nlinks; i++) {
		snprintf(netdev[i], sizeof(netdev[i]), "tap,id=n%d,fd=%d", i, 4 + i);
		/* romfile= : no iPXE ROM to load, the kernel is given. */
		snprintf(device[i], sizeof(device[i]),
			 "virtio-net-pci,netdev=n%d,mac=%02x:%02x:%02x:%02x:%02x:%02x,romfile=", i,
			 p->mac[i][0], p->mac[i][1], p->mac[i][2], p->mac[i][3], p->mac[i][4], p->mac[i][5]);
		argv[a++] = "-netdev";
		argv[a++] = netdev[i];
		argv[a++] = "-device";
		argv[a++] = device[i];
	}
	argv[a] = NULL;
	{
		char line[2048];
		size_t w = 0;

		for (int i = 0; i < a; i++)
			w += (size_t)snprintf(line + w, w < sizeof(line) ? sizeof(line) - w : 0, "%s%s",
					      i ? " " : "", argv[i]);
		say(n, "qemu: %s", line);
	}
	fflush(NULL);
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		int fds[1 + NUT_MAX_LINKS], nf = 1 + n->nlinks, null, out;

		/* The VM goes with the test process, however that ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		/* Move the descriptors out of the way first, then into place. */
		fds[0] = fcntl(agent_fd, F_DUPFD_CLOEXEC, 64);
		for (int i = 0; i < n->nlinks; i++)
			fds[1 + i] = fcntl(p->tap[i], F_DUPFD_CLOEXEC, 64);
		for (int i = 0; i < nf; i++)
			if (fds[i] < 0 || dup2(fds[i], 3 + i) < 0)
				_exit(126);
		/* Nothing else of the tester's (logs, sockets) goes to QEMU. */
		close_range(3 + (unsigned)nf, ~0u, 0);
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		out = open(qlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		dup2(null, 0);
		dup2(out >= 0 ? out : null, 1);
		dup2(out >= 0 ? out : null, 2);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	p->qemu = pid;
	return 0;
}

static int qemu_setup(struct nut *n, int nlinks, char *err, size_t errlen)
{
	const struct nut_config *cfg = n->cfg;
	struct qemu_priv *p = calloc(1, sizeof(*p));
	struct net_rtnl *tnl = NULL;
	char name[NET_NS_NAME_MAX];
	int sv[2] = { -1, -1 }, rc;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n->priv = p;
	n->nlinks = nlinks;
	p->ag = -1;
	p->t_start = cf_now_ms();
	for (int i = 0; i < NUT_MAX_LINKS; i++)
		p->tap[i] = -1;
	rc = qemu_image_prepare(cfg->kernel, cfg->modules, NULL, cfg->log, &p->img, err, errlen);
	if (rc)
		return rc;
	say(n, "qemu: kernel %s (%s), initramfs %s%s, modules:", p->img.kernel, p->img.version,
	    p->img.initrd, p->img.built ? " (built now)" : "");
	for (int i = 0; i < p->img.nmods; i++)
		say(n, "qemu:   %s", p->img.mods[i]);
	snprintf(name, sizeof(name), "%st", cfg->tag);
	rc = net_ns_create(name, &p->tn);
	if (rc) {
		snprintf(err, errlen, "cannot create namespace %s: %s", name, strerror(-rc));
		return rc;
	}
	p->have_tn = true;
	/* The tester's kernel must stay silent on the links. */
	net_ns_sysctl_set(&p->tn, "net.ipv6.conf.all.disable_ipv6", "1");
	net_ns_sysctl_set(&p->tn, "net.ipv6.conf.default.disable_ipv6", "1");
	rc = net_rtnl_open(&p->tn, &tnl);
	if (rc) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(-rc));
		goto out;
	}
	for (int i = 0; i < nlinks; i++) {
		char tn[IFNAMSIZ];
		int ti;

		snprintf(tn, sizeof(tn), "tn%d", i);
		nut_mac(cfg, i, p->mac[i]);
		p->tap[i] = net_tun_open(&p->tn, tn, NET_TAP, false);
		if (p->tap[i] < 0) {
			rc = p->tap[i];
			snprintf(err, errlen, "TAP %s: %s", tn, strerror(-rc));
			goto out;
		}
		ti = net_link_ifindex(tnl, tn);
		rc = ti > 0 ? net_link_set_up(tnl, ti, true) : -ENODEV;
		if (rc) {
			snprintf(err, errlen, "TAP %s up: %s", tn, strerror(-rc));
			goto out;
		}
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		rc = -errno;
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		goto out;
	}
	p->ag = sv[0];
	rc = start_qemu(n, sv[1], err, errlen);
	close(sv[1]);
out:
	net_rtnl_close(tnl);
	return rc;
}

static void qemu_teardown(struct nut *n)
{
	struct qemu_priv *p = n->priv;

	if (!p)
		return;
	if (p->qemu > 0) {
		int st;

		kill(p->qemu, SIGTERM);
		for (int i = 0; i < 200; i++) {
			if (waitpid(p->qemu, &st, WNOHANG) == p->qemu) {
				p->qemu = 0;
				break;
			}
			usleep(10000);
		}
		if (p->qemu > 0) {
			kill(p->qemu, SIGKILL);
			waitpid(p->qemu, &st, 0);
		}
		say(n, "qemu: VM stopped after %.1fs", since(p));
	}
	if (p->ag >= 0)
		close(p->ag);
	for (int i = 0; i < NUT_MAX_LINKS; i++)
		if (p->tap[i] >= 0)
			close(p->tap[i]);
	if (p->have_tn && !n->cfg->keep)
		net_ns_destroy(&p->tn);
	else if (p->have_tn)
		net_ns_close(&p->tn);
	free(p);
	n->priv = NULL;
}

/* ---- ready: boot, configure, links up ---- */

/* A sysctl key as a path under /proc/sys (dotted keys become paths). */
static int sysctl_path(const char *key, char *out, size_t n)
{
	size_t len = strlen(key);
	bool dotted = !strchr(key, '/');

	if (!len || key[0] == '/' || key[0] == '.' || strstr(key, "..") || strpbrk(key, " \t\n") ||
	    len >= n)
		return -EINVAL;
	for (size_t i = 0; i <= len; i++)
		out[i] = dotted && key[i] == '.' ? '/' : key[i];
	return 0;
}

static int set_sysctl(struct nut *n, const char *key, const char *val, char *err, size_t errlen)
{
	char path[256];

	if (sysctl_path(key, path, sizeof(path)) || strchr(val, '\n')) {
		snprintf(err, errlen, "bad sysctl key '%s'", key);
		return -EINVAL;
	}
	return agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, NULL, 0, err, errlen, "w %s %s", path, val);
}

/* As the netns driver: phase 0 the namespace-wide sysctls, before the NICs
 * exist (so "default" reaches them); phase 1 those naming a link. */
static int apply_sysctls(struct nut *n, int phase, char *err, size_t errlen)
{
	for (int i = 0; i < n->cfg->nsysctls; i++) {
		char kv[256], *eq;
		bool linkwide;
		int rc;

		snprintf(kv, sizeof(kv), "%s", n->cfg->sysctls[i]);
		eq = strchr(kv, '=');
		if (!eq) {
			snprintf(err, errlen, "sysctl '%s' is not KEY=VALUE", kv);
			return -EINVAL;
		}
		*eq = 0;
		linkwide = strstr(kv, ".link") || strstr(kv, "/link");
		if (linkwide != (phase == 1))
			continue;
		rc = set_sysctl(n, kv, eq + 1, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

static int qemu_ready(struct nut *n, char *err, size_t errlen)
{
	struct qemu_priv *p = n->priv;
	const struct nut_config *cfg = n->cfg;
	unsigned ms = cfg->boot_wait_ms > 15000 ? cfg->boot_wait_ms : 15000;
	char line[512], macs[NUT_MAX_LINKS * 18 + 1] = "";
	uint64_t deadline = cf_now_ms() + BOOT_TIMEOUT_MS;
	double t_hello;
	int rc;

	for (;;) {
		rc = next_line(n, true, deadline, line, sizeof(line));
		if (rc) {
			snprintf(err, errlen, "%s", rc == -ETIMEDOUT ? "the VM did not boot within 120s (see console.log)"
							   : "the VM stopped while booting (see console.log, qemu.log)");
			return rc;
		}
		if (!strncmp(line, "v6lab-agent hello ", 18))
			break;
		say(n, "%7.3f agent> (boot) %s", since(p), line);
	}
	t_hello = since(p);
	say(n, "%7.3f qemu: the agent is up (kernel %s)", t_hello, line + 18);
	if (cfg->type == CF_NUT_ROUTER) {
		rc = set_sysctl(n, "net/ipv6/conf/all/forwarding", "1", err, errlen);
		if (!rc)
			rc = set_sysctl(n, "net/ipv6/conf/default/forwarding", "1", err, errlen);
		if (rc)
			return rc;
	}
	rc = apply_sysctls(n, 0, err, errlen);
	if (rc)
		return rc;
	for (int i = 0; i < n->nlinks; i++)
		snprintf(macs + strlen(macs), sizeof(macs) - strlen(macs), " %02x:%02x:%02x:%02x:%02x:%02x",
			 p->mac[i][0], p->mac[i][1], p->mac[i][2], p->mac[i][3], p->mac[i][4], p->mac[i][5]);
	rc = agent_call(n, true, 60000, NULL, 0, NULL, 0, err, errlen, "nics%s", macs);
	if (rc)
		return rc;
	rc = apply_sysctls(n, 1, err, errlen);
	if (rc)
		return rc;
	for (int i = 0; i < n->nlinks; i++) {
		if (cfg->type == CF_NUT_ROUTER) {
			struct net_ip ip = { .family = AF_INET6 };
			char text[INET6_ADDRSTRLEN];

			uint8_t pfx[16];

			cf_link_prefix(i, pfx);
			cf_eui64(pfx, p->mac[i], ip.a);
			net_ip_fmt(&ip, text, sizeof(text));
			rc = agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, NULL, 0, err, errlen,
					"run ip -6 addr add %s/64 dev link%d", text, i);
			if (rc)
				return rc;
		}
		rc = agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, NULL, 0, err, errlen, "run ip link set link%d up", i);
		if (rc)
			return rc;
	}
	/* Link-local DAD, and a router's global addresses. */
	deadline = cf_now_ms() + ms;
	for (;;) {
		int ready = 0;

		p->addrs_at = 0;
		rc = load_addrs(n, true, err, errlen);
		if (rc)
			return rc;
		for (int i = 0; i < n->nlinks; i++) {
			uint8_t a[16];

			if (!find_addr(n, i, "ll", a, false) &&
			    (cfg->type != CF_NUT_ROUTER || !find_addr(n, i, "global", a, false)))
				ready++;
		}
		if (ready == n->nlinks)
			break;
		if (cf_now_ms() >= deadline) {
			snprintf(err, errlen, "the NUT's %s addresses did not finish DAD within %ums",
				 cfg->type == CF_NUT_ROUTER ? "link-local or global" : "link-local", ms);
			return -ETIMEDOUT;
		}
		nut_idle(n, 50);
	}
	say(n, "%7.3f qemu: ready (boot %.1fs, configuration and DAD %.1fs)", since(p), t_hello,
	    since(p) - t_hello);
	return 0;
}

static int qemu_tn_end(struct nut *n, int link, const struct net_ns **ns, char ifname[IFNAMSIZ])
{
	struct qemu_priv *p = n->priv;

	if (link < 0 || link >= n->nlinks)
		return -EINVAL;
	*ns = &p->tn;
	snprintf(ifname, IFNAMSIZ, "tn%d", link);
	return 0;
}

/* ---- actions ---- */

static int parse_addr6(const char *text, struct net_ip *ip, char *canon, size_t n)
{
	if (net_ip_parse(text, ip) || ip->family != AF_INET6)
		return -1;
	net_ip_fmt(ip, canon, n);
	return 0;
}

static bool is_scoped(const struct net_ip *ip)
{
	return (ip->a[0] == 0xfe && (ip->a[1] & 0xc0) == 0x80) || ip->a[0] == 0xff;
}

/* The neighbor cache entry of ip on a link from busybox "ip -6 neigh show
 * dev LINK": "ADDR [lladdr MAC] [router] ... STATE". */
struct neigh_entry {
	bool found, router;
	char lladdr[32];
	char state[16];
};

static int neigh_lookup(struct nut *n, int link, const struct net_ip *ip, struct neigh_entry *e,
			char *err, size_t errlen)
{
	char data[8192], *save = NULL;
	int rc;

	memset(e, 0, sizeof(*e));
	rc = agent_call(n, true, CALL_TIMEOUT_MS, data, sizeof(data), NULL, 0, err, errlen,
			"run ip -6 neigh show dev link%d", link);
	if (rc)
		return rc;
	for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *tok[32], *s2 = NULL;
		int nt = 0;
		struct net_ip a;

		for (char *t = strtok_r(l, " \t", &s2); t && nt < 32; t = strtok_r(NULL, " \t", &s2))
			tok[nt++] = t;
		if (!nt || net_ip_parse(tok[0], &a) || !net_ip_eq(&a, ip))
			continue;
		memset(e, 0, sizeof(*e));
		e->found = true;
		snprintf(e->state, sizeof(e->state), "NONE");
		for (int i = 1; i < nt; i++) {
			if (!strcmp(tok[i], "lladdr") && i + 1 < nt)
				snprintf(e->lladdr, sizeof(e->lladdr), "%s", tok[++i]);
			else if (!strcmp(tok[i], "router"))
				e->router = true;
			else if (tok[i][0] >= 'A' && tok[i][0] <= 'Z' && strspn(tok[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
										strlen(tok[i]))
				snprintf(e->state, sizeof(e->state), "%s", tok[i]);
		}
	}
	return 0;
}

/* "valid_lft X preferred_lft Y" of ADDR in busybox "ip -6 addr show dev LINK". */
static int addr_lifetime(struct nut *n, int link, const struct net_ip *ip, bool valid, char *out,
			 size_t outlen, char *err, size_t errlen)
{
	char data[8192], *save = NULL;
	bool mine = false;
	int rc;

	rc = agent_call(n, true, CALL_TIMEOUT_MS, data, sizeof(data), NULL, 0, err, errlen,
			"run ip -6 addr show dev link%d", link);
	if (rc)
		return rc;
	snprintf(out, outlen, "NONE");
	for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char a[64], v[32], pr[32];

		if (sscanf(l, " inet6 %63s", a) == 1) {
			struct net_ip x;
			char *slash = strchr(a, '/');

			if (slash)
				*slash = 0;
			mine = !net_ip_parse(a, &x) && net_ip_eq(&x, ip);
			continue;
		}
		if (mine && sscanf(l, " valid_lft %31s preferred_lft %31s", v, pr) == 2) {
			const char *s = valid ? v : pr;

			if (!strcmp(s, "forever"))
				snprintf(out, outlen, "forever");
			else
				snprintf(out, outlen, "%lu", strtoul(s, NULL, 10));
			mine = false;
		}
	}
	return 0;
}

static int act_ping(struct nut *n, int link, int argc, char **argv, char *err, size_t errlen)
{
	const char *cnt_s = opt(argc, argv, 3, "count"), *size_s = opt(argc, argv, 3, "size"),
		   *hl_s = opt(argc, argv, 3, "hlim"), *id_s = opt(argc, argv, 3, "id");
	int count = cnt_s ? atoi(cnt_s) : 1, size = size_s ? atoi(size_s) : 8;
	long id = id_s ? strtol(id_s, NULL, 0) : DEFAULT_PING_ID;
	char dst[INET6_ADDRSTRLEN], dev[32] = "", key[64], old[32];
	struct net_ip ip;
	int rc, rc2;

	if (argc < 3 || parse_addr6(argv[2], &ip, dst, sizeof(dst))) {
		snprintf(err, errlen, "nut ping LINK DST [count=N] [size=N] [hlim=N] [id=N]");
		return -EINVAL;
	}
	if (count < 1 || count > 1000 || size < 0 || size > 65000 || id < 0 || id > 65535) {
		snprintf(err, errlen, "count must be 1..1000, size 0..65000 and id 0..65535");
		return -EINVAL;
	}
	if (is_scoped(&ip))
		snprintf(dev, sizeof(dev), " -I link%d", link);
	/* Echo Requests 10 ms apart; busybox ping waits 1 s for the last reply. */
	if (!hl_s)
		return agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, NULL, 0, err, errlen,
				  "spawn %ld ping6 -q -c %d -s %d -i 0.01 -W 1%s %s", PID_BASE + id, count, size,
				  dev, dst);
	/* busybox ping6 -t sets no IPv6 hop limit; a unicast Echo Request takes
	 * the link's, so that is set while this ping runs. */
	if (ip.a[0] == 0xff) {
		snprintf(err, errlen, "ping hlim= to a multicast address is not possible in the qemu NUT "
				      "(busybox ping6 sets no hop limit)");
		return -ENOSYS;
	}
	snprintf(key, sizeof(key), "net/ipv6/conf/link%d/hop_limit", link);
	rc = agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, old, sizeof(old), err, errlen, "r %s", key);
	if (!rc)
		rc = set_sysctl(n, key, hl_s, err, errlen);
	if (rc)
		return rc;
	rc = agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, NULL, 0, err, errlen,
			"spawn %ld ping6 -q -c %d -s %d -i 0.01 -W 1%s %s", PID_BASE + id, count, size, dev, dst);
	if (!rc)
		rc = agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, NULL, 0, err, errlen, "wait %ld",
				PID_BASE + id);
	rc2 = set_sysctl(n, key, old, err, errlen);
	return rc ? rc : rc2;
}

static int act_udp(struct nut *n, int link, int argc, char **argv, char *err, size_t errlen)
{
	const char *size_s = opt(argc, argv, 4, "size"), *sport_s = opt(argc, argv, 4, "sport");
	int size = size_s ? atoi(size_s) : UDP_MIN, port = argc >= 4 ? atoi(argv[3]) : 0;
	int sport = sport_s ? atoi(sport_s) : 0;
	char dst[INET6_ADDRSTRLEN], hl[32], dev[32] = "", key[64], how[32] = "bg";
	struct net_ip ip;
	int rc;

	if (argc < 4 || parse_addr6(argv[2], &ip, dst, sizeof(dst)) || port < 1 || port > 65535) {
		snprintf(err, errlen, "nut udp LINK DST PORT [size=N] [sport=N]");
		return -EINVAL;
	}
	/* busybox traceroute6 sends the datagram: its payload holds a sequence
	 * number and a time stamp, and its packet is at most 32768 bytes. */
	if (size < UDP_MIN || size > UDP_MAX || (sport_s && (sport < 1 || sport > 65535))) {
		snprintf(err, errlen, "udp size must be %d..%d in the qemu NUT (busybox traceroute6), "
				      "sport 1..65535", UDP_MIN, UDP_MAX);
		return -EINVAL;
	}
	if (sport)
		snprintf(how, sizeof(how), "sport %d", sport);
	/* The datagram leaves with the link's hop limit, as a socket's would. */
	snprintf(key, sizeof(key), "net/ipv6/conf/link%d/hop_limit", link);
	rc = agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, hl, sizeof(hl), err, errlen, "r %s", key);
	if (rc)
		return rc;
	if (is_scoped(&ip))
		snprintf(dev, sizeof(dev), " -i link%d", link);
	/* The first probe goes to the base port + 1, with -f .. -m the hop limit. */
	return agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, NULL, 0, err, errlen,
			  "%s traceroute6 -n -q 1 -w 1 -f %d -m %d -p %d%s %s %d", how, atoi(hl), atoi(hl),
			  port - 1, dev, dst, size + 48);
}

static int act_pmtu(struct nut *n, int link, const char *dst_s, char *out, size_t outlen, char *err,
		    size_t errlen)
{
	char data[512], dst[INET6_ADDRSTRLEN], oif[32] = "";
	struct net_ip ip;
	unsigned long mtu;
	char *end;
	int rc;

	if (parse_addr6(dst_s, &ip, dst, sizeof(dst))) {
		snprintf(err, errlen, "nut pmtu LINK DST -> $mtu");
		return -EINVAL;
	}
	/* As the netns driver: a UDP socket connected to DST (the link as the
	 * scope of a link-local or multicast destination), then IPV6_MTU, by
	 * the static helper in the image (busybox ip prints no route MTU). */
	if (is_scoped(&ip))
		snprintf(oif, sizeof(oif), " link%d", link);
	rc = agent_call(n, true, CALL_TIMEOUT_MS, data, sizeof(data), NULL, 0, err, errlen,
			"run v6lab-nut-pmtu %s%s", dst, oif);
	if (rc)
		return rc;
	if (strncmp(data, "mtu ", 4)) {
		data[strcspn(data, "\n")] = 0;
		snprintf(err, errlen, "path MTU of %s: %s", dst, data[0] ? data : "no answer");
		return -EIO;
	}
	mtu = strtoul(data + 4, &end, 10);
	if (end == data + 4 || mtu < 1280 || mtu > 65536) {
		snprintf(err, errlen, "path MTU of %s: bad answer '%.40s'", dst, data);
		return -EIO;
	}
	snprintf(out, outlen, "%lu", mtu);
	return 0;
}

static int act_inject(struct nut *n, int link, int argc, char **argv, char *err, size_t errlen)
{
	struct qemu_priv *p = n->priv;
	uint8_t frame[2048];

	/* A frame written to the TAP reaches the tester as if the VM sent it. */
	for (int i = 2; i < argc; i++) {
		const char *h = argv[i];
		size_t len;

		if (!strncmp(h, "0x", 2))
			h += 2;
		len = strlen(h) / 2;
		if (strlen(h) % 2 || len > sizeof(frame) || len < 1) {
			snprintf(err, errlen, "bad hex frame '%s'", argv[i]);
			return -EINVAL;
		}
		for (size_t k = 0; k < len; k++) {
			int hi = hexval(h[2 * k]), lo = hexval(h[2 * k + 1]);

			if (hi < 0 || lo < 0) {
				snprintf(err, errlen, "bad hex frame '%s'", argv[i]);
				return -EINVAL;
			}
			frame[k] = (uint8_t)(hi << 4 | lo);
		}
		if (write(p->tap[link], frame, len) < 0) {
			snprintf(err, errlen, "TAP write: %s", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int qemu_action_do(struct nut *n, int argc, char **argv, char *out, size_t outlen, char *err,
			  size_t errlen)
{
	struct qemu_priv *p = n->priv;
	const char *a = argv[0];
	int link = argc > 1 ? link_of(n, argv[1]) : -1;
	char key[256], text[INET6_ADDRSTRLEN];
	struct net_ip ip;
	int rc;

	if (!strcmp(a, "sysctl")) {
		char kv[256], *eq;

		if (argc != 2 || !strchr(argv[1], '=')) {
			snprintf(err, errlen, "nut sysctl KEY=VALUE");
			return -EINVAL;
		}
		snprintf(kv, sizeof(kv), "%s", argv[1]);
		eq = strchr(kv, '=');
		*eq = 0;
		return set_sysctl(n, kv, eq + 1, err, errlen);
	}
	if (!strcmp(a, "sysctl-get")) {
		if (argc != 2 || sysctl_path(argv[1], key, sizeof(key))) {
			snprintf(err, errlen, "nut sysctl-get KEY -> $var");
			return -EINVAL;
		}
		return agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, out, outlen, err, errlen, "r %s", key);
	}
	if (!strcmp(a, "conf") || !strcmp(a, "neigh-conf") || !strcmp(a, "conf-get") ||
	    !strcmp(a, "neigh-get")) {
		bool neigh = !strncmp(a, "neigh", 5), get = strstr(a, "get") != NULL;
		char kv[256], *v;

		if (link < 0 || argc != 3 || (!get && !strchr(argv[2], '=')) || strpbrk(argv[2], "/ ")) {
			snprintf(err, errlen, "nut %s LINK KEY%s", a, get ? " -> $var" : "=VALUE");
			return -EINVAL;
		}
		snprintf(kv, sizeof(kv), "%s", argv[2]);
		v = strchr(kv, '=');
		if (v)
			*v++ = 0;
		snprintf(key, sizeof(key), "net/ipv6/%s/link%d/%s", neigh ? "neigh" : "conf", link, kv);
		if (get)
			return agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, out, outlen, err, errlen, "r %s", key);
		return set_sysctl(n, key, v, err, errlen);
	}
	if (!strcmp(a, "addr")) {
		unsigned plen;
		char dad[64] = "";

		if (argc < 4 || link_of(n, argv[2]) < 0 || net_prefix_parse(argv[3], &ip, &plen) ||
		    ip.family != AF_INET6 || (strcmp(argv[1], "add") && strcmp(argv[1], "del"))) {
			snprintf(err, errlen, "nut addr add|del LINK ADDR/PLEN [nodad]");
			return -EINVAL;
		}
		link = link_of(n, argv[2]);
		net_ip_fmt(&ip, text, sizeof(text));
		/* busybox ip has no nodad: accept_dad=0 while the address is added
		 * has the same effect. */
		if (!strcmp(argv[1], "add") && flag(argc, argv, 4, "nodad")) {
			snprintf(key, sizeof(key), "net/ipv6/conf/link%d/accept_dad", link);
			rc = agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, dad, sizeof(dad), err, errlen, "r %s", key);
			if (!rc)
				rc = set_sysctl(n, key, "0", err, errlen);
			if (rc)
				return rc;
		}
		rc = agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, NULL, 0, err, errlen, "run ip -6 addr %s %s/%u dev link%d",
				argv[1], text, plen, link);
		if (dad[0]) {
			char e2[128];

			set_sysctl(n, key, dad, e2, sizeof(e2));
		}
		return rc;
	}
	if (!strcmp(a, "route")) {
		char dst[INET6_ADDRSTRLEN + 8], gw[INET6_ADDRSTRLEN];
		unsigned plen = 0;

		if (argc != 6 || strcmp(argv[3], "via") || link_of(n, argv[5]) < 0 ||
		    parse_addr6(argv[4], &ip, gw, sizeof(gw)) || (strcmp(argv[1], "add") && strcmp(argv[1], "del"))) {
			snprintf(err, errlen, "nut route add|del PREFIX/LEN|default via GATEWAY LINK");
			return -EINVAL;
		}
		if (!strcmp(argv[2], "default")) {
			snprintf(dst, sizeof(dst), "default");
		} else {
			struct net_ip d;

			if (net_prefix_parse(argv[2], &d, &plen) || d.family != AF_INET6) {
				snprintf(err, errlen, "bad prefix '%s'", argv[2]);
				return -EINVAL;
			}
			net_ip_fmt(&d, text, sizeof(text));
			snprintf(dst, sizeof(dst), "%s/%u", text, plen);
		}
		return agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, NULL, 0, err, errlen, "run ip -6 route %s %s via %s dev link%d",
				  argv[1], dst, gw, link_of(n, argv[5]));
	}
	if (!strcmp(a, "neighbor") || !strcmp(a, "neighbor-lladdr") || !strcmp(a, "is-router")) {
		struct neigh_entry e;

		if (link < 0 || argc != 3 || parse_addr6(argv[2], &ip, text, sizeof(text))) {
			snprintf(err, errlen, "nut %s LINK ADDR -> $var", a);
			return -EINVAL;
		}
		rc = neigh_lookup(n, link, &ip, &e, err, errlen);
		if (rc)
			return rc;
		if (!e.found)
			snprintf(out, outlen, "NONE");
		else if (!strcmp(a, "neighbor"))
			snprintf(out, outlen, "%s", e.state);
		else if (!strcmp(a, "is-router"))
			snprintf(out, outlen, "%s", e.router ? "yes" : "no");
		else
			snprintf(out, outlen, "%s", e.lladdr[0] ? e.lladdr : "NONE");
		return 0;
	}
	if (!strcmp(a, "address") || !strcmp(a, "await-address")) {
		const char *w = opt(argc, argv, 3, "within");
		uint32_t ms = 3000;
		uint64_t deadline;

		if (link < 0 || argc < 3 || parse_addr6(argv[2], &ip, text, sizeof(text)) ||
		    (w && cf_parse_duration(w, &ms))) {
			snprintf(err, errlen, "nut %s LINK ADDR%s -> $state", a,
				 a[0] == 'a' && a[1] == 'w' ? " [within=3s]" : "");
			return -EINVAL;
		}
		deadline = cf_now_ms() + ms;
		for (;;) {
			p->addrs_at = 0;
			rc = load_addrs(n, true, err, errlen);
			if (rc)
				return rc;
			addr_state(n, link, &ip, out, outlen);
			if (a[1] != 'w' || (strcmp(out, "TENTATIVE") && strcmp(out, "NONE")) ||
			    cf_now_ms() >= deadline)
				return 0;
			nut_idle(n, 20);
		}
	}
	if (!strcmp(a, "await-global")) {
		const char *w = opt(argc, argv, 2, "within");
		uint32_t ms = 4000;
		uint64_t deadline;
		uint8_t ad[16];

		if (link < 0 || (w && cf_parse_duration(w, &ms))) {
			snprintf(err, errlen, "nut await-global LINK [within=4s] -> $addr");
			return -EINVAL;
		}
		deadline = cf_now_ms() + ms;
		for (;;) {
			p->addrs_at = 0;
			rc = load_addrs(n, true, err, errlen);
			if (rc)
				return rc;
			if (!find_addr(n, link, "global", ad, false)) {
				inet_ntop(AF_INET6, ad, out, (socklen_t)outlen);
				return 0;
			}
			if (cf_now_ms() >= deadline) {
				snprintf(out, outlen, "NONE");
				return 0;
			}
			nut_idle(n, 20);
		}
	}
	if (!strcmp(a, "address-valid") || !strcmp(a, "address-preferred")) {
		if (link < 0 || argc != 3 || parse_addr6(argv[2], &ip, text, sizeof(text))) {
			snprintf(err, errlen, "nut %s LINK ADDR -> $secs", a);
			return -EINVAL;
		}
		return addr_lifetime(n, link, &ip, a[8] == 'v', out, outlen, err, errlen);
	}
	if (!strcmp(a, "global-address")) {
		uint8_t ad[16];

		if (link < 0) {
			snprintf(err, errlen, "nut global-address LINK -> $addr");
			return -EINVAL;
		}
		p->addrs_at = 0;
		rc = load_addrs(n, true, err, errlen);
		if (rc)
			return rc;
		if (find_addr(n, link, "global", ad, true))
			snprintf(out, outlen, "NONE");
		else
			inet_ntop(AF_INET6, ad, out, (socklen_t)outlen);
		return 0;
	}
	if (!strcmp(a, "default-router")) {
		char data[8192], *save = NULL, dev[IFNAMSIZ];

		if (link < 0) {
			snprintf(err, errlen, "nut default-router LINK -> $addr");
			return -EINVAL;
		}
		rc = agent_call(n, true, CALL_TIMEOUT_MS, data, sizeof(data), NULL, 0, err, errlen, "run ip -6 route");
		if (rc)
			return rc;
		snprintf(dev, sizeof(dev), "link%d", link);
		snprintf(out, outlen, "NONE");
		/* "default via GW dev LINK ..." */
		for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char gw[64], d[IFNAMSIZ + 8];

			if (sscanf(l, "default via %63s dev %23s", gw, d) == 2 && !strcmp(d, dev) &&
			    !parse_addr6(gw, &ip, text, sizeof(text))) {
				snprintf(out, outlen, "%s", text);
				break;
			}
		}
		return 0;
	}
	if (!strcmp(a, "ping"))
		return link < 0 ? (snprintf(err, errlen, "nut ping LINK DST ..."), -EINVAL)
				: act_ping(n, link, argc, argv, err, errlen);
	if (!strcmp(a, "udp"))
		return link < 0 ? (snprintf(err, errlen, "nut udp LINK DST PORT ..."), -EINVAL)
				: act_udp(n, link, argc, argv, err, errlen);
	if (!strcmp(a, "udp-listen")) {
		snprintf(err, errlen, "udp-listen is not possible in the qemu NUT: busybox nc has no UDP "
				      "and no other busybox tool holds a UDP port open");
		return -ENOSYS;
	}
	if (!strcmp(a, "pmtu")) {
		if (link < 0 || argc != 3) {
			snprintf(err, errlen, "nut pmtu LINK DST -> $mtu");
			return -EINVAL;
		}
		return act_pmtu(n, link, argv[2], out, outlen, err, errlen);
	}
	if (!strcmp(a, "radvd")) {
		snprintf(err, errlen, "radvd is not possible in the qemu NUT: the initramfs has busybox only");
		return -ENOSYS;
	}
	if (!strcmp(a, "inject")) {
		if (link < 0 || argc < 3) {
			snprintf(err, errlen, "nut inject LINK HEXFRAME...");
			return -EINVAL;
		}
		return act_inject(n, link, argc, argv, err, errlen);
	}
	if (!strcmp(a, "link")) {
		if (link < 0 || argc != 3 || (strcmp(argv[2], "up") && strcmp(argv[2], "down"))) {
			snprintf(err, errlen, "nut link LINK up|down");
			return -EINVAL;
		}
		return agent_call(n, true, CALL_TIMEOUT_MS, NULL, 0, NULL, 0, err, errlen, "run ip link set link%d %s",
				  link, argv[2]);
	}
	return -ENOTSUP;
}

static int qemu_action(struct nut *n, int argc, char **argv, char *out, size_t outlen, char *err,
		       size_t errlen)
{
	struct qemu_priv *p = n->priv;
	int rc;

	out[0] = 0;
	for (int i = 0; i < argc; i++)
		if (strpbrk(argv[i], "\n\r'\"`$\\;|&<>")) {
			snprintf(err, errlen, "argument '%s' has characters the agent does not take", argv[i]);
			return -EINVAL;
		}
	/* An action may change addresses; so may the time it takes. */
	p->addrs_at = 0;
	rc = qemu_action_do(n, argc, argv, out, outlen, err, errlen);
	p->addrs_at = 0;
	return rc;
}

const struct nut_ops nut_qemu_ops = {
	.name = "qemu",
	.setup = qemu_setup,
	.ready = qemu_ready,
	.tn_end = qemu_tn_end,
	.addr = qemu_addr,
	.action = qemu_action,
	.teardown = qemu_teardown,
};
