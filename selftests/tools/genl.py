#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""genl.py - send one raw generic netlink request, print the kernel's answer.

Used by the selftests to send requests the awsvpn tool never builds (missing
device, read-only or unknown attributes, out-of-range values the tool would
refuse first) and to see the kernel's errno and extended ACK exactly.  Only
the Python standard library: messages are built with struct.pack on a raw
AF_NETLINK / NETLINK_GENERIC socket; the family id is resolved with
CTRL_CMD_GETFAMILY.

Usage:
  genl.py [--family NAME] [--dump] [--version N] [--reserved N]
          [--bufsize N] CMD [ATTR...]

  CMD   command number or awsvpn name: GET_DEVICE, SET_DEVICE, NEW_SA, DEL_SA,
        SWITCH_SA
  ATTR  TYPE=FMT:VALUE
        TYPE  attribute number or awsvpn name without the AWSVPN_A_ prefix
              (IFINDEX, IFNAME, LOCAL, REMOTE, ENCAP, LOCAL_PORT, REMOTE_PORT,
              DF_POLICY, MSS_MODE, MSS, REPLAY_WINDOW, MTU, STATS, SAS, SA,
              MTU_MODE, OUTER_MTU, OUTER_DF, NAT_KEEPALIVE, SOCKET_FD,
              LAST_RX_MS, LAST_TX_MS, EVENT, EVENT_REASON, EVENT_COUNT, PAD,
              IF_ID, CARRIER, CARRIER_REASON, PARALLEL, TX_CRYPT_NS,
              TX_HOP_NS, RX_CRYPT_NS, RX_HOP_NS; 27, SOCKET, only by number)
        FMT   u8 u16 u32 u64   integer, host byte order (decimal or 0x-hex)
              ip               IPv4 dotted quad, network byte order
              str              string, NUL-terminated
              strn             string, no NUL
              hex              raw payload as hex digits ("" for empty)
              nest             like hex, with NLA_F_NESTED set in the type
  --dump     NLM_F_DUMP request (else NLM_F_ACK)
  --version  genl header version (default 1); --reserved: its reserved field
  --bufsize  recv() buffer size (default 32768).  The kernel sizes dump
             batches after the largest recv() seen on the socket, so a small
             value (4096) makes a dump span many messages.
  --echo     no NETLINK_CAP_ACK: on error the kernel echoes the request,
             printed (its attributes, after the genl header) as
             "echo HEX" before the error line

A dump whose messages carried NLM_F_DUMP_INTR (the kernel's list changed
between two batches) ends with "interrupted" before its "ok".

Output (stdout), one item per line:
  reply ATTR=VALUE ATTR=VALUE ...   one line per reply message; integers in
                                    decimal, addresses dotted, strings bare,
                                    other attributes as hex
  ok                                the request succeeded (ACK or end of dump)
  error ERRNO NAME                  the kernel's error, e.g. "error 22 EINVAL"
  extack-msg: TEXT                  extended ACK message, if any
  extack-offset: N                  offset of the offending attribute, if any
  extack-miss-type: N               missing attribute type, if any
Exit status: 0 on success, 1 on a kernel error, 2 on bad usage or I/O error.
"""

import errno
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLA_F_NESTED = 0x8000

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2

NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_MISS_TYPE = 5

CMDS = {"GET_DEVICE": 1, "SET_DEVICE": 2, "NEW_SA": 3, "DEL_SA": 4,
        "SWITCH_SA": 5}
ATTRS = ["UNSPEC", "IFINDEX", "IFNAME", "LOCAL", "REMOTE", "ENCAP",
         "LOCAL_PORT", "REMOTE_PORT", "DF_POLICY", "MSS_MODE", "MSS",
         "REPLAY_WINDOW", "MTU", "STATS", "SAS", "SA", "MTU_MODE",
         "OUTER_MTU", "OUTER_DF", "NAT_KEEPALIVE", "SOCKET_FD", "LAST_RX_MS",
         "LAST_TX_MS", "EVENT", "EVENT_REASON", "EVENT_COUNT", "PAD",
         # 27, AWSVPN_A_SOCKET, stays a number: 30-natt reads it as "27=HEX".
         None, "IF_ID", "CARRIER", "CARRIER_REASON", "PARALLEL",
         "TX_CRYPT_NS", "TX_HOP_NS", "RX_CRYPT_NS", "RX_HOP_NS"]
# How reply attributes are printed.
DECODE = {"IFINDEX": "u32", "IFNAME": "str", "LOCAL": "ip", "REMOTE": "ip",
          "ENCAP": "u8", "LOCAL_PORT": "u16", "REMOTE_PORT": "u16",
          "DF_POLICY": "u8", "MSS_MODE": "u8", "MSS": "u16",
          "REPLAY_WINDOW": "u32", "MTU": "u32", "MTU_MODE": "u8",
          "OUTER_MTU": "u32", "OUTER_DF": "u8", "NAT_KEEPALIVE": "u32",
          "LAST_RX_MS": "u64", "LAST_TX_MS": "u64", "IF_ID": "u32",
          "CARRIER": "u8", "CARRIER_REASON": "u8", "PARALLEL": "u8",
          "TX_CRYPT_NS": "u32", "TX_HOP_NS": "u32", "RX_CRYPT_NS": "u32",
          "RX_HOP_NS": "u32"}


def usage(msg):
    sys.stderr.write("genl.py: %s\n" % msg)
    sys.exit(2)


def align4(n):
    return (n + 3) & ~3


def nla(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * (align4(len(payload)) - len(payload))


def parse_attrs(data):
    """[(type, payload)] of a block of attributes."""
    out = []
    off = 0
    while off + 4 <= len(data):
        alen, atype = struct.unpack_from("=HH", data, off)
        if alen < 4 or off + alen > len(data):
            break
        out.append((atype & 0x3fff, data[off + 4:off + alen]))
        off += align4(alen)
    return out


def encode(fmt, value):
    if fmt in ("u8", "u16", "u32", "u64"):
        code = {"u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q"}[fmt]
        return struct.pack(code, int(value, 0))
    if fmt == "ip":
        return socket.inet_aton(value)
    if fmt == "str":
        return value.encode() + b"\0"
    if fmt == "strn":
        return value.encode()
    if fmt in ("hex", "nest"):
        return bytes.fromhex(value)
    usage("unknown format '%s'" % fmt)
    return b""


def parse_attr_arg(arg):
    try:
        name, rest = arg.split("=", 1)
        fmt, value = rest.split(":", 1)
    except ValueError:
        usage("bad attribute '%s' (expected TYPE=FMT:VALUE)" % arg)
    if name.upper() in ATTRS:
        atype = ATTRS.index(name.upper())
    else:
        try:
            atype = int(name, 0)
        except ValueError:
            usage("unknown attribute '%s'" % name)
    if fmt == "nest":
        atype |= NLA_F_NESTED
    try:
        return nla(atype, encode(fmt, value))
    except (ValueError, struct.error, OSError) as e:
        usage("bad value in '%s': %s" % (arg, e))
    return b""


class Genl:
    def __init__(self, bufsize, echo=False):
        self.bufsize = bufsize
        self.sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                NETLINK_GENERIC)
        self.sk.bind((0, 0))
        for opt in (NETLINK_EXT_ACK,) + (() if echo else (NETLINK_CAP_ACK,)):
            try:
                self.sk.setsockopt(SOL_NETLINK, opt, 1)
            except OSError:
                pass
        self.seq = 0

    def send(self, mtype, flags, cmd, version, reserved, attrs):
        self.seq += 1
        payload = struct.pack("=BBH", cmd, version, reserved) + attrs
        hdr = struct.pack("=IHHII", 16 + len(payload), mtype,
                          flags | NLM_F_REQUEST, self.seq, 0)
        self.sk.send(hdr + payload)
        return self.seq

    def replies(self, seq):
        """Yield (kind, header, payload) until the ACK, error or DONE."""
        while True:
            data, _, flags, _ = self.sk.recvmsg(self.bufsize)
            if flags & socket.MSG_TRUNC:
                raise OSError(errno.EMSGSIZE, "reply truncated, raise --bufsize")
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, mflags, mseq, _ = struct.unpack_from(
                    "=IHHII", data, off)
                if mlen < 16:
                    return
                body = data[off + 16:off + mlen]
                off += align4(mlen)
                if mseq != seq:
                    continue
                if mtype == NLMSG_ERROR:
                    yield "error", mflags, body
                    return
                if mtype == NLMSG_DONE:
                    yield "done", mflags, body
                    return
                yield "msg", mflags, body


def ext_ack(flags, tlvs):
    info = {}
    if not flags & NLM_F_ACK_TLVS:
        return info
    for atype, payload in parse_attrs(tlvs):
        if atype == NLMSGERR_ATTR_MSG:
            info["msg"] = payload.split(b"\0", 1)[0].decode(errors="replace")
        elif atype == NLMSGERR_ATTR_OFFS and len(payload) >= 4:
            info["offset"] = struct.unpack_from("=I", payload)[0]
        elif atype == NLMSGERR_ATTR_MISS_TYPE and len(payload) >= 4:
            info["miss-type"] = struct.unpack_from("=I", payload)[0]
    return info


def print_error(err, info):
    err = -err
    # 95 is both ENOTSUP and EOPNOTSUPP on Linux: use the kernel's name.
    name = "EOPNOTSUPP" if err == errno.EOPNOTSUPP else \
        errno.errorcode.get(err, "E?")
    print("error %d %s" % (err, name))
    for key in ("msg", "offset", "miss-type"):
        if key in info:
            print("extack-%s: %s" % (key, info[key]))


def decode(atype, payload):
    name = (ATTRS[atype] if atype < len(ATTRS) else None) or str(atype)
    fmt = DECODE.get(name)
    try:
        if fmt == "str":
            val = payload.split(b"\0", 1)[0].decode(errors="replace")
        elif fmt == "ip":
            val = socket.inet_ntoa(payload)
        elif fmt:
            code = {"u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q"}[fmt]
            val = str(struct.unpack(code, payload)[0])
        else:
            val = payload.hex()
    except (struct.error, OSError):
        val = payload.hex()
    return "%s=%s" % (name, val)


def resolve_family(g, name):
    seq = g.send(GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1, 0,
                 nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
    family = None
    for kind, flags, body in g.replies(seq):
        if kind == "msg":
            for atype, payload in parse_attrs(body[4:]):
                if atype == CTRL_ATTR_FAMILY_ID:
                    family = struct.unpack_from("=H", payload)[0]
        elif kind == "error":
            err = struct.unpack_from("=i", body)[0]
            if err:
                sys.stderr.write("genl.py: family '%s' not found: %s\n" %
                                 (name, os.strerror(-err)))
                sys.exit(2)
    if family is None:
        usage("family '%s' not found" % name)
    return family


def main(argv):
    family_name = "awsvpn"
    dump = False
    version = 1
    reserved = 0
    bufsize = 32768
    echo = False
    args = list(argv)
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--dump":
            dump = True
        elif opt == "--echo":
            echo = True
        elif opt in ("--family", "--version", "--reserved",
                     "--bufsize") and args:
            val = args.pop(0)
            if opt == "--family":
                family_name = val
            elif opt == "--version":
                version = int(val, 0)
            elif opt == "--bufsize":
                bufsize = int(val, 0)
            else:
                reserved = int(val, 0)
        elif opt == "--help":
            print(__doc__)
            return 0
        else:
            usage("unknown option '%s'" % opt)
    if not args:
        usage("missing command")
    cmd_arg = args.pop(0)
    if cmd_arg.upper() in CMDS:
        cmd = CMDS[cmd_arg.upper()]
    else:
        try:
            cmd = int(cmd_arg, 0)
        except ValueError:
            usage("unknown command '%s'" % cmd_arg)
    attrs = b"".join(parse_attr_arg(a) for a in args)

    try:
        g = Genl(bufsize, echo)
        family = resolve_family(g, family_name)
        seq = g.send(family, NLM_F_DUMP if dump else NLM_F_ACK, cmd,
                     version, reserved, attrs)
        intr = False
        for kind, flags, body in g.replies(seq):
            intr |= bool(flags & NLM_F_DUMP_INTR)
            if kind == "msg":
                print("reply " + " ".join(decode(t, p) for t, p in
                                           parse_attrs(body[4:])))
            elif kind == "done":
                err = struct.unpack_from("=i", body)[0] if len(body) >= 4 else 0
                if err:
                    print_error(err, ext_ack(flags, body[4:]))
                    return 1
                if intr:
                    print("interrupted")
                print("ok")
                return 0
            else:
                err = struct.unpack_from("=i", body)[0]
                if err == 0:
                    print("ok")
                    return 0
                # struct nlmsgerr: error + the request's header (+ payload
                # unless capped), then the TLVs.
                skip = 4 + 16
                if not flags & NLM_F_CAPPED:
                    skip = 4 + struct.unpack_from("=I", body, 4)[0]
                    if echo:
                        print("echo " + body[4 + 16 + 4:skip].hex())
                print_error(err, ext_ack(flags, body[align4(skip):]))
                return 1
    except OSError as e:
        sys.stderr.write("genl.py: %s\n" % e)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
