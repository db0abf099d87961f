#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
esptool.py - small helpers for the awsvpn ESP selftests (20-29).

Only the Python 3 standard library; run with python3, as root, inside the
network namespace it acts on ("ip netns exec NS python3 esptool.py ...").

  counters [--awsvpn NS:DEV] [--link PREFIX:NS:DEV] [--states PREFIX:NS]
      Print shell assignments (NAME=VALUE, one per line, for "eval") of
      every counter the tests compare:
        --awsvpn NS:DEV   "awsvpn show DEV --json" run in NS:
                            A_<stat>                device counters
                            SA_<dir>_<spi>_<field>  per SA (spi: 8 hex digits;
                                                    field: a counter, state, seq)
                            SA_<dir>_<field>        same, if the direction has
                                                    exactly one SA
                          and "ip -s -j link show DEV" in NS:
                            AL_<rx|tx>_<packets|bytes|errors|dropped>
        --link P:NS:DEV   "ip -s -j link show DEV" in NS as
                            P_<rx|tx>_<packets|bytes|errors|dropped>
        --states P:NS     "ip -s xfrm state" in NS, per state:
                            P_<spi>_packets, P_<spi>_bytes, P_<spi>_replay,
                            P_<spi>_failed
      Options may repeat.  NS may be empty (current namespace).

  capture --iface IF --src A --dst B --count N --out FILE
          [--timeout SECS] [--idle SECS] [--ready FILE]
      Sniff IPv4 ESP packets from A to B on the Ethernet device IF (both
      directions of the device, AF_PACKET) and write the ESP part of each
      (SPI to ICV, i.e. the IPv4 payload) as one hex line to FILE.  Creates
      --ready once the socket is bound.  Exits 0 after N packets, 1 on
      timeout, or --idle SECS without a packet once one was seen (FILE
      then holds what was seen: a capture under load can miss some).
      Outer fragments are an error (exit 2): the tests size packets so
      that none occur.

  send --dst B (--hex HEX | --file FILE (--line N | --all)) [--flip-last-bit]
      Send one ESP packet, the given bytes as IPv4 payload with protocol
      50, to B through a raw socket (the kernel adds the IP header and
      picks the source).  --flip-last-bit inverts the lowest bit of the
      last byte (the end of the ICV).  --all sends every line of FILE, in
      order; --repeat N sends each packet N times back to back.

  esp-info (HEX... | --file FILE)
      Print "SPI SEQ LEN" (SPI as 8 hex digits, SEQ decimal) per packet,
      given as arguments or one per line of FILE (a capture's output).
"""
import argparse
import json
import os
import re
import select
import socket
import struct
import subprocess
import sys
import time

ETH_P_ALL = 0x0003
IPPROTO_ESP = 50
SO_RCVBUFFORCE = 33


def run(ns, argv):
    if ns:
        argv = ["ip", "netns", "exec", ns] + argv
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE,
                          universal_newlines=True).stdout


def emit(name, value):
    name = re.sub(r"[^A-Za-z0-9_]", "_", name)
    print("%s=%s" % (name, value))


def link_stats(prefix, ns, dev):
    j = json.loads(run(ns, ["ip", "-s", "-j", "link", "show", "dev", dev]))
    st = j[0]["stats64"]
    for d in ("rx", "tx"):
        for f in ("packets", "bytes", "errors", "dropped"):
            emit("%s_%s_%s" % (prefix, d, f), st[d][f])


def awsvpn_stats(ns, dev):
    j = json.loads(run(ns, ["awsvpn", "show", dev, "--json"]))
    d = j[0]
    for k, v in d.get("stats", {}).items():
        emit("A_" + k, v)
    bydir = {}
    for sa in d.get("sas", []):
        bydir.setdefault(sa["dir"], []).append(sa)
    for dr, sas in bydir.items():
        for sa in sas:
            # "spi": "0x%08x", as awsvpn prints SPIs everywhere.
            names = ["SA_%s_%08x_" % (dr, int(sa["spi"], 16))]
            if len(sas) == 1:
                names.append("SA_%s_" % dr)
            for p in names:
                for k, v in sa.get("stats", {}).items():
                    emit(p + k, v)
                emit(p + "state", sa.get("state", ""))
                emit(p + "seq", sa.get("seq", ""))
    link_stats("AL", ns, dev)


def xfrm_states(prefix, ns):
    text = run(ns, ["ip", "-s", "xfrm", "state"])
    for rec in re.split(r"(?m)^(?=src )", text):
        m = re.search(r"spi 0x([0-9a-f]+)", rec)
        if not m:
            continue
        spi = "%08x" % int(m.group(1), 16)
        m = re.search(r"(\d+)\(bytes\), (\d+)\(packets\)", rec)
        if m:
            emit("%s_%s_bytes" % (prefix, spi), m.group(1))
            emit("%s_%s_packets" % (prefix, spi), m.group(2))
        m = re.search(r"replay-window \d+ replay (\d+) failed (\d+)", rec)
        if m:
            emit("%s_%s_replay" % (prefix, spi), m.group(1))
            emit("%s_%s_failed" % (prefix, spi), m.group(2))


def cmd_counters(a):
    for spec in a.awsvpn or []:
        ns, dev = spec.split(":", 1)
        awsvpn_stats(ns, dev)
    for spec in a.link or []:
        prefix, ns, dev = spec.split(":", 2)
        link_stats(prefix, ns, dev)
    for spec in a.states or []:
        prefix, ns = spec.split(":", 1)
        xfrm_states(prefix, ns)
    return 0


def cmd_capture(a):
    src = socket.inet_aton(a.src)
    dst = socket.inet_aton(a.dst)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((a.iface, 0))
    # As root, past net.core.rmem_max (208 KiB: under a flood this
    # reader, slow in a TCG guest, would miss most packets).
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("ready\n")
    seen = []
    deadline = time.monotonic() + a.timeout
    with open(a.out, "w") as out:
        while len(seen) < a.count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if seen and a.idle:
                left = min(left, a.idle)
            r, _, _ = select.select([s], [], [], left)
            if not r:
                break
            pkt = s.recv(65535)
            if len(pkt) < 14 + 20 or pkt[12:14] != b"\x08\x00":
                continue
            ip = pkt[14:]
            if ip[0] >> 4 != 4 or ip[9] != IPPROTO_ESP:
                continue
            if ip[12:16] != src or ip[16:20] != dst:
                continue
            ihl = (ip[0] & 15) * 4
            tot = struct.unpack("!H", ip[2:4])[0]
            frag = struct.unpack("!H", ip[6:8])[0]
            if frag & 0x3fff:
                sys.stderr.write("capture: outer fragment seen\n")
                return 2
            esp = ip[ihl:tot]
            seen.append(esp)
            out.write(esp.hex() + "\n")
            out.flush()
    return 0 if len(seen) >= a.count else 1


def cmd_send(a):
    if a.hex:
        packets = [bytes.fromhex(a.hex)]
    else:
        with open(a.file) as f:
            lines = [ln.strip() for ln in f if ln.strip()]
        packets = [bytes.fromhex(ln) for ln in
                   (lines if a.all else [lines[a.line - 1]])]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_ESP)
    for data in packets:
        if a.flip_last_bit:
            data = data[:-1] + bytes([data[-1] ^ 1])
        for _ in range(a.repeat):
            if s.sendto(data, (a.dst, 0)) != len(data):
                return 1
    return 0


def cmd_esp_info(a):
    hexes = list(a.hex)
    if a.file:
        with open(a.file) as f:
            hexes += [ln.strip() for ln in f if ln.strip()]
    for h in hexes:
        b = bytes.fromhex(h)
        spi, seq = struct.unpack("!II", b[:8])
        print("%08x %d %d" % (spi, seq, len(b)))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("counters")
    c.add_argument("--awsvpn", action="append")
    c.add_argument("--link", action="append")
    c.add_argument("--states", action="append")
    c = sub.add_parser("capture")
    c.add_argument("--iface", required=True)
    c.add_argument("--src", required=True)
    c.add_argument("--dst", required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--timeout", type=float, default=20)
    c.add_argument("--idle", type=float, default=0)
    c.add_argument("--ready")
    c = sub.add_parser("send")
    c.add_argument("--dst", required=True)
    c.add_argument("--hex")
    c.add_argument("--file")
    c.add_argument("--line", type=int, default=1)
    c.add_argument("--all", action="store_true")
    c.add_argument("--repeat", type=int, default=1)
    c.add_argument("--flip-last-bit", action="store_true")
    c = sub.add_parser("esp-info")
    c.add_argument("hex", nargs="*")
    c.add_argument("--file")
    a = p.parse_args()
    return {"counters": cmd_counters, "capture": cmd_capture,
            "send": cmd_send, "esp-info": cmd_esp_info}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
