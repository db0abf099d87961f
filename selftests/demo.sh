#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/demo.sh - "make demo": one AWS Site-to-Site VPN tunnel, end to
# end, narrated.  Run inside the test VM by selftests/vm/run-demo (as root,
# from a checkout with awsvpn.ko and userspace/awsvpn built).
#
#   netns cgw (customer gateway)           netns aws (stands in for AWS)
#   awsvpn0  169.254.44.234/30             xfrm44  169.254.44.233/30
#     (awsvpn, ESP in the kernel)            (Linux XFRM, tunnel mode, if_id 44)
#   veth-cgw 192.0.2.1/24  <---- raw ESP ---->  veth-aws 192.0.2.2/24
#
# Every command is printed ("$ ...") before it runs.  Keys are random, in
# mode-600 files, and never on awsvpn's command line.  Exits non-zero if a
# ping through the tunnel fails; the namespaces are removed at exit.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"	# exit handler: deletes the namespaces, $T_TMP

SPI_OUT=0x1000		# cgw -> aws
SPI_IN=0x2000		# aws -> cgw
SUITE=aes256-gcm16	# 32-byte AES key + 4-byte salt = 36 key bytes
IFID=44
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

echo "awsvpn demo: one AWS Site-to-Site VPN tunnel on Linux $(uname -r)"

# ---------------------------------------------------------------------
section "1. Load the module"
if mod_loaded; then
	say "awsvpn is already loaded"
else
	run modprobe awsvpn || need insmod "$AWSVPN_KO"
fi
[ -x "$AWSVPN_TOOL" ] || { echo "demo: the awsvpn tool is not built ($AWSVPN_TOOL)"; exit 1; }

# ---------------------------------------------------------------------
section "2. Two namespaces joined by a veth (the 'internet' between them)"
run ip netns add cgw && T_NETNS+=(cgw) || exit 1
run ip netns add aws && T_NETNS+=(aws) || exit 1
for ns in cgw aws; do
	ip -n "$ns" link set lo up
	# No IPv6 link-local chatter on the new devices: the counters at the
	# end show only what this demo sends.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
need ip -n cgw link add veth-cgw type veth peer name veth-aws netns aws
T_LINKS+=("cgw:veth-cgw")
need ip -n cgw addr add 192.0.2.1/24 dev veth-cgw
need ip -n aws addr add 192.0.2.2/24 dev veth-aws
need ip -n cgw link set veth-cgw up
need ip -n aws link set veth-aws up

# ---------------------------------------------------------------------
section "3. Random keys, one per direction, in mode-600 files"
cd "$T_TMP" || exit 1
say "in $T_TMP (removed at exit); 36 bytes each for $SUITE"
for k in cgw-to-aws aws-to-cgw; do
	runsh "(umask 077; od -An -v -N36 -tx1 /dev/urandom | tr -d ' \\n' > $k.key)"
done
run ls -l cgw-to-aws.key aws-to-cgw.key

# ---------------------------------------------------------------------
section "4. Customer gateway (netns cgw): the awsvpn0 device"
need ip -n cgw link add awsvpn0 type awsvpn
T_LINKS+=("cgw:awsvpn0")
need ip netns exec cgw awsvpn set awsvpn0 local 192.0.2.1 remote 192.0.2.2
say "no outbound SA yet: the MTU allows for the largest overhead of any AWS suite"
run ip -n cgw link show awsvpn0
say "keys are read from the files; awsvpn's command line carries only names"
need ip netns exec cgw awsvpn sa add awsvpn0 dir out spi $SPI_OUT \
	enc $SUITE key-file cgw-to-aws.key
need ip netns exec cgw awsvpn sa add awsvpn0 dir in spi $SPI_IN \
	enc $SUITE key-file aws-to-cgw.key
need ip -n cgw addr add 169.254.44.234/30 dev awsvpn0
need ip -n cgw link set awsvpn0 up
MTU=$(ip netns exec cgw cat /sys/class/net/awsvpn0/mtu)
say "the MTU now follows the active outbound SA's suite: $MTU for" \
    "$SUITE over a 1500-byte path (AWS's table says 1446)"
run ip -d -n cgw link show awsvpn0

# ---------------------------------------------------------------------
section "5. Simulated AWS end (netns aws): Linux XFRM in tunnel mode"
say "This end is only the stand-in for AWS.  'ip xfrm' takes keys as hex" \
    "on its command line, so here (and only here) they pass through argv."
need ip -n aws link add xfrm44 type xfrm dev veth-aws if_id $IFID
T_LINKS+=("aws:xfrm44")
AEAD="aead 'rfc4106(gcm(aes))'"
runsh "ip -n aws xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi $SPI_IN mode tunnel if_id $IFID $AEAD 0x\$(cat aws-to-cgw.key) 128" || exit 1
runsh "ip -n aws xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi $SPI_OUT mode tunnel if_id $IFID $AEAD 0x\$(cat cgw-to-aws.key) 128" || exit 1
need ip -n aws xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 \
	if_id $IFID tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel
need ip -n aws xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 \
	if_id $IFID tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel
need ip -n aws link set xfrm44 mtu "$MTU" up
need ip -n aws addr add 169.254.44.233/30 dev xfrm44

# ---------------------------------------------------------------------
section "6. Ping through the tunnel"
ping_size() {	# SIZE COUNT
	run ip netns exec cgw busybox ping -q -c "$2" -W 3 -s "$1" 169.254.44.233 ||
		FAILED=1
}
say "56 bytes: the usual ping"
ping_size 56 3
say "$((MTU - 28)) bytes: an IPv4 packet of exactly the MTU ($MTU), one ESP packet of 1500"
ping_size $((MTU - 28)) 2
say "3000 bytes: above the MTU; IPv4 fragments it *before* encryption, each" \
    "fragment is its own ESP packet, so ESP itself is never fragmented"
ping_size 3000 2

# ---------------------------------------------------------------------
section "7. TCP through the tunnel"
if command -v iperf3 >/dev/null; then
	need ip netns exec aws iperf3 -s -1 -D -B 169.254.44.233
	wait_for 10 eval "ip netns exec aws ss -Hltn 'sport = :5201' | grep -q ."
	run ip netns exec cgw timeout 60 iperf3 -c 169.254.44.233 -n 4M \
		-f m --connect-timeout 5000 || echo "(iperf3 failed)"
else
	say "iperf3 not installed, skipped"
fi

# ---------------------------------------------------------------------
section "8. What the wire sees: only ESP (capture on the outer veth)"
if command -v tcpdump >/dev/null; then
	say "tcpdump stops after 5 packets, or 2 s after it is ready"
	echo '$ ip netns exec cgw tcpdump -nn -l -c 5 -i veth-cgw esp &'
	# Its start-up (under emulation, from 9p) can take seconds: wait for
	# it to listen before sending, then give it 2 s.
	ip netns exec cgw timeout 30 tcpdump --immediate-mode -nn -l -c 5 -i veth-cgw esp \
		> "$T_TMP/tcpdump.out" 2> "$T_TMP/tcpdump.err" &
	tcpdump_pid=$!
	wait_for 20 grep -q 'listening on' "$T_TMP/tcpdump.err"
	for size in 2000 56; do
		show_cmd ip netns exec cgw busybox ping -q -c 1 -s $size 169.254.44.233
		ip netns exec cgw busybox ping -q -c 1 -W 3 -s $size \
			169.254.44.233 >/dev/null 2>&1 || FAILED=1
	done
	for _ in $(seq 20); do
		kill -0 "$tcpdump_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$tcpdump_pid" 2>/dev/null
	wait "$tcpdump_pid" 2>/dev/null
	cat "$T_TMP/tcpdump.out"
	grep -v '^\(tcpdump: verbose\|listening on\)' "$T_TMP/tcpdump.err"
	say "each 2000-byte echo: inner fragments of 1444 and 604 bytes," \
	    "+36 bytes of ESP (header 8, IV 8, pad+trailer 4, ICV 16) = 1480" \
	    "and 640; with the outer IP header 1500 and 660: fits the path"
else
	say "tcpdump not installed, skipped"
fi

# ---------------------------------------------------------------------
section "9. Counters"
run ip netns exec cgw awsvpn show awsvpn0
run ip netns exec cgw awsvpn show --json
run ip -s -n cgw link show awsvpn0
say "the AWS side's view of the same SAs (excerpt):"
runsh "ip -n aws -s xfrm state | grep -E 'proto esp|[0-9]\\(packets\\)|failed'"

# ---------------------------------------------------------------------
section "Summary"
# The device's "stats" come before the per-SA ones ("sas").
summary=$(ip netns exec cgw awsvpn show awsvpn0 --json | awk -F'[":, ]+' '
	/"sas"/ { exit }
	$2 == "tx_packets" { tx = $3 }
	$2 == "rx_packets" { rx = $3 }
	$2 ~ /^(rx_replay|rx_auth_fail|rx_bad_trailer|rx_no_sa|rx_errors|tx_no_sa|tx_seq_exhausted|tx_errors)$/ { err += $3 }
	END { if (tx == "" || rx == "") exit 1; print tx, rx, err + 0 }') ||
	summary="? ? ?"
read -r tx rx errors <<< "$summary"
if [ "$FAILED" = 0 ] && [ "$errors" = 0 ]; then
	echo "tunnel up: $tx packets out, $rx packets in, 0 errors (demo: ${SECONDS}s)"
	exit 0
fi
echo "tunnel FAILED: $tx packets out, $rx packets in, $errors errors" \
     "$([ "$FAILED" = 0 ] || echo "(a ping through the tunnel failed)")"
exit 1
