#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 600
#
# Not part of the suite (no number): proves lib-aws.sh's AWS side against
# a customer gateway made of stock parts only - charon with kernel-netlink
# and xfrm interfaces, FRR's bgpd - before awsvpn is tested against it.
#
#   AWSVPN_JOBS=1 AWSVPN_KERNELS=6.12.117+deb12-amd64 \
#       AWSVPN_TESTS=aws-side-selfcheck make check
#
# Mode: IKE version and routing from the first line of
# selftests/aws-side-selfcheck.mode if present ("2 bgp", "1 static"),
# else "2 bgp".  Both tunnels up (IKE and CHILD SAs on both sides), BGP
# Established on both sessions and sides, the VPC prefix learned over
# tunnel 1, LAN to VPC pings; tunnel 1 cut in "net": the time until BGP
# (or, static, AWS's DPD) moves the traffic to tunnel 2 and the loss of a
# 10/s ping; restored: the time until traffic is back on tunnel 1.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"
. "$(dirname "$0")/lib-aws.sh"

MODE="2 bgp"
[ -f "$(dirname "$0")/aws-side-selfcheck.mode" ] &&
	MODE=$(head -n 1 "$(dirname "$0")/aws-side-selfcheck.mode")
read -r VER ROUTING NAT <<< "$MODE"
t_diag "mode: IKEv$VER, $ROUTING routing${NAT:+, $NAT}"

require_cmd charon-systemd swanctl vtysh nft python3 ping
t_check "topology cgw - net - aws" aws_conn_topology
CGW_LOCAL=$AWS_CGW_OUT
if [ "${NAT:-}" = nat ]; then
	t_check "net: NAT in front of cgw" aws_conn_nat
	CGW_LOCAL=$AWS_CGW_PRIV
fi
t_check "aws: charon (IKEv$VER, two tunnels, $ROUTING routing)" \
	aws_charon_start "$VER" "$ROUTING"
t_passed || { t_diag "$(ike_log aws | tail -n 30)"; t_done; }

# ------------------------------------------------ the reference gateway
for n in 1 2; do
	ip -n cgw link add xfrm$n type xfrm dev veth-cgw if_id $n
	ip -n cgw addr add "$(cgw_inside $n)/30" dev xfrm$n
	ip -n cgw link set xfrm$n up
	T_LINKS+=("cgw:xfrm$n")
done
CONF="$T_TMP/cgw.conf"
{
	echo "connections {"
	for n in 1 2; do
		cat <<-EOF
		  tunnel$n {
		    version = $VER
		    local_addrs = $CGW_LOCAL
		    remote_addrs = $(aws_out $n)
		    proposals = aes256-sha256-modp2048
		    dpd_delay = 10s
		    keyingtries = 0
		    $([ "$VER" = 1 ] && echo "dpd_timeout = 30s")
		    local { auth = psk
		      id = $AWS_CGW_OUT }
		    remote { auth = psk
		      id = $(aws_out $n) }
		    children { tunnel$n {
		      local_ts = 0.0.0.0/0
		      remote_ts = 0.0.0.0/0
		      esp_proposals = aes128gcm16-modp2048
		      if_id_in = $n
		      if_id_out = $n
		      replay_window = 1024
		      start_action = start
		      dpd_action = restart
		      close_action = start
		      $([ "$ROUTING" = static ] && echo "updown = $T_TMP/cgw-updown")
		    } }
		  }
		EOF
	done
	echo "}"
	echo "secrets {"
	for n in 1 2; do
		echo "  ike-$n { id-a = $AWS_CGW_OUT"
		echo "    id-b = $(aws_out $n)"
		echo "    secret = \"$(aws_psk $n)\" }"
	done
	echo "}"
} > "$CONF"
# Static routing on the reference gateway: the same updown hook as AWS's,
# for the VPC prefix.
sed -e "s#$AWS_LAN_NET#$AWS_VPC_NET#" -e "s#aws-updown#cgw-updown#" \
	"$T_TMP/aws/updown" > "$T_TMP/cgw-updown"
chmod 755 "$T_TMP/cgw-updown"
IKE_PLUGINS="$IKE_PLUGINS updown" t_check "cgw: stock charon (kernel-netlink)" \
	ike_charon cgw cgw xfrm
t0=$(date +%s%N)
t_check "cgw: load both tunnels (start_action = start)" ike_load cgw "$CONF"
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

both_up() {
	aws_tunnel_installed 1 && aws_tunnel_installed 2 &&
	[ -n "$(ike_child_spis cgw tunnel1)" ] && [ -n "$(ike_child_spis cgw tunnel2)" ]
}
t_check "both tunnels: CHILD_SAs installed on both sides" wait_for 60 both_up
t_passed || { t_diag "$(ike_log aws | tail -n 30)" "$(ike_log cgw | tail -n 30)"; t_done; }
T_SAS=$(ms "$t0")
t_eq "aws: two IKE SAs ESTABLISHED" 2 \
	"$(ike_sa_json aws | grep -c '"state": "ESTABLISHED"')"
t_eq "aws: IKE version" "$VER" \
	"$(ike_sa_json aws | head -n 1 | json_get 'list(j.values())[0]["version"]')"
if [ "${NAT:-}" = nat ]; then
	t_eq "aws: both IKE SAs see the NAT" "yes yes" \
		"$(ike_sa_json aws | python3 -c '
import json, sys
print(" ".join(list(json.loads(l).values())[0].get("nat-remote", "no") for l in sys.stdin))')"
fi
t_diag "aws's IKE SAs: $(ike_sa_json aws | python3 -c '
import json, sys
for l in sys.stdin:
    for n, s in json.loads(l).items():
        print(n, s.get("local-host"), s.get("encr-alg"), s.get("encr-keysize"),
              s.get("integ-alg", ""), s.get("prf-alg"), s.get("dh-group"))
')"

if [ "$ROUTING" = bgp ]; then
	cat > "$T_TMP/cgw-frr.conf" <<-EOF
	route-map TUNNEL2-OUT permit 10
	 set metric 200
	exit
	router bgp $CGW_ASN
	 bgp router-id $AWS_CGW_OUT
 bgp log-neighbor-changes
	 no bgp ebgp-requires-policy
	 neighbor $AWS_INSIDE1 remote-as $AWS_ASN
	 neighbor $AWS_INSIDE1 timers $AWS_KEEPALIVE $AWS_HOLD
	 neighbor $AWS_INSIDE1 timers connect 5
	 neighbor $AWS_INSIDE2 remote-as $AWS_ASN
	 neighbor $AWS_INSIDE2 timers $AWS_KEEPALIVE $AWS_HOLD
	 neighbor $AWS_INSIDE2 timers connect 5
	 address-family ipv4 unicast
	  network $AWS_LAN_NET
	  neighbor $AWS_INSIDE2 route-map TUNNEL2-OUT out
	 exit-address-family
	exit
	EOF
	t_check "cgw: FRR (zebra, bgpd)" frr_start cgw cgw "$T_TMP/cgw-frr.conf"
	t1=$(date +%s%N)
	bgp_all_up() {
		[ "$(bgp_neighbor_state cgw "$AWS_INSIDE1")" = Established ] &&
		[ "$(bgp_neighbor_state cgw "$AWS_INSIDE2")" = Established ] &&
		[ "$(bgp_neighbor_state aws "$CGW_INSIDE1")" = Established ] &&
		[ "$(bgp_neighbor_state aws "$CGW_INSIDE2")" = Established ]
	}
	t_check "BGP: both sessions Established on both sides" wait_for 90 bgp_all_up
	T_BGP=$(ms "$t1")
	t_check "cgw: $AWS_VPC_NET learned, via tunnel 1 ($AWS_INSIDE1)" \
		wait_for 30 bgp_has_route cgw $AWS_VPC_NET $AWS_INSIDE1
	t_check "aws: $AWS_LAN_NET learned, via tunnel 1 ($CGW_INSIDE1)" \
		wait_for 30 bgp_has_route aws $AWS_LAN_NET $CGW_INSIDE1
	t_diag "$(frr_vtysh cgw -c "show ip bgp" | sed -n '/Network/,$p')"
	t_diag "$(frr_vtysh aws -c "show bgp summary" | sed -n '/Neighbor/,/^$/p')"
else
	T_BGP=-
	t_check "aws: route to $AWS_LAN_NET over xfrm1 (metric 100) and xfrm2" \
		wait_for 10 eval "[ \$(ip -n aws route show $AWS_LAN_NET | grep -c xfrm) = 2 ]"
	t_diag "$(ip -n aws route show $AWS_LAN_NET)"
fi

# via N: the route of NS for PREFIX leaves through xfrmN.
via() { ip -n "$1" route get "$2" 2>/dev/null | grep -q "dev xfrm$3 "; }
lanping() { ip netns exec cgw ping -q -c "$1" -i 0.2 -W 2 -I $AWS_LAN_ADDR $AWS_VPC_ADDR 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p'; }
t_check "cgw sends to the VPC over tunnel 1" via cgw $AWS_VPC_ADDR 1
t_check "aws sends to the LAN over tunnel 1" via aws $AWS_LAN_ADDR 1
t_eq "ping $AWS_LAN_ADDR -> $AWS_VPC_ADDR (5)" 5 "$(lanping 5)"
tx1() { ip -n "$1" -s -j link show xfrm1 | json_get 'j[0]["stats64"]["tx"]["packets"]'; }
c0=$(tx1 cgw) a0=$(tx1 aws)
lanping 10 >/dev/null
t_check "the echoes went over tunnel 1 both ways" \
	test "$(( $(tx1 cgw) - c0 ))" -ge 10 -a "$(( $(tx1 aws) - a0 ))" -ge 10

# --------------------------------------------------------- cut tunnel 1
aws_ping_start
sleep 2
tc=$(date +%s%N)
t_check "net: cut tunnel 1 (IKE and ESP to and from $AWS_OUT1)" aws_cut_tunnel 1
moved() { via cgw $AWS_VPC_ADDR 2 && via aws $AWS_LAN_ADDR 2; }
if [ "$ROUTING" = bgp ]; then
	down1() { [ "$(bgp_neighbor_state cgw "$AWS_INSIDE1")" != Established ]; }
	t_check "BGP over tunnel 1 goes down (hold time)" wait_for 90 down1
	T_BGP_DOWN=$(ms "$tc")
else
	T_BGP_DOWN=-
fi
t_check "routes on both sides move to tunnel 2" wait_for 90 moved
T_MOVED=$(ms "$tc")
aws_gone() { ! aws_tunnel_installed 1; }
t_check "aws: DPD removes tunnel 1's CHILD_SA" wait_for 60 aws_gone
T_DPD=$(ms "$tc")
t_check "tunnel 2 still up" aws_tunnel_installed 2
t_eq "ping over tunnel 2 (5)" 5 "$(lanping 5)"
if [ "$ROUTING" = bgp ]; then
	t_check "cgw: $AWS_VPC_NET now via tunnel 2 ($AWS_INSIDE2)" \
		bgp_has_route cgw $AWS_VPC_NET $AWS_INSIDE2
fi
read -r _ S1 _ R1 _ L1 _ G1 <<< "$(aws_ping_stop)"
t_diag "during the cut: sent $S1 received $R1 lost $L1, longest gap ${G1} ms"

# -------------------------------------------------------------- restore
aws_ping_start
sleep 1
tr=$(date +%s%N)
t_check "net: restore tunnel 1" aws_restore_tunnel 1
t_check "tunnel 1's CHILD_SAs are back on both sides" wait_for 120 both_up
T_SA_BACK=$(ms "$tr")
if [ "$ROUTING" = bgp ]; then
	up1() { [ "$(bgp_neighbor_state cgw "$AWS_INSIDE1")" = Established ] &&
		[ "$(bgp_neighbor_state aws "$CGW_INSIDE1")" = Established ]; }
	t_check "BGP over tunnel 1 Established again" wait_for 90 up1
	T_BGP_BACK=$(ms "$tr")
else
	T_BGP_BACK=-
fi
back() { via cgw $AWS_VPC_ADDR 1 && via aws $AWS_LAN_ADDR 1; }
t_check "routes on both sides back on tunnel 1" wait_for 60 back
T_BACK=$(ms "$tr")
sleep 2
read -r _ S2 _ R2 _ L2 _ G2 <<< "$(aws_ping_stop)"
t_diag "during the restore: sent $S2 received $R2 lost $L2, longest gap ${G2} ms"
t_eq "ping over tunnel 1 (5)" 5 "$(lanping 5)"

t_diag "times (ms): both tunnels' SAs $T_SAS, BGP Established $T_BGP;" \
	"cut: BGP down $T_BGP_DOWN, traffic on tunnel 2 $T_MOVED, aws DPD $T_DPD;" \
	"restore: SAs $T_SA_BACK, BGP $T_BGP_BACK, traffic on tunnel 1 $T_BACK"
{
	echo "mode IKEv$VER $ROUTING"
	echo "sas_up_ms $T_SAS bgp_up_ms $T_BGP"
	echo "cut: bgp_down_ms $T_BGP_DOWN moved_ms $T_MOVED aws_dpd_ms $T_DPD ping sent $S1 received $R1 lost $L1 max_gap_ms $G1"
	echo "restore: sas_ms $T_SA_BACK bgp_ms $T_BGP_BACK back_ms $T_BACK ping sent $S2 received $R2 lost $L2 max_gap_ms $G2"
} > "$AWS_LOGS/selfcheck-times.txt"
t_done
