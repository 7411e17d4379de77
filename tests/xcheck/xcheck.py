#!/usr/bin/python3
"""
Cross-check of the v6lab packet library against scapy, an independent
implementation of the same RFCs.

Part A, scapy -> v6lab: scapy builds a few hundred random packets of every
kind the library knows; `v6lab decode --json` reads them from a pcap and
every field both sides have is compared, with the length of every layer and
option, and every checksum v6lab judges must be right.

Part B, v6lab -> scapy: random packets written in the notation are encoded
by `v6lab build`; scapy dissects them; every field the notation set must read
back; every next-header value must name the layer that follows; and scapy,
asked to recompute every length, count and checksum it knows how to compute,
must produce the very bytes v6lab wrote.

MAP below is the one table that ties the two vocabularies together: for each
scapy class, the v6lab layer it is and how each v6lab field reads from the
scapy fields. Where scapy departs from an RFC the departure is corrected or
avoided here, each with its reference: see SCAPY EXCEPTIONS.

Usage: xcheck.py PATH/TO/v6lab. Prints each mismatch with its packet and
field, then "xcheck: N passed, M failed" (N, M: packets); exit status 0 only
when M is 0. XCHECK_SEED picks another reproducible packet set,
XCHECK_KEEP=DIR keeps the pcaps and notation file, XCHECK_VERBOSE=1 also
lists the v6lab fields no packet compared.
"""
import ipaddress
import json
import logging
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

logging.getLogger("scapy").setLevel(logging.ERROR)

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether,  # noqa: E402
                       NoPayload, Padding, PcapWriter, Raw, raw, rdpcap)
from scapy.layers import inet6  # noqa: E402
from scapy.layers.inet import (IPOption, IPOption_NOP, IPOption_Router_Alert,  # noqa: E402
                               IPOption_RR, TCPOptions, in4_chksum)
from scapy.layers.inet6 import (  # noqa: E402
    HAO, HBHOptUnknown, ICMPv6DestUnreach, ICMPv6EchoReply, ICMPv6EchoRequest,
    ICMPv6HAADReply, ICMPv6HAADRequest, ICMPv6MLDMultAddrRec, ICMPv6MLDone,
    ICMPv6MLQuery, ICMPv6MLQuery2, ICMPv6MLReport, ICMPv6MLReport2, ICMPv6MPAdv,
    ICMPv6MPSol, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_Redirect, ICMPv6ND_RS,
    ICMPv6NDOptAdvInterval, ICMPv6NDOptDNSSL, ICMPv6NDOptDstLLAddr, ICMPv6NDOptHAInfo,
    ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo, ICMPv6NDOptRDNSS, ICMPv6NDOptRedirectedHdr,
    ICMPv6NDOptRouteInfo, ICMPv6NDOptSrcLLAddr, ICMPv6NDOptUnknown, ICMPv6PacketTooBig,
    ICMPv6ParamProblem, ICMPv6TimeExceeded, ICMPv6Unknown, IPerror6, IPv6,
    IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
    IPv6ExtHdrSegmentRouting, IPv6ExtHdrSegmentRoutingTLV, Jumbo, MIP6MH_BA, MIP6MH_BE,
    MIP6MH_BRR, MIP6MH_BU, MIP6MH_CoT, MIP6MH_CoTI, MIP6MH_Generic, MIP6MH_HoT,
    MIP6MH_HoTI, MIP6OptAltCoA, MIP6OptBindingAuthData, MIP6OptBRAdvice,
    MIP6OptNonceIndices, MIP6OptUnknown, Pad1, PadN, RouterAlert)
from scapy.layers.ipsec import AH, ESP  # noqa: E402

# ---------------------------------------------------------------------------
# SCAPY EXCEPTIONS: where scapy 2.5 departs from an RFC, and what is done
# about it here.
#
# 1. MLDv2 Aux Data Len. RFC 3810 §5.2.6 counts a Multicast Address Record's
#    auxiliary data in 32-bit words; scapy's ICMPv6MLDMultAddrRec counts
#    bytes. Patched below to words.
# 2. Home Address option and the pseudo-header. RFC 6275 §6.1.1 (and §9.3.1,
#    the receiver puts the home address in place of the source before the
#    upper layer sees the packet): with a Home Address destination option,
#    upper-layer checksums use the home address as the source. scapy's
#    in6_pseudoheader() does so only when the HAO is the only option of its
#    header, which a dissected header never is (the 8n+6 alignment of §6.3
#    puts a PadN before it). Widened below to an HAO anywhere in a
#    Destination Options header.
# 3. Unknown Routing types. RFC 8200 §4.4: the type-specific data has a
#    format only its type defines, so no final destination can be read from
#    an unknown type; scapy's in6_pseudoheader() reads the last 16 octets as
#    one, as for Type 0. The same patch keeps the IPv6 destination there.
# 4. ND options scapy does not know. RFC 4861 §4.6: Length counts units of 8
#    octets; scapy's ICMPv6NDOptUnknown counts bytes. Patched below.
# 5. Mobility Header of unknown type. RFC 6275 §6.1.1: Header Len counts
#    8-octet units after the first 8 octets, so the message data after the
#    6-octet common part is 8 * len + 2 octets; scapy's MIP6MH_Generic reads
#    8 * len - 6. Patched below.
# 6. Mobility option lengths. RFC 6275 §6.2.6 and §6.2.7: Nonce Indices has
#    Length 4, Binding Authorization Data the length of its authenticator (12
#    for the 96 bits of §5.2.6); scapy's defaults are 16 for both. The
#    generators set them.
# 7. SRH Pad1. RFC 8754 §2.1.1.1: one octet, no length; scapy's
#    IPv6ExtHdrSegmentRoutingTLVPad1 has a length byte and its automatic
#    padding writes two octets for one. No packet here needs a one-octet pad
#    in an SRH.
# 8. SRH HMAC TLV. RFC 8754 §2.1.2: an 8-bit Length; scapy's
#    IPv6ExtHdrSegmentRoutingTLVHMAC has a 16-bit one with 48 added. Not
#    generated on either side.
# 9. SRH generic TLV: scapy does not compute its Length (RFC 8754 §2.1); the
#    generators set it.
# 10. AH Payload Length (RFC 4302 §2.2) is not computed by scapy; the
#    generators set it and part B checks it by hand. scapy writes 0 as the
#    checksum of a TCP or UDP header after an AH: ah_upper_cksum() computes
#    it with scapy's pseudo-header functions.
# 11. Jumbograms. RFC 2675 §4: UDP Length 0 means the length comes from the
#    Jumbo Payload option; scapy's UDP then keeps all but the last 8 octets
#    as payload and calls those padding. fix_dissection() joins them.
#
# And where scapy's dissection only stops short: unknown ICMPv6 types and ND
# options and what follows an AH come back as Raw, what follows TCP or UDP
# is guessed from the port numbers, MLDv2 records come back nested, and a
# byte-string field the packet ends before reads as its default instead of
# empty. fix_dissection(), listed_options() and get() put those right.
# ---------------------------------------------------------------------------

for _f in ICMPv6MLDMultAddrRec.fields_desc:
    if _f.name == "auxdata_len":
        _f.adjust = lambda pkt, n: (n + 3) // 4
    elif _f.name == "auxdata":
        _f.length_from = lambda pkt: 4 * pkt.auxdata_len

for _f in ICMPv6NDOptUnknown.fields_desc:
    if _f.name == "len":
        _f.adjust = lambda pkt, n: (n + 2 + 7) // 8
    elif _f.name == "data":
        _f.length_from = lambda pkt: 8 * pkt.len - 2

for _f in MIP6MH_Generic.fields_desc:
    if _f.name == "msg":
        _f.length_from = lambda pkt: 8 * pkt.len + 2

_scapy_pseudoheader = inet6.in6_pseudoheader


def _pseudoheader_rfc(nh, u, plen):
    """scapy's pseudo-header, with exceptions 2 and 3 corrected."""
    ph = _scapy_pseudoheader(nh, u, plen)
    v, routed = u, False
    while ph is not None and v is not None and not isinstance(v, IPv6):
        if isinstance(v, IPv6ExtHdrDestOpt):
            for o in v.options:
                if isinstance(o, HAO):
                    ph.src = o.hoa
        if getattr(v, "segleft", 0) and (isinstance(v, IPv6ExtHdrSegmentRouting) or
                                         isinstance(v, IPv6ExtHdrRouting) and
                                         v.type in (0, 2)):
            routed = True
        v = v.underlayer
    if ph is not None and not routed and v is not None:
        ph.dst = v.dst  # exception 3
    return ph


inet6.in6_pseudoheader = _pseudoheader_rfc

# ---------------------------------------------------------------------------
# The table. MAP["ScapyClass"] = (v6lab layer name, or a function of the scapy
# layer giving it; {v6lab field: scapy field name, or a function of the scapy
# layer}). Options that scapy keeps in a list use "Class@family" keys, since
# scapy shares Pad1/PadN between IPv6 and Mobility options.
# ---------------------------------------------------------------------------


def bit(field, mask):
    return lambda L: int(int(getattr(L, field)) & mask != 0)


def as_int(field):
    return lambda L: int.from_bytes(bytes(getattr(L, field)), "big")


def icmp4_name(L):
    return {0: "icmp.echo_reply", 3: "icmp.dest_unreach", 5: "icmp.redirect",
            8: "icmp.echo_request", 11: "icmp.time_exceeded",
            12: "icmp.param_problem"}.get(L.type, "icmp")


def icmp4_unused(L):
    # scapy splits the unused word into the RFC 4884 length and the rest.
    if L.type == 3:
        return L.reserved << 8 | L.length
    if L.type == 11:
        return L.reserved << 24 | L.length << 16 | L.unused
    if L.type == 12:
        return L.length << 16 | L.unused
    return None


def ip4opt_type(L):
    return L.copy_flag << 7 | L.optclass << 5 | L.option


def ip6_bytes(addrs):
    return b"".join(ipaddress.IPv6Address(a).packed for a in addrs)


def rh_name(L):
    return {0: "rh0", 2: "rh2"}.get(L.type, "rh")


IPV4 = {"version": "version", "ihl": "ihl", "tos": "tos", "len": "len", "id": "id",
        "rsv": bit("flags", 4), "df": bit("flags", 2), "mf": bit("flags", 1),
        "frag": "frag", "ttl": "ttl", "proto": "proto", "cksum": "chksum",
        "src": "src", "dst": "dst"}
IPV6 = {"version": "version", "tc": "tc", "flow": "fl", "plen": "plen", "nh": "nh",
        "hlim": "hlim", "src": "src", "dst": "dst"}
TCPF = {"sport": "sport", "dport": "dport", "seq": "seq", "ack": "ack",
        "doff": "dataofs", "reserved": "reserved", "ae": bit("flags", 0x100),
        "cwr": bit("flags", 0x80), "ece": bit("flags", 0x40), "urg": bit("flags", 0x20),
        "ackf": bit("flags", 0x10), "psh": bit("flags", 0x08), "rst": bit("flags", 0x04),
        "syn": bit("flags", 0x02), "fin": bit("flags", 0x01), "window": "window",
        "cksum": "chksum", "urgptr": "urgptr"}
UDPF = {"sport": "sport", "dport": "dport", "len": "len", "cksum": "chksum"}
ICMP4 = {"type": "type", "code": "code", "cksum": "chksum", "id": "id", "seq": "seq",
         "gw": "gw", "pointer": "ptr", "mtu": "nexthopmtu", "unused": icmp4_unused,
         "rest": lambda L: L.unused if L.type not in (0, 3, 5, 8, 11, 12) else None}
ICMP6 = {"type": "type", "code": "code", "cksum": "cksum"}
ICMP6_ERR = dict(ICMP6, unused=lambda L: L.length << 24 | L.unused)
MH = {"proto": "nh", "hlen": "len", "mhtype": "mhtype", "resv": "res", "cksum": "cksum"}
MLD1 = dict(ICMP6, mrd="mrd", reserved="reserved", group="mladdr")
OPT6 = {"type": "otype", "len": "optlen"}
ND = {"type": "type", "len": "len"}

MAP = {
    "Ether": ("ether", {"dst": "dst", "src": "src", "type": "type"}),
    "Dot1Q": ("dot1q", {"pcp": "prio", "dei": "id", "vid": "vlan", "type": "type"}),
    "ARP": ("arp", {"htype": "hwtype", "ptype": "ptype", "hlen": "hwlen", "plen": "plen",
                    "op": "op", "sha": "hwsrc", "spa": "psrc", "tha": "hwdst", "tpa": "pdst"}),
    "IP": ("ipv4", IPV4),
    "IPerror": ("ipv4", IPV4),
    "IPOption_EOL@ip4opt": ("ip4opt.eol", {"type": ip4opt_type}),
    "IPOption_NOP@ip4opt": ("ip4opt.nop", {"type": ip4opt_type}),
    "IPOption_Router_Alert@ip4opt": ("ip4opt.ra", {"type": ip4opt_type, "len": "length",
                                                   "value": "alert"}),
    "ICMP": (icmp4_name, ICMP4),
    "ICMPerror": (icmp4_name, ICMP4),
    "IPv6": ("ipv6", IPV6),
    "IPerror6": ("ipv6", IPV6),
    "IPv6ExtHdrHopByHop": ("hbh", {"nh": "nh", "len": "len"}),
    "IPv6ExtHdrDestOpt": ("dstopt", {"nh": "nh", "len": "len"}),
    "Pad1@ip6opt": ("ip6opt.pad1", {"type": "otype"}),
    "PadN@ip6opt": ("ip6opt.padn", dict(OPT6, data="optdata")),
    "RouterAlert@ip6opt": ("ip6opt.ra", dict(OPT6, value="value")),
    "Jumbo@ip6opt": ("ip6opt.jumbo", dict(OPT6, plen="jumboplen")),
    "HAO@ip6opt": ("ip6opt.hao", dict(OPT6, hoa="hoa")),
    "HBHOptUnknown@ip6opt": ("ip6opt", dict(OPT6, data="optdata",
                                            action=lambda L: L.otype >> 6,
                                            chg=lambda L: L.otype >> 5 & 1)),
    "IPv6ExtHdrRouting": (rh_name, {
        "nh": "nh", "len": "len", "type": "type", "segleft": "segleft",
        "rsv": "reserved", "addrs": "addresses",
        "hoa": lambda L: L.addresses[0] if L.type == 2 and L.addresses else None,
        "data": lambda L: struct.pack("!I", L.reserved) + ip6_bytes(L.addresses)}),
    "IPv6ExtHdrSegmentRouting": ("srh", {
        "nh": "nh", "len": "len", "type": "type", "segleft": "segleft",
        "last": "lastentry", "tag": "tag", "addrs": "addresses",
        "flags": lambda L: (L.unused1 << 7 | L.protected << 6 | L.oam << 5 |
                            L.alert << 4 | L.hmac << 3 | L.unused2)}),
    "IPv6ExtHdrSegmentRoutingTLVPadN@srhtlv": ("srhtlv.padn", {
        "type": "type", "len": "len", "data": "padding"}),
    "IPv6ExtHdrSegmentRoutingTLVHMAC@srhtlv": ("srhtlv.hmac", {
        "type": "type", "len": "len", "d": "D", "rsv": "reserved",
        "keyid": "hmackeyid", "hmac": "hmac"}),
    "IPv6ExtHdrSegmentRoutingTLV@srhtlv": ("srhtlv", {"type": "type", "len": "len",
                                                      "data": "value"}),
    "IPv6ExtHdrFragment": ("frag", {"nh": "nh", "res1": "res1", "offset": "offset",
                                    "res2": "res2", "m": "m", "id": "id"}),
    "AH": ("ah", {"nh": "nh", "len": "payloadlen", "rsv": "reserved", "spi": "spi",
                  "seq": "seq", "icv": lambda L: (L.icv or b"") + (L.padding or b"")}),
    "ESP": ("esp", {"spi": "spi", "seq": "seq", "data": "data"}),
    "ICMPv6Unknown": ("icmpv6", dict(ICMP6, data="msgbody")),
    "ICMPv6DestUnreach": ("icmpv6.dest_unreach", ICMP6_ERR),
    "ICMPv6PacketTooBig": ("icmpv6.packet_too_big", dict(ICMP6, mtu="mtu")),
    "ICMPv6TimeExceeded": ("icmpv6.time_exceeded", ICMP6_ERR),
    "ICMPv6ParamProblem": ("icmpv6.param_problem", dict(ICMP6, pointer="ptr")),
    "ICMPv6EchoRequest": ("icmpv6.echo_request", dict(ICMP6, id="id", seq="seq",
                                                      data="data")),
    "ICMPv6EchoReply": ("icmpv6.echo_reply", dict(ICMP6, id="id", seq="seq", data="data")),
    "ICMPv6ND_RS": ("icmpv6.rs", dict(ICMP6, reserved="res")),
    "ICMPv6ND_RA": ("icmpv6.ra", dict(ICMP6, chl="chlim", m="M", o="O", h="H", prf="prf",
                                      p="P", reserved="res", lifetime="routerlifetime",
                                      reachable="reachabletime", retrans="retranstimer")),
    "ICMPv6ND_NS": ("icmpv6.ns", dict(ICMP6, reserved="res", target="tgt")),
    "ICMPv6ND_NA": ("icmpv6.na", dict(ICMP6, r="R", s="S", o="O", reserved="res",
                                      target="tgt")),
    "ICMPv6ND_Redirect": ("icmpv6.redirect", dict(ICMP6, reserved="res", target="tgt",
                                                  dst="dst")),
    "ICMPv6NDOptSrcLLAddr@ndopt": ("ndopt.slla", dict(ND, lladdr="lladdr")),
    "ICMPv6NDOptDstLLAddr@ndopt": ("ndopt.tlla", dict(ND, lladdr="lladdr")),
    "ICMPv6NDOptPrefixInfo@ndopt": ("ndopt.prefix", dict(
        ND, plen="prefixlen", l="L", a="A", r="R", reserved1="res1",
        valid="validlifetime", preferred="preferredlifetime", reserved2="res2",
        prefix="prefix")),
    "ICMPv6NDOptRedirectedHdr@ndopt": ("ndopt.redirected", dict(
        ND, reserved=as_int("res"), data=lambda L: own_bytes(L)[8:])),
    "ICMPv6NDOptMTU@ndopt": ("ndopt.mtu", dict(ND, reserved="res", mtu="mtu")),
    "ICMPv6NDOptAdvInterval@ndopt": ("ndopt.adv_interval", dict(ND, reserved="res",
                                                                interval="advint")),
    "ICMPv6NDOptHAInfo@ndopt": ("ndopt.hai", dict(ND, reserved="res", preference="pref",
                                                  lifetime="lifetime")),
    "ICMPv6NDOptRouteInfo@ndopt": ("ndopt.route_info", dict(
        ND, plen="plen", reserved1="res1", prf="prf", reserved2="res2",
        lifetime="rtlifetime", prefix="prefix")),
    "ICMPv6NDOptRDNSS@ndopt": ("ndopt.rdnss", dict(ND, reserved="res", lifetime="lifetime",
                                                   addrs="dns")),
    "ICMPv6NDOptUnknown@ndopt": ("ndopt", dict(ND, data="data")),
    "ICMPv6MLQuery": ("icmpv6.mld_query", MLD1),
    "ICMPv6MLReport": ("icmpv6.mld_report", MLD1),
    "ICMPv6MLDone": ("icmpv6.mld_done", MLD1),
    "ICMPv6MLQuery2": ("icmpv6.mldv2_query", dict(
        ICMP6, mrc="mrd", reserved="reserved", group="mladdr", resv="Resv", s="S",
        qrv="QRV", qqic="QQIC", nsrc="sources_number", sources="sources")),
    "ICMPv6MLReport2": ("icmpv6.mldv2_report", dict(
        ICMP6, code="res", reserved="reserved", nrec="records_number")),
    "ICMPv6MLDMultAddrRec@mldv2rec": (
        lambda L: "mldv2.record_aux" if L.auxdata_len else "mldv2.record",
        {"rtype": "rtype", "auxlen": "auxdata_len", "nsrc": "sources_number",
         "group": "dst", "sources": "sources",
         "data": lambda L: ip6_bytes(L.sources) + bytes(L.auxdata)}),
    "ICMPv6HAADRequest": ("icmpv6.dhaad_request", dict(
        ICMP6, id="id", reserved=lambda L: L.R << 15 | L.res)),
    "ICMPv6HAADReply": ("icmpv6.dhaad_reply", dict(
        ICMP6, id="id", reserved=lambda L: L.R << 15 | L.res, addrs="addresses")),
    "ICMPv6MPSol": ("icmpv6.mps", dict(ICMP6, id="id", reserved="res")),
    "ICMPv6MPAdv": ("icmpv6.mpa", dict(ICMP6, id="id", m=lambda L: L.flags >> 1 & 1,
                                       o=lambda L: L.flags & 1, reserved="res")),
    "MIP6MH_Generic": ("mh", dict(MH, data="msg")),
    "MIP6MH_BRR": ("mh.brr", dict(MH, reserved="res2")),
    "MIP6MH_HoTI": ("mh.hoti", dict(MH, reserved=as_int("reserved"), cookie=as_int("cookie"))),
    "MIP6MH_CoTI": ("mh.coti", dict(MH, reserved=as_int("reserved"), cookie=as_int("cookie"))),
    "MIP6MH_HoT": ("mh.hot", dict(MH, nonce="index", cookie=as_int("cookie"),
                                  token=as_int("token"))),
    "MIP6MH_CoT": ("mh.cot", dict(MH, nonce="index", cookie=as_int("cookie"),
                                  token=as_int("token"))),
    # scapy's Binding Update flags are "PRMKLHA" from the low bit: A is the
    # first bit on the wire; M, R, P (later RFCs) sit in v6lab's reserved.
    "MIP6MH_BU": ("mh.bu", dict(MH, seq="seq", a=bit("flags", 0x40), h=bit("flags", 0x20),
                                l=bit("flags", 0x10), k=bit("flags", 0x08),
                                reserved=lambda L: (int(L.flags) & 7) << 9 | L.reserved,
                                lifetime="mhtime")),
    "MIP6MH_BA": ("mh.ba", dict(MH, status="status", k=bit("flags", 4),
                                reserved=lambda L: (int(L.flags) & 3) << 5 | L.res2,
                                seq="seq", lifetime="mhtime")),
    "MIP6MH_BE": ("mh.be", dict(MH, status="status", reserved="reserved", hoa="ha")),
    "Pad1@mhopt": ("mhopt.pad1", {"type": "otype"}),
    "PadN@mhopt": ("mhopt.padn", dict(OPT6, data="optdata")),
    "MIP6OptBRAdvice@mhopt": ("mhopt.bra", {"type": "otype", "len": "olen",
                                            "interval": "rinter"}),
    "MIP6OptAltCoA@mhopt": ("mhopt.altcoa", {"type": "otype", "len": "olen", "addr": "acoa"}),
    "MIP6OptNonceIndices@mhopt": ("mhopt.nonce", {"type": "otype", "len": "olen",
                                                  "home": "hni", "careof": "coni"}),
    "MIP6OptBindingAuthData@mhopt": ("mhopt.auth", {
        "type": "otype", "len": "olen", "auth": lambda L: own_bytes(L)[2:]}),
    "MIP6OptUnknown@mhopt": ("mhopt", {"type": "otype", "len": "olen", "data": "odata"}),
    "TCP": ("tcp", TCPF),
    "TCPerror": ("tcp", TCPF),
    "UDP": ("udp", UDPF),
    "UDPerror": ("udp", UDPF),
    "Raw": ("raw", {"data": "load"}),
}

# Option classes scapy knows and v6lab does not: v6lab's generic option of
# the family, read from the option's bytes.
GENERIC = {"ip4opt": "ip4opt", "ip6opt": "ip6opt", "ndopt": "ndopt", "mhopt": "mhopt",
           "srhtlv": "srhtlv"}

# Layers whose message body v6lab keeps in a tail field where scapy has a
# separate Raw layer after them.
ABSORB = {"icmp.echo_request", "icmp.echo_reply", "icmp"}
# Headers whose ND options scapy chains as layers after them.
ND_HOLDERS = {"icmpv6.rs", "icmpv6.ra", "icmpv6.ns", "icmpv6.na", "icmpv6.redirect",
              "icmpv6.mpa"}
# Notation names of options (as opposed to headers), by family prefix.
OPTION_FAMILIES = {"ip4opt", "ip6opt", "tcpopt", "ndopt", "mhopt", "srhtlv", "mldv2"}
PADDING = {"ip6opt.pad1", "ip6opt.padn", "mhopt.pad1", "mhopt.padn", "srhtlv.padn",
           "tcpopt.eol", "ip4opt.eol"}
# IP protocol numbers and ethertypes of v6lab's layers (for next-header checks).
IPPROTO = {"ipv4": 4, "ipv6": 41, "hbh": 0, "dstopt": 60, "rh": 43, "rh0": 43, "rh2": 43,
           "srh": 43, "frag": 44, "ah": 51, "esp": 50, "tcp": 6, "udp": 17, "icmp": 1}
ETYPE = {"ipv4": 0x0800, "ipv6": 0x86DD, "arp": 0x0806, "dot1q": 0x8100}


def ipproto_of(name):
    if name.startswith("icmpv6"):
        return 58
    if name.startswith("icmp"):
        return 1
    if name.startswith("mh"):
        return 135
    return IPPROTO.get(name)


# ---------------------------------------------------------------------------
# scapy's view of a packet, in v6lab's names
# ---------------------------------------------------------------------------


def own_bytes(L):
    """The bytes of layer L alone, without what follows it."""
    b = raw(L)
    return b[:len(b) - len(raw(L.payload))]


def get(L, g):
    if callable(g):
        try:
            return g(L)
        except (AttributeError, TypeError):
            return None
    try:
        v = getattr(L, g)
    except AttributeError:
        return None
    # scapy stops dissecting when the bytes run out: a byte-string field
    # left at the end is absent from the packet, i.e. empty.
    if isinstance(v, bytes) and g not in L.fields and L.original is not None:
        return b""
    return v


def convert(L, family=None):
    cn = type(L).__name__
    key = cn + "@" + family if family else cn
    if key not in MAP:
        if family in GENERIC:
            b = own_bytes(L)
            if len(b) == 1:  # a one-octet option: Pad1, or End of Option List
                name = GENERIC[family] + (".eol" if family == "ip4opt" else ".pad1")
                return {"name": name, "fields": {"type": b[0]}, "length": 1, "cls": cn}
            f = {"type": b[0], "len": b[1], "data": b[2:]}
            if family == "ip6opt":
                f.update(action=b[0] >> 6, chg=b[0] >> 5 & 1)
            return {"name": GENERIC[family], "fields": f, "length": len(b), "cls": cn}
        return {"name": "?" + cn, "fields": {}, "length": None, "cls": cn}
    name, fmap = MAP[key]
    if callable(name):
        name = name(L)
    fields = {}
    for of, g in fmap.items():
        v = get(L, g)
        if v is not None:
            fields[of] = v
    return {"name": name, "fields": fields, "length": None, "cls": cn}


def tcp_options(L):
    """scapy keeps TCP options as (name, value) tuples."""
    out, used = [], 0
    area = L.dataofs * 4 - 20 if L.dataofs else 0
    for name, val in L.options:
        kind = TCPOptions[1].get(name, name) if isinstance(name, str) else name
        if kind == 0:
            out.append({"name": "tcpopt.eol", "fields": {"type": 0}, "length": area - used})
            break
        if kind == 1:
            out.append({"name": "tcpopt.nop", "fields": {"type": 1}, "length": 1})
            used += 1
            continue
        if kind == 2:
            e = {"name": "tcpopt.mss", "fields": {"mss": val}}
            body = struct.pack("!H", val)
        elif kind == 3:
            e = {"name": "tcpopt.wscale", "fields": {"shift": val}}
            body = struct.pack("!B", val)
        elif kind == 4:
            e = {"name": "tcpopt.sackok", "fields": {}}
            body = b""
        elif kind == 5:
            body = b"".join(struct.pack("!I", x) for x in val)
            e = {"name": "tcpopt.sack", "fields": {"blocks": body}}
        elif kind == 8:
            e = {"name": "tcpopt.ts", "fields": {"val": val[0], "ecr": val[1]}}
            body = struct.pack("!II", *val)
        else:
            fmt = TCPOptions[0].get(kind, (None, None))[1]
            if isinstance(val, bytes) or not fmt:
                body = bytes(val or b"")
            else:
                body = struct.pack(fmt, *(val if isinstance(val, tuple) else (val,)))
            e = {"name": "tcpopt", "fields": {"data": body}}
        e["fields"].update(type=kind, len=len(body) + 2)
        e["length"] = len(body) + 2
        used += e["length"]
        out.append(e)
    return out


def listed_options(L, attr, family):
    out = []
    for first in getattr(L, attr):
        o = first
        while o is not None and not isinstance(o, (NoPayload, Padding)):
            e = convert(o, family)
            e["length"] = len(own_bytes(o))
            out.append(e)
            o = o.payload
    return out


def fix_dissection(p):
    """Dissects what scapy leaves as Raw, turns what it guesses from port
    numbers after TCP or UDP back into bytes, and joins a jumbogram's UDP
    payload (exception 11)."""
    L = p
    while L is not None and not isinstance(L, (NoPayload, Padding)):
        if isinstance(L, UDP) and L.len == 0 and isinstance(L.payload, Raw) and \
                isinstance(L.payload.payload, Padding):
            data = L.payload.load + L.payload.payload.load
            L.remove_payload()
            L.add_payload(Raw(data))
        if isinstance(L, (TCP, UDP)) and \
                not isinstance(L.payload, (Raw, NoPayload, Padding)):
            data, pad = raw(L.payload), L.payload.getlayer(Padding)
            L.remove_payload()
            if pad is not None:
                data = data[:len(data) - len(pad.load)]
                L.add_payload(Raw(data) / Padding(pad.load))
            else:
                L.add_payload(Raw(data))
        if isinstance(L.payload, Raw) and not isinstance(L.payload, Padding):
            cls = None
            if isinstance(L, inet6._ICMPv6NDGuessPayload):
                cls = ICMPv6NDOptUnknown
            elif isinstance(L, AH):
                cls = {6: TCP, 17: UDP}.get(L.nh)
            elif isinstance(L, (IPv6, IPerror6, inet6._IPv6ExtHdr)) and \
                    getattr(L, "nh", None) == 58 and \
                    not (isinstance(L, IPv6ExtHdrFragment) and L.offset):
                cls = ICMPv6Unknown
            if cls is not None:
                data = L.payload.load
                L.remove_payload()
                L.add_payload(cls(data))
        L = L.payload
    return p


OPTION_LISTS = {
    "IP": lambda L: listed_options(L, "options", "ip4opt"),
    "IPerror": lambda L: listed_options(L, "options", "ip4opt"),
    "IPv6ExtHdrHopByHop": lambda L: listed_options(L, "options", "ip6opt"),
    "IPv6ExtHdrDestOpt": lambda L: listed_options(L, "options", "ip6opt"),
    "IPv6ExtHdrSegmentRouting": lambda L: listed_options(L, "tlv_objects", "srhtlv"),
    "ICMPv6MLReport2": lambda L: listed_options(L, "records", "mldv2rec"),
    "TCP": tcp_options,
    "TCPerror": tcp_options,
}


def scapy_view(pkt):
    fix_dissection(pkt)
    out, holder, L = [], None, pkt
    while L is not None and not isinstance(L, NoPayload):
        cn = type(L).__name__
        if isinstance(L, Padding):
            # What follows a layer without a length field of its own (ARP)
            # is the Ethernet trailer, which v6lab shows as raw bytes; after
            # an IP packet it is outside the packet and v6lab ignores it.
            if out and out[-1]["name"] == "arp":
                out.append({"name": "raw", "fields": {"data": L.load},
                            "length": len(L.load), "cls": cn})
            break
        if cn == "Raw" and out and out[-1]["name"] in ABSORB:
            prev = out[-1]
            prev["fields"]["data"] = bytes(prev["fields"].get("data", b"")) + L.load
            prev["length"] += len(L.load)
            L = L.payload
            continue
        if cn.startswith("ICMPv6NDOpt") and holder is not None:
            e = convert(L, "ndopt")
            e["length"] = len(own_bytes(L))
            holder["options"].append(e)
            holder["length"] += e["length"]
            L = L.payload
            continue
        e = convert(L)
        e["length"] = len(own_bytes(L))
        if cn.startswith("MIP6MH_") and "options" in L.fields:
            e["options"] = listed_options(L, "options", "mhopt")
        elif cn in OPTION_LISTS:
            e["options"] = OPTION_LISTS[cn](L)
        holder = None
        if e["name"] in ND_HOLDERS:
            e["options"] = []
            holder = e
        if e["name"] in ABSORB:
            e["fields"].setdefault("data", b"")
        out.append(e)
        L = L.payload
    return out


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------

COVERED = {}


def same(sv, ov):
    if isinstance(sv, (bytes, bytearray)):
        return isinstance(ov, str) and ov == bytes(sv).hex()
    if isinstance(sv, (list, tuple)):
        return (isinstance(ov, list) and len(sv) == len(ov) and
                all(same(a, b) for a, b in zip(sv, ov)))
    if isinstance(sv, str):
        if not isinstance(ov, str):
            return False
        try:
            return ipaddress.ip_address(sv) == ipaddress.ip_address(ov)
        except ValueError:
            return sv.lower() == ov.lower()
    if isinstance(ov, str):  # a 64-bit value v6lab prints as hex text
        try:
            return int(sv) == int(ov, 0)
        except ValueError:
            return False
    return isinstance(ov, int) and not isinstance(ov, bool) and int(sv) == ov


def show(v):
    if isinstance(v, (bytes, bytearray)):
        return "0x" + bytes(v).hex() if v else "(empty)"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(show(x) for x in v) + "]"
    if isinstance(v, int) and not isinstance(v, bool):
        return "%d (0x%x)" % (v, v)
    return str(v)


def cmp_layer(o, e, path):
    errs = []
    cov = COVERED.setdefault(o["name"], set())
    for f, sv in e["fields"].items():
        if f not in o["fields"]:
            continue
        cov.add(f)
        if not same(sv, o["fields"][f]):
            errs.append("%s.%s: v6lab %s, scapy %s" % (path, f, show(o["fields"][f]), show(sv)))
    if e.get("length") is not None and o["length"] != e["length"]:
        errs.append("%s: length v6lab %d, scapy %d" % (path, o["length"], e["length"]))
    if o.get("checksum_ok") is False:
        errs.append("%s: v6lab judges its checksum wrong (cksum %s)" %
                    (path, show(o["fields"].get("cksum"))))
    return errs


def cmp_options(oo, eo, path):
    on = [x["name"] for x in oo]
    en = [x["name"] for x in eo]
    if on != en:
        return ["%s options: v6lab [%s], scapy [%s]" % (path, ", ".join(on), ", ".join(en))]
    errs = []
    for j, (a, b) in enumerate(zip(oo, eo)):
        errs += cmp_layer(a, b, "%s/%s[%d]" % (path, a["name"], j))
    return errs


def compare(ours, view):
    errs = []
    if "malformed" in ours:
        errs.append("v6lab says malformed: %s at %s" %
                    (ours["malformed"].get("reason"), ours["malformed"].get("offset")))
    ol = ours["layers"]
    on = [x["name"] for x in ol]
    sn = [x["name"] for x in view]
    if on != sn:
        errs.append("layers: v6lab %s, scapy %s" % (" / ".join(on), " / ".join(sn)))
        return errs
    for i, (o, e) in enumerate(zip(ol, view)):
        path = "%s#%d" % (o["name"], i)
        errs += cmp_layer(o, e, path)
        errs += cmp_options(o.get("options", []), e.get("options") or [], path)
    return errs


def v6lab_decode(v6lab, pcap):
    r = subprocess.run([v6lab, "decode", "--json", pcap], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise SystemExit("v6lab decode failed: %s" % r.stderr.strip())
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


# ---------------------------------------------------------------------------
# Random values (seeded: the same seed gives the same packets)
# ---------------------------------------------------------------------------

R = random.Random(int(os.environ.get("XCHECK_SEED", "1")))


def u(bits):
    return R.getrandbits(bits)


def rbytes(lo, hi):
    return R.randbytes(R.randint(lo, hi))


def a6():
    return str(ipaddress.IPv6Address(0x20010DB8 << 96 | u(96)))


def a6n(lo, hi):
    return [a6() for _ in range(R.randint(lo, hi))]


def mcast6():
    return R.choice(["ff02::1", "ff02::2", "ff02::16", "ff02::1:ff00:%x" % u(16),
                     "ff05::db8:%x" % u(16), "ff0e::db8:%x:%x" % (u(16), u(16))])


def a4():
    return R.choice(["192.0.2.%d", "198.51.100.%d"]) % R.randint(1, 254)


def mac():
    return "02:%02x:%02x:%02x:%02x:%02x" % tuple(u(8) for _ in range(5))


def prefix6(plen):
    v = 0x20010DB8 << 96 | u(96)
    return str(ipaddress.IPv6Address(v & ~((1 << (128 - plen)) - 1) if plen else 0))


# ---------------------------------------------------------------------------
# Part A: packets built by scapy
# ---------------------------------------------------------------------------


def eth():
    return Ether(src=mac(), dst=mac())


def ip6(**kw):
    return IPv6(src=a6(), dst=kw.pop("dst", a6()), hlim=u(8), tc=u(8), fl=u(20), **kw)


def ip4(**kw):
    kw.setdefault("flags", R.choice([0, 2, 4, 6]))
    return IP(src=a4(), dst=a4(), ttl=R.randint(1, 255), id=u(16), tos=u(8), **kw)


def tcp_opts():
    opts, room = [], 40
    for _ in range(R.randint(0, 6)):
        o = R.choice([("MSS", u(16)), ("WScale", u(8)), ("SAckOK", b""), ("NOP", None),
                      ("Timestamp", (u(32), u(32))),
                      ("SAck", tuple(u(32) for _ in range(2 * R.randint(1, 3)))),
                      (R.choice([253, 254, 30]), rbytes(0, 6))])
        fixed = {"NOP": 1, "MSS": 4, "WScale": 3, "SAckOK": 2, "Timestamp": 10}
        if o[0] in fixed:
            size = fixed[o[0]]
        else:
            size = 2 + (4 * len(o[1]) if o[0] == "SAck" else len(o[1]))
        if size <= room:
            opts.append(o)
            room -= size
    return opts


def s_tcp():
    return TCP(sport=u(16), dport=u(16), seq=u(32), ack=u(32), reserved=u(3), flags=u(9),
               window=u(16), urgptr=u(16), options=tcp_opts()) / rbytes(0, 30)


def s_udp():
    return UDP(sport=u(16), dport=u(16)) / rbytes(1, 40)


def s_echo6():
    c = R.choice([ICMPv6EchoRequest, ICMPv6EchoReply])
    return c(code=R.choice([0, 0, u(8)]), id=u(16), seq=u(16), data=rbytes(0, 40))


def s_upper6():
    return R.choice([s_tcp, s_udp, s_echo6])()


def ip6opts(allow_jumbo=True):
    opts = []
    for _ in range(R.randint(1, 4)):
        k = R.choice(["pad1", "padn", "ra", "jumbo", "unknown", "unknown", "hao"])
        if k == "pad1":
            opts.append(Pad1())
        elif k == "padn":
            opts.append(PadN(optdata=bytes(R.randint(0, 5))))
        elif k == "ra":
            opts.append(RouterAlert(value=u(16)))
        elif k == "jumbo" and allow_jumbo:
            opts.append(Jumbo(jumboplen=u(32)))
        elif k == "hao":
            opts.append(HAO(hoa=a6()))
        else:
            t = R.choice([0x1E, 0x3E, 0x5E, 0x7E, 0x9E, 0xBE, 0xDE, 0xFE, 0x07, 0x8B, 0x4D])
            opts.append(HBHOptUnknown(otype=t, optdata=rbytes(0, 9)))
    return opts


def ipv4_options():
    opts, room = [], 40
    for _ in range(R.randint(0, 3)):
        k = R.choice(["nop", "ra", "rr", "exp"])
        if k == "nop":
            o = IPOption_NOP()
        elif k == "ra":
            o = IPOption_Router_Alert(alert=u(16))
        elif k == "rr":
            o = IPOption_RR(routers=[a4() for _ in range(R.randint(1, 3))])
        else:
            o = IPOption(copy_flag=u(1), optclass=R.choice([0, 2]), option=30,
                         value=rbytes(0, 6))
        if len(raw(o)) <= room:
            opts.append(o)
            room -= len(raw(o))
    return opts


def gen_l2():
    k = R.choice(["arp", "vlan-ip4", "vlan-ip6", "vlan-arp"])
    arp = ARP(hwtype=1, ptype=0x800, op=R.randint(1, 4), hwsrc=mac(), psrc=a4(),
              hwdst=mac(), pdst=a4())
    if k == "arp":
        return eth() / arp
    tag = Dot1Q(prio=u(3), id=u(1), vlan=u(12))
    if k == "vlan-ip4":
        return eth() / tag / ip4() / s_udp()
    if k == "vlan-ip6":
        return eth() / tag / ip6() / s_echo6()
    return eth() / tag / arp


def gen_ipv4():
    up = R.choice([s_tcp, s_udp, lambda: ICMP(type=R.choice([0, 8]), id=u(16), seq=u(16)) /
                   rbytes(0, 20)])()
    p = eth() / ip4(options=ipv4_options()) / up
    if isinstance(up, UDP) and R.random() < 0.3:
        p[UDP].chksum = 0  # no checksum (RFC 768)
    return p


def gen_ipv4_frag():
    if R.random() < 0.5:
        return eth() / ip4(flags=1, frag=0, proto=17) / UDP(sport=u(16), dport=u(16),
                                                            len=1000) / rbytes(8, 40)
    ip = ip4(flags=R.choice([0, 1]), frag=R.randint(1, 8000), proto=R.choice([6, 17]))
    return eth() / ip / rbytes(8, 40)


def gen_icmp4():
    t = R.choice([0, 8, 3, 11, 12, 5, 40])
    inner = ip4(flags=0) / R.choice([s_udp, lambda: ICMP(type=8, id=u(16), seq=u(16))])()
    ib = raw(inner)
    if R.random() < 0.3:
        ib = ib[:28]  # the classic quote: header and 8 bytes
    if t in (0, 8):
        return eth() / ip4() / ICMP(type=t, code=0, id=u(16), seq=u(16)) / rbytes(0, 40)
    if t == 3:
        c = ICMP(type=3, code=R.randint(0, 15), reserved=R.choice([0, u(8)]), length=0,
                 nexthopmtu=u(16))
    elif t == 11:
        c = ICMP(type=11, code=R.randint(0, 1), reserved=R.choice([0, u(8)]), unused=u(16))
    elif t == 12:
        c = ICMP(type=12, code=R.randint(0, 2), ptr=u(8), unused=u(16))
    elif t == 5:
        c = ICMP(type=5, code=R.randint(0, 3), gw=a4())
    else:
        return eth() / ip4() / ICMP(type=t, code=u(8), unused=u(32)) / rbytes(0, 20)
    return eth() / ip4() / c / Raw(ib)


def gen_hbh():
    return eth() / ip6() / IPv6ExtHdrHopByHop(options=ip6opts()) / R.choice(
        [s_upper6, lambda: IPv6ExtHdrDestOpt(options=ip6opts(False)) / s_upper6()])()


def gen_dstopt():
    return eth() / ip6() / IPv6ExtHdrDestOpt(options=ip6opts(False)) / s_upper6()


def gen_hao():
    """Home Address option before an upper layer: RFC 6275 §6.1.1, §9.3.1."""
    opts = [HAO(hoa=a6())]
    if R.random() < 0.3:
        opts.append(PadN(optdata=b"\0\0"))
    up = R.choice([s_udp, s_tcp, s_echo6])()
    return eth() / ip6() / IPv6ExtHdrDestOpt(options=opts) / up


def gen_rh():
    t = R.choice([0, 2, 253])
    if t == 0:
        addrs = a6n(1, 4)
        rh = IPv6ExtHdrRouting(type=0, addresses=addrs, segleft=R.randint(0, len(addrs)),
                               reserved=u(32))
    elif t == 2:
        rh = IPv6ExtHdrRouting(type=2, addresses=[a6()], segleft=R.choice([0, 1]),
                               reserved=R.choice([0, u(32)]))
    else:
        rh = IPv6ExtHdrRouting(type=R.choice([253, 254, 5]), addresses=a6n(1, 2),
                               segleft=u(8), reserved=u(32))
    return eth() / ip6() / rh / s_upper6()


def gen_srh():
    addrs = a6n(1, 4)
    tlvs, size = [], 0
    for _ in range(R.randint(0, 2)):
        v = rbytes(0, 10)  # no HMAC TLV: exception 8
        tlvs.append(IPv6ExtHdrSegmentRoutingTLV(type=R.choice([124, 125, 126, 130]),
                                                len=len(v), value=v))
        size += 2 + len(v)
    if size % 8 == 7:  # scapy would pad with its non-RFC Pad1 (exception 7)
        tlvs.append(IPv6ExtHdrSegmentRoutingTLV(type=124, len=0, value=b""))
    srh = IPv6ExtHdrSegmentRouting(addresses=addrs, segleft=R.randint(0, len(addrs) - 1),
                                   tag=u(16), protected=u(1), oam=u(1), alert=u(1), hmac=u(1),
                                   tlv_objects=tlvs)
    return eth() / ip6() / srh / s_upper6()


def gen_frag():
    k = R.choice(["first", "later", "atomic"])
    res = dict(res1=R.choice([0, u(8)]), res2=R.choice([0, u(2)]), id=u(32))
    if k == "first":
        return eth() / ip6() / IPv6ExtHdrFragment(offset=0, m=1, **res) / \
            UDP(sport=u(16), dport=u(16), len=1400) / rbytes(8, 40)
    if k == "later":
        return eth() / ip6() / IPv6ExtHdrFragment(nh=17, offset=R.randint(1, 8000),
                                                  m=u(1), **res) / rbytes(8, 48)
    return eth() / ip6() / IPv6ExtHdrFragment(offset=0, m=0, **res) / s_upper6()


def ah_upper_cksum(p):
    """The checksum of the TCP or UDP header after p's AH (exception 10)."""
    q = Ether(raw(p))
    fix_dissection(q)
    up, ip = q[AH].payload, q[AH].underlayer
    up.chksum = 0
    data = raw(up)
    if isinstance(ip, IPv6):
        ck = inet6.in6_chksum(q[AH].nh, up, data)
    else:
        ip = ip.copy()
        ip.len = None  # scapy would take the length from it, AH included
        ck = in4_chksum(q[AH].nh, ip, data)
    return 0xFFFF if ck == 0 and isinstance(up, UDP) else ck


def gen_ipsec():
    k = R.choice(["ah6", "ah4", "esp6", "esp4"])
    if k.startswith("esp"):
        ip = ip6() if k == "esp6" else ip4()
        return eth() / ip / ESP(spi=u(32), seq=u(32), data=rbytes(8, 60))
    up = R.choice([s_udp, s_tcp])()
    nh = 17 if isinstance(up, UDP) else 6
    if k == "ah6":
        icv = R.randbytes(R.choice([4, 12, 20]))  # IPv6: 8-octet multiple
        p = eth() / ip6() / AH(nh=nh, payloadlen=(12 + len(icv)) // 4 - 2,
                               reserved=R.choice([0, u(16)]), spi=u(32), seq=u(32),
                               icv=icv) / up
    else:
        icv = R.randbytes(4 * R.randint(1, 5))
        p = eth() / ip4() / AH(nh=nh, payloadlen=(12 + len(icv)) // 4 - 2, spi=u(32),
                               seq=u(32), icv=icv) / up
    p[AH].payload.chksum = ah_upper_cksum(p)
    return p


def gen_icmp6_err():
    inner = ip6() / R.choice([s_udp, s_tcp, s_echo6,
                              lambda: IPv6ExtHdrHopByHop(options=[RouterAlert()]) / s_udp()])()
    ib = raw(inner)
    if R.random() < 0.3:
        # Cut short, as a long packet would be, after the headers (a header
        # cut in the middle is raw bytes to scapy, a partial layer to v6lab).
        hdrs = len(ib) - len(inner.lastlayer().load if isinstance(inner.lastlayer(), Raw)
                             else getattr(inner.lastlayer(), "data", b""))
        ib = ib[:R.randint(hdrs, len(ib))]
    t = R.choice(["du", "ptb", "te", "pp"])
    if t == "du":
        m = ICMPv6DestUnreach(code=R.randint(0, 7), length=R.choice([0, u(8)]),
                              unused=R.choice([0, u(24)]))
    elif t == "ptb":
        m = ICMPv6PacketTooBig(code=R.choice([0, u(8)]), mtu=u(32))
    elif t == "te":
        m = ICMPv6TimeExceeded(code=R.randint(0, 1), length=0, unused=R.choice([0, u(24)]))
    else:
        m = ICMPv6ParamProblem(code=R.randint(0, 3), ptr=u(32))
    return eth() / ip6() / m / Raw(ib)


def gen_icmp6_misc():
    if R.random() < 0.6:
        return eth() / ip6() / s_echo6()
    return eth() / ip6() / ICMPv6Unknown(type=R.choice([100, 101, 200, 201, 127, 255]),
                                         code=u(8), msgbody=rbytes(0, 30))


def nd_opts(kinds):
    out = []
    for k in kinds:
        if k == "slla":
            out.append(ICMPv6NDOptSrcLLAddr(lladdr=mac()))
        elif k == "tlla":
            out.append(ICMPv6NDOptDstLLAddr(lladdr=mac()))
        elif k == "mtu":
            out.append(ICMPv6NDOptMTU(res=R.choice([0, u(16)]), mtu=u(32)))
        elif k == "prefix":
            pl = R.randint(0, 128)
            out.append(ICMPv6NDOptPrefixInfo(prefixlen=pl, L=u(1), A=u(1), R=u(1),
                                             res1=R.choice([0, u(5)]),
                                             validlifetime=u(32), preferredlifetime=u(32),
                                             res2=R.choice([0, u(32)]), prefix=prefix6(pl)))
        elif k == "route":
            pl = R.randint(0, 128)
            ln = 3 if pl > 64 else R.choice([2, 3]) if pl else R.choice([1, 2, 3])
            nb = (ln - 1) * 8
            pfx = str(ipaddress.IPv6Address(
                ipaddress.IPv6Address(prefix6(pl)).packed[:nb] + bytes(16 - nb)))
            out.append(ICMPv6NDOptRouteInfo(len=ln, plen=pl, res1=R.choice([0, u(3)]),
                                            prf=u(2), res2=R.choice([0, u(3)]),
                                            rtlifetime=u(32), prefix=pfx))
        elif k == "rdnss":
            out.append(ICMPv6NDOptRDNSS(res=R.choice([0, u(16)]), lifetime=u(32),
                                        dns=a6n(1, 3)))
        elif k == "advint":
            out.append(ICMPv6NDOptAdvInterval(res=R.choice([0, u(16)]), advint=u(32)))
        elif k == "hai":
            out.append(ICMPv6NDOptHAInfo(res=R.choice([0, u(16)]), pref=u(16),
                                         lifetime=u(16)))
        elif k == "dnssl":
            out.append(ICMPv6NDOptDNSSL(lifetime=u(32), searchlist=["example.com."]))
        elif k == "unknown":
            out.append(ICMPv6NDOptUnknown(type=R.choice([100, 200, 253, 254]),
                                          data=R.randbytes(6 + 8 * R.randint(0, 2))))
    return out


def chain(first, layers):
    p = first
    for x in layers:
        p = p / x
    return p


def gen_nd():
    k = R.choice(["rs", "ra", "ra", "ns", "na", "redirect"])
    src = ip6(dst=R.choice(["ff02::1", "ff02::2", a6()]))
    if k == "rs":
        m = ICMPv6ND_RS(code=R.choice([0, u(8)]), res=R.choice([0, u(32)]))
        opts = nd_opts(R.sample(["slla", "unknown"], R.randint(0, 2)))
    elif k == "ra":
        m = ICMPv6ND_RA(chlim=u(8), M=u(1), O=u(1), H=u(1), prf=u(2), P=u(1), res=u(2),
                        routerlifetime=u(16), reachabletime=u(32), retranstimer=u(32))
        opts = nd_opts(R.sample(["slla", "mtu", "prefix", "prefix", "route", "rdnss",
                                 "advint", "hai", "dnssl", "unknown"], R.randint(0, 6)))
    elif k == "ns":
        m = ICMPv6ND_NS(res=R.choice([0, u(32)]), tgt=a6())
        opts = nd_opts(R.sample(["slla", "unknown"], R.randint(0, 2)))
    elif k == "na":
        m = ICMPv6ND_NA(R=u(1), S=u(1), O=u(1), res=R.choice([0, u(29)]), tgt=a6())
        opts = nd_opts(R.sample(["tlla", "unknown"], R.randint(0, 2)))
    else:
        m = ICMPv6ND_Redirect(res=R.choice([0, u(32)]), tgt=a6(), dst=a6())
        opts = nd_opts(R.sample(["tlla"], R.randint(0, 1)))
        quoted = ip6() / UDP(sport=u(16), dport=u(16)) / R.randbytes(8 * R.randint(0, 3))
        opts.append(ICMPv6NDOptRedirectedHdr(pkt=raw(quoted)))
    return chain(eth() / src / m, opts)


def gen_mld():
    k = R.choice(["q1", "r1", "d1", "q2", "r2", "r2"])
    if k in ("q1", "r1", "d1"):
        c = {"q1": ICMPv6MLQuery, "r1": ICMPv6MLReport, "d1": ICMPv6MLDone}[k]
        return eth() / ip6() / c(code=R.choice([0, u(8)]), mrd=u(16),
                                 reserved=R.choice([0, u(16)]), mladdr=mcast6())
    if k == "q2":
        return eth() / ip6() / ICMPv6MLQuery2(mrd=u(16), reserved=R.choice([0, u(16)]),
                                              mladdr=mcast6(), Resv=R.choice([0, u(4)]),
                                              S=u(1), QRV=u(3), QQIC=u(8), sources=a6n(0, 3))
    recs = []
    for _ in range(R.randint(0, 3)):
        aux = R.randbytes(4 * R.randint(1, 2)) if R.random() < 0.3 else b""
        recs.append(ICMPv6MLDMultAddrRec(rtype=R.randint(1, 6), dst=mcast6(),
                                         sources=a6n(0, 2), auxdata=aux))
    return eth() / ip6() / ICMPv6MLReport2(res=R.choice([0, u(8)]),
                                           reserved=R.choice([0, u(16)]), records=recs)


def gen_mip6icmp():
    k = R.choice(["hreq", "hrep", "mps", "mpa"])
    if k == "hreq":
        m = ICMPv6HAADRequest(id=u(16), R=u(1), res=R.choice([0, u(15)]))
    elif k == "hrep":
        m = ICMPv6HAADReply(id=u(16), R=u(1), res=R.choice([0, u(15)]), addresses=a6n(0, 3))
    elif k == "mps":
        m = ICMPv6MPSol(id=u(16), res=R.choice([0, u(16)]))
    else:
        m = chain(ICMPv6MPAdv(id=u(16), flags=u(2), res=R.choice([0, u(14)])),
                  nd_opts(["prefix"] * R.randint(0, 2)))
    return eth() / ip6() / m


def mh_opts():
    out = []
    for _ in range(R.randint(0, 3)):
        k = R.choice(["bra", "altcoa", "nonce", "auth", "unknown"])
        if k == "bra":
            out.append(MIP6OptBRAdvice(rinter=u(16)))
        elif k == "altcoa":
            out.append(MIP6OptAltCoA(acoa=a6()))
        elif k == "nonce":
            out.append(MIP6OptNonceIndices(olen=4, hni=u(16), coni=u(16)))  # exc. 6
        elif k == "auth":
            out.append(MIP6OptBindingAuthData(olen=12, authenticator=u(96)))
        else:
            out.append(MIP6OptUnknown(otype=R.choice([30, 60, 200]), odata=rbytes(0, 8)))
    return out


def gen_mh():
    k = R.choice(["brr", "hoti", "coti", "hot", "cot", "bu", "ba", "be", "other"])
    o = mh_opts()
    if k == "other":
        m = MIP6MH_Generic(mhtype=R.randint(8, 255), msg=R.randbytes(2 + 8 * R.randint(0, 2)))
    elif k == "brr":
        m = MIP6MH_BRR(res2=R.choice([0, u(16)]), options=o)
    elif k in ("hoti", "coti"):
        c = MIP6MH_HoTI if k == "hoti" else MIP6MH_CoTI
        m = c(reserved=R.choice([bytes(2), R.randbytes(2)]), cookie=R.randbytes(8), options=o)
    elif k in ("hot", "cot"):
        c = MIP6MH_HoT if k == "hot" else MIP6MH_CoT
        m = c(index=u(16), cookie=R.randbytes(8), token=R.randbytes(8), options=o)
    elif k == "bu":
        m = MIP6MH_BU(seq=u(16), flags=u(7), reserved=R.choice([0, u(9)]), mhtime=u(16),
                      options=o)
    elif k == "ba":
        m = MIP6MH_BA(status=u(8), flags=u(3), res2=R.choice([0, u(5)]), seq=u(16),
                      mhtime=u(16), options=o)
    else:
        m = MIP6MH_BE(status=u(8), reserved=R.choice([0, u(8)]), ha=a6())
    m.res = R.choice([0, 0, u(8)])
    return eth() / ip6() / m


def gen_mh_hao():
    """A Binding Update from a mobile node away from home (RFC 6275 §11.7.1):
    its checksum covers the home address from the HAO (§6.1.1)."""
    return eth() / ip6() / IPv6ExtHdrDestOpt(options=[HAO(hoa=a6())]) / \
        MIP6MH_BU(seq=u(16), flags=0x48, mhtime=u(16), options=mh_opts())


def gen_jumbo():
    """A jumbogram (RFC 2675): Payload Length 0, the length in the Jumbo
    Payload option, UDP Length 0."""
    data = R.randbytes(R.randint(65536, 70000))
    return eth() / ip6(plen=0) / IPv6ExtHdrHopByHop(options=[Jumbo(jumboplen=len(data) + 16)]) / \
        UDP(sport=u(16), dport=u(16), len=0) / data


def gen_l4():
    k = R.choice(["tcp6", "udp6", "tcp4", "udp4"])
    up = s_tcp() if k.startswith("tcp") else s_udp()
    return eth() / (ip6() if k.endswith("6") else ip4()) / up


# Kind, generator, how many packets.
PART_A = [
    ("l2", gen_l2, 20), ("ipv4", gen_ipv4, 25), ("ipv4-frag", gen_ipv4_frag, 10),
    ("icmp4", gen_icmp4, 25), ("hbh", gen_hbh, 30), ("dstopt", gen_dstopt, 20),
    ("hao", gen_hao, 10), ("rh", gen_rh, 25), ("srh", gen_srh, 20),
    ("frag", gen_frag, 20), ("ipsec", gen_ipsec, 20), ("icmp6-err", gen_icmp6_err, 30),
    ("icmp6", gen_icmp6_misc, 15), ("nd", gen_nd, 50), ("mld", gen_mld, 30),
    ("mip6icmp", gen_mip6icmp, 20), ("mh", gen_mh, 40), ("mh-hao", gen_mh_hao, 5),
    ("l4", gen_l4, 30), ("jumbo", gen_jumbo, 2),
]


def part_a(v6lab, tmp, report):
    pkts, kinds = [], []
    for kind, gen, n in PART_A:
        for _ in range(n):
            b = raw(gen())
            if kind != "jumbo" and R.random() < 0.2:
                b += bytes(R.randint(1, 20))  # an Ethernet trailer, as on a short frame
            pkts.append(Ether(b))
            kinds.append(kind)
    path = os.path.join(tmp, "scapy.pcap")
    w = PcapWriter(path, linktype=1, snaplen=262144)  # room for the jumbograms
    w.write(pkts)
    w.close()
    frames = v6lab_decode(v6lab, path)
    for i, p in enumerate(pkts):
        tag = "A%d %s" % (i + 1, kinds[i])
        if i >= len(frames):
            report(tag, p, ["v6lab decode printed no frame for it"])
            continue
        report(tag, p, compare(frames[i], scapy_view(p)))


# ---------------------------------------------------------------------------
# Part B: packets written in the notation, built by v6lab
# ---------------------------------------------------------------------------


def L(name, **fields):
    return (name, fields)


def notation(spec):
    def val(v):
        if isinstance(v, (bytes, bytearray)):
            return "0x" + bytes(v).hex()
        if isinstance(v, list):
            return "[" + ", ".join(v) + "]"
        return str(v)
    parts = []
    for name, f in spec:
        args = ", ".join("%s=%s" % (k, val(v)) for k, v in f.items())
        parts.append("%s(%s)" % (name, args) if args else name)
    return " / ".join(parts)


def n_eth():
    return L("ether", src=mac(), dst=mac())


def n_ip6(**kw):
    f = dict(src=a6(), dst=a6(), hlim=u(8), tc=u(8), flow=u(20))
    f.update(kw)
    return L("ipv6", **f)


def n_ip4(**kw):
    f = dict(src=a4(), dst=a4(), ttl=R.randint(1, 255), id=u(16), tos=u(8), df=u(1))
    f.update(kw)
    return L("ipv4", **f)


def n_tcp():
    out = [L("tcp", sport=u(16), dport=u(16), seq=u(32), ack=u(32), syn=u(1), ackf=u(1),
             fin=u(1), rst=u(1), psh=u(1), urg=u(1), ece=u(1), cwr=u(1), ae=u(1),
             window=u(16), urgptr=u(16))]
    room = 40
    for _ in range(R.randint(0, 5)):
        o = R.choice([L("tcpopt.mss", mss=u(16)), L("tcpopt.wscale", shift=u(8)),
                      L("tcpopt.sackok"), L("tcpopt.nop"),
                      L("tcpopt.ts", val=u(32), ecr=u(32)),
                      L("tcpopt.sack", blocks=R.randbytes(8 * R.randint(1, 3))),
                      L("tcpopt", type=R.choice([253, 254]), data=rbytes(1, 6))])
        size = {"tcpopt.mss": 4, "tcpopt.wscale": 3, "tcpopt.sackok": 2, "tcpopt.nop": 1,
                "tcpopt.ts": 10}.get(o[0]) or 2 + len(o[1].get("blocks", o[1].get("data", b"")))
        if size <= room:
            out.append(o)
            room -= size
    if R.random() < 0.6:
        out.append(L("raw", data=rbytes(1, 30)))
    return out


def n_udp():
    return [L("udp", sport=u(16), dport=u(16)), L("raw", data=rbytes(1, 40))]


def n_echo6():
    return [L(R.choice(["icmpv6.echo_request", "icmpv6.echo_reply"]), id=u(16), seq=u(16),
              data=rbytes(1, 40))]


def n_upper6():
    return R.choice([n_tcp, n_udp, n_echo6])()


def n_ip6opts(allow_hao=True):
    out = []
    for _ in range(R.randint(1, 3)):
        k = R.choice(["pad1", "padn", "ra", "jumbo", "generic", "generic", "hao"])
        if k == "pad1":
            out.append(L("ip6opt.pad1"))
        elif k == "padn":
            out.append(L("ip6opt.padn", data=bytes(R.randint(1, 5))))
        elif k == "ra":
            out.append(L("ip6opt.ra", value=u(16)))
        elif k == "jumbo":
            out.append(L("ip6opt.jumbo", plen=u(32)))
        elif k == "hao" and allow_hao:
            out.append(L("ip6opt.hao", hoa=a6()))
        else:
            out.append(L("ip6opt", type=R.choice([0x1E, 0x3E, 0x7E, 0xDE, 0x8B]),
                         data=rbytes(1, 9)))
    return out


def b_l2():
    arp = L("arp", op=R.randint(1, 4), sha=mac(), spa=a4(), tha=mac(), tpa=a4())
    k = R.choice(["arp", "vlan"])
    if k == "arp":
        return [n_eth(), arp]
    return [n_eth(), L("dot1q", pcp=u(3), dei=u(1), vid=u(12))] + R.choice(
        [[arp], [n_ip4()] + n_udp(), [n_ip6()] + n_echo6()])


def b_ipv4():
    opts = []
    for _ in range(R.randint(0, 3)):
        opts.append(R.choice([L("ip4opt.nop"), L("ip4opt.ra", value=u(16)),
                              L("ip4opt", type=R.choice([30, 94, 158, 222]),
                                data=rbytes(1, 6))]))
    up = R.choice([n_tcp, n_udp, lambda: [L(R.choice(["icmp.echo_request", "icmp.echo_reply"]),
                                            id=u(16), seq=u(16), data=rbytes(1, 30))]])()
    return [n_eth(), n_ip4()] + opts + up


def b_icmp4_err():
    t = R.choice(["icmp.dest_unreach", "icmp.time_exceeded", "icmp.param_problem",
                  "icmp.redirect"])
    f = {"icmp.dest_unreach": dict(code=4, mtu=u(16)), "icmp.time_exceeded": dict(code=1),
         "icmp.param_problem": dict(pointer=u(8)), "icmp.redirect": dict(gw=a4())}[t]
    return [n_eth(), n_ip4(), L(t, **f), n_ip4()] + n_udp()


def b_hbh():
    out = [n_eth(), n_ip6(), L("hbh")] + n_ip6opts(False)
    if R.random() < 0.4:
        out += [L("dstopt")] + n_ip6opts(False)
    return out + n_upper6()


def b_hao():
    """Home Address option before an upper layer (RFC 6275 §6.1.1, §9.3.1)."""
    pad = [L("ip6opt.padn", data=bytes(2))] if R.random() < 0.5 else []
    return [n_eth(), n_ip6(), L("dstopt")] + pad + [L("ip6opt.hao", hoa=a6())] + R.choice(
        [n_udp, n_tcp, n_echo6, lambda: [L("mh.bu", seq=u(16), h=1, a=1, lifetime=u(16))]])()


def b_rh():
    k = R.choice(["rh0", "rh2", "srh"])
    if k == "rh0":
        addrs = a6n(1, 4)
        rh = [L("rh0", addrs=addrs, segleft=R.randint(0, len(addrs)))]
    elif k == "rh2":
        rh = [L("rh2", hoa=a6())]
    else:
        addrs = a6n(1, 4)
        rh = [L("srh", addrs=addrs, segleft=R.randint(0, len(addrs) - 1), tag=u(16),
                flags=u(8))]
        size = 0
        for _ in range(R.randint(0, 2)):
            d = rbytes(1, 10)
            rh.append(L("srhtlv", type=R.choice([124, 125, 130]), data=d))
            size += 2 + len(d)
        if size % 8 == 7:  # no one-octet pad in an SRH (exception 7)
            rh.append(L("srhtlv", type=124, data=b"\0"))
    return [n_eth(), n_ip6()] + rh + n_upper6()


def b_frag():
    k = R.choice(["first", "later", "atomic"])
    res = dict(id=u(32), res1=R.choice([0, u(8)]), res2=R.choice([0, u(2)]))
    if k == "later":
        return [n_eth(), n_ip6(), L("frag", offset=R.randint(1, 8000), m=u(1), nh=17, **res),
                L("raw", data=rbytes(8, 40))]
    return [n_eth(), n_ip6(), L("frag", offset=0, m=int(k == "first"), **res)] + n_upper6()


def b_ipsec():
    k = R.choice(["ah6", "esp6", "esp4"])
    if k == "esp6":
        return [n_eth(), n_ip6(), L("esp", spi=u(32), seq=u(32), data=rbytes(8, 40))]
    if k == "esp4":
        return [n_eth(), n_ip4(), L("esp", spi=u(32), seq=u(32), data=rbytes(8, 40))]
    ah = L("ah", spi=u(32), seq=u(32), icv=R.randbytes(R.choice([4, 12, 20])))
    return [n_eth(), n_ip6(), ah] + R.choice([n_udp, n_tcp])()


def b_icmp6_err():
    t = R.choice(["icmpv6.dest_unreach", "icmpv6.packet_too_big", "icmpv6.time_exceeded",
                  "icmpv6.param_problem"])
    f = {"icmpv6.dest_unreach": dict(code=R.randint(0, 6)),
         "icmpv6.packet_too_big": dict(mtu=u(32)),
         "icmpv6.time_exceeded": dict(code=R.randint(0, 1)),
         "icmpv6.param_problem": dict(code=R.randint(0, 3), pointer=u(32))}[t]
    return [n_eth(), n_ip6(), L(t, **f), n_ip6()] + R.choice([n_udp, n_echo6])()


def n_ndopts(kinds):
    out = []
    for k in kinds:
        if k in ("slla", "tlla"):
            out.append(L("ndopt." + k, lladdr=mac()))
        elif k == "prefix":
            pl = R.randint(0, 128)
            out.append(L("ndopt.prefix", plen=pl, l=u(1), a=u(1), r=u(1), valid=u(32),
                         preferred=u(32), prefix=prefix6(pl)))
        elif k == "mtu":
            out.append(L("ndopt.mtu", mtu=u(32)))
        elif k == "route":
            pl = R.randint(0, 128)
            out.append(L("ndopt.route_info", plen=pl, prf=u(2), lifetime=u(32),
                         prefix=prefix6(pl)))
        elif k == "rdnss":
            out.append(L("ndopt.rdnss", lifetime=u(32), addrs=a6n(1, 3)))
        elif k == "advint":
            out.append(L("ndopt.adv_interval", interval=u(32)))
        elif k == "hai":
            out.append(L("ndopt.hai", preference=u(16), lifetime=u(16)))
        elif k == "generic":
            out.append(L("ndopt", type=R.choice([100, 200, 253]),
                         data=R.randbytes(6 + 8 * R.randint(0, 2))))
    return out


def b_nd():
    k = R.choice(["rs", "ra", "ra", "ns", "na", "redirect"])
    if k == "rs":
        m = [L("icmpv6.rs")] + n_ndopts(R.sample(["slla", "generic"], R.randint(0, 2)))
    elif k == "ra":
        m = [L("icmpv6.ra", chl=u(8), m=u(1), o=u(1), h=u(1), prf=u(2), p=u(1),
               lifetime=u(16), reachable=u(32), retrans=u(32))] + n_ndopts(
                   R.sample(["slla", "mtu", "prefix", "prefix", "route", "rdnss", "advint",
                             "hai", "generic"], R.randint(0, 5)))
    elif k == "ns":
        m = [L("icmpv6.ns", target=a6())] + n_ndopts(R.sample(["slla"], R.randint(0, 1)))
    elif k == "na":
        m = [L("icmpv6.na", r=u(1), s=u(1), o=u(1), target=a6())] + \
            n_ndopts(R.sample(["tlla"], R.randint(0, 1)))
    else:
        q = R.randbytes(48 + 8 * R.randint(0, 3))  # a quoted IPv6 header and more
        m = [L("icmpv6.redirect", target=a6(), dst=a6())] + \
            n_ndopts(R.sample(["tlla"], R.randint(0, 1))) + [L("ndopt.redirected", data=q)]
    return [n_eth(), n_ip6(hlim=255)] + m


def b_nd_unaligned():
    """An ND option whose body is not a whole number of 8-octet units: the
    encoder computes Length (RFC 4861 §4.6) and so must pad the option."""
    return [n_eth(), n_ip6(hlim=255), L("icmpv6.rs"),
            L("ndopt", type=200, data=R.randbytes(R.choice([1, 3, 5, 9]))),
            L("ndopt.slla", lladdr=mac())]


def b_mld():
    k = R.choice(["mld_query", "mld_report", "mld_done", "q2", "r2"])
    if k in ("mld_query", "mld_report", "mld_done"):
        return [n_eth(), n_ip6(), L("icmpv6." + k, mrd=u(16), group=mcast6())]
    if k == "q2":
        f = dict(mrc=u(16), group=mcast6(), s=u(1), qrv=u(3), qqic=u(8))
        srcs = a6n(0, 3)
        if srcs:
            f["sources"] = srcs
        return [n_eth(), n_ip6(), L("icmpv6.mldv2_query", **f)]
    out = [n_eth(), n_ip6(), L("icmpv6.mldv2_report")]
    for _ in range(R.randint(0, 3)):
        srcs = a6n(0, 2)
        if R.random() < 0.3:
            out.append(L("mldv2.record_aux", rtype=R.randint(1, 6), group=mcast6(),
                         nsrc=len(srcs), data=ip6_bytes(srcs) + R.randbytes(4)))
        elif srcs:
            out.append(L("mldv2.record", rtype=R.randint(1, 6), group=mcast6(),
                         sources=srcs))
        else:
            out.append(L("mldv2.record", rtype=R.randint(1, 6), group=mcast6()))
    return out


def b_mip6icmp():
    k = R.choice(["dhaad_request", "dhaad_reply", "mps", "mpa"])
    if k == "dhaad_reply":
        m = [L("icmpv6.dhaad_reply", id=u(16), addrs=a6n(1, 3))]
    elif k == "mpa":
        m = [L("icmpv6.mpa", id=u(16), m=u(1), o=u(1))] + n_ndopts(["prefix"] * R.randint(0, 2))
    else:
        m = [L("icmpv6." + k, id=u(16))]
    return [n_eth(), n_ip6()] + m


def b_mh():
    k = R.choice(["mh.brr", "mh.hoti", "mh.coti", "mh.hot", "mh.cot", "mh.bu", "mh.ba",
                  "mh.be"])
    f = {"mh.brr": {}, "mh.hoti": dict(cookie=u(64)), "mh.coti": dict(cookie=u(64)),
         "mh.hot": dict(nonce=u(16), cookie=u(64), token=u(64)),
         "mh.cot": dict(nonce=u(16), cookie=u(64), token=u(64)),
         "mh.bu": dict(seq=u(16), a=u(1), h=u(1), l=u(1), k=u(1), lifetime=u(16)),
         "mh.ba": dict(status=u(8), k=u(1), seq=u(16), lifetime=u(16)),
         "mh.be": dict(status=u(8), hoa=a6())}[k]
    out = [n_eth(), n_ip6(), L(k, **f)]
    for _ in range(R.randint(0, 3)):
        out.append(R.choice([L("mhopt.bra", interval=u(16)), L("mhopt.altcoa", addr=a6()),
                             L("mhopt.nonce", home=u(16), careof=u(16)),
                             L("mhopt.auth", auth=R.randbytes(12)),
                             L("mhopt", type=R.choice([30, 60, 200]), data=rbytes(1, 8))]))
    return out


def b_l4():
    return [n_eth(), R.choice([n_ip6, n_ip4])()] + R.choice([n_tcp, n_udp])()


PART_B = [
    ("l2", b_l2, 15), ("ipv4", b_ipv4, 25), ("icmp4-err", b_icmp4_err, 10),
    ("hbh", b_hbh, 30), ("hao", b_hao, 10), ("rh", b_rh, 30), ("frag", b_frag, 15),
    ("ipsec", b_ipsec, 15), ("icmp6-err", b_icmp6_err, 20), ("echo6", lambda: [n_eth(), n_ip6()] +
                                                             n_echo6(), 10),
    ("nd", b_nd, 50), ("nd-unaligned", b_nd_unaligned, 3), ("mld", b_mld, 30),
    ("mip6icmp", b_mip6icmp, 15), ("mh", b_mh, 40), ("l4", b_l4, 30),
]

# Fields scapy computes when they are None, by class: lengths, counts and
# checksums. Quoted packets inside ICMP errors keep theirs.
AUTO = {
    "IP": ["ihl", "len", "chksum"], "TCP": ["dataofs", "chksum"], "UDP": ["len", "chksum"],
    "ICMP": ["chksum"], "IPv6": ["plen"], "IPv6ExtHdrHopByHop": ["len"],
    "IPv6ExtHdrDestOpt": ["len"], "IPv6ExtHdrRouting": ["len"],
    "IPv6ExtHdrSegmentRouting": ["len", "lastentry"],
    "ICMPv6MLQuery2": ["sources_number"], "ICMPv6MLReport2": ["records_number"],
    "ICMPv6NDOptRouteInfo": ["len"], "ICMPv6NDOptRDNSS": ["len"],
    "ICMPv6NDOptUnknown": ["len"], "ICMPv6NDOptRedirectedHdr": ["len"],
}
AUTO_OPT = {"PadN": ["optlen"], "HBHOptUnknown": ["optlen"], "MIP6OptUnknown": ["olen"],
            "IPv6ExtHdrSegmentRoutingTLVPadN": ["len"],
            "IPv6ExtHdrSegmentRoutingTLVHMAC": ["len"],
            "ICMPv6MLDMultAddrRec": ["sources_number", "auxdata_len"]}


QUOTING = (ICMPv6DestUnreach, ICMPv6PacketTooBig, ICMPv6TimeExceeded, ICMPv6ParamProblem)


def clear_auto(p):
    """Sets to None every field scapy can compute, up to a quoted packet."""
    L = p
    while L is not None and not isinstance(L, (NoPayload, Padding)):
        if isinstance(L, MIP6MH_BE) and L.options:
            # No autopad switch on this class: recompute its length and
            # checksum as a generic message, options left as written.
            g = MIP6MH_Generic(raw(L))
            up = L.underlayer
            up.remove_payload()
            up.add_payload(g)
            L = g
        if isinstance(L, ICMPv6MLReport2):
            recs = []  # un-nest the records
            for o in L.records:
                while isinstance(o, ICMPv6MLDMultAddrRec):
                    nxt = o.payload
                    o = o.copy()
                    o.remove_payload()
                    recs.append(o)
                    o = nxt
            L.records = recs
        cn = type(L).__name__
        names = list(AUTO.get(cn, []))
        if cn.startswith("MIP6MH_"):
            names += ["len", "cksum"]
        elif isinstance(L, inet6._ICMPv6) and "cksum" in L.fields:
            names.append("cksum")
        if isinstance(L.underlayer, AH) and "chksum" in names:
            names.remove("chksum")  # exception 10: checked by check_built()
        for n in names:
            setattr(L, n, None)
        if "autopad" in L.fields:
            # Keep the options where v6lab put them: scapy would move them to
            # their alignment (RFC 8200 §4.2), which v6lab's encoder leaves to
            # the notation; this compares lengths and checksums only.
            L.autopad = 0
        for attr in ("options", "tlv_objects", "records"):
            for o in L.fields.get(attr) or []:
                while not isinstance(o, (NoPayload, Padding)) and hasattr(o, "fields"):
                    for n in AUTO_OPT.get(type(o).__name__, []):
                        setattr(o, n, None)
                    for f in o.fields_desc:
                        # A field the bytes ended before is empty, not its
                        # default (see get()).
                        if f.name not in o.fields and isinstance(f.default, bytes):
                            setattr(o, f.name, b"")
                    o = o.payload
        if isinstance(L, QUOTING) or isinstance(L, ICMP) and L.type in (3, 5, 11, 12):
            break  # the quoted packet keeps what v6lab wrote
        L = L.payload


def check_built(spec, p):
    """Checks one packet v6lab built from spec against scapy's reading of it."""
    errs = []
    view = scapy_view(p)
    hdrs = []  # (name, fields, [(option name, fields)])
    for n, f in spec:
        if n.split(".")[0] in OPTION_FAMILIES:
            hdrs[-1][2].append((n, f))
        else:
            hdrs.append((n, f, []))
    vn = [e["name"] for e in view]
    if [h[0] for h in hdrs] != vn:
        return ["layers: notation %s, scapy %s" % (" / ".join(h[0] for h in hdrs),
                                                   " / ".join(vn))]
    for k, ((name, fields, opts), e) in enumerate(zip(hdrs, view)):
        path = "%s#%d" % (name, k)
        errs += set_fields(fields, e, path)
        eo = e.get("options") or []
        on = [o[0] for o in opts]
        en = [x["name"] for x in eo]
        if en[:len(on)] != on or any(x not in PADDING for x in en[len(on):]):
            errs.append("%s options: notation [%s], scapy [%s]" % (path, ", ".join(on),
                                                                   ", ".join(en)))
            continue
        for j, (o, x) in enumerate(zip(opts, eo)):
            errs += set_fields(o[1], x, "%s/%s[%d]" % (path, o[0], j))
        # Next header and ethertype, unless the notation set them: the
        # number of the layer that follows (59, No Next Header, if none).
        nxt = view[k + 1]["name"] if k + 1 < len(view) else None
        nhf = "proto" if name == "ipv4" or name.startswith("mh") else "nh"
        if nhf in e["fields"] and nhf not in fields:
            want = ipproto_of(nxt) if nxt else 59
            if want is not None and e["fields"][nhf] != want:
                errs.append("%s.%s: %d, but the next layer is %s (%d)" %
                            (path, nhf, e["fields"][nhf], nxt, want))
        if name in ("ether", "dot1q") and nxt in ETYPE and "type" not in fields and \
                e["fields"]["type"] != ETYPE[nxt]:
            errs.append("%s.type: 0x%x, but the next layer is %s" %
                        (path, e["fields"]["type"], nxt))
        if name == "ah" and (e["fields"]["len"] + 2) * 4 != e["length"]:
            errs.append("%s.len: %d, but the header is %d bytes (RFC 4302 §2.2)" %
                        (path, e["fields"]["len"], e["length"]))
        if name == "ah" and k + 1 < len(view) and view[k + 1]["name"] in ("tcp", "udp"):
            want = ah_upper_cksum(p)
            if view[k + 1]["fields"]["cksum"] != want:
                errs.append("%s#%d.cksum: v6lab wrote %s, the pseudo-header gives %s" %
                            (view[k + 1]["name"], k + 1, show(view[k + 1]["fields"]["cksum"]),
                             show(want)))
    # Lengths, counts and checksums: scapy recomputes them all.
    q = p.copy()
    clear_auto(q)
    b2, b1 = raw(q), raw(p)
    if b2 != b1:
        v2 = scapy_view(Ether(b2))
        diffs = []
        for k, (x, y) in enumerate(zip(view, v2)):
            for f in x["fields"]:
                if f in y["fields"] and not same(x["fields"][f], _js(y["fields"][f])):
                    diffs.append("%s#%d.%s: v6lab wrote %s, scapy computes %s" %
                                 (x["name"], k, f, show(x["fields"][f]),
                                  show(y["fields"][f])))
            for j, (a, b) in enumerate(zip(x.get("options") or [], y.get("options") or [])):
                for f in a["fields"]:
                    if f in b["fields"] and not same(a["fields"][f],
                                                     _js(b["fields"][f])):
                        diffs.append("%s#%d/%s[%d].%s: v6lab wrote %s, scapy computes %s" %
                                     (x["name"], k, a["name"], j, f,
                                      show(a["fields"][f]), show(b["fields"][f])))
        if not diffs:
            at = next(i for i in range(min(len(b1), len(b2)) + 1)
                      if i >= min(len(b1), len(b2)) or b1[i] != b2[i])
            diffs.append("scapy's rebuild differs from byte %d (v6lab %d bytes, scapy %d)" %
                         (at, len(b1), len(b2)))
        errs += diffs
    return errs


def _js(v):
    """A scapy value as v6lab's JSON would carry it, for same()."""
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, (list, tuple)):
        return [_js(x) for x in v]
    if isinstance(v, str):
        return v
    return int(v)


def set_fields(fields, e, path):
    errs = []
    for f, v in fields.items():
        if f not in e["fields"]:
            errs.append("%s.%s: set to %s, but scapy has no such value" % (path, f, show(v)))
        elif not same(e["fields"][f], _js(v)) and not padded(e, f, v):
            errs.append("%s.%s: set to %s, scapy reads %s" % (path, f, show(v),
                                                              show(e["fields"][f])))
    return errs


def padded(e, f, v):
    """An ND option's body padded with zeros to its 8-octet units (RFC 4861
    §4.6) still holds what was set."""
    got = e["fields"][f]
    return (e["name"].startswith("ndopt") and isinstance(v, bytes) and
            isinstance(got, bytes) and got.startswith(v) and len(got) - len(v) < 8 and
            not any(got[len(v):]))


def part_b(v6lab, tmp, report):
    specs, kinds = [], []
    for kind, gen, n in PART_B:
        for _ in range(n):
            specs.append(gen())
            kinds.append(kind)
    txt = os.path.join(tmp, "notation.txt")
    with open(txt, "w") as fp:
        for s in specs:
            fp.write(notation(s) + "\n")
    pcap = os.path.join(tmp, "v6lab.pcap")
    r = subprocess.run([v6lab, "build", "-o", pcap, "-f", txt], capture_output=True, text=True)
    failed = {}
    for line in r.stderr.splitlines():
        # "v6lab build: FILE:LINE: message" or "FILE:LINE:COL: message"
        rest = line.split(txt + ":", 1)
        if len(rest) == 2 and rest[1].split(":")[0].isdigit():
            failed[int(rest[1].split(":")[0])] = line
    pkts = rdpcap(pcap) if os.path.exists(pcap) and os.path.getsize(pcap) > 24 else []
    frames = v6lab_decode(v6lab, pcap) if pkts else []
    k = 0
    for i, s in enumerate(specs):
        tag = "B%d %s" % (i + 1, kinds[i])
        if i + 1 in failed:
            report(tag, None, ["v6lab build refused it: " + failed[i + 1]], notation(s))
            continue
        if k >= len(pkts):
            report(tag, None, ["missing from v6lab build's pcap"], notation(s))
            continue
        p = Ether(raw(pkts[k]))
        errs = check_built(s, p)
        # And v6lab's own decoding of it, field by field, as in part A.
        if k < len(frames):
            errs += ["decode: " + e for e in compare(frames[k], scapy_view(Ether(raw(pkts[k]))))]
        k += 1
        report(tag, p, errs, notation(s))


# ---------------------------------------------------------------------------


def main():
    if len(sys.argv) != 2:
        print("usage: xcheck.py PATH/TO/v6lab", file=sys.stderr)
        return 2
    v6lab = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="v6lab-xcheck-")
    counts = {"ok": 0, "bad": 0}

    def report(tag, pkt, errs, text=None):
        if not errs:
            counts["ok"] += 1
            return
        counts["bad"] += 1
        print("MISMATCH %s" % tag)
        if text:
            print("  packet: %s" % text)
        if pkt is not None:
            print("  scapy:  %s" % pkt.summary())
            print("  bytes:  %s" % raw(pkt).hex())
        for e in errs:
            print("  - %s" % e)

    try:
        part_a(v6lab, tmp, report)
        part_b(v6lab, tmp, report)
    finally:
        keep = os.environ.get("XCHECK_KEEP")
        if keep:
            os.makedirs(keep, exist_ok=True)
            for f in os.listdir(tmp):
                shutil.copy(os.path.join(tmp, f), keep)
        shutil.rmtree(tmp, ignore_errors=True)
    if os.environ.get("XCHECK_VERBOSE"):
        print("v6lab fields compared at least once, by layer:")
        for name in sorted(COVERED):
            print("  %s: %s" % (name, " ".join(sorted(COVERED[name]))))
    print("xcheck: %d passed, %d failed" % (counts["ok"], counts["bad"]))
    return 0 if counts["bad"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
