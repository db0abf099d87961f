#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
pmtu.py - helpers of the awsvpn MTU/DF/MSS selftests (40-49).

Only the Python 3 standard library; run as root inside the network namespace
it acts on ("ip netns exec NS python3 pmtu.py ...").  Results are lines on
stdout.

  ping --dst ADDR --size TOTAL[:df] [--size ...] [--df] [--timeout SECS]
       [--id N]
      Per --size, in order, one ICMP (IPv4) or ICMPv6 (IPv6, chosen by ADDR)
      echo request whose IP packet is exactly TOTAL bytes (IPv4 header 20,
      IPv6 40, echo header 8), through one raw socket; with --df or ":df":
      IP_PMTUDISC_DO (DF set, never fragmented locally), else
      IP_PMTUDISC_DONT.  Prints one line per echo, the first of:
        reply LEN           echo reply (LEN: its reassembled IP length)
        frag-needed MTU SRC ICMP dest unreachable / frag needed (IPv4), or
        ptb MTU SRC         ICMPv6 packet too big, quoting our echo
        unreach TYPE/CODE SRC   another ICMP error quoting our echo
        emsgsize MTU        the local stack refused (socket's IP_MTU)
        timeout
      Exit status 0 in every case (the line is the result).

  udp-recv --port P --out FILE [--ready FILE] [--timeout SECS] [--count N]
      Receive datagrams on UDP port P (IPv4 and IPv6) until SECS pass
      without one, or N arrived; write "LEN" per datagram to FILE.
  udp-send --dst ADDR --port P --size TOTAL [--df] [--gso N]
      One UDP datagram whose IP packet is TOTAL bytes (IPv4: payload
      TOTAL - 28), DF set with --df (IP_PMTUDISC_DO); with --gso, N of
      them in one send (UDP_SEGMENT: one GSO packet, if the route's
      device takes it whole).  Prints "sent" or "emsgsize".
  l3-send --dev DEV --hex BYTES
      BYTES (hex) as one IPv4 packet handed to DEV's transmit as it is
      (a packet socket, SOCK_DGRAM: no link header).  Prints "sent".

  tcp-listen --port P [--ready FILE] [--timeout SECS]
      Accept connections on TCP port P (IPv4 and IPv6) until SECS pass
      without one.
  tcp-connect --dst ADDR --port P [--timeout SECS]
      Connect, send "x", close.  Prints "connected" or "error ERRNO".

"""
import argparse
import errno
import os
import select
import socket
import struct
import sys
import time

IP_MTU_DISCOVER = 10
IP_PMTUDISC_DONT = 0
IP_PMTUDISC_DO = 2
IP_MTU = 14
IPV6_MTU_DISCOVER = 23
IPV6_PMTUDISC_DONT = 0
IPV6_PMTUDISC_DO = 2
IPV6_MTU = 24
UDP_SEGMENT = 103
ETH_P_IP = 0x0800


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def is_v6(addr):
    return ":" in addr


def touch(path):
    if path:
        with open(path, "w"):
            pass


# ------------------------------------------------------------------ ping

def cmd_ping(a):
    v6 = is_v6(a.dst)
    ident = a.id & 0xffff
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    s = socket.socket(fam, socket.SOCK_RAW, proto)
    s.connect((a.dst, 0))
    # A connected raw socket sees only packets from ADDR; errors from a
    # router come to this one, which must exist before the echo leaves.
    s2 = socket.socket(fam, socket.SOCK_RAW, proto)
    for seq, probe in enumerate(a.size, 1):
        size, _, flag = probe.partition(":")
        print(ping_one(a, s, s2, v6, ident, seq, int(size),
                       a.df or flag == "df"))
        sys.stdout.flush()


def ping_one(a, s, s2, v6, ident, seq, size, df):
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER,
                     IPV6_PMTUDISC_DO if df else IPV6_PMTUDISC_DONT)
        payload = size - 40 - 8
        etype = 128
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER,
                     IP_PMTUDISC_DO if df else IP_PMTUDISC_DONT)
        payload = size - 20 - 8
        etype = 8
    if payload < 0:
        sys.exit("size too small")
    body = bytes((i & 0xff for i in range(payload)))
    pkt = struct.pack("!BBHHH", etype, 0, 0, ident, seq) + body
    if not v6:	# the kernel computes the ICMPv6 checksum
        pkt = struct.pack("!BBHHH", etype, 0, csum(pkt), ident, seq) + body
    try:
        s.send(pkt)
    except OSError as e:
        if e.errno != errno.EMSGSIZE:
            raise
        mtu = s.getsockopt(socket.IPPROTO_IPV6 if v6 else socket.IPPROTO_IP,
                           IPV6_MTU if v6 else IP_MTU)
        return "emsgsize %d" % mtu
    end = time.time() + a.timeout
    while True:
        left = end - time.time()
        if left <= 0:
            return "timeout"
        r, _, _ = select.select([s, s2], [], [], left)
        for sk in r:
            try:
                data, src = sk.recvfrom(65535)
            except OSError:
                continue	# the error queued on the connected socket
            res = parse_icmp(data, v6, ident, seq, src[0])
            if res:
                return res


def parse_icmp(data, v6, ident, seq, src):
    """The result line if @data answers our echo (IDENT, SEQ), else None."""
    if v6:
        icmp, iplen = data, len(data) + 40
    else:
        ihl = (data[0] & 0xf) * 4
        iplen = struct.unpack("!H", data[2:4])[0]
        icmp = data[ihl:]
    if len(icmp) < 8:
        return None
    typ, code = icmp[0], icmp[1]
    if (not v6 and typ == 0) or (v6 and typ == 129):
        if struct.unpack("!HH", icmp[4:8]) == (ident, seq):
            return "reply %d" % iplen
        return None
    # An error quoting our echo request.
    inner = icmp[8:]
    if v6:
        if len(inner) < 48 or inner[6] != 58 or inner[40] != 128 or \
           struct.unpack("!HH", inner[44:48]) != (ident, seq):
            return None
        if typ == 2:
            return "ptb %d %s" % (struct.unpack("!I", icmp[4:8])[0], src)
        if typ < 128:
            return "unreach %d/%d %s" % (typ, code, src)
        return None
    if len(inner) < 20:
        return None
    ihl = (inner[0] & 0xf) * 4
    if inner[9] != 1 or len(inner) < ihl + 8 or inner[ihl] != 8 or \
       struct.unpack("!HH", inner[ihl + 4:ihl + 8]) != (ident, seq):
        return None
    if typ == 3 and code == 4:
        return "frag-needed %d %s" % (struct.unpack("!H", icmp[6:8])[0], src)
    if typ in (3, 11, 12):
        return "unreach %d/%d %s" % (typ, code, src)
    return None


# ------------------------------------------------------------------- udp

def dual_socket(kind, port):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    return s


def cmd_udp_recv(a):
    s = dual_socket(socket.SOCK_DGRAM, a.port)
    touch(a.ready)
    n = 0
    with open(a.out, "w") as f:
        while not a.count or n < a.count:
            r, _, _ = select.select([s], [], [], a.timeout)
            if not r:
                return
            data = s.recv(65535)
            f.write("%d\n" % len(data))
            f.flush()
            n += 1


def cmd_udp_send(a):
    v6 = is_v6(a.dst)
    if v6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER,
                     IPV6_PMTUDISC_DO if a.df else IPV6_PMTUDISC_DONT)
        n = a.size - 48
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER,
                     IP_PMTUDISC_DO if a.df else IP_PMTUDISC_DONT)
        n = a.size - 28
    if a.gso:
        s.setsockopt(socket.IPPROTO_UDP, UDP_SEGMENT, n)
    try:
        s.sendto(b"u" * n * max(a.gso, 1), (a.dst, a.port))
    except OSError as e:
        if e.errno != errno.EMSGSIZE:
            raise
        print("emsgsize")
        return
    print("sent")


def cmd_l3_send(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                      socket.htons(ETH_P_IP))
    s.sendto(bytes.fromhex(a.hex), (a.dev, ETH_P_IP))
    print("sent")


# ------------------------------------------------------------------- tcp

def cmd_tcp_listen(a):
    s = dual_socket(socket.SOCK_STREAM, a.port)
    s.listen(16)
    touch(a.ready)
    while True:
        r, _, _ = select.select([s], [], [], a.timeout)
        if not r:
            return
        c, _ = s.accept()
        c.settimeout(a.timeout)
        try:
            c.recv(16)
        except OSError:
            pass
        c.close()


def cmd_tcp_connect(a):
    fam = socket.AF_INET6 if is_v6(a.dst) else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    try:
        s.connect((a.dst, a.port))
        s.sendall(b"x")
        s.close()
    except OSError as e:
        print("error %s" % errno.errorcode.get(e.errno, e.errno))
        return
    print("connected")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("ping")
    c.add_argument("--dst", required=True)
    c.add_argument("--size", action="append", required=True)
    c.add_argument("--df", action="store_true")
    c.add_argument("--timeout", type=float, default=3)
    c.add_argument("--id", type=int, default=os.getpid())
    c = sub.add_parser("udp-recv")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--ready")
    c.add_argument("--timeout", type=float, default=10)
    c.add_argument("--count", type=int, default=0)
    c = sub.add_parser("udp-send")
    c.add_argument("--dst", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--size", type=int, required=True)
    c.add_argument("--df", action="store_true")
    c.add_argument("--gso", type=int, default=0)
    c = sub.add_parser("l3-send")
    c.add_argument("--dev", required=True)
    c.add_argument("--hex", required=True)
    c = sub.add_parser("tcp-listen")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--ready")
    c.add_argument("--timeout", type=float, default=20)
    c = sub.add_parser("tcp-connect")
    c.add_argument("--dst", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--timeout", type=float, default=5)
    a = p.parse_args()
    {"ping": cmd_ping, "udp-recv": cmd_udp_recv, "udp-send": cmd_udp_send,
     "l3-send": cmd_l3_send, "tcp-listen": cmd_tcp_listen,
     "tcp-connect": cmd_tcp_connect}[a.cmd](a)


if __name__ == "__main__":
    main()
