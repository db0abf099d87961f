#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""idle_tunnels.py - configure many awsvpn devices over one netlink socket.

Used by selftests/bench.sh for its 1,000 idle tunnels: one awsvpn tool
process per command costs a tenth of a second and more under TCG, three
commands per tunnel.  This sends the same generic netlink requests the tool
sends ("awsvpn set DEV local L remote R", "awsvpn sa add ..."), one after
the other on one socket, through genl.py's helpers.  Run it inside the
network namespace of the devices (ip netns exec NS ...).

  idle_tunnels.py set --prefix P --count N --local L
      devices P1..PN: local L, remote 198.18.(i/256).(i%256)
  idle_tunnels.py sa --prefix P --count N --suite SUITE --key-file F
                  --spi-base B
      devices P1..PN: an outbound SA with SPI B+2i and an inbound SA with
      SPI B+2i+1, SUITE as in "awsvpn sa add" (aes128-gcm16,
      aes256+sha2-256...), keys from F as selftests/lib.sh's esp_keygen
      writes them (hex: encryption key, then integrity key)

The attribute and enum numbers are read from kernel/uapi/awsvpn.h, the
module's only contract.  Exit status 0 if every request succeeded, else 1
with the first error on stderr.
"""
import argparse
import os
import re
import socket
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import genl  # noqa: E402  (selftests/tools/genl.py)

UAPI = os.path.join(HERE, "..", "..", "kernel", "uapi", "awsvpn.h")


def enum(text, name):
    """{NAME: value} of "enum NAME { ... };" (implicit values only)."""
    m = re.search(r"enum %s \{(.*?)\};" % name, text, re.S)
    if not m:
        sys.exit("idle_tunnels.py: no enum %s in %s" % (name, UAPI))
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    out = {}
    for i, item in enumerate(x.strip() for x in body.split(",")):
        if item:
            if "=" in item:
                sys.exit("idle_tunnels.py: enum %s has explicit values" % name)
            out[item] = i
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("set", "sa"))
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--local")
    ap.add_argument("--suite")
    ap.add_argument("--key-file")
    ap.add_argument("--spi-base", type=lambda s: int(s, 0), default=0x1000000)
    a = ap.parse_args()

    with open(UAPI) as f:
        text = f.read()
    A = enum(text, "awsvpn_attr")
    SA = enum(text, "awsvpn_sa_attr")
    DIR = enum(text, "awsvpn_dir")
    ENC = enum(text, "awsvpn_enc")
    INTEG = enum(text, "awsvpn_integ")
    CMD = enum(text, "awsvpn_cmd")

    msgs = []
    ifname = lambda i: genl.nla(A["AWSVPN_A_IFNAME"],
                                ("%s%d" % (a.prefix, i)).encode() + b"\0")
    if a.what == "set":
        if not a.local:
            ap.error("set needs --local")
        for i in range(1, a.count + 1):
            remote = "198.18.%d.%d" % (i // 256, i % 256)
            msgs.append((CMD["AWSVPN_CMD_SET_DEVICE"], ifname(i) +
                         genl.nla(A["AWSVPN_A_LOCAL"], socket.inet_aton(a.local)) +
                         genl.nla(A["AWSVPN_A_REMOTE"], socket.inet_aton(remote))))
    else:
        if not a.suite or not a.key_file:
            ap.error("sa needs --suite and --key-file")
        enc, _, integ = a.suite.partition("+")
        enc_id = ENC["AWSVPN_ENC_" + enc.upper().replace("-", "_") +
                     ("_CBC" if integ else "")]
        integ_id = INTEG["AWSVPN_INTEG_" + integ.upper().replace("-", "_")] \
            if integ else INTEG["AWSVPN_INTEG_NONE"]
        enc_len = {"aes128-gcm16": 20, "aes256-gcm16": 36, "aes128": 16,
                   "aes256": 32}[enc]
        with open(a.key_file) as f:
            key = bytes.fromhex(f.read().strip())
        ek, ik = key[:enc_len], key[enc_len:]
        for i in range(1, a.count + 1):
            for d, spi in (("AWSVPN_DIR_OUT", a.spi_base + 2 * i),
                           ("AWSVPN_DIR_IN", a.spi_base + 2 * i + 1)):
                sa = (genl.nla(SA["AWSVPN_SA_A_DIR"], struct.pack("=B", DIR[d])) +
                      genl.nla(SA["AWSVPN_SA_A_SPI"], struct.pack("=I", spi)) +
                      genl.nla(SA["AWSVPN_SA_A_ENC"], struct.pack("=B", enc_id)) +
                      genl.nla(SA["AWSVPN_SA_A_ENC_KEY"], ek))
                if integ:
                    sa += (genl.nla(SA["AWSVPN_SA_A_INTEG"],
                                    struct.pack("=B", integ_id)) +
                           genl.nla(SA["AWSVPN_SA_A_INTEG_KEY"], ik))
                msgs.append((CMD["AWSVPN_CMD_NEW_SA"], ifname(i) +
                             genl.nla(A["AWSVPN_A_SA"] | genl.NLA_F_NESTED, sa)))

    g = genl.Genl(32768)
    family = genl.resolve_family(g, "awsvpn")
    for n, (cmd, attrs) in enumerate(msgs):
        seq = g.send(family, genl.NLM_F_ACK, cmd, 1, 0, attrs)
        for kind, flags, body in g.replies(seq):
            if kind == "error":
                err = struct.unpack_from("=i", body)[0]
                if err:
                    sys.stderr.write("idle_tunnels.py: request %d of %d: %s\n"
                                     % (n + 1, len(msgs), os.strerror(-err)))
                    return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
