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

    def todo(self, name, diag=()):
        """A known bug: fails as expected until it is fixed."""
        self.n += 1
        print("not ok %d - %s # TODO known bug" % (self.n, name))
        for d in diag:
            print("# " + d)
        sys.stdout.flush()

    def note(self, msg):
        print("# " + msg)
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)


def rule_for_packet(known, o, k):
    """The known-difference rule that covers the pair, or None."""
    summ = o[3] if o else k[2]
    for r in known:
        if r["what"] == "packet" and r["match"] in summ and \
                (o[4] if o else None) == r["ours"] and (k[3] if k else None) == r["kernel"]:
            return r
    return None


def rule_text(r):
    return "known bug: %s" % r["bug"] if r["bug"] else \
        "deliberate difference: %s" % r["doc"]


def verdict_test(tap, name, n, diffs, bugs, notes):
    """One TAP line for a list of unexplained differences and known bugs."""
    if diffs:
        tap.ok(False, "%s: %d compared, %d differ" % (name, n, len(diffs)),
               diffs + bugs + notes)
    elif bugs:
        tap.todo("%s: %d compared, %d differ by known bugs" % (name, n, len(bugs)),
                 bugs + notes)
    else:
        tap.ok(True, "%s: %d compared, all agree%s" % (
            name, n, " or differ as documented" if notes else ""), notes)


def compare_phase(tap, name, known, ours, kern, stats):
    pairs = compare.align(ours, kern)
    diffs, bugs, notes, n = [], [], [], 0
    for o, k in pairs:
        n += 1
        if VERBOSE:
            tap.note("%s: %s | %s" % (name, o and "pkt %d %s: %s %s" % (o[1], o[3], o[4], o[5]),
                                      k and "kernel %s: %s" % (k[2], k[3])))
        if o and k and o[4] == k[3]:
            continue
        if o and k and o[4] == "invalid" and k[3] == "dropped":
            notes.append("pkt %d %s: invalid here, dropped by the kernel's conntrack"
                         % (o[1], o[3]))
            continue
        if o and not k and o[4] == "invalid":
            # never reached the kernel's conntrack: dropped by its IP input
            # (or its defragmentation) before the hook
            notes.append("pkt %d %s: ours invalid (%s), the kernel dropped it before "
                         "conntrack" % (o[1], o[3], o[5]))
            stats["invalid_adj"] += 1
            continue
        text = "%s: ours %s, kernel %s" % (
            "pkt %d %s" % (o[1], o[3]) if o else k[2],
            "%s (%s)" % (o[4], o[5]) if o else "nothing",
            k[3] if k else "nothing")
        r = rule_for_packet(known, o, k)
        if r:
            (bugs if r["bug"] else notes).append(text + " -- " + rule_text(r))
            stats["invalid_adj"] += int(bool(o and o[4] == "invalid")) - \
                int(bool(k and k[3] == "invalid"))
            continue
        diffs.append(text)
    verdict_test(tap, "packets of phase %s" % name, n, diffs, bugs, notes)


def table_key(e):
    # the kernel gives SCTP ports and GRE keys, which we do not track
    if e["proto"] in (47, 132):
        return (e["proto"], e["orig"].get("src"), e["orig"].get("dst"))
    return compare.entry_key(e)


def expect_ok(want, e):
    if want is None:
        return e is None
    if e is None:
        return False
    if want == "present":
        return True
    if want == "generic":
        return "sport" not in e["orig"] and e["state"] is None
    return want in (e["state"], e["name"])


def rule_for_entry(known_all, o, k):
    name = compare.entry_name(o or k)
    for r in known_all:
        if r["what"] == "entry" and r["match"] in name:
            return r
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
        name = "table: " + compare.entry_name(e) + (" %s" % e["state"] if e["state"] else "")
        lines = ["ours:   " + (o["line"] if o else "(none)"),
                 "kernel: " + (k["line"] if k else "(none)")]
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
        r = rule_for_entry(known_all, o, k)
        if r and why:
            # ours may have timed out already where the rule expects it
            o_ok = expect_ok(r["ours"], o) or (o is None and r["ours"] not in (None, "present"))
            if o_ok and expect_ok(r["kernel"], k):
                if r["bug"]:
                    tap.todo(name + " -- " + rule_text(r), why + lines)
                else:
                    tap.ok(True, name + " -- " + rule_text(r), lines)
                continue
        tap.ok(not why, name, why + lines if why else [])


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
        stats = {"invalid_adj": 0}
        known_all = []
        for i, (name, fn, known) in enumerate(phases.PHASES, 1):
            known_all += known
            if name in skipped:
                print("ok %d - phase %s # SKIP %s" % (tap.n + 1, name, skipped[name]))
                tap.n += 1
                continue
            compare_phase(tap, name, known, [o for o in ours if o[0] == i],
                          [k for k in kern if k[0] == i], stats)
        # what came after the last phase (what came before the first, the
        # namespaces' own start, may be caught by one capture only)
        last = len(phases.PHASES) + 1
        compare_phase(tap, "(after the last phase)", [], [o for o in ours if o[0] == last],
                      [k for k in kern if k[0] == last], stats)

        compare_tables(tap, ours_table, listing.splitlines(), t_list - t_last, known_all)

        # invalid packets: the router's counter against ours, less what
        # the comparisons above explained
        k_inv = counters.get(("pre", "invalid"), -1)
        o_inv = ours_stats.get("invalid", -1)
        tap.ok(o_inv == k_inv + stats["invalid_adj"],
               "invalid packets: kernel counter %d, ours %d, %+d explained packet by packet "
               "(dropped before the kernel's conntrack, known differences)" %
               (k_inv, o_inv, stats["invalid_adj"]))
        n_log = sum(1 for k in kern if k[3] == "invalid")
        tap.ok(n_log == k_inv, "the kernel's NFLOG stream has every packet its invalid "
               "counter counted (%d of %d)" % (n_log, k_inv))
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
