#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 600
# vm-cmdline: slub_debug=P
#
# Namespace teardown under ESP: a namespace with awsvpn devices (native,
# moved in from another namespace, moved out to it) is deleted while a
# peer keeps sending it ESP (raw and in UDP), round after round.  Until the
# last device of the dying namespace is gone, ESP received on it is looked
# up in that namespace's SPI table, so the table must live that long: on
# 6.1 the core removes those devices only after the exit methods of later
# device operations.  slub_debug=P poisons freed memory, so a lookup in a
# freed table crashes the guest at once instead of reading stale bytes.
set -eu
. "$(dirname "$0")/lib.sh"

require_cmd ip python3
require_tool

# Tunnel modules with per-namespace fallback devices, loaded before
# awsvpn: their device operations then run their exit methods after
# awsvpn's and before the core's (6.1), and unregistering their devices
# there widens the window in which the namespace still receives.
modprobe -q -a ipip ip_gre sit ip6_tunnel ip_vti 2>/dev/null || true
t_check "load awsvpn" mod_load
t_passed || t_done
dmesg_mark

KEY="$T_TMP/k.key"
echo 00112233445566778899aabbccddeeff01020304 > "$KEY"
chmod 600 "$KEY"
sa_in() {
	awsvpn -n "$1" sa add "$2" dir in spi "$3" enc aes128-gcm16 \
		key-file "$KEY"
}

# flood.py DST SECS READY: raw ESP (SPIs 0x5000 and unknown ones) and ESP in
# UDP to DST:4500 as fast as possible, until SECS pass or the route is
# gone for good (the namespace's veth went with the peer's); READY is
# created once the first packets went out.
cat > "$T_TMP/flood.py" <<'PY'
import socket, struct, sys, time
dst, secs, ready = sys.argv[1], float(sys.argv[2]), sys.argv[3]
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + secs
n = errs = seq = 0
while time.time() < end and errs < 2000:
    seq += 1
    for spi in (0x5000, 0x5001, 0x7000 + (seq & 0xff)):
        pkt = struct.pack("!II", spi, seq) + bytes(48)
        try:
            raw.sendto(pkt, (dst, 0))
            udp.sendto(pkt, (dst, 4500))
            n += 2
            errs = 0
            if n == 2:
                open(ready, "w").close()
        except OSError:
            errs += 1
print(n)
PY

ROUNDS=8
bad=0
for r in $(seq $ROUNDS); do
	A=td-a$r P=td-p$r
	ns_create $A $P
	veth_pair $A veth-a $P veth-p
	ip -n $A addr add 10.77.0.1/24 dev veth-a
	ip -n $P addr add 10.77.0.2/24 dev veth-p
	# a0: native to A, raw ESP; u0: native to A, NAT-T socket in A;
	# m0: created in P (outer P), lives in A; n0: created in A, lives in P.
	ok=1
	{
		ip -n $A link add a0 type awsvpn &&
		awsvpn -n $A set a0 local 10.77.0.1 remote 10.77.0.2 &&
		sa_in $A a0 0x5000 &&
		ip -n $A link set a0 up &&
		ip -n $A link add u0 type awsvpn &&
		awsvpn -n $A set u0 local 10.77.0.1 remote 10.77.0.2 encap udp &&
		sa_in $A u0 0x5001 &&
		ip -n $A link set u0 up &&
		ip -n $P link add m0 type awsvpn &&
		sa_in $P m0 0x5000 &&
		ip -n $P link set m0 netns $A &&
		ip -n $A link add n0 type awsvpn &&
		sa_in $A n0 0x5002 &&
		ip -n $A link set n0 netns $P
	} >"$T_TMP/setup.log" 2>&1 || ok=0
	if [ $ok = 0 ]; then
		t_fail "round $r: setup" "$(cat "$T_TMP/setup.log")"
		bad=1
		break
	fi
	ip netns exec $P python3 "$T_TMP/flood.py" 10.77.0.1 30 \
		"$T_TMP/flood.ready.$r" > "$T_TMP/flood.$r" 2>&1 &
	fpid=$!
	wait_for 20 test -e "$T_TMP/flood.ready.$r" ||
		t_diag "round $r: the flood did not start"
	sleep 0.2
	ip netns del $A
	# The veth pair goes with A's last devices: then A is gone.
	wait_for 30 sh -c "! ip -n $P link show dev veth-p >/dev/null 2>&1" || {
		t_fail "round $r: A's devices were not removed"
		bad=1
	}
	wait $fpid || true
	t_diag "round $r: $(cat "$T_TMP/flood.$r") datagrams sent"
	# n0 (outer A) went with A; m0 (outer P, living in A) too.
	if ip -n $P link show dev n0 >/dev/null 2>&1; then
		t_fail "round $r: n0 (outer namespace A) survived A"
		bad=1
	fi
	ip netns del $P
	[ $bad = 0 ] || break
done
[ $bad = 1 ] || t_ok "$ROUNDS rounds of namespace deletion under ESP, the guest alive"

# The SPIs A and P held are free again everywhere.
ns_create td-z
t_check "create z0 in a fresh namespace" awsvpn_add z0 td-z
t_check "SPIs 0x5000-0x5002 usable again" sh -c \
	"$(declare -f sa_in); KEY=$KEY; sa_in td-z z0 0x5000 && sa_in td-z z0 0x5001 && sa_in td-z z0 0x5002"
t_check "module unloads" mod_unload

log=$(dmesg_since)
t_eq "kernel log clean (no BUG, KFENCE, poison, Oops, WARNING)" "" \
	"$(printf '%s\n' "$log" | grep -E 'WARNING:|BUG|KFENCE|Poison|Oops|Call Trace|general protection|unregister_netdevice: waiting' || true)"
t_done
