#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 600
#
# The device's carrier: on only with a remote address and an active
# outbound SA, the reason why not, the carrier events, and the static
# failover it exists for.
#
#   ns cgw: awsvpn0 (local 192.0.2.1, remote 192.0.2.2), 169.254.44.234/30
#           awsvpn1 (local 198.51.100.1, remote 198.51.100.2), 169.254.45.234/30
#           10.99.0.0/24 over awsvpn0 metric 100 and awsvpn1 metric 200,
#           ignore_routes_with_linkdown=1 on both
#      | veth-c1 192.0.2.0/24           | veth-c2 198.51.100.0/24, raw ESP
#   ns aws1: xfrm44 (if_id 44)       ns aws2: xfrm45 (if_id 45)
#            169.254.44.233/30                169.254.45.233/30
#            10.99.0.1 on lo                  10.99.0.1 on lo
#
#   (a) a new device: NO-CARRIER, reason no-remote (ip link, awsvpn show
#       text and JSON, the raw genl attributes); CARRIER and
#       CARRIER_REASON are read-only; remote set: no-sa, no event; an
#       inbound SA changes nothing; the outbound SA brings the carrier up
#       (carrier-up reason ok); remote 0 and back; deleting the outbound
#       SA takes it down (carrier-down reason no-sa)
#   (b) through an XFRM peer: a make-before-break rekey under ping never
#       drops the carrier (no carrier event at all); a packets-hard limit
#       reached by real pings takes it down with reason expired (after
#       sa-hard-expire), later packets never reach the module (tx_no_sa
#       unchanged: linkwatch swapped in the noop qdisc); a new outbound
#       SA brings it back
#   (c) failover: traffic to 10.99.0.0/24 over awsvpn0; its outbound SA
#       deleted: "ip route get" picks awsvpn1 and the pings go through it
#       (counters of both devices); re-added: back over awsvpn0
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd busybox python3

KEYDIR="$AWSVPN_OUT/13-carrier"
SUITE=aes128-gcm16
GENL="python3 $AWSVPN_SRC/selftests/tools/genl.py"
L1=192.0.2.1 R1=192.0.2.2
L2=198.51.100.1 R2=198.51.100.2
C1=169.254.44.234 A1=169.254.44.233
C2=169.254.45.234 A2=169.254.45.233
DST=10.99.0.1

aw() { awsvpn -n cgw "$@"; }

t_check "load awsvpn" mod_load
t_passed || t_done
mkdir -p "$KEYDIR" && chmod 700 "$KEYDIR"

ns_create cgw aws1 aws2
for ns in cgw aws1 aws2; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
veth_pair cgw veth-c1 aws1 veth-a1
veth_pair cgw veth-c2 aws2 veth-a2
ip -n cgw addr add "$L1/24" dev veth-c1
ip -n cgw addr add "$L2/24" dev veth-c2
ip -n aws1 addr add "$R1/24" dev veth-a1
ip -n aws2 addr add "$R2/24" dev veth-a2
ip -n aws1 addr add "$DST/32" dev lo
ip -n aws2 addr add "$DST/32" dev lo

# ------------------------------------------------------------ helpers

# no_carrier DEV: ip link says NO-CARRIER (set by linkwatch, which also
# swaps the qdisc: once it shows, packets no longer reach the module).
no_carrier() {
	ip -n cgw link show dev "$1" | grep -q 'NO-CARRIER'
}

# has_carrier DEV: LOWER_UP and no NO-CARRIER.
has_carrier() {
	local l
	l=$(ip -n cgw link show dev "$1") || return 1
	printf '%s\n' "$l" | grep -q 'LOWER_UP' &&
		! printf '%s\n' "$l" | grep -q 'NO-CARRIER'
}

# carrier_text DEV: the "  carrier: " line of awsvpn show.
carrier_text() { aw show "$1" | sed -n 's/^  carrier: //p'; }

# carrier_json DEV: "carrier carrier_reason" of awsvpn show --json.
carrier_json() {
	aw show "$1" --json |
		json_get '"%s %s" % (j[0].get("carrier"), j[0].get("carrier_reason"))'
}

# carrier_genl DEV: "CARRIER=N CARRIER_REASON=N" of a raw GET_DEVICE.
carrier_genl() {
	ip netns exec cgw $GENL GET_DEVICE IFNAME=str:"$1" |
		grep -o 'CARRIER=[0-9]* CARRIER_REASON=[0-9]*'
}

M="$T_TMP/mon.json"	# awsvpn monitor --json (every device)
lines() { wc -l < "$1"; }

# Wait until the monitor's file stops growing (its pause stretched on a
# slow kernel, where the monitor writes later).
SETTLE=$(tscale 0.3)
settle() {
	local n=-1 i
	for i in $(seq 30); do
		[ "$(lines "$M")" = "$n" ] && return 0
		n=$(lines "$M")
		sleep "$SETTLE"
	done
}

# events FROM [DEV]: the monitor's events after line FROM, one per line,
# "DEV event [dir spi] [reason R]".
events() {
	settle
	python3 - "$M" "$1" "${2:-}" <<-'EOF'
	import json, sys
	for line in open(sys.argv[1]).read().splitlines()[int(sys.argv[2]):]:
	    e = json.loads(line)
	    if sys.argv[3] and e["ifname"] != sys.argv[3]:
	        continue
	    f = [e["ifname"], e["event"]]
	    if "dir" in e:
	        f.append(e["dir"])
	    if "spi" in e:
	        f.append(e["spi"])
	    if "reason" in e:
	        f += ["reason", e["reason"]]
	    print(" ".join(f))
	EOF
}

# ev_count FROM REGEX: events after FROM matching REGEX (no settle).
ev_count() {
	tail -n +"$(($1 + 1))" "$M" | grep -Ec "$2"
}

# pingn COUNT DST [INTERVAL]: "TRANSMITTED RECEIVED" of busybox ping in cgw.
PINGW=$(( 2 * ${AWSVPN_TIMEOUT_SCALE:-1} ))
pingn() {
	local out
	out=$(ip netns exec cgw busybox ping -q -c "$1" -i "${3:-0.2}" -W "$PINGW" \
		"$2" 2>&1)
	printf '%s\n' "$out" | awk '/packets transmitted/ { print $1, $4; f = 1 }
		END { if (!f) print "no-summary" }'
}

# devstat DEV NAME: /sys/class/net/DEV/statistics/NAME in cgw.
devstat() {
	ip netns exec cgw cat "/sys/class/net/$1/statistics/$2"
}

# ctr DEV tx|rx NAME: device counter from the "  tx:" line of awsvpn show -s
# (-s: zero counters too).
ctr() {
	aw show -s "$1" | awk -v l="  $2: " -v n="$3" '
		index($0, l) == 1 {
			k = split(substr($0, length(l) + 1), f, ", ")
			for (i = 1; i <= k; i++) {
				split(f[i], w, " ")
				if (w[2] == n)
					print w[1]
				else if (w[1] == n)
					print w[2]
			}
		}'
}

# route_dev DST: the device "ip route get" picks in cgw.
route_dev() {
	ip -n cgw -j route get "$1" | json_get 'j[0]["dev"]'
}

# keys NAME: a random aes128-gcm16 key, mode 600.
keys() { esp_keygen "$SUITE" "$KEYDIR/$1.key"; }

sa_add() { esp_sa_add cgw "$@"; }

# ------------------------------------------------ (a) a device alone

t_check "awsvpn0 created (no remote, no SA), up" eval \
	'awsvpn_add awsvpn0 cgw && ip -n cgw link set awsvpn0 up'
t_passed || t_done

awsvpn -n cgw monitor --json > "$M" 2> "$M.err" &
MON=$!
t_on_exit "kill $MON"
t_check "monitor receives events" monitor_ready cgw awsvpn0 "$M"

t_check "new device: ip link shows NO-CARRIER" wait_for 5 no_carrier awsvpn0
t_eq "new device: ip link operstate DOWN, no LOWER_UP" "DOWN False" \
	"$(ip -n cgw -j link show dev awsvpn0 | json_get '"%s %s" % (j[0]["operstate"], "LOWER_UP" in j[0]["flags"])')"
t_eq "new device: show text 'carrier: down (no-remote)'" "down (no-remote)" \
	"$(carrier_text awsvpn0)"
t_eq "new device: show --json carrier false, carrier_reason no-remote" \
	"False no-remote" "$(carrier_json awsvpn0)"
t_eq "new device: genl CARRIER 0, CARRIER_REASON 2 (NO_REMOTE)" \
	"CARRIER=0 CARRIER_REASON=2" "$(carrier_genl awsvpn0)"

out=$(ip netns exec cgw $GENL SET_DEVICE IFNAME=str:awsvpn0 CARRIER=u8:1 2>&1)
t_match "raw SET CARRIER=1 rejected: read-only, with extack" \
	'error 22 EINVAL.*extack-msg: the carrier is read-only' \
	"$(printf '%s' "$out" | paste -sd ' ')"
out=$(ip netns exec cgw $GENL SET_DEVICE IFNAME=str:awsvpn0 CARRIER_REASON=u8:1 2>&1)
t_match "raw SET CARRIER_REASON rejected: read-only, with extack" \
	'error 22 EINVAL.*extack-msg: the carrier reason is read-only' \
	"$(printf '%s' "$out" | paste -sd ' ')"
t_eq "still no carrier after the rejected requests" "CARRIER=0 CARRIER_REASON=2" \
	"$(carrier_genl awsvpn0)"

settle
mark=$(lines "$M")
t_check "set local $L1 remote $R1" aw set awsvpn0 local "$L1" remote "$R1"
t_eq "remote set, no SA: down (no-sa)" "down (no-sa)|False no-sa" \
	"$(carrier_text awsvpn0)|$(carrier_json awsvpn0)"
keys in0
keys out0
keys out1
t_check "inbound SA 0x1000 added" sa_add awsvpn0 in 0x1000 "$SUITE" "$KEYDIR/in0.key"
t_eq "an inbound SA alone: still down (no-sa)" "down (no-sa)" "$(carrier_text awsvpn0)"
t_check "ip link still NO-CARRIER" no_carrier awsvpn0
t_eq "no carrier event while it stays off" \
	"awsvpn0 sa-added in 0x00001000" "$(events "$mark" | paste -sd '|')"

mark=$(lines "$M")
t_check "outbound SA 0x2000 added" sa_add awsvpn0 out 0x2000 "$SUITE" "$KEYDIR/out0.key"
t_check "outbound SA: ip link has carrier (LOWER_UP, no NO-CARRIER)" \
	wait_for 5 has_carrier awsvpn0
t_eq "outbound SA: ip link operstate UP" UP \
	"$(ip -n cgw -j link show dev awsvpn0 | json_get 'j[0]["operstate"]')"
t_eq "outbound SA: show text 'carrier: up'" up "$(carrier_text awsvpn0)"
t_eq "outbound SA: show --json carrier true, reason ok" "True ok" \
	"$(carrier_json awsvpn0)"
t_eq "outbound SA: genl CARRIER 1, CARRIER_REASON 1 (OK)" \
	"CARRIER=1 CARRIER_REASON=1" "$(carrier_genl awsvpn0)"
t_eq "events: sa-added out, then carrier-up reason ok" \
	"awsvpn0 sa-added out 0x00002000|awsvpn0 carrier-up reason ok" \
	"$(events "$mark" | paste -sd '|')"
t_match "text monitor line of carrier-up" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z awsvpn0 carrier-up reason ok$' \
	"$(ip netns exec cgw timeout "$(tscale 5)" awsvpn monitor awsvpn0 & sleep "$(tscale 2)";
	   aw set awsvpn0 remote 0.0.0.0; aw set awsvpn0 remote "$R1"; wait)"
t_eq "remote 0 and back: carrier-down reason no-remote, carrier-up" \
	"down (no-remote)|up" \
	"$(aw set awsvpn0 remote 0.0.0.0; carrier_text awsvpn0)|$(aw set awsvpn0 remote "$R1"; carrier_text awsvpn0)"

settle
mark=$(lines "$M")
t_check "outbound SA 0x2000 deleted" aw sa del awsvpn0 dir out spi 0x2000
t_check "deleted: ip link NO-CARRIER" wait_for 5 no_carrier awsvpn0
t_eq "deleted: show down (no-sa), genl 0/3 (NO_SA)" \
	"down (no-sa)|CARRIER=0 CARRIER_REASON=3" \
	"$(carrier_text awsvpn0)|$(carrier_genl awsvpn0)"
t_eq "events: sa-deleted out, then carrier-down reason no-sa" \
	"awsvpn0 sa-deleted out 0x00002000|awsvpn0 carrier-down reason no-sa" \
	"$(events "$mark" | paste -sd '|')"

# A pending SA does not carry traffic until switched to.
t_check "outbound SAs 0x2000 (active) and 0x2001 (pending) added" eval \
	'sa_add awsvpn0 out 0x2000 "$SUITE" "$KEYDIR/out0.key" &&
	 sa_add awsvpn0 out 0x2001 "$SUITE" "$KEYDIR/out1.key"'
t_check "carrier up" wait_for 5 has_carrier awsvpn0
t_check "the active SA deleted, the pending one left" \
	aw sa del awsvpn0 dir out spi 0x2000
t_eq "a pending SA alone: down (no-sa)" "down (no-sa)" "$(carrier_text awsvpn0)"
t_check "switched to the pending SA" aw sa switch awsvpn0 spi 0x2001
t_eq "after the switch: up" up "$(carrier_text awsvpn0)"
aw sa del awsvpn0 dir out spi 0x2001
aw sa del awsvpn0 dir in spi 0x1000

# ------------------------------------- (b) through an XFRM peer: rekey, expiry

t_diag "(a) done after ${SECONDS}s"

t_check "XFRM peer xfrm44 in aws1" esp_xfrm_peer aws1 xfrm44 veth-a1 44 \
	"$R1" "$L1" 0x1000 0x2000 "$SUITE" "$KEYDIR/in0.key" "$KEYDIR/out0.key"
ip -n aws1 addr add "$A1/30" dev xfrm44
ip -n cgw addr add "$C1/30" dev awsvpn0
t_check "awsvpn0 SAs in 0x1000, out 0x2000" eval \
	'sa_add awsvpn0 in 0x1000 "$SUITE" "$KEYDIR/in0.key" &&
	 sa_add awsvpn0 out 0x2000 "$SUITE" "$KEYDIR/out0.key"'
t_check "carrier up" wait_for 5 has_carrier awsvpn0
t_eq "tunnel works: 3 pings" "3 3" "$(pingn 3 "$A1")"

# Make-before-break, as an IKE daemon does it, under a 20/s ping.
xfrm_state() {
	local k
	read -r k < "$4" || return 1
	ip -n aws1 xfrm state add src "$1" dst "$2" proto esp spi "$3" \
		mode tunnel if_id 44 flag af-unspec "${@:5}" \
		aead 'rfc4106(gcm(aes))' "0x$k" 128
}
keys in1
settle
mark=$(lines "$M")
PINGLOG="$T_TMP/ping.log"
# The peer answers on the new SA once it has it: wait for the proof (the
# first-rx event), not a fixed time, before the old SAs go.
first_rx_seen() {
	events "$mark" awsvpn0 | grep -q "sa-first-rx in $1"
}
# Each try pings too: on a slow (debug) guest the steps before can outlast
# the background pinger, and a reply is what moves the peer's traffic.
rx_on() { pingn 1 "$A1" >/dev/null; first_rx_seen "$1"; }
# 3 s of pings at 20/s, longer on a slow guest (the steps take longer).
NPING=$(( 60 * ${AWSVPN_TIMEOUT_SCALE:-1} ))
ip netns exec cgw busybox ping -q -i 0.05 -c "$NPING" -W "$PINGW" "$A1" > "$PINGLOG" 2>&1 &
PINGER=$!
sleep 0.5
t_check "rekey: new inbound SA, XFRM states, new outbound SA, switch, old SAs deleted" eval \
	'sa_add awsvpn0 in 0x1001 "$SUITE" "$KEYDIR/in1.key" &&
	 xfrm_state "$L1" "$R1" 0x2001 "$KEYDIR/out1.key" replay-window 128 &&
	 sa_add awsvpn0 out 0x2001 "$SUITE" "$KEYDIR/out1.key" &&
	 aw sa switch awsvpn0 spi 0x2001 &&
	 xfrm_state "$R1" "$L1" 0x1001 "$KEYDIR/in1.key" &&
	 ip -n aws1 xfrm state delete src "$R1" dst "$L1" proto esp spi 0x1000 &&
	 wait_for 10 rx_on 0x00001001 &&
	 aw sa del awsvpn0 dir out spi 0x2000 &&
	 aw sa del awsvpn0 dir in spi 0x1000 &&
	 ip -n aws1 xfrm state delete src "$L1" dst "$R1" proto esp spi 0x2000'
wait "$PINGER"
t_match "rekey: no ping lost" "$NPING packets transmitted, $NPING packets received" \
	"$(cat "$PINGLOG")"
got=$(events "$mark" awsvpn0)
t_eq "rekey: no carrier event at all (never dropped)" 0 \
	"$(printf '%s\n' "$got" | grep -c carrier)"
t_eq "rekey: the SA events, in order" \
	"sa-added in 0x00001001|sa-added out 0x00002001|sa-switched out 0x00002001|sa-first-rx in 0x00001001|sa-deleted out 0x00002000|sa-deleted in 0x00001000" \
	"$(printf '%s\n' "$got" | grep -v '^awsvpn0 sa-first-rx in 0x00001000' | cut -d' ' -f2- | paste -sd '|')"
t_check "rekey: still carrier" has_carrier awsvpn0

# Hard expiry by real traffic: 5 packets, then the SA is used up.
keys out2
t_check "expiry: outbound SA 0x2002 with limit packets-soft 3 packets-hard 5, switched to" eval \
	'xfrm_state "$L1" "$R1" 0x2002 "$KEYDIR/out2.key" replay-window 128 &&
	 sa_add awsvpn0 out 0x2002 "$SUITE" "$KEYDIR/out2.key" limit packets-soft 3 packets-hard 5 &&
	 aw sa switch awsvpn0 spi 0x2002 && aw sa del awsvpn0 dir out spi 0x2001'
settle
mark=$(lines "$M")
t_eq "expiry: 4 pings answered, carrier still up" "4 4|up" \
	"$(pingn 4 "$A1")|$(carrier_text awsvpn0)"
t_eq "expiry: ping 5 answered (the SA's last packet)" "1 1" "$(pingn 1 "$A1")"
t_check "expiry: carrier-down event" \
	wait_for 5 eval "[ \$(ev_count $mark carrier-down) -ge 1 ]"
t_eq "expiry: events sa-hard-expire (packets), then carrier-down reason expired" \
	"sa-soft-expire out 0x00002002 reason packets|sa-hard-expire out 0x00002002 reason packets|carrier-down reason expired" \
	"$(events "$mark" awsvpn0 | cut -d' ' -f2- | paste -sd '|')"
t_check "expiry: ip link NO-CARRIER" wait_for 5 no_carrier awsvpn0
t_eq "expiry: show down (expired), --json, genl 0/4 (EXPIRED)" \
	"down (expired)|False expired|CARRIER=0 CARRIER_REASON=4" \
	"$(carrier_text awsvpn0)|$(carrier_json awsvpn0)|$(carrier_genl awsvpn0)"
nosa0=$(ctr awsvpn0 tx no-sa) tx0=$(devstat awsvpn0 tx_packets)
t_eq "expiry: 3 more pings: none answered" "3 0" "$(pingn 3 "$A1")"
t_eq "expiry: they never reached the module (tx_no_sa, tx_packets unchanged)" \
	"$nosa0 $tx0" "$(ctr awsvpn0 tx no-sa) $(devstat awsvpn0 tx_packets)"
t_check "expiry: removing the inbound SA keeps reason expired" eval \
	'aw sa del awsvpn0 dir in spi 0x1001 &&
	 sa_add awsvpn0 in 0x1001 "$SUITE" "$KEYDIR/in1.key" &&
	 [ "$(carrier_text awsvpn0)" = "down (expired)" ]'

keys out3
settle
mark=$(lines "$M")
t_check "a new outbound SA 0x2003 (becomes active at once)" eval \
	'xfrm_state "$L1" "$R1" 0x2003 "$KEYDIR/out3.key" replay-window 128 &&
	 sa_add awsvpn0 out 0x2003 "$SUITE" "$KEYDIR/out3.key"'
t_check "carrier back (ip link)" wait_for 5 has_carrier awsvpn0
t_eq "carrier back: up, reason ok, event carrier-up" \
	"up|True ok|sa-added out 0x00002003 carrier-up reason ok" \
	"$(carrier_text awsvpn0)|$(carrier_json awsvpn0)|$(events "$mark" awsvpn0 | cut -d' ' -f2- | paste -sd ' ')"
t_eq "3 pings answered again" "3 3" "$(pingn 3 "$A1")"

# ------------------------------------------------------- (c) failover

t_diag "(b) done after ${SECONDS}s"

keys in5
keys out5
t_check "awsvpn1 to XFRM peer xfrm45 in aws2" eval \
	'esp_xfrm_peer aws2 xfrm45 veth-a2 45 "$R2" "$L2" 0x1005 0x2005 \
		"$SUITE" "$KEYDIR/in5.key" "$KEYDIR/out5.key" &&
	 esp_awsvpn_peer cgw awsvpn1 "$L2" "$R2" 0x2005 0x1005 "$SUITE" \
		"$KEYDIR/out5.key" "$KEYDIR/in5.key"'
ip -n aws2 addr add "$A2/30" dev xfrm45
ip -n cgw addr add "$C2/30" dev awsvpn1
t_check "awsvpn1 has carrier" wait_for 5 has_carrier awsvpn1
t_eq "awsvpn1 works: 2 pings" "2 2" "$(pingn 2 "$A2")"
t_check "routes to 10.99.0.0/24 over awsvpn0 (metric 100) and awsvpn1 (metric 200), ignore_routes_with_linkdown" eval \
	'ip netns exec cgw sysctl -qw net.ipv4.conf.awsvpn0.ignore_routes_with_linkdown=1 \
		net.ipv4.conf.awsvpn1.ignore_routes_with_linkdown=1 &&
	 ip -n cgw route add 10.99.0.0/24 dev awsvpn0 metric 100 &&
	 ip -n cgw route add 10.99.0.0/24 dev awsvpn1 metric 200'

# via DEV: pings to $DST answered, and only DEV's tx_packets moved.
via() {
	local other=$1 a0 b0 a1 b1 r
	[ "$1" = awsvpn0 ] && other=awsvpn1 || other=awsvpn0
	a0=$(devstat "$1" tx_packets) b0=$(devstat "$other" tx_packets)
	r=$(pingn 3 "$DST")
	a1=$(devstat "$1" tx_packets) b1=$(devstat "$other" tx_packets)
	echo "$r $1 +$((a1 - a0)) $other +$((b1 - b0))"
}

t_eq "both up: ip route get $DST picks awsvpn0" awsvpn0 "$(route_dev "$DST")"
t_eq "both up: 3 pings answered over awsvpn0" "3 3 awsvpn0 +3 awsvpn1 +0" \
	"$(via awsvpn0)"
t_check "awsvpn0's outbound SA 0x2003 deleted" aw sa del awsvpn0 dir out spi 0x2003
t_check "awsvpn0 NO-CARRIER" wait_for 5 no_carrier awsvpn0
t_check "ip route get $DST now picks awsvpn1" \
	wait_for 5 eval '[ "$(route_dev "$DST")" = awsvpn1 ]'
t_match "the awsvpn0 route is linkdown" 'dev awsvpn0 .*linkdown' \
	"$(ip -n cgw route show 10.99.0.0/24)"
t_eq "failed over: 3 pings answered over awsvpn1" "3 3 awsvpn1 +3 awsvpn0 +0" \
	"$(via awsvpn1)"
t_check "awsvpn0's outbound SA 0x2003 added again" \
	sa_add awsvpn0 out 0x2003 "$SUITE" "$KEYDIR/out3.key" seq 100
t_check "awsvpn0 has carrier again" wait_for 5 has_carrier awsvpn0
t_check "ip route get $DST picks awsvpn0 again" \
	wait_for 5 eval '[ "$(route_dev "$DST")" = awsvpn0 ]'
t_eq "back: 3 pings answered over awsvpn0" "3 3 awsvpn0 +3 awsvpn1 +0" \
	"$(via awsvpn0)"
t_eq "awsvpn1 never lost its carrier (no carrier-down event)" 0 \
	"$(events 0 awsvpn1 | grep -c carrier-down)"

kill -TERM "$MON"
rc=0
wait "$MON" || rc=$?
t_eq "monitor exits 0 on SIGTERM, wrote nothing to stderr" "0|" \
	"$rc|$(cat "$M.err")"

t_done
