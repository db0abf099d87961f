#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""rtlink.py - an awsvpn device as rtnetlink describes it (IFLA_INFO_DATA).

What "ip -d link" would print if it knew the kind, read without iproute2:
RTM_GETLINK on a raw AF_NETLINK / NETLINK_ROUTE socket, IFLA_LINKINFO
decoded with the IFLA_AWSVPN_* numbers and the enum names taken from
kernel/uapi/awsvpn.h (so this reader does not share the awsvpn tool's
tables).  Only the Python standard library.

Usage:
  rtlink.py get DEV
      One JSON object with the keys and types of "awsvpn show --json":
      ifname, ifindex, mtu (IFLA_MTU), carrier (IFLA_CARRIER, boolean),
      kind, and from IFLA_INFO_DATA: local, remote, encap, local_port,
      remote_port, socket, if_id, df, mss_mode, mss (null unless fixed),
      outer_df, mtu_mode, outer_mtu, nat_keepalive, replay_window, parallel
      (boolean), parallel_mode, carrier_reason; "raw" lists the attribute types present.
  rtlink.py set DEV [--empty] [ATTR=FMT:VALUE...]
  rtlink.py add DEV [--empty] [ATTR=FMT:VALUE...]
      RTM_NEWLINK with IFLA_LINKINFO { KIND "awsvpn", DATA { ATTRs } } for
      the device DEV (set), or creating DEV (add, NLM_F_CREATE|NLM_F_EXCL).
      ATTR is a name without IFLA_AWSVPN_ (REMOTE, ...) or a number; FMT
      u8 u16 u32 (host order) or ip.  --empty: an empty DATA nest; without
      ATTRs and --empty, no DATA at all.  Prints "ok", or "error ERRNO
      NAME" then "extack-msg: TEXT" and "extack-offset: N" when given.

Exit status: 0 ok, 1 kernel error, 2 usage or I/O error.
"""

import errno
import json
import os
import re
import socket
import struct
import sys

NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
RTM_NEWLINK = 16
RTM_GETLINK = 18
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLM_F_ACK_TLVS = 0x200
NLM_F_CAPPED = 0x100
NLMSG_ERROR = 2
NLA_F_NESTED = 0x8000
IFLA_IFNAME = 3
IFLA_MTU = 4
IFLA_LINKINFO = 18
IFLA_CARRIER = 33
IFLA_INFO_KIND = 1
IFLA_INFO_DATA = 2
NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2

UAPI = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "..", "..", "kernel", "uapi", "awsvpn.h")


def enum_body(text, name):
    m = re.search(r"enum %s \{(.*?)\};" % name, text, re.S)
    if not m:
        sys.exit("rtlink.py: enum %s not in %s" % (name, UAPI))
    return re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)


def enum_values(text, name, prefix):
    """{value: "name"} of enum NAME, names without PREFIX, "_" -> "-"."""
    out, v = {}, -1
    for item in enum_body(text, name).split(","):
        item = item.strip()
        if not item:
            continue
        m = re.fullmatch(r"(\w+)(?:\s*=\s*(\d+))?", item)
        if not m:
            continue
        v = int(m.group(2)) if m.group(2) else v + 1
        if m.group(1).startswith("__"):
            continue
        out[v] = m.group(1)[len(prefix):].lower().replace("_", "-")
    return out


def link_attrs(text):
    """{"REMOTE": 2, ...} of enum awsvpn_link_attr."""
    return {n.upper().replace("-", "_"): v for v, n in
            enum_values(text, "awsvpn_link_attr", "IFLA_AWSVPN_").items()}


def attrs(buf):
    out, off = [], 0
    while off + 4 <= len(buf):
        ln, ty = struct.unpack_from("HH", buf, off)
        if ln < 4:
            break
        out.append((ty & 0x3fff, buf[off + 4:off + ln]))
        off += (ln + 3) & ~3
    return out


def nla(ty, payload):
    ln = 4 + len(payload)
    return struct.pack("HH", ln, ty) + payload + b"\0" * (((ln + 3) & ~3) - ln)


def sock():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    s.bind((0, 0))
    return s


def talk(s, typ, flags, payload):
    hdr = struct.pack("IHHII", 16 + len(payload), typ, flags, 1, 0)
    s.send(hdr + payload)
    msgs = []
    while True:
        data = s.recv(65536)
        off = 0
        while off + 16 <= len(data):
            ln, ty, fl, seq, pid = struct.unpack_from("IHHII", data, off)
            msgs.append((ty, fl, data[off + 16:off + ln]))
            off += (ln + 3) & ~3
            if ty == NLMSG_ERROR:
                return msgs


def error_of(msgs):
    """(errno, extack message, extack offset) of the final NLMSG_ERROR."""
    ty, fl, body = msgs[-1]
    err = -struct.unpack_from("i", body)[0]
    msg = off = None
    if fl & NLM_F_ACK_TLVS:
        skip = 20 if fl & NLM_F_CAPPED else 4 + struct.unpack_from("I", body, 4)[0]
        for t, v in attrs(body[(skip + 3) & ~3:]):
            if t == NLMSGERR_ATTR_MSG:
                msg = v.rstrip(b"\0").decode(errors="replace")
            elif t == NLMSGERR_ATTR_OFFS:
                off = struct.unpack("I", v)[0]
    return err, msg, off


def get(dev):
    text = open(UAPI).read()
    names = {v: k for k, v in link_attrs(text).items()}
    enums = {
        "ENCAP": enum_values(text, "awsvpn_encap", "AWSVPN_ENCAP_"),
        "SOCKET": enum_values(text, "awsvpn_socket_owner", "AWSVPN_SOCKET_"),
        "DF_POLICY": enum_values(text, "awsvpn_df_policy", "AWSVPN_DF_"),
        "MSS_MODE": enum_values(text, "awsvpn_mss_mode", "AWSVPN_MSS_"),
        "OUTER_DF": enum_values(text, "awsvpn_outer_df", "AWSVPN_OUTER_DF_"),
        "MTU_MODE": enum_values(text, "awsvpn_mtu_mode", "AWSVPN_MTU_"),
        "CARRIER_REASON": enum_values(text, "awsvpn_carrier_reason",
                                      "AWSVPN_CARRIER_"),
    }
    modes = enum_values(text, "awsvpn_parallel", "AWSVPN_PARALLEL_")
    key = {"DF_POLICY": "df"}
    s = sock()
    req = struct.pack("BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0) + \
        nla(IFLA_IFNAME, dev.encode() + b"\0")
    msgs = talk(s, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, req)
    link = [m for m in msgs if m[0] == RTM_NEWLINK]
    if not link:
        err, msg, _ = error_of(msgs)
        print("error %d %s%s" % (err, errno.errorcode.get(err, "?"),
                                 " " + msg if msg else ""))
        return 1
    body = link[0][2]
    out = {"ifindex": struct.unpack_from("i", body, 4)[0], "raw": []}
    for t, v in attrs(body[16:]):
        if t == IFLA_IFNAME:
            out["ifname"] = v.rstrip(b"\0").decode()
        elif t == IFLA_MTU:
            out["mtu"] = struct.unpack("I", v)[0]
        elif t == IFLA_CARRIER:
            out["carrier"] = bool(v[0])
        elif t == IFLA_LINKINFO:
            for it, iv in attrs(v):
                if it == IFLA_INFO_KIND:
                    out["kind"] = iv.rstrip(b"\0").decode()
                elif it == IFLA_INFO_DATA:
                    for at, av in attrs(iv):
                        name = names.get(at, str(at))
                        out["raw"].append(name)
                        k = key.get(name, name.lower())
                        if name in ("LOCAL", "REMOTE"):
                            out[k] = socket.inet_ntoa(av)
                        elif name in enums:
                            out[k] = enums[name].get(av[0], "unknown(%d)" % av[0])
                        elif name == "PARALLEL":
                            # boolean as before "auto"; the mode by name
                            out[k] = bool(av[0])
                            out["parallel_mode"] = modes.get(
                                av[0], "unknown(%d)" % av[0])
                        elif len(av) == 1:
                            out[k] = av[0]
                        elif len(av) == 2:
                            out[k] = struct.unpack("H", av)[0]
                        elif len(av) == 4:
                            out[k] = struct.unpack("I", av)[0]
                        else:
                            out[k] = av.hex()
    if out.get("mss_mode") not in (None, "fixed"):
        out["mss"] = None
    print(json.dumps(out, sort_keys=True))
    return 0


def newlink(dev, args, create):
    names = link_attrs(open(UAPI).read())
    data, empty = b"", False
    for a in args:
        if a == "--empty":
            empty = True
            continue
        m = re.fullmatch(r"(\w+)=(u8|u16|u32|ip):(.*)", a)
        if not m:
            sys.exit("rtlink.py: bad attribute %r" % a)
        ty = int(m.group(1)) if m.group(1).isdigit() else names[m.group(1)]
        fmt, val = m.group(2), m.group(3)
        if fmt == "ip":
            payload = socket.inet_aton(val)
        else:
            payload = struct.pack({"u8": "B", "u16": "H", "u32": "I"}[fmt],
                                  int(val, 0))
        data += nla(ty, payload)
    info = nla(IFLA_INFO_KIND, b"awsvpn")
    if data or empty:
        info += nla(IFLA_INFO_DATA | NLA_F_NESTED, data)
    index = 0 if create else socket.if_nametoindex(dev)
    req = struct.pack("BxHiII", socket.AF_UNSPEC, 0, index, 0, 0)
    if create:
        req += nla(IFLA_IFNAME, dev.encode() + b"\0")
    req += nla(IFLA_LINKINFO | NLA_F_NESTED, info)
    flags = NLM_F_REQUEST | NLM_F_ACK
    if create:
        flags |= NLM_F_CREATE | NLM_F_EXCL
    err, msg, off = error_of(talk(sock(), RTM_NEWLINK, flags, req))
    if not err:
        print("ok")
        return 0
    print("error %d %s" % (err, errno.errorcode.get(err, "?")))
    if msg:
        print("extack-msg: " + msg)
    if off is not None:
        print("extack-offset: %d" % off)
    return 1


def main(argv):
    if len(argv) >= 3 and argv[1] == "get" and len(argv) == 3:
        return get(argv[2])
    if len(argv) >= 3 and argv[1] in ("set", "add"):
        return newlink(argv[2], argv[3:], argv[1] == "add")
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
