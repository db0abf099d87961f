#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 900
#
# "awsvpn up --route" on AWS's text download of a static-routing
# connection (IKEv2).  The VPC prefix is routed over both tunnels, tunnel 1
# preferred; a device without a usable outbound SA has no carrier and its
# route is skipped (ignore_routes_with_linkdown).  Tunnel 1 is cut in the
# middle of a 10/s ping: charon's DPD declares AWS dead, its SAs go, aws0
# loses its carrier and the kernel routes over aws1 within DPD's detection
# time + 5 s; loss is measured.  Restored, charon re-establishes tunnel 1
# and traffic moves back.  Replies over the tunnel not preferred pass
# strict reverse path filtering; with both tunnels cut the VPC prefix is
# unreachable, never routed in the clear; a --route covering an AWS
# endpoint is refused.  "down" leaves nothing behind.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"
. "$(dirname "$0")/lib-aws.sh"

require_tool
require_cmd charon-systemd swanctl nft python3
up_setup 2 static

F="$T_TMP/vpn-static.txt"
t_check "AWS's text download (static routing, IKEv2)" aws_write_download text 2 static "$F"
chmod 600 "$F"

cgw_up "$F" --name st --route 10.100.0.0/16 --route "$AWS_OUT2/32" && rc=0 || rc=$?
t_eq "up --route covering tunnel 2's AWS endpoint: exit status 1" 1 "$rc"
t_match "... says why" "--route $AWS_OUT2/32 covers tunnel 2's AWS endpoint $AWS_OUT2" \
	"$(cat "$T_TMP/up.out")"
t_eq "... and makes nothing" "" "$(cgw_leftovers)"

t0=$(date +%s%N)
cgw_up "$F" --name st --route 10.100.0.0/16 && rc=0 || rc=$?
T_UP=$(( ($(date +%s%N) - t0) / 1000000 ))
t_eq "awsvpn up --route 10.100.0.0/16: exit status 0" 0 "$rc"
t_diag "$(cat "$T_TMP/up.out")"
t_passed || { t_diag "$(ike_log cgw | tail -n 40)"; t_done; }

t_check "first ping reply across the VPN" wait_for 20 output_is 1 vpc_pings 1
T_TRAFFIC=$(( ($(date +%s%N) - t0) / 1000000 ))
t_diag "awsvpn up took ${T_UP} ms; first ping reply ${T_TRAFFIC} ms after the start"

t_eq "routes: 10.100.0.0/16 over st0 (metric 100), st1 (200), else unreachable (1000)" \
	"10.100.0.0/16 dev st0 proto static metric 100|10.100.0.0/16 dev st1 proto static metric 200|unreachable 10.100.0.0/16 proto static metric 1000" \
	"$(ip -n cgw route show 10.100.0.0/16 | sed 's/ *$//' | paste -sd'|')"
t_eq "ignore_routes_with_linkdown on both devices" "1 1" \
	"$(ip netns exec cgw sysctl -n net.ipv4.conf.st0.ignore_routes_with_linkdown net.ipv4.conf.st1.ignore_routes_with_linkdown | paste -sd' ')"
carrier() { cgw_awsvpn show "$1" --json | json_get '"%s %s" % ("up" if j[0]["carrier"] else "down", j[0]["carrier_reason"])'; }
t_eq "both devices have carrier" "up ok|up ok" "$(carrier st0)|$(carrier st1)"
route_dev() { ip -n cgw route get 10.100.0.1 from 10.200.0.1 2>/dev/null | grep -o 'dev st[01]' | cut -d' ' -f2; }
t_eq "the kernel routes the VPC over st0" st0 "$(route_dev)"

# AWS answers over the tunnel it picks.  cgw filters reverse paths strictly
# (all.rp_filter 1): replies over st1 while the route prefers st0 arrive
# only because up made the devices loose.
t_eq "rp_filter 2 (loose) on st0 and st1" "2 2" \
	"$(ip netns exec cgw sysctl -n net.ipv4.conf.st0.rp_filter net.ipv4.conf.st1.rp_filter | paste -sd' ')"
dev_rx() { cgw_awsvpn show "$1" --json | json_get 'j[0]["stats"]["rx_packets"]'; }
ip -n aws route add "$AWS_LAN_NET" dev xfrm2 metric 1
r1=$(dev_rx st1) a0=$(dev_tx st0)
t_eq "asymmetric: 5 pings out over st0, all 5 answered over st1" 5 "$(vpc_pings 5)"
t_check "... st0 tx +5 or more, st1 rx +5 or more" \
	test $(( $(dev_tx st0) - a0 )) -ge 5 -a $(( $(dev_rx st1) - r1 )) -ge 5
ip -n aws route del "$AWS_LAN_NET" dev xfrm2 metric 1

# ------------------------------------------------------------ failover
aws_ping_start
sleep 2
t_check "cut tunnel 1" aws_cut_tunnel 1
tcut=$(date +%s%N)
t_check "st0 loses its carrier (charon's DPD deleted the SAs)" \
	wait_for 90 output_is "down no-sa" carrier st0
T_DOWN=$(( ($(date +%s%N) - tcut) / 1000000 ))
t_eq "... and the kernel routes over st1" st1 "$(route_dev)"
t_match "ip link shows NO-CARRIER on st0" 'NO-CARRIER' "$(ip -n cgw link show st0)"
# DPD's detection time: dpd_delay (10 s) + charon's retransmits
# (lib-ike: 1.0 s, base 1.4, 3 tries: 1 + 1.4 + 2 + 2.7 s) = 17.1 s.
t_diag "carrier down ${T_DOWN} ms after the cut (DPD detection time 17.1 s)"
# The slack is for a slow guest: times AWSVPN_TIMEOUT_SCALE (debug kernel).
LIMIT=$(( 17100 + 5000 * ${AWSVPN_TIMEOUT_SCALE:-1} ))
t_check "failover within DPD detection time + $(( LIMIT / 1000 - 17 )) s (${T_DOWN} ms <= $LIMIT)" \
	test "$T_DOWN" -le "$LIMIT"
# AWS's side moves on its own DPD: the echoes come back later.
t_check "echoes back (20 replies) within 60 s of the carrier loss" \
	wait_for 60 aws_ping_resumed "$(date +%s)"
read -r _ SENT _ RECV _ LOST _ GAP <<< "$(aws_ping_stop)"
t_diag "failover (static): $SENT sent, $RECV received, $LOST lost, longest gap ${GAP} ms (AWS's side moves on its own DPD)"
b1=$(dev_tx st1)
t_eq "pings after the failover (10)" 10 \
	"$(vpc_pings 10)"
t_check "... through tunnel 2 (st1 tx +10 or more)" test $(( $(dev_tx st1) - b1 )) -ge 10
status=$(cgw_awsvpn status st)
t_diag "$status"
t_match "status: tunnel 1 carrier down (no SA)" 'carrier: down \(no-sa\)' "$status"

aws_ping_start
t_check "restore tunnel 1" aws_restore_tunnel 1
trest=$(date +%s)
t_check "st0 has carrier again (charon re-established tunnel 1)" \
	wait_for 120 output_is "up ok" carrier st0
t_eq "... and the kernel routes over st0 again" st0 "$(route_dev)"
t_diag "tunnel 1 in use again $(( $(date +%s) - trest )) s after the restore"
sleep 3
read -r _ SENT _ RECV _ LOST _ GAP <<< "$(aws_ping_stop)"
t_diag "restore (static): $SENT sent, $RECV received, $LOST lost, longest gap ${GAP} ms"
a0=$(dev_tx st0)
t_eq "pings after the restore (10)" 10 \
	"$(vpc_pings 10)"
t_check "... through tunnel 1 (st0 tx +10 or more)" test $(( $(dev_tx st0) - a0 )) -ge 10

# ------------------------------------------------------------ both down
# Both routes skipped: the VPC prefix must not follow cgw's default route
# (to "net", in the clear) but hit up's unreachable route.
t_check "cut both tunnels" eval "aws_cut_tunnel 1 && aws_cut_tunnel 2"
t_check "st0 and st1 lose their carrier" \
	wait_for 90 output_is "down no-sa|down no-sa" eval 'echo "$(carrier st0)|$(carrier st1)"'
t_match "route get: the VPC is unreachable, not via the default route" \
	'unreachable|No route to host' "$(ip -n cgw route get "$AWS_VPC_ADDR" from "$AWS_LAN_ADDR" 2>&1)"
t_eq "a socket of the LAN address cannot reach the VPC: No route to host" \
	"No route to host" "$(ip netns exec cgw python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
try:
    s.connect((sys.argv[2], 9))
    print("connected via", s.getsockname())
except OSError as e:
    print(e.strerror)' "$AWS_LAN_ADDR" "$AWS_VPC_ADDR")"

cgw_awsvpn down st > "$T_TMP/down.out" 2>&1 && rc=0 || rc=$?
t_eq "awsvpn down: exit 0" 0 "$rc"
t_eq "nothing left behind" "" "$(cgw_leftovers)"
t_done
