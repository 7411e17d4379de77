#!/usr/bin/env python3
"""
Writes the three captures the decode benchmark reads: 1024 distinct packets
per mix are written in the packet notation with random (seeded) values,
encoded by `v6lab build`, and repeated in order up to the packet count.

  ipv6-tcp      IPv6 + TCP: 5% SYN with MSS/SACK-permitted/timestamps/window
                scale, 35% pure ACKs with timestamps, 60% data segments of
                1..1208 bytes
  ipv6-ext      IPv6 with 1 to 3 extension headers (Destination Options, a
                Type 2 routing header or an SRH, an atomic fragment; MLD
                reports start with Hop-by-Hop + Router Alert) + ICMPv6: echo,
                RA/NS/NA with options, MLDv2 reports, Destination Unreachable
                and Packet Too Big quoting a packet
  fragments     IPv6 fragments: half first fragments (UDP or ICMPv6 echo
                header), half later ones; 64..1232 bytes of fragment data

Usage: mkpcaps.py PATH/TO/v6lab OUTDIR [COUNT]   (COUNT default 1000000)
Writes OUTDIR/MIX.pcap (microsecond pcap, Ethernet) and prints their paths.
Only the standard library is used.
"""
import ipaddress
import os
import random
import struct
import subprocess
import sys
import tempfile

TEMPLATES = 1024
R = random.Random(6)


def u(bits):
    return R.getrandbits(bits)


def a6():
    return str(ipaddress.IPv6Address(0x20010DB8 << 96 | u(96)))


def mac():
    return "02:%02x:%02x:%02x:%02x:%02x" % tuple(u(8) for _ in range(5))


def head():
    return "ether(src=%s, dst=%s) / ipv6(src=%s, dst=%s, hlim=64, flow=%d)" % (
        mac(), mac(), a6(), a6(), u(20))


def ts():
    return "tcpopt.ts(val=%d, ecr=%d)" % (u(32), u(32))


def mix_tcp():
    base = "tcp(sport=%d, dport=%d, seq=%d" % (u(16), R.choice([22, 80, 443, 8080]), u(32))
    r = R.random()
    if r < 0.05:
        return "%s / %s, syn=1, window=64800) / tcpopt.mss(mss=1440) / tcpopt.sackok / " \
               "%s / tcpopt.nop / tcpopt.wscale(shift=7)" % (head(), base, ts())
    tcp = "%s, ack=%d, ackf=1, psh=%d, window=%d) / tcpopt.nop / tcpopt.nop / %s" % (
        base, u(32), int(r > 0.4), u(16), ts())
    if r < 0.4:
        return "%s / %s" % (head(), tcp)
    return "%s / %s / raw(%d)" % (head(), tcp, R.randint(1, 1208))


def ext_headers():
    """One to three of Destination Options, a routing header and an atomic
    fragment, in the order RFC 8200 §4.1 recommends."""
    kinds = sorted(R.sample(range(3), R.randint(1, 3)))
    out = []
    for k in kinds:
        if k == 0:
            out.append("dstopt / ip6opt(type=0x1e, data=0x%s)" % R.randbytes(4).hex())
        elif k == 1 and R.random() < 0.5:
            out.append("rh2(hoa=%s)" % a6())
        elif k == 1:
            out.append("srh(addrs=[%s, %s], segleft=1)" % (a6(), a6()))
        else:
            out.append("frag(offset=0, m=0, id=%d)" % u(32))
    return out


def icmpv6():
    k = R.choice(["echo", "echo", "ra", "ns", "na", "mld", "unreach", "ptb"])
    if k == "echo":
        return "%s(id=%d, seq=%d) / raw(56)" % (
            R.choice(["icmpv6.echo_request", "icmpv6.echo_reply"]), u(16), u(16))
    if k == "ra":
        return ("icmpv6.ra(chl=64, lifetime=1800, reachable=30000) / ndopt.slla(lladdr=%s) / "
                "ndopt.mtu(mtu=1500) / ndopt.prefix(plen=64, l=1, a=1, valid=86400, "
                "preferred=14400, prefix=2001:db8:%x::)" % (mac(), u(16)))
    if k == "ns":
        return "icmpv6.ns(target=%s) / ndopt.slla(lladdr=%s)" % (a6(), mac())
    if k == "na":
        return "icmpv6.na(s=1, o=1, target=%s) / ndopt.tlla(lladdr=%s)" % (a6(), mac())
    if k == "mld":
        recs = " / ".join("mldv2.record(rtype=%d, group=ff05::db8:%x)" % (R.randint(1, 6), u(16))
                          for _ in range(R.randint(1, 3)))
        return "icmpv6.mldv2_report / " + recs
    quoted = "ipv6(src=%s, dst=%s) / udp(sport=%d, dport=%d) / raw(%d)" % (
        a6(), a6(), u(16), u(16), R.randint(8, 200))
    if k == "unreach":
        return "icmpv6.dest_unreach(code=%d) / %s" % (R.randint(0, 4), quoted)
    return "icmpv6.packet_too_big(mtu=1280) / %s" % quoted


def mix_ext():
    hdrs = ext_headers()
    msg = icmpv6()
    if msg.startswith("icmpv6.mldv2"):
        hdrs = ["hbh / ip6opt.ra(value=0)"] + hdrs[1:]  # RFC 3810 §5
    return " / ".join([head()] + hdrs + [msg])


def mix_frag():
    size = 8 * R.randint(8, 154)
    fid = u(32)
    if R.random() < 0.5:
        if R.random() < 0.5:
            up = "udp(sport=%d, dport=%d, len=%d) / raw(%d)" % (u(16), u(16), size + 1200,
                                                               size - 8)
        else:
            up = "icmpv6.echo_request(id=%d, seq=%d) / raw(%d)" % (u(16), u(16), size - 8)
        return "%s / frag(offset=0, m=1, id=%d) / %s" % (head(), fid, up)
    return "%s / frag(offset=%d, m=%d, id=%d, nh=17) / raw(%d)" % (
        head(), R.randint(1, 8000), u(1), fid, size)


MIXES = [("ipv6-tcp", mix_tcp), ("ipv6-ext", mix_ext), ("fragments", mix_frag)]


def read_pcap(path):
    """The frames of a pcap file (either byte order, us or ns stamps)."""
    with open(path, "rb") as fp:
        data = fp.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit("%s: not a pcap file" % path)
    frames, at = [], 24
    while at + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(end + "IIII", data[at:at + 16])
        frames.append(data[at + 16:at + 16 + caplen])
        at += 16 + caplen
    return frames


def write_pcap(path, frames, count):
    with open(path, "wb") as fp:
        fp.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        t = 1700000000 * 1000000
        for i in range(count):
            f = frames[i % len(frames)]
            fp.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(f), len(f)))
            fp.write(f)
            t += 1


def main():
    if len(sys.argv) not in (3, 4):
        print("usage: mkpcaps.py PATH/TO/v6lab OUTDIR [COUNT]", file=sys.stderr)
        return 2
    v6lab, outdir = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) == 4 else 1000000
    os.makedirs(outdir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="v6lab-mkpcaps-") as tmp:
        for name, gen in MIXES:
            txt, tmpl = os.path.join(tmp, name + ".txt"), os.path.join(tmp, name + ".pcap")
            with open(txt, "w") as fp:
                for _ in range(TEMPLATES):
                    fp.write(gen() + "\n")
            r = subprocess.run([v6lab, "build", "-o", tmpl, "-f", txt],
                               capture_output=True, text=True)
            if r.returncode:
                raise SystemExit("v6lab build failed for %s:\n%s" % (name, r.stderr))
            # Every template must decode cleanly, or the mix measures errors.
            r = subprocess.run([v6lab, "decode", tmpl], capture_output=True, text=True)
            if r.returncode:
                bad = [x for x in r.stdout.splitlines() if "malformed" in x][:3]
                raise SystemExit("%s: templates do not decode:\n%s" % (name, "\n".join(bad)))
            out = os.path.join(outdir, name + ".pcap")
            write_pcap(out, read_pcap(tmpl), count)
            print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
