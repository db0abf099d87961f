# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# selftests/lib-aws.sh - the AWS side of a whole Site-to-Site VPN
# connection (two tunnels, BGP or static routing, a VPC prefix), for the
# "awsvpn up" tests.  Source after lib.sh and lib-ike.sh.
#
# Topology (aws_conn_topology):
#
#   ns cgw                      ns net ("internet")        ns aws (VGW + VPC)
#   lan0  10.200.0.1/24         veth-nc 192.0.2.254/24     veth-aws 198.51.100.1/24
#   veth-cgw 192.0.2.1/24 ----- veth-na 198.51.100.254/24 --      + 198.51.100.2/24
#     default via 192.0.2.254     (forwards; tunnels are    vpc0  10.100.0.1/16
#                                  cut here)                xfrm1 if_id 1 169.254.10.1/30
#                                                           xfrm2 if_id 2 169.254.11.1/30
#
#   tunnel N  AWS outside       inside /30         PSK
#   1         198.51.100.1      169.254.10.0/30    $AWS_PSK1
#   2         198.51.100.2      169.254.11.0/30    $AWS_PSK2
#   AWS .1 and the customer gateway .2 of each /30; BGP: CGW ASN 65000,
#   AWS ASN 64512, hold time 30 s, keepalive 10 s.
#
# The customer gateway's side (awsvpn devices, charon, FRR) is the test's.
#
# FRR (zebra + bgpd per namespace; files in $T_TMP/frr-NAME, logs in
# $AWSVPN_OUT/$T_NAME/frr-NAME-{zebra,bgpd}.log):
#   frr_start NS NAME [CONF]    start zebra and bgpd in NS, then apply CONF
#                               (FRR configuration commands) with vtysh
#   frr_vtysh NAME ARGS...      vtysh against NAME's daemons, e.g.
#                               frr_vtysh aws -c "show bgp summary"
#   frr_stop NAME               stop both daemons
#   bgp_neighbor_state NAME IP  "Established", "Active", ... ("" if unknown)
#   bgp_has_route NAME PREFIX [NEXTHOP]  true if zebra has PREFIX from BGP
#                               selected and in the FIB (via NEXTHOP)
#
# The connection:
#   aws_conn_topology           the namespaces and addresses above
#   aws_conn_nat                optional: cgw behind a NAT in net (cgw's
#                               uplink $AWS_CGW_PRIV, translated to 192.0.2.1)
#   aws_charon_start VER ROUTING  charon "aws" (IKEv1 main mode or IKEv2
#                               responder, both tunnels) and, ROUTING bgp,
#                               FRR "aws"; ROUTING static: routes to the
#                               customer LAN follow the tunnels' state
#   aws_write_download FMT VER ROUTING FILE  AWS's configuration download
#                               for exactly this connection (FMT text|xml)
#   aws_cut_tunnel N / aws_restore_tunnel N  drop (or no longer) IKE and
#                               ESP to and from AWS outside address N in net
#   aws_tunnel_installed N      true if aws has tunnel N's CHILD_SA installed
#   aws_ping_start [NS SRC DST] ping every 0.1 s (default cgw, 10.200.0.1 ->
#                               10.100.0.1) in the background
#   aws_ping_stop               stop it, print "sent N received N lost N
#                               max_gap_ms N" (longest time without a reply)
#
# The customer gateway (the product; end of this file): cgw_start,
# cgw_up, cgw_awsvpn, cgw_leftovers.
#
# Knobs (set before aws_charon_start): AWS_DPD_ACTION (clear; or restart),
# AWS_IKE_LIFETIME (28800), AWS_ESP_LIFETIME (3600), AWS_REKEY_MARGIN
# (270), AWS_DPD_DELAY (10).

# shellcheck disable=SC2034  # some are read through aws_out & co. (eval)
AWS_CGW_OUT=192.0.2.1
AWS_NET_CGW=192.0.2.254
AWS_NET_AWS=198.51.100.254
AWS_OUT1=198.51.100.1
AWS_OUT2=198.51.100.2
AWS_VPC_NET=10.100.0.0/16
AWS_VPC_ADDR=10.100.0.1
AWS_LAN_NET=10.200.0.0/24
AWS_LAN_ADDR=10.200.0.1
AWS_INSIDE1=169.254.10.1	# AWS end; the customer gateway is .2
AWS_INSIDE2=169.254.11.1
CGW_INSIDE1=169.254.10.2
CGW_INSIDE2=169.254.11.2
AWS_ASN=64512
CGW_ASN=65000
AWS_HOLD=30
AWS_KEEPALIVE=10
# AWS's keys: 8..64 characters, letters, digits, "." and "_", not
# starting with 0.
AWS_PSK1="Tk4vQ9mZr2Lx7Wb_pN3s8Hc.J6dF1yGa"
AWS_PSK2="Ue7hB2nK5wR9qX_cM4t1Vz8.L3pS6jDf"
AWS_VPN_ID=vpn-0a1b2c3d4e5f60718
AWS_VGW_ID=vgw-0f1e2d3c4b5a69788
AWS_CGW_ID=cgw-07a8b9c0d1e2f3a4b

: "${AWS_DPD_ACTION:=clear}"
: "${AWS_IKE_LIFETIME:=28800}"
: "${AWS_ESP_LIFETIME:=3600}"
: "${AWS_REKEY_MARGIN:=270}"
: "${AWS_DPD_DELAY:=10}"

AWS_LOGS="$AWSVPN_OUT/$T_NAME"
mkdir -p "$AWS_LOGS"

# aws_out N / aws_inside N / cgw_inside N: tunnel N's addresses.
aws_out() { eval "echo \$AWS_OUT$1"; }
aws_inside() { eval "echo \$AWS_INSIDE$1"; }
cgw_inside() { eval "echo \$CGW_INSIDE$1"; }
aws_psk() { eval "echo \$AWS_PSK$1"; }

# ------------------------------------------------------------------ FRR
#
# Each instance runs zebra and bgpd in the foreground of their own session
# (pids in $T_TMP/frr-NAME), as root: FRR's daemons insist that their user
# belongs to the vty group (frrvty), and "-g frrvty" makes it the primary
# group of root.  Sockets (vty, zserv) and pid files live in $T_TMP (the
# guest's /run/frr is shared by every namespace), no TCP vty (-P 0).

FRR_DIR=/usr/lib/frr

frr_start() {
	local ns=$1 name=$2 conf=${3:-} d="$T_TMP/frr-$2" dmn pid
	mkdir -p "$d"
	: > "$d/empty.conf"
	for dmn in zebra bgpd; do
		rm -f "$d/$dmn.vty" "$AWS_LOGS/frr-$name-$dmn.log"
		ip netns exec "$ns" setsid "$FRR_DIR/$dmn" -u root -g frrvty \
			-i "$d/$dmn.pid" -z "$d/zserv.api" --vty_socket "$d" -P 0 \
			-f "$d/empty.conf" \
			--log "file:$AWS_LOGS/frr-$name-$dmn.log" --log-level debug \
			</dev/null >"$AWS_LOGS/frr-$name-$dmn.stdout" 2>&1 &
		pid=$!
		echo "$pid" > "$d/$dmn.mypid"
		[ "$dmn" = zebra ] && t_on_exit frr_stop "$name"
		wait_for 20 test -S "$d/$dmn.vty" || {
			echo "$dmn of $name did not open its vty socket"
			cat "$AWS_LOGS/frr-$name-$dmn.stdout"
			tail -n 20 "$AWS_LOGS/frr-$name-$dmn.log"
			return 1
		}
	done
	wait_for 20 frr_vtysh "$name" -c "show version" || return 1
	[ -z "$conf" ] || frr_vtysh "$name" -f "$conf"
}

frr_vtysh() {
	local name=$1
	shift
	timeout 60 vtysh --vty_socket "$T_TMP/frr-$name" "$@"
}

frr_stop() {
	local d="$T_TMP/frr-$1" dmn pid
	for dmn in bgpd zebra; do
		pid=$(cat "$d/$dmn.mypid" 2>/dev/null) || continue
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		rm -f "$d/$dmn.mypid"
	done
	return 0
}

bgp_neighbor_state() {
	frr_vtysh "$1" -c "show bgp neighbors $2 json" 2>/dev/null | python3 -c '
import json, sys
try:
    print(json.load(sys.stdin)[sys.argv[1]]["bgpState"])
except Exception:
    print("")
' "$2"
}

bgp_has_route() {
	frr_vtysh "$1" -c "show ip route $2 json" 2>/dev/null | python3 -c '
import json, sys
pfx, nh = sys.argv[1], sys.argv[2]
try:
    routes = json.load(sys.stdin).get(pfx, [])
except Exception:
    sys.exit(1)
for r in routes:
    if r.get("protocol") == "bgp" and r.get("selected") and r.get("installed"):
        hops = [h.get("ip") for h in r.get("nexthops", []) if h.get("fib")]
        if not nh or nh in hops:
            sys.exit(0)
sys.exit(1)
' "$2" "${3:-}"
}

# ------------------------------------------------------------- topology

aws_conn_topology() {
	ns_create cgw net aws &&
	esp_quiet_ipv6 cgw net aws &&
	veth_pair cgw veth-cgw net veth-nc &&
	veth_pair net veth-na aws veth-aws || return 1
	ip -n cgw addr add $AWS_CGW_OUT/24 dev veth-cgw &&
	ip -n cgw route add default via $AWS_NET_CGW &&
	ip -n cgw link add lan0 type dummy &&
	ip -n cgw addr add $AWS_LAN_ADDR/24 dev lan0 &&
	ip -n cgw link set lan0 up &&
	ip -n net addr add $AWS_NET_CGW/24 dev veth-nc &&
	ip -n net addr add $AWS_NET_AWS/24 dev veth-na &&
	ip -n aws addr add $AWS_OUT1/24 dev veth-aws &&
	ip -n aws addr add $AWS_OUT2/24 dev veth-aws &&
	ip -n aws route add default via $AWS_NET_AWS &&
	ip -n aws link add vpc0 type dummy &&
	ip -n aws addr add $AWS_VPC_ADDR/16 dev vpc0 &&
	ip -n aws link set vpc0 up || return 1
	T_LINKS+=("cgw:lan0" "aws:vpc0")
	ip netns exec net sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec aws sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 &&
	# cgw filters strictly, as some distributions do by default: AWS
	# answers over the tunnel it picks, which up's loose devices allow.
	ip netns exec cgw sysctl -qw \
		net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1 ||
		return 1
	local n
	for n in 1 2; do
		ip -n aws link add xfrm$n type xfrm dev veth-aws if_id $n &&
		ip -n aws addr add "$(aws_inside $n)/30" dev xfrm$n &&
		ip -n aws link set xfrm$n up || return 1
		T_LINKS+=("aws:xfrm$n")
	done
}

# aws_conn_nat: put the customer gateway behind a NAT in net (call after
# aws_conn_topology, before the daemons start).  cgw's uplink becomes
# $AWS_CGW_PRIV/24 (default via 10.0.1.1 in net), and net translates its
# traffic to the address AWS knows, 192.0.2.1 (source NAT with port
# rewriting, like a home router); IKE identities stay 192.0.2.1.
AWS_CGW_PRIV=10.0.1.2
aws_conn_nat() {
	ip -n cgw addr flush dev veth-cgw &&
	ip -n cgw addr add $AWS_CGW_PRIV/24 dev veth-cgw &&
	ip -n cgw route replace default via 10.0.1.1 &&
	ip -n net addr flush dev veth-nc &&
	ip -n net addr add 10.0.1.1/24 dev veth-nc || return 1
	ip netns exec net nft -f - <<-EOF
	table ip awsnat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "veth-na" ip saddr 10.0.1.0/24 meta l4proto udp snat to $AWS_CGW_OUT:30000-39999 random
			oifname "veth-na" ip saddr 10.0.1.0/24 snat to $AWS_CGW_OUT
		}
	}
	EOF
}

# ---------------------------------------------------------- AWS's charon

# What AWS accepts (aws-facts.md), in strongSwan's words.  IKEv1 has no
# AEAD IKE SA.  AWS picks the lowest acceptable proposal, and a strongSwan
# responder picks in its own order: weakest first.
AWS_DH_IKE="modp1024-modp2048-modp3072-modp4096-modp6144-modp8192-ecp256-ecp384-ecp521-modp1024s160-modp2048s224-modp2048s256"
AWS_DH_ESP="modp1024-modp1536-modp2048-modp3072-modp4096-modp6144-modp8192-ecp256-ecp384-ecp521-modp1024s160-modp2048s224-modp2048s256"
aws_ike_proposals() {
	local cbc="aes128-aes256-sha1-sha256-sha384-sha512-$AWS_DH_IKE"
	if [ "$1" = 1 ]; then
		echo "$cbc"
	else
		echo "$cbc,aes128gcm16-aes256gcm16-prfsha1-prfsha256-prfsha384-prfsha512-$AWS_DH_IKE"
	fi
}
aws_esp_proposals() {
	echo "aes128-aes256-sha1-sha256-sha384-sha512-$AWS_DH_ESP,aes128gcm16-aes256gcm16-$AWS_DH_ESP"
}

# aws_swanctl_conf VER ROUTING FILE: both tunnels as AWS runs them.
aws_swanctl_conf() {
	local ver=$1 routing=$2 f=$3 n
	{
		echo "connections {"
		for n in 1 2; do
			cat <<-EOF
			  tunnel$n {
			    version = $ver
			    $([ "$ver" = 1 ] && echo "aggressive = no")
			    local_addrs = $(aws_out $n)
			    remote_addrs = %any
			    proposals = $(aws_ike_proposals "$ver")
			    rekey_time = $((AWS_IKE_LIFETIME - AWS_REKEY_MARGIN))s
			    over_time = ${AWS_REKEY_MARGIN}s
			    rand_time = ${AWS_REKEY_MARGIN}s
			    dpd_delay = ${AWS_DPD_DELAY}s
			    $([ "$ver" = 1 ] && echo "dpd_timeout = 30s")
			    mobike = no
			    local {
			      auth = psk
			      id = $(aws_out $n)
			    }
			    remote {
			      auth = psk
			      id = $AWS_CGW_OUT
			    }
			    children {
			      tunnel$n {
			        mode = tunnel
			        local_ts = 0.0.0.0/0
			        remote_ts = 0.0.0.0/0
			        esp_proposals = $(aws_esp_proposals)
			        if_id_in = $n
			        if_id_out = $n
			        replay_window = 1024
			        life_time = ${AWS_ESP_LIFETIME}s
			        rekey_time = $((AWS_ESP_LIFETIME - AWS_REKEY_MARGIN))s
			        rand_time = ${AWS_REKEY_MARGIN}s
			        dpd_action = $AWS_DPD_ACTION
			        start_action = none
			        close_action = none
			        $([ "$routing" = static ] && echo "updown = $T_TMP/aws/updown")
			      }
			    }
			  }
			EOF
		done
		echo "}"
		echo "secrets {"
		for n in 1 2; do
			cat <<-EOF
			  ike-tunnel$n {
			    id-aws = $(aws_out $n)
			    id-cgw = $AWS_CGW_OUT
			    secret = "$(aws_psk $n)"
			  }
			EOF
		done
		echo "}"
	} > "$f"
	chmod 600 "$f"
}

# Static routing: AWS sends to the customer's prefix over the tunnels that
# are up, tunnel 1 first.  xfrm interfaces have no carrier, so charon's
# updown hook (the updown plugin) adds tunnel N's route (metric N*100)
# when its CHILD_SA comes up and removes it when the SA goes (DPD action
# clear, a delete from the peer): like AWS, which stops using a tunnel
# that its DPD declared down.
aws_updown_script() {
	cat > "$1" <<-EOF
	#!/bin/sh
	# charon's updown hook in ns aws: PLUTO_VERB, PLUTO_IF_ID_OUT.
	n=\$PLUTO_IF_ID_OUT
	case "\$PLUTO_VERB" in
	up-client)
	    ip route replace $AWS_LAN_NET dev xfrm\$n metric \$((n * 100)) ;;
	down-client)
	    ip route del $AWS_LAN_NET dev xfrm\$n metric \$((n * 100)) ;;
	*)  exit 0 ;;
	esac
	echo "\$(date +%T) \$PLUTO_VERB tunnel\$n: \$?" >> $AWS_LOGS/aws-updown.log
	exit 0
	EOF
	chmod 755 "$1"
}

# aws_frr_conf FILE: bgpd as the virtual private gateway.  Tunnel 2's
# advertisements carry the higher MED, so the customer prefers tunnel 1.
aws_frr_conf() {
	cat > "$1" <<-EOF
	route-map TUNNEL1-OUT permit 10
	 set metric 100
	exit
	route-map TUNNEL2-OUT permit 10
	 set metric 200
	exit
	router bgp $AWS_ASN
	 bgp router-id $AWS_OUT1
	 bgp log-neighbor-changes
	 no bgp ebgp-requires-policy
	 no bgp network import-check
	 neighbor $CGW_INSIDE1 remote-as $CGW_ASN
	 neighbor $CGW_INSIDE1 timers $AWS_KEEPALIVE $AWS_HOLD
	 neighbor $CGW_INSIDE1 timers connect 5
	 neighbor $CGW_INSIDE2 remote-as $CGW_ASN
	 neighbor $CGW_INSIDE2 timers $AWS_KEEPALIVE $AWS_HOLD
	 neighbor $CGW_INSIDE2 timers connect 5
	 address-family ipv4 unicast
	  network $AWS_VPC_NET
	  neighbor $CGW_INSIDE1 route-map TUNNEL1-OUT out
	  neighbor $CGW_INSIDE2 route-map TUNNEL2-OUT out
	 exit-address-family
	exit
	EOF
}

aws_charon_start() {
	local ver=$1 routing=$2 d="$T_TMP/aws"
	case "$ver:$routing" in
	[12]:bgp|[12]:static) ;;
	*) echo "usage: aws_charon_start 1|2 bgp|static"; return 1 ;;
	esac
	mkdir -p "$d"
	aws_updown_script "$d/updown"
	aws_swanctl_conf "$ver" "$routing" "$d/swanctl.conf"
	# DPD: AWS declares a peer dead after about 30 s without an answer
	# (IKEv2: 4 + 5.6 + 7.8 + 11 s of retransmits after the DPD delay).
	IKE_PLUGINS="$IKE_PLUGINS updown" ike_charon aws aws xfrm "
	    retransmit_timeout = 4.0
	    retransmit_base = 1.4
	    retransmit_tries = 3" || return 1
	ike_load aws "$d/swanctl.conf" || return 1
	if [ "$routing" = bgp ]; then
		aws_frr_conf "$d/frr.conf"
		frr_start aws aws "$d/frr.conf" || return 1
	fi
}

aws_tunnel_installed() {
	[ -n "$(ike_child_spis aws "tunnel$1")" ]
}

# ------------------------------------------------------- cutting a tunnel

aws_cut_tunnel() {
	local a
	a=$(aws_out "$1")
	ip netns exec net nft -f - <<-EOF
	table ip awscut$1 {
		chain forward {
			type filter hook forward priority 0; policy accept;
			ip daddr $a udp dport { 500, 4500 } drop
			ip saddr $a udp sport { 500, 4500 } drop
			ip daddr $a ip protocol esp drop
			ip saddr $a ip protocol esp drop
		}
	}
	EOF
}

aws_restore_tunnel() {
	ip netns exec net nft delete table ip "awscut$1"
}

# ------------------------------------------------------ measuring loss

aws_ping_start() {
	local ns=${1:-cgw} src=${2:-$AWS_LAN_ADDR} dst=${3:-$AWS_VPC_ADDR}
	ip netns exec "$ns" ping -D -n -i 0.1 -W 1 -I "$src" "$dst" \
		> "$T_TMP/aws-ping.log" 2>&1 &
	echo $! > "$T_TMP/aws-ping.pid"
	t_on_exit kill "$!"
}

# aws_ping_resumed SINCE: the ping of aws_ping_start got 20 replies (two
# seconds of them) stamped after SINCE (seconds since the epoch): traffic
# flows again after a failover, both ways.
aws_ping_resumed() {
	awk -v s="$1" -F'[][]' '/ bytes from / && $2 + 0 > s + 0 { n++ }
		END { exit !(n >= 20) }' "$T_TMP/aws-ping.log"
}

aws_ping_stop() {
	local pid
	pid=$(cat "$T_TMP/aws-ping.pid" 2>/dev/null) || return 1
	kill -INT "$pid" 2>/dev/null
	for _ in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$T_TMP/aws-ping.pid"
	cp "$T_TMP/aws-ping.log" "$AWS_LOGS/aws-ping.log" 2>/dev/null
	python3 - "$T_TMP/aws-ping.log" <<-'EOF'
	import re, sys
	sent = recv = 0
	times = []
	for line in open(sys.argv[1]):
	    m = re.match(r"\[([0-9.]+)\] \d+ bytes from .*icmp_seq=(\d+)", line)
	    if m:
	        times.append(float(m.group(1)))
	        continue
	    m = re.match(r"(\d+) packets transmitted, (\d+) received", line)
	    if m:
	        sent = int(m.group(1))
	recv = len(times)
	gap = max((b - a for a, b in zip(times, times[1:])), default=0)
	print("sent %d received %d lost %d max_gap_ms %d" %
	      (sent, recv, max(sent - recv, 0), round(gap * 1000)))
	EOF
}

# ----------------------------------------------------- the download
#
# aws_write_download FMT VER ROUTING FILE: what the console's "Download
# configuration" (vendor "Generic") or describe-vpn-connections'
# CustomerGatewayConfiguration (FMT xml) gives for this connection.  Like
# AWS's, the algorithms are the minimum example proposal (AES128, SHA1,
# group 2); the tunnels accept every AWS suite.  Lifetimes are the
# tunnels' (AWS_IKE_LIFETIME, AWS_ESP_LIFETIME), DPD 10 s / 3 retries.
# The text names the IKE version ("IKEv1"/"IKEv2"; "Phase 1 Negotiation
# Mode : main" for IKEv1 only); the XML form names none (AWS's does not
# either) and has <mode>main</mode> for both.

aws_write_download() {
	local fmt=$1 ver=$2 routing=$3 f=$4
	case "$fmt:$ver:$routing" in
	text:[12]:bgp|text:[12]:static|xml:[12]:bgp|xml:[12]:static) ;;
	*) echo "usage: aws_write_download text|xml 1|2 bgp|static FILE"; return 1 ;;
	esac
	# Mode 600 from the start: it holds the keys.
	(umask 077 && "_aws_download_$fmt" "$ver" "$routing" |
		sed '/^@@drop@@$/d' > "$f") && chmod 600 "$f"
}

_aws_download_text() {
	local ver=$1 routing=$2 n
	cat <<-EOF
	Amazon Web Services
	Virtual Private Cloud

	AWS utilizes unique identifiers to manipulate the configuration of
	a VPN Connection. Each VPN Connection is assigned an identifier and is
	associated with two other identifiers, namely the
	Customer Gateway Identifier and Virtual Private Gateway Identifier.

	Your VPN Connection ID                  : $AWS_VPN_ID
	Your Virtual Private Gateway ID         : $AWS_VGW_ID
	Your Customer Gateway ID                : $AWS_CGW_ID


	This configuration consists of two tunnels. Both tunnels must be
	configured on your Customer Gateway.

	EOF
	for n in 1 2; do
		cat <<-EOF
		--------------------------------------------------------------------------------
		IPSec Tunnel #$n
		--------------------------------------------------------------------------------
		#1: Internet Key Exchange Configuration

		Configure the IKE SA as follows:
		Please note, these sample configurations are for the minimum requirement of AES128, SHA1, and DH Group 2.
		Category "VPN" connections in the GovCloud region have a minimum requirement of AES128, SHA2, and DH Group 14.
		You will need to modify these sample configuration files to take advantage of AES256, SHA256, or other DH groups like 2, 14-18, 22, 23, and 24.
		NOTE: If you customized tunnel options when creating or modifying your VPN connection, you may need to modify these sample configurations to match the custom settings for your tunnels.

		Higher parameters are only available for VPNs of category "VPN," and not for "VPN-Classic".
		The address of the external interface for your customer gateway must be a static address.
		Your customer gateway may reside behind a device performing network address translation (NAT).
		To ensure that NAT traversal (NAT-T) can function, you must adjust your firewall rules to unblock UDP port 4500.
		If not behind NAT, and you are not using an Accelerated VPN, we recommend disabling NAT-T. If you are using an Accelerated VPN, make sure that NAT-T is enabled.

		  - IKE version              : IKEv$ver
		  - Authentication Method    : Pre-Shared Key
		  - Pre-Shared Key           : $(aws_psk $n)
		  - Authentication Algorithm : sha1
		  - Encryption Algorithm     : aes-128-cbc
		  - Lifetime                 : $AWS_IKE_LIFETIME seconds
		$([ "$ver" = 1 ] && echo "  - Phase 1 Negotiation Mode : main" || echo @@drop@@)
		  - Diffie-Hellman           : Group 2

		#2: IPSec Configuration

		Configure the IPSec SA as follows:
		Category "VPN" connections in the GovCloud region have a minimum requirement of AES128, SHA2, and DH Group 14.
		Please note, you may use these additionally supported IPSec parameters for encryption like AES256 and other DH groups like 2, 5, 14-18, 22, 23, and 24.
		NOTE: If you customized tunnel options when creating or modifying your VPN connection, you may need to modify these sample configurations to match the custom settings for your tunnels.

		Higher parameters are only available for VPNs of category "VPN," and not for "VPN-Classic".

		  - Protocol                 : esp
		  - Authentication Algorithm : hmac-sha1-96
		  - Encryption Algorithm     : aes-128-cbc
		  - Lifetime                 : $AWS_ESP_LIFETIME seconds
		  - Mode                     : tunnel
		  - Perfect Forward Secrecy  : Diffie-Hellman Group 2

		IPSec Dead Peer Detection (DPD) will be enabled on the AWS Endpoint. We
		recommend configuring DPD on your endpoint as follows:
		  - DPD Interval             : 10
		  - DPD Retries              : 3

		IPSec ESP (Encapsulating Security Payload) inserts additional
		headers to transmit packets. These headers require additional space,
		which reduces the amount of space available to transmit application data.
		To limit the impact of this behavior, we recommend the following
		configuration on your Customer Gateway:
		  - TCP MSS Adjustment       : 1379 bytes
		  - Clear Don't Fragment Bit : enabled
		  - Fragmentation            : Before encryption

		#3: Tunnel Interface Configuration

		Your Customer Gateway must be configured with a tunnel interface that is
		associated with the IPSec tunnel. All traffic transmitted to the tunnel
		interface is encrypted and transmitted to the Virtual Private Gateway.

		The Customer Gateway and Virtual Private Gateway each have two addresses that relate
		to this IPSec tunnel. Each contains an outside address, upon which encrypted
		traffic is exchanged. Each also contain an inside address associated with
		the tunnel interface.

		The Customer Gateway outside IP address was provided when the Customer Gateway
		was created. Changing the IP address requires the creation of a new
		Customer Gateway.

		The Customer Gateway inside IP address should be configured on your tunnel
		interface.

		Outside IP Addresses:
		  - Customer Gateway                 : $AWS_CGW_OUT
		  - Virtual Private Gateway          : $(aws_out $n)

		Inside IP Addresses
		  - Customer Gateway                 : $(cgw_inside $n)/30
		  - Virtual Private Gateway          : $(aws_inside $n)/30

		Configure your tunnel to fragment at the optimal size:
		  - Tunnel interface MTU     : 1436 bytes

		EOF
		if [ "$routing" = bgp ]; then
			# AWS's own tabs and spacing.
			printf '%s\n' \
			"#4: Border Gateway Protocol (BGP) Configuration:" "" \
			"The Border Gateway Protocol (BGPv4) is used within the tunnel, between the inside" \
			"IP addresses, to exchange routes from the VPC to your home network. Each" \
			"BGP router has an Autonomous System Number (ASN). Your ASN was provided" \
			"to AWS when the Customer Gateway was created." "" \
			"BGP Configuration Options:" \
			"  - Customer Gateway ASN	          : $CGW_ASN" \
			"  - Virtual Private Gateway ASN          : $AWS_ASN" \
			"  - Neighbor IP Address     		  : $(aws_inside $n)" \
			"  - Neighbor Hold Time       : $AWS_HOLD" "" \
			"Configure BGP to announce routes to the Virtual Private Gateway. The gateway" \
			"will announce prefixes to your customer gateway based upon the prefix you" \
			"assigned to the VPC at creation time." "" ""
		else
			cat <<-EOF
			#4: Static Routing Configuration:

			To route traffic between your internal network and your VPC,
			you will need a static route added to your router.

			Static Route Configuration Options:

			  - Next hop       : $(aws_inside $n)

			You should add static routes towards your internal network on the VGW.
			The VGW will then send traffic towards your internal network over
			the tunnels.


			EOF
		fi
	done
	cat <<-EOF
	Additional Notes and Questions
	  - Amazon Virtual Private Cloud Getting Started Guide:
	        http://docs.amazonwebservices.com/AmazonVPC/latest/GettingStartedGuide
	  - Amazon Virtual Private Cloud Network Administrator Guide:
	        http://docs.amazonwebservices.com/AmazonVPC/latest/NetworkAdminGuide
	EOF
}

_aws_download_xml() {
	local routing=$2 n side out in asn
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo "<vpn_connection id=\"$AWS_VPN_ID\">"
	echo "  <customer_gateway_id>$AWS_CGW_ID</customer_gateway_id>"
	echo "  <vpn_gateway_id>$AWS_VGW_ID</vpn_gateway_id>"
	echo "  <vpn_connection_type>ipsec.1</vpn_connection_type>"
	for n in 1 2; do
		echo "  <ipsec_tunnel>"
		for side in customer_gateway vpn_gateway; do
			if [ $side = customer_gateway ]; then
				out=$AWS_CGW_OUT in=$(cgw_inside $n) asn=$CGW_ASN
			else
				out=$(aws_out $n) in=$(aws_inside $n) asn=$AWS_ASN
			fi
			echo "    <$side>"
			echo "      <tunnel_outside_address>"
			echo "        <ip_address>$out</ip_address>"
			echo "      </tunnel_outside_address>"
			echo "      <tunnel_inside_address>"
			echo "        <ip_address>$in</ip_address>"
			echo "        <network_mask>255.255.255.252</network_mask>"
			echo "        <network_cidr>30</network_cidr>"
			echo "      </tunnel_inside_address>"
			if [ "$routing" = bgp ]; then
				echo "      <bgp>"
				echo "        <asn>$asn</asn>"
				echo "        <hold_time>$AWS_HOLD</hold_time>"
				echo "      </bgp>"
			fi
			echo "    </$side>"
		done
		cat <<-EOF
		    <ike>
		      <authentication_protocol>sha1</authentication_protocol>
		      <encryption_protocol>aes-128-cbc</encryption_protocol>
		      <lifetime>$AWS_IKE_LIFETIME</lifetime>
		      <perfect_forward_secrecy>group2</perfect_forward_secrecy>
		      <mode>main</mode>
		      <pre_shared_key>$(aws_psk $n)</pre_shared_key>
		    </ike>
		    <ipsec>
		      <protocol>esp</protocol>
		      <authentication_protocol>hmac-sha1-96</authentication_protocol>
		      <encryption_protocol>aes-128-cbc</encryption_protocol>
		      <lifetime>$AWS_ESP_LIFETIME</lifetime>
		      <perfect_forward_secrecy>group2</perfect_forward_secrecy>
		      <mode>tunnel</mode>
		      <clear_df_bit>true</clear_df_bit>
		      <fragmentation_before_encryption>true</fragmentation_before_encryption>
		      <tcp_mss_adjustment>1379</tcp_mss_adjustment>
		      <dead_peer_detection>
		        <interval>10</interval>
		        <retries>3</retries>
		      </dead_peer_detection>
		    </ipsec>
		  </ipsec_tunnel>
		EOF
	done
	echo "</vpn_connection>"
}

# ------------------------------------------------- the customer gateway
#
# The product on the customer's side: charon with kernel-awsvpn ("cgw")
# and, for BGP, FRR ("cgw") without any configuration of its own: what
# "awsvpn up" adds is all it has.
#
#   up_setup VER ROUTING        everything below, as the first checks
#   cgw_start ROUTING           charon (and FRR for bgp) in ns cgw
#   cgw_up FILE [ARGS...]       awsvpn up FILE against them (output in
#                               $T_TMP/up.out, status in $?)
#   cgw_awsvpn ARGS...          the tool in ns cgw
#   output_is EXPECTED CMD...   true if CMD prints EXPECTED (wait_for)
#   vpc_pings N                 answered pings of N, LAN -> VPC
#   dev_tx DEV                  tx packets of awsvpn device DEV in cgw
#   cgw_leftovers               what an "up" could have left behind, one
#                               line each (devices, routes, addresses,
#                               charon connections and SAs, state files,
#                               FRR neighbours); nothing when clean

# up_setup VER ROUTING: the module and plugin, the topology, AWS's side
# (IKEv VER, ROUTING bgp|static) and the gateway's daemons, as checks;
# the file ends (t_done) if any fails.
up_setup() {
	t_check "load awsvpn" mod_load
	t_check "kernel-awsvpn plugin installed for the guest's charon" ike_plugin_setup
	t_check "topology: cgw -- net -- aws (two AWS outside addresses, VPC 10.100.0.0/16)" \
		aws_conn_topology
	t_check "aws: charon (IKEv$1, both tunnels, $2 routing)" aws_charon_start "$1" "$2"
	t_check "cgw: charon (kernel-awsvpn)$([ "$2" = bgp ] && echo ", FRR with an empty configuration")" \
		cgw_start "$2"
	t_passed || t_done
}

# vpc_pings N: how many of N pings from the LAN (10.200.0.1) to the VPC
# (10.100.0.1), 0.1 s apart, were answered.
vpc_pings() {
	ip netns exec cgw ping -c "$1" -i 0.1 -W 2 -I "$AWS_LAN_ADDR" "$AWS_VPC_ADDR" |
		grep -c 'bytes from' || true
}

# dev_tx DEV: packets awsvpn device DEV (in cgw) has sent.
dev_tx() { cgw_awsvpn show "$1" --json | json_get 'j[0]["stats"]["tx_packets"]'; }

cgw_start() {
	ike_charon cgw cgw awsvpn || return 1
	[ "$1" != bgp ] || frr_start cgw cgw
}

cgw_awsvpn() { ip netns exec cgw awsvpn "$@"; }

# output_is EXPECTED CMD...: CMD prints EXPECTED (for wait_for, which
# runs CMD again each time; "test $(...)" would be evaluated only once).
output_is() { [ "$("${@:2}")" = "$1" ]; }

cgw_up() {
	local f=$1
	shift
	cgw_awsvpn up "$f" --vici "unix://$T_TMP/cgw/vici" \
		--vtysh "vtysh --vty_socket $T_TMP/frr-cgw" "$@" \
		> "$T_TMP/up.out" 2>&1
}

cgw_leftovers() {
	ip -n cgw -o link show type awsvpn | awk '{print "device", $2}'
	ip -n cgw route show | grep -v -e ' dev lan0 ' -e ' dev veth-cgw ' \
		-e '^default via' | sed 's/^/route /'
	ip -n cgw -o addr show | grep -v -e ' lo ' -e ' lan0 ' -e ' veth-cgw ' |
		awk '{print "address", $2, $4}'
	ike_swanctl cgw --list-conns 2>/dev/null | grep -E '^[^ ].*:' |
		sed 's/^/charon connection /'
	ike_swanctl cgw --list-sas 2>/dev/null | grep -E '^[^ ].*:' |
		sed 's/^/charon SA /'
	ls /run/awsvpn 2>/dev/null | sed 's/^/state /'
	if [ -S "$T_TMP/frr-cgw/bgpd.vty" ]; then
		frr_vtysh cgw -c "show running-config" 2>/dev/null |
			grep -E '^ (neighbor|network) ' | sed 's/^ */frr /'
	fi
	return 0
}
