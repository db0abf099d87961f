#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Load an XDP program that passes every packet and pin it at PATH.

  xdppass.py PATH      then: ip link set dev DEV xdpdrv pinned PATH

Two instructions (r0 = XDP_PASS; exit), loaded with BPF_F_XDP_HAS_FRAGS so
that a device with a jumbo MTU takes it.  What it is for: veth with an XDP
program receives through NAPI into page-pool pages (skb_pp_cow_data()), so
the packets it delivers come from a page pool, as from many NIC drivers.
No compiler needed.
"""
import ctypes
import os
import struct
import sys

SYS_BPF = 321                    # x86_64
BPF_PROG_LOAD, BPF_OBJ_PIN = 5, 6
BPF_PROG_TYPE_XDP = 6
BPF_F_XDP_HAS_FRAGS = 1 << 5
XDP_PASS = 2

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    ret = libc.syscall(SYS_BPF, cmd, buf, 128)
    if ret < 0:
        e = ctypes.get_errno()
        sys.exit("bpf(%d): %s" % (cmd, os.strerror(e)))
    return ret


def main():
    path = sys.argv[1]
    # BPF_MOV64_IMM(R0, XDP_PASS); BPF_EXIT_INSN()
    insns = struct.pack("<BBhi", 0xb7, 0, 0, XDP_PASS) + struct.pack("<BBhi", 0x95, 0, 0, 0)
    insns_buf = ctypes.create_string_buffer(insns)
    lic = ctypes.create_string_buffer(b"GPL")
    # union bpf_attr for BPF_PROG_LOAD: prog_type, insn_cnt, insns,
    # license, log_level, log_size, log_buf (no log), kern_version,
    # prog_flags
    attr = struct.pack("<IIQQIIQII", BPF_PROG_TYPE_XDP, 2,
                       ctypes.addressof(insns_buf), ctypes.addressof(lic),
                       0, 0, 0, 0, BPF_F_XDP_HAS_FRAGS)
    fd = bpf(BPF_PROG_LOAD, attr)
    name = ctypes.create_string_buffer(path.encode())
    # BPF_OBJ_PIN: pathname, bpf_fd, file_flags
    bpf(BPF_OBJ_PIN, struct.pack("<QII", ctypes.addressof(name), fd, 0))


if __name__ == "__main__":
    main()
