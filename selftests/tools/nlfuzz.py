#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
nlfuzz.py - generated generic netlink requests at the awsvpn family
(25-netlink-fuzz).

Run as root in the namespace of the target device.  Each request starts
from a valid skeleton of a command (GET_DEVICE, SET_DEVICE, NEW_SA, DEL_SA,
SWITCH_SA, and numbers nobody handles) and is then mutated: attributes
dropped, repeated, truncated, lengthened, given random or boundary values,
unknown types, NLA_F_NESTED on plain attributes and garbage in nests, long
strings, odd genl header versions.  The answer of each is read: an ACK or
an error with its extended ACK message.

A model follows what the accepted requests said about the device (its
outer addresses, DF, outer DF, keepalive, replay window and interface ID,
and the SAs it has) and is compared with GET_DEVICE at the end.

  nlfuzz.py --dev NAME --count N [--seed N] [--other DEV] [--out FILE]
  nlfuzz.py --unprivileged --dev NAME --count N   (as a user without
            CAP_NET_ADMIN: every request must fail with EPERM, or succeed
            for nothing that changes state)

Prints one JSON object: requests sent, accepted, rejected per errno,
rejections without an extack message (per command and errno), and the
model's mismatches (a list of strings; empty when the device agrees).
"""
import argparse
import collections
import errno
import json
import os
import random
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genl  # noqa: E402

A = {n: i for i, n in enumerate(genl.ATTRS) if n}
A["SOCKET"] = 27
SA_DIR, SA_SPI, SA_ENC, SA_INTEG, SA_ENC_KEY, SA_INTEG_KEY, SA_REPLAY, \
    SA_SEQ, SA_STATE, SA_STATS, SA_PAD, SA_ACT, SA_TSOFT, SA_THARD, \
    SA_BSOFT, SA_BHARD, SA_PSOFT, SA_PHARD, SA_AGE, SA_SOFTEXP, \
    SA_DRIVER = range(1, 22)
GET, SET, NEW, DEL, SWITCH = 1, 2, 3, 4, 5
KEYLEN = {1: 20, 2: 36, 3: 16, 4: 32}
INTEGLEN = {1: 20, 2: 32, 3: 48, 4: 64}
LIMITS = (SA_TSOFT, SA_THARD, SA_BSOFT, SA_BHARD, SA_PSOFT, SA_PHARD)

u8 = lambda v: struct.pack("=B", v & 0xff)
u16 = lambda v: struct.pack("=H", v & 0xffff)
u32 = lambda v: struct.pack("=I", v & 0xffffffff)
u64 = lambda v: struct.pack("=Q", v & 0xffffffffffffffff)
be32 = lambda v: struct.pack("!I", v & 0xffffffff)


class Fuzzer:
    def __init__(self, a):
        self.a = a
        self.rnd = random.Random(a.seed)
        self.g = genl.Genl(1 << 16)
        self.g.sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.family = genl.resolve_family(self.g, "awsvpn")
        self.ifindex = socket.if_nametoindex(a.dev)
        self.stats = collections.Counter()
        self.no_extack = collections.Counter()
        # The model: what accepted requests said.
        self.dev = {}
        self.sas = {}          # (dir, spi) -> True if it may expire by itself

    # ------------------------------------------------------------ values
    def pick(self, *choices):
        return self.rnd.choice(choices)

    def spi(self):
        return self.pick(0, 1, 255, 256, 0x1000 + self.rnd.randrange(16),
                         0xffffffff, self.rnd.randrange(1 << 32))

    def addr(self):
        return self.pick(0, 0x7f000001, 0xc0000201, 0xc6336401, 0xe0000001,
                         0xffffffff, 0x0a000001 + self.rnd.randrange(256),
                         self.rnd.randrange(1 << 32))

    def device(self):
        r = self.rnd.random()
        if r < 0.85:
            return genl.nla(A["IFINDEX"], u32(self.ifindex))
        if r < 0.92:
            return genl.nla(A["IFNAME"], self.a.dev.encode() + b"\0")
        if r < 0.95:
            return genl.nla(A["IFNAME"], b"x" * self.rnd.randrange(0, 40))
        if r < 0.98:
            return genl.nla(A["IFINDEX"], u32(self.rnd.randrange(1 << 32)))
        return b""

    def sa_nest(self, cmd):
        attrs = [(SA_DIR, u8(self.pick(1, 1, 2, 2, 0, 3))),
                 (SA_SPI, u32(self.spi()))]
        if cmd == NEW:
            enc = self.pick(1, 2, 3, 4, 0, 5)
            attrs.append((SA_ENC, u8(enc)))
            attrs.append((SA_ENC_KEY, os.urandom(KEYLEN.get(enc, 20))))
            if enc in (3, 4) or self.rnd.random() < 0.1:
                integ = self.pick(1, 2, 3, 4, 0, 5)
                attrs.append((SA_INTEG, u8(integ)))
                attrs.append((SA_INTEG_KEY, os.urandom(INTEGLEN.get(integ, 20))))
            if self.rnd.random() < 0.2:
                attrs.append((SA_REPLAY, u32(self.pick(0, 63, 64, 1024, 4096, 4097))))
            if self.rnd.random() < 0.1:
                attrs.append((SA_SEQ, u32(self.rnd.randrange(1 << 32))))
            if self.rnd.random() < 0.1:
                attrs.append((SA_ACT, u32(self.spi())))
            for lim in LIMITS:
                if self.rnd.random() < 0.05:
                    big = lim in (SA_BSOFT, SA_BHARD, SA_PSOFT, SA_PHARD)
                    v = self.pick(0, 1, 2, 1 << 31, (1 << 32) - 1)
                    attrs.append((lim, u64(v) if big else u32(v)))
        if cmd == SWITCH:
            attrs = [(SA_SPI, u32(self.spi()))]
        return attrs

    # ----------------------------------------------------------- requests
    def skeleton(self, cmd):
        """[(type, payload)] of a plausible request for @cmd."""
        attrs = []
        if cmd == SET:
            for _ in range(self.rnd.randrange(1, 4)):
                t = self.pick("LOCAL", "REMOTE", "ENCAP", "LOCAL_PORT",
                              "REMOTE_PORT", "DF_POLICY", "MSS_MODE", "MSS",
                              "REPLAY_WINDOW", "MTU", "MTU_MODE", "OUTER_MTU",
                              "OUTER_DF", "NAT_KEEPALIVE", "SOCKET_FD",
                              "IF_ID", "PARALLEL")
                attrs.append((A[t], self.value(t)))
        elif cmd in (NEW, DEL, SWITCH):
            attrs.append((A["SA"] | genl.NLA_F_NESTED,
                          b"".join(genl.nla(t, p) for t, p in self.sa_nest(cmd))))
        return attrs

    def value(self, name):
        r = self.rnd
        if name in ("LOCAL", "REMOTE"):
            return be32(self.addr())
        if name in ("ENCAP", "DF_POLICY", "MSS_MODE", "MTU_MODE", "OUTER_DF",
                    "PARALLEL"):
            return u8(self.pick(0, 1, 2, 3, 255))
        if name in ("LOCAL_PORT", "REMOTE_PORT"):
            return u16(self.pick(0, 1, 500, 4500, 65535, r.randrange(65536)))
        if name == "MSS":
            return u16(self.pick(0, 535, 536, 1379, 1460, 9000, 65535))
        if name == "REPLAY_WINDOW":
            return u32(self.pick(0, 63, 64, 1024, 4096, 4097))
        if name in ("MTU", "OUTER_MTU"):
            return u32(self.pick(0, 67, 68, 575, 576, 1280, 1436, 1500, 9000,
                                 65535, 65536, 1 << 31))
        if name == "NAT_KEEPALIVE":
            return u32(self.pick(0, 1, 20, 3600, 3601, 1 << 31))
        if name == "SOCKET_FD":
            return u32(self.pick(-1, -2, 0, 1, 2, 99, 1 << 30))
        if name == "IF_ID":
            return u32(self.pick(0, 1, 2, 41, 42, 0xffffffff))
        return os.urandom(r.randrange(0, 9))

    def mutate(self, attrs):
        r = self.rnd
        n = r.choice((0, 0, 1, 1, 2, 3))
        for _ in range(n):
            m = r.randrange(9)
            if m == 0 and attrs:                       # drop one
                attrs.pop(r.randrange(len(attrs)))
            elif m == 1 and attrs:                     # repeat one
                attrs.append(r.choice(attrs))
            elif m == 2 and attrs:                     # truncate / extend
                i = r.randrange(len(attrs))
                t, p = attrs[i]
                if r.random() < 0.5:
                    p = p[:r.randrange(len(p) + 1)]
                else:
                    p = p + os.urandom(r.choice((1, 2, 4, 8, 100)))
                attrs[i] = (t, p)
            elif m == 3:                               # unknown type
                attrs.append((r.choice((len(genl.ATTRS),
                                        40, 0x3fff, r.randrange(1 << 14))),
                              os.urandom(r.randrange(0, 12))))
            elif m == 4:                               # read-only attribute
                attrs.append((r.choice((A["STATS"], A["SAS"], A["LAST_RX_MS"],
                                        A["EVENT"], A["PAD"], A["SOCKET"],
                                        A["CARRIER"], A["CARRIER_REASON"],
                                        A["TX_CRYPT_NS"], A["RX_HOP_NS"])),
                              u32(r.randrange(1 << 32))))
            elif m == 5 and attrs:                     # nested flag games
                i = r.randrange(len(attrs))
                t, p = attrs[i]
                attrs[i] = (t ^ genl.NLA_F_NESTED, p)
            elif m == 6:                               # garbage nest
                attrs.append((A["SA"] | genl.NLA_F_NESTED, os.urandom(r.randrange(0, 40))))
            elif m == 7:                               # big attribute
                attrs.append((r.choice((A["IFNAME"], A["SA"], A["LOCAL"])),
                              os.urandom(r.choice((16, 255, 4000)))))
            elif m == 8 and attrs:                     # value swap
                i = r.randrange(len(attrs))
                t, p = attrs[i]
                attrs[i] = (t, os.urandom(len(p)))
        return attrs

    # ------------------------------------------------------------- model
    def accepted(self, cmd, attrs):
        """A request was accepted: fold what it said into the model."""
        # nla_parse() keeps the last of repeated attributes, at the top
        # and in the SA nest (a repeated one may differ from its first
        # copy after another mutation: seed 601 made such a request).
        top = dict((t & 0x3fff, p) for t, p in attrs)
        if cmd == SET:
            for name, key, fmt in (("LOCAL", "local", "!I"),
                                   ("REMOTE", "remote", "!I"),
                                   ("DF_POLICY", "df", "=B"),
                                   ("OUTER_DF", "outer_df", "=B"),
                                   ("NAT_KEEPALIVE", "keepalive", "=I"),
                                   ("REPLAY_WINDOW", "replay_window", "=I"),
                                   ("IF_ID", "if_id", "=I"),
                                   ("PARALLEL", "parallel", "=B")):
                p = top.get(A[name])
                if p is not None and len(p) == struct.calcsize(fmt):
                    self.dev[key] = struct.unpack(fmt, p)[0]
        elif cmd in (NEW, DEL):
            nest = dict((t & 0x3fff, p) for t, p in
                        genl.parse_attrs(top.get(A["SA"], b"")))
            d = struct.unpack("=B", nest[SA_DIR][:1])[0]
            s = struct.unpack("=I", nest[SA_SPI][:4])[0]
            if cmd == NEW:
                self.sas[(d, s)] = any(k in nest for k in LIMITS)
            else:
                self.sas.pop((d, s), None)

    def run(self, count, unprivileged):
        pending = collections.deque()
        for i in range(count):
            cmd = self.rnd.choices((GET, SET, NEW, DEL, SWITCH, 0, 6, 200),
                                   (10, 40, 20, 15, 10, 2, 2, 1))[0]
            attrs = self.mutate(self.skeleton(cmd))
            dev = self.device()
            body = dev + b"".join(genl.nla(t, p) for t, p in attrs)
            version = 1 if self.rnd.random() < 0.98 else self.pick(0, 2, 255)
            reserved = 0 if self.rnd.random() < 0.98 else 1
            flags = genl.NLM_F_ACK
            if cmd == GET and self.rnd.random() < 0.2:
                flags = genl.NLM_F_DUMP
            # A dump goes on while its answer is read, after whatever was
            # queued meanwhile: never pipeline around one.
            dump = flags == genl.NLM_F_DUMP
            if dump:
                while pending:
                    self.answer(*pending.popleft(), unprivileged)
            seq = self.g.send(self.family, flags, cmd, version, reserved, body)
            pending.append((seq, cmd, attrs if dev else None, flags))
            if dump or len(pending) >= 32 or i == count - 1:
                while pending:
                    self.answer(*pending.popleft(), unprivileged)
        self.stats["sent"] = count

    def answer(self, seq, cmd, attrs, flags, unprivileged):
        err = 0
        info = {}
        for kind, mflags, body in self.g.replies(seq):
            if kind in ("error", "done") and len(body) >= 4:
                err = struct.unpack_from("=i", body)[0]
                if err:
                    info = genl.ext_ack(mflags, body[4 + (16 if kind == "error" else 0):]
                                        if kind == "error" else body[4:])
        if err == 0:
            self.stats["accepted"] += 1
            if unprivileged and cmd != GET:
                self.stats["unprivileged_accepted_change"] += 1
            elif attrs is not None and not flags & 0x300:
                self.accepted(cmd, attrs)
            return
        name = errno.errorcode.get(-err, str(-err))
        self.stats["rejected_" + name] += 1
        # The genl core answers unknown commands and missing privilege
        # itself, without a message; everything awsvpn rejects has one.
        if cmd in (GET, SET, NEW, DEL, SWITCH) and err != -errno.EPERM and \
                not info.get("msg"):
            self.no_extack["cmd%d %s" % (cmd, name)] += 1

    # ------------------------------------------------------ comparing
    def compare(self):
        seq = self.g.send(self.family, genl.NLM_F_ACK, GET, 1, 0,
                          genl.nla(A["IFINDEX"], u32(self.ifindex)))
        got = {}
        sas = set()
        for kind, _, body in self.g.replies(seq):
            if kind != "msg":
                continue
            for t, p in genl.parse_attrs(body[4:]):
                if t == A["LOCAL"]:
                    got["local"] = struct.unpack("!I", p)[0]
                elif t == A["REMOTE"]:
                    got["remote"] = struct.unpack("!I", p)[0]
                elif t == A["DF_POLICY"]:
                    got["df"] = p[0]
                elif t == A["OUTER_DF"]:
                    got["outer_df"] = p[0]
                elif t == A["NAT_KEEPALIVE"]:
                    got["keepalive"] = struct.unpack("=I", p)[0]
                elif t == A["REPLAY_WINDOW"]:
                    got["replay_window"] = struct.unpack("=I", p)[0]
                elif t == A["IF_ID"]:
                    got["if_id"] = struct.unpack("=I", p)[0]
                elif t == A["PARALLEL"]:
                    got["parallel"] = p[0]
                elif t == A["SAS"]:
                    for _, sa in genl.parse_attrs(p):
                        n = dict(genl.parse_attrs(sa))
                        sas.add((n[SA_DIR][0], struct.unpack("=I", n[SA_SPI])[0]))
        bad = []
        for k, v in sorted(self.dev.items()):
            if got.get(k) != v:
                bad.append("%s: requests said %s, device has %s" % (k, v, got.get(k)))
        for k, may_expire in sorted(self.sas.items()):
            if k not in sas and not may_expire:
                bad.append("SA %s 0x%08x accepted but missing" % k)
        for k in sorted(sas - set(self.sas)):
            bad.append("SA %s 0x%08x present but never accepted" % k)
        return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--unprivileged", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()
    f = Fuzzer(a)
    f.run(a.count, a.unprivileged)
    res = dict(f.stats)
    res["no_extack"] = dict(f.no_extack)
    res["mismatches"] = [] if a.unprivileged else f.compare()
    out = json.dumps(res, sort_keys=True)
    print(out)
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(out + "\n")


if __name__ == "__main__":
    main()
