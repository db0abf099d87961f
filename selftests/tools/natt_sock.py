#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
natt_sock.py - UDP socket helpers for the awsvpn NAT traversal selftest
(30-natt).  Only the Python 3 standard library; run as root inside the
network namespace it acts on ("ip netns exec NS python3 natt_sock.py ...").

  encap-hold --port P --ready FILE
      Bind UDP 0.0.0.0:P and turn it into an xfrm ESP-in-UDP socket
      (setsockopt UDP_ENCAP, UDP_ENCAP_ESPINUDP), as an IKE daemon does:
      the kernel's XFRM only decapsulates ESP in UDP while such a socket
      exists.  Creates FILE once ready, then sleeps until killed.

  bind --addr A --port P --ready FILE
      Hold a plain UDP socket on A:P (a busy port); sleeps until killed.

  send --src A --sport P --dst B --dport Q --hex HEX
      Send one UDP datagram with payload HEX from A:P to B:Q through a raw
      socket, so that P may be a port another socket is bound to (the
      XFRM peer's 4500).  The UDP checksum is 0 (allowed over IPv4).

  adopt --dev DEV --addr A --port P --dir DIR [--kind KIND] [--fd-arg ARG]
      Open a UDP socket bound to A:P (KIND "udp", default), or a TCP
      socket ("tcp"), an unbound UDP socket ("unbound"), or a UDP socket
      bound to A:P in the network namespace /run/netns/NS ("netns:NS"),
      and run "awsvpn set DEV encap udp socket-fd N" (N = the descriptor,
      or ARG) with the descriptor inherited.  DIR/set.rc gets its exit
      status, DIR/set.log its output.  For "udp" and "netns:NS" with
      success the socket is kept (a device moved out of its outer namespace
      adopts a socket of that namespace from where it lives now): every datagram it receives is appended to DIR/rx as
      "SRC:PORT HEX", until DIR/close exists; then the socket is closed and
      DIR/closed created.  DIR/ready is created once the socket is handed
      over (or the attempt failed).  With --gro the socket has UDP_GRO set
      before it is handed over (an owner that takes GRO-merged datagrams).
"""
import argparse
import ctypes
import os
import select
import socket
import struct
import subprocess
import sys
import time

SOL_UDP = 17
UDP_ENCAP = 100
UDP_GRO = 104
UDP_ENCAP_ESPINUDP = 2
CLONE_NEWNET = 0x40000000


def touch(path, text=""):
    with open(path, "w") as f:
        f.write(text)


def cmd_encap_hold(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", a.port))
    s.setsockopt(SOL_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)
    touch(a.ready)
    while True:
        time.sleep(3600)


def cmd_bind(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.addr, a.port))
    touch(a.ready)
    while True:
        time.sleep(3600)


def cmd_send(a):
    payload = bytes.fromhex(a.hex)
    udp = struct.pack("!HHHH", a.sport, a.dport, 8 + len(payload), 0)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    s.bind((a.src, 0))
    s.sendto(udp + payload, (a.dst, 0))
    return 0


def setns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
    finally:
        os.close(fd)


def open_socket(a):
    if a.kind == "tcp":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((a.addr, a.port))
        return s
    if a.kind == "unbound":
        return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if a.kind.startswith("netns:"):
        home = "/proc/self/ns/net"
        back = os.open(home, os.O_RDONLY)
        try:
            setns("/run/netns/" + a.kind[6:])
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("0.0.0.0", a.port))
        finally:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.setns(back, CLONE_NEWNET)
            os.close(back)
        return s
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.addr, a.port))
    return s


def cmd_adopt(a):
    s = open_socket(a)
    if a.gro:
        s.setsockopt(SOL_UDP, UDP_GRO, 1)
    fd = s.fileno()
    arg = a.fd_arg if a.fd_arg is not None else str(fd)
    p = subprocess.run(["awsvpn", "set", a.dev, "encap", "udp",
                        "socket-fd", arg],
                       pass_fds=(fd,), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    touch(os.path.join(a.dir, "set.log"), p.stdout)
    touch(os.path.join(a.dir, "set.rc"), "%d\n" % p.returncode)
    if not (a.kind == "udp" or a.kind.startswith("netns:")) or p.returncode != 0:
        touch(os.path.join(a.dir, "ready"))
        return 0
    touch(os.path.join(a.dir, "ready"))
    rx = os.path.join(a.dir, "rx")
    touch(rx)
    close = os.path.join(a.dir, "close")
    while not os.path.exists(close):
        r, _, _ = select.select([s], [], [], 0.1)
        if r:
            data, src = s.recvfrom(65535)
            with open(rx, "a") as f:
                f.write("%s:%d %s\n" % (src[0], src[1], data.hex()))
    s.close()
    touch(os.path.join(a.dir, "closed"))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("encap-hold")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ready", required=True)
    p = sub.add_parser("bind")
    p.add_argument("--addr", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ready", required=True)
    p = sub.add_parser("send")
    p.add_argument("--src", required=True)
    p.add_argument("--sport", type=int, required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--hex", required=True)
    p = sub.add_parser("adopt")
    p.add_argument("--dev", required=True)
    p.add_argument("--addr", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--kind", default="udp")
    p.add_argument("--fd-arg")
    p.add_argument("--gro", action="store_true")
    a = ap.parse_args()
    return {"encap-hold": cmd_encap_hold, "bind": cmd_bind,
            "send": cmd_send, "adopt": cmd_adopt}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
