#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/bench.sh - "make bench": awsvpn against the kernel's own tunnels,
# measured in one VM, one kernel, one topology, interleaved.  Run inside the
# test VM by selftests/vm/run-demo bench.sh (once per BENCH_CPUS entry); the
# host then merges the runs into build/bench/ (selftests/tools/bench_report.py).
# Documentation/benchmark.rst says how to run it and how to read the output.
#
# Every case is a tunnel between its own pair of namespaces, set up once:
#
#   netns benchNa  tun 10.9.0.1/30  va 192.0.2.1/24
#                                    | veth
#   netns benchNb  tun 10.9.0.2/30  vb 192.0.2.2/24
#
#   plain      no tunnel: iperf3 and ping over the veth itself (the ceiling)
#   awsvpn     awsvpn <-> awsvpn, the AWS MTU of the suite
#   xfrmi      xfrm interface <-> xfrm interface, same suite, same MTU
#   wireguard  WireGuard (ChaCha20-Poly1305, its own MTU 1420)
# for each suite of BENCH_SUITES and each encapsulation of BENCH_ENCAPS
# (raw ESP; natt: ESP in UDP 4500, by default for the first suite only:
# BENCH_NATT_SUITES).  Then, interleaved - for every rep, for
# every test, every case - iperf3 TCP 1 and 4 streams and UDP 64-byte
# packets (packets/s received), each a -> b and b -> a, and the median ping
# RTT; at the start of every rep the crypto ceiling of each suite (an
# in-kernel AEAD loop on 1400-byte packets, tools/cryptobench).  Last, the
# kernel memory of BENCH_MANY-1 idle awsvpn tunnels (slab + percpu from
# /proc/meminfo; xfrmi the same for comparison, and dummy devices as the
# floor any netdevice costs) and the throughput of one tunnel among them.
#
# Tunnel kinds are functions: "kind_NAME A B SUITE ENCAP ID" creates a
# device "tun" in the namespaces A (outer 192.0.2.1 on va) and B (192.0.2.2
# on vb), configured for SUITE and ENCAP (raw or natt), and returns non-zero
# if it could not; the caller adds the inner addresses and sets it up.  ID
# is unique per case (distinct SPIs, keys, if_ids).  KIND_SUITES[NAME] and
# KIND_ENCAPS[NAME] replace BENCH_SUITES / BENCH_ENCAPS for a kind that has
# its own (WireGuard).  BENCH_KINDS lists the kinds to run; a kind that
# adds to another is a few lines, as awsvpn-par (awsvpn with "parallel
# on") below (a "-" in a kind's name is "_" in its function's).  Every kind other than
# xfrmi and wireguard is compared to those two in the report.
#
# Output in $BENCH_OUT: results.tsv (one line per measurement: vcpus, kind,
# suite, encap, test, rep, value, unit), meta.tsv, bench.txt (the report).
# Nothing passes or fails on a number; the exit status says whether every
# case was set up and carried traffic in every test.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_SUITES:=aes128-gcm16}" "${BENCH_REPS:=1}" "${BENCH_TIME:=3}"
	: "${BENCH_MANY:=100}"
fi
TIME=${BENCH_TIME:-5}
REPS=${BENCH_REPS:-3}
SUITES=${BENCH_SUITES:-"aes128-gcm16 aes256-gcm16 aes256+sha2-256 aes256+sha2-512"}
KINDS=${BENCH_KINDS:-"awsvpn awsvpn-off awsvpn-par xfrmi wireguard"}
ENCAPS=${BENCH_ENCAPS:-"raw natt"}
# NAT-T adds the same 8 bytes and UDP path to every suite: by default it is
# measured with the first suite only, which keeps a full run near 40 min.
NATT_SUITES=${BENCH_NATT_SUITES:-${SUITES%% *}}
[ "$NATT_SUITES" = all ] && NATT_SUITES=$SUITES
TESTS=${BENCH_TESTS:-"tcp1-ab tcp1-ba tcp4-ab tcp4-ba udp64-ab udp64-ba rtt"}
MANY=${BENCH_MANY:-1000}
PINGS=${BENCH_PINGS:-20}
CRYPTO_MS=${BENCH_CRYPTO_MS:-1000}
OUT=${BENCH_OUT:-$AWSVPN_OUT/bench}
CRYPTO_KO=${BENCH_CRYPTO_KO:-$AWSVPN_OUT/cryptobench/awsvpn_cryptobench.ko}
NATT=$AWSVPN_SRC/selftests/tools/natt_sock.py
REPORT=$AWSVPN_SRC/selftests/tools/bench_report.py
IDLE=$AWSVPN_SRC/selftests/tools/idle_tunnels.py
KEYDIR=$T_TMP/keys
CPUS=$(nproc)
RES=$OUT/results.tsv
FAILED=0

declare -A KIND_SUITES=([wireguard]=chacha20-poly1305)
declare -A KIND_ENCAPS=([wireguard]=udp)
declare -A MTU_OF
# The cases: kind, suite, encap, namespaces, address to reach, state.
C_KIND=() C_SUITE=() C_ENCAP=() C_A=() C_B=() C_DST=() C_MTU=() C_OK=()

say() { printf '# %s\n' "$*"; }
now() { date +%s; }

mkdir -p "$OUT" "$KEYDIR" && chmod 700 "$KEYDIR" || exit 1
printf 'vcpus\tkind\tsuite\tencap\ttest\trep\tvalue\tunit\n' > "$RES"

# result KIND SUITE ENCAP TEST REP VALUE UNIT: one line of results.tsv,
# written as it is measured so that an interrupted run keeps what it had.
result() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$CPUS" "$@" >> "$RES"
}

START=$(now)
mod_load || { echo "cannot load awsvpn.ko" >&2; exit 1; }
for c in iperf3 jq wg busybox python3; do
	command -v "$c" >/dev/null || { echo "$c not installed" >&2; exit 1; }
done

{
	printf 'kernel\t%s\n' "$(uname -r)"
	printf 'vcpus\t%s\n' "$CPUS"
	printf 'cpu\t%s\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	printf 'date\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)"
	printf 'time\t%s\nreps\t%s\nsuites\t%s\nkinds\t%s\nencaps\t%s\n' \
		"$TIME" "$REPS" "$SUITES" "$KINDS" "$ENCAPS"
	printf 'natt-suites\t%s\n' "$NATT_SUITES"
	printf 'tests\t%s\nmany\t%s\nquick\t%s\n' "$TESTS" "$MANY" "${BENCH_QUICK:-0}"
} > "$OUT/meta.tsv"

# ------------------------------------------------------------ helpers

# spi ID N: the N-th SPI of case ID (distinct over all cases, though each
# case has namespaces of its own).
spi() { printf '0x%x' $((0x10000 + $1 * 16 + $2)); }

# Kernel code is patched (int3) whenever a static key goes 0 -> 1 or back;
# under multi-threaded TCG another vCPU can run the half-patched code and
# oops (see vm_run in lib-vm.sh).  UDP encapsulation's key is the one a
# NAT-T case and the MTU probe flip: hold it from the start, in a namespace
# of its own, so that it never flips while tunnels come and go.  At the end
# nothing is torn down for the same reason: the VM powers off instead.
ns_create bkeys || exit 1
ip netns exec bkeys python3 "$NATT" encap-hold --port 4500 \
	--ready "$T_TMP/bkeys.ready" &
wait_for 20 test -e "$T_TMP/bkeys.ready" || { echo "encap-hold failed" >&2; exit 1; }

# awsvpn_mtu SUITE ENCAP: MTU= the MTU awsvpn chooses for SUITE and ENCAP
# on a 1500-byte outer path (cached), found with a device in a scratch
# namespace; xfrmi gets the same so that both carry the same packets.
ns_create bprobe &&
ip -n bprobe link add d0 type dummy &&
ip -n bprobe addr add 192.0.2.1/24 dev d0 &&
ip -n bprobe link set d0 up || exit 1
awsvpn_mtu() {
	local key=$1/$2 mtu=
	if [ -z "${MTU_OF[$key]:-}" ]; then
		esp_keygen "$1" "$KEYDIR/probe"
		ip -n bprobe link add probe type awsvpn &&
		ip netns exec bprobe awsvpn set probe local 192.0.2.1 remote 192.0.2.2 &&
		{ [ "$2" != natt ] || ip netns exec bprobe awsvpn set probe encap udp; } &&
		esp_sa_add bprobe probe out 0xffff "$1" "$KEYDIR/probe" >/dev/null &&
		mtu=$(ip netns exec bprobe cat /sys/class/net/probe/mtu)
		ip -n bprobe link del probe 2>/dev/null
		[ -n "${mtu:-}" ] || return 1
		MTU_OF[$key]=$mtu
	fi
	MTU=${MTU_OF[$key]}
}

# encap_hold NS: a process holding UDP 4500 as an ESP-in-UDP socket in NS,
# as an IKE daemon would: XFRM decapsulates ESP in UDP only while one
# exists.  It lives until the VM powers off.
encap_hold() {
	ip netns exec "$1" python3 "$NATT" encap-hold --port 4500 \
		--ready "$T_TMP/hold-$1" &
	wait_for 20 test -e "$T_TMP/hold-$1"
}

# ------------------------------------------------------------- kinds

kind_plain() { :; }

kind_awsvpn() {
	local a=$1 b=$2 suite=$3 encap=$4 id=$5
	local kab=$KEYDIR/$id-ab kba=$KEYDIR/$id-ba sab sba
	sab=$(spi "$id" 1) sba=$(spi "$id" 2)
	esp_keygen "$suite" "$kab"
	esp_keygen "$suite" "$kba"
	esp_awsvpn_peer "$a" tun 192.0.2.1 192.0.2.2 "$sab" "$sba" "$suite" "$kab" "$kba" &&
	esp_awsvpn_peer "$b" tun 192.0.2.2 192.0.2.1 "$sba" "$sab" "$suite" "$kba" "$kab" ||
		return 1
	[ "$encap" = raw ] && return 0
	ip netns exec "$a" awsvpn set tun encap udp &&
	ip netns exec "$b" awsvpn set tun encap udp
}

# awsvpn with parallel crypto (Documentation/awsvpn.rst): both ends.
kind_awsvpn_par() {
	kind_awsvpn "$@" &&
	ip netns exec "$1" awsvpn set tun parallel on &&
	ip netns exec "$2" awsvpn set tun parallel on
}

# "parallel off": crypto always on the packet's CPU (awsvpn, the default,
# is "auto": the workers only while a direction is busy).
kind_awsvpn_off() {
	kind_awsvpn "$@" &&
	ip netns exec "$1" awsvpn set tun parallel off &&
	ip netns exec "$2" awsvpn set tun parallel off
}

# xfrmi_side NS LINK IFID LOCAL REMOTE SPI_OUT SPI_IN SUITE KEY_OUT KEY_IN
#            ENCAP: lib.sh's esp_xfrm_peer, plus "encap espinudp" for natt.
xfrmi_side() {
	local ns=$1 link=$2 ifid=$3 local=$4 remote=$5 so=$6 si=$7 suite=$8
	local kout=$9 kin=${10} encap=${11} sel
	local enc=()
	[ "$encap" = natt ] && enc=(encap espinudp 4500 4500 0.0.0.0)
	ip -n "$ns" link add tun type xfrm dev "$link" if_id "$ifid" || return 1
	esp_xfrm_alg "$suite" "$kout"
	ip -n "$ns" xfrm state add src "$local" dst "$remote" proto esp \
		spi "$so" mode tunnel if_id "$ifid" flag af-unspec \
		"${enc[@]}" "${ESP_ALG[@]}" || return 1
	esp_xfrm_alg "$suite" "$kin"
	ip -n "$ns" xfrm state add src "$remote" dst "$local" proto esp \
		spi "$si" mode tunnel if_id "$ifid" flag af-unspec \
		replay-window 128 "${enc[@]}" "${ESP_ALG[@]}" || return 1
	for sel in 0.0.0.0/0 ::/0; do
		ip -n "$ns" xfrm policy add dir out src "$sel" dst "$sel" \
			if_id "$ifid" tmpl src "$local" dst "$remote" \
			proto esp mode tunnel &&
		ip -n "$ns" xfrm policy add dir in src "$sel" dst "$sel" \
			if_id "$ifid" tmpl src "$remote" dst "$local" \
			proto esp mode tunnel || return 1
	done
	[ "$encap" != natt ] || encap_hold "$ns"
}

kind_xfrmi() {
	local a=$1 b=$2 suite=$3 encap=$4 id=$5
	local kab=$KEYDIR/$id-ab kba=$KEYDIR/$id-ba sab sba MTU
	sab=$(spi "$id" 1) sba=$(spi "$id" 2)
	awsvpn_mtu "$suite" "$encap" || return 1
	esp_keygen "$suite" "$kab"
	esp_keygen "$suite" "$kba"
	xfrmi_side "$a" va "$id" 192.0.2.1 192.0.2.2 "$sab" "$sba" "$suite" \
		"$kab" "$kba" "$encap" &&
	xfrmi_side "$b" vb "$id" 192.0.2.2 192.0.2.1 "$sba" "$sab" "$suite" \
		"$kba" "$kab" "$encap" &&
	ip -n "$a" link set tun mtu "$MTU" &&
	ip -n "$b" link set tun mtu "$MTU"
}

kind_wireguard() {
	local a=$1 b=$2 ka kb
	ka=$(wg genkey) kb=$(wg genkey)
	printf '%s\n' "$ka" > "$KEYDIR/$5-wa"
	printf '%s\n' "$kb" > "$KEYDIR/$5-wb"
	ip -n "$a" link add tun type wireguard &&
	ip -n "$b" link add tun type wireguard &&
	ip netns exec "$a" wg set tun private-key "$KEYDIR/$5-wa" listen-port 51820 \
		peer "$(printf '%s' "$kb" | wg pubkey)" allowed-ips 0.0.0.0/0 \
		endpoint 192.0.2.2:51820 &&
	ip netns exec "$b" wg set tun private-key "$KEYDIR/$5-wb" listen-port 51820 \
		peer "$(printf '%s' "$ka" | wg pubkey)" allowed-ips 0.0.0.0/0 \
		endpoint 192.0.2.1:51820
}

kind_fn() { echo "kind_${1//-/_}"; }

# ------------------------------------------------------------- cases

# new_case KIND SUITE ENCAP: namespaces, veth and the tunnel of one case;
# sets C_* for it and prints nothing.  Failures leave C_OK at 0.
new_case() {
	local kind=$1 suite=$2 encap=$3 i=${#C_KIND[@]} a b fn
	a=bench${i}a b=bench${i}b fn=$(kind_fn "$kind")
	C_KIND[i]=$kind C_SUITE[i]=$suite C_ENCAP[i]=$encap C_A[i]=$a C_B[i]=$b
	C_OK[i]=0 C_MTU[i]=- C_DST[i]=10.9.0.2
	ns_create "$a" "$b" && esp_quiet_ipv6 "$a" "$b" &&
	veth_pair "$a" va "$b" vb &&
	ip -n "$a" addr add 192.0.2.1/24 dev va &&
	ip -n "$b" addr add 192.0.2.2/24 dev vb || return 1
	if [ "$kind" = plain ]; then
		C_DST[i]=192.0.2.2
	else
		declare -F "$fn" >/dev/null || { say "no such kind: $kind ($fn)"; return 1; }
		"$fn" "$a" "$b" "$suite" "$encap" "$i" || return 1
		ip -n "$a" addr add 10.9.0.1/30 dev tun &&
		ip -n "$b" addr add 10.9.0.2/30 dev tun &&
		ip -n "$a" link set tun up && ip -n "$b" link set tun up || return 1
	fi
	C_MTU[i]=$(ip netns exec "$a" cat "/sys/class/net/$([ "$kind" = plain ] &&
		echo va || echo tun)/mtu")
	# A persistent iperf3 server; ping settles neighbours and, for
	# WireGuard, the handshake before anything is timed.
	iperf_server "$i" &&
	[ "$(esp_ping "$a" 3 56 "${C_DST[i]}")" -ge 1 ] 2>/dev/null || return 1
	C_OK[i]=1
}

case_name() { echo "${C_KIND[$1]} ${C_SUITE[$1]} ${C_ENCAP[$1]}"; }

iperf_server() {
	local pidf=$T_TMP/iperf-$1.pid pid
	if [ -f "$pidf" ]; then
		# The new server binds 5201 only once the old one is gone.
		pid=$(cat "$pidf")
		kill "$pid" 2>/dev/null
		wait_for 10 eval "! kill -0 $pid"
		rm -f "$pidf"
	fi
	ip netns exec "${C_B[$1]}" iperf3 -s -D -I "$pidf" \
		--logfile "$T_TMP/iperf-$1.log" || return 1
	wait_for 10 eval "ip netns exec '${C_B[$1]}' ss -Hltn 'sport = :5201' | grep -q ."
}

# ------------------------------------------------------------- tests

# iperf_value CASE JQ ARGS...: one iperf3 run from A to the server in B
# (-R: B sends); prints JQ applied to the receiver's summary
# (.end.sum_received).  Retried once with a fresh server if it failed (a
# server left busy by a killed client).  One jq: it takes 0.3 s under TCG.
iperf_value() {
	local i=$1 q=$2 try v
	shift 2
	for try in 1 2; do
		ip netns exec "${C_A[i]}" timeout $((TIME + 40)) iperf3 \
			-c "${C_DST[i]}" -t "$TIME" -J --connect-timeout 5000 "$@" \
			> "$T_TMP/iperf.json" 2>/dev/null
		v=$(jq -r ".end.sum_received | if (.seconds // 0) > 0 then $q else empty end" \
			"$T_TMP/iperf.json" 2>/dev/null)
		[ -n "$v" ] && { echo "$v"; return 0; }
		if [ "$try" = 1 ]; then
			say "$(case_name "$i"): iperf3 $* failed ($(head -c 300 "$T_TMP/iperf.json" | tr '\n' ' ')); again" >&2
			iperf_server "$i" >&2
		fi
	done
	return 1
}

# run_test CASE TEST: prints "VALUE UNIT" (0 if it failed).
run_test() {
	local i=$1 t=$2 args=() v
	case $t in
	*-ba) args=(-R) ;;
	esac
	case $t in
	tcp1-*|tcp4-*)
		[ "${t%%-*}" = tcp4 ] && args+=(-P 4)
		v=$(iperf_value "$i" '.bits_per_second / 1e5 | round / 10' "${args[@]}") ||
			v=0
		echo "$v Mbit/s" ;;
	udp64-*)
		# -b 0: as fast as the sender can; what counts is what
		# arrives: received bytes / 64 per second.
		v=$(iperf_value "$i" '.bytes / 64 / .seconds | round' \
			-u -l 64 -b 0 "${args[@]}") || v=0
		echo "$v pkt/s" ;;
	rtt)
		v=$(ip netns exec "${C_A[i]}" busybox ping -c "$PINGS" -i 0.05 -W 2 \
			"${C_DST[i]}" 2>/dev/null |
			sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n |
			awk '{ v[NR] = $1 }
			     END { if (NR) printf "%.0f", v[int((NR + 1) / 2)] * 1000; else print 0 }')
		echo "${v:-0} us" ;;
	*)
		echo "0 ?" ;;
	esac
}

# awsvpn_cost NS: the "cost:" line of NS's tunnel ("-" without one).
awsvpn_cost() {
	local c
	c=$(ip netns exec "$1" awsvpn show tun 2>/dev/null | sed -n 's/^ *cost: //p')
	echo "${c:--}"
}

# measure CASE TEST REP [KIND]: run one test and record it as KIND
# (default the case's kind).
measure() {
	local i=$1 t=$2 rep=$3 kind=${4:-${C_KIND[$1]}} v u
	read -r v u <<< "$(run_test "$i" "$t")"
	result "$kind" "${C_SUITE[i]}" "${C_ENCAP[i]}" "$t" "$rep" "$v" "$u"
	printf '# %5ss rep %s %-8s %-32s %10s %s\n' $(( $(now) - START )) "$rep" "$t" \
		"$kind ${C_SUITE[i]} ${C_ENCAP[i]}" "$v" "$u"
	# What "parallel auto" decided with, at both ends (a moving
	# average: mostly the packets of this test).
	case $kind in
	awsvpn*)
		say "        cost: ${C_A[i]}: $(awsvpn_cost "${C_A[i]}")" \
			"| ${C_B[i]}: $(awsvpn_cost "${C_B[i]}")" ;;
	esac
	if [ "$v" = 0 ]; then
		say "$kind ${C_SUITE[i]} ${C_ENCAP[i]}: $t carried nothing"
		FAILED=1
	fi
}

# ------------------------------------------------------ crypto ceiling

# crypto_args SUITE: the module parameters of the AEAD awsvpn (or, for
# chacha20-poly1305, XFRM's rfc7539esp: WireGuard uses the library
# implementation of the same cipher) allocates for SUITE.
crypto_args() {
	local integ
	case $1 in
	chacha20-poly1305)
		echo "alg=seqiv(rfc7539esp(chacha20,poly1305)) enckeylen=36 icvlen=16"
		return ;;
	*-gcm16)
		echo "alg=seqiv(rfc4106(gcm(aes))) enckeylen=$(esp_enc_len "$1") icvlen=16"
		return ;;
	esac
	integ=$(esp_hmac "$1")
	echo "alg=echainiv(authenc(hmac($integ),cbc(aes))) enckeylen=$(esp_enc_len "$1")" \
		"authkeylen=$(esp_integ_len "$1") icvlen=$(( $(esp_icv_bits "$1") / 8 ))"
}

# crypto_run SUITE THREADS: "driver enc_kbps dec_kbps" or nothing.
crypto_run() {
	local tag line
	tag=$(date +%s%N)
	# shellcheck disable=SC2046  # the parameters are words
	insmod "$CRYPTO_KO" $(crypto_args "$1") len=1400 msecs="$CRYPTO_MS" \
		threads="$2" tag="$tag" >/dev/null 2>&1	# fails by design
	line=$(dmesg | grep -F "awsvpn_cryptobench: tag=$tag " | tail -n 1)
	case $line in
	*enc_kbps=*) ;;
	*) say "crypto ceiling of $1 ($2 threads): ${line:-no result}" >&2; return 1 ;;
	esac
	printf '%s\n' "$line" | sed 's/.* driver=\([^ ]*\) .* enc_kbps=\([0-9]*\) .* dec_kbps=\([0-9]*\).*/\1 \2 \3/'
}

crypto_ceiling() {
	local rep=$1 s d e x n
	[ -f "$CRYPTO_KO" ] || { [ "$rep" != 1 ] || say "no $CRYPTO_KO: no crypto ceiling"; return 0; }
	for s in $CEIL_SUITES; do
		for n in 1 $([ "$CPUS" -gt 1 ] && echo "$CPUS"); do
			read -r d e x <<< "$(crypto_run "$s" "$n")"
			[ -n "${x:-}" ] || continue
			local sfx=
			[ "$n" = 1 ] || sfx=-all
			result crypto "$s" - "enc$sfx" "$rep" "$(awk -v k="$e" 'BEGIN { printf "%.1f", k / 1000 }')" Mbit/s
			result crypto "$s" - "dec$sfx" "$rep" "$(awk -v k="$x" 'BEGIN { printf "%.1f", k / 1000 }')" Mbit/s
			[ "$rep" = 1 ] && [ "$n" = 1 ] && result crypto "$s" - driver 1 "$d" -
			printf '# %5ss rep %s crypto %-22s %s thread(s): enc %s dec %s Mbit/s (%s)\n' \
				$(( $(now) - START )) "$rep" "$s" "$n" $((e / 1000)) $((x / 1000)) "$d"
		done
	done
}

# ------------------------------------------------- many idle tunnels

# meminfo: "Slab SUnreclaim Percpu MemFree" in kB, after dropping the
# reclaimable caches and letting RCU-deferred frees happen.
meminfo() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	sleep 2
	echo 3 > /proc/sys/vm/drop_caches
	awk '/^Slab:/ { s = $2 } /^SUnreclaim:/ { u = $2 } /^Percpu:/ { p = $2 }
	     /^MemFree:/ { f = $2 } END { print s, u, p, f }' /proc/meminfo
}

# mem_result KIND SUITE PART REP N BEFORE AFTER: bytes per tunnel of PART
# (dev: the devices, up and configured; sa: their SA pair, for awsvpn, or
# states and policies, for xfrmi; all: both), per meminfo field.
mem_result() {
	local kind=$1 suite=$2 part=$3 rep=$4 n=$5 b0 b1 b2 b3 a0 a1 a2 a3
	read -r b0 b1 b2 b3 <<< "$6"
	read -r a0 a1 a2 a3 <<< "$7"
	result "$kind" "$suite" raw "mem-$part-slab" "$rep" $(( (a0 - b0) * 1024 / n )) B
	result "$kind" "$suite" raw "mem-$part-percpu" "$rep" $(( (a2 - b2) * 1024 / n )) B
	[ "$part" = all ] || return 0
	result "$kind" "$suite" raw mem-all-sunreclaim "$rep" $(( (a1 - b1) * 1024 / n )) B
	result "$kind" "$suite" raw mem-all-memfree "$rep" $(( (b3 - a3) * 1024 / n )) B
	say "$kind: $n idle tunnels: slab $(( (a0 - b0) * 1024 / n )) + percpu" \
		"$(( (a2 - b2) * 1024 / n )) bytes each"
}

# idle_awsvpn_dev NS LOCAL N: N more awsvpn devices idle1..N in NS, up,
# each with its own remote (routed through the veth);
# idle_awsvpn_sa NS N SUITE: an SA pair on each (their inbound SPIs share
# NS's table with the measured tunnel's).  tools/idle_tunnels.py sends
# what "awsvpn set" / "awsvpn sa add" would, on one netlink socket: a tool
# process per command costs more than the kernel's work under TCG.
idle_awsvpn_dev() {
	local ns=$1 local=$2 n=$3 gw=192.0.2.2 i
	[ "$local" = 192.0.2.2 ] && gw=192.0.2.1
	ip -n "$ns" route add 198.18.0.0/15 via "$gw" || return 1
	for ((i = 1; i <= n; i++)); do
		echo "link add dev idle$i type awsvpn"
	done > "$T_TMP/idle-add"
	for ((i = 1; i <= n; i++)); do
		echo "link set idle$i up"
	done > "$T_TMP/idle-up"
	ip -n "$ns" -batch "$T_TMP/idle-add" &&
	ip netns exec "$ns" python3 "$IDLE" set --prefix idle --count "$n" \
		--local "$local" &&
	ip -n "$ns" -batch "$T_TMP/idle-up"
}

idle_awsvpn_sa() {
	[ -f "$KEYDIR/idle" ] || esp_keygen "$3" "$KEYDIR/idle"
	ip netns exec "$1" python3 "$IDLE" sa --prefix idle --count "$2" \
		--suite "$3" --key-file "$KEYDIR/idle" --spi-base 0x1000000
}

# idle_xfrmi_dev N / idle_xfrmi_sa N SUITE: N xfrm interfaces, up, then
# for each a state pair and the four policies esp_xfrm_peer makes, in the
# namespace bmemx (made outside the measurement), with one ip process each.
idle_xfrmi_dev() {
	local n=$1 i
	for ((i = 1; i <= n; i++)); do
		echo "link add xi$i type xfrm dev d0 if_id $i"
		echo "link set xi$i up"
	done > "$T_TMP/idlex-dev"
	ip -n bmemx -batch "$T_TMP/idlex-dev"
}

idle_xfrmi_sa() {
	local n=$1 suite=$2 i r sel
	esp_keygen "$suite" "$KEYDIR/idlex"
	esp_xfrm_alg "$suite" "$KEYDIR/idlex"
	for ((i = 1; i <= n; i++)); do
		r=198.18.$((i / 256)).$((i % 256))
		echo "xfrm state add src 192.0.2.1 dst $r proto esp spi $((0x1000000 + 2 * i)) mode tunnel if_id $i flag af-unspec ${ESP_ALG[*]}"
		echo "xfrm state add src $r dst 192.0.2.1 proto esp spi $((0x1000001 + 2 * i)) mode tunnel if_id $i flag af-unspec replay-window 128 ${ESP_ALG[*]}"
		for sel in 0.0.0.0/0 ::/0; do
			echo "xfrm policy add dir out src $sel dst $sel if_id $i tmpl src 192.0.2.1 dst $r proto esp mode tunnel"
			echo "xfrm policy add dir in src $sel dst $sel if_id $i tmpl src $r dst 192.0.2.1 proto esp mode tunnel"
		done
	done > "$T_TMP/idlex-sa"
	ip -n bmemx -batch "$T_TMP/idlex-sa"
}

# timed CMD...: CMD, and how long it took.
timed() {
	local t0 rc
	t0=$(now)
	"$@"
	rc=$?
	say "$1 ${2:-}: $(( $(now) - t0 )) s"
	return "$rc"
}

many_phase() {
	local ctl=-1 m i n=$((MANY - 1)) suite m0 m1 m2 m3 m4 t0 rep t c
	for ((i = 0; i < ${#C_KIND[@]}; i++)); do
		if [ "${C_KIND[i]}" = awsvpn ] && [ "${C_ENCAP[i]}" = raw ] &&
		   [ "${C_OK[i]}" = 1 ]; then
			ctl=$i
			break
		fi
	done
	suite=${SUITES%% *}
	if [ "$ctl" -ge 0 ]; then
		suite=${C_SUITE[ctl]}
		say "$MANY tunnels: a second awsvpn $suite raw case, then $n idle awsvpn tunnels in each of its namespaces"
		t0=$(now)
		new_case awsvpn "$suite" raw || { say "many: setup failed"; FAILED=1; return; }
		m=$((${#C_KIND[@]} - 1))
		say "case $m set up in $(( $(now) - t0 )) s"
		m0=$(meminfo)
		timed idle_awsvpn_dev "${C_A[m]}" 192.0.2.1 "$n" && m1=$(meminfo) &&
		timed idle_awsvpn_sa "${C_A[m]}" "$n" "$suite" && m2=$(meminfo) &&
		timed idle_awsvpn_dev "${C_B[m]}" 192.0.2.2 "$n" && m3=$(meminfo) &&
		timed idle_awsvpn_sa "${C_B[m]}" "$n" "$suite" && m4=$(meminfo) ||
			{ say "many: idle awsvpn tunnels failed"; FAILED=1; return; }
		mem_result awsvpn "$suite" dev 1 "$n" "$m0" "$m1"
		mem_result awsvpn "$suite" sa 1 "$n" "$m1" "$m2"
		mem_result awsvpn "$suite" all 1 "$n" "$m0" "$m2"
		mem_result awsvpn "$suite" dev 2 "$n" "$m2" "$m3"
		mem_result awsvpn "$suite" sa 2 "$n" "$m3" "$m4"
		mem_result awsvpn "$suite" all 2 "$n" "$m2" "$m4"
		say "$n idle awsvpn tunnels on each side in $(( $(now) - t0 )) s"
		# The lone tunnel and the one among $MANY, interleaved: the
		# ratio shows what $n idle neighbours in its namespace cost.
		for ((rep = 1; rep <= REPS; rep++)); do
			for t in tcp1-ab tcp1-ba udp64-ab udp64-ba rtt; do
				case " $TESTS " in *" $t "*) ;; *) continue ;; esac
				for c in "$ctl" "$m"; do
					if [ "$c" = "$ctl" ]; then
						measure "$c" "$t" "$rep" "awsvpn@1"
					else
						measure "$c" "$t" "$rep" "awsvpn@$MANY"
					fi
				done
			done
		done
	fi
	# The floor: what the kernel spends on any netdevice (struct
	# net_device, queues, sysfs, IPv4/IPv6 per-device state), as n
	# dummy devices, up, in a namespace of their own.
	ns_create bmemd || return 1
	for ((i = 1; i <= n; i++)); do
		echo "link add dum$i type dummy"
		echo "link set dum$i up"
	done > "$T_TMP/idled"
	m0=$(meminfo)
	if timed ip -n bmemd -batch "$T_TMP/idled" && m1=$(meminfo); then
		mem_result netdev - dev 1 "$n" "$m0" "$m1"
	else
		say "many: idle dummy devices failed"
		FAILED=1
	fi
	ip netns del bmemd
	case " $KINDS " in
	*" xfrmi "*)
		t0=$(now)
		ns_create bmemx &&
		ip -n bmemx link add d0 type dummy &&
		ip -n bmemx addr add 192.0.2.1/24 dev d0 &&
		ip -n bmemx link set d0 up &&
		ip -n bmemx route add 198.18.0.0/15 dev d0 || return 1
		m0=$(meminfo)
		if timed idle_xfrmi_dev "$n" && m1=$(meminfo) &&
		   timed idle_xfrmi_sa "$n" "$suite" && m2=$(meminfo); then
			mem_result xfrmi "$suite" dev 1 "$n" "$m0" "$m1"
			mem_result xfrmi "$suite" sa 1 "$n" "$m1" "$m2"
			mem_result xfrmi "$suite" all 1 "$n" "$m0" "$m2"
			say "$n idle xfrm interfaces in $(( $(now) - t0 )) s"
		else
			say "many: idle xfrm interfaces failed"
			FAILED=1
		fi ;;
	esac
}

# ---------------------------------------------------------------- run

say "awsvpn benchmark: $(uname -r), $CPUS vCPUs; kinds: $KINDS; suites: $SUITES; encaps: $ENCAPS (natt: $NATT_SUITES)"
say "$REPS reps of ${TIME}s per test; tests: $TESTS"
# setup_case KIND SUITE ENCAP: new_case, said.
setup_case() {
	local t0 i=${#C_KIND[@]}
	t0=$(now)
	if new_case "$@"; then
		printf '# case %2d: %-36s mtu %-5s (%s s)\n' "$i" "$*" "${C_MTU[i]}" \
			$(( $(now) - t0 ))
	else
		say "case $i: $*: SETUP FAILED"
		FAILED=1
	fi
}

setup_case plain - -
CEIL_SUITES=
for kind in $KINDS; do
	for suite in ${KIND_SUITES[$kind]:-$SUITES}; do
		case " $CEIL_SUITES " in *" $suite "*) ;; *) CEIL_SUITES+=" $suite" ;; esac
		for encap in ${KIND_ENCAPS[$kind]:-$ENCAPS}; do
			if [ -z "${KIND_ENCAPS[$kind]:-}" ] && [ "$encap" = natt ]; then
				case " $NATT_SUITES " in *" $suite "*) ;; *) continue ;; esac
			fi
			setup_case "$kind" "$suite" "$encap"
		done
	done
done
NCASES=${#C_KIND[@]}
for ((i = 0; i < NCASES; i++)); do
	result "${C_KIND[i]}" "${C_SUITE[i]}" "${C_ENCAP[i]}" mtu 1 "${C_MTU[i]}" B
done
say "setup of $NCASES cases done at $(( $(now) - START )) s"

# vm_run_retry (run-demo) boots again if the VM dies before this line.
say "measuring"
for ((rep = 1; rep <= REPS; rep++)); do
	crypto_ceiling "$rep"
	for t in $TESTS; do
		for ((i = 0; i < NCASES; i++)); do
			[ "${C_OK[i]}" = 1 ] && measure "$i" "$t" "$rep"
		done
	done
	say "rep $rep done at $(( $(now) - START )) s"
done
[ "$MANY" -gt 1 ] && many_phase
say "all measured in $(( $(now) - START )) s"

python3 "$REPORT" --out "$OUT" "$RES" || FAILED=1
# No teardown (see bkeys above): the VM powers off next.
T_NETNS=() T_LINKS=()
exit "$FAILED"
