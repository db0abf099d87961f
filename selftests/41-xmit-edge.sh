#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 600
#
# Transmit edge cases (review issue 11), on the topology of 40-mtu-df-mss
# with aes128-gcm16:
#
#   ns lan:  lan0 10.1.0.2/24, default via the gateway
#   ns cgw:  cgw-lan 10.1.0.1/24, forwarding on; awsvpn0 169.254.44.234/30,
#            10.2.0.0/24 into it; veth-cgw 192.0.2.1/24, veth2-cgw
#            198.51.100.1/24 (a second outer path)
#   ns aws:  veth-aws 192.0.2.2/24, veth2-aws 198.51.100.2/24; xfrm44
#            (XFRM tunnel mode, if_id 44); aws-vpc 10.2.0.1/24
#   ns vpc:  vpc0 10.2.0.2/24
#
# (a) ICMP from ndo_start_xmit reaches the sender (the device keeps the
#     inner route): no route to the remote -> host unreachable at lan;
#     "df keep" and an oversize DF packet at transmit -> frag-needed at the
#     local sender, icmp-sent +1.
# (b) Oversize IPv4 packets reaching transmit are fragmented before
#     encryption and delivered: a local sender through a route "mtu lock
#     9000" (with and without DF, df clear), and a tc redirect from
#     ingress (no route at all); counters exact.
# (c) The remote changed under traffic, many times: afterwards every ESP
#     packet goes to the new remote, out of the interface of its route.
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd python3 tcpdump

PM="python3 $AWSVPN_SRC/selftests/tools/pmtu.py"
KEYDIR="$AWSVPN_OUT/41-xmit-edge"
SO=0x00041000		# awsvpn outbound (cgw -> aws)
SI=0x00041001		# awsvpn inbound (aws -> cgw)
SUITE=aes128-gcm16
LAN4=10.1.0.2 VPC4=10.2.0.2 GW4=10.1.0.1 TUN4=169.254.44.234

t_check "load awsvpn" mod_load
t_passed || t_done
mkdir -p "$KEYDIR" && chmod 700 "$KEYDIR"

show_text() { ip netns exec cgw awsvpn show awsvpn0; }

# stats: "df_reset fragmented fragments icmp" from awsvpn show.
stats() {
	local out
	out=$(show_text)
	[[ $out =~ frag:\ df-reset\ ([0-9]+),\ fragmented\ ([0-9]+),\ fragments\ ([0-9]+),\ icmp-sent\ ([0-9]+) ]] &&
		echo "${BASH_REMATCH[*]:1:4}"
}

# delta "A B C D" "A' B' C' D'": element-wise difference.
delta() {
	local -a a b
	local i out=
	read -ra a <<< "$1"
	read -ra b <<< "$2"
	for i in 0 1 2 3; do
		out="$out $(( ${b[i]:-0} - ${a[i]:-0} ))"
	done
	echo "${out# }"
}

# Echo requests vpc received (Icmp InEchos of its /proc/net/snmp).
vpc_echos() {
	ip netns exec vpc awk '$1 == "Icmp:" && !h { for (i = 2; i <= NF; i++)
		if ($i == "InEchos") c = i; h = 1; next }
		$1 == "Icmp:" { print $c }' /proc/net/snmp
}

# Fragments of LEN bytes (header 20) at MTU, as ip_do_fragment() cuts.
nfrags() { local per=$(( ($2 - 20) / 8 * 8 )); echo $(( ($1 - 20 + per - 1) / per )); }

# ------------------------------------------------------------ topology

ns_create lan cgw aws vpc
veth_pair lan lan0 cgw cgw-lan
veth_pair cgw veth-cgw aws veth-aws
veth_pair cgw veth2-cgw aws veth2-aws
veth_pair aws aws-vpc vpc vpc0
ip -n lan addr add $LAN4/24 dev lan0
ip -n lan route add default via $GW4
ip -n cgw addr add $GW4/24 dev cgw-lan
ip -n cgw addr add 192.0.2.1/24 dev veth-cgw
ip -n cgw addr add 198.51.100.1/24 dev veth2-cgw
ip -n aws addr add 192.0.2.2/24 dev veth-aws
ip -n aws addr add 198.51.100.2/24 dev veth2-aws
ip -n aws addr add 10.2.0.1/24 dev aws-vpc
ip -n vpc addr add $VPC4/24 dev vpc0
ip -n vpc route add default via 10.2.0.1
for ns in cgw aws; do
	ip netns exec $ns sysctl -qw net.ipv4.ip_forward=1
done

setup() {
	local mtu sel
	KOUT="$KEYDIR/out.key" KIN="$KEYDIR/in.key"
	esp_keygen $SUITE "$KOUT"
	esp_keygen $SUITE "$KIN"
	esp_awsvpn_peer cgw awsvpn0 192.0.2.1 192.0.2.2 "$SO" "$SI" $SUITE \
		"$KOUT" "$KIN" || return 1
	ip -n cgw addr add $TUN4/30 dev awsvpn0 &&
	ip -n cgw route add 10.2.0.0/24 dev awsvpn0 || return 1
	mtu=$(ip -n cgw -o link show dev awsvpn0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
	esp_xfrm_peer aws xfrm44 veth-aws 44 192.0.2.2 192.0.2.1 "$SI" "$SO" \
		$SUITE "$KIN" "$KOUT" || return 1
	for sel in 0.0.0.0/0 ::/0; do
		ip -n aws xfrm policy add dir fwd src $sel dst $sel if_id 44 \
			tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel ||
			return 1
	done
	ip -n aws link set xfrm44 mtu "$mtu" &&
	ip -n aws addr add 169.254.44.233/30 dev xfrm44 &&
	ip -n aws route add 10.1.0.0/24 dev xfrm44
}

t_check "tunnel awsvpn0 <-> xfrm44" setup
t_passed || t_done
M=$(ip -n cgw -o link show dev awsvpn0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
t_eq "device mtu 1446 (AWS, GCM)" 1446 "$M"
t_eq "lan -> vpc echo through the tunnel" "reply 200" \
	"$(ip netns exec lan $PM ping --dst $VPC4 --size 200)"

# ================================================================ (a)

# No route to the remote: the gateway answers the forwarded packet.
ip netns exec cgw awsvpn set awsvpn0 remote 203.0.113.9
t_eq "no route to remote: lan gets host unreachable from $GW4" \
	"unreach 3/1 $GW4" "$(ip netns exec lan $PM ping --dst $VPC4 --size 200)"
ip netns exec cgw awsvpn set awsvpn0 remote 192.0.2.2
t_eq "remote back: answered" "reply 200" \
	"$(ip netns exec lan $PM ping --dst $VPC4 --size 200)"

# A route whose MTU is above the device's: local packets reach transmit
# too big.
ip -n cgw route add $VPC4/32 dev awsvpn0 mtu lock 9000
L=3000 N=$(nfrags 3000 "$M")

ip netns exec cgw awsvpn set awsvpn0 df keep
s0=$(stats)
t_match "df keep: $L bytes with DF at transmit -> frag-needed mtu $M to the local sender" \
	"^frag-needed $M " "$(ip netns exec cgw $PM ping --dst $VPC4 --size $L --df)"
t_eq "... df_reset/fragmented/fragments/icmp +0/+0/+0/+1" "0 0 0 1" \
	"$(delta "$s0" "$(stats)")"
ip netns exec cgw awsvpn set awsvpn0 df clear

# ================================================================ (b)

s0=$(stats) e0=$(vpc_echos)
t_eq "route mtu lock 9000: $L bytes without DF from cgw: answered" \
	"reply $L" "$(ip netns exec cgw $PM ping --dst $VPC4 --size $L)"
t_eq "... df_reset/fragmented/fragments/icmp +0/+1/+$N/+0" "0 1 $N 0" \
	"$(delta "$s0" "$(stats)")"
s0=$(stats)
t_eq "route mtu lock 9000: $L bytes with DF, df clear: answered" \
	"reply $L" "$(ip netns exec cgw $PM ping --dst $VPC4 --size $L --df)"
t_eq "... df_reset/fragmented/fragments/icmp +1/+1/+$N/+0" "1 1 $N 0" \
	"$(delta "$s0" "$(stats)")"
t_eq "vpc received both echo requests" 2 $(( $(vpc_echos) - e0 ))

# tc redirect: lan's packets to vpc taken at cgw-lan's ingress straight to
# awsvpn0, before routing: no route on the skb.  1500 bytes, no DF.
L=1500 N=$(nfrags 1500 "$M")
s0=$(stats) e0=$(vpc_echos)
t_check "tc: cgw-lan ingress, ICMP to $VPC4 redirected to awsvpn0" \
	eval "tc -n cgw qdisc add dev cgw-lan clsact &&
	      tc -n cgw filter add dev cgw-lan ingress protocol ip flower \
		dst_ip $VPC4 ip_proto icmp action mirred egress redirect \
		dev awsvpn0"
t_eq "tc redirect: $L bytes from lan, no DF: answered" "reply $L" \
	"$(ip netns exec lan $PM ping --dst $VPC4 --size $L)"
t_eq "... vpc received it" 1 $(( $(vpc_echos) - e0 ))
t_eq "... df_reset/fragmented/fragments/icmp +0/+1/+$N/+0" "0 1 $N 0" \
	"$(delta "$s0" "$(stats)")"
tc -n cgw qdisc del dev cgw-lan clsact
ip -n cgw route del $VPC4/32 dev awsvpn0

# ================================================================ (c)

# Traffic from cgw into the tunnel all along (UDP to vpc, discarded).
ip netns exec cgw python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 60
while time.time() < end:
    try:
        s.sendto(b"x" * 100, ("10.2.0.2", 9))
    except OSError:
        pass
    time.sleep(0.0005)' &
FLOOD=$!
t_on_exit "kill $FLOOD"
sleep 0.5
for i in $(seq 40); do
	if [ $((i % 2)) = 1 ]; then r=198.51.100.2; else r=192.0.2.2; fi
	ip netns exec cgw awsvpn set awsvpn0 remote $r
	sleep 0.05
done
# Last: 192.0.2.2 (i = 40); then 198.51.100.2 once more, and settle.
ip netns exec cgw awsvpn set awsvpn0 remote 198.51.100.2
sleep 0.3
ip netns exec cgw timeout 2 tcpdump -U -nn -i veth-cgw -w "$T_TMP/v1.pcap" \
	esp 2>/dev/null &
C1=$!
ip netns exec cgw timeout 2 tcpdump -U -nn -i veth2-cgw -w "$T_TMP/v2.pcap" \
	esp 2>/dev/null &
C2=$!
wait $C1 $C2
kill $FLOOD 2>/dev/null
wait $FLOOD 2>/dev/null
v1=$(tcpdump -nn -r "$T_TMP/v1.pcap" 2>/dev/null | grep -c 'ESP' || true)
v2=$(tcpdump -nn -r "$T_TMP/v2.pcap" 2>/dev/null | grep -c '> 198.51.100.2: ESP' || true)
t_eq "40 remote changes under traffic, then 198.51.100.2: no ESP on veth-cgw" \
	0 "$v1"
t_match "... ESP to 198.51.100.2 on veth2-cgw ($v2 packets)" '^[1-9][0-9]*$' "$v2"

t_done
