#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 900
#
# ESP error paths, with the same topology as 20-esp-interop (awsvpn0 in ns
# cgw, an xfrm interface peer in ns aws):
#   (a) a replayed ESP packet (captured on the wire, re-sent from ns aws
#       through a raw IPPROTO_ESP socket) counts rx_replay +1 exactly, on
#       the device and the SA, and is not delivered;
#   (b) a copy of a never-delivered packet with one ICV bit flipped counts
#       rx_auth_fail +1 exactly; the unmodified original, sent afterwards,
#       is accepted (a bad ICV must not move the replay window);
#   (c) ESP for SPIs awsvpn does not own goes on to xfrm: a plain XFRM
#       tunnel from the same namespace (to ns far) works while awsvpn is up,
#       and no awsvpn counter moves;
#   (d) "awsvpn sa add/del" rejects bad requests with a clear message and
#       changes nothing;
#   (e) "awsvpn show" (text and JSON) never prints key material;
#   (f) an outbound SA started at seq 4294967290 sends exactly 5 packets
#       (4294967291..4294967295); the next one counts tx_seq_exhausted, the
#       SA hard-expires (deleted, one warning logged), the carrier goes
#       (reason expired) and later packets are dropped by the stack before
#       they reach the module (tx_no_sa stays 0);
#   (g) the outer header: TTL 64, DSCP and ECN copied from the inner IPv4
#       TOS / IPv6 traffic class (RFC 6040 normal mode), seen on the wire.
# (a) and (b) run for one GCM and one CBC suite.  Helper programs:
# selftests/tools/esptool.py (capture, send, counters).
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd busybox python3 nft jq

KEYDIR="$AWSVPN_OUT/21-esp-errors"
A4=169.254.44.233	# aws inner
C4=169.254.44.234	# cgw inner
SO=0x00021000		# awsvpn outbound (cgw -> aws)
SI=0x00021001		# awsvpn inbound (aws -> cgw)

t_check "load awsvpn" mod_load
t_passed || t_done
mkdir -p "$KEYDIR" && chmod 700 "$KEYDIR"

t_check "namespaces cgw and aws over veth" esp_topology
ns_create far
esp_quiet_ipv6 far

esp() { python3 "$ESP_TOOL" "$@"; }

# setup SUITE [ARGS for the outbound "sa add"...]: awsvpn0 <-> xfrm44.
setup() {
	local suite=$1 integ
	shift
	KOUT="$KEYDIR/${suite/+/-}.out.key" KIN="$KEYDIR/${suite/+/-}.in.key"
	esp_keygen "$suite" "$KOUT"
	esp_keygen "$suite" "$KIN"
	awsvpn_add awsvpn0 cgw &&
	awsvpn -n cgw set awsvpn0 local 192.0.2.1 remote 192.0.2.2 &&
	esp_sa_add cgw awsvpn0 out "$SO" "$suite" "$KOUT" "$@" &&
	esp_sa_add cgw awsvpn0 in "$SI" "$suite" "$KIN" &&
	ip -n cgw link set awsvpn0 up &&
	ip -n cgw addr add "$C4/30" dev awsvpn0 || return 1
	esp_xfrm_peer aws xfrm44 veth-aws 44 192.0.2.2 192.0.2.1 "$SI" "$SO" \
		"$suite" "$KIN" "$KOUT" || return 1
	ip -n aws link set xfrm44 mtu "$(ip netns exec cgw cat /sys/class/net/awsvpn0/mtu)"
	ip -n aws addr add "$A4/30" dev xfrm44
}

# capture_start NAME SRC DST COUNT [TIMEOUT]: sniff ESP on veth-aws (ns aws)
# in the background into $T_TMP/NAME; returns once the socket is bound.
capture_start() {
	rm -f "$T_TMP/$1" "$T_TMP/$1.ready"
	ip netns exec aws python3 "$ESP_TOOL" capture --iface veth-aws \
		--src "$2" --dst "$3" --count "$4" --timeout "${5:-20}" \
		--out "$T_TMP/$1" --ready "$T_TMP/$1.ready" &
	CAP_PID=$!
	wait_for 20 test -e "$T_TMP/$1.ready"
}

capture_wait() {
	wait "$CAP_PID"
}

# Counters of awsvpn0 as one string, for "nothing moved" comparisons.
all_counters() {
	esp_counters --awsvpn cgw:awsvpn0 || return 1
	set | grep -E '^(A|AL|SA)_[A-Za-z0-9_]+=' | sort | tr '\n' ' '
}

inject() {
	ip netns exec aws python3 "$ESP_TOOL" send --dst 192.0.2.1 "$@"
	sleep 0.3	# let async crypto finish
}

# ------------------------------------------------- (a) replay, (b) ICV
for suite in aes128-gcm16 aes256+sha2-256; do
	s=$suite
	t_check "$s: awsvpn0 <-> xfrm44 set up" setup "$suite"
	if ! t_passed; then
		esp_teardown
		continue
	fi
	t_eq "$s: tunnel works (ping cgw -> aws)" 1 "$(esp_ping cgw 1 56 "$A4")"

	# (a) replay
	capture_start a 192.0.2.2 192.0.2.1 1
	t_eq "$s: replay: ping aws -> cgw answered" 1 "$(esp_ping aws 1 56 "$C4")"
	t_check "$s: replay: ESP packet aws -> cgw captured" capture_wait
	esp_counters --awsvpn cgw:awsvpn0
	rx0=$A_rx_packets/$SA_in_rx_packets rp0=$A_rx_replay/$SA_in_rx_replay
	af0=$A_rx_auth_fail
	t_check "$s: replay: re-inject the captured packet" inject --file "$T_TMP/a"
	esp_counters --awsvpn cgw:awsvpn0
	t_eq "$s: replay: rx_replay +1 (device/SA)" \
		"$((${rp0%/*} + 1))/$((${rp0#*/} + 1))" "$A_rx_replay/$SA_in_rx_replay"
	t_eq "$s: replay: rx_packets unchanged (device/SA)" "$rx0" \
		"$A_rx_packets/$SA_in_rx_packets"
	t_eq "$s: replay: rx_auth_fail unchanged" "$af0" "$A_rx_auth_fail"

	# ESP for awsvpn0's SPI while awsvpn0 is down: taken (xfrm would
	# count it as no-state) and dropped, in ip -s link's rx dropped.
	rxd() { ip -n cgw -s -j link show awsvpn0 | jq '.[0].stats64.rx.dropped'; }
	d0=$(rxd) rx0=$A_rx_packets
	ip -n cgw link set awsvpn0 down
	t_eq "$s: down: ping aws -> cgw unanswered" 0 "$(esp_ping aws 1 56 "$C4")"
	ip -n cgw link set awsvpn0 up
	ip -n cgw addr replace "$C4/30" dev awsvpn0
	esp_counters --awsvpn cgw:awsvpn0
	t_eq "$s: down: rx dropped +1, rx_packets unchanged" \
		"$((d0 + 1)) $rx0" "$(rxd) $A_rx_packets"
	t_eq "$s: up again: ping aws -> cgw answered" 1 "$(esp_ping aws 1 56 "$C4")"

	# (b) flipped ICV bit on a packet that was never delivered
	ip netns exec cgw nft -f - <<-EOF
	table ip esptest {
		chain in { type filter hook input priority 0; ip protocol esp drop; }
	}
	EOF
	capture_start b 192.0.2.2 192.0.2.1 1
	t_eq "$s: icv: ping aws -> cgw dropped by nft before awsvpn" 0 \
		"$(esp_ping aws 1 56 "$C4")"
	t_check "$s: icv: ESP packet aws -> cgw captured" capture_wait
	ip netns exec cgw nft delete table ip esptest
	esp_counters --awsvpn cgw:awsvpn0
	rx0=$A_rx_packets/$SA_in_rx_packets af0=$A_rx_auth_fail/$SA_in_rx_auth_fail
	rp0=$A_rx_replay tx0=$A_tx_packets
	t_check "$s: icv: inject the packet with the last ICV bit flipped" \
		inject --file "$T_TMP/b" --flip-last-bit
	esp_counters --awsvpn cgw:awsvpn0
	t_eq "$s: icv: rx_auth_fail +1 (device/SA)" \
		"$((${af0%/*} + 1))/$((${af0#*/} + 1))" \
		"$A_rx_auth_fail/$SA_in_rx_auth_fail"
	t_eq "$s: icv: rx_packets unchanged (device/SA)" "$rx0" \
		"$A_rx_packets/$SA_in_rx_packets"
	t_eq "$s: icv: rx_replay unchanged" "$rp0" "$A_rx_replay"
	t_check "$s: icv: inject the unmodified original" inject --file "$T_TMP/b"
	esp_counters --awsvpn cgw:awsvpn0
	t_eq "$s: icv: original accepted: rx_packets +1 (device/SA)" \
		"$((${rx0%/*} + 1))/$((${rx0#*/} + 1))" \
		"$A_rx_packets/$SA_in_rx_packets"
	t_eq "$s: icv: original accepted: no replay, no new auth-fail" \
		"$rp0/$((${af0%/*} + 1))" "$A_rx_replay/$A_rx_auth_fail"
	sleep 0.5
	esp_counters --awsvpn cgw:awsvpn0
	t_eq "$s: icv: the delivered echo request was answered (tx +1)" \
		"$((tx0 + 1))" "$A_tx_packets"
	esp_teardown
done

# ------------------------------------------------- (c) foreign SPIs
setup aes128-gcm16 || t_fail "(c) setup"
veth_pair cgw veth-far far veth-cgw
ip -n cgw addr add 198.51.100.1/24 dev veth-far
ip -n far addr add 198.51.100.2/24 dev veth-cgw
esp_keygen aes256+sha2-512 "$KEYDIR/far.1.key"
esp_keygen aes256+sha2-512 "$KEYDIR/far.2.key"
t_check "(c) plain XFRM tunnel cgw:xfrm55 -> far (spi 0x5501/0x5502)" \
	esp_xfrm_peer cgw xfrm55 veth-far 55 198.51.100.1 198.51.100.2 \
	0x5501 0x5502 aes256+sha2-512 "$KEYDIR/far.1.key" "$KEYDIR/far.2.key"
t_check "(c) plain XFRM tunnel far:xfrm55 -> cgw" \
	esp_xfrm_peer far xfrm55 veth-cgw 55 198.51.100.2 198.51.100.1 \
	0x5502 0x5501 aes256+sha2-512 "$KEYDIR/far.2.key" "$KEYDIR/far.1.key"
ip -n cgw addr add 10.55.0.1/30 dev xfrm55
ip -n far addr add 10.55.0.2/30 dev xfrm55
t_eq "(c) awsvpn0 works before" 1 "$(esp_ping cgw 1 56 "$A4")"
before=$(all_counters)
t_eq "(c) ping cgw -> far over the plain XFRM tunnel (3 replies)" 3 \
	"$(esp_ping cgw 3 1000 10.55.0.2)"
t_eq "(c) ping far -> cgw over the plain XFRM tunnel (3 replies)" 3 \
	"$(esp_ping far 3 56 10.55.0.1)"
after=$(all_counters)
t_eq "(c) no awsvpn0 counter moved" "$before" "$after"
esp_counters --link X:cgw:xfrm55 --states XS:cgw
t_eq "(c) cgw:xfrm55 rx/tx packets, XFRM state packets in/out" "6/6/6/6" \
	"$X_rx_packets/$X_tx_packets/${XS_00005502_packets:-}/${XS_00005501_packets:-}"
t_eq "(c) awsvpn0 still works after" 1 "$(esp_ping cgw 1 56 "$A4")"

# ------------------------------------------------- (d) sa add/del errors
awsvpn_add awsvpn1 cgw
awsvpn -n cgw set awsvpn1 local 192.0.2.1 remote 192.0.2.3

# Every SA of every device in ns cgw (identity, state, seq; not the age).
sa_lines() {
	awsvpn -n cgw show --json 2>&1 | jq -c '.[] | [.ifname,
		(.sas[] | [.dir, .spi, .enc, .integ, .state, .seq, .replay_window])]'
}

# reject DESC REGEX CMD...: CMD fails, its output matches REGEX, and the
# SAs of every device are as before.
reject() {
	local desc=$1 re=$2 out rc
	shift 2
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ "$rc" != 0 ]; then
		t_ok "(d) $desc: rejected"
	else
		t_fail "(d) $desc: rejected" "command succeeded: $*" "$out"
	fi
	t_match "(d) $desc: message" "$re" "$out"
	t_eq "(d) $desc: SAs unchanged" "$BASE_SAS" "$(sa_lines)"
}

K="$KEYDIR/d"
esp_keygen aes128-gcm16 "$K.gcm128"
esp_keygen aes128+sha1 "$K.cbc128-sha1"
( umask 077; esp_key_hex "$K.gcm128" 0 16 > "$K.short" )		# 16 of 20
( umask 077; head -c 104 /dev/zero | tr '\0' 'a' > "$K.cbc52" )	# 52 of 64
BASE_SAS=$(sa_lines)
t_eq "(d) baseline: awsvpn0 has its two SAs, awsvpn1 none" \
	"[\"awsvpn0\",[\"out\",\"$(printf 0x%08x $((SO)))\",\"aes128-gcm16\",null,\"active\",2,null],[\"in\",\"$(printf 0x%08x $((SI)))\",\"aes128-gcm16\",null,\"active\",2,1024]] [\"awsvpn1\"]" \
	"$(echo $BASE_SAS)"

aw() { awsvpn -n cgw "$@"; }
reject "GCM key too short" "aes128-gcm16 needs 20 bytes.*got 16" \
	aw sa add awsvpn0 dir in spi 0x3001 enc aes128-gcm16 key-file "$K.short"
reject "CBC key too short" "aes256 with sha2-256 needs 64 bytes.*got 52" \
	aw sa add awsvpn0 dir in spi 0x3002 enc aes256 integ sha2-256 key-file "$K.cbc52"
reject "unknown suite aes192" "invalid value 'aes192'" \
	aw sa add awsvpn0 dir in spi 0x3003 enc aes192 integ sha1 key-file "$K.cbc128-sha1"
reject "integ with GCM" "not allowed" \
	aw sa add awsvpn0 dir in spi 0x3004 enc aes128-gcm16 integ sha1 key-file "$K.gcm128"
reject "CBC without integ" "needs integ" \
	aw sa add awsvpn0 dir in spi 0x3005 enc aes128 key-file "$K.cbc128-sha1"
reject "duplicate inbound SPI on the device" "File exists" \
	aw sa add awsvpn0 dir in spi "$SI" enc aes128-gcm16 key-file "$K.gcm128"
reject "duplicate outbound SPI on the device" "File exists" \
	aw sa add awsvpn0 dir out spi "$SO" enc aes128-gcm16 key-file "$K.gcm128"
reject "inbound SPI of awsvpn0 on awsvpn1 (same netns)" "File exists" \
	aw sa add awsvpn1 dir in spi "$SI" enc aes128-gcm16 key-file "$K.gcm128"
reject "sa del of a missing SPI" "No such file or directory" \
	aw sa del awsvpn0 dir in spi 0x3999
reject "key on the command line" "unknown keyword 'key'" \
	aw sa add awsvpn0 dir in spi 0x3006 enc aes128-gcm16 \
	key "$(esp_key_hex "$K.gcm128" 0 20)"
reject "key-file that does not exist" "No such file or directory" \
	aw sa add awsvpn0 dir in spi 0x3007 enc aes128-gcm16 key-file "$K.missing"
# The same inbound SPI in another namespace is fine.
t_check "(d) inbound SPI of cgw:awsvpn0 accepted in ns far" \
	eval "awsvpn_add awsvpn9 far && awsvpn -n far sa add awsvpn9 dir in spi $SI enc aes128-gcm16 key-file $K.gcm128"

# ------------------------------------------------- (e) no key material shown
show_text=$(awsvpn -n cgw show -s 2>&1)
show_json=$(awsvpn -n cgw show --json 2>&1)
show_other=$(for o in "" dump --prometheus; do
	awsvpn -n cgw show $o 2>&1
done; awsvpn -n cgw showconf awsvpn0 2>&1)
leaks=
for f in "$KOUT" "$KIN" "$K.gcm128"; do
	k=$(tr -d ' \n' < "$f")
	for frag in "$k" "${k:0:16}" "${k: -16}"; do
		for t in "$show_text" "$show_json" "$show_other"; do
			if printf '%s' "$t" | grep -qiF -- "$frag"; then
				leaks="$leaks $f:$frag"
			fi
		done
	done
done
t_eq "(e) no key (or 8-byte piece of one) in show (quiet, -s, JSON, dump, --prometheus) or showconf" "" "$leaks"
n_sa=$(printf '%s\n' "$show_text" | grep -c '^  sa ')
t_eq "(e) show -s text: one 'key: (hidden)' per SA ($n_sa)" "$n_sa" \
	"$(printf '%s\n' "$show_text" | grep -c '^    key: (hidden)$')"
t_eq "(e) show JSON has no key field" "" \
	"$(printf '%s' "$show_json" | grep -io '"[a-z_]*key[a-z_]*"' | sort -u)"

# ------------------------------------------------- (f) sequence exhaustion
# Documentation/awsvpn.rst: after 2^32 - 1 the SA hard-expires (reason seq):
# one warning, the packet that would wrap counts tx_seq_exhausted, the SA
# is deleted and with it goes the carrier (reason expired).  Without
# carrier the stack drops later packets before the device (linkwatch's noop
# qdisc, ip link NO-CARRIER): they count nowhere in the module, so tx_no_sa
# stays 0.  (Before the carrier existed they reached the module and
# counted tx_no_sa.)
esp_teardown
ip -n cgw link del awsvpn1 2>/dev/null
t_check "(f) awsvpn0 with outbound SA at seq 4294967290" \
	setup aes128-gcm16 seq 4294967290
dmesg_mark
capture_start f 192.0.2.1 192.0.2.2 10 25
t_eq "(f) 6 pings cgw -> aws: 5 answered" 5 "$(esp_ping cgw 6 56 "$A4")"
kill "$CAP_PID" 2>/dev/null; wait "$CAP_PID" 2>/dev/null
seqs=$(esp esp-info $(cat "$T_TMP/f") 2>&1 | awk '{printf "%s:%s ", $1, $2}')
t_eq "(f) ESP on the wire: spi:seq" \
	"$(for q in 4294967291 4294967292 4294967293 4294967294 4294967295; do printf '%08x:%s ' "$SO" "$q"; done)" \
	"$seqs"
wait_for 5 eval "! awsvpn -n cgw show awsvpn0 | grep -q '^  sa out'"
t_check "(f) the carrier went with the SA: ip link NO-CARRIER, show 'down (expired)'" \
	wait_for 5 eval "ip -n cgw link show dev awsvpn0 | grep -q NO-CARRIER &&
		awsvpn -n cgw show awsvpn0 | grep -qx '  carrier: down (expired)'"
esp_counters --awsvpn cgw:awsvpn0 --link X:aws:xfrm44 --states XS:aws
t_eq "(f) device tx_packets 5, tx_seq_exhausted 1, tx_no_sa 0" "5/1/0" \
	"$A_tx_packets/$A_tx_seq_exhausted/$A_tx_no_sa"
t_eq "(f) ip -s link: tx_errors 1 (seq-exhausted), tx_dropped 0" "1/0" \
	"$AL_tx_errors/$AL_tx_dropped"
t_eq "(f) the expired outbound SA is deleted, the inbound one stays" \
	"[[\"in\",\"$(printf 0x%08x $((SI)))\"]]" \
	"$(awsvpn -n cgw show awsvpn0 --json | jq -c '[.[0].sas[] | [.dir, .spi]]')"
v=XS_${SO#0x}_packets
t_eq "(f) XFRM peer received 5 (xfrm44, state)" "5/5" "$X_rx_packets/${!v:-}"
t_eq "(f) 4 more pings: none answered" 0 "$(esp_ping cgw 4 56 "$A4")"
esp_counters --awsvpn cgw:awsvpn0
t_eq "(f) then: tx_packets 5, tx_seq_exhausted 1, tx_no_sa 0 (dropped before the device)" "5/1/0" \
	"$A_tx_packets/$A_tx_seq_exhausted/$A_tx_no_sa"
log=$(dmesg_since)
t_eq "(f) exactly one kernel warning" 1 \
	"$(printf '%s\n' "$log" | grep -c 'used all sequence numbers')"
t_match "(f) warning names the device and SPI" \
	"awsvpn0: outbound SA spi $SO used all sequence numbers" "$log"

# ------------------------------------------------- (g) outer TOS and TTL
esp_teardown
t_check "(g) awsvpn0 <-> xfrm44 (aes128-gcm16), IPv6 inside too" eval '
	setup aes128-gcm16 &&
	ip -n cgw addr add fd00:44::2/64 dev awsvpn0 nodad &&
	ip -n aws addr add fd00:44::1/64 dev xfrm44 nodad'
TOSES="0x0 0xb8 0x2 0xba 0x1 0x3"	# none, EF, ECT(0), EF+ECT(0), ECT(1), CE
ip netns exec aws timeout 30 tcpdump --immediate-mode -n -v -l -c 8 -i veth-aws \
	'ip proto 50 and src host 192.0.2.1' > "$T_TMP/g.txt" 2> "$T_TMP/g.err" &
TD=$!
wait_for 20 grep -q 'listening on' "$T_TMP/g.err"
for tos in $TOSES; do
	ip netns exec cgw python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, int(sys.argv[1], 16))
s.sendto(b"x" * 100, ("'"$A4"'", 9))' "$tos"
	sleep 0.2	# keep the wire order
done
for tc in 0xb8 0xbb; do
	ip netns exec cgw python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, int(sys.argv[1], 16))
s.sendto(b"x" * 100, ("fd00:44::1", 9))' "$tc"
	sleep 0.2
done
wait "$TD"
got=$(sed -nE 's/.*\(tos (0x[0-9a-f]+)(,[A-Z0-9()]+)?, ttl ([0-9]+),.*proto ESP.*/\1:\3/p' \
	"$T_TMP/g.txt" | tr '\n' ' ')
want=
for t in $TOSES 0xb8 0xbb; do want="$want$t:64 "; done
t_eq "(g) outer tos:ttl of 6 IPv4 then 2 IPv6 packets" "$want" "$got"
[ "$T_LAST" = 0 ] || t_diag "$(cat "$T_TMP/g.txt" "$T_TMP/g.err")"

t_done
