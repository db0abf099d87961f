#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 900
# awsvpn-kernels: newest
#
# "awsvpn up" on the other forms of the download and on what goes wrong.
# The XML CustomerGatewayConfiguration (BGP; it names no IKE version, so
# IKEv1 main mode) and an IKEv1 text download (static): both tunnels up,
# traffic, down.  Bad files (the host tests' samples: truncated, missing
# PSK, unknown algorithm, a third tunnel, garbage XML): a clear error
# naming the line or element, and nothing created.  Bad circumstances
# (charon unreachable, charon without kernel-awsvpn, a device name taken,
# --advertise without BGP): refused, nothing created.  A wrong pre-shared
# key: exit 3 with charon's reason, the other tunnel up, down cleans up.
# Behind a NAT with --local: both tunnels on NAT-T, traffic, down.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"
. "$(dirname "$0")/lib-aws.sh"

require_tool
require_cmd charon-systemd swanctl vtysh nft python3
up_setup 1 bgp

# ------------------------------------------------------- XML, BGP, IKEv1
X="$T_TMP/vpn.xml"
t_check "the XML CustomerGatewayConfiguration (BGP)" aws_write_download xml 1 bgp "$X"
chmod 600 "$X"
cgw_up "$X" --name x --advertise 10.200.0.0/24 && rc=0 || rc=$?
t_eq "up (XML): exit 0" 0 "$rc"
t_diag "$(cat "$T_TMP/up.out")"
t_eq "up (XML): both IKE SAs ESTABLISHED in IKEv1, both CHILD_SAs INSTALLED" "2 2" \
	"$(ike_swanctl cgw --list-sas | grep -cE '^x-t[12]: #[0-9]+, ESTABLISHED, IKEv1') $(ike_swanctl cgw --list-sas | grep -cE '^  x-t[12]: #[0-9]+, reqid [0-9]+, INSTALLED')"
t_check "BGP over both tunnels, VPC route learned via tunnel 1" \
	wait_for 90 bgp_has_route cgw 10.100.0.0/16 169.254.10.1
t_eq "ping across (10)" 10 "$(vpc_pings 10)"
t_check "down (XML)" cgw_awsvpn down x
t_eq "nothing left" "" "$(cgw_leftovers)"
wait_for 10 eval '[ -z "$(ike_child_spis aws tunnel1)$(ike_child_spis aws tunnel2)" ]'

# ------------------------------------------------- text, static, IKEv1
S="$T_TMP/vpn-static.txt"
t_check "the text download (static, IKEv1)" aws_write_download text 1 static "$S"
chmod 600 "$S"
# AWS's side of this test speaks BGP: its way back to the LAN is by hand.
ip -n aws route add 10.200.0.0/24 dev xfrm1
cgw_up "$S" --name s --route 10.100.0.0/16 && rc=0 || rc=$?
t_eq "up (text, IKEv1, static): exit 0" 0 "$rc"
t_diag "$(cat "$T_TMP/up.out")"
t_check "traffic passes" wait_for 20 output_is 1 vpc_pings 1
t_eq "ping across (10)" 10 "$(vpc_pings 10)"
t_check "down (text)" cgw_awsvpn down s
ip -n aws route del 10.200.0.0/24 dev xfrm1
t_eq "nothing left" "" "$(cgw_leftovers)"
wait_for 10 eval '[ -z "$(ike_child_spis aws tunnel1)$(ike_child_spis aws tunnel2)" ]'

# ----------------------------------------------------------- bad files
CONF="$AWSVPN_SRC/selftests/host/conf"
bad() {
	local file=$1 re=$2
	cgw_up "$CONF/$file" --name bad && rc=0 || rc=$?
	t_eq "$file: refused (exit 1)" 1 "$rc"
	t_match "$file: says why" "$re" "$(cat "$T_TMP/up.out")"
	t_eq "$file: nothing created" "" "$(cgw_leftovers)"
}
bad bad-truncated.txt 'bad-truncated.txt:[0-9]+: tunnel 2: .* missing'
bad bad-missing-psk.txt 'bad-missing-psk.txt:[0-9]+: tunnel 1: Pre-Shared Key missing'
bad bad-unknown-alg.txt "bad-unknown-alg.txt:[0-9]+: .*'aes-512-cbc' is unknown"
bad bad-third-tunnel.txt 'bad-third-tunnel.txt:[0-9]+: tunnel 3: a VPN connection has exactly two tunnels'
bad bad-xml-garbage.xml 'bad-xml-garbage.xml'
bad bad-xml-third-tunnel.xml 'bad-xml-third-tunnel.xml.*ipsec_tunnel'
t_check "no key in any of those messages" test -z "$(grep -l -F -e "$AWS_PSK1" -e "$AWS_PSK2" "$T_TMP/up.out")"

# ------------------------------------------------ bad circumstances
G="$T_TMP/vpn.txt"
aws_write_download text 1 static "$G"
chmod 600 "$G"
ip netns exec cgw awsvpn up "$G" --name nv --vici "unix://$T_TMP/nonexistent" > "$T_TMP/up.out" 2>&1 && rc=0 || rc=$?
t_eq "charon unreachable: refused" 1 "$rc"
t_match "... says so" 'cannot connect to charon at unix://' "$(cat "$T_TMP/up.out")"
t_eq "... nothing created" "" "$(cgw_leftovers)"

t_check "a charon without kernel-awsvpn (XFRM backend) in ns net" ike_charon net plain xfrm
ip netns exec cgw awsvpn up "$G" --name np --vici "unix://$T_TMP/plain/vici" > "$T_TMP/up.out" 2>&1 && rc=0 || rc=$?
t_eq "charon without the plugin: refused" 1 "$rc"
t_match "... says so" 'charon has not loaded the kernel-awsvpn plugin' "$(cat "$T_TMP/up.out")"
t_eq "... nothing created" "" "$(cgw_leftovers)"
ike_stop plain

ip -n cgw link add taken1 type dummy
cgw_up "$G" --name taken && rc=0 || rc=$?
t_eq "device name taken: refused" 1 "$rc"
t_match "... says which" 'device taken1 exists already' "$(cat "$T_TMP/up.out")"
ip -n cgw link del taken1
t_eq "... nothing created" "" "$(cgw_leftovers)"

cgw_up "$G" --name adv --advertise 10.200.0.0/24 && rc=0 || rc=$?
t_eq "--advertise without BGP: refused" 1 "$rc"
t_eq "... nothing created" "" "$(cgw_leftovers)"
cgw_up "$G" --name pfx --route 10.100.0.1/16 && rc=0 || rc=$?
# A bad --route is a command-line error: exit 2 (usage), nothing read.
t_match "--route with host bits: refused (exit 2), says the network" "^2 .*10.100.0.0/16" "$rc $(cat "$T_TMP/up.out")"

# ------------------------------------------------------ wrong key
W="$T_TMP/vpn-wrongkey.txt"
sed "s/$AWS_PSK2/Wrong_key_for_tunnel2/" "$G" > "$W"
chmod 600 "$W"
ip -n aws route add 10.200.0.0/24 dev xfrm1
cgw_up "$W" --name wk --route 10.100.0.0/16 --timeout 15 && rc=0 || rc=$?
t_diag "$(cat "$T_TMP/up.out")"
t_eq "wrong PSK on tunnel 2: exit 3 (configured, not all up)" 3 "$rc"
t_match "... tunnel 1 up" 'tunnel 1: wk0 up in' "$(cat "$T_TMP/up.out")"
t_match "... tunnel 2 not up, with charon's own lines" 'tunnel 2 \(wk1\): not up after [0-9]+ s: .* charon: ' \
	"$(tr '\n' ' ' < "$T_TMP/up.out")"
t_check "... the key is not in the output" test -z "$(grep -F -e Wrong_key_for_tunnel2 -e "$AWS_PSK1" "$T_TMP/up.out")"
t_eq "traffic over tunnel 1 meanwhile (5)" 5 "$(vpc_pings 5)"
t_check "down after a partial up" cgw_awsvpn down wk
t_eq "nothing left" "" "$(cgw_leftovers)"
ip -n aws route del 10.200.0.0/24 dev xfrm1

# ------------------------------------------------------ behind a NAT
# The gateway's own address becomes 10.0.1.2 behind a NAT in net; AWS
# still knows it as 192.0.2.1 (the download's), so --local names the own
# one and the IKE identity stays the registered one.
t_check "cgw behind a NAT (10.0.1.2, translated to 192.0.2.1 in net)" aws_conn_nat
ip -n aws route add 10.200.0.0/24 dev xfrm1
cgw_up "$G" --name nat --local "$AWS_CGW_PRIV" --route 10.100.0.0/16 && rc=0 || rc=$?
t_diag "$(cat "$T_TMP/up.out")"
t_eq "up --local behind a NAT: exit 0" 0 "$rc"
t_eq "both devices: ESP in UDP on charon's socket (NAT-T)" "udp adopted|udp adopted" \
	"$(for d in nat0 nat1; do cgw_awsvpn show $d --json | json_get '"%s %s" % (j[0]["encap"], j[0]["socket"])'; done | paste -sd'|')"
t_eq "status: NAT-T detected on both tunnels" "true true" \
	"$(cgw_awsvpn status nat --json | json_get '" ".join(str(t["nat"]).lower() for t in j[0]["tunnels"])')"
t_eq "ping across (10)" 10 "$(vpc_pings 10)"
t_check "down (NAT)" cgw_awsvpn down nat
t_eq "nothing left" "" "$(cgw_leftovers)"
t_done
