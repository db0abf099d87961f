#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/bench.sh - "make bench": awsvpn against the kernel's own tunnels,
# measured in the same VM, the same kernel and the same topology, one after
# the other.  Run inside the test VM by selftests/vm/run-demo bench.sh.
#
#   netns a  tun 10.9.0.1/30  veth-a 192.0.2.1/24
#                                 |
#   netns b  tun 10.9.0.2/30  veth-b 192.0.2.2/24
#
# Tunnels, each at the MTU where its outer packets fit 1500 bytes:
#   plain      no tunnel (iperf3 over the veth itself): the ceiling
#   awsvpn     awsvpn <-> awsvpn, raw ESP, AWS MTU for the suite
#   xfrmi      xfrm interface <-> xfrm interface, same suite, same MTU
#   wireguard  wg <-> wg (ChaCha20-Poly1305), MTU 1420
# for aes128-gcm16 and aes256+sha2-256 (the AWS default and a CBC suite),
# plus awsvpn with NAT-T (encap udp) and awsvpn with 999 more tunnels (1000
# inbound SAs per namespace) installed.  Per tunnel: iperf3 TCP a -> b and
# b -> a (one stream, $BENCH_TIME seconds each) and the median RTT of 50
# pings.  Prints a table and the ratios awsvpn/xfrmi and awsvpn/wireguard,
# and writes it to $AWSVPN_OUT/bench.txt.
#
# The VM is emulated (TCG): absolute numbers say little about real hardware,
# the ratios between tunnels in one run are what this is for.  Nothing here
# passes or fails on a number; the exit status only says whether every
# tunnel carried traffic.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"

BENCH_TIME=${BENCH_TIME:-10}
SUITES=${BENCH_SUITES:-"aes128-gcm16 aes256+sha2-256"}
OUT=$AWSVPN_OUT/bench.txt
KEYDIR=$T_TMP/keys
FAILED=0
declare -A UP DOWN RTT MTU

say() { printf '# %s\n' "$@" >&2; }

mod_load || { echo "cannot load awsvpn.ko" >&2; exit 1; }
for c in iperf3 jq wg busybox; do
	command -v "$c" >/dev/null || { echo "$c not installed" >&2; exit 1; }
done
mkdir -p "$KEYDIR" && chmod 700 "$KEYDIR"
: > "$OUT.partial"

# New namespaces a and b (ns_cleanup would also remove $T_TMP).
fresh_topology() {
	local ns
	for ns in a b; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	T_NETNS=() T_LINKS=()
	ns_create a b || return 1
	esp_quiet_ipv6 a b
	veth_pair a veth-a b veth-b || return 1
	ip -n a addr add 192.0.2.1/24 dev veth-a
	ip -n b addr add 192.0.2.2/24 dev veth-b
}

tun_addrs() {
	ip -n a addr add 10.9.0.1/30 dev "$1" &&
	ip -n b addr add 10.9.0.2/30 dev "$1"
}

# iperf_bps CLIENT_NS SERVER_NS ADDR: received bits per second, or 0.
iperf_bps() {
	local bps
	ip netns exec "$2" iperf3 -s -1 -D -B "$3" \
		--logfile "$T_TMP/iperf-server" || { echo 0; return; }
	wait_for 10 eval "ip netns exec '$2' ss -Hltn 'sport = :5201' | grep -q ."
	bps=$(ip netns exec "$1" timeout $((BENCH_TIME + 60)) iperf3 -c "$3" \
		-t "$BENCH_TIME" -J 2> /dev/null |
		jq -r '.end.sum_received.bits_per_second // 0' 2> /dev/null)
	printf '%.0f\n' "${bps:-0}"
}

# median RTT in microseconds of 50 pings a -> ADDR
rtt_us() {
	ip netns exec a busybox ping -c 50 -i 0.05 -W 2 "$1" 2>/dev/null |
		sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.0f\n", v[int((NR + 1) / 2)] * 1000; else print 0 }'
}

measure() {
	local name=$1 dst=${2:-10.9.0.2} src=${3:-10.9.0.1}
	say "$name: iperf3 a -> b, b -> a, ${BENCH_TIME}s each; 50 pings"
	UP[$name]=$(iperf_bps a b "$dst")
	DOWN[$name]=$(iperf_bps b a "$src")
	RTT[$name]=$(rtt_us "$dst")
	# As it goes, so that an interrupted run still tells something.
	printf '%s mtu=%s up=%s down=%s rtt_us=%s\n' "$name" "${MTU[$name]:-}" \
		"${UP[$name]}" "${DOWN[$name]}" "${RTT[$name]}" >> "$OUT.partial"
	if [ "${UP[$name]}" = 0 ] || [ "${DOWN[$name]}" = 0 ]; then
		say "$name: no traffic"
		FAILED=1
	fi
}

setup_awsvpn() {
	local suite=$1 encap=$2 k1=$KEYDIR/1 k2=$KEYDIR/2
	esp_keygen "$suite" "$k1"
	esp_keygen "$suite" "$k2"
	esp_awsvpn_peer a tun 192.0.2.1 192.0.2.2 0x1001 0x1002 "$suite" "$k1" "$k2" &&
	esp_awsvpn_peer b tun 192.0.2.2 192.0.2.1 0x1002 0x1001 "$suite" "$k2" "$k1" ||
		return 1
	if [ "$encap" = udp ]; then
		ip netns exec a awsvpn set tun encap udp &&
		ip netns exec b awsvpn set tun encap udp || return 1
	fi
	tun_addrs tun
}

# awsvpn as above, with 999 more tunnels (devices with an inbound SA each)
# in both namespaces: the SPI demux must not slow down.
setup_awsvpn_many() {
	local suite=$1 i ns
	setup_awsvpn "$suite" none || return 1
	for ns in a b; do
		for ((i = 1; i < 1000; i++)); do
			echo "link add dev t$i type awsvpn"
		done > "$T_TMP/batch"
		ip -n "$ns" -batch "$T_TMP/batch" || return 1
		# Inbound SAs are what the SPI demux looks through.  One
		# shell in the namespace: a netns switch per SA is slow here.
		ip netns exec "$ns" bash -c '
			for ((i = 1; i < 1000; i++)); do
				awsvpn sa add t$i dir in spi $((0x100000 + i)) \
					enc "$1" ${2:+integ "$2"} key-file "$3" ||
					exit 1
			done' sa-add "$(esp_enc "$suite")" "$(esp_integ "$suite")" \
			"$KEYDIR/1" || return 1
	done
	[ "$(ip netns exec a awsvpn show --json | jq length)" = 1000 ]
}

setup_xfrmi() {
	local suite=$1 k1=$KEYDIR/1 k2=$KEYDIR/2 mtu
	esp_keygen "$suite" "$k1"
	esp_keygen "$suite" "$k2"
	esp_xfrm_peer a tun veth-a 9 192.0.2.1 192.0.2.2 0x2001 0x2002 \
		"$suite" "$k1" "$k2" &&
	esp_xfrm_peer b tun veth-b 9 192.0.2.2 192.0.2.1 0x2002 0x2001 \
		"$suite" "$k2" "$k1" || return 1
	# The MTU awsvpn computes for the suite, so both carry the same
	# inner packets and neither fragments outer packets.
	awsvpn_add probe a &&
	esp_sa_add a probe out 0x2fff "$suite" "$k1" >/dev/null &&
	mtu=$(ip netns exec a cat /sys/class/net/probe/mtu)
	ip -n a link del probe 2>/dev/null
	[ -n "$mtu" ] || return 1
	ip -n a link set tun mtu "$mtu" && ip -n b link set tun mtu "$mtu" &&
	tun_addrs tun
}

setup_wireguard() {
	local ka kb
	ka=$(wg genkey) kb=$(wg genkey)
	ip -n a link add tun type wireguard && ip -n b link add tun type wireguard ||
		return 1
	printf '%s\n' "$ka" > "$KEYDIR/wa"
	printf '%s\n' "$kb" > "$KEYDIR/wb"
	ip netns exec a wg set tun private-key "$KEYDIR/wa" listen-port 51820 \
		peer "$(printf '%s' "$kb" | wg pubkey)" allowed-ips 0.0.0.0/0 \
		endpoint 192.0.2.2:51820 &&
	ip netns exec b wg set tun private-key "$KEYDIR/wb" listen-port 51820 \
		peer "$(printf '%s' "$ka" | wg pubkey)" allowed-ips 0.0.0.0/0 \
		endpoint 192.0.2.1:51820 || return 1
	ip -n a link set tun up && ip -n b link set tun up && tun_addrs tun
}

mtu_of() { ip netns exec a cat /sys/class/net/"$1"/mtu; }

run_case() {
	local name=$1
	shift
	fresh_topology || { FAILED=1; return; }
	if ! "$@"; then
		say "$name: setup failed"
		FAILED=1
		return
	fi
	MTU[$name]=$(mtu_of tun)
	# One ping to settle neighbours and (WireGuard) the handshake.
	ip netns exec a busybox ping -c 3 -W 2 10.9.0.2 >/dev/null 2>&1
	measure "$name"
}

ORDER=()
fresh_topology || exit 1
MTU[plain]=1500
measure plain 192.0.2.2 192.0.2.1
ORDER+=(plain)
for suite in $SUITES; do
	run_case "awsvpn $suite" setup_awsvpn "$suite" none
	run_case "xfrmi $suite" setup_xfrmi "$suite"
	ORDER+=("awsvpn $suite" "xfrmi $suite")
done
run_case "awsvpn ${SUITES%% *} nat-t" setup_awsvpn "${SUITES%% *}" udp
ORDER+=("awsvpn ${SUITES%% *} nat-t")
run_case "awsvpn ${SUITES%% *} 1000 tunnels" setup_awsvpn_many "${SUITES%% *}"
ORDER+=("awsvpn ${SUITES%% *} 1000 tunnels")
run_case wireguard setup_wireguard
ORDER+=(wireguard)
ns_cleanup

mbit() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1e6 }'; }
ratio() {
	awk -v x="$1" -v y="$2" 'BEGIN { if (y > 0) printf "%.2f", x / y; else printf "-" }'
}

{
	echo "# awsvpn benchmark: kernel $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "# QEMU TCG: compare the ratios, not the absolute numbers"
	printf '%-34s %5s %12s %12s %9s\n' tunnel mtu "a->b Mbit/s" "b->a Mbit/s" "rtt us"
	for n in "${ORDER[@]}"; do
		printf '%-34s %5s %12s %12s %9s\n' "$n" "${MTU[$n]:--}" \
			"$(mbit "${UP[$n]:-0}")" "$(mbit "${DOWN[$n]:-0}")" "${RTT[$n]:-0}"
	done
	echo
	echo "# ratios (throughput a->b / b->a; rtt)"
	s1=${SUITES%% *}
	printf '%-36s %s / %s; rtt %s\n' "awsvpn 1000 tunnels/1 tunnel:" \
		"$(ratio "${UP[awsvpn $s1 1000 tunnels]:-0}" "${UP[awsvpn $s1]:-0}")" \
		"$(ratio "${DOWN[awsvpn $s1 1000 tunnels]:-0}" "${DOWN[awsvpn $s1]:-0}")" \
		"$(ratio "${RTT[awsvpn $s1 1000 tunnels]:-0}" "${RTT[awsvpn $s1]:-0}")"
	for suite in $SUITES; do
		a="awsvpn $suite" x="xfrmi $suite"
		printf '%-36s %s / %s; rtt %s\n' "awsvpn/xfrmi $suite:" \
			"$(ratio "${UP[$a]:-0}" "${UP[$x]:-0}")" \
			"$(ratio "${DOWN[$a]:-0}" "${DOWN[$x]:-0}")" \
			"$(ratio "${RTT[$a]:-0}" "${RTT[$x]:-0}")"
		printf '%-36s %s / %s; rtt %s\n' "awsvpn/wireguard $suite:" \
			"$(ratio "${UP[$a]:-0}" "${UP[wireguard]:-0}")" \
			"$(ratio "${DOWN[$a]:-0}" "${DOWN[wireguard]:-0}")" \
			"$(ratio "${RTT[$a]:-0}" "${RTT[wireguard]:-0}")"
	done
} | tee "$OUT"
exit "$FAILED"
