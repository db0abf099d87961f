#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
seqflow.py - a numbered UDP flow, to see whether a tunnel reorders packets
(26-esp-parallel).  Only the Python 3 standard library; run inside the
network namespace it acts on ("ip netns exec NS python3 seqflow.py ...").

  recv --addr A --port P --count N --out FILE [--ready FILE] [--timeout S]
      Bind UDP A:P and read datagrams until N arrived or, once the first
      came, S seconds (default 30) passed without one; the first may take
      60 s (a sender starting on a loaded host).  FILE gets one line:
        "received R reordered O duplicates D first-reorder I"
      R datagrams; O of them carried a number lower than one seen before
      (arrived after a later one); D repeated a number; I the index (in
      arrival order) of the first reordered one, or -1.

  send --dst A --port P --count N [--size S] [--burst B] [--gap MS]
      Send N datagrams of S bytes (default 1000), numbered 0..N-1 in their
      first 4 bytes, in bursts of B (default 32) with MS milliseconds
      (default 2) between bursts: back-to-back enough for packets of one
      burst to be in the crypto workers at the same time, paced enough
      for the receiving socket to keep up.
"""
import argparse
import socket
import struct
import sys
import time

SO_RCVBUFFORCE = 33


def cmd_recv(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # As root, past net.core.rmem_max: a burst must not overflow it.
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((a.addr, a.port))
    s.settimeout(max(a.timeout, 60))
    if a.ready:
        open(a.ready, "w").close()
    seen = set()
    top = -1
    received = reordered = dups = 0
    first = -1
    while received < a.count:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        if len(data) < 4:
            continue
        s.settimeout(a.timeout)
        n = struct.unpack("!I", data[:4])[0]
        if n in seen:
            dups += 1
        elif n < top:
            reordered += 1
            if first < 0:
                first = received
        seen.add(n)
        top = max(top, n)
        received += 1
    with open(a.out, "w") as f:
        f.write("received %d reordered %d duplicates %d first-reorder %d\n"
                % (received, reordered, dups, first))


def cmd_send(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    pad = b"\x5a" * max(0, a.size - 4)
    for i in range(a.count):
        s.sendto(struct.pack("!I", i) + pad, (a.dst, a.port))
        if (i + 1) % a.burst == 0:
            time.sleep(a.gap / 1000.0)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("recv")
    r.add_argument("--addr", required=True)
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--count", type=int, required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--ready")
    r.add_argument("--timeout", type=float, default=30)
    s = sub.add_parser("send")
    s.add_argument("--dst", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--size", type=int, default=1000)
    s.add_argument("--burst", type=int, default=32)
    s.add_argument("--gap", type=float, default=2)
    a = p.parse_args()
    {"recv": cmd_recv, "send": cmd_send}[a.cmd](a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
