#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
espfuzz.py - malformed ESP and ESP-in-UDP at a live awsvpn tunnel, and what
the device must count for each (24-esp-fuzz).

Run as root inside the peer's network namespace.  It plays the AWS end of
one AES-GCM-16 SA (RFC 4106) whose key it is given, builds every packet
itself (python3-cryptography's AESGCM for the authentic ones) and sends
them to the gateway's outer address: raw ESP through a raw socket, or ESP
in UDP from port 4500.  Every packet belongs to one kind, and every kind
has exactly one fate in the module:

  valid         authentic, fresh, good trailer: rx_packets
  errors        malformed before decryption (too short, not whole
                blocks): rx_errors
  auth_fail     ICV does not verify (truncated at a block boundary,
                bits flipped anywhere after the header): rx_auth_fail
  bad_trailer   authentic but the trailer or inner packet is wrong (pad
                length, pad bytes, next header, inner version or length):
                rx_bad_trailer
  replay        sequence number 0, already seen, or left of the window:
                rx_replay
  dummy         authentic next header 59 (RFC 4303 dummy): dropped, no
                counter
  no_sa         ESP in UDP with an SPI nobody has: rx_no_sa
  keepalive     the one-byte 0xff NAT keepalive: nat_keepalive_rx
  not_ours      raw ESP too short for a header or with another SPI, UDP
                with the non-ESP marker or too short for ESP: left to
                XFRM or the socket, no awsvpn counter

  espfuzz.py --dst ADDR --spi SPI --key HEX --inner-src A --inner-dst B
             [--udp] [--paged IFACE --dst-mac MAC [--paged-sizes N,...]
             [--head-len N]] [--suite S] [--seq N] [--rounds N] [--out FILE]

--paged sends raw ESP larger than a page through an AF_PACKET socket on
IFACE with a virtio-net header whose hdr_len covers only Ethernet + IPv4:
the kernel builds each skb as a NIC receiving into pages would (34 bytes
of head, the rest in page fragments), and veth hands that skb on as it is.
The packets (authentic ones carry UDP to port 9 whose payload is
pattern(n)) exercise decryption of packets in page fragments: valid, ICV
and ciphertext bits flipped in the fragments, bad trailers, replays.
With --paged-sizes, each round is one authentic packet of each size only,
as raw ESP or (--udp) ESP in UDP, of --suite aes128-gcm16 (the default) or
aes256+sha2-256, with --head-len bytes of the frame in the skb's head.

Prints (and writes to --out) one JSON object: packets sent per kind, the
next fresh sequence number ("next_seq"), and "sent".  Deterministic for a
given --seed.
"""
import argparse
import hashlib
import hmac
import json
import os
import random
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ICV = 16
IVLEN = 8
ALIGN = 4
HDR = 8 + IVLEN


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


# Inner UDP payloads whose ESP frame (4098 and 4126 bytes raw, 8 more in
# UDP) is paged by AF_PACKET (a page or more) yet, past the 42 (50) bytes
# of head, fits one page.
ONE_PAGE = (4000, 4030)


def pattern(n):
    """The payload of the paged packets (and tools/tapfrags.py's): byte i
    is (7i + n) mod 256, checkable by the receiver."""
    return bytes((i * 7 + n) & 0xFF for i in range(n))


def ipv4(src, dst, proto, payload, ident=0):
    """An IPv4 packet (addresses as text), header checksum filled in."""
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0,
                      64, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def inner_ipv4(src, dst, payload, dport=9, ident=0):
    """An IPv4 UDP datagram from port 40000, to port 9 (discard)."""
    udp = struct.pack("!HHHH", 40000, dport, 8 + len(payload), 0) + payload
    return ipv4(src, dst, 17, udp, ident)


class Sa:
    """An outbound SA: aes128-gcm16 (key: 16 bytes + 4 of salt), or
    aes256+sha2-256 (AES-256-CBC, then HMAC-SHA-256 truncated to 16
    bytes over header, IV and ciphertext; key: 32 + 32 bytes)."""
    def __init__(self, spi, keyhex, suite="aes128-gcm16"):
        key = bytes.fromhex(keyhex)
        self.spi = spi
        self.cbc = suite == "aes256+sha2-256"
        if self.cbc:
            self.ekey, self.ikey = key[:32], key[32:64]
            self.align = self.ivlen = 16
        else:
            self.aead = AESGCM(key[:-4])
            self.salt = key[-4:]
            self.align, self.ivlen = ALIGN, IVLEN

    def packet(self, seq, inner, nh=4, pad=None, padlen=None, spi=None):
        """ESP with a correct ICV over whatever trailer it is told to use."""
        if pad is None:
            n = (-(len(inner) + 2)) % self.align
            pad = bytes(range(1, n + 1))
        if padlen is None:
            padlen = len(pad)
        plain = inner + pad + bytes([padlen, nh])
        assert len(plain) % self.align == 0
        iv = os.urandom(self.ivlen)
        hdr = struct.pack("!II", self.spi if spi is None else spi, seq)
        if not self.cbc:
            return hdr + iv + self.aead.encrypt(self.salt + iv, plain, hdr)
        enc = Cipher(algorithms.AES(self.ekey), modes.CBC(iv)).encryptor()
        body = hdr + iv + enc.update(plain) + enc.finalize()
        return body + hmac.new(self.ikey, body, hashlib.sha256).digest()[:16]


class Sender:
    def __init__(self, dst, udp, paged=None, dst_mac=None, head_len=34):
        self.dst = dst
        self.udp = udp
        self.paged = paged
        self.head_len = head_len
        self.sent = 0
        self.ipid = 0
        if paged:
            self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            self.s.setsockopt(263, 15, 1)          # SOL_PACKET, PACKET_VNET_HDR
            self.s.bind((paged, 0))
            with open("/sys/class/net/%s/address" % paged) as f:
                src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
            self.eth = bytes.fromhex(dst_mac.replace(":", "")) + src_mac + b"\x08\x00"
            # The source address: the one the kernel would pick.
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe.connect((dst, 9))
            self.src = probe.getsockname()[0]
            probe.close()
            return
        if udp:
            self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.s.bind(("0.0.0.0", 4500))
        else:
            self.s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
        # Fragment what exceeds the path here (no DF): the receiver
        # reassembles before ESP or UDP sees the packet.
        self.s.setsockopt(socket.IPPROTO_IP, 10, 0)   # IP_MTU_DISCOVER, DONT
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)

    def frame(self, data):
        """virtio-net header (no offload, hdr_len: the head, 34 = Ethernet
        + IPv4) + Ethernet + IPv4 (+ UDP 4500 -> 4500, checksum 0 as RFC
        3948 allows)."""
        self.ipid = (self.ipid + 1) & 0xFFFF
        if self.udp:
            data = struct.pack("!HHHH", 4500, 4500, 8 + len(data), 0) + data
        return (struct.pack("<BBHHHH", 0, 0, self.head_len, 0, 0, 0) + self.eth +
                ipv4(self.src, self.dst, 17 if self.udp else 50, data, self.ipid))

    def send(self, data):
        for attempt in range(100):
            try:
                if self.paged:
                    self.s.send(self.frame(data))
                else:
                    self.s.sendto(data, (self.dst, 4500 if self.udp else 0))
                break
            except (BlockingIOError, OSError) as e:
                if getattr(e, "errno", 0) not in (105, 11):   # ENOBUFS, EAGAIN
                    raise
                time.sleep(0.01)
        self.sent += 1
        # Pace: the receiver is one emulated CPU; the backlog must not
        # overflow, or packets would vanish before the module saw them.
        if self.sent % 64 == 0:
            time.sleep(0.002)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dst", required=True)
    ap.add_argument("--spi", required=True, type=lambda v: int(v, 0))
    ap.add_argument("--key", required=True, help="hex: AES key + 4-byte salt")
    ap.add_argument("--inner-src", required=True)
    ap.add_argument("--inner-dst", required=True)
    ap.add_argument("--udp", action="store_true")
    ap.add_argument("--paged", metavar="IFACE")
    ap.add_argument("--dst-mac")
    ap.add_argument("--paged-sizes", type=lambda v: [int(n) for n in v.split(",")],
                    help="with --paged: only authentic packets, these payload sizes")
    ap.add_argument("--head-len", type=int, default=34,
                    help="with --paged: bytes of each frame in the skb's head")
    ap.add_argument("--suite", default="aes128-gcm16",
                    choices=("aes128-gcm16", "aes256+sha2-256"),
                    help="the SA's suite; not GCM: with --paged-sizes only")
    ap.add_argument("--seq", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out")
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    sa = Sa(a.spi, a.key, a.suite)
    if a.paged and not a.dst_mac:
        ap.error("--paged needs --dst-mac")
    if (a.paged and a.udp or sa.cbc) and not a.paged_sizes:
        ap.error("--paged --udp and --suite %s need --paged-sizes" % a.suite)
    tx = Sender(a.dst, a.udp, a.paged, a.dst_mac, a.head_len)
    kinds = dict.fromkeys(("valid", "errors", "auth_fail", "bad_trailer",
                           "replay", "dummy", "no_sa", "keepalive",
                           "not_ours"), 0)
    seq = a.seq
    sent_ok = []          # (seq, packet) of valid packets, for replays

    def send(kind, data):
        kinds[kind] += 1
        tx.send(data)

    def inner(n=None):
        n = rnd.randrange(0, 200) if n is None else n
        return inner_ipv4(a.inner_src, a.inner_dst, os.urandom(n))

    def fresh():
        nonlocal seq
        seq += 1
        return seq - 1

    def truncated_fate(length):
        """What the module does with the first LENGTH bytes of an ESP
        packet of ours (fresh sequence number, nothing authentic)."""
        if a.udp and length <= 8:
            return "not_ours"     # too short for ESP in UDP (RFC 3948)
        if not a.udp and length < 8:
            return "not_ours"     # no ESP header: XFRM's
        if length < HDR + ALIGN + ICV or (length - HDR - ICV) % ALIGN:
            return "errors"
        return "auth_fail"

    # --paged runs rounds of its own kinds only.
    paged_rounds, plain_rounds = (a.rounds, 0) if a.paged else (0, a.rounds)
    for _ in range(paged_rounds):
        if a.paged_sizes:
            for n in a.paged_sizes:
                send("valid", sa.packet(fresh(), inner_ipv4(a.inner_src, a.inner_dst, pattern(n))))
            continue
        # Larger than a page, so that most of it is in page fragments:
        # ONE_PAGE fit one fragment after the 42 bytes of head (decrypted
        # out of place), the others do not (copied, then in place).
        for n in ONE_PAGE + (4100, 4500, 5000, 6000, 7000, 8000, rnd.randrange(4100, 8000)):
            p = sa.packet(fresh(), inner_ipv4(a.inner_src, a.inner_dst, pattern(n)))
            send("valid", p)
            sent_ok.append(p)
        for n in ONE_PAGE:
            b = bytearray(sa.packet(fresh(), inner(n)))
            b[rnd.choice((-1, 2000, 4000))] ^= 1 << rnd.randrange(8)
            send("auth_fail", bytes(b))
            send("bad_trailer", sa.packet(fresh(), inner(n), nh=17))
        # ICV (the last fragment) and ciphertext deep in the fragments.
        for where in (-1, -ICV, -ICV - 1, 3000, 4090, 4096, 5000):
            b = bytearray(sa.packet(fresh(), inner(6000)))
            b[where] ^= 1 << rnd.randrange(8)
            send("auth_fail", bytes(b))
        send("bad_trailer", sa.packet(fresh(), inner(5000), padlen=255))
        pad = bytearray(range(1, 7))
        pad[3] ^= 0x80
        body = inner(4999)
        pad = bytes(pad) + bytes(range(7, 7 + (-(len(body) + 8)) % ALIGN))
        send("bad_trailer", sa.packet(fresh(), body, pad=pad))
        send("bad_trailer", sa.packet(fresh(), inner(4500), nh=17))
        for p in sent_ok[-3:]:
            send("replay", p)

    for _ in range(plain_rounds):
        # Authentic, fresh packets of every small size.
        for n in range(0, 64):
            p = sa.packet(fresh(), inner(n))
            send("valid", p)
            sent_ok.append(p)

        # Every truncation of one packet (its sequence number is never
        # used whole, so none of them can be a replay).
        p = sa.packet(fresh(), inner(rnd.randrange(0, 100)))
        for length in range(0, len(p)):
            send(truncated_fate(length), p[:length])

        # Flipped bits: each bit of the ICV, then random bits after the
        # header (sequence number and SPI stay: they pick the SA).
        p = sa.packet(fresh(), inner(40))
        for bit in range(ICV * 8):
            b = bytearray(p)
            b[len(b) - ICV + bit // 8] ^= 1 << (bit % 8)
            send("auth_fail", bytes(b))
        for _ in range(128):
            b = bytearray(sa.packet(fresh(), inner()))
            i = rnd.randrange(HDR - IVLEN, len(b))
            b[i] ^= 1 << rnd.randrange(8)
            send("auth_fail", bytes(b))

        # Authentic but wrong inside.
        for padlen in (200, 255):
            send("bad_trailer", sa.packet(fresh(), inner(10), padlen=padlen))
        for _ in range(32):
            pad = bytearray(range(1, 7))
            pad[rnd.randrange(6)] ^= 0x80
            body = inner(rnd.randrange(0, 50))
            extra = (-(len(body) + len(pad) + 2)) % ALIGN
            pad = bytes(pad) + bytes(range(7, 7 + extra))
            send("bad_trailer", sa.packet(fresh(), body, pad=pad))
        for nh in (0, 6, 17, 50, 58, 60, 255):
            send("bad_trailer", sa.packet(fresh(), inner(20), nh=nh))
        for _ in range(32):
            garbage = os.urandom(rnd.randrange(41, 200))
            garbage = bytes([garbage[0] & 0x0F | 0x40]) + garbage[1:]
            send("bad_trailer", sa.packet(fresh(), garbage, nh=41))
        for n in (0, 1, 19):
            send("bad_trailer", sa.packet(fresh(), os.urandom(n), nh=4))
        for _ in range(16):
            send("bad_trailer", sa.packet(fresh(), b"\x65" + os.urandom(40), nh=4))
        for _ in range(8):
            send("dummy", sa.packet(fresh(), os.urandom(rnd.randrange(0, 64)), nh=59))

        # Replays: sequence 0, packets already accepted, and one far left
        # of the window.
        for _ in range(8):
            send("replay", sa.packet(0, inner(8)))
        for p in rnd.sample(sent_ok[-64:], 32):
            send("replay", p)
        send("replay", sent_ok[0])     # seen, and maybe left of the window

        # Someone else's SPI, SPI 0.
        for spi in (0, 0x7fffffff, 0xdeadbeef, a.spi ^ 1):
            p = sa.packet(fresh(), inner(8), spi=spi)
            if spi == 0:
                send("not_ours", p)   # UDP: non-ESP marker; raw: no SA
            else:
                send("no_sa" if a.udp else "not_ours", p)

        # Larger than the path: the sender's kernel fragments the outer
        # packet, the receiver's reassembles it before ESP sees it.
        for n in (1400, 2000, 4000, 8000):
            p = sa.packet(fresh(), inner(n))
            send("valid", p)
            sent_ok.append(p)

        if a.udp:
            for _ in range(8):
                send("keepalive", b"\xff")
            for data in (b"", b"\x00", b"\xfe", b"\xff\xff", b"\0\0\0\0" + os.urandom(30),
                         b"\0\0\0\0", os.urandom(8)):
                send("not_ours", data)

        # A last authentic packet: the tunnel still accepts.
        p = sa.packet(fresh(), inner(16))
        send("valid", p)
        sent_ok.append(p)

    kinds["sent"] = tx.sent
    kinds["next_seq"] = seq
    out = json.dumps(kinds, sort_keys=True)
    print(out)
    if a.out:
        with open(a.out, "w") as f:
            f.write(out + "\n")


if __name__ == "__main__":
    main()
