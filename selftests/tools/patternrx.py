#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Receive what espfuzz.py and tapfrags.py send, and count it.

  patternrx.py udp ADDR PORT FILE
      UDP datagrams on ADDR:PORT: "good" if the payload is pattern(n),
      else "bad".
  patternrx.py mirror IFACE SPI[,SPI...] FILE
      Ethernet frames on IFACE (AF_PACKET): ESP packets of those SPIs, raw or in
      UDP, and how many of them carry plaintext (a run of pattern(n))
      instead of ciphertext.

FILE exists (empty) once the socket is bound; a UDP datagram "stop" ends
the count, and FILE then holds the two numbers ("good bad", "esp plain").
"""
import socket
import struct
import sys

from espfuzz import pattern


def plaintext(esp):
    """Whether the ESP packet holds a run of 48 bytes of some pattern(n)
    (each byte 7 more than the one before): decrypted payload, wherever
    it lies (a mirror's own head holds the first bytes as they were)."""
    run = 0
    for i in range(8, len(esp) - 1):
        run = run + 1 if (esp[i + 1] - esp[i]) & 0xFF == 7 else 0
        if run >= 48:
            return True
    return False


def main():
    mode, where, arg, path = sys.argv[1:5]
    if mode == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((where, int(arg)))
    else:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        s.bind((where, 0))
        spis = {struct.pack("!I", int(v, 0)) for v in arg.split(",")}
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    open(path, "w").close()
    s.settimeout(600)
    a = b = 0
    while True:
        d = s.recv(65536)
        if mode == "udp":
            if d == b"stop":
                break
            if d == pattern(len(d)):
                a += 1
            else:
                b += 1
            continue
        ip = d[14:]
        if ip[9] == 17 and d.endswith(b"stop"):
            break
        off = 20 if ip[9] == 50 else 28      # ESP in UDP: past UDP too
        if ip[off:off + 4] not in spis:
            continue
        a += 1
        b += plaintext(ip[off:])
    with open(path, "w") as f:
        f.write("%d %d\n" % (a, b))


if __name__ == "__main__":
    main()
