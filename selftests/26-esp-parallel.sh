#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 1200
# vm: cpus=2
#
# "parallel on": each packet's crypto runs on the next CPU in turn, and the
# device still sends and delivers packets in the order they came
# (kernel/queue.c).  Two vCPUs, so that two packets of one flow really are
# in the crypto at the same time, on different CPUs.
#
# Per pass -- aes256+sha2-256 on the CPU's own AEAD, aes256-gcm16 with
# pcrypt in front of the AEAD as well (an async driver: completions from
# yet another worker) -- awsvpn0 (ns cgw, parallel on)
# against an xfrm interface (ns aws), as in 20-esp-interop:
#   - show --json says parallel; pings both ways, IPv4 and IPv6, up to
#     fragmented sizes; 300 back-to-back echoes each way;
#   - order: 2000 numbered UDP datagrams each way, in bursts: every one
#     arrives, none after a later one; the ESP sequence numbers awsvpn0
#     puts on the wire only ever grow (capture on veth-aws);
#   - TCP, 4 MiB each way: the receiver of awsvpn0's packets queued no
#     segment out of order (TcpExtTCPOFOQueue unchanged);
#   - exact counters: awsvpn0 tx == xfrm44 rx and the reverse (packets and
#     bytes), per SA == device, no error counter moved on either side;
#   - replay stays exact: 200 ESP packets cgw never saw (nft dropped them),
#     each then sent twice back to back: +200 rx_packets, +200 rx_replay;
#   - parallel off and on again while a flow arrives: all of it arrives;
#     the device down and up while a flow arrives (what was queued is
#     dropped, counted in rx_dropped: a figure), then traffic again and a
#     flow in order; deleted while a flow arrives: "link del" returns
#     within 10 s (it waits for every reference to the device).
# "on" sends every packet through the workers: tx_parallel == tx_packets,
# rx_parallel == rx_packets.  "parallel auto" (aes128-gcm16, a sync AEAD
# on the workers; all of the above): pings 0.2 s apart run inline
# (tx_parallel, rx_parallel stay 0), the flows and TCP reach the workers
# (both > 0), and the order and counters are as exact as with "on" -- but
# for TCP's segments from awsvpn0, which "auto" sends inline from two CPUs
# (the process's and the ACKs') while quiet, as "off" does: a figure.
# After each pass's traffic, the costs "auto" decides with (JSON
# tx/rx_crypt_ns, tx/rx_hop_ns; the "cost:" line of show) are measured,
# > 0, but under pcrypt only the receive hop (the AEAD async, the
# transmit hop's far end timed after a sync AEAD only); "off" after
# the traffic shows none (a mode change starts them again).  A guest too
# slow to be busy (TCP under 200 segments/s either way: the debug kernel)
# has only the AEAD's costs, and "reach the workers" is skipped.  A new device
# has none (0, no line), and netlink refuses to set them.
# "auto" is the default and makes a direction's rings the first time it is
# busy (the auto pass's flows reach the workers without "set parallel" having
# made any): 40 idle new devices add no 8 KiB ring objects to the slab,
# "parallel on" on them adds four each.  Netlink: a value above 2 (auto) is
# refused with ERANGE and a message.  Then the runner's kmemleak and
# kernel-log checks.
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd iperf3 busybox python3 jq nstat nft taskset

CU="python3 $AWSVPN_SRC/selftests/tools/cryptouser.py"
SEQ="python3 $AWSVPN_SRC/selftests/tools/seqflow.py"
GENL="python3 $AWSVPN_SRC/selftests/tools/genl.py"
KEYDIR="$AWSVPN_OUT/26-esp-parallel"
C4=169.254.46.234 A4=169.254.46.233 C6=fd00:46::2 A6=fd00:46::1
N=2000

t_check "load awsvpn" mod_load
t_passed || t_done
t_check "load pcrypt and crypto_user" modprobe -a pcrypt crypto_user
t_passed || t_done
mkdir -p "$KEYDIR" && chmod 700 "$KEYDIR"

t_check "namespaces cgw and aws over veth" esp_topology

sa_driver() {
	awsvpn -n cgw show "$1" --json |
		jq -r "[.[0].sas[] | select(.spi == \"$(printf 0x%08x $(($2)))\")][0].crypto"
}

# pcrypt in front of the AEAD awsvpn gets for SUITE (as in 23-esp-async).
PCRYPT=
pcrypt_add() {
	local inner
	esp_keygen "$1" "$KEYDIR/probe.key"
	awsvpn_add probe cgw &&
	esp_sa_add cgw probe out 0x300 "$1" "$KEYDIR/probe.key" &&
	inner=$(sa_driver probe 0x300)
	ip -n cgw link del probe
	[ -n "$inner" ] || return 1
	$CU add "pcrypt($inner)" || return 1
	PCRYPT="pcrypt($inner)"
}
t_on_exit '[ -z "$PCRYPT" ] || wait_for 10 $CU del "$PCRYPT"'

# capture_start NAME SRC DST COUNT [IDLE]: ESP capture on veth-aws in the
# background (esptool.py capture), up to 30 s.  A Python capture under a
# flood misses some packets: with IDLE it ends IDLE s after the last one
# it saw rather than waiting out its timeout for all of them.
capture_start() {
	rm -f "$T_TMP/$1" "$T_TMP/$1.ready"
	ip netns exec aws python3 "$ESP_TOOL" capture --iface veth-aws \
		--src "$2" --dst "$3" --count "$4" --timeout 30 --idle "${5:-0}" \
		--out "$T_TMP/$1" --ready "$T_TMP/$1.ready" &
	CAP_PID=$!
	wait_for 20 test -e "$T_TMP/$1.ready"
}

# flow RECV_NS ADDR SEND_NS COUNT: the receiver's one-line verdict.
flow() {
	local rns=$1 addr=$2 sns=$3 count=$4 pid
	rm -f "$T_TMP/flow" "$T_TMP/flow.ready"
	ip netns exec "$rns" $SEQ recv --addr "$addr" --port 7000 \
		--count "$count" --timeout 10 --out "$T_TMP/flow" \
		--ready "$T_TMP/flow.ready" &
	pid=$!
	wait_for 10 test -e "$T_TMP/flow.ready"
	# One CPU sends: whatever reorders is the tunnel's doing, not two
	# CPUs' backlogs on the way in.
	ip netns exec "$sns" taskset -c 0 $SEQ send --dst "$addr" --port 7000 \
		--count "$count" --size 1000
	wait "$pid"
	cat "$T_TMP/flow" 2>/dev/null
}

# iperf_pps: the last esp_iperf's rate in 1,400-byte segments a second
# ("?" if it cannot be read).
iperf_pps() {
	local v
	v=$(jq -re '.end.sum_sent.bits_per_second / 8 / 1400 | floor' \
		"$T_TMP/iperf" 2>/dev/null) || v=
	[[ $v =~ ^[0-9]+$ ]] || v='?'
	echo "$v"
}

# The ESP sequence numbers in capture file F: "COUNT increasing|REORDERED".
wire_order() {
	local seqs
	seqs=$(python3 "$ESP_TOOL" esp-info --file "$1" | awk '{ print $2 }')
	awk 'BEGIN { n = 0; bad = 0; last = -1 }
		{ n++; if ($1 <= last) bad++; last = $1 }
		END { printf "%d %s\n", n, bad ? "REORDERED" : "increasing" }' \
		<<< "$seqs"
}

ofo() {
	ip netns exec "$1" nstat -as TcpExtTCPOFOQueue 2>/dev/null |
		awk '$1 == "TcpExtTCPOFOQueue" { v = $2 } END { print v + 0 }'
}

# dstat DEV COUNTER: a device counter of cgw's awsvpn0.
dstat() {
	awsvpn -n cgw show awsvpn0 --json | jq -r ".[0].stats.$1"
}

# sign N...: "0", "yes" (> 0) or "no:N" for each.
sign() {
	local v out=
	for v; do
		if [ "$v" = 0 ]; then
			out="$out 0"
		elif [ "$v" -gt 0 ] 2>/dev/null; then
			out="$out yes"
		else
			out="$out no:$v"
		fi
	done
	echo "${out# }"
}

# decide CRYPT HOP: where "auto" runs a busy direction's crypto.
decide() {
	if [ "$1" -gt 0 ] && [ "$2" -gt 0 ] && [ "$1" -le "$2" ]; then
		echo inline
	else
		echo workers
	fi
}

# prom_costs DEV: cgw's DEV's awsvpn_parallel_cost_seconds samples in ns,
# as JSON orders them (out crypto, out hop, in crypto, in hop; 0: none).
prom_costs() {
	awsvpn -n cgw show "$1" --prometheus | awk '
		/^awsvpn_parallel_cost_seconds\{/ {
			d = $0; sub(/.*dir="/, "", d); sub(/".*/, "", d)
			p = $0; sub(/.*part="/, "", p); sub(/".*/, "", p)
			v[d " " p] = sprintf("%.0f", $NF * 1e9)
		}
		END {
			printf "%d %d %d %d\n", v["out crypto"], v["out hop"],
				v["in crypto"], v["in hop"]
		}'
}

# slow_ping NS ADDR: replies to 5 pings 0.2 s apart (quiet for "auto").
slow_ping() {
	ip netns exec "$1" ping -q -c 5 -i 0.2 -W 3 "$2" 2>&1 |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

i=0
for suite in aes256+sha2-256 "aes256-gcm16 async" "aes128-gcm16 auto"; do
	i=$((i + 1))
	s=$suite
	suite=${suite%% *}
	mode=on
	[ "$s" = "$suite auto" ] && mode=auto
	SO=$(printf '0x%08x' $((0x26000 + 2 * i)))	# cgw -> aws
	SI=$(printf '0x%08x' $((0x26001 + 2 * i)))	# aws -> cgw
	kout="$KEYDIR/${suite/+/-}.out.key" kin="$KEYDIR/${suite/+/-}.in.key"
	esp_keygen "$suite" "$kout"
	esp_keygen "$suite" "$kin"
	t_check "$s: XFRM peer xfrm44" \
		esp_xfrm_peer aws xfrm44 veth-aws 46 192.0.2.2 192.0.2.1 \
		"$SI" "$SO" "$suite" "$kin" "$kout"
	if [ "$s" = "$suite async" ]; then
		t_check "$s: pcrypt instantiated in front of awsvpn's AEAD" \
			pcrypt_add "$suite"
	fi
	t_check "$s: awsvpn0 (spi $SO out, $SI in), parallel $mode" eval \
		'esp_awsvpn_peer cgw awsvpn0 192.0.2.1 192.0.2.2 "$SO" "$SI" \
			"$suite" "$kout" "$kin" &&
		 awsvpn -n cgw set awsvpn0 parallel $mode'
	if ! t_passed; then
		esp_teardown
		continue
	fi
	t_eq "$s: show --json: parallel true, parallel_mode $mode" "true $mode" \
		"$(awsvpn -n cgw show awsvpn0 --json | jq -r '.[0] | "\(.parallel) \(.parallel_mode)"')"
	if [ -n "$PCRYPT" ]; then
		t_match "$s: both SAs run on pcrypt" '^pcrypt\(.*\) pcrypt\(.*\)$' \
			"$(sa_driver awsvpn0 "$SO") $(sa_driver awsvpn0 "$SI")"
	fi
	mtu=$(ip netns exec cgw cat /sys/class/net/awsvpn0/mtu)
	# One ESP packet per xfrm44 tx packet, as in 23-esp-async.
	ip -n aws link set xfrm44 mtu "$mtu" gso_max_segs 1
	ip -n cgw addr add "$C4/30" dev awsvpn0
	ip -n cgw addr add "$C6/64" dev awsvpn0 nodad
	ip -n aws addr add "$A4/30" dev xfrm44
	ip -n aws addr add "$A6/64" dev xfrm44 nodad

	if [ $mode = auto ]; then
		t_eq "$s: 5 pings 0.2 s apart each way: all inline (tx_parallel rx_parallel 0 0)" \
			"5 5 0 0" \
			"$(slow_ping cgw "$A4") $(slow_ping aws "$C4") $(dstat tx_parallel) $(dstat rx_parallel)"
	fi

	want= got=
	for size in 56 1372 2000; do
		want="$want $size:2/2/1/1"
		got="$got $size:$(esp_ping cgw 2 "$size" "$A4")/$(esp_ping aws 2 "$size" "$C4")/$(esp_ping cgw 1 "$size" "$A6")/$(esp_ping aws 1 "$size" "$C6")"
	done
	t_eq "$s: pings v4 cgw->aws/aws->cgw (2 each), v6 (1 each), size:replies" \
		"$want" "$got"
	t_eq "$s: 300 back-to-back echoes cgw -> aws, 300 aws -> cgw" "300 300" \
		"$(esp_ping cgw 300 500 "$A4") $(esp_ping aws 300 500 "$C4")"

	# Order, receive side: awsvpn0 decrypts on both CPUs.
	t_eq "$s: $N datagrams aws -> cgw: all delivered, none out of order" \
		"received $N reordered 0 duplicates 0 first-reorder -1" \
		"$(flow cgw "$C4" aws "$N")"
	# Order, send side: awsvpn0 encrypts on both CPUs.
	capture_start tx 192.0.2.1 192.0.2.2 "$N" 3
	t_eq "$s: $N datagrams cgw -> aws: all delivered, none out of order" \
		"received $N reordered 0 duplicates 0 first-reorder -1" \
		"$(flow aws "$A4" cgw "$N")"
	wait "$CAP_PID"
	# With its 16 MiB buffer the capture saw all 4,000 in every run; with
	# 208 KiB it missed up to three quarters.  A tenth of them is the
	# least that still says something.
	read -r seen order <<< "$(wire_order "$T_TMP/tx")"
	t_eq "$s: wire: ESP sequence numbers from awsvpn0 only grow ($((N / 10)) or more captured)" \
		"increasing yes" "$order $([ "$seen" -ge $((N / 10)) ] && echo yes || echo "no: $seen")"
	t_diag "$s: wire: $seen $order (captured of $N)"

	o_c=$(ofo cgw) o_a=$(ofo aws)
	rm -f "$T_TMP/iperf"
	t_check "$s: iperf3 -n 4M aws -> cgw" \
		esp_iperf cgw aws "$C4" -n 4M -w 256K -J
	pps_rx=$(iperf_pps)
	rm -f "$T_TMP/iperf"
	t_check "$s: iperf3 -n 4M cgw -> aws" \
		esp_iperf aws cgw "$A4" -n 4M -w 256K -J
	pps_tx=$(iperf_pps)
	t_diag "$s: TCP at $pps_tx segments/s cgw -> aws, $pps_rx aws -> cgw"
	# At aws, data encrypted by awsvpn0.  (At cgw, the XFRM peer's
	# segments, sent from both CPUs -- the process's and softirq's on ACK
	# arrival -- can already cross in veth's per-CPU backlogs: a figure.)
	# "auto" sends inline from the sending CPU while quiet, as "off"
	# does: TCP's sends from two CPUs may cross then (a figure).
	if [ $mode = on ]; then
		t_eq "$s: TCP cgw -> aws: no segment queued out of order (TCPOFOQueue +0 at aws)" \
			0 "$(($(ofo aws) - o_a))"
	else
		t_diag "$s: TCP cgw -> aws: TCPOFOQueue +$(($(ofo aws) - o_a)) at aws"
	fi
	t_diag "$s: TCP aws -> cgw: TCPOFOQueue +$(($(ofo cgw) - o_c)) at cgw"

	sleep 1
	if esp_counters --awsvpn cgw:awsvpn0 --link X:aws:xfrm44 --states XS:aws; then
		t_eq "$s: xfrm44 rx == awsvpn0 tx, awsvpn0 rx == xfrm44 tx (packets/bytes)" \
			"$A_tx_packets/$A_tx_bytes $A_rx_packets/$A_rx_bytes" \
			"$X_rx_packets/$X_rx_bytes $X_tx_packets/$X_tx_bytes"
		t_eq "$s: per-SA == device counters" \
			"$A_tx_packets/$A_tx_bytes/$A_rx_packets/$A_rx_bytes" \
			"$SA_out_tx_packets/$SA_out_tx_bytes/$SA_in_rx_packets/$SA_in_rx_bytes"
		t_eq "$s: awsvpn0 error counters all 0" "0 0 0 0 0 / 0 0 0 / 0 0" \
			"$A_rx_replay $A_rx_auth_fail $A_rx_bad_trailer $A_rx_no_sa $A_rx_errors / $A_tx_no_sa $A_tx_seq_exhausted $A_tx_errors / $AL_rx_dropped $AL_tx_dropped"
		t_eq "$s: XFRM side: no replay/ICV failure, no rx/tx error" \
			"0/0/0/0/0/0" \
			"$(eval echo "\${XS_${SO#0x}_replay:-x}/\${XS_${SO#0x}_failed:-x}/\${XS_${SI#0x}_replay:-x}/\${XS_${SI#0x}_failed:-x}")/$X_rx_errors/$X_tx_errors"
		rx0=$A_rx_packets/$SA_in_rx_packets rp0=$A_rx_replay
		# What "auto" decides with, measured on one packet in 16: the
		# AEAD's cost (sync drivers only: pcrypt's never) and the hop's.
		costs=$(awsvpn -n cgw show awsvpn0 --json | jq -r '.[0] | "\(.tx_crypt_ns) \(.tx_hop_ns) \(.rx_crypt_ns) \(.rx_hop_ns)"')
		read -r tc th rc rh <<< "$costs"
		# "auto" goes to the workers only at more than 2,000 packets/s
		# in a direction (2,000/HZ in a jiffy and the one before).  TCP's
		# bursts get there at averages well below that (700 segments/s
		# on a loaded host did), but a guest as slow as the debug
		# kernel (some 55/s) rightly stays inline, and there is no hop
		# to measure: below 200/s either way only the AEAD's costs are
		# checked (one slow direction: the guest is that slow).
		slow= pps=
		for v in "$pps_tx" "$pps_rx"; do
			[ "$v" != '?' ] && { [ -z "$pps" ] || [ "$v" -lt "$pps" ]; } &&
				pps=$v
		done
		[ $mode = auto ] && [ -n "$pps" ] && [ "$pps" -lt 200 ] &&
			slow=yes
		# Under pcrypt only the receive hop (the hand-off alone): the
		# AEAD is async, and the transmit hop's far end is timed only
		# after a synchronous one.
		want="yes yes yes yes" nm='[0-9.]+ [nu]s' hop='[0-9.]+ [nu]s'
		pat='[0-9.]+ [nu]s; rx crypto [0-9.]+ [nu]s'
		if [ -n "$PCRYPT" ]; then
			want="0 0 0 yes" pat='-; rx crypto -'
			nm=-
		fi
		if [ -n "$slow" ]; then
			t_eq "$s: measured costs (crypto tx, crypto rx; yes: > 0 ns; too slow a guest for hops)" \
				"yes yes" "$(sign $tc $rc)"
			hop='([0-9.]+ [nu]s|-)'
			pat="$hop; rx crypto [0-9.]+ [nu]s"
		else
			t_eq "$s: measured costs (crypto tx, hop tx, crypto rx, hop rx; yes: > 0 ns)" \
				"$want" "$(sign $tc $th $rc $rh)"
		fi
		t_eq "$s: prometheus awsvpn_parallel_cost_seconds == JSON (ns)" \
			"$costs" "$(prom_costs awsvpn0)"
		t_match "$s: show: the cost line" \
			"^ +cost: +tx crypto $nm, hop $pat, hop $hop\$" \
			"$(awsvpn -n cgw show awsvpn0 | grep 'cost:')"
		t_diag "$s: costs tx crypto $tc ns, hop $th ns; rx crypto $rc ns, hop $rh ns ($mode: tx $(decide "$tc" "$th"), rx $(decide "$rc" "$rh") while busy)"
		if [ $mode = on ]; then
			t_eq "$s: on: every packet's crypto on a worker (tx_parallel/rx_parallel == tx/rx packets)" \
				"$A_tx_packets/$A_rx_packets" \
				"$A_tx_parallel/$A_rx_parallel"
		elif [ -n "$slow" ]; then
			t_skip "$s: auto: the flows reached the workers, not every packet did (tx, rx)" \
				"TCP ran at $pps segments/s, too slow to be busy for auto"
		else
			t_match "$s: auto: the flows reached the workers, not every packet did (tx, rx)" \
				'^yes yes$' \
				"$( [ "$A_tx_parallel" -gt 0 ] && [ "$A_tx_parallel" -lt "$A_tx_packets" ] && echo yes || echo no) $( [ "$A_rx_parallel" -gt 0 ] && [ "$A_rx_parallel" -lt "$A_rx_packets" ] && echo yes || echo no)"
			t_diag "$s: auto: on workers tx $A_tx_parallel of $A_tx_packets, rx $A_rx_parallel of $A_rx_packets"
		fi
	else
		t_fail "$s: read counters"
	fi

	# Duplicates in flight together: 200 ESP packets cgw never saw
	# (ESP input dropped by nft while the peer sent them), then each sent
	# twice back to back.  Both copies pass the lock-free pre-check when
	# the first is still in the queue; the window update in order after
	# decryption must take the first and count the second.
	ip netns exec cgw nft -f - <<-EOF
	table ip partest {
		chain in { type filter hook input priority 0; ip protocol esp drop; }
	}
	EOF
	capture_start dup 192.0.2.2 192.0.2.1 200
	ip netns exec aws taskset -c 0 $SEQ send --dst "$C4" --port 7002 \
		--count 200 --size 1000
	wait "$CAP_PID"
	ip netns exec cgw nft delete table ip partest
	t_eq "$s: 200 fresh ESP packets aws -> cgw captured, none delivered" \
		"200 $rx0" "$(grep -c . "$T_TMP/dup" 2>/dev/null) $(
			esp_counters --awsvpn cgw:awsvpn0
			echo "$A_rx_packets/$SA_in_rx_packets")"
	ip netns exec aws python3 "$ESP_TOOL" send --dst 192.0.2.1 \
		--file "$T_TMP/dup" --all --repeat 2
	sleep 1
	esp_counters --awsvpn cgw:awsvpn0
	t_eq "$s: each twice: rx_packets +200 (device/SA), rx_replay +200" \
		"$((${rx0%/*} + 200))/$((${rx0#*/} + 200)) $((rp0 + 200))" \
		"$A_rx_packets/$SA_in_rx_packets $A_rx_replay"

	# Off and on again while a flow arrives: nothing lost (packets still
	# queued when it goes off may be overtaken once: a figure), traffic
	# both ways afterwards.
	rm -f "$T_TMP/flow" "$T_TMP/flow.ready"
	ip netns exec cgw $SEQ recv --addr "$C4" --port 7001 --count 3000 \
		--timeout 10 --out "$T_TMP/flow" --ready "$T_TMP/flow.ready" &
	rpid=$!
	wait_for 10 test -e "$T_TMP/flow.ready"
	ip netns exec aws taskset -c 0 $SEQ send --dst "$C4" --port 7001 \
		--count 3000 --size 500 &
	spid=$!
	t_check "$s: parallel off under traffic" \
		awsvpn -n cgw set awsvpn0 parallel off
	t_eq "$s: show --json: parallel false" false \
		"$(awsvpn -n cgw show awsvpn0 --json | jq -r '.[0].parallel')"
	t_eq "$s: parallel off: 50 echoes each way" "50 50" \
		"$(esp_ping cgw 50 500 "$A4") $(esp_ping aws 50 500 "$C4")"
	t_check "$s: parallel $mode again" \
		awsvpn -n cgw set awsvpn0 parallel $mode
	wait "$spid"
	wait "$rpid"
	t_match "$s: the flow across off/on: all 3000 arrived, no duplicate" \
		'^received 3000 reordered [0-9]+ duplicates 0 ' "$(cat "$T_TMP/flow")"
	t_diag "$s: across off/on: $(cat "$T_TMP/flow")"
	t_eq "$s: parallel $mode again: 50 echoes each way" "50 50" \
		"$(esp_ping cgw 50 500 "$A4") $(esp_ping aws 50 500 "$C4")"
	# A mode change starts the measured costs again: with nothing in
	# flight now, "off" (which measures nothing) shows none.
	before=$(awsvpn -n cgw show awsvpn0 --json | jq -r '.[0].tx_crypt_ns')
	awsvpn -n cgw set awsvpn0 parallel off
	bw=yes bl="> 0"
	[ -n "$PCRYPT" ] && bw=0 bl="0, pcrypt"
	t_eq "$s: a mode change starts the costs again (tx crypto before: $bl; off: 0 0 0 0)" \
		"$bw 0 0 0 0" \
		"$(sign "$before") $(awsvpn -n cgw show awsvpn0 --json | jq -r '.[0] | "\(.tx_crypt_ns) \(.tx_hop_ns) \(.rx_crypt_ns) \(.rx_hop_ns)"')"
	awsvpn -n cgw set awsvpn0 parallel $mode

	# Down and up while a flow arrives: the receive queue is emptied.
	d0=$(ip -n cgw -j -s link show awsvpn0 | jq '.[0].stats64.rx.dropped')
	ip netns exec aws $SEQ send --dst "$C4" --port 7001 --count 4000 \
		--size 1000 --gap 0.2 &
	spid=$!
	sleep 1
	t_check "$s: awsvpn0 down while a flow arrives" \
		ip -n cgw link set awsvpn0 down
	sleep 0.5
	t_check "$s: awsvpn0 up again" ip -n cgw link set awsvpn0 up
	wait "$spid"
	t_diag "$s: down/up: rx dropped +$(($(ip -n cgw -j -s link show awsvpn0 |
		jq '.[0].stats64.rx.dropped') - d0)) (queued when it went down, or after)"
	ip -n cgw addr add "$C4/30" dev awsvpn0 2>/dev/null
	ip -n cgw addr add "$C6/64" dev awsvpn0 nodad 2>/dev/null
	t_eq "$s: after down/up: 20 echoes each way" "20 20" \
		"$(esp_ping cgw 20 500 "$A4") $(esp_ping aws 20 500 "$C4")"
	t_eq "$s: after down/up: $N datagrams aws -> cgw in order" \
		"received $N reordered 0 duplicates 0 first-reorder -1" \
		"$(flow cgw "$C4" aws "$N")"

	# Deleted while a flow arrives: nothing keeps it.
	ip netns exec aws $SEQ send --dst "$C4" --port 7001 --count 6000 \
		--size 1000 --gap 0.2 &
	spid=$!
	sleep 1
	# "link del" returns once the core has waited for every reference
	# to the device: a packet stuck in a queue would hold it there.
	ip -n cgw link del awsvpn0 &
	dpid=$!
	t_check "$s: awsvpn0 deleted while a flow arrives, within 10 s" \
		wait_for 10 eval "! kill -0 $dpid 2>/dev/null"
	t_check "$s: awsvpn0 gone" \
		eval '! ip -n cgw link show awsvpn0 >/dev/null 2>&1'
	wait "$spid"
	esp_teardown
	if [ -n "$PCRYPT" ]; then
		t_check "$s: $PCRYPT removed once no SA uses it" \
			wait_for 10 $CU del "$PCRYPT"
		PCRYPT=
	fi
	t_diag "$s: ${SECONDS}s since start"
done

# Netlink: only 0, 1 and 2.
awsvpn_add p0 cgw
out=$(ip netns exec cgw $GENL SET_DEVICE IFNAME=str:p0 PARALLEL=u8:3)
t_match "netlink: parallel 3 refused: ERANGE with a message" \
	'error 34 ERANGE.*extack-msg: .+' "$(tr '\n' ' ' <<< "$out")"
t_eq "tool: 'parallel maybe' refused, device unchanged (auto, the default)" \
	"fail true auto" \
	"$(awsvpn -n cgw set p0 parallel maybe >/dev/null 2>&1 && echo ok || echo fail) $(awsvpn -n cgw show p0 --json | jq -r '.[0] | "\(.parallel) \(.parallel_mode)"')"
out=$(ip netns exec cgw $GENL SET_DEVICE IFNAME=str:p0 TX_HOP_NS=u32:1)
t_match "netlink: a measured cost (TX_HOP_NS) refused: read-only, with extack" \
	'error 22 EINVAL.*extack-msg: .*measured costs are read-only' "$(tr '\n' ' ' <<< "$out")"
t_eq "a new device: costs not measured (0 0 0 0), no cost line in show" \
	"0 0 0 0|" \
	"$(awsvpn -n cgw show p0 --json | jq -r '.[0] | "\(.tx_crypt_ns) \(.tx_hop_ns) \(.rx_crypt_ns) \(.rx_hop_ns)"')|$(awsvpn -n cgw show p0 | grep 'cost:' || true)"
ip -n cgw link del p0

# The rings (two of 1024 pointers, 8 KiB each, per direction) of "auto",
# the default, are made only when a direction is busy: 40 new devices, up
# and idle, have none; "parallel on" makes all four of each at once.
slab8k() {
	awk '$1 ~ /^kmalloc(-rnd-[0-9]+)?-8k$/ { n += $2 } END { print n + 0 }' \
		/proc/slabinfo
}
ip netns add lazy
s0=$(slab8k)
for n in $(seq 40); do
	ip -n lazy link add "l$n" type awsvpn && ip -n lazy link set "l$n" up
done
s1=$(slab8k)
for n in $(seq 40); do
	awsvpn -n lazy set "l$n" parallel on
done
s2=$(slab8k)
t_diag "8 KiB kmalloc objects: $s0, 40 idle auto devices $s1, all parallel on $s2"
# SLUB's counts in /proc/slabinfo are approximate (free objects of CPU
# slabs count as used; other users come and go): 160 new rings showed as
# +148.  Rings made eagerly in auto would add as many.
t_eq "40 idle devices in auto: no rings (< 40 objects of 8 KiB more), parallel on: 4 rings each (>= 100 more)" \
	"yes yes" \
	"$( [ $((s1 - s0)) -lt 40 ] && echo yes || echo no) $( [ $((s2 - s1)) -ge 100 ] && echo yes || echo no)"
ip netns del lazy

t_done
