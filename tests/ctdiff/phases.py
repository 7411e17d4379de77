"""The traffic of the differential test, in phases: real exchanges between
the client and the server namespaces (ping, UDP echo, HTTP with curl, TCP
echo connections held open or reset, FTP over IPv6 and IPv4) and crafted
packets sent with scapy from either end (TCP conversations with segments
outside the window, RSTs, half-open connections, ICMP errors quoting
tracked connections, fragments, broken IPv6 extension header chains,
protocols the trackers handle differently). Each phase is opened by a
marker packet both captures see, so the two sides can be compared phase
by phase.

A phase may list known differences: deliberate ones, documented in
docs/ct-differences.md. Each names the packets (by a port of the crafted
flow) or the table entries it covers and the values each side is expected
to show; anything else that differs fails the test."""

import os
import socket
import struct
import subprocess
import time

from topo import C4, C6, MAC, S4, S6, STRAY4, STRAY6

from scapy.all import (GRE, ICMP, IP, SCTP, TCP, UDP, Ether, ICMPv6DestUnreach,
                       ICMPv6EchoRequest, ICMPv6ND_NS, ICMPv6PacketTooBig, IPOption_RR, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                       IPv6ExtHdrSegmentRouting, PadN,
                       Raw, SCTPChunkInit, checksum, fragment, raw)

WAIT = 0.15  # for packets in flight at the end of a phase


class Agent:
    """A frame sender in one namespace, driven line by line."""

    def __init__(self, topo, side, iface):
        self.p = topo.peer(side, "agent", iface)
        if self.p.stdout.readline().strip() != "ready":
            raise RuntimeError("agent in %s did not start: %s" % (side, self.p.stderr.read()))

    def send(self, frame):
        self.p.stdin.write(frame.hex() + "\n")
        self.p.stdin.flush()
        if self.p.stdout.readline().strip() != "ok":
            raise RuntimeError("agent failed")


class Ctx:
    def __init__(self, topo, log):
        self.topo = topo
        self.log = log
        self.agents = {"c": Agent(topo, "c", "c0"), "s": Agent(topo, "s", "s0")}
        self.held = []  # clients holding connections open to the end
        self.ftp = False

    def send(self, side, pkt, gap=0.004):
        eth = Ether(src=MAC["c0"], dst=MAC["r0"]) if side == "c" else \
            Ether(src=MAC["s0"], dst=MAC["r1"])
        self.agents[side].send(raw(eth / pkt))
        time.sleep(gap)

    def marker(self, n):
        self.send("c", IPv6(src=C6, dst="2001:db8:1::1", hlim=255) /
                  ICMPv6ND_NS(tgt="2001:db8:1::ff00:%x" % n), gap=0.02)

    def peer(self, side, *args, check=True, timeout=20):
        p = self.topo.peer(side, *args, stdin=subprocess.DEVNULL)
        out, err = p.communicate(timeout=timeout)
        if check and p.returncode:
            raise RuntimeError("peer %s %s: %s %s" % (side, args, out, err))
        return out

    def run(self, side, *cmd, check=True):
        return self.topo.x(side, *cmd, check=check)

    def hold(self, *args):
        """A client that stays connected until the end of the test."""
        p = self.topo.peer("c", *args)
        line = p.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError("client %s: %s %s" % (args, line, p.stderr.read()))
        self.held.append(p)
        return p


def l3(v6, frm):
    """The IP header from the client (frm "c") or the server."""
    if v6:
        return IPv6(src=C6, dst=S6) if frm == "c" else IPv6(src=S6, dst=C6)
    return IP(src=C4, dst=S4) if frm == "c" else IP(src=S4, dst=C4)


class Conv:
    """A TCP conversation the test plays for both ends."""

    def __init__(self, ctx, v6, cport, sport, copts=(), sopts=(), cwin=64240, swin=64240):
        self.ctx, self.v6, self.cport, self.sport = ctx, v6, cport, sport
        self.nxt = {"c": 1000000, "s": 3000000}
        self.opts = {"c": list(copts), "s": list(sopts)}
        self.win = {"c": cwin, "s": swin}
        self.last = None

    def seg(self, frm, flags, seq=None, ack=None, data=b"", win=None, adv=True, options=None,
            **kw):
        other = "s" if frm == "c" else "c"
        sp, dp = (self.cport, self.sport) if frm == "c" else (self.sport, self.cport)
        s = self.nxt[frm] if seq is None else seq
        a = self.nxt[other] if ack is None else ack
        opts = options if options is not None else self.opts[frm] if "S" in flags else []
        pkt = l3(self.v6, frm) / TCP(sport=sp, dport=dp, flags=flags, seq=s,
                                     ack=a if "A" in flags else 0,
                                     window=self.win[frm] if win is None else win,
                                     options=opts, **kw)
        if data:
            pkt = pkt / Raw(data)
        self.last = pkt
        self.ctx.send(frm, pkt)
        if adv and seq is None:
            self.nxt[frm] += len(data) + ("S" in flags) + ("F" in flags)
        return pkt

    def open(self):
        self.seg("c", "S")
        self.seg("s", "SA")
        self.seg("c", "A")

    def data(self, frm, n):
        self.seg(frm, "PA", data=b"d" * n)
        self.seg("s" if frm == "c" else "c", "A")

    def close(self):
        self.seg("c", "FA")
        self.seg("s", "FA")
        self.seg("c", "A")


# ---- the phases ----

def ph_icmp_echo(ctx):
    ctx.run("c", "ping", "-c", "2", "-i", "0.2", "-W", "1", "-q", S4)
    ctx.run("c", "ping", "-6", "-c", "2", "-i", "0.2", "-W", "1", "-q", S6)


def ph_udp(ctx):
    for a in (S4, S6):
        ctx.peer("c", "udp", a, "7001", "3", "0.1", "64", "expect")
        # nobody answers: UNREPLIED
        ctx.peer("c", "udp", a, "7998", "1", "0", "32", "noexpect")


def ph_udp_stream(ctx):
    # replied and still active after two seconds: ASSURED, stream timeout
    ps = [ctx.topo.peer("c", "udp", a, "7001", "2", "2.3", "64", "expect",
                        stdin=subprocess.DEVNULL) for a in (S4, S6)]
    for p in ps:
        p.communicate(timeout=10)


def ph_http(ctx):
    for url in ("http://%s:8080/hello.txt" % S4, "http://[%s]:8080/hello.txt" % S6):
        ctx.run("c", "curl", "-s", "-g", "-o", "/dev/null", "--max-time", "5", url)


def ph_tcp_real(ctx):
    ctx.hold("tcp", S4, "7000", "3", "hold")
    ctx.hold("tcp", S6, "7000", "3", "hold")
    ctx.peer("c", "tcp", S4, "7000", "2", "rst")
    ctx.peer("c", "tcp", S6, "7000", "2", "close")
    # refused: the server's RST is the only answer, the entry goes away
    ctx.peer("c", "tcp", S4, "9", "0", "refused")
    ctx.peer("c", "tcp", S6, "9", "0", "refused")


def ph_half_open(ctx):
    for v6, port in ((False, 40001), (True, 40002)):
        ctx.send("c", l3(v6, "c") / TCP(sport=port, dport=7999, flags="S", seq=12345,
                                        options=[("MSS", 1460)]))


def ph_tcp_window(ctx):
    # v4, no window scaling: out-of-window segments of both kinds
    c = Conv(ctx, False, 40010, 7110, copts=[("MSS", 1460)], sopts=[("MSS", 1460)])
    c.open()
    c.data("c", 200)
    c.data("s", 300)
    c.seg("c", "PA", seq=c.nxt["c"] + 200000, data=b"f" * 10)      # SEQ above window
    c.seg("c", "A", ack=c.nxt["s"] + 100000)                        # ACK of unseen data
    c.seg("c", "PA", seq=c.nxt["c"] - 200000, data=b"o" * 10)      # long ago data
    c.seg("c", "A", ack=c.nxt["s"] - 200000)                        # ancient ACK
    c.seg("s", "PA", seq=c.nxt["s"] + 300000, data=b"g" * 10)      # SEQ above, reply
    c.data("c", 100)
    c.seg("c", "A")                                                 # duplicate ACKs
    c.seg("c", "A")
    c.close()
    # v6, window scaling and SACK: data past a small window, SACK blocks
    c = Conv(ctx, True, 40011, 7111,
             copts=[("MSS", 1440), ("SAckOK", b""), ("WScale", 7)],
             sopts=[("MSS", 1440), ("SAckOK", b""), ("WScale", 2)], swin=1000)
    c.open()
    c.data("c", 100)
    # the server allows 1000 << 2 bytes; the client sends past it a little
    c.seg("c", "PA", data=b"w" * 1200)
    c.seg("c", "PA", data=b"w" * 1200)
    c.seg("c", "PA", data=b"w" * 1200)
    c.seg("c", "PA", data=b"w" * 1200)
    c.seg("s", "A", win=1000)
    c.seg("s", "A", ack=c.nxt["c"] - 1200, win=1000,
          options=[("SAck", (c.nxt["c"] - 1200 + 100, c.nxt["c"] - 1200 + 300))])
    c.data("s", 50)
    c.seg("c", "RA")


def ph_tcp_rst(ctx):
    # exact RST from the client: CLOSE on both sides
    c = Conv(ctx, False, 40020, 7120)
    c.open()
    c.data("c", 50)
    c.seg("c", "R")
    # the same over IPv6, the server resets with an ACK
    c = Conv(ctx, True, 40021, 7121)
    c.open()
    c.data("s", 50)
    c.seg("s", "RA")
    # RST out of the window: invalid, the connection goes on
    c = Conv(ctx, False, 40022, 7122)
    c.open()
    c.data("c", 50)
    c.seg("c", "R", seq=c.nxt["c"] + 5000000)
    c.data("s", 10)
    # SYN to a closing connection, then a SYN reopening a closed one
    c = Conv(ctx, False, 40023, 7123)
    c.open()
    c.data("c", 10)
    c.close()
    c.nxt["c"] += 100000
    c.nxt["s"] += 300000
    c.open()
    c.data("c", 10)


def ph_tcp_states(ctx):
    # simultaneous open (SYN each way, then SYN/ACKs)
    c = Conv(ctx, False, 40080, 7180)
    c.seg("c", "S")
    c.seg("s", "S")
    c.seg("c", "SA", seq=c.nxt["c"] - 1)
    c.seg("s", "SA", seq=c.nxt["s"] - 1)
    c.seg("c", "A")
    c.data("c", 20)
    # the server closes first; the client's FIN is left unacknowledged
    c = Conv(ctx, True, 40081, 7181)
    c.open()
    c.data("s", 20)
    c.seg("s", "FA")
    c.seg("c", "A")
    c.data("c", 30)
    c.seg("c", "FA")
    # half closed, CLOSE_WAIT at the end
    c = Conv(ctx, False, 40082, 7182)
    c.open()
    c.seg("c", "FA")
    c.seg("s", "A")
    # retransmitted SYN and SYN/ACK, a new SYN with a higher sequence
    c = Conv(ctx, True, 40083, 7183)
    c.seg("c", "S")
    c.seg("c", "S", seq=c.nxt["c"] - 1)
    c.nxt["c"] += 50000
    c.seg("c", "S", seq=c.nxt["c"] - 1)
    c.seg("s", "SA")
    c.seg("s", "SA", seq=c.nxt["s"] - 1)
    c.seg("c", "A")
    c.data("c", 10)
    # zero window, a window probe, a keepalive
    c = Conv(ctx, False, 40084, 7184)
    c.open()
    c.data("c", 100)
    c.seg("s", "A", win=0)
    c.seg("c", "A", seq=c.nxt["c"], data=b"p", adv=False)
    c.seg("s", "A", win=0)
    c.seg("c", "A", seq=c.nxt["c"] - 1, adv=False)
    c.seg("s", "A", win=5000)
    c.data("c", 100)
    # picked up in the middle (nf_conntrack_tcp_loose), then answered
    c = Conv(ctx, True, 40085, 7185)
    c.seg("c", "PA", data=b"m" * 40)
    c.seg("s", "A")
    c.data("s", 40)
    c.data("c", 40)
    # the client restarts: a new SYN on an established connection, the
    # server's challenge ACK, the client's RST, the SYN again
    c = Conv(ctx, False, 40086, 7186)
    c.open()
    c.data("c", 10)
    c.data("s", 10)
    old = dict(c.nxt)
    c.seg("c", "S", seq=7000000, adv=False)
    c.seg("s", "A", seq=old["s"], ack=old["c"])
    c.seg("c", "R", seq=old["c"], adv=False)
    c.seg("c", "S", seq=7000000, adv=False)
    c.nxt["c"] = 7000001
    c.seg("s", "SA", seq=9000000, adv=False)
    c.nxt["s"] = 9000001
    c.seg("c", "A")
    c.data("c", 10)


def ph_ftp_seq(ctx):
    # known difference: our FTP helper reads a PORT command at the start of
    # any segment; Linux only at the start of a line (it tracks where lines
    # end), so here, after a segment without a newline, only we expect the
    # data connection
    c = Conv(ctx, False, 40090, 21)
    c.open()
    c.seg("s", "PA", data=b"220 ready\r\n")
    c.seg("c", "A")
    for line in (b"USER anonymous\r\n", b"NOOP", b"PORT 192,0,2,2,156,165\r\n"):
        c.seg("c", "PA", data=line)
        c.seg("s", "A")
    c.seg("s", "PA", data=b"200 PORT command successful.\r\n")
    d = Conv(ctx, False, 40101, 20)  # the server connects to 40101
    d.seg("s", "S")
    d.seg("c", "SA")
    d.seg("s", "A")


def ph_rst_inexact(ctx):
    # known difference: an in-window RST whose sequence number is not the
    # expected one closes our entry; Linux keeps ESTABLISHED for the
    # challenge ACK (RFC 5961 §3.2)
    c = Conv(ctx, False, 40030, 7130)
    c.open()
    c.data("c", 100)
    c.seg("c", "R", seq=c.nxt["c"] + 1000, adv=False)
    c.seg("s", "A")  # the challenge ACK


def ph_bad_checksum(ctx):
    # known difference: the checksum is not verified by default
    c = Conv(ctx, False, 40031, 7131)
    c.open()
    c.seg("c", "PA", data=b"bad", chksum=0x1234, adv=False)
    c.data("c", 10)


def ph_icmp_errors(ctx):
    # real: UDP to a closed port, the server answers Port Unreachable
    for a in (S4, S6):
        ctx.peer("c", "udp", a, "9", "1", "0", "20", "noexpect")
    # crafted: an administratively prohibited for a half-open connection
    for v6, port in ((False, 40040), (True, 40041)):
        syn = l3(v6, "c") / TCP(sport=port, dport=7140, flags="S", seq=777)
        ctx.send("c", syn)
        if v6:
            err = l3(v6, "s") / ICMPv6DestUnreach(code=1) / raw(syn)
        else:
            err = l3(v6, "s") / ICMP(type=3, code=13) / raw(syn)[:28]
        ctx.send("s", err)
    # an error quoting no tracked connection: invalid on both
    for v6 in (False, True):
        ghost = l3(v6, "c") / UDP(sport=40042, dport=7141)
        if v6:
            ctx.send("s", l3(v6, "s") / ICMPv6DestUnreach(code=4) / raw(ghost / Raw(b"q" * 8)))
        else:
            ctx.send("s", l3(v6, "s") / ICMP(type=3, code=3) / raw(ghost / Raw(b"q" * 8)))
    # an error for a tracked connection sent to a third host
    for v6, port in ((False, 40043), (True, 40044)):
        syn = l3(v6, "c") / TCP(sport=port, dport=7142, flags="S", seq=888)
        ctx.send("c", syn)
        if v6:
            err = IPv6(src=S6, dst=STRAY6) / ICMPv6DestUnreach(code=1) / raw(syn)
        else:
            err = IP(src=S4, dst=STRAY4) / ICMP(type=3, code=13) / raw(syn)[:28]
        ctx.send("s", err)
    # an ICMP echo reply nobody asked for
    ctx.send("s", IP(src=S4, dst=C4) / ICMP(type=0, id=4242, seq=1))
    ctx.send("s", IPv6(src=S6, dst=C6) / ICMPv6EchoRequest(type=129, id=4243, seq=1))


def ph_fragments(ctx):
    # real: the ends fragment (echo requests and replies, a UDP echo)
    ctx.run("c", "ping", "-c", "1", "-s", "3000", "-W", "1", "-q", S4)
    ctx.run("c", "ping", "-6", "-c", "1", "-s", "3000", "-W", "1", "-q", S6)
    ctx.peer("c", "udp", S6, "7001", "1", "0", "4000", "expect")
    ctx.peer("c", "udp", S4, "7001", "1", "0", "4000", "expect")
    # crafted IPv6 UDP in three fragments, out of order
    pkt = IPv6(src=C6, dst=S6) / IPv6ExtHdrFragment(id=0x1001) / UDP(sport=40050, dport=7150) \
        / Raw(b"a" * 2000)
    fr = fragment6(pkt, 800)
    for f in (fr[2], fr[0], fr[1]):
        ctx.send("c", f)
    # overlapping fragments (RFC 5722): the whole datagram is dropped
    base = IPv6(src=C6, dst=S6)
    body = raw(UDP(sport=40051, dport=7151, len=8 + 64) / Raw(b"b" * 64))
    ctx.send("c", base / IPv6ExtHdrFragment(id=0x1002, offset=0, m=1, nh=17) / Raw(body[:40]))
    ctx.send("c", base / IPv6ExtHdrFragment(id=0x1002, offset=4, m=0, nh=17) / Raw(body[32:]))
    # an atomic fragment (offset 0, no more fragments)
    ctx.send("c", base / IPv6ExtHdrFragment(id=0x1003, offset=0, m=0) /
             UDP(sport=40052, dport=7152) / Raw(b"c" * 20))
    # a first fragment whose rest never comes: held, no entry
    ctx.send("c", base / IPv6ExtHdrFragment(id=0x1004, offset=0, m=1, nh=17) / Raw(body[:48]))
    # the upper-layer header not in the first fragment (RFC 7112): the
    # first carries only a Destination Options header
    chain = raw(base / IPv6ExtHdrDestOpt(nh=17, options=[PadN(optdata=b"\0" * 4)]) /
                UDP(sport=40053, dport=7153) / Raw(b"e" * 64))[40:]
    ctx.send("c", base / IPv6ExtHdrFragment(id=0x1005, offset=0, m=1, nh=60) / Raw(chain[:8]))
    ctx.send("c", base / IPv6ExtHdrFragment(id=0x1005, offset=1, m=0, nh=60) / Raw(chain[8:]))
    # a fragmented ICMPv6 echo request, answered by the server
    pkt = IPv6(src=C6, dst=S6) / IPv6ExtHdrFragment(id=0x1006) / \
        ICMPv6EchoRequest(id=4244, seq=1, data=b"p" * 1800)
    for f in fragment6(pkt, 1000):
        ctx.send("c", f)
    # IPv4 UDP in two fragments, the second first
    pkt = IP(src=C4, dst=S4, id=0x2001) / UDP(sport=40054, dport=7154) / Raw(b"f" * 1600)
    fr = fragment(pkt, 1000)
    ctx.send("c", fr[1])
    ctx.send("c", fr[0])
    time.sleep(0.3)


def fragment6(pkt, size):
    from scapy.all import fragment6 as f6
    return f6(pkt, size)


def ph_exthdr(ctx):
    base = IPv6(src=C6, dst=S6)
    pad = [PadN(optdata=b"\0" * 4)]

    def udp(n, dst=S6):
        """UDP bytes whose checksum takes dst as the destination."""
        return raw(IPv6(src=C6, dst=dst) / UDP(sport=40060 + n, dport=7160 + n) /
                   Raw(b"h" * 16))[40:]

    # a well-formed chain: Hop-by-Hop, Destination Options, UDP
    ctx.send("c", base / IPv6ExtHdrHopByHop(options=pad) / IPv6ExtHdrDestOpt(options=pad, nh=17)
             / Raw(udp(0)))
    # Hop-by-Hop after Destination Options (RFC 8200 §4.1: only first)
    ctx.send("c", base / IPv6ExtHdrDestOpt(options=pad) / IPv6ExtHdrHopByHop(options=pad, nh=17)
             / Raw(udp(1)))
    # Destination Options longer than the packet
    p = bytearray(raw(base / IPv6ExtHdrDestOpt(nh=17, options=pad)))
    p[41] = 8  # 72 bytes, the packet has 8
    ctx.send("c", IPv6(bytes(p)))
    # an option overrunning its Destination Options header
    p = bytearray(raw(base / IPv6ExtHdrDestOpt(options=pad, nh=17) / Raw(udp(3))))
    p[43] = 30
    ctx.send("c", IPv6(bytes(p)))
    # type 0 routing header with segments left (RFC 5095): the checksum
    # over the final destination (RFC 8200 §8.1), then over the packet's
    # destination; and without segments left
    rh = IPv6ExtHdrRouting(type=0, segleft=1, addresses=["2001:db8:2::3"], nh=17)
    ctx.send("c", base / rh / Raw(udp(4, "2001:db8:2::3")))
    ctx.send("c", base / rh / Raw(udp(7)))
    ctx.send("c", base / IPv6ExtHdrRouting(type=0, segleft=0, addresses=["2001:db8:2::3"],
                                           nh=17) / Raw(udp(5)))
    # No Next Header after Destination Options, and an unknown protocol
    ctx.send("c", base / IPv6ExtHdrDestOpt(nh=59, options=pad) / Raw(b"z" * 8))
    ctx.send("c", IPv6(src=C6, dst=S6, nh=253) / Raw(b"y" * 16))
    # AH before UDP, well formed, then one shorter than its fixed part
    ah = bytes([17, 4, 0, 0]) + struct.pack(">II", 0x100, 1) + b"\0" * 12
    ctx.send("c", IPv6(src=C6, dst=S6, nh=51) / Raw(ah + udp(6)))
    ah = bytes([17, 0, 0, 0]) + struct.pack(">I", 0x101)
    ctx.send("c", IPv6(src=C6, dst=S6, nh=51) / Raw(ah + udp(8)))
    # a segment routing header with a segment left, the UDP checksum over
    # the final destination as RFC 8200 §8.1 says, then over the packet's
    # destination
    for n, fin in ((9, "2001:db8:2::3"), (10, S6)):
        srh = IPv6ExtHdrSegmentRouting(nh=17, segleft=1, lastentry=1,
                                       addresses=["2001:db8:2::3", S6])
        ctx.send("c", base / srh / Raw(udp(n, fin)))


def ph_malformed(ctx):
    # flag combinations no TCP sends, as the first packet of a flow
    for n, flags in enumerate(("SF", "F", "", "SR", "FPU")):
        ctx.send("c", IP(src=C4, dst=S4) / TCP(sport=40110 + n, dport=7210, flags=flags))
    # on an established connection: data offset below 5, a SYN+FIN
    c = Conv(ctx, True, 40116, 7211)
    c.open()
    c.seg("c", "PA", data=b"x" * 12, dataofs=4, adv=False)
    c.seg("c", "SF", adv=False)
    c.data("c", 10)
    # UDP length beyond the payload, and below the header
    ctx.send("c", IP(src=C4, dst=S4) / UDP(sport=40117, dport=7212, len=200) / Raw(b"u" * 8))
    ctx.send("c", IPv6(src=C6, dst=S6) / UDP(sport=40118, dport=7212, len=4) / Raw(b"u" * 8))
    # an ICMP header cut short, an IPv4 header with a bad length
    ctx.send("c", IP(src=C4, dst=S4, proto=1) / Raw(b"\x08\x00\xf7"))
    ctx.send("c", IP(src=C4, dst=S4, len=2000) / UDP(sport=40119, dport=7212))
    # IPv4 options before TCP
    ctx.send("c", IP(src=C4, dst=S4, options=[IPOption_RR(routers=["0.0.0.0"] * 2)]) /
             TCP(sport=40120, dport=7213, flags="S"))
    # IPv4 fragments: the TCP header split by the first (RFC 1858), then
    # overlapping fragments
    seg = raw(IP(src=C4, dst=S4, proto=6) / TCP(sport=40121, dport=7214, flags="S") /
              Raw(b"t" * 16))[20:]
    ctx.send("c", IP(src=C4, dst=S4, id=0x3001, flags="MF", frag=0, proto=6) / Raw(seg[:8]))
    ctx.send("c", IP(src=C4, dst=S4, id=0x3001, frag=1, proto=6) / Raw(seg[8:]))
    body = raw(IP(src=C4, dst=S4) / UDP(sport=40122, dport=7215) / Raw(b"o" * 40))[20:]
    ctx.send("c", IP(src=C4, dst=S4, id=0x3002, flags="MF", frag=0, proto=17) / Raw(body[:24]))
    ctx.send("c", IP(src=C4, dst=S4, id=0x3002, frag=2, proto=17) / Raw(body[16:]))
    # ICMP errors: about an echo request, about a reply of the server, a
    # Packet Too Big for a TCP connection
    ctx.send("c", IP(src=C4, dst=S4) / ICMP(type=8, id=4300, seq=1) / Raw(b"e" * 8))
    ctx.send("s", IP(src=S4, dst=C4) / ICMP(type=11, code=0) /
             raw(IP(src=C4, dst=S4, ttl=1) / ICMP(type=8, id=4300, seq=1) / Raw(b"e" * 8)))
    ctx.send("c", IPv6(src=C6, dst=S6) / UDP(sport=40123, dport=7216) / Raw(b"r" * 8))
    ctx.send("s", IPv6(src=S6, dst=C6) / UDP(sport=7216, dport=40123) / Raw(b"s" * 8))
    ctx.send("c", IPv6(src=C6, dst=S6) / ICMPv6DestUnreach(code=4) /
             raw(IPv6(src=S6, dst=C6) / UDP(sport=7216, dport=40123) / Raw(b"s" * 8)))
    c = Conv(ctx, True, 40124, 7217)
    c.open()
    big = c.seg("c", "PA", data=b"B" * 1400, adv=False)
    ctx.send("s", IPv6(src=S6, dst=C6) / ICMPv6PacketTooBig(mtu=1280) / raw(big)[:1232])


def ph_protocols(ctx):
    # known differences: SCTP, GRE (and DCCP) are tracked by the generic
    # module here
    ctx.send("c", IP(src=C4, dst=S4) / SCTP(sport=40070, dport=7170, tag=0) /
             SCTPChunkInit(init_tag=0x1234, a_rwnd=65535, n_out_streams=1, n_in_streams=1,
                           init_tsn=1))
    ctx.send("c", IP(src=C4, dst=S4) / GRE(proto=0x0800) / IP(src="192.0.2.50",
                                                             dst="198.51.100.50") / ICMP())
    # UDP-Lite over IPv6
    # UDP-Lite over IPv6: as RFC 3828 says, then with the pseudo-header of
    # UDP, which Linux's conntrack checks it with
    for port, ph in ((7171, 136), (7172, 17)):
        ctx.send("c", IPv6(src=C6, dst=S6, nh=136) /
                 Raw(udplite6(C6, S6, port - 7100 + 40000, port, b"l" * 16, ph)))
        ctx.send("s", IPv6(src=S6, dst=C6, nh=136) /
                 Raw(udplite6(S6, C6, port, port - 7100 + 40000, b"m" * 16, ph)))


def udplite6(src, dst, sport, dport, payload, ph_proto=136):
    """A UDP-Lite datagram whose checksum covers its header (RFC 3828),
    with ph_proto as the pseudo-header's protocol."""
    d = bytearray(struct.pack(">HHHH", sport, dport, 8, 0) + payload)
    ph = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + \
        struct.pack(">I", len(d)) + b"\0\0\0" + bytes([ph_proto])
    cs = checksum(ph + bytes(d[:8]))
    d[6:8] = struct.pack(">H", cs or 0xFFFF)
    return bytes(d)


def ph_ftp(ctx):
    if not ctx.ftp:
        return "no FTP server (python3-pyftpdlib)"
    ctx.peer("c", "ftp", S6)
    ctx.peer("c", "ftp", S4)
    return None


# Known differences. A rule covers a packet whose summary contains `match`
# ("packet": the verdicts `ours` and `kernel`, None for a packet one side
# did not judge) or a table entry ("entry": `ours` and `kernel` each None
# for absent, "present", or the TCP state or, for protocols we track as
# generic, the kernel's tracker name). Deliberate ones ("doc": the entry of
# docs/ct-differences.md) pass; our bugs ("bug") are TODO until fixed.


def pkt(match, ours, kernel, doc=None, bug=None):
    return {"what": "packet", "match": match, "ours": ours, "kernel": kernel, "doc": doc,
            "bug": bug}


def ent(match, ours, kernel, doc=None, bug=None):
    return {"what": "entry", "match": match, "ours": ours, "kernel": kernel, "doc": doc,
            "bug": bug}


STRICT6 = "stricter IPv6 extension header checks"
PHASES = [
    ("icmp-echo", ph_icmp_echo, []),
    ("udp", ph_udp, []),
    ("udp-stream", ph_udp_stream, []),
    ("http", ph_http, []),
    ("tcp-real", ph_tcp_real, []),
    ("half-open", ph_half_open, []),
    ("tcp-window", ph_tcp_window, []),
    ("tcp-rst", ph_tcp_rst, []),
    ("tcp-states", ph_tcp_states, []),
    ("ftp-seq", ph_ftp_seq, [pkt(".20 > 192.0.2.2.40101 tcp [S]", "related", "new",
                                 doc="FTP helper without sequence tracking")]),
    ("rst-inexact", ph_rst_inexact,
     [ent(".7130", "CLOSE", "ESTABLISHED", doc="no RFC 5961 RST exactness check")]),
    ("bad-checksum", ph_bad_checksum,
     [pkt(".7131 tcp [AP] seq 1000001", "established", "invalid", doc="checksums")]),
    ("icmp-errors", ph_icmp_errors, []),
    ("fragments", ph_fragments, []),
    ("exthdr", ph_exthdr,
     [pkt(m, "invalid", "new", doc=STRICT6) for m in (".7161 ", ".7163 ", ".7167 ", ".7168 ")] +
     [ent(m, None, "present", doc=STRICT6) for m in (".7161", ".7163", ".7167", ".7168")] +
     [pkt(".7169 ", "new", "invalid", doc="checksums"), ent(".7169", "present", None,
                                                            doc="checksums")]),
    ("malformed", ph_malformed, []),
    ("protocols", ph_protocols,
     [ent("sctp", "generic", "sctp", doc="SCTP, GRE and DCCP"),
      ent("gre", "generic", "gre", doc="SCTP, GRE and DCCP"),
      pkt(".7171 ", "new", "invalid", doc="UDP-Lite checksum"),
      pkt(".7171 > ", "established", "invalid", doc="UDP-Lite checksum"),
      ent(".7171", "present", None, doc="UDP-Lite checksum")]),
    ("ftp", ph_ftp, []),
]


def write_files(root):
    with open(os.path.join(root, "hello.txt"), "w") as f:
        f.write("hello from the server\n" * 20)
