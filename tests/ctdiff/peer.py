"""The programs the differential test runs inside its client and server
namespaces (`ip netns exec NS python3 peer.py COMMAND ...`): a raw frame
sender that the test drives line by line, the servers (TCP echo, UDP echo,
HTTP, FTP) and the clients that make real connections through the router.
Nothing here knows about connection tracking; it only makes traffic."""

import socket
import sys
import threading
import time


def agent(iface):
    """Sends the frames given as hex lines on stdin out of iface, answering
    each with "ok" once it is on the wire."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    print("ready", flush=True)
    for line in sys.stdin:
        line = line.strip()
        if line == "quit":
            break
        if line:
            s.send(bytes.fromhex(line))
        print("ok", flush=True)


# ---- servers ----

def tcp_echo(port):
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind(("::", port))
    ls.listen(64)

    def one(c):
        with c:
            while True:
                try:
                    d = c.recv(65536)
                except OSError:
                    return
                if not d:
                    return
                c.sendall(d)

    def loop():
        while True:
            c, _ = ls.accept()
            threading.Thread(target=one, args=(c,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


def udp_echo(port):
    for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, port))

        def loop(s=s):
            while True:
                d, a = s.recvfrom(65536)
                s.sendto(d, a)

        threading.Thread(target=loop, daemon=True).start()


def http(port, root):
    import functools
    import http.server

    class V6(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6

        def server_bind(self):
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            super().server_bind()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    srv = V6(("::", port), functools.partial(Quiet, directory=root))
    threading.Thread(target=srv.serve_forever, daemon=True).start()


def ftp(root, passive):
    """pyftpdlib on 0.0.0.0:21 and [::]:21 (one IO loop), anonymous, read
    only; the passive ports in the given range."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer
    import logging

    logging.getLogger("pyftpdlib").setLevel(logging.ERROR)
    auth = DummyAuthorizer()
    auth.add_anonymous(root)
    FTPHandler.authorizer = auth
    FTPHandler.passive_ports = range(passive[0], passive[1] + 1)
    FTPHandler.permit_foreign_addresses = False
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s6.bind(("::", 21))
    s6.listen(8)
    srv = FTPServer(s6, FTPHandler)
    FTPServer(("0.0.0.0", 21), FTPHandler)
    threading.Thread(target=srv.serve_forever, kwargs={"handle_exit": False},
                     daemon=True).start()


def serve(root):
    tcp_echo(7000)
    udp_echo(7001)
    http(8080, root)
    try:
        ftp(root, (30000, 30099))
        print("ftp", flush=True)
    except ImportError:
        print("noftp", flush=True)
    print("ready", flush=True)
    # until the test closes our stdin
    sys.stdin.read()


# ---- clients ----

def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def tcp_client(addr, port, n, mode):
    """n echo exchanges; then mode: close (FIN), rst (SO_LINGER 0), hold
    (stay open until stdin closes), refused (expect a RST)."""
    c = socket.socket(family(addr), socket.SOCK_STREAM)
    c.settimeout(3)
    try:
        c.connect((addr, port))
    except OSError as e:
        print("connect: %s" % e, flush=True)
        return 0 if mode == "refused" else 1
    for i in range(n):
        c.sendall(b"x" * (100 + i))
        got = 0
        while got < 100 + i:
            got += len(c.recv(65536))
    print("ready", flush=True)
    if mode == "hold":
        sys.stdin.read()
    elif mode == "rst":
        import struct
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    else:
        c.shutdown(socket.SHUT_WR)
        while c.recv(65536):
            pass
    c.close()
    return 0


def udp_client(addr, port, n, gap, size, expect):
    c = socket.socket(family(addr), socket.SOCK_DGRAM)
    c.settimeout(1)
    for i in range(n):
        if i:
            time.sleep(gap)
        c.sendto(b"u" * size, (addr, port))
        if expect:
            try:
                c.recvfrom(65536)
            except (socket.timeout, OSError) as e:
                print("no answer: %s" % e, flush=True)
        else:
            time.sleep(0.1)
    return 0


def ftp_client(addr):
    import ftplib

    f = ftplib.FTP()
    f.connect(addr, 21, timeout=5)
    f.login()
    f.set_pasv(True)
    names = f.nlst()
    f.set_pasv(False)
    data = []
    f.retrbinary("RETR hello.txt", data.append)
    f.quit()
    print("ftp ok %s %d" % (names, sum(map(len, data))), flush=True)
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "agent":
        agent(argv[2])
    elif cmd == "serve":
        serve(argv[2])
    elif cmd == "tcp":
        return tcp_client(argv[2], int(argv[3]), int(argv[4]), argv[5])
    elif cmd == "udp":
        return udp_client(argv[2], int(argv[3]), int(argv[4]), float(argv[5]),
                          int(argv[6]), argv[7] == "expect")
    elif cmd == "ftp":
        return ftp_client(argv[2])
    else:
        print("peer.py: unknown command %s" % cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
