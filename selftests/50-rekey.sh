#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 1500
#
# Make-before-break rekeying, SA lifetimes and events, against the kernel's
# own IPsec (topology of 20-esp-interop):
#
#   ns cgw: awsvpn0 (local 192.0.2.1, remote 192.0.2.2), 169.254.44.234/30
#      | veth 192.0.2.0/24, raw ESP
#   ns aws: xfrm44 (xfrm interface, if_id 44), 169.254.44.233/30
#
# Two "awsvpn monitor" processes run throughout: --json for awsvpn0 only
# and text for every device; each section checks the exact events it
# caused.  Pair N has outbound SPI 0x50100+N (cgw -> aws) and inbound SPI
# 0x50200+N (aws -> cgw), fresh random aes128-gcm16 keys.
#
#   (a) events sa-added / dev-up; the DEV filter; "latest rx/tx" in show
#   (b) 10 rekeys in a row under a 100/s ping: each side adds its new
#       inbound SA first, then switches outbound (awsvpn: pending SA +
#       "sa switch"; XFRM: new outbound state, which XFRM prefers as the
#       newest, then the old one deleted), then the old pair goes.  No ping
#       lost, no error counter moves on either side, exactly 10
#       sa-switched events, the whole event sequence exact
#   (c) "activate on-first-rx": the pending SA takes over by itself when
#       the peer sends with the new inbound SPI (sa-first-rx, sa-switched);
#       also when the peer switched first, before the SA was added
#   (d) lifetimes: packets 5/10, bytes 420/840 (84-byte pings), time 3/6 s
#       and sequence number exhaustion (seq 4294967290): one soft event at
#       the soft limit, a hard event with the reason at the hard limit, the
#       SA gone, the carrier with it (carrier-down reason expired, ip link
#       NO-CARRIER), so the pings after it never reach the module (tx_no_sa
#       unchanged); the next outbound SA brings the carrier back
#   (e) a replay burst: one event at once (count 1), the rest reported
#       with the next event a second later (count 3)
#   (f) sa-deleted / dev-down; both monitors saw the same events and exit 0
#       on SIGTERM
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd busybox python3

KEYDIR="$AWSVPN_OUT/50-rekey"
SUITE=aes128-gcm16
L=192.0.2.1		# cgw outer
R=192.0.2.2		# aws outer
C4=169.254.44.234	# cgw inner (awsvpn0)
A4=169.254.44.233	# aws inner (xfrm44)
# AWSVPN_FUZZ=full (run-suite passes it in): 20 in a row.
if [ "${AWSVPN_FUZZ:-}" = full ]; then REKEYS=20; else REKEYS=10; fi

so() { printf '0x%08x' $((0x50100 + $1)); }	# pair N, cgw -> aws
si() { printf '0x%08x' $((0x50200 + $1)); }	# pair N, aws -> cgw
aw() { awsvpn -n cgw "$@"; }

t_check "load awsvpn" mod_load
t_passed || t_done
mkdir -p "$KEYDIR" && chmod 700 "$KEYDIR"

ns_create cgw aws
# No IPv6 anywhere: router solicitations and MLD reports through the
# tunnel would upset the exact packet counts.
for ns in cgw aws; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
veth_pair cgw veth-cgw aws veth-aws
ip -n cgw addr add "$L/24" dev veth-cgw
ip -n aws addr add "$R/24" dev veth-aws

# ------------------------------------------------------------ helpers

# Random keys of pair N (aes128-gcm16: 20 bytes each), mode 600; few
# processes, as the rekey loop runs this 10 times under TCG.
keys() {
	local h
	h=$(od -An -v -N40 -tx1 /dev/urandom | tr -d ' \n')
	( umask 077
	  echo "${h:0:40}" > "$KEYDIR/$1.out.key" &&
	  echo "${h:40:40}" > "$KEYDIR/$1.in.key" )
}

# xfrm_add SRC DST SPI KEYFILE [ARGS]: an XFRM state of xfrm44 in ns aws.
xfrm_add() {
	local k
	read -r k < "$4" || return 1
	ip -n aws xfrm state add src "$1" dst "$2" proto esp spi "$3" \
		mode tunnel if_id 44 flag af-unspec "${@:5}" \
		aead 'rfc4106(gcm(aes))' "0x$k" 128
}

# XFRM states of pair N: inbound is awsvpn's outbound SPI.
xfrm_in_add() {
	xfrm_add "$L" "$R" "$(so "$1")" "$KEYDIR/$1.out.key" replay-window 128
}

xfrm_out_add() {
	xfrm_add "$R" "$L" "$(si "$1")" "$KEYDIR/$1.in.key"
}

xfrm_del() {
	ip -n aws xfrm state delete src "$1" dst "$2" proto esp spi "$3"
}

# State of awsvpn0's SA DIR SPI from "awsvpn show" ("" if none; GCM: no
# integ word, so the state is the 6th field).
sa_state() {
	aw show awsvpn0 | awk -v d="$1" -v s="$2" \
		'$1 == "sa" && $2 == d && $4 == s { print $6 }'
}

# True once inbound SA SPI has accepted a packet (its seq moved).
sa_in_seen() {
	aw show awsvpn0 | grep -Eq "^  sa in spi $1 .* seq [1-9]"
}

# pingn NS COUNT DST [INTERVAL]: "TRANSMITTED RECEIVED" from busybox ping.
pingn() {
	local out
	out=$(ip netns exec "$1" busybox ping -q -c "$2" -i "${4:-0.2}" -W 2 \
		"$3" 2>&1)
	printf '%s\n' "$out" | awk '/packets transmitted/ { print $1, $4; f = 1 }
		END { if (!f) print "no-summary" }'
}

# ctr rx|tx NAME: device counter of awsvpn0 from the "  rx:"/"  tx:" line
# of "awsvpn show -s" ("12 packets", "no-sa 3"; -s: also those at 0; awk,
# not Python: Python starts slowly under TCG).
ctr() {
	aw show -s awsvpn0 | awk -v l="  $1: " -v n="$2" '
		index($0, l) == 1 {
			k = split(substr($0, length(l) + 1), f, ", ")
			for (i = 1; i <= k; i++) {
				split(f[i], w, " ")
				if (w[2] == n)
					print w[1]
				else if (w[1] == n)
					print w[2]
			}
		}'
}

# True while ip link shows awsvpn0 NO-CARRIER: linkwatch has handled the
# carrier loss (and swapped in the noop qdisc).
no_carrier() {
	ip -n cgw link show dev awsvpn0 | grep -q NO-CARRIER
}

# SA field EXPR (Python over the SA object s) of awsvpn0's SA DIR SPI.
sa_json() {
	aw show awsvpn0 --json | python3 -c '
import json, sys
d, spi, expr = sys.argv[1], int(sys.argv[2], 16), sys.argv[3]
for s in json.load(sys.stdin)[0]["sas"]:
    if s["dir"] == d and int(s["spi"], 16) == spi:
        v = eval(expr)
        print(json.dumps(v, sort_keys=True) if isinstance(v, (dict, bool)) else v)
' "$1" "$2" "$3"
}

M1="$T_TMP/mon.json"	# awsvpn monitor --json awsvpn0
M2="$T_TMP/mon.txt"	# awsvpn monitor (all devices)

lines() { wc -l < "$1"; }

# Wait until FILE stops growing (the monitor has printed what it got).
settle() {
	local n=-1 i
	for i in $(seq 30); do
		[ "$(lines "$1")" = "$n" ] && return 0
		n=$(lines "$1")
		sleep 0.3
	done
}

# events FROM: the JSON monitor's events after line FROM, one per line,
# "event [dir spi] [reason R] [count N]".
events() {
	settle "$M1"
	python3 - "$M1" "$1" <<-'EOF'
	import json, sys
	for line in open(sys.argv[1]).read().splitlines()[int(sys.argv[2]):]:
	    e = json.loads(line)
	    f = [e["event"]]
	    if "dir" in e:
	        f.append(e["dir"])
	    if "spi" in e:
	        f.append(e["spi"])
	    if "reason" in e:
	        f += ["reason", e["reason"]]
	    if "count" in e:
	        f += ["count", str(e["count"])]
	    print(" ".join(f))
	EOF
}

# ev_count FROM REGEX: how many events after FROM match REGEX (no settle).
ev_count() {
	tail -n +"$(($1 + 1))" "$M1" | grep -Ec "$2"
}

# Rekey from pair $CUR to pair N, make-before-break on both sides; MODE
# "load" waits until XFRM sends with the new SPI before anything old goes.
# Extra arguments go to the new outbound "sa add".
CUR=0 CUR_OUT=1		# pair in use; CUR_OUT=0 once its outbound SA is gone
ST_ADDED="" ST_SWITCHED=""	# states seen during the first rekey
rekey() {
	local n=$1 mode=$2 p=$CUR
	shift 2
	keys "$n" &&
	esp_sa_add cgw awsvpn0 in "$(si "$n")" "$SUITE" "$KEYDIR/$n.in.key" &&
	xfrm_in_add "$n" &&
	esp_sa_add cgw awsvpn0 out "$(so "$n")" "$SUITE" "$KEYDIR/$n.out.key" \
		"$@" || return 1
	[ "$n" = 1 ] && ST_ADDED=$(sa_state out "$(so 1)")
	aw sa switch awsvpn0 spi "$(so "$n")" || return 1
	[ "$n" = 1 ] && ST_SWITCHED="$(sa_state out "$(so 0)") $(sa_state out "$(so 1)")"
	xfrm_out_add "$n" || return 1
	if [ "$mode" = load ]; then
		wait_for 10 sa_in_seen "$(si "$n")" || return 1
		sleep 0.1	# packets of the old pair still in flight
	fi
	xfrm_del "$R" "$L" "$(si "$p")" &&
	{ [ "$CUR_OUT" = 0 ] || aw sa del awsvpn0 dir out spi "$(so "$p")"; } &&
	aw sa del awsvpn0 dir in spi "$(si "$p")" &&
	xfrm_del "$L" "$R" "$(so "$p")" || return 1
	CUR=$n CUR_OUT=1
}

# ------------------------------------------------- (a) setup, first events

t_check "awsvpn0 in ns cgw (no SAs yet)" awsvpn_add awsvpn0 cgw
t_passed || t_done
aw set awsvpn0 local "$L" remote "$R"
ip -n cgw addr add "$C4/30" dev awsvpn0

awsvpn -n cgw monitor --json awsvpn0 > "$M1" 2> "$M1.err" &
MON1=$!
awsvpn -n cgw monitor > "$M2" 2> "$M2.err" &
MON2=$!
t_on_exit "kill $MON1 $MON2"

# The monitors join the group at some point: toggle until both saw it.
mon_ready() {
	grep -q '"dev-down"' "$M1" && grep -q ' awsvpn0 dev-down$' "$M2"
}
for _ in $(seq 50); do
	ip -n cgw link set awsvpn0 up
	ip -n cgw link set awsvpn0 down
	mon_ready && break
	sleep 0.2
done
t_check "both monitors receive events (dev-up/dev-down of awsvpn0)" mon_ready
t_passed || t_done
settle "$M1"
settle "$M2"
MARK1=$(lines "$M1") MARK2=$(lines "$M2")
MARK0=$MARK1

t_eq "show -s before any traffic: latest rx/tx never" \
	"  latest rx: never|  latest tx: never" \
	"$(aw show -s awsvpn0 | grep '^  latest' | paste -sd '|')"
t_eq "show (quiet) before any traffic: no latest lines" "" \
	"$(aw show awsvpn0 | grep '^  latest' || true)"
t_eq "show --json before any traffic: last_rx_ms/last_tx_ms null" "None None" \
	"$(aw show awsvpn0 --json | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(d["last_rx_ms"], d["last_tx_ms"])')"

keys 0
t_check "awsvpn0: SAs of pair 0 (out $(so 0), in $(si 0)), up" eval \
	'esp_sa_add cgw awsvpn0 out "$(so 0)" "$SUITE" "$KEYDIR/0.out.key" &&
	 esp_sa_add cgw awsvpn0 in "$(si 0)" "$SUITE" "$KEYDIR/0.in.key" &&
	 ip -n cgw link set awsvpn0 up'
t_passed || t_done
t_eq "events: sa-added out, carrier-up, sa-added in, dev-up" \
	"sa-added out $(so 0)|carrier-up reason ok|sa-added in $(si 0)|dev-up" \
	"$(events "$MARK1" | paste -sd '|')"

awsvpn_add awsvpn9 cgw
ip -n cgw link set awsvpn9 up
t_check "text monitor (all devices) reports awsvpn9 dev-up" \
	wait_for 5 grep -q ' awsvpn9 dev-up$' "$M2"
ip -n cgw link del awsvpn9
settle "$M1"
t_eq "JSON monitor for awsvpn0 ignores awsvpn9" 0 "$(grep -c awsvpn9 "$M1")"
t_match "text monitor line format" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z awsvpn0 sa-added out spi 0x00050100$' \
	"$(sed -n "$((MARK2 + 1))p" "$M2")"

t_check "XFRM peer xfrm44" esp_xfrm_peer aws xfrm44 veth-aws 44 "$R" "$L" \
	"$(si 0)" "$(so 0)" "$SUITE" "$KEYDIR/0.in.key" "$KEYDIR/0.out.key"
t_passed || t_done
ip -n aws link set xfrm44 mtu "$(ip netns exec cgw cat /sys/class/net/awsvpn0/mtu)"
ip -n aws addr add "$A4/30" dev xfrm44

t_eq "tunnel works: 3 pings cgw -> aws" "3 3" "$(pingn cgw 3 "$A4")"
t_match "show: latest rx/tx in words" \
	'^  latest rx: (just now|[0-9]+ seconds? ago)\|  latest tx: (just now|[0-9]+ seconds? ago)$' \
	"$(aw show awsvpn0 | grep '^  latest' | paste -sd '|')"
t_match "show --json: last_rx_ms/last_tx_ms are numbers (< 60 s)" \
	'^ok ok$' \
	"$(aw show awsvpn0 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
print(*("ok" if isinstance(d[k], int) and 0 <= d[k] < 60000 else repr(d[k])
        for k in ("last_rx_ms", "last_tx_ms")))')"
# Two readings at least 2 s apart, within a window of W s: the age (whole
# seconds) grows by 2..W+1.
w0=$(date +%s%N)
age0=$(sa_json in "$(si 0)" 's["age"]')
sleep 2
age1=$(sa_json in "$(si 0)" 's["age"]')
w=$(( ($(date +%s%N) - w0 + 999999999) / 1000000000 ))
t_eq "SA age grows with time (readings 2 s apart, within $w s: +2..+$((w + 1)))" yes \
	"$( [ -n "$age0" ] && [ -n "$age1" ] && [ $((age1 - age0)) -ge 2 ] &&
	    [ $((age1 - age0)) -le $((w + 1)) ] && echo yes || echo "no ($age0 -> $age1)")"
t_eq "SA without limits: soft_expired false, limits {}" 'false {}' \
	"$(sa_json out "$(so 0)" 's["soft_expired"]') $(sa_json out "$(so 0)" 's["limits"]')"

# ------------------------------------------------ (b) 10 rekeys under load

t_diag "(a) done after ${SECONDS}s"

XSTAT0=$(ip netns exec aws cat /proc/net/xfrm_stat)
MARK1=$(lines "$M1")
PINGLOG="$T_TMP/ping.log" STOP="$T_TMP/ping.stop"
(
	while [ ! -e "$STOP" ]; do
		ip netns exec cgw busybox ping -q -i 0.01 -c 100 -W 3 "$A4" 2>&1
	done
) > "$PINGLOG" &
LOADER=$!
t_on_exit "touch $STOP; kill $LOADER"

ok=0 failed=
for n in $(seq 1 "$REKEYS"); do
	if rekey "$n" load; then
		ok=$((ok + 1))
	else
		failed="rekey to pair $n failed"
		break
	fi
done
touch "$STOP"
wait "$LOADER"
t_eq "$REKEYS rekeys in a row under load" "$REKEYS" "$ok"
[ -n "$failed" ] && t_diag "$failed" "$(aw show awsvpn0 2>&1)" \
	"$(ip -n aws -s xfrm state 2>&1)"
t_eq "first rekey: new outbound SA pending before the switch" pending "$ST_ADDED"
t_eq "first rekey: after the switch old retired, new active" \
	"retired active" "$ST_SWITCHED"

# (no "< <(...)": the test VM has no /dev/fd)
read -r ptx prx <<< "$(awk '/packets transmitted/ { t += $1; r += $4 }
	END { print t + 0, r + 0 }' "$PINGLOG")"
t_eq "no ping lost during the rekeys (transmitted/received)" "$ptx/$ptx" \
	"${ptx:-none}/${prx:-none}"
t_eq "the load was real: >= 300 pings" yes \
	"$( [ "$ptx" -ge 300 ] && echo yes || echo "no ($ptx)")"

if esp_counters --awsvpn cgw:awsvpn0; then
	t_eq "awsvpn0 error counters all 0 (replay auth-fail bad-trailer no-sa errors / tx no-sa seq-exhausted errors)" \
		"0 0 0 0 0 / 0 0 0" \
		"$A_rx_replay $A_rx_auth_fail $A_rx_bad_trailer $A_rx_no_sa $A_rx_errors / $A_tx_no_sa $A_tx_seq_exhausted $A_tx_errors"
else
	t_fail "read awsvpn0 counters after the rekeys"
fi
t_eq "XFRM side: /proc/net/xfrm_stat unchanged (no state missing or invalid)" \
	"$XSTAT0" "$(ip netns exec aws cat /proc/net/xfrm_stat)"
t_eq "only pair $REKEYS left (awsvpn0: out, in)" \
	"$(so "$REKEYS") $(si "$REKEYS")" \
	"$(aw show awsvpn0 | awk '$1 == "sa" { printf "%s%s", s, $4; s = " " }')"

want=
for n in $(seq 1 "$REKEYS"); do
	want="$want|sa-added in $(si "$n")|sa-added out $(so "$n")"
	want="$want|sa-switched out $(so "$n")|sa-first-rx in $(si "$n")"
	want="$want|sa-deleted out $(so $((n - 1)))|sa-deleted in $(si $((n - 1)))"
done
got=$(events "$MARK1")
t_eq "monitor --json: exactly $REKEYS sa-switched events" "$REKEYS" \
	"$(printf '%s\n' "$got" | grep -c '^sa-switched ')"
t_eq "monitor --json: the exact event sequence of the $REKEYS rekeys" \
	"${want#|}" "$(printf '%s\n' "$got" | paste -sd '|')"

# --------------------------------------------- (c) activate on-first-rx

t_diag "(b) done after ${SECONDS}s"

MARK1=$(lines "$M1")
n=21 p=$CUR
keys $n
t_check "pair $n: inbound SA, XFRM inbound state, outbound SA with activate on-first-rx $(si $n)" eval \
	'esp_sa_add cgw awsvpn0 in "$(si $n)" "$SUITE" "$KEYDIR/$n.in.key" &&
	 xfrm_in_add $n &&
	 esp_sa_add cgw awsvpn0 out "$(so $n)" "$SUITE" "$KEYDIR/$n.out.key" \
		activate on-first-rx "$(si $n)"'
t_eq "show: the new SA is pending, waiting for $(si $n)" \
	"pending|    activate: on-first-rx spi $(si $n)" \
	"$(sa_state out "$(so $n)")|$(aw show awsvpn0 | grep -A1 "^  sa out spi $(so $n) " | grep '^    activate')"
t_eq "show --json: activate_on_rx" "$(printf 0x%08x $((0x50200 + n)))" \
	"$(sa_json out "$(so $n)" 's.get("activate_on_rx")')"
t_eq "2 pings while the peer still sends with $(si $p)" "2 2" "$(pingn cgw 2 "$A4")"
t_eq "still pending: the old inbound SA proves nothing" "pending active" \
	"$(sa_state out "$(so $n)") $(sa_state out "$(so $p)")"
xfrm_out_add $n
xfrm_del "$R" "$L" "$(si $p)"
# The first reply arrives on si(n) and triggers the switch; 0.5 s later
# the two other requests leave with so(n).
t_eq "3 pings after the peer switched to $(si $n)" "3 3" \
	"$(pingn cgw 3 "$A4" 0.5)"
t_eq "the pending SA became active by itself, the old one retired" \
	"active retired" "$(sa_state out "$(so $n)") $(sa_state out "$(so $p)")"
t_eq "the 2 later requests left with $(so $n) (tx_packets)" 2 \
	"$(sa_json out "$(so $n)" 's["stats"]["tx_packets"]')"
t_eq "events: sa-added in/out, sa-first-rx, sa-switched" \
	"sa-added in $(si $n)|sa-added out $(so $n)|sa-first-rx in $(si $n)|sa-switched out $(so $n)" \
	"$(events "$MARK1" | paste -sd '|')"
t_check "old pair $p removed" eval \
	'aw sa del awsvpn0 dir out spi "$(so $p)" &&
	 aw sa del awsvpn0 dir in spi "$(si $p)" && xfrm_del "$L" "$R" "$(so $p)"'
CUR=$n
t_fails "sa switch to an unknown SPI fails" aw sa switch awsvpn0 spi 0x5ffff
t_match "... with the kernel's reason" 'no outbound SA with this SPI' \
	"$(cat "$T_TMP/out")"

# The peer may switch first (AWS as the rekey responder): the proof is
# already there when the outbound SA is added, and must not be lost.
n=30 p=$CUR s="on-first-rx, peer first: pair 30"
keys $n
t_check "$s: inbound SA, XFRM inbound and outbound states, old XFRM outbound gone" eval \
	'esp_sa_add cgw awsvpn0 in "$(si $n)" "$SUITE" "$KEYDIR/$n.in.key" &&
	 xfrm_in_add $n && xfrm_out_add $n && xfrm_del "$R" "$L" "$(si $p)"'
t_eq "$s: 2 pings, answered on $(si $n)" "2 2" "$(pingn cgw 2 "$A4")"
t_check "$s: outbound SA with activate on-first-rx $(si $n) (which already received)" \
	esp_sa_add cgw awsvpn0 out "$(so $n)" "$SUITE" "$KEYDIR/$n.out.key" \
		activate on-first-rx "$(si $n)"
t_eq "$s: 2 more pings answered" "2 2" "$(pingn cgw 2 "$A4" 0.5)"
t_eq "$s: the new SA is active (the proof came before it), the old retired" \
	"active retired" "$(sa_state out "$(so $n)") $(sa_state out "$(so $p)")"
[ "$(sa_state out "$(so $n)")" = active ] || aw sa switch awsvpn0 spi "$(so $n)"
t_check "$s: old pair $p removed" eval \
	'aw sa del awsvpn0 dir out spi "$(so $p)" &&
	 aw sa del awsvpn0 dir in spi "$(si $p)" && xfrm_del "$L" "$R" "$(so $p)"'
CUR=$n

# ------------------------------------------------------- (d) lifetimes

t_diag "(c) done after ${SECONDS}s"

# lifetime_count N KIND SOFT HARD PER_PING: pings through an outbound SA
# with "limit KIND-soft SOFT KIND-hard HARD"; each ping counts PER_PING.
lifetime_count() {
	local n=$1 kind=$2 soft=$3 hard=$4 per=$5 s mark tx0 nosa0 before
	s="$kind: pair $n"
	t_check "$s: rekey to an outbound SA with limit $kind-soft $soft $kind-hard $hard" \
		rekey "$n" quiet limit "$kind-soft" "$soft" "$kind-hard" "$hard"
	t_passed || return 0
	t_eq "$s: show --json limits" \
		"{\"${kind}_hard\": $hard, \"${kind}_soft\": $soft}" \
		"$(sa_json out "$(so "$n")" 's["limits"]')"
	t_eq "$s: show: limits and what is left" \
		"    limits: $kind-soft $soft ($soft left), $kind-hard $hard ($hard left)" \
		"$(aw show awsvpn0 | grep -A2 "^  sa out spi $(so "$n") " | grep '^    limits')"
	mark=$(lines "$M1")
	tx0=$(ctr tx packets) nosa0=$(ctr tx no-sa)
	before=$((soft / per - 1))
	t_eq "$s: $before pings answered" "$before $before" \
		"$(pingn cgw "$before" "$A4")"
	settle "$M1"
	t_eq "$s: no expiry event before the soft limit" 0 \
		"$(ev_count "$mark" expire)"
	t_eq "$s: ping $((before + 1)) answered" "1 1" "$(pingn cgw 1 "$A4")"
	t_check "$s: sa-soft-expire at $kind $soft" \
		wait_for 5 eval "[ \$(ev_count $mark sa-soft-expire) -ge 1 ]"
	t_eq "$s: show: soft_expired, SA still active" "true active" \
		"$(sa_json out "$(so "$n")" 's["soft_expired"]') $(sa_state out "$(so "$n")")"
	t_match "$s: show text flags it" "^  sa out spi $(so "$n") .* soft-expired$" \
		"$(aw show awsvpn0 | grep "^  sa out spi $(so "$n") ")"
	t_eq "$s: $((hard / per - soft / per)) more pings answered (up to the hard limit)" \
		"$((hard / per - soft / per)) $((hard / per - soft / per))" \
		"$(pingn cgw $((hard / per - soft / per)) "$A4")"
	t_check "$s: sa-hard-expire at $kind $hard" \
		wait_for 5 eval "[ \$(ev_count $mark sa-hard-expire) -ge 1 ]"
	t_check "$s: the SA is gone from show" \
		wait_for 5 eval "[ -z \"\$(sa_state out $(so "$n"))\" ]"
	t_check "$s: no carrier (ip link NO-CARRIER)" wait_for 5 no_carrier
	t_eq "$s: 3 more pings: none answered" "3 0" "$(pingn cgw 3 "$A4")"
	t_eq "$s: tx_packets +$((hard / per)), tx_no_sa unchanged (no carrier: dropped before the device)" \
		"$((tx0 + hard / per)) $nosa0" \
		"$(ctr tx packets) $(ctr tx no-sa)"
	# (besides sa-first-rx of the new inbound SA)
	t_eq "$s: events: exactly one soft, one hard, reason $kind, then carrier-down" \
		"sa-soft-expire out $(so "$n") reason $kind|sa-hard-expire out $(so "$n") reason $kind|carrier-down reason expired" \
		"$(events "$mark" | grep -v '^sa-first-rx ' | paste -sd '|')"
	CUR_OUT=0
}

lifetime_count 22 packets 5 10 1
# A 56-byte ping is an 84-byte IPv4 packet: 5 and 10 of them.
lifetime_count 23 bytes 420 840 84

# Time: soft after 3 s, hard after 6 s, measured on the monitor's clock.
# Everything else of the pair is in place first, so that the SA's clock
# starts with nothing left to do (slow VMs); the previous outbound SA has
# expired, so the new one is active at once.
n=24 p=$CUR s="time: pair 24"
keys $n
t_check "$s: inbound SA and XFRM states, old pair $p gone" eval \
	'esp_sa_add cgw awsvpn0 in "$(si $n)" "$SUITE" "$KEYDIR/$n.in.key" &&
	 xfrm_in_add $n && xfrm_out_add $n && xfrm_del "$R" "$L" "$(si $p)" &&
	 aw sa del awsvpn0 dir in spi "$(si $p)" && xfrm_del "$L" "$R" "$(so $p)"'
mark=$(lines "$M1")
t_check "$s: outbound SA with limit time-soft 3 time-hard 6" \
	esp_sa_add cgw awsvpn0 out "$(so $n)" "$SUITE" "$KEYDIR/$n.out.key" \
		limit time-soft 3 time-hard 6
CUR=$n CUR_OUT=1
# (text, not JSON through Python: the SA lives 6 s, even on a slow VM)
t_match "$s: show: the limits and the seconds left" \
	'^    limits: time-soft 3s \((in [1-3] seconds?|reached)\), time-hard 6s \(in [1-6] seconds?\)$' \
	"$(aw show awsvpn0 | grep -A2 "^  sa out spi $(so $n) " | grep '^    limits')"
t_eq "$s: 2 pings answered while it lives" "2 2" "$(pingn cgw 2 "$A4")"
t_check "$s: sa-hard-expire within 12 s" \
	wait_for 12 eval "[ \$(ev_count $mark sa-hard-expire) -ge 1 ]"
t_eq "$s: events of $(so $n): added, one soft and one hard, reason time" \
	"sa-added out $(so $n)|sa-soft-expire out $(so $n) reason time|sa-hard-expire out $(so $n) reason time" \
	"$(events "$mark" | grep " $(so $n)\( \|\$\)" | paste -sd '|')"
t_eq "$s: soft 3 s, hard 6 s after sa-added (-0.6..+0.9 s, monitor clock)" ok \
	"$(tail -n +$((mark + 1)) "$M1" | python3 -c '
import datetime, json, sys
t = {}
for l in sys.stdin:
    e = json.loads(l)
    if int(e.get("spi", "0"), 16) == int(sys.argv[1], 16):
        t.setdefault(e["event"], datetime.datetime.strptime(e["time"],
                     "%Y-%m-%dT%H:%M:%S.%fZ"))
a = t["sa-added"]
soft = (t["sa-soft-expire"] - a).total_seconds()
hard = (t["sa-hard-expire"] - a).total_seconds()
print("ok" if 2.4 <= soft <= 3.9 and 5.4 <= hard <= 6.9 else
      "soft %.3f hard %.3f" % (soft, hard))
' "$(so $n)" 2>&1)"
nosa0=$(ctr tx no-sa)
t_check "$s: the SA is gone from show" \
	wait_for 5 eval "[ -z \"\$(sa_state out $(so $n))\" ]"
t_check "$s: no carrier (ip link NO-CARRIER)" wait_for 5 no_carrier
t_eq "$s: 2 pings after: none answered, tx_no_sa unchanged (dropped before the device)" \
	"2 0 $nosa0" "$(pingn cgw 2 "$A4") $(ctr tx no-sa)"
CUR_OUT=0

# Sequence numbers: 4294967291..4294967295, then the SA is used up.
n=25 s="seq: pair 25"
t_check "$s: rekey to an outbound SA with seq 4294967290" \
	rekey $n quiet seq 4294967290
t_eq "$s: active at once (no other outbound SA)" active \
	"$(sa_state out "$(so $n)")"
t_eq "$s: 5 pings answered" "5 5" "$(pingn cgw 5 "$A4")"
settle "$M1"
mark=$(lines "$M1")
t_eq "$s: seq 4294967295, no expiry event yet" "4294967295 0" \
	"$(sa_json out "$(so $n)" 's["seq"]') $(ev_count "$mark" expire)"
ex0=$(ctr tx seq-exhausted) nosa0=$(ctr tx no-sa)
t_eq "$s: ping 6 not answered" "1 0" "$(pingn cgw 1 "$A4")"
t_check "$s: sa-hard-expire" \
	wait_for 5 eval "[ \$(ev_count $mark sa-hard-expire) -ge 1 ]"
t_check "$s: the SA is gone from show" \
	wait_for 5 eval "[ -z \"\$(sa_state out $(so $n))\" ]"
t_check "$s: no carrier (ip link NO-CARRIER)" wait_for 5 no_carrier
t_eq "$s: 2 more pings: none answered" "2 0" "$(pingn cgw 2 "$A4")"
t_eq "$s: tx_seq_exhausted +1 (ping 6), tx_no_sa unchanged (after: no carrier)" \
	"$((ex0 + 1)) $nosa0" "$(ctr tx seq-exhausted) $(ctr tx no-sa)"
t_eq "$s: events: exactly one sa-hard-expire, reason seq, then carrier-down" \
	"sa-hard-expire out $(so $n) reason seq|carrier-down reason expired" \
	"$(events "$mark" | paste -sd '|')"
CUR_OUT=0

# ------------------------------------------------------ (e) replay burst

t_diag "(d) done after ${SECONDS}s"

n=26
t_check "replay: rekey to pair $n" rekey $n quiet
capture_done=
if t_passed; then
	rm -f "$T_TMP/cap" "$T_TMP/cap.ready"
	ip netns exec aws python3 "$ESP_TOOL" capture --iface veth-aws \
		--src "$R" --dst "$L" --count 1 --timeout 20 \
		--out "$T_TMP/cap" --ready "$T_TMP/cap.ready" &
	cap=$!
	wait_for 20 test -e "$T_TMP/cap.ready"
	t_eq "replay: ping aws -> cgw answered" "1 1" "$(pingn aws 1 "$C4")"
	wait "$cap" && capture_done=1
	t_eq "replay: ESP packet aws -> cgw captured" 1 "${capture_done:-0}"
fi
# send COUNT copies of the captured packet from ns aws, back to back
replay_send() {
	ip netns exec aws python3 -c '
import socket, sys
pkt = bytes.fromhex(open(sys.argv[1]).readline().strip())
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
for _ in range(int(sys.argv[3])):
    s.sendto(pkt, (sys.argv[2], 0))
' "$T_TMP/cap" "$L" "$1"
}
if [ -n "$capture_done" ]; then
	mark=$(lines "$M1")
	rp0=$(ctr rx replay)
	t_check "replay: 3 copies sent back to back" replay_send 3
	t_check "replay: rx_replay +3" \
		wait_for 5 eval "[ \"\$(ctr rx replay)\" = $((rp0 + 3)) ]"
	t_eq "replay: one event at once, count 1 (the rest within the second is held)" \
		"replay count 1" "$(events "$mark" | paste -sd '|')"
	sleep 1.2
	t_check "replay: 1 more copy, over a second later" replay_send 1
	t_check "replay: second event" \
		wait_for 5 eval "[ \$(ev_count $mark '\"replay\"') -ge 2 ]"
	t_eq "replay: events count 1, then count 3 (2 held + 1)" \
		"replay count 1|replay count 3" "$(events "$mark" | paste -sd '|')"
	t_eq "replay: inbound SA $(si $n): rx_replay 4, rx_packets 1" "4 1" \
		"$(sa_json in "$(si $n)" 's["stats"]["rx_replay"]') $(sa_json in "$(si $n)" 's["stats"]["rx_packets"]')"
else
	t_skip "replay burst events" "no ESP packet captured"
fi

# ------------------------------------------- (f) sa-deleted, dev-down, end

t_diag "(e) done after ${SECONDS}s"

mark=$(lines "$M1")
aw sa del awsvpn0 dir in spi "$(si $n)"
ip -n cgw link set awsvpn0 down
t_check "events: sa-deleted, dev-down" \
	wait_for 5 eval "[ \$(ev_count $mark dev-down) -ge 1 ]"
t_eq "events: exactly sa-deleted in, dev-down" \
	"sa-deleted in $(si $n)|dev-down" "$(events "$mark" | paste -sd '|')"

settle "$M2"
t_eq "text and JSON monitors saw the same awsvpn0 events" \
	"$(events "$MARK0" | paste -sd '|')" \
	"$(tail -n +$((MARK2 + 1)) "$M2" | grep '^[^ ]* awsvpn0 ' |
	   cut -d' ' -f3- | sed 's/ spi / /' | paste -sd '|')"
IFX=$(ip netns exec cgw cat /sys/class/net/awsvpn0/ifindex)
t_eq "every JSON line: ISO time (UTC) with ms, ifname awsvpn0, ifindex $IFX, known keys" \
	"$(lines "$M1")" "$(python3 -c '
import json, re, sys
ok = 0
keys = {"time", "event", "ifname", "ifindex", "dir", "spi", "reason", "count"}
for l in open(sys.argv[1]):
    e = json.loads(l)
    if (re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["time"]) and
            e["ifname"] == "awsvpn0" and e["ifindex"] == int(sys.argv[2]) and
            set(e) <= keys):
        ok += 1
print(ok)' "$M1" "$IFX")"

kill -TERM "$MON1" "$MON2"
rc1=0 rc2=0
wait "$MON1" || rc1=$?
wait "$MON2" || rc2=$?
t_eq "monitors exit 0 on SIGTERM (json, text)" "0 0" "$rc1 $rc2"
t_eq "monitors wrote nothing to stderr" "" "$(cat "$M1.err" "$M2.err")"

t_done
