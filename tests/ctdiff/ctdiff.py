"""The differential test of libct against Linux's nf_conntrack: the traffic
of phases.py crosses a router namespace that tracks it (topo.py); what the
router received is replayed through `ctrack replay`, and the two are
compared (compare.py) packet by packet (the kernel's ct state of each
packet, from NFLOG, against our verdict), in the final table entry by entry
(tuples, TCP state, [ASSURED], [UNREPLIED], helper, the timeout within a
few seconds), and in the count of invalid packets (the router's nft
counter against ours). Output is TAP; every difference is listed, and the
known, deliberate ones (phases.py, docs/ct-differences.md) pass.

Usage: ctdiff.py CTRACK   (as root; CTDIFF_KEEP=DIR keeps the captures)
"""

import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import compare
import phases
from topo import Topo

TIMEOUT_SLACK = 3
VERBOSE = bool(os.environ.get("CTDIFF_VERBOSE"))  # seconds of disagreement allowed on a timeout


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=()):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name))
        for d in diag:
            print("# " + d)
        sys.stdout.flush()

    def note(self, msg):
        print("# " + msg)
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)


def ports_of(key):
    """(sport, dport) of a packet key with ports, else ()."""
    if len(key) == 5 and key[3] in (6, 17, 136, 132) and key[4] and len(key[4]) >= 4:
        return struct.unpack(">HH", key[4][:4])
    return ()


def known_packet(known, o, k):
    ports = ports_of((o or k)[2] if o else k[1])
    for rule in known:
        if rule[0] == "packet" and rule[1] in ports and o and k and \
                o[4] == rule[2] and k[3] == rule[3]:
            return True
    return False


def compare_phase(tap, name, known, ours, kern, stats):
    pairs = compare.align(ours, kern)
    diffs, notes, n = [], [], 0
    for o, k in pairs:
        n += 1
        if VERBOSE:
            tap.note("%s: %s | %s" % (name, o and "pkt %d %s: %s %s" % (o[1], o[3], o[4], o[5]),
                                      k and "kernel %s: %s" % (k[2], k[3])))
        if o and k:
            if o[4] == k[3]:
                continue
            if o[4] == "invalid" and k[3] == "dropped":
                notes.append("pkt %d %s: invalid here, dropped by the kernel's conntrack"
                             % (o[1], o[3]))
                continue
            if known_packet(known, o, k):
                notes.append("pkt %d %s: ours %s, kernel %s (known difference)"
                             % (o[1], o[3], o[4], k[3]))
                stats["known"].append((o[4], k[3]))
                continue
            diffs.append("pkt %d %s: ours %s (%s), kernel %s" % (o[1], o[3], o[4], o[5], k[3]))
        elif o:
            if o[4] == "invalid":
                # never reached the kernel's conntrack: dropped by its IP
                # input (or its defragmentation) before the hook
                notes.append("pkt %d %s: ours invalid (%s), the kernel dropped it before "
                             "conntrack" % (o[1], o[3], o[5]))
                stats["ours_only_invalid"] += 1
                continue
            diffs.append("pkt %d %s: ours %s (%s), the kernel did not track it"
                         % (o[1], o[3], o[4], o[5]))
        else:
            diffs.append("kernel %s for %s, which we did not judge" % (k[3], k[2]))
    tap.ok(not diffs, "packets of phase %s: %d compared, %s" %
           (name, n, "all agree" if not diffs else "%d differ" % len(diffs)), diffs + notes)


def table_key(e):
    # the kernel gives SCTP ports and GRE keys, which we do not track
    if e["proto"] in (47, 132):
        return (e["proto"], e["orig"].get("src"), e["orig"].get("dst"))
    return compare.entry_key(e)


def known_entry(known_all, e_ours, e_kern):
    e = e_ours or e_kern
    port = e["orig"].get("dport")
    for rule in known_all:
        if rule[0] != "entry" or rule[1] != e["proto"]:
            continue
        if rule[2] is not None and str(rule[2]) != port:
            continue
        if rule[1] in (47, 132):
            # ours: the generic form, addresses only; the kernel's own tracker
            ok = (e_ours is not None and "sport" not in e_ours["orig"] and
                  e_kern is not None and e_kern["name"] == rule[4])
        else:
            ok = ((e_ours["state"] if e_ours else None) in (rule[3], None) and
                  (e_kern["state"] if e_kern else None) == rule[4])
        return ok
    return None


def compare_tables(tap, ours_lines, kern_lines, delta, known_all):
    ours = {}
    for l in ours_lines:
        e = compare.parse_entry(l)
        if e:
            ours[table_key(e)] = e
    kern = {}
    for l in kern_lines:
        e = compare.parse_entry(l)
        if e:
            kern[table_key(e)] = e
    tap.note("table: %d entries here, %d in the kernel, listed %.1f s after the last packet"
             % (len(ours), len(kern), delta))
    for key in sorted(set(ours) | set(kern), key=str):
        o, k = ours.get(key), kern.get(key)
        e = o or k
        name = compare.entry_name(e) + (" %s" % e["state"] if e["state"] else "")
        kn = known_entry(known_all, o, k)
        lines = ["ours:   " + (o["line"] if o else "(none)"),
                 "kernel: " + (k["line"] if k else "(none)")]
        if kn is not None:
            tap.ok(kn, "table: %s (known difference)" % name, lines)
            continue
        why = []
        if o and k:
            for f in ("state", "reply", "helper"):
                if o.get(f) != k.get(f):
                    why.append("%s differs" % f)
            for flag in ("ASSURED", "UNREPLIED"):
                if (flag in o["flags"]) != (flag in k["flags"]):
                    why.append("[%s] differs" % flag)
            want = max(o["timeout"] - delta, 0)
            if abs(k["timeout"] - want) > TIMEOUT_SLACK:
                why.append("timeout: ours %d at the last packet (%.0f at the listing), "
                           "kernel %d" % (o["timeout"], want, k["timeout"]))
        elif o:
            if o["timeout"] - delta <= TIMEOUT_SLACK:
                continue  # timed out in the kernel before the listing
            why.append("only here")
        else:
            why.append("only in the kernel")
        tap.ok(not why, "table: %s" % name, why + lines if why else [])


def replay(ctrack, wire, *opts):
    r = subprocess.run([ctrack, "replay", "--helpers", *opts, wire], capture_output=True,
                       text=True)
    if r.returncode:
        raise RuntimeError("ctrack replay: exit %d: %s" % (r.returncode, r.stderr))
    return r.stdout


def prerequisites():
    if os.geteuid() != 0:
        return "needs root"
    for c in ("ip", "nft", "conntrack", "tcpdump", "curl", "ping"):
        if not shutil.which(c):
            return "no %s" % c
    return None


def main():
    ctrack = os.path.abspath(sys.argv[1])
    why = prerequisites()
    if why:
        print("1..0 # SKIP %s" % why)
        return 0
    keep = os.environ.get("CTDIFF_KEEP")
    work = tempfile.mkdtemp(prefix="ctdiff-")
    tap = Tap()
    topo = Topo(work)

    def on_signal(sig, frame):
        raise SystemExit("signal %d" % sig)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    skipped = {}
    try:
        topo.up()
        root = os.path.join(work, "srv")
        os.mkdir(root)
        phases.write_files(root)
        srv = topo.peer("s", "serve", root)
        ftp = srv.stdout.readline().strip() == "ftp"
        if srv.stdout.readline().strip() != "ready":
            raise RuntimeError("servers did not start: %s" % srv.stderr.read())
        topo.capture()
        time.sleep(0.5)
        ctx = phases.Ctx(topo, tap.note)
        ctx.ftp = ftp
        for i, (name, fn, known) in enumerate(phases.PHASES, 1):
            ctx.marker(i)
            res = fn(ctx)
            if res:
                skipped[name] = res
            time.sleep(phases.WAIT)
        ctx.marker(len(phases.PHASES) + 1)
        time.sleep(0.3)
        t_list, listing = topo.conntrack_list()
        counters = topo.counters()
        topo.stop_capture()
        wire_pcap = compare.read_pcap(topo.wire)
        if not wire_pcap:
            raise RuntimeError("nothing captured")
        t_last = wire_pcap[-1][0]

        verdicts = {}
        for line in replay(ctrack, topo.wire, "--json", "--verdicts", "--no-table",
                           "--stats").splitlines():
            o = json.loads(line)
            if "packet" in o:
                verdicts[o["packet"]] = o
            elif "invalid" in o:
                ours_stats = o
        ours_table = replay(ctrack, topo.wire).splitlines()

        ours = compare.our_packets(wire_pcap, verdicts)
        kern = compare.kernel_packets(compare.read_pcap(topo.nflog))
        stats = {"known": [], "ours_only_invalid": 0}
        known_all = []
        for i, (name, fn, known) in enumerate(phases.PHASES, 1):
            known_all += known
            if name in skipped:
                print("ok %d - phase %s # SKIP %s" % (tap.n + 1, name, skipped[name]))
                tap.n += 1
                continue
            compare_phase(tap, name, known, [o for o in ours if o[0] == i],
                          [k for k in kern if k[0] == i], stats)
        rest_o = [o for o in ours if not 1 <= o[0] <= len(phases.PHASES)]
        rest_k = [k for k in kern if not 1 <= k[0] <= len(phases.PHASES)]
        compare_phase(tap, "(outside the phases)", [], rest_o, rest_k, stats)

        compare_tables(tap, ours_table, listing.splitlines(), t_list - t_last, known_all)

        # invalid packets: the router's counter against ours
        k_inv = counters.get(("pre", "invalid"), -1)
        o_inv = ours_stats.get("invalid", -1)
        adj = stats["ours_only_invalid"] + \
            sum(1 for o, k in stats["known"] if o == "invalid") - \
            sum(1 for o, k in stats["known"] if k == "invalid")
        tap.ok(o_inv == k_inv + adj,
               "invalid packets: kernel counter %d, ours %d (%d that never reached the "
               "kernel's conntrack, %+d from known differences)" %
               (k_inv, o_inv, stats["ours_only_invalid"], adj - stats["ours_only_invalid"]))
        n_log = sum(1 for k in kern if k[3] == "invalid")
        tap.ok(n_log <= k_inv, "the NFLOG stream holds the invalid packets the counter saw "
               "(%d of %d; markers and untracked traffic outside the capture aside)"
               % (n_log, k_inv))
    except BaseException as e:  # noqa: B902 - report anything, then clean up
        tap.ok(False, "test run: %s: %s" % (type(e).__name__, e))
        import traceback
        for line in traceback.format_exc().splitlines():
            tap.note(line)
    finally:
        topo.close()
        if keep:
            os.makedirs(keep, exist_ok=True)
            for f in os.listdir(work):
                p = os.path.join(work, f)
                if os.path.isfile(p):
                    shutil.copy(p, keep)
            tap.note("captures kept in %s" % keep)
        shutil.rmtree(work, ignore_errors=True)
    tap.done()
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
