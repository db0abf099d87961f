#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 300
#
# Configuration edge cases (review issue 11), no tunnel needed:
#
# (a) lifetimes beyond 32 bits of jiffies: time-soft 300 days, time-hard
#     400 days, and times whose jiffies wrap 32 bits to under a second;
#     the SAs stay, no event, no timer storm (TIMER softirqs), "show"
#     reports the remaining time.  With NLCB=debug (libnl's message
#     dumps) "sa add" prints no key byte.
# (b) "set" is all-or-nothing: with the device a team port, team refuses
#     every MTU change (NETDEV_PRECHANGEMTU); "set encap udp local-port P
#     mtu N" then fails with every setting unchanged and no socket on P,
#     and a failing "set mtu N" leaves the MTU mode as it was.
# (c) key bytes never stay in a failed request: the kernel echoes a failed
#     request (no NETLINK_CAP_ACK, tools/genl.py --echo); the echo of a
#     NEW_SA whose SA nest fails to parse before its key, of a NEW_SA
#     failing the top-level policy (which the genl core would reject before
#     any handler), and of a SET_DEVICE carrying one or two SA nests, has
#     every key zeroed.
# (d) rmmod with devices, SAs, an "awsvpn monitor" listening and requests
#     in flight: the monitor still gets each device's dev-down and an
#     sa-deleted for each SA, the kernel log has no warning.
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd python3

GENL="python3 $AWSVPN_SRC/selftests/tools/genl.py"
KEY="$T_TMP/gcm.key"
printf '%s\n' 00112233445566778899aabbccddeeff01020304 > "$KEY"
chmod 600 "$KEY"

t_check "load awsvpn" mod_load
t_passed || t_done

sa_add() {	# DEV DIR SPI [ARGS...]
	local dev=$1 dir=$2 spi=$3
	shift 3
	awsvpn sa add "$dev" dir "$dir" spi "$spi" enc aes128-gcm16 \
		key-file "$KEY" "$@"
}

# ================================================================ (a)

D=edge0
t_check "$D created" awsvpn_add $D
awsvpn monitor --json $D > "$T_TMP/mon-a.json" 2>&1 &
MON_A=$!
t_on_exit "kill $MON_A"
sleep 0.5
t_check "outbound SA, time-soft 300 days, time-hard 400 days" \
	sa_add $D out 0x1000 limit time-soft 25920000 time-hard 34560000
# Seconds whose jiffies wrap 32 bits to less than a second (HZ 250, 1000,
# 100): the timer used to come back at once, every tick, from then on.
t_check "inbound SAs, time-soft 2^32/HZ + 1 s for HZ 250, 1000, 100" \
	eval "sa_add $D in 0x1001 limit time-soft 17179870 time-hard 34560000 &&
	      sa_add $D in 0x1002 limit time-soft 4294968 time-hard 34560000 &&
	      sa_add $D in 0x1003 limit time-soft 42949673 time-hard 50000000"
sleep 1.5

# A timer that fires every tick shows as TIMER softirqs: HZ a second (250
# on Debian: 500 in 2 s), against some 25 a second on the idle guest.
timer_softirqs() {
	awk '$1 == "TIMER:" { for (i = 2; i <= NF; i++) n += $i; print n }' \
		/proc/softirqs
}
t0=$(timer_softirqs)
sleep 2
t_match "lifetime timer not firing every tick (TIMER softirqs in 2 s < 250)" \
	'^([0-9]{1,2}|1[0-9]{2}|2[0-4][0-9])$' $(( $(timer_softirqs) - t0 ))
t_match "SA still there, active" 'sa out spi 0x00001000 .*active' \
	"$(awsvpn show $D | tr '\n' ' ')"
t_eq "the inbound SAs too" 3 "$(awsvpn show $D | grep -c 'sa in spi 0x0000100[123] ')"
# What remains, in words: 17179870 s is 198 days, 20 hours, 11 minutes, 10 s.
t_match "show: time-soft 17179870s, remaining 17179860..17179870s" \
	'time-soft 17179870s \(in 198 days, 20 hours, 11 minutes(, ([1-9]|10) seconds?)?\)' \
	"$(awsvpn show $D)"
t_match "show: time-soft 25920000s, remaining 25919990..25920000s" \
	'time-soft 25920000s \(in (300 days|299 days, 23 hours, 59 minutes, 5[0-9] seconds)\)' \
	"$(awsvpn show $D)"
t_match "show: time-hard 34560000s, remaining 34559990..34560000s" \
	'time-hard 34560000s \(in (400 days|399 days, 23 hours, 59 minutes, 5[0-9] seconds)\)' \
	"$(awsvpn show $D)"
kill $MON_A 2>/dev/null
wait $MON_A 2>/dev/null
t_eq "no expiry event" "" \
	"$(grep -E 'expire' "$T_TMP/mon-a.json")"
ip link del $D

# NLCB=debug makes libnl hex-dump every message a socket it set up sends
# ("00 11 22 33 ..."): a request carrying a key must never be one.
t_check "edgenl created" awsvpn_add edgenl
run NL env NLCB=debug awsvpn sa add edgenl dir out spi 0x1009 \
	enc aes128-gcm16 key-file "$KEY"
t_eq "NLCB=debug: sa add succeeds" 0 "$NL_rc"
t_eq "NLCB=debug: no byte of the key on stdout or stderr" "" \
	"$(grep -iE '00 ?11 ?22 ?33|ccddeeff' <<< "$NL_out")"
t_match "NLCB=debug: the SA is there" 'spi 0x00001009' "$(awsvpn show edgenl)"
run SQ awsvpn sa add edgenl dir out spi 0x100a enc aes128-gcm16 \
	key-file "$KEY" seq 4294967295
t_eq "outbound SA with seq 4294967295: refused (EINVAL)" 1 "$SQ_rc"
t_match "... the kernel says why" 'sequence number 4294967295: the SA could send nothing' "$SQ_out"
t_eq "... and it is not there" "" "$(awsvpn show edgenl | grep 'spi 0x0000100a')"
ip link del edgenl

# ================================================================ (b)

D=edge1
# Every setting "show --json" reports, without counters and times.
settings() {
	awsvpn show $D --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
j = j[0] if isinstance(j, list) else j
for k in ("stats", "sas", "last_rx_ms", "last_tx_ms", "last_rx", "last_tx",
          "carrier", "carrier_reason"):
    j.pop(k, None)
print(json.dumps(j, sort_keys=True))'
}
modprobe team 2>/dev/null || true
if ip link add edgeteam type team 2>/dev/null; then
	t_on_exit "ip link del edgeteam"
	t_check "$D created" awsvpn_add $D
	t_check "$D is a port of team edgeteam (which refuses MTU changes)" \
		ip link set $D master edgeteam
	awsvpn set $D mtu auto 2>/dev/null || true
	before=$(settings)
	t_fails "set encap udp local-port 4611 mtu 1300 fails (team refuses the MTU)" \
		awsvpn set $D encap udp local-port 4611 mtu 1300
	t_eq "... every setting unchanged" "$before" "$(settings)"
	t_eq "... no socket on port 4611" "" "$(ss -Huln 'sport = :4611')"
	t_fails "set mtu 1300 alone fails" awsvpn set $D mtu 1300
	t_eq "... every setting unchanged (mtu mode too)" "$before" "$(settings)"
	t_check "set encap udp local-port 4611 (no MTU) still works" \
		awsvpn set $D encap udp local-port 4611
	t_match "... socket on port 4611" '4611' "$(ss -Huln 'sport = :4611')"
	ip link del $D
else
	t_skip "set all-or-nothing" "no team device (CONFIG_NET_TEAM)"
fi

# ================================================================ (c)

D=edge2
t_check "$D created" awsvpn_add $D
# SA nest: SPI with a 1-byte payload (invalid: u32), then a 20-byte key of
# 0xab.  Attributes: u16 length, u16 type, host order (x86: little endian).
K=$(printf 'ab%.0s' $(seq 20))
BADSPI=0500020001000000
ENCKEY=18000500$K
out=$($GENL --echo NEW_SA IFNAME=str:$D SA=nest:$BADSPI$ENCKEY)
t_match "NEW_SA with an SA nest failing before its key: error" \
	'^error (22|34) ' "$(grep '^error' <<< "$out")"
t_match "... the echoed request carries the key attribute, zeroed" \
	"18000500$(printf '00%.0s' $(seq 20))" "$(grep '^echo' <<< "$out")"
t_eq "... no key byte in the echo" "" "$(grep '^echo' <<< "$out" | grep "$K")"
DIR=0500010002000000
SPI=0800020000100000
out=$($GENL --echo SET_DEVICE IFNAME=str:$D SA=nest:$DIR$SPI$ENCKEY)
t_match "SET_DEVICE carrying an SA nest with a key: error" \
	'^error 22 ' "$(grep '^error' <<< "$out")"
t_eq "... no key byte in the echo" "" "$(grep '^echo' <<< "$out" | grep "$K")"
t_eq "... no SA on $D" "" "$(awsvpn show $D | grep 'spi 0x')"
# Rejected by the top-level policy, before any handler: a valid SA nest
# with a key next to REMOTE_PORT 0 (the policy's minimum is 1).
ENC=0500030001000000
out=$($GENL --echo NEW_SA IFNAME=str:$D REMOTE_PORT=u16:0 SA=nest:$DIR$SPI$ENC$ENCKEY)
t_match "NEW_SA failing the top-level policy (REMOTE_PORT 0): error, with a message" \
	'^error 34 ERANGE extack-msg: .+' "$(grep -E '^(error|extack-msg)' <<< "$out" | tr '\n' ' ')"
t_match "... the echo carries the key attribute, zeroed" \
	"18000500$(printf '00%.0s' $(seq 20))" "$(grep '^echo' <<< "$out")"
t_eq "... no key byte in the echo" "" "$(grep '^echo' <<< "$out" | grep "$K")"
# Two SA nests in one request: the handler sees the last one only.
out=$($GENL --echo SET_DEVICE IFNAME=str:$D SA=nest:$DIR$SPI$ENCKEY SA=nest:$DIR$SPI$ENCKEY)
t_match "SET_DEVICE with two SA nests: error" '^error 22 ' "$(grep '^error' <<< "$out")"
t_eq "... no key byte of either nest in the echo" "" "$(grep '^echo' <<< "$out" | grep "$K")"
t_eq "... no SA on $D" "" "$(awsvpn show $D | grep 'spi 0x')"
ip link del $D

# ================================================================ (d)

ns_create edgens
t_check "devices edge3, edge4 (and edge5 in netns edgens) with SAs, up" \
	eval "awsvpn_add edge3 && awsvpn_add edge4 && awsvpn_add edge5 edgens &&
	      sa_add edge3 out 0x2000 && sa_add edge3 in 0x2001 &&
	      sa_add edge4 out 0x3000 &&
	      awsvpn -n edgens sa add edge5 dir out spi 0x4000 \
		enc aes128-gcm16 key-file $KEY &&
	      ip link set edge3 up && ip link set edge4 up &&
	      ip -n edgens link set edge5 up"
awsvpn monitor --json > "$T_TMP/mon-d.json" 2>&1 &
MON_D=$!
t_on_exit "kill $MON_D"
awsvpn -n edgens monitor --json > "$T_TMP/mon-d5.json" 2>&1 &
MON_D5=$!
t_on_exit "kill $MON_D5"
# The monitors have joined once they see an event.
for _ in $(seq 50); do
	ip link set edge4 down; ip link set edge4 up
	ip -n edgens link set edge5 down; ip -n edgens link set edge5 up
	grep -q '"dev-up"' "$T_TMP/mon-d.json" &&
		grep -q '"dev-up"' "$T_TMP/mon-d5.json" && break
	sleep 0.2
done
t_check "monitors receive events" eval "grep -q dev-up $T_TMP/mon-d.json &&
	grep -q dev-up $T_TMP/mon-d5.json"
# Requests in flight while the module goes.
( for _ in $(seq 400); do
	awsvpn show >/dev/null 2>&1
	awsvpn set edge3 nat-keepalive 20 >/dev/null 2>&1
	$GENL GET_DEVICE IFNAME=str:edge4 >/dev/null 2>&1
  done ) &
REQ=$!
t_on_exit "kill $REQ"
sleep 0.3
n0=$(wc -l < "$T_TMP/mon-d.json") n5=$(wc -l < "$T_TMP/mon-d5.json")
dmesg_mark
t_check "rmmod with devices, SAs, monitors and requests in flight" mod_unload
kill $REQ 2>/dev/null
wait $REQ 2>/dev/null
sleep 0.5
for d in edge3 edge4; do
	t_match "monitor got dev-down of $d at rmmod" \
		"\"dev-down\".*\"$d\"|\"$d\".*\"dev-down\"" \
		"$(tail -n +$((n0 + 1)) "$T_TMP/mon-d.json")"
done
t_match "monitor in edgens got dev-down of edge5 at rmmod" \
	'"dev-down".*"edge5"|"edge5".*"dev-down"' \
	"$(tail -n +$((n5 + 1)) "$T_TMP/mon-d5.json")"
# The SAs go with their devices, and an IKE daemon must hear it.
t_eq "monitor got sa-deleted of each SA of edge3 and edge4 at rmmod" \
	"edge3 in 0x00002001|edge3 out 0x00002000|edge4 out 0x00003000" \
	"$(tail -n +$((n0 + 1)) "$T_TMP/mon-d.json" | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        j = json.loads(line)
    except ValueError:
        continue
    if j.get("event") == "sa-deleted":
        print(j["ifname"], j["dir"], j["spi"])' | sort | paste -sd'|')"
t_match "monitor in edgens got sa-deleted of edge5's SA" \
	'"sa-deleted".*"0x00004000"|"0x00004000".*"sa-deleted"' \
	"$(tail -n +$((n5 + 1)) "$T_TMP/mon-d5.json")"
t_eq "kernel log: no warning, bug or oops" "" \
	"$(dmesg_since | grep -Ei 'WARNING|BUG|Oops|general protection|refcount|list_del|use-after' || true)"
t_match "kernel log: unloaded" 'awsvpn: unloaded' "$(dmesg_since)"
t_check "module loads again" mod_load

t_done
