"""Writes the minimal captures of the differences the differential test
found to be bugs of ours (see README.md beside this file). Run with the
system Python, which has scapy: /usr/bin/python3 mkrepro.py"""

from scapy.all import (UDP, Ether, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, PadN, Raw,
                       raw, wrpcap)

C6, S6 = "2001:db8:1::2", "2001:db8:2::2"


def eth(p):
    return Ether(src="02:cd:00:00:01:02", dst="02:cd:00:00:01:01") / p


def rfc7112():
    """A UDP datagram in two fragments whose first carries only a
    Destination Options header: the UDP header is in the second."""
    base = IPv6(src=C6, dst=S6)
    chain = raw(base / IPv6ExtHdrDestOpt(nh=17, options=[PadN(optdata=b"\0" * 4)]) /
                UDP(sport=40053, dport=7153) / Raw(b"e" * 64))[40:]
    return [eth(base / IPv6ExtHdrFragment(id=0x1005, offset=0, m=1, nh=60) / Raw(chain[:8])),
            eth(base / IPv6ExtHdrFragment(id=0x1005, offset=1, m=0, nh=60) / Raw(chain[8:]))]


if __name__ == "__main__":
    wrpcap("rfc7112-first-fragment.pcap", rfc7112())
