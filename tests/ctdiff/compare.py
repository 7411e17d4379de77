"""Reading both sides of the differential test and lining them up: pcap
files (the router's wire capture in Linux cooked v2 framing, the NFLOG
capture with the kernel's per-packet conntrack state as log prefix), a key
that names a packet the same way before and after reassembly, the phase
markers, `conntrack -L` lines, and the per-phase alignment of our verdicts
with the kernel's."""

import ipaddress
import struct

# The marker that opens phase N: a Neighbor Solicitation from the client to
# the router for 2001:db8:1::ff00:N (untracked on both sides, answered by
# nobody).
MARKER_NET = ipaddress.ip_network("2001:db8:1::ff00:0/112")

DLT_LINUX_SLL2 = 276
DLT_NFLOG = 239


def read_pcap(path):
    """[(ts, dlt, bytes)] of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("%s: not a pcap file" % path)
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    dlt = struct.unpack(e + "I", data[20:24])[0] & 0x0fffffff
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        out.append((sec + frac / (1e9 if nano else 1e6), dlt, data[off:off + incl]))
        off += incl
    return out


def ip_of_sll2(frame):
    """The IP packet of a cooked v2 frame, or None (ARP ...)."""
    if len(frame) < 20:
        return None
    proto = struct.unpack(">H", frame[:2])[0]
    return frame[20:] if proto in (0x0800, 0x86DD) else None


def nflog_records(frame):
    """(prefix, IP packet) of an NFLOG frame."""
    prefix, payload = "", b""
    off = 4
    while off + 4 <= len(frame):
        tlen, ttype = struct.unpack("<HH", frame[off:off + 4])
        if tlen < 4:
            break
        val = frame[off + 4:off + tlen]
        if ttype == 10:
            prefix = val.split(b"\0")[0].decode()
        elif ttype == 9:
            payload = val
        off += (tlen + 3) & ~3
    return prefix, payload


# ---- packet keys ----

def _walk6(p):
    """(upper-layer proto, offset, frag) of an IPv6 packet; frag is None or
    (id, offset in 8-byte units, more, fragment header offset, position of
    the byte that names the fragment header). proto is None when the chain
    cannot be read."""
    nh, off, frag, nhpos = p[6], 40, None, 6
    plen = min(len(p), 40 + struct.unpack(">H", p[4:6])[0])
    while True:
        if nh in (0, 43, 60):
            if off + 2 > plen:
                return None, off, frag
            hl = (p[off + 1] + 1) * 8
        elif nh == 51:
            if off + 2 > plen:
                return None, off, frag
            hl = (p[off + 1] + 2) * 4
        elif nh == 44:
            if off + 8 > plen:
                return None, off, frag
            fo = struct.unpack(">H", p[off + 2:off + 4])[0]
            frag = (struct.unpack(">I", p[off + 4:off + 8])[0], fo >> 3, fo & 1, off, nhpos)
            if fo >> 3:
                return p[off], off + 8, frag
            hl = 8
        else:
            return nh, off, frag
        if off + hl > plen:
            return None, off, frag
        nhpos = off
        nh = p[off]
        off += hl


def frag_of(p):
    """(group, offset in bytes, more, unfragmentable part, data) of a
    fragment, or None."""
    v = p[0] >> 4 if p else 0
    if v == 4 and len(p) >= 20:
        fo = struct.unpack(">H", p[6:8])[0]
        if not fo & 0x3FFF:
            return None
        ihl = (p[0] & 15) * 4
        tot = struct.unpack(">H", p[2:4])[0]
        return ((4, p[4:6], p[12:20], p[9]), (fo & 0x1FFF) * 8, (fo >> 13) & 1, p[:ihl],
                p[ihl:tot])
    if v == 6 and len(p) >= 40:
        f = _walk6(p)[2]
        if not f:
            return None
        fid, off8, more, fh, nhpos = f
        pre = bytearray(p[:fh])
        pre[nhpos] = p[fh]
        end = min(len(p), 40 + struct.unpack(">H", p[4:6])[0])
        return ((6, fid, p[8:40]), off8 * 8, more, bytes(pre), p[fh + 8:end])
    return None


def reassemble(parts):
    """The datagram of fragments [(offset, more, unfragmentable, data)]."""
    parts = sorted(parts, key=lambda x: x[0])
    pre = [x[2] for x in parts if x[0] == 0]
    body = b""
    for off, more, _, data in parts:
        if off >= len(body):
            body += b"\0" * (off - len(body)) + data
        elif off + len(data) > len(body):
            body += data[len(body) - off:]
    hdr = bytearray(pre[0] if pre else parts[0][2])
    if hdr[0] >> 4 == 4:
        hdr[6:8] = b"\0\0"
        hdr[2:4] = struct.pack(">H", len(hdr) + len(body))
    else:
        hdr[4:6] = struct.pack(">H", len(hdr) - 40 + len(body))
    return bytes(hdr) + body


def describe(p):
    """(key, summary) of an IP packet. The key names it by its addresses,
    its upper-layer protocol and the first 16 bytes of that header."""
    if not p:
        return ("empty",), "empty"
    v = p[0] >> 4
    frag = None
    if v == 4 and len(p) >= 20:
        ihl = (p[0] & 15) * 4
        src, dst = ipaddress.ip_address(p[12:16]), ipaddress.ip_address(p[16:20])
        proto = p[9]
        fo = struct.unpack(">H", p[6:8])[0]
        if fo & 0x3FFF:
            frag = ((fo & 0x1FFF) * 8, (fo >> 13) & 1)
        l4 = p[ihl:] if not (frag and frag[0]) else None
    elif v == 6 and len(p) >= 40:
        src, dst = ipaddress.ip_address(p[8:24]), ipaddress.ip_address(p[24:40])
        proto, off, f = _walk6(p)
        if f:
            frag = (f[1] * 8, f[2])
        if proto is None:
            return (6, str(src), str(dst), "raw", p[40:72]), \
                "%s > %s bad header chain" % (src, dst)
        l4 = None if (frag and frag[0]) else p[off:]
    else:
        return ("raw", p[:32]), "not IP"
    summary = "%s > %s proto %d" % (src, dst, proto)
    if l4 is not None and len(l4) >= 4 and proto in (6, 17, 136, 132, 33):
        sp, dp = struct.unpack(">HH", l4[:4])
        summary = "%s.%d > %s.%d %s" % (src, sp, dst, dp, {6: "tcp", 17: "udp"}.get(proto, proto))
        if proto == 6 and len(l4) >= 14:
            fl = l4[13]
            summary += " [%s]" % "".join(c for b, c in zip(
                (2, 16, 1, 4, 8), "SAFRP") if fl & b) + " seq %d ack %d" % struct.unpack(
                ">II", l4[4:12])
    elif l4 is not None and len(l4) >= 2 and proto in (1, 58):
        summary += " icmp%s type %d code %d" % ("v6" if proto == 58 else "", l4[0], l4[1])
    if frag:
        summary += " frag off %d%s" % (frag[0], " MF" if frag[1] else "")
    key = (v, str(src), str(dst), proto, bytes(l4[:16]) if l4 is not None else None)
    return key, summary


def marker_of(p):
    """The phase number a marker packet opens, or None."""
    if len(p) < 64 or p[0] >> 4 != 6 or p[6] != 58 or p[40] != 135:
        return None
    t = ipaddress.ip_address(p[48:64])
    if t in MARKER_NET:
        return int(t) & 0xFFFF
    return None


# ---- our side ----

def our_packets(wire, verdicts):
    """[(phase, pkt no, key, summary, verdict, reason)] from the wire
    capture and the --json --verdicts lines, one per packet the tracker
    judged: fragments held for reassembly are left out, and the packet
    that completes a datagram is named after the datagram."""
    groups = {}
    out, phase = [], 0
    for n, (ts, dlt, frame) in enumerate(wire, 1):
        p = ip_of_sll2(frame) if dlt == DLT_LINUX_SLL2 else frame
        v = verdicts.get(n)
        if p is None or v is None:
            continue
        m = marker_of(p)
        if m is not None:
            phase = m
            continue
        key, summ = describe(p)
        f = frag_of(p)
        if f:
            parts = groups.setdefault(f[0], [])
            parts.append(f[1:])
            if v["verdict"] == "untracked" and v.get("reason") == "fragment held":
                continue
            key, summ = describe(reassemble(parts))
            summ += " (reassembled)"
            del groups[f[0]]
        out.append((phase, n, key, summ, v["verdict"], v.get("reason", "")))
    return out


# ---- the kernel's side ----

def kernel_packets(nflog):
    """[(phase, key, summary, state)] from the NFLOG capture, state one of
    new, established, related, invalid, untracked, or dropped (seen before
    conntrack, not after it). With two CPUs the records of two packets may
    interleave, so a state record goes to the oldest waiting packet of the
    same key."""
    out, phase, pending = [], 0, []
    for ts, dlt, frame in nflog:
        prefix, p = nflog_records(frame)
        if prefix == "pre":
            m = marker_of(p)
            if m is not None:
                phase = m
                continue
            key, summ = describe(p)
            item = [phase, key, summ, "dropped"]
            out.append(item)
            pending.append(item)
            continue
        key, summ = describe(p)
        for i, item in enumerate(pending):
            if item[1] == key:
                item[3] = prefix
                del pending[i]
                break
        # a packet waiting long after its followers were judged was dropped
        if len(pending) > 64:
            del pending[0]
    return [tuple(i) for i in out]


def align(ours, kern):
    """Pairs of (our item or None, kernel item or None), matched by packet
    key in order; a packet may be a few places off on the other side (two
    CPUs receive on the router)."""
    used = [False] * len(kern)
    pairs, start = [], 0
    for o in ours:
        while start < len(kern) and used[start]:
            start += 1
        hit = None
        for j in range(start, min(len(kern), start + 200)):
            if not used[j] and kern[j][1] == o[2]:
                hit = j
                break
        if hit is None:
            pairs.append((o, None))
            continue
        used[hit] = True
        pairs.append((o, kern[hit]))
    pairs += [(None, k) for j, k in enumerate(kern) if not used[j]]
    return pairs


# ---- conntrack -L lines ----

def parse_entry(line):
    """A `conntrack -L` line as a dict: proto (number), timeout, state,
    orig and reply (dicts of src dst sport dport type code id ...), flags
    (set of ASSURED/UNREPLIED), helper, line."""
    tok = line.split()
    if len(tok) < 3:
        return None
    e = {"name": tok[0], "proto": int(tok[1]), "timeout": int(tok[2]), "state": None,
         "flags": set(), "helper": None, "line": line.strip()}
    tuples, rest = [], tok[3:]
    if rest and "=" not in rest[0] and not rest[0].startswith("["):
        e["state"] = rest[0]
        rest = rest[1:]
    for t in rest:
        if t.startswith("["):
            e["flags"].add(t.strip("[]"))
            continue
        k, _, v = t.partition("=")
        if k == "src":
            tuples.append({})
        if k in ("mark", "use", "zone", "id", "helper") and (k != "id" or
                                                            e["proto"] not in (1, 58)):
            e[k] = v
            continue
        if k in ("packets", "bytes"):
            continue
        if tuples:
            tuples[-1][k] = v
    e["orig"] = tuples[0] if tuples else {}
    e["reply"] = tuples[1] if len(tuples) > 1 else {}
    return e


def entry_key(e):
    o = e["orig"]
    return (e["proto"], o.get("src"), o.get("dst"), o.get("sport"), o.get("dport"),
            o.get("type"), o.get("code"), o.get("id"))


def entry_name(e):
    o = e["orig"]
    s = "%s %s" % (e["name"], o.get("src"))
    if "sport" in o:
        s += ".%s" % o["sport"]
    s += " > %s" % o.get("dst")
    if "dport" in o:
        s += ".%s" % o["dport"]
    if "type" in o:
        s += " type %s id %s" % (o["type"], o.get("id"))
    return s
