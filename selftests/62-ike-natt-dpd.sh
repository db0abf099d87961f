#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 900
# awsvpn-kernels: newest
#
# On the newest kernel only: the adoption of a socket of userspace's and
# ESP in UDP run on every kernel in 15 (sock-owner) and 30, charon with the
# plugin in 71-up-static.
#
# charon on both ends ("aws": kernel-netlink; "cgw": kernel-awsvpn), the
# customer gateway behind a masquerading NAT:
#   - NAT-T: charon detects the NAT, awsvpn0 switches to ESP in UDP on
#     charon's own port-4500 socket, traffic both ways;
#   - the NAT's mapping changes (new public port, conntrack flushed):
#     traffic resumes, aws's SA follows the new port;
#   - DPD: the path is blocked, both sides declare the peer dead and
#     awsvpn0's SAs go; the path comes back and so does the tunnel;
#   - charon in cgw is killed with SIGKILL and restarted: the SAs it left
#     are removed at start and the tunnel is established again.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

require_tool
require_cmd charon-systemd swanctl busybox python3 nft conntrack
t_check "load awsvpn" mod_load
t_check "kernel-awsvpn plugin installed for the guest's charon" ike_plugin_setup
t_passed || t_done

C_OUT=10.0.1.2		# cgw's own outside address
NAT_PUB=198.51.100.1	# the NAT's public address
A_OUT=198.51.100.2	# AWS's outside address
ns_create cgw nat aws
esp_quiet_ipv6 cgw nat aws
veth_pair cgw veth-cgw nat veth-nin
veth_pair nat veth-nout aws veth-aws
ip -n cgw addr add $C_OUT/24 dev veth-cgw
ip -n cgw route add default via 10.0.1.1
ip -n nat addr add 10.0.1.1/24 dev veth-nin
ip -n nat addr add $NAT_PUB/24 dev veth-nout
ip -n aws addr add $A_OUT/24 dev veth-aws
ip netns exec nat sysctl -qw net.ipv4.ip_forward=1
# nat_port PORT: masquerade UDP from cgw to NAT_PUB:PORT.
nat_port() {
	ip netns exec nat nft -f - <<-EOF
	table ip masq
	delete table ip masq
	table ip masq {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "veth-nout" meta l4proto udp masquerade to :$1
		}
	}
	EOF
}
t_check "nat: masquerade UDP to $NAT_PUB:34500" nat_port 34500

t_check "cgw: awsvpn0, if-id 41" awsvpn_tunnel cgw awsvpn0 41 169.254.44.234
ip -n aws link add xfrm41 type xfrm dev veth-aws if_id 51 &&
	ip -n aws addr add 169.254.44.233/30 dev xfrm41 && ip -n aws link set xfrm41 up
t_check "charon in aws (kernel-netlink)" ike_charon aws aws xfrm
t_check "charon in cgw (kernel-awsvpn)" ike_charon cgw cgw awsvpn
t_passed || t_done

# The configurations of the other tests, with the outside addresses here:
# AWS knows the gateway by its own address as identity.
CONF="$T_TMP/conf"
mkdir -p "$CONF"
IKE_CHILD_EXTRA="      start_action = none"
ike_conf "$CONF/aws.conf" aws 2 aes128-sha256-ecp256 "t1:aes128gcm16-ecp256:51"
IKE_CHILD_EXTRA="      start_action = start
      dpd_action = restart
      close_action = start"
# As a gateway is configured (awsvpn up does): never stop trying.
IKE_EXTRA="  keyingtries = 0"
ike_conf "$CONF/cgw.conf" cgw 2 aes128-sha256-ecp256 "t1:aes128gcm16-ecp256:41"
unset IKE_CHILD_EXTRA IKE_EXTRA
sed -i -e "s/192\.0\.2\.1/$C_OUT/g" -e "s/192\.0\.2\.2/$A_OUT/g" \
	-e '/remote_addrs/s/=.*/= %any/' "$CONF/aws.conf"
sed -i -e "s/192\.0\.2\.1/$C_OUT/g" -e "s/192\.0\.2\.2/$A_OUT/g" "$CONF/cgw.conf"
# cgw's dpd_action restart replaces the default clear; DPD every 2 s.
sed -i '/dpd_action = clear/d' "$CONF/cgw.conf"
sed -i 's/dpd_delay = 10s/dpd_delay = 2s/' "$CONF/cgw.conf" "$CONF/aws.conf"
t_check "aws: load" ike_load aws "$CONF/aws.conf"
t_check "cgw: load (start_action = start)" ike_load cgw "$CONF/cgw.conf"

show() { awsvpn -n cgw show awsvpn0 --json | json_get "j[0]$1"; }
n_sas() { show '["sas"].__len__()'; }
up() { [ "$(n_sas)" = 2 ] && [ "$(esp_ping cgw 1 100 169.254.44.233)" = 1 ]; }
t_check "the tunnel comes up by itself (start_action)" wait_for 40 up
t_passed || { t_diag "$(ike_log cgw | tail -n 30)"; t_diag "aws:"
	      t_diag "$(ike_log aws | tail -n 30)"; t_done; }

# ------------------------------------------------------------------ NAT-T
t_match "charon detected the NAT" 'local host is behind NAT' "$(ike_log cgw)"
t_eq "awsvpn0: ESP in UDP, ports 4500 -> 4500, on charon's socket" \
	"udp 4500 4500 adopted" \
	"$(show '["encap"], j[0]["local_port"], j[0]["remote_port"], j[0]["socket"]' | tr -d "(),'")"
t_eq "pings both ways (10 each)" "10 10" \
	"$(esp_ping cgw 10 100 169.254.44.233) $(esp_ping aws 10 100 169.254.44.234)"
aws_sport() {
	ip -n aws xfrm state | sed -n 's/.*encap type espinudp sport \([0-9]*\) dport 4500.*/\1/p' | sort -u | tr '\n' ' ' | sed 's/ $//'
}
t_eq "aws's SAs: ESP in UDP from the NAT's port 34500" 34500 "$(aws_sport)"
t_check "IKE keeps working on the shared socket (cgw rekeys)" \
	ike_swanctl cgw --rekey --child t1

# The NAT forgets the mapping and picks another port.
t_check "nat: new public port 34600, conntrack flushed" \
	eval 'nat_port 34600 && ip netns exec nat conntrack -F 2>/dev/null'
resumed() {
	[ "$(esp_ping cgw 1 100 169.254.44.233)" = 1 ] &&
		[ "$(esp_ping aws 1 100 169.254.44.234)" = 1 ]
}
t_check "traffic resumes both ways after the mapping change" wait_for 60 resumed
t_eq "aws's SAs follow the new port" 34600 "$(aws_sport)"
t_eq "awsvpn0 still sends to 4500 from charon's socket" "udp 4500 4500 adopted" \
	"$(show '["encap"], j[0]["local_port"], j[0]["remote_port"], j[0]["socket"]' | tr -d "(),'")"

# ------------------------------------------------------------------- DPD
t_check "block the path (nat drops everything)" ip netns exec nat nft -f - <<-EOF
	table inet block {
		chain forward_drop {
			type filter hook forward priority 0; policy drop;
		}
	}
EOF
t_check "cgw declares aws dead, awsvpn0's SAs go" wait_for 60 eval '[ "$(n_sas)" = 0 ]'
aws_dead() { [ -z "$(ip -n aws xfrm state)" ]; }
t_check "aws declares cgw dead, its SAs go" wait_for 60 aws_dead
t_match "cgw's log: DPD" 'giving up after [0-9]+ retransmits|retransmit .* of request' "$(ike_log cgw)"
t_check "unblock" ip netns exec nat nft delete table inet block
t_check "the tunnel comes back by itself (dpd_action restart)" wait_for 90 up

# ------------------------------------------------------ charon killed, restarted
PAIR=$(show '["sas"]' | tr -d ' ')
t_check "kill -9 charon in cgw" ike_stop cgw KILL
t_eq "its SAs stay in awsvpn0 (nobody removed them)" 2 "$(n_sas)"
t_check "start charon in cgw again" ike_charon cgw cgw awsvpn
t_match "the plugin removed the SAs left behind" \
	'kernel-awsvpn: awsvpn0: removed 2 SAs left by an earlier charon' "$(ike_log cgw)"
t_check "cgw: load again (start_action = start)" ike_load cgw "$CONF/cgw.conf"
t_check "the tunnel is established again" wait_for 60 up
t_match "with new SAs" '.' "$( [ "$(show '["sas"]' | tr -d ' ')" != "$PAIR" ] && echo new)"
t_eq "pings both ways (5 each)" "5 5" \
	"$(esp_ping cgw 5 100 169.254.44.233) $(esp_ping aws 5 100 169.254.44.234)"

t_done
