#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
tapfrags.py - inject IPv4 UDP packets that the kernel builds in page
fragments, as a NIC receiving into pages would (24-esp-fuzz: ESP encrypted
in place from fragments on transmit).

A TAP device with IFF_NAPI_FRAGS turns each write into an skb whose head
holds the first iovec only (here Ethernet + IPv4 + UDP headers) and whose
payload lies in page fragments, of any size, delivered through NAPI/GRO
as a driver's would.  Run as root in the namespace the packets enter.

  tapfrags.py --dev NAME --addr A/LEN --src S --dst D --port P
              --sizes N,N,... --count C

Creates NAME (gone when the script exits), gives it A/LEN, brings it up,
then writes C frames from S:40000 to D:P, UDP payload sizes cycling
through --sizes, each payload pattern(n) (packets built by espfuzz.py's
helpers, so python3-cryptography must be there).  Prints the number
written; exit 0 if all were.
"""
import argparse
import fcntl
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from espfuzz import inner_ipv4, pattern  # noqa: E402  (same folder)

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NAPI = 0x0010
IFF_NAPI_FRAGS = 0x0020
IFF_NO_PI = 0x1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", required=True)
    ap.add_argument("--addr", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sizes", required=True)
    ap.add_argument("--count", type=int, required=True)
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]

    fd = os.open("/dev/net/tun", os.O_RDWR)
    ifr = struct.pack("16sH", a.dev.encode(),
                      IFF_TAP | IFF_NO_PI | IFF_NAPI | IFF_NAPI_FRAGS)
    fcntl.ioctl(fd, TUNSETIFF, ifr)
    subprocess.run(["ip", "addr", "add", a.addr, "dev", a.dev], check=True)
    subprocess.run(["ip", "link", "set", a.dev, "up"], check=True)
    with open("/sys/class/net/%s/address" % a.dev) as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    eth = mac + bytes.fromhex("020000000001") + b"\x08\x00"

    sent = 0
    for i in range(a.count):
        pkt = inner_ipv4(a.src, a.dst, pattern(sizes[i % len(sizes)]),
                         a.port, i & 0xFFFF)
        for attempt in range(100):
            try:
                # Headers (Ethernet, IPv4, UDP) in the head, payload apart.
                os.writev(fd, [eth + pkt[:28], pkt[28:]])
                break
            except OSError as e:
                if e.errno not in (11, 105, 16):   # EAGAIN ENOBUFS EBUSY
                    raise
                time.sleep(0.01)
        else:
            break
        sent += 1
    print(sent)
    os.close(fd)
    return 0 if sent == a.count else 1


if __name__ == "__main__":
    sys.exit(main())
