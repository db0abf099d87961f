#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/demo.sh - "make demo": the product as a user meets it.  Run
# inside the test VM by selftests/vm/run-demo (as root, from a checkout with
# awsvpn.ko, the tool and the kernel-awsvpn plugin built).
#
# Stock strongSwan and FRR play AWS's two tunnels of one VPN connection
# (namespace aws, selftests/lib-aws.sh); the customer gateway (namespace
# cgw) is charon with kernel-awsvpn and FRR with an empty configuration.
# "awsvpn up" turns AWS's configuration download into both tunnels and
# BGP; then traffic, a cut of tunnel 1 and the failover, the way back, and
# "awsvpn down".
#
#   ns cgw                     ns net (the internet)   ns aws (VGW + VPC)
#   lan0 10.200.0.1/24                                 vpc0 10.100.0.1/16
#   aws0 / aws1 (awsvpn)                               xfrm1 / xfrm2
#   192.0.2.1 ------------------ router --------------- 198.51.100.1, .2
#
# Every command is printed ("$ ...") before it runs.  Exits non-zero if
# traffic across the VPN fails; everything is removed at exit.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"	# exit handler: namespaces, daemons, $T_TMP
. "$(dirname "$0")/lib-ike.sh"
. "$(dirname "$0")/lib-aws.sh"

FAILED=0

section() { printf '\n=== %s ===  (t+%ds)\n' "$*" "$SECONDS"; }
say() { printf '# %s\n' "$@"; }

# The command line as one would type it: words quoted only where needed.
show_cmd() {
	local a out=
	for a in "$@"; do
		if [[ $a =~ ^[][A-Za-z0-9_./:=@%+,-]+$ ]]; then
			out+=" $a"
		else
			out+=" '${a//\'/\'\\\'\'}'"
		fi
	done
	printf '$%s\n' "$out"
}

# run CMD...: show, then run CMD.  Returns its status.
run() {
	show_cmd "$@"
	"$@"
}

# runsh 'SHELL TEXT': show the text, then run it as shell code (pipes,
# redirections, $(...)).
runsh() {
	printf '$ %s\n' "$1"
	eval "$1"
}

# need CMD...: run, and stop the demo if it fails.
need() {
	run "$@" && return 0
	echo "demo: FAILED: $*"
	exit 1
}

echo "awsvpn demo: an AWS Site-to-Site VPN connection on Linux $(uname -r)"

# ---------------------------------------------------------------------
section "1. The module, and the charon plugin for this VM's strongSwan"
if mod_loaded; then
	say "awsvpn is already loaded"
else
	run modprobe awsvpn || need insmod "$AWSVPN_KO"
fi
[ -x "$AWSVPN_TOOL" ] || { echo "demo: the awsvpn tool is not built ($AWSVPN_TOOL)"; exit 1; }
ike_plugin_setup || { echo "demo: the kernel-awsvpn plugin is not built"; exit 1; }
say "kernel-awsvpn is in /usr/lib/ipsec/plugins (what 'make install' does)"

# ---------------------------------------------------------------------
section "2. The network: customer gateway, internet, AWS"
aws_conn_topology || { echo "demo: topology failed"; exit 1; }
run ip -n cgw -br addr
run ip -n aws -br addr

# ---------------------------------------------------------------------
section "3. AWS's side: stock strongSwan (two tunnels) and FRR bgpd"
say "two outside addresses, an xfrm interface per tunnel, BGP ASN 64512" \
    "advertising the VPC 10.100.0.0/16 (tunnel 2 with a higher MED)"
aws_charon_start 2 bgp || { echo "demo: AWS side failed"; exit 1; }
run ike_swanctl aws --list-conns

# ---------------------------------------------------------------------
section "4. The customer gateway: charon with kernel-awsvpn, FRR, nothing configured"
cgw_start bgp || { echo "demo: cgw daemons failed"; exit 1; }
runsh "grep -o 'loaded plugins: .*' $IKE_LOGS/cgw.log | cut -c1-72"
run ip netns exec cgw ip -br link

# ---------------------------------------------------------------------
section "5. AWS's configuration download (vendor Generic), as saved from the console"
F="$T_TMP/vpn-0a1b2c3d4e5f60718.txt"
aws_write_download text 2 bgp "$F"
run ls -l "$F"
say "tunnel 1's part, without the pre-shared key line:"
runsh "sed -n '/IPSec Tunnel #1/,/IPSec Tunnel #2/p' $F | grep -E '^  - ' | grep -v 'Pre-Shared Key' | head -n 24"

# ---------------------------------------------------------------------
section "6. awsvpn up"
VTYSH="vtysh --vty_socket $T_TMP/frr-cgw"
t0=$SECONDS
run ip netns exec cgw awsvpn up "$F" --name aws --advertise 10.200.0.0/24 \
	--vici "unix://$T_TMP/cgw/vici" --vtysh "$VTYSH" || FAILED=1
first_reply() {
	ip netns exec cgw ping -c 1 -W 1 -I 10.200.0.1 10.100.0.1 >/dev/null 2>&1
}
say "waiting for BGP to bring the VPC route..."
wait_for 90 bgp_has_route cgw 10.100.0.0/16 169.254.10.1 && wait_for 20 first_reply ||
	FAILED=1
T_READY=$((SECONDS - t0))
say "from 'awsvpn up' to traffic passing: ${T_READY} s"

# ---------------------------------------------------------------------
section "7. What up made"
run ip netns exec cgw awsvpn status aws
run ip -n cgw -br addr show type awsvpn
run ip -n cgw route
runsh "ip netns exec cgw $VTYSH -c 'show bgp summary' | grep -E '^(Neighbor|169)'"
run cat /run/awsvpn/aws.frr.conf

# ---------------------------------------------------------------------
section "8. Traffic: LAN 10.200.0.1 -> VPC 10.100.0.1"
run ip netns exec cgw ping -c 5 -i 0.2 -I 10.200.0.1 10.100.0.1 || FAILED=1
if command -v iperf3 >/dev/null; then
	ip netns exec aws iperf3 -s -1 -D -B 10.100.0.1
	wait_for 10 eval "ip netns exec aws ss -Hltn 'sport = :5201' | grep -q ."
	run ip netns exec cgw timeout 60 iperf3 -c 10.100.0.1 -B 10.200.0.1 -n 4M \
		-f m --connect-timeout 5000 || echo "(iperf3 failed)"
fi

# ---------------------------------------------------------------------
section "9. AWS maintenance: tunnel 1 goes away (its IKE and ESP dropped in the internet)"
say "a ping every 0.1 s runs meanwhile"
aws_ping_start
sleep 2
t0=$SECONDS
aws_cut_tunnel 1 || FAILED=1
run ip netns exec net nft list table ip awscut1
say "waiting for the route to move to tunnel 2..."
wait_for 90 bgp_has_route cgw 10.100.0.0/16 169.254.11.1 || FAILED=1
say "the VPC is reached over tunnel 2 after $((SECONDS - t0)) s"
sleep 10
run ip netns exec cgw awsvpn status aws
read -r _ SENT _ RECV _ LOST _ GAP <<< "$(aws_ping_stop)"
say "failover: $SENT pings sent, $RECV answered, longest gap $((GAP / 1000)).$((GAP % 1000 / 100)) s"
run ip netns exec cgw ping -c 3 -i 0.2 -I 10.200.0.1 10.100.0.1 || FAILED=1

# ---------------------------------------------------------------------
section "10. Tunnel 1 is back"
t0=$SECONDS
run ip netns exec net nft delete table ip awscut1
say "charon retries on its own; BGP follows"
wait_for 120 bgp_has_route cgw 10.100.0.0/16 169.254.10.1 || FAILED=1
say "traffic on tunnel 1 again after $((SECONDS - t0)) s"
run ip netns exec cgw awsvpn status aws

# ---------------------------------------------------------------------
section "11. awsvpn down"
run ip netns exec cgw awsvpn down aws || FAILED=1
left=$(cgw_leftovers)
run ip -n cgw -br link
[ -z "$left" ] || { echo "left behind: $left"; FAILED=1; }

# ---------------------------------------------------------------------
section "Summary"
if [ "$FAILED" = 0 ]; then
	echo "both tunnels up and passing traffic ${T_READY} s after awsvpn up; failover to tunnel 2 with a longest gap of $((GAP / 1000)).$((GAP % 1000 / 100)) s; down left nothing (demo: ${SECONDS}s)"
	exit 0
fi
echo "demo FAILED (see above)"
exit 1
