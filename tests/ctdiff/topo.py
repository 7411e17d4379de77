"""The network of the differential test: a client and a server namespace
joined by a router namespace, whose nftables ruleset makes the kernel track
connections and log every packet's conntrack state to NFLOG, with tcpdump
capturing what the router receives (the wire, for `ctrack replay`) and what
it logged (the kernel's verdicts). Everything made here is remembered and
removed by close(), also after a failure.

    client 192.0.2.2 2001:db8:1::2 (c0) -- (r0) router (r1) -- (s0) server
                                              198.51.100.2 2001:db8:2::2
"""

import os
import signal
import subprocess
import time

PY = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
NFLOG_GROUP = 7

MAC = {
    "c0": "02:cd:00:00:01:02", "r0": "02:cd:00:00:01:01",
    "r1": "02:cd:00:00:02:01", "s0": "02:cd:00:00:02:02",
}
C4, R04, R14, S4 = "192.0.2.2", "192.0.2.1", "198.51.100.1", "198.51.100.2"
C6, R06, R16, S6 = "2001:db8:1::2", "2001:db8:1::1", "2001:db8:2::1", "2001:db8:2::2"
# An address on the client's link that nobody answers for (ICMP errors sent
# to the wrong host go there).
STRAY4, STRAY6, STRAY_MAC = "192.0.2.99", "2001:db8:1::99", "02:cd:00:00:01:63"

# The router: every packet is logged before conntrack (priority -300,
# "pre") and with its state after it (priority 0); ct state counters; the
# FTP helper on port 21 (helpers are no longer assigned automatically).
ROUTER_RULES = """
table inet ctdiff {
	ct helper ftp-std {
		type "ftp" protocol tcp
		l3proto inet
	}
	chain raw {
		type filter hook prerouting priority -300; policy accept;
		log group %(g)d prefix "pre"
	}
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		tcp dport 21 ct helper set "ftp-std"
		ct state invalid counter log group %(g)d prefix "invalid"
		ct state untracked counter log group %(g)d prefix "untracked"
		ct state related counter log group %(g)d prefix "related"
		ct state new counter log group %(g)d prefix "new"
		ct state established counter log group %(g)d prefix "established"
	}
	chain forward {
		type filter hook forward priority 0; policy accept;
		ct state established,related counter accept
		ct state new counter accept
		ct state invalid counter accept
		counter accept
	}
}
""" % {"g": NFLOG_GROUP}

# The ends stay silent for the ports of crafted conversations, so that the
# test alone speaks for both sides: the client for local ports 40000-40999,
# the server for 7100-7999.
CLIENT_RULES = """
table inet quiet {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 40000-40999 drop
		udp dport 40000-40999 drop
		meta l4proto { 132, 33, 47, 136 } drop
	}
}
"""
SERVER_RULES = """
table inet quiet {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 7100-7999 drop
		udp dport 7100-7999 drop
		tcp sport 40000-40999 drop
		meta l4proto { 132, 33, 47, 136 } drop
		ip6 nexthdr 51 drop
	}
}
"""


def run(*cmd, check=True, inp=None):
    r = subprocess.run(cmd, input=inp, capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode,
                                                 r.stderr.strip()))
    return r.stdout


class Topo:
    def __init__(self, workdir):
        tag = "ctd%d" % os.getpid()
        self.ns = {"c": tag + "-c", "r": tag + "-r", "s": tag + "-s"}
        self.workdir = workdir
        self.procs = []
        self.made = []

    # ---- commands in a namespace ----

    def x(self, side, *cmd, check=True, inp=None):
        return run("ip", "netns", "exec", self.ns[side], *cmd, check=check, inp=inp)

    def spawn(self, side, *cmd, stdin=subprocess.DEVNULL, stdout=None, stderr=None):
        p = subprocess.Popen(("ip", "netns", "exec", self.ns[side]) + cmd, stdin=stdin,
                             stdout=stdout, stderr=stderr, text=True, start_new_session=True)
        self.procs.append(p)
        return p

    def peer(self, side, *args, stdin=subprocess.PIPE):
        return self.spawn(side, PY, os.path.join(HERE, "peer.py"), *args, stdin=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    # ---- setup ----

    @staticmethod
    def reap_stale():
        """Removes the namespaces an earlier run left when it was killed
        outright (named ctd<pid>-x, that process gone)."""
        for line in run("ip", "netns", "list", check=False).splitlines():
            name = line.split()[0] if line.split() else ""
            head, _, side = name.partition("-")
            if not (head.startswith("ctd") and head[3:].isdigit() and side in ("c", "r", "s")):
                continue
            if os.path.exists("/proc/%s" % head[3:]):
                continue
            run("ip", "netns", "del", name, check=False)

    def up(self):
        self.reap_stale()
        for side in "crs":
            run("ip", "netns", "add", self.ns[side])
            self.made.append(self.ns[side])
            self.x(side, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0",
                   "net.ipv6.conf.default.router_solicitations=0",
                   "net.ipv6.conf.all.accept_dad=0")
            self.x(side, "ip", "link", "set", "lo", "up")
        run("ip", "link", "add", "c0", "netns", self.ns["c"], "address", MAC["c0"], "type",
            "veth", "peer", "name", "r0", "netns", self.ns["r"], "address", MAC["r0"])
        run("ip", "link", "add", "s0", "netns", self.ns["s"], "address", MAC["s0"], "type",
            "veth", "peer", "name", "r1", "netns", self.ns["r"], "address", MAC["r1"])
        for side, dev, a4, a6 in (("c", "c0", C4, C6), ("r", "r0", R04, R06),
                                  ("r", "r1", R14, R16), ("s", "s0", S4, S6)):
            plen = "/24"
            self.x(side, "ip", "addr", "add", a4 + plen, "dev", dev)
            self.x(side, "ip", "addr", "add", a6 + "/64", "dev", dev, "nodad")
            self.x(side, "ip", "link", "set", dev, "up")
        self.x("c", "ip", "route", "add", "default", "via", R04)
        self.x("c", "ip", "-6", "route", "add", "default", "via", R06)
        self.x("s", "ip", "route", "add", "default", "via", R14)
        self.x("s", "ip", "-6", "route", "add", "default", "via", R16)
        # static neighbours: no ARP or ND in the middle of the traffic
        for side, dev, addr, mac in (
                ("c", "c0", R04, MAC["r0"]), ("c", "c0", R06, MAC["r0"]),
                ("r", "r0", C4, MAC["c0"]), ("r", "r0", C6, MAC["c0"]),
                ("r", "r1", S4, MAC["s0"]), ("r", "r1", S6, MAC["s0"]),
                ("s", "s0", R14, MAC["r1"]), ("s", "s0", R16, MAC["r1"]),
                ("r", "r0", STRAY4, STRAY_MAC), ("r", "r0", STRAY6, STRAY_MAC)):
            self.x(side, "ip", "neigh", "replace", addr, "lladdr", mac, "dev", dev, "nud",
                   "permanent")
        self.x("r", "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")
        self.x("r", "nft", "-f", "-", inp=ROUTER_RULES)
        self.x("c", "nft", "-f", "-", inp=CLIENT_RULES)
        self.x("s", "nft", "-f", "-", inp=SERVER_RULES)
        # the ends answer every echo request at once, and their own ports
        # stay clear of those of the crafted conversations
        for side in "cs":
            self.x(side, "sysctl", "-qw", "net.ipv4.icmp_ratelimit=0",
                   "net.ipv6.icmp.ratelimit=0", "net.ipv4.ip_local_port_range=50000 60999")

    def capture(self):
        """Starts both captures in the router; returns when they listen."""
        self.wire = os.path.join(self.workdir, "wire.pcap")
        self.nflog = os.path.join(self.workdir, "nflog.pcap")
        self.caps = []
        for iface, path, extra in (("any", self.wire, ["-Q", "in"]),
                                   ("nflog:%d" % NFLOG_GROUP, self.nflog, [])):
            err = open(path + ".log", "w+")
            p = self.spawn("r", "tcpdump", "-i", iface, *extra, "-n", "-U", "--immediate-mode", "-B", "32768",
                           "-s", "0", "-w", path, stderr=err)
            self.caps.append((p, err))
        deadline = time.time() + 10
        while time.time() < deadline:
            ok = 0
            for p, err in self.caps:
                err.seek(0)
                if "listening on" in err.read():
                    ok += 1
                if p.poll() is not None:
                    raise RuntimeError("tcpdump ended early")
            if ok == len(self.caps):
                return
            time.sleep(0.05)
        raise RuntimeError("tcpdump did not start")

    def stop_capture(self):
        time.sleep(1)
        for p, err in self.caps:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGINT)
        for p, err in self.caps:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            err.close()

    # ---- the kernel's view ----

    def conntrack_list(self):
        out = self.x("r", "conntrack", "-L", check=False)
        return time.time(), out

    def counters(self):
        """{(chain, 'state list'): packets} of the router's ct state counters."""
        import json

        out = json.loads(self.x("r", "nft", "-j", "list", "table", "inet", "ctdiff"))
        res = {}
        for item in out["nftables"]:
            rule = item.get("rule")
            if not rule:
                continue
            state, pk = None, None
            for e in rule["expr"]:
                m = e.get("match")
                if m and m["left"].get("ct", {}).get("key") == "state":
                    r = m["right"]
                    state = ",".join(r if isinstance(r, list) else [r])
                if "counter" in e:
                    pk = e["counter"]["packets"]
            if state is not None and pk is not None:
                res[(rule["chain"], state)] = pk
        return res

    # ---- teardown ----

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        for ns in self.made:
            # whatever we started in there and is still alive
            for pid in run("ip", "netns", "pids", ns, check=False).split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run("ip", "netns", "del", ns, check=False)
        self.made = []
