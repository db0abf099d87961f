#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 900
# awsvpn-kernels: newest
#
# "awsvpn up" on AWS's text download of a BGP connection (IKEv2): stock
# strongSwan and FRR play both AWS tunnels (lib-aws.sh); the customer
# gateway is charon with kernel-awsvpn, and FRR with a router of the
# user's own (router bgp 65000 announcing 10.201.0.0/24) that "up" adds
# to.  Both tunnels and both BGP sessions come up, the VPC prefix is
# learned over tunnel 1 (AWS's lower MED), only the --advertise prefix
# goes to AWS (per-neighbour policies; the router's own settings are left
# alone), traffic passes; "up" again changes nothing, and after charon
# restarted, "up" again loads its connections again.  Then tunnel 1 is cut in the middle
# of a 10/s ping: traffic continues over tunnel 2 within BGP's hold time
# (+5 s), loss is measured; restored, tunnel 1 is used again.  "down"
# leaves nothing behind and the user's router as it was.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"
. "$(dirname "$0")/lib-aws.sh"

require_tool
require_cmd charon-systemd swanctl vtysh nft python3
up_setup 2 bgp

F="$T_TMP/vpn-0a1b2c3d4e5f60718.txt"
t_check "AWS's text download for this connection (BGP, IKEv2)" \
	aws_write_download text 2 bgp "$F"
chmod 600 "$F"

# The user's router: its own prefix (a blackhole route, so that bgpd's
# import check passes) is announced to its own peers, never to AWS.
user_router() {
	frr_vtysh cgw -c "configure terminal" -c "router bgp $CGW_ASN" \
		-c "address-family ipv4 unicast" -c "network 10.201.0.0/24"
}
t_check "cgw: the user's router bgp $CGW_ASN with network 10.201.0.0/24" \
	eval "ip -n cgw route add blackhole 10.201.0.0/24 && user_router"
USER_CONF=$(frr_vtysh cgw -c "show running-config" | grep -E '^ *(router bgp|network|bgp )')

t0=$(date +%s%N)
cgw_up "$F" --name aws --advertise 10.200.0.0/24 && rc=0 || rc=$?
T_UP=$(( ($(date +%s%N) - t0) / 1000000 ))
t_eq "awsvpn up: exit status 0" 0 "$rc"
t_diag "$(cat "$T_TMP/up.out")"
t_match "up: both tunnels up" 'tunnel 1: aws0 up in .*tunnel 2: aws1 up in' \
	"$(tr '\n' ' ' < "$T_TMP/up.out")"
t_passed || { t_diag "$(ike_log cgw | tail -n 40)"; t_done; }
t_diag "awsvpn up took ${T_UP} ms (both CHILD_SAs installed)"

t_eq "devices aws0 and aws1, customer side of each /30" \
	"aws0 169.254.10.2/30 aws1 169.254.11.2/30" \
	"$(for d in aws0 aws1; do echo -n "$d $(ip -n cgw -o -4 addr show dev $d | awk '{print $4}') "; done | sed 's/ $//')"
ifid() { cgw_awsvpn show "$1" --json | json_get 'j[0]["if_id"]'; }
t_check "distinct if-ids" test "$(ifid aws0)" != "$(ifid aws1)"

# The SPIs: status = charon (cgw) = device = aws's charon, reversed.
st() { cgw_awsvpn status aws --json | json_get "$1"; }
for n in 1 2; do
	read -r CIN COUT <<< "$(ike_child_spis cgw aws-t$n)"
	read -r AIN AOUT <<< "$(ike_child_spis aws tunnel$n)"
	t_eq "tunnel $n: status shows charon's SPIs (as 0x%08x)" "0x${CIN:-?} 0x${COUT:-?}" \
		"$(st "'%s %s' % (j[0]['tunnels'][$((n-1))]['spi_in'], j[0]['tunnels'][$((n-1))]['spi_out'])")"
	t_eq "tunnel $n: aws's SPIs are cgw's, reversed" "${CIN:-?} ${COUT:-?}" "${AOUT:-x} ${AIN:-y}"
	t_eq "tunnel $n: aws$((n-1)) carries exactly that pair" \
		"in:${CIN:-?} out:${COUT:-?}" \
		"$(cgw_awsvpn show aws$((n-1)) --json | json_get '" ".join(sorted("%s:%08x" % (s["dir"], int(s["spi"], 16)) for s in j[0]["sas"]))')"
done

bgp_up() {
	[ "$(bgp_neighbor_state cgw 169.254.10.1)" = Established ] &&
	[ "$(bgp_neighbor_state cgw 169.254.11.1)" = Established ]
}
t0=$(date +%s)
t_check "BGP: both sessions Established (cgw's FRR, as up configured it)" wait_for 120 bgp_up
t_diag "BGP sessions up $(( $(date +%s) - t0 )) s after awsvpn up returned"
t_eq "BGP: aws sees both sessions Established" "Established Established" \
	"$(bgp_neighbor_state aws 169.254.10.2) $(bgp_neighbor_state aws 169.254.11.2)"
t_check "BGP: cgw learned 10.100.0.0/16 via tunnel 1 (AWS's lower MED)" \
	wait_for 30 bgp_has_route cgw 10.100.0.0/16 169.254.10.1
t_check "BGP: aws learned the advertised 10.200.0.0/24" \
	wait_for 30 bgp_has_route aws 10.200.0.0/24
t_check "BGP: cgw's router has 10.201.0.0/24 in its table" \
	eval "frr_vtysh cgw -c 'show bgp ipv4 unicast 10.201.0.0/24' | grep -q 'best #'"
sleep 2
t_check "BGP: aws did not learn the router's own 10.201.0.0/24 (only --advertise goes out)" \
	eval "! bgp_has_route aws 10.201.0.0/24"
t_eq "cgw: the router's own settings untouched (no 'no bgp ebgp-requires-policy')" "" \
	"$(frr_vtysh cgw -c 'show running-config' | grep 'ebgp-requires-policy')"
t_passed || { t_diag "$(frr_vtysh cgw -c 'show bgp summary'; frr_vtysh cgw -c 'show running-config')"; t_done; }

a0=$(dev_tx aws0); a1=$(dev_tx aws1)
t_eq "ping 10.200.0.1 -> 10.100.0.1 across the VPN (20)" 20 \
	"$(vpc_pings 20)"
t_check "the pings left through tunnel 1 (aws0 tx +20 or more)" test $(( $(dev_tx aws0) - a0 )) -ge 20
t_check "not through tunnel 2 (aws1 tx +less than 20: BGP keepalives only)" test $(( $(dev_tx aws1) - a1 )) -lt 20

status=$(cgw_awsvpn status aws)
t_diag "$status"
t_eq "status: both tunnels ESTABLISHED, INSTALLED, carrier up, BGP Established" \
	"2 2 2 2" \
	"$(echo "$status" | grep -c 'IKE: ESTABLISHED') $(echo "$status" | grep -c 'CHILD SA: INSTALLED') $(echo "$status" | grep -c 'carrier: up') $(echo "$status" | grep -c 'BGP: Established')"

idx() { ip -n cgw -o link show "$1" | cut -d: -f1; }
i0=$(idx aws0)
cgw_up "$F" --name aws --advertise 10.200.0.0/24 && rc=0 || rc=$?
t_eq "up again: exit 0, 'already up'" "0 1" "$rc $(grep -c 'already up' "$T_TMP/up.out")"
t_eq "up again: the same devices (ifindex), one connection pair in charon" \
	"$i0 2" "$(idx aws0) $(ike_swanctl cgw --list-conns | grep -c '^aws-t[12]:')"

# charon restarted under the connection: its connections lived in its
# memory only.  up again loads them again and starts them.
t_check "cgw: charon restarted (no connections loaded)" \
	eval "ike_stop cgw && ike_charon cgw cgw awsvpn &&
	      [ -z \"\$(ike_swanctl cgw --list-conns)\" ]"
cgw_up "$F" --name aws --advertise 10.200.0.0/24 && rc=0 || rc=$?
t_diag "$(cat "$T_TMP/up.out")"
t_eq "up after charon's restart: exit 0, connections loaded again" "0 1" \
	"$rc $(grep -c 'charon lost its connections' "$T_TMP/up.out")"
t_match "... both tunnels up again" 'tunnel 1: aws0 up in .*tunnel 2: aws1 up in' \
	"$(tr '\n' ' ' < "$T_TMP/up.out")"
t_eq "... on the same devices" "$i0" "$(idx aws0)"
t_check "... both BGP sessions Established again" wait_for 120 bgp_up
t_eq "... ping across (10)" 10 "$(vpc_pings 10)"

# ------------------------------------------------------------ failover
aws_ping_start
sleep 2
t_check "cut tunnel 1 (IKE and ESP to/from 198.51.100.1 dropped in net)" aws_cut_tunnel 1
tcut=$(date +%s)
t_check "cgw's route to the VPC moves to tunnel 2" \
	wait_for 60 bgp_has_route cgw 10.100.0.0/16 169.254.11.1
T_MOVE=$(( $(date +%s) - tcut ))
t_diag "route via tunnel 2 after ${T_MOVE} s"
# AWS's side moves on its own (BGP hold time, DPD).  The longest gap
# counts only gaps between replies: the echoes must be back first.
t_check "echoes back (20 replies) within 60 s of the route's move" \
	wait_for 60 aws_ping_resumed "$(date +%s)"
read -r _ SENT _ RECV _ LOST _ GAP <<< "$(aws_ping_stop)"
t_diag "failover (BGP): $SENT sent, $RECV received, $LOST lost, longest gap ${GAP} ms"
t_check "traffic continued over tunnel 2 within 35 s (longest gap ${GAP} ms)" test "$GAP" -le 35000
b1=$(dev_tx aws1)
t_eq "pings after the failover (10)" 10 \
	"$(vpc_pings 10)"
t_check "... through tunnel 2 (aws1 tx +10 or more)" test $(( $(dev_tx aws1) - b1 )) -ge 10

aws_ping_start
t_check "restore tunnel 1" aws_restore_tunnel 1
trest=$(date +%s)
t_check "tunnel 1 comes back by itself (charon retries)" \
	wait_for 120 aws_tunnel_installed 1
t_check "BGP over tunnel 1 Established again" \
	wait_for 120 output_is Established bgp_neighbor_state cgw 169.254.10.1
t_check "the VPC route is back on tunnel 1" \
	wait_for 60 bgp_has_route cgw 10.100.0.0/16 169.254.10.1
t_diag "tunnel 1 in use again $(( $(date +%s) - trest )) s after the restore"
read -r _ SENT _ RECV _ LOST _ GAP <<< "$(aws_ping_stop)"
t_diag "restore (BGP): $SENT sent, $RECV received, $LOST lost, longest gap ${GAP} ms"
a0=$(dev_tx aws0)
t_eq "pings after the restore (10)" 10 \
	"$(vpc_pings 10)"
t_check "... through tunnel 1 again (aws0 tx +10 or more)" test $(( $(dev_tx aws0) - a0 )) -ge 10

# ---------------------------------------------------------------- down
cgw_awsvpn down aws > "$T_TMP/down.out" 2>&1 && rc=0 || rc=$?
t_eq "awsvpn down: exit 0" 0 "$rc"
t_eq "the user's router as it was before up" "$USER_CONF" \
	"$(frr_vtysh cgw -c "show running-config" | grep -E '^ *(router bgp|network|bgp )')"
t_eq "no awsvpn policy left in FRR" "" \
	"$(frr_vtysh cgw -c "show running-config" | grep -E '(route-map|prefix-list) awsvpn-')"
frr_vtysh cgw -c "configure terminal" -c "no router bgp $CGW_ASN"
ip -n cgw route del blackhole 10.201.0.0/24
t_eq "nothing left: devices, routes, addresses, charon, state, FRR neighbours" "" \
	"$(cgw_leftovers)"
t_check "aws: the tunnels' SAs were deleted (cgw told AWS)" \
	wait_for 10 eval '[ -z "$(ike_child_spis aws tunnel1)$(ike_child_spis aws tunnel2)" ]'
t_done
