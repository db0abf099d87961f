#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Instantiate or remove a crypto API algorithm through NETLINK_CRYPTO.

    cryptouser.py add DRIVER     e.g. add "pcrypt(seqiv(rfc4106-gcm-aesni))"
    cryptouser.py del DRIVER
    cryptouser.py show DRIVER    "name driver priority async refcnt"

Used by 23-esp-async to put pcrypt, an always-asynchronous wrapper, in
front of the AEADs awsvpn and the XFRM peer allocate: an instance whose
priority is higher than the wrapped one's is what the next
crypto_alloc_aead() of the same name gets.  (This is what "crconf add" does;
crconf is not packaged for Debian.)  Needs crypto_user loaded and
CAP_NET_ADMIN.  Exit status 0 on success, 1 with the errno name otherwise.
"""
import errno
import os
import socket
import struct
import sys

NETLINK_CRYPTO = 21
CRYPTO_MSG_NEWALG = 0x10
CRYPTO_MSG_DELALG = 0x11
CRYPTO_ALG_TYPE_AEAD = 0x3
CRYPTO_ALG_TYPE_MASK = 0xf
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
NAME_MAX = 64			# CRYPTO_MAX_NAME


def request(mtype, driver):
    if len(driver.encode()) >= NAME_MAX:
        sys.exit("driver name too long: %s" % driver)
    # struct crypto_user_alg: name, driver name, module name (64 bytes
    # each), type, mask, refcnt, flags.
    body = struct.pack("64s64s64sIIII", b"", driver.encode(), b"",
                       CRYPTO_ALG_TYPE_AEAD, CRYPTO_ALG_TYPE_MASK, 0, 0)
    msg = struct.pack("=IHHII", 16 + len(body), mtype,
                      NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_CRYPTO)
    s.bind((0, 0))
    s.send(msg)
    reply = s.recv(65536)
    s.close()
    _, rtype, _, _, _ = struct.unpack_from("=IHHII", reply)
    if rtype != NLMSG_ERROR:
        sys.exit("unexpected reply type %d" % rtype)
    err = -struct.unpack_from("=i", reply, 16)[0]
    if err:
        print("%s: %s" % (errno.errorcode.get(err, str(err)), os.strerror(err)),
              file=sys.stderr)
        sys.exit(1)


def show(driver):
    """The /proc/crypto entry of DRIVER, one line."""
    entry = {}
    for block in open("/proc/crypto").read().split("\n\n"):
        kv = {}
        for line in block.splitlines():
            k, _, v = line.partition(":")
            kv[k.strip()] = v.strip()
        if kv.get("driver") == driver:
            entry = kv
            break
    if not entry:
        sys.exit(1)
    print(entry.get("name"), entry.get("driver"), entry.get("priority"),
          entry.get("async", "no"), entry.get("refcnt"))


def main(argv):
    if len(argv) != 3 or argv[1] not in ("add", "del", "show"):
        sys.exit(__doc__)
    if argv[1] == "show":
        show(argv[2])
    else:
        request(CRYPTO_MSG_NEWALG if argv[1] == "add" else CRYPTO_MSG_DELALG,
                argv[2])


if __name__ == "__main__":
    main(sys.argv)
