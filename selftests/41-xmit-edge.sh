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
#     ingress (no route at all), also of a UDP GSO packet whose segments
#     exceed the MTU; counters exact.  A packet socket's IPv4 header
#     shorter than its IHL is refused.
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

show_text() { awsvpn -n cgw show -s awsvpn0; }

# stats: "df_reset fragmented fragments icmp" from awsvpn show -s (-s: the
# counters that are 0 too).
stats() {
	local out
	out=$(show_text)
	[[ $out =~ frag:\ df-reset\ ([0-9]+),\ fragmented\ ([0-9]+),\ fragments\ ([0-9]+),\ icmp-sent\ ([0-9]+) ]] &&
		echo "${BASH_REMATCH[*]:1:4}"
}

# delta "A B ..." "A' B' ...": element-wise difference, as many elements as
# the longer list.
delta() {
	local -a a b
	local i n out=
	read -ra a <<< "$1"
	read -ra b <<< "$2"
	n=$(( ${#a[@]} > ${#b[@]} ? ${#a[@]} : ${#b[@]} ))
	for ((i = 0; i < n; i++)); do
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
# No IPv6 of awsvpn0's own (router solicitations, MLD): (b) counts its
# transmitted packets exactly.
esp_quiet_ipv6 cgw
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
awsvpn -n cgw set awsvpn0 remote 203.0.113.9
t_eq "no route to remote: lan gets host unreachable from $GW4" \
	"unreach 3/1 $GW4" "$(ip netns exec lan $PM ping --dst $VPC4 --size 200)"
awsvpn -n cgw set awsvpn0 remote 192.0.2.2
t_eq "remote back: answered" "reply 200" \
	"$(ip netns exec lan $PM ping --dst $VPC4 --size 200)"

# A route whose MTU is above the device's: local packets reach transmit
# too big.
ip -n cgw route add $VPC4/32 dev awsvpn0 mtu lock 9000
L=3000 N=$(nfrags 3000 "$M")

awsvpn -n cgw set awsvpn0 df keep
s0=$(stats)
t_match "df keep: $L bytes with DF at transmit -> frag-needed mtu $M to the local sender" \
	"^frag-needed $M " "$(ip netns exec cgw $PM ping --dst $VPC4 --size $L --df)"
t_eq "... df_reset/fragmented/fragments/icmp +0/+0/+0/+1" "0 0 0 1" \
	"$(delta "$s0" "$(stats)")"
awsvpn -n cgw set awsvpn0 df clear

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

# A UDP GSO packet from lan (UDP_SEGMENT: 4 datagrams of 1500 bytes, no DF,
# one skb over the veth), redirected as it is: nothing cut it to awsvpn0's
# MTU before transmit (routing would have), so transmit does, and each
# segment is fragmented as above.  Sent whole, each would be an ESP packet
# too big for veth-cgw with the outer DF set: lost.
N=$(nfrags 1500 "$M")
s0=$(stats)
t_check "tc: cgw-lan ingress, UDP to $VPC4 redirected to awsvpn0" \
	tc -n cgw filter add dev cgw-lan ingress protocol ip flower \
		dst_ip $VPC4 ip_proto udp action mirred egress redirect \
		dev awsvpn0
ip netns exec vpc $PM udp-recv --port 5003 --out "$T_TMP/gso.rx" \
	--ready "$T_TMP/gso.ready" --timeout "$(tscale 20)" --count 4 &
GRX=$!
wait_for 10 test -e "$T_TMP/gso.ready"
t_eq "tc redirect: one UDP GSO packet from lan, 4 x 1500 bytes: sent" sent \
	"$(ip netns exec lan $PM udp-send --dst $VPC4 --port 5003 --size 1500 --gso 4)"
wait $GRX
t_eq "... vpc received 4 datagrams of 1472 bytes" "1472 1472 1472 1472" \
	"$(echo $(cat "$T_TMP/gso.rx"))"
t_eq "... df_reset/fragmented/fragments/icmp +0/+4/+$((4 * N))/+0" \
	"0 4 $((4 * N)) 0" "$(delta "$s0" "$(stats)")"
tc -n cgw qdisc del dev cgw-lan clsact
ip -n cgw route del $VPC4/32 dev awsvpn0

# Inner "IPv4" packets handed to transmit by a packet socket: a header
# shorter than its own IHL says is refused (tx_errors), never encrypted;
# fragmenting it would copy IHL * 4 bytes from past its end.
txc() {
	ip -n cgw -j -s link show dev awsvpn0 |
		json_get '"%d %d" % (j[0]["stats64"]["tx"]["packets"], j[0]["stats64"]["tx"]["errors"])'
}
# After version/IHL, TOS, length: id, flags, TTL 64, UDP, checksum, addresses.
IPH=0000000040110000$(printf '%02x' 10 1 0 2 10 2 0 2)
c0=$(txc)
t_eq "packet socket: a 20-byte IPv4 header, ihl 5: sent" sent \
	"$(ip netns exec cgw $PM l3-send --dev awsvpn0 --hex "45000014$IPH")"
t_eq "... tx_packets +1, tx_errors +0" "1 0" "$(delta "$c0" "$(txc)")"
c0=$(txc)
ip netns exec cgw $PM l3-send --dev awsvpn0 --hex "44000014$IPH" >/dev/null
ip netns exec cgw $PM l3-send --dev awsvpn0 \
	--hex "4f000028$IPH$(printf '%040d' 0)" >/dev/null
t_eq "packet socket: ihl 4, and ihl 15 in 40 bytes: refused, tx_packets +0, tx_errors +2" \
	"0 2" "$(delta "$c0" "$(txc)")"

# ================================================================ (c)

# Traffic from cgw into the tunnel all along (UDP to vpc, discarded), until
# killed: on a busy host the 40 changes alone can take a minute.
ip netns exec cgw python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
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
	awsvpn -n cgw set awsvpn0 remote $r
	sleep 0.05
done
# Last: 192.0.2.2 (i = 40); then 198.51.100.2 once more, and settle.
awsvpn -n cgw set awsvpn0 remote 198.51.100.2
sleep 0.3
# Three seconds on the old link; the new one until 20 packets (at most 10 s:
# tcpdump's own start can take seconds on a busy host).
ip netns exec cgw timeout 3 tcpdump -U -nn -i veth-cgw -w "$T_TMP/v1.pcap" \
	esp 2>/dev/null &
C1=$!
ip netns exec cgw timeout 10 tcpdump -U -nn -c 20 -i veth2-cgw -w "$T_TMP/v2.pcap" \
	esp 2>/dev/null &
C2=$!
wait $C1 $C2
kill $FLOOD 2>/dev/null
wait $FLOOD 2>/dev/null
v1=$(tcpdump -nn -r "$T_TMP/v1.pcap" 2>/dev/null | grep -c '> 192.0.2.2: ESP' || true)
v2=$(tcpdump -nn -r "$T_TMP/v2.pcap" 2>/dev/null | grep -c '> 198.51.100.2: ESP' || true)
# Only what the device sends to the old remote counts: the peer may send
# ESP back on the old link (ICMP for the discarded UDP), legitimately.
t_eq "40 remote changes under traffic, then 198.51.100.2: no ESP to 192.0.2.2 on veth-cgw" \
	0 "$v1"
[ "$v1" = 0 ] || t_diag "$(tcpdump -nn -r "$T_TMP/v1.pcap" 2>/dev/null | head -n 5)"
t_match "... ESP to 198.51.100.2 on veth2-cgw ($v2 packets)" '^[1-9][0-9]*$' "$v2"

# ================================================================ (d)

# NAT-T on awsvpn1 over an adopted socket that has UDP_GRO set, GRO on
# veth-cgw.  netem slots on veth-aws let the ESP-in-UDP packets arrive in
# bursts, so that GRO sees many of one flow in one poll; act_csum gives
# them the UDP checksum XFRM leaves at 0 (UDP GRO wants one).  TSO off on
# veth-aws: veth_xmit() only takes the NAPI (GRO) path of veth-cgw for an
# skb from a TSO-capable sender if it is a socket's (sock_wfree) and
# veth-cgw forwards UDP GRO; without this nothing is ever merged, and the
# part proves nothing.  The merging itself is checked on veth-cgw (packet
# taps see the skb after GRO), independently of awsvpn's counters.
NATT="$AWSVPN_SRC/selftests/tools/natt_sock.py"
S2I=0x00041101
K2="$KEYDIR/natt.key"
gro_setup() {
	esp_keygen $SUITE "$K2" &&
	awsvpn_add awsvpn1 cgw &&
	awsvpn -n cgw set awsvpn1 local 192.0.2.1 remote 192.0.2.2 \
		nat-keepalive 0 &&
	esp_sa_add cgw awsvpn1 in $S2I $SUITE "$K2" &&
	ip -n cgw addr add 169.254.45.2/30 dev awsvpn1 &&
	ip -n cgw link set awsvpn1 up || return 1
	ip -n aws link add xfrm45 type xfrm dev veth-aws if_id 45 || return 1
	T_LINKS+=("aws:xfrm45")
	esp_xfrm_alg $SUITE "$K2"
	ip -n aws xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp \
		spi $S2I mode tunnel if_id 45 flag af-unspec \
		encap espinudp 4500 4500 0.0.0.0 "${ESP_ALG[@]}" &&
	ip -n aws xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 \
		if_id 45 tmpl src 192.0.2.2 dst 192.0.2.1 proto esp \
		mode tunnel &&
	ip -n aws addr add 169.254.45.1/30 dev xfrm45 &&
	ip -n aws link set xfrm45 up &&
	ip netns exec cgw ethtool -K veth-cgw gro on &&
	ip netns exec aws ethtool -K veth-aws tso off &&
	ip -n aws link set veth-aws mtu 1500 &&
	tc -n aws qdisc add dev veth-aws root netem slot 100ms 100ms \
		packets 64 limit 10000 &&
	tc -n aws qdisc add dev veth-aws clsact &&
	tc -n aws filter add dev veth-aws egress protocol ip u32 \
		match ip protocol 17 0xff \
		action pedit munge offset 26 u16 set 1 pipe \
		action csum udp
}
t_check "NAT-T device awsvpn1 <- xfrm45 (encap espinudp), GRO on veth-cgw" \
	gro_setup
AD="$T_TMP/adopt"
mkdir -p "$AD"
ip netns exec cgw python3 "$NATT" adopt --dev awsvpn1 --addr 192.0.2.1 \
	--port 4500 --dir "$AD" --gro &
ADOPT=$!
t_on_exit "touch $AD/close; kill $ADOPT"
wait_for 10 test -e "$AD/ready"
t_eq "awsvpn1 adopts a UDP 4500 socket with UDP_GRO set" 0 \
	"$(cat "$AD/set.rc" 2>/dev/null)"
dst1() { awsvpn -n cgw show awsvpn1 --json | json_get "j[0][\"stats\"][\"$1\"]"; }
# Everything veth-cgw receives on 4500 while the bursts go (after GRO).
# tcpdump creates the file once it captures (its start can take seconds).
ip netns exec cgw timeout 60 tcpdump -U -nn -i veth-cgw -w "$T_TMP/gro.pcap" \
	udp port 4500 2>/dev/null &
GCAP=$!
wait_for 10 test -e "$T_TMP/gro.pcap"
# Bursts of 40 datagrams of 1000 bytes, 10 times.
ip netns exec aws python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for burst in range(10):
    for i in range(40):
        s.sendto(bytes([burst]) * 1000, ("169.254.45.2", 9))
    time.sleep(0.1)'
wait_for 5 eval '[ "$(dst1 rx_packets)" = 400 ]'
sleep 1
kill -INT $GCAP 2>/dev/null
wait $GCAP 2>/dev/null
# One ESP-in-UDP datagram is 1092 bytes; anything longer than the MTU
# seen on veth-cgw is datagrams GRO merged.
gall=$(tcpdump -nn -r "$T_TMP/gro.pcap" 2>/dev/null | grep -c 'UDP-encap' || true)
gbig=$(tcpdump -nn -r "$T_TMP/gro.pcap" 'greater 1515' 2>/dev/null |
	grep -c 'UDP-encap' || true)
t_match "GRO merged the ESP-in-UDP datagrams: $gbig of $gall packets on veth-cgw longer than the MTU" \
	'^[1-9][0-9]*$' "$gbig"
t_eq "400 datagrams in bursts: 400 decapsulated, none failed (rx_packets auth_fail bad_trailer errors)" \
	"400 0 0 0" \
	"$(dst1 rx_packets) $(dst1 rx_auth_fail) $(dst1 rx_bad_trailer) $(dst1 rx_errors)"
t_diag "ESP in UDP on veth-cgw:" \
	"$(tcpdump -nn -v -r "$T_TMP/gro.pcap" 2>/dev/null | head -n 6)"

t_done
