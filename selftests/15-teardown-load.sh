#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 1200
# awsvpn-timeout-full: 7200
# vm: cpus=2
#
# Teardown under load: every way a tunnel can disappear, round after round,
# while iperf3 pushes TCP both ways through it and its crypto is
# asynchronous (pcrypt in front of the AEAD, so requests are still queued
# on the other CPU when the teardown starts).
#
#   link-del     ip link del of the device
#   netns-inner  ip netns del of the namespace the device lives in (its
#                iperf3 client must go first; a ping flood from the peer,
#                answered by that namespace's kernel, goes on throughout)
#   netns-outer  ip netns del of the namespace its UDP socket and veth are
#                in (the device was moved out of it)
#   rmmod        modprobe -r awsvpn (both ends are awsvpn devices)
#   sa-del       both SAs of cgw0 deleted
#   sock-owner   the process whose UDP socket the device adopted exits
#
# cgw0's parallel crypto goes round on, auto, off (its peer: always on), so
# that packets are also waiting in its ordered queues and crypto workers,
# or in them with some crypto done inline ("auto"); the turn runs on from
# one kind to the next, so that every mode meets most kinds.
#
# Topology: the device cgw0 is created in ns tdo (outer: veth, UDP 4500)
# and moved to ns tdi (inner: its address, the iperf3 client); its peer is
# an awsvpn device in ns tda (the iperf3 server), ESP in UDP between them.
# Each round: a new cgw0, iperf3 --bidir (10 Mbit/s each way, so that the
# guest stays responsive), teardown once at least 20 packets went each way
# through cgw0, then the next round.  Checked: every round had traffic both
# ways at the moment of the teardown, every teardown command returned within
# 20 s, the device was freed within 20 s (its UDP socket closed; for
# netns-outer, gone from tdi) or, for sa-del and sock-owner, left with no SA
# / no socket; after each kind a new tunnel passes pings; at the end, no
# awsvpn device anywhere, the module unloads, pcrypt's instance is free.
# run_tests.sh then checks kmemleak and the kernel log (refcount warnings,
# "waiting for ... to become free").
#
# Rounds per kind: 2 (12 in all, each parallel mode 4 times); AWSVPN_FUZZ=full
# (run-suite passes it in): 100.
# AWSVPN_TEARDOWN_KINDS (passed in too) limits the kinds.
set -eu
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd iperf3 python3 jq

if [ "${AWSVPN_FUZZ:-}" = full ]; then ROUNDS=100; else ROUNDS=2; fi
# Seconds a teardown may take (and a freed device's socket to close): 20,
# times AWSVPN_TIMEOUT_SCALE on the debug kernel (several times slower);
# wait_for scales its own SECS, so it is given WAIT.
WAIT=20
LIM=$((WAIT * ${AWSVPN_TIMEOUT_SCALE:-1}))
# AWSVPN_TEARDOWN_KINDS: a subset, e.g. for 100 rounds of one kind.
KINDS=${AWSVPN_TEARDOWN_KINDS:-"link-del netns-inner netns-outer rmmod sa-del sock-owner"}
SUITE=aes128-gcm16
NATT="$AWSVPN_SRC/selftests/tools/natt_sock.py"
CU="python3 $AWSVPN_SRC/selftests/tools/cryptouser.py"
C_OUT=192.0.2.1 A_OUT=192.0.2.2	# outer (veth)
C_IN=169.254.44.234 A_IN=169.254.44.233	# inner (the tunnel)

t_check "load awsvpn, pcrypt and crypto_user" eval "mod_load && modprobe -a pcrypt crypto_user"
t_passed || t_done

KC="$T_TMP/c.key" KA="$T_TMP/a.key"
esp_keygen $SUITE "$KC"
esp_keygen $SUITE "$KA"

# ns tda, the peer, stays; tdo and tdi are made again whenever a round
# deletes them.
ns_create tda
esp_quiet_ipv6 tda
outer_up() {
	ns_create tdo &&
	esp_quiet_ipv6 tdo &&
	veth_pair tdo veth-c tda veth-a &&
	ip -n tdo addr add $C_OUT/24 dev veth-c &&
	ip -n tda addr add $A_OUT/24 dev veth-a
}
inner_up() {
	ns_create tdi && esp_quiet_ipv6 tdi
}
t_check "namespaces tdo (outer), tdi (inner), tda (peer)" eval "outer_up && inner_up"
t_passed || t_done

# pcrypt in front of the AEAD the SAs get (its driver read from a probe SA).
PCRYPT=
probe_driver() {
	awsvpn_add probe tda &&
	esp_sa_add tda probe out 0x100 $SUITE "$KC" &&
	awsvpn -n tda show probe --json | jq -r '.[0].sas[0].crypto'
	ip -n tda link del probe 2>/dev/null || true
}
inner=$(probe_driver)
t_check "pcrypt($inner) instantiated" $CU add "pcrypt($inner)"
t_passed && PCRYPT="pcrypt($inner)"
t_on_exit '[ -z "$PCRYPT" ] || wait_for 20 $CU del "$PCRYPT"'

# tunnel [adopted]: cgw0 (made in tdo, moved to tdi) and, unless it is
# there already, peer0 (tda); SPI 0x1000 cgw0 -> peer0, 0x1001 back, ESP in
# UDP 4500.  cgw0 is new every round, peer0 stays: cgw0's outbound SA
# starts a million sequence numbers above the last round's, ahead of
# peer0's replay window.  "adopted": cgw0 gets no socket of its own (the
# round adopts one).
SO=0x1000 SI=0x1001 SEQ=0 PAR=off
tunnel() {
	SEQ=$((SEQ + 1000000))
	ip -n tdo link add cgw0 type awsvpn &&
	awsvpn -n tdo set cgw0 local $C_OUT remote $A_OUT \
		encap "$([ "${1:-}" = adopted ] && echo none || echo udp)" \
		parallel $PAR &&
	esp_sa_add tdo cgw0 out $SO $SUITE "$KC" seq $SEQ &&
	esp_sa_add tdo cgw0 in $SI $SUITE "$KA" &&
	ip -n tdo link set cgw0 netns tdi &&
	ip -n tdi addr add $C_IN/30 dev cgw0 &&
	ip -n tdi link set cgw0 up || return 1
	ip -n tda link show peer0 >/dev/null 2>&1 && return 0
	ip -n tda link add peer0 type awsvpn &&
	awsvpn -n tda set peer0 local $A_OUT remote $C_OUT encap udp \
		parallel on &&
	esp_sa_add tda peer0 out $SI $SUITE "$KA" &&
	esp_sa_add tda peer0 in $SO $SUITE "$KC" &&
	ip -n tda addr add $A_IN/30 dev peer0 &&
	ip -n tda link set peer0 up
}
untunnel() {
	ip -n tdi link del cgw0 2>/dev/null || true
}

# pkts NS DEV: "rx tx" packets of DEV (empty if DEV is gone).
pkts() {
	ip -n "$1" -s -j link show dev "$2" 2>/dev/null |
		jq -r '.[0].stats64 | "\(.rx.packets) \(.tx.packets)"'
}

# load_start [flood]: iperf3 server in tda, client in tdi, TCP both ways;
# "flood": also a ping flood from tda to tdi.
IPORT=5201 CLIENT= PINGER= OWNER=
load_start() {
	IPORT=$(( IPORT == 5260 ? 5201 : IPORT + 1 ))
	ip netns exec tda iperf3 -s -1 -D -B $A_IN -p $IPORT \
		-I "$T_TMP/iperf-s.pid" --logfile "$T_TMP/iperf-s.log" || return 1
	wait_for 10 eval "ip netns exec tda ss -Hltn 'sport = :$IPORT' | grep -q ." ||
		return 1
	ip netns exec tdi iperf3 -c $A_IN -p $IPORT -t 120 --bidir -b 10M \
		> "$T_TMP/iperf-c.log" 2>&1 &
	CLIENT=$!
	if [ "${1:-}" = flood ]; then
		ip netns exec tda ping -q -f -s 1000 -w 120 $C_IN > /dev/null 2>&1 &
		PINGER=$!
	fi
}
# stop PID...: kill and reap (quietly).
stop() {
	local p
	for p in "$@"; do
		[ -n "$p" ] || continue
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}
load_stop() {
	stop "$CLIENT" "$PINGER"
	CLIENT= PINGER=
	[ -f "$T_TMP/iperf-s.pid" ] && kill -9 "$(cat "$T_TMP/iperf-s.pid")" 2>/dev/null || true
	rm -f "$T_TMP/iperf-s.pid"
}
t_on_exit load_stop

# flowing NS DEV RX0 TX0: at least 20 more packets each way than RX0/TX0;
# the counts seen in RX and TX.
flowing() {
	read -r RX TX <<< "$(pkts "$1" "$2")"
	[ -n "$RX" ] || return 1
	[ "$RX" -ge $(($3 + 20)) ] && [ "$TX" -ge $(($4 + 20)) ]
}

# timed SECS CMD...: run CMD; fail if it fails or takes over SECS
# seconds (a teardown stuck on a reference).
SLOWEST=0
timed() {
	local lim=$1 t0 t1 rc
	shift
	t0=$(date +%s%N)
	timeout -k 5 "$lim" "$@" > "$T_TMP/timed.log" 2>&1 && rc=0 || rc=$?
	t1=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$t1" -gt "$SLOWEST" ] && SLOWEST=$t1
	return "$rc"
}

# timed_here SECS CMD...: the same for a command of this shell (a function),
# which cannot be interrupted: fails if it took over SECS seconds.
timed_here() {
	local lim=$1 t0 t1
	shift
	t0=$(date +%s%N)
	"$@" > "$T_TMP/timed.log" 2>&1
	t1=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$t1" -gt "$SLOWEST" ] && SLOWEST=$t1
	[ "$t1" -le $((lim * 1000)) ]
}

# ping_ok: the tunnel of the last round passes pings both ways.
ping_ok() {
	[ "$(esp_ping tdi 3 56 $A_IN)" = 3 ] && [ "$(esp_ping tda 3 56 $C_IN)" = 3 ]
}

gone_everywhere() {
	local ns
	for ns in tdo tdi tda ""; do
		ip netns pids "$ns" >/dev/null 2>&1 || [ -z "$ns" ] || continue
		ip ${ns:+-n $ns} -j link show type awsvpn 2>/dev/null | jq -e 'length == 0' >/dev/null ||
			return 1
	done
}

# The sock-owner rounds: a process holds a UDP 4500 socket of tdo that cgw0
# (in tdi) adopted; it is killed with the load running.
adopt() {
	local d="$T_TMP/adopt.$1"
	rm -rf "$d" && mkdir -p "$d"
	ip netns exec tdi python3 "$NATT" adopt --dev cgw0 --addr $C_OUT \
		--port 4500 --dir "$d" --kind netns:tdo > /dev/null 2>&1 &
	OWNER=$!
	wait_for 20 test -e "$d/ready" && [ "$(cat "$d/set.rc")" = 0 ]
}

sock_none() {
	[ "$(awsvpn -n tdi show cgw0 --json | jq -r '.[0].socket')" = none ]
}

# udp4500 NS: UDP sockets on port 4500 in NS (the device's own socket goes
# when the device is freed).
udp4500() {
	ip netns exec "$1" ss -Huan 'sport = :4500' | wc -l
}

TURN=0
for kind in $KINDS; do
	bad_setup=0 no_load=0 failed=0 left=0 min_rx=999999 min_tx=999999
	SLOWEST=0
	t0=$(date +%s)
	for r in $(seq "$ROUNDS"); do
		# Parallel crypto on, auto, off in turn (kernel/queue.c):
		# its queues, workers and NAPI go away with the device too.
		TURN=$((TURN + 1))
		case $((TURN % 3)) in 1) PAR=on ;; 2) PAR=auto ;; *) PAR=off ;; esac
		mode=
		[ "$kind" = sock-owner ] && mode=adopted
		if ! tunnel $mode || { [ -n "$mode" ] && ! adopt "$r"; }; then
			bad_setup=$((bad_setup + 1))
			t_diag "$kind round $r: setup failed"
			break
		fi
		read -r rx0 tx0 <<< "$(pkts tdi cgw0)"
		RX= TX=
		if ! load_start "$([ "$kind" = netns-inner ] && echo flood)" ||
		   ! wait_for 30 flowing tdi cgw0 "$rx0" "$tx0"; then
			no_load=$((no_load + 1))
			[ "$no_load" = 1 ] && t_diag "$kind round $r: no traffic: $(pkts tdi cgw0) from $rx0 $tx0; $(tail -n 3 "$T_TMP/iperf-c.log")"
		fi
		[ $((${RX:-0} - rx0)) -lt "$min_rx" ] && min_rx=$((${RX:-0} - rx0))
		[ $((${TX:-0} - tx0)) -lt "$min_tx" ] && min_tx=$((${TX:-0} - tx0))
		case $kind in
		link-del)
			timed $LIM ip -n tdi link del cgw0 ;;
		netns-inner)
			# The client is in tdi and would keep it alive: killed
			# first; the ping flood goes on both ways through cgw0
			# (checked again), and on while tdi dies.
			stop "$CLIENT"
			CLIENT=
			if ! wait_for 10 flowing tdi cgw0 "${RX:-0}" "${TX:-0}"; then
				no_load=$((no_load + 1))
				[ "$no_load" = 1 ] && t_diag "$kind round $r: flood not flowing: $(pkts tdi cgw0)"
			fi
			timed $LIM ip netns del tdi ;;
		netns-outer)
			timed $LIM ip netns del tdo ;;
		rmmod)
			timed $LIM modprobe -r awsvpn ;;
		sa-del)
			timed $LIM sh -c "awsvpn -n tdi sa del cgw0 dir out spi $SO &&
				awsvpn -n tdi sa del cgw0 dir in spi $SI" ;;
		sock-owner)
			# In this shell: it reaps the owner (quietly).
			timed_here $LIM stop "$OWNER" ;;
		esac || {
			failed=$((failed + 1))
			[ "$failed" = 1 ] && t_diag "$kind round $r: teardown failed: $(cat "$T_TMP/timed.log")"
		}
		load_stop
		# What is left, and the state for the next round.
		case $kind in
		link-del)
			# Freed: its socket in tdo closes.
			wait_for $WAIT eval '[ "$(udp4500 tdo)" = 0 ]' || left=$((left + 1)) ;;
		netns-inner)
			# cgw0 freed with tdi (cleanup_net): its socket in tdo closes.
			wait_for $WAIT eval '[ "$(udp4500 tdo)" = 0 ]' || left=$((left + 1))
			inner_up ;;
		netns-outer)
			# pre_exit deleted cgw0 in tdi.
			wait_for $WAIT eval '! ip -n tdi link show cgw0 >/dev/null 2>&1' ||
				left=$((left + 1))
			outer_up ;;
		rmmod)
			mod_loaded && left=$((left + 1))
			mod_load ;;
		sa-del)
			[ "$(awsvpn -n tdi show cgw0 --json | jq '.[0].sas | length')" = 0 ] ||
				left=$((left + 1)) ;;
		sock-owner)
			wait_for 10 sock_none || left=$((left + 1)) ;;
		esac
		untunnel
	done
	t_eq "$kind: $ROUNDS rounds set up, traffic both ways in each at teardown" \
		"0 0" "$bad_setup $no_load"
	t_diag "$kind: fewest packets through cgw0 before a teardown: rx $min_rx, tx $min_tx; slowest teardown $SLOWEST ms; $(( $(date +%s) - t0 )) s"
	t_eq "$kind: every teardown returned within $LIM s" 0 "$failed"
	t_eq "$kind: nothing left behind after each (device freed, or no SA / no socket)" 0 "$left"
	t_check "$kind: afterwards a new tunnel passes pings both ways" \
		eval "tunnel && ping_ok"
	untunnel
	ip -n tda link del peer0 2>/dev/null || true
done

t_check "no awsvpn device left in any namespace" gone_everywhere
t_check "awsvpn unloads" mod_unload
t_check "$PCRYPT is free again (no SA holds it)" wait_for 20 $CU del "$PCRYPT"
t_passed && PCRYPT=
t_done
