#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 1200
#
# ESP interoperability with the kernel's own IPsec, for every AWS suite.
#
#   ns cgw: awsvpn0 (local 192.0.2.1, remote 192.0.2.2)
#           169.254.44.234/30, fd00:44::2/64
#      | veth 192.0.2.0/24, raw ESP (IP protocol 50)
#   ns aws: xfrm44 (xfrm interface, if_id 44, tunnel-mode states/policies)
#           169.254.44.233/30, fd00:44::1/64
#
# Per suite (fresh devices and random keys, key files mode 600 in
# $AWSVPN_OUT/20-esp-interop/): pings both ways, IPv4 and IPv6 (next header
# 4 and 41), sizes 56, 1000, 1372 and 2000 (fragmented by the inner stack);
# then the exact counters: awsvpn tx == xfrm44 rx and vice versa (packets
# and bytes), per-SA == device, ip -s link == awsvpn show, SA sequence
# numbers == packets, XFRM state packets, and the byte count computed from
# the ping sizes.  Then an iperf3 TCP transfer each way and the same
# equalities again, with every error counter on both sides still 0.
#
# xfrm44 gets the awsvpn MTU (so both sides fragment alike) and
# gso_max_segs 1: an xfrm interface counts a GSO packet once, awsvpn counts
# the ESP packets it becomes.
# no "set -u": a missing counter must fail a check, not abort the file
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd iperf3 busybox python3 jq

SIZES="56 1000 1372 2000"
COUNT=1			# echoes per size, family and direction
IPERF_BYTES=1M
KEYDIR="$AWSVPN_OUT/20-esp-interop"

t_check "load awsvpn" mod_load
t_passed || t_done
mkdir -p "$KEYDIR" && chmod 700 "$KEYDIR"

t_check "namespaces cgw and aws over veth" esp_topology

# A sequence of "name=value" equalities as one TAP line: "a/b/c".
t_same() {
	t_eq "$1" "$2" "$3"
}

# iperf_ok RECEIVED TUNNEL_BYTES: "ok", or the numbers.
iperf_ok() {
	if [ "${1:-0}" -gt 524288 ] 2>/dev/null && [ "$1" -le "$2" ]; then
		echo ok
	else
		echo "received ${1:-?} tunnel $2"
	fi
}

check_equalities() {
	local s=$1 phase=$2
	t_same "$s: $phase: xfrm44 rx packets/bytes == awsvpn0 tx" \
		"$A_tx_packets/$A_tx_bytes" "$X_rx_packets/$X_rx_bytes"
	t_same "$s: $phase: awsvpn0 rx packets/bytes == xfrm44 tx" \
		"$X_tx_packets/$X_tx_bytes" "$A_rx_packets/$A_rx_bytes"
	t_same "$s: $phase: per-SA counters == device counters" \
		"$A_tx_packets/$A_tx_bytes/$A_rx_packets/$A_rx_bytes" \
		"$SA_out_tx_packets/$SA_out_tx_bytes/$SA_in_rx_packets/$SA_in_rx_bytes"
	t_same "$s: $phase: ip -s link == awsvpn show counters" \
		"$A_tx_packets/$A_tx_bytes/$A_rx_packets/$A_rx_bytes" \
		"$AL_tx_packets/$AL_tx_bytes/$AL_rx_packets/$AL_rx_bytes"
	t_same "$s: $phase: SA seq (out: last sent, in: highest accepted) == packets" \
		"$A_tx_packets/$A_rx_packets" "$SA_out_seq/$SA_in_seq"
	t_same "$s: $phase: XFRM state packets (in spi $SO, out spi $SI) == awsvpn0 tx/rx" \
		"$A_tx_packets/$A_rx_packets" \
		"$(eval echo "\${XS_${SO#0x}_packets:-none}/\${XS_${SI#0x}_packets:-none}")"
}

i=0
for suite in $ESP_SUITES; do
	i=$((i + 1))
	s=$suite
	SO=$(printf '0x%08x' $((0x20000 + 2 * i)))	# cgw -> aws
	SI=$(printf '0x%08x' $((0x20001 + 2 * i)))	# aws -> cgw
	kout="$KEYDIR/${suite/+/-}.out.key"
	kin="$KEYDIR/${suite/+/-}.in.key"
	esp_keygen "$suite" "$kout"
	esp_keygen "$suite" "$kin"

	t_check "$s: awsvpn0 with outbound spi $SO, inbound spi $SI" \
		esp_awsvpn_peer cgw awsvpn0 192.0.2.1 192.0.2.2 "$SO" "$SI" \
		"$suite" "$kout" "$kin"
	if ! t_passed; then
		esp_teardown
		continue
	fi
	ip -n cgw addr add 169.254.44.234/30 dev awsvpn0
	ip -n cgw addr add fd00:44::2/64 dev awsvpn0 nodad
	mtu=$(ip netns exec cgw cat /sys/class/net/awsvpn0/mtu)

	t_check "$s: XFRM peer xfrm44 (mtu $mtu, gso_max_segs 1)" eval '
		esp_xfrm_peer aws xfrm44 veth-aws 44 192.0.2.2 192.0.2.1 \
			"$SI" "$SO" "$suite" "$kin" "$kout" &&
		ip -n aws link set xfrm44 mtu "$mtu" gso_max_segs 1'
	if ! t_passed; then
		esp_teardown
		continue
	fi
	ip -n aws addr add 169.254.44.233/30 dev xfrm44
	ip -n aws addr add fd00:44::1/64 dev xfrm44 nodad

	# ---- pings: exact packet and byte counts
	exp_pkts=0 exp_bytes=0
	for fam in 4 6; do
		if [ "$fam" = 4 ]; then
			a_cgw=169.254.44.234 a_aws=169.254.44.233
		else
			a_cgw=fd00:44::2 a_aws=fd00:44::1
		fi
		for dir in cgw-aws aws-cgw; do
			if [ "$dir" = cgw-aws ]; then
				from=cgw to=$a_aws
			else
				from=aws to=$a_cgw
			fi
			want= got=
			for size in $SIZES; do
				want="$want $size:$COUNT"
				got="$got $size:$(esp_ping "$from" "$COUNT" "$size" "$to")"
				nb=$(esp_echo_len "$fam" "$size" "$mtu")
				n=${nb% *} b=${nb#* }
				exp_pkts=$((exp_pkts + COUNT * n))
				exp_bytes=$((exp_bytes + COUNT * b))
			done
			t_eq "$s: IPv$fam ping $dir, size:replies" "$want" "$got"
		done
	done

	if esp_counters --awsvpn cgw:awsvpn0 --link X:aws:xfrm44 --states XS:aws; then
		# Each echo and its reply are the same size and fragment alike.
		t_same "$s: pings: awsvpn0 tx packets/bytes (computed from sizes, mtu $mtu)" \
			"$exp_pkts/$exp_bytes" "$A_tx_packets/$A_tx_bytes"
		t_same "$s: pings: awsvpn0 rx packets/bytes (computed from sizes, mtu $mtu)" \
			"$exp_pkts/$exp_bytes" "$A_rx_packets/$A_rx_bytes"
		check_equalities "$s" pings
	else
		t_fail "$s: read counters after pings"
	fi
	ping_tx=${A_tx_bytes:-0} ping_rx=${A_rx_bytes:-0}

	# ---- TCP both ways
	# iperf3 -n stops once the bytes are written and drops what is still
	# buffered: the receiver's count (end.sum_received.bytes) is what
	# crossed the tunnel.  -w 64K bounds the buffers (at most ~384 KiB
	# lost), so more than 512 KiB of the 1 MiB must arrive.
	t_check "$s: iperf3 -n $IPERF_BYTES cgw -> aws" \
		esp_iperf aws cgw 169.254.44.233 -n "$IPERF_BYTES" -w 64K -J
	t_passed || t_diag "$(cat "$T_TMP/iperf" "$T_TMP/iperf-server" 2>/dev/null)"
	recv_up=$(jq -r .end.sum_received.bytes "$T_TMP/iperf" 2>/dev/null)
	t_check "$s: iperf3 -n $IPERF_BYTES aws -> cgw" \
		esp_iperf cgw aws 169.254.44.234 -n "$IPERF_BYTES" -w 64K -J
	t_passed || t_diag "$(cat "$T_TMP/iperf" "$T_TMP/iperf-server" 2>/dev/null)"
	recv_down=$(jq -r .end.sum_received.bytes "$T_TMP/iperf" 2>/dev/null)
	# Let the last ACKs and FINs land.
	sleep 1

	if esp_counters --awsvpn cgw:awsvpn0 --link X:aws:xfrm44 --states XS:aws; then
		check_equalities "$s" "pings+iperf3"
		up=$((A_tx_bytes - ping_tx)) down=$((A_rx_bytes - ping_rx))
		t_eq "$s: iperf3 payload received > 512 KiB, <= awsvpn0 bytes (up/down)" \
			"ok/ok" "$(iperf_ok "$recv_up" "$up")/$(iperf_ok "$recv_down" "$down")"
		t_same "$s: awsvpn0 error counters (replay auth-fail bad-trailer no-sa errors / tx no-sa seq-exhausted errors) all 0" \
			"0 0 0 0 0 / 0 0 0" \
			"$A_rx_replay $A_rx_auth_fail $A_rx_bad_trailer $A_rx_no_sa $A_rx_errors / $A_tx_no_sa $A_tx_seq_exhausted $A_tx_errors"
		t_same "$s: XFRM side: state replay/failed 0, xfrm44 rx/tx errors 0" \
			"0/0/0/0/0/0" \
			"$(eval echo "\${XS_${SO#0x}_replay:-x}/\${XS_${SO#0x}_failed:-x}/\${XS_${SI#0x}_replay:-x}/\${XS_${SI#0x}_failed:-x}")/$X_rx_errors/$X_tx_errors"
	else
		t_fail "$s: read counters after iperf3"
	fi
	if [ "$T_FAIL" -gt 0 ] && [ -z "${diag_done:-}" ]; then
		diag_done=1
		t_diag "first failure: state of $s" \
			"$(awsvpn -n cgw show awsvpn0 2>&1)" \
			"$(ip -n aws -s xfrm state 2>&1)" \
			"$(ip netns exec aws cat /proc/net/xfrm_stat 2>&1 | grep -v ' 0$')"
	fi
	esp_teardown
	t_diag "$s: ${SECONDS}s since start"
done

t_done
