#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 900
# awsvpn-kernels: newest
#
# The tool's rendering of what the kernel reports, on the newest kernel
# (11-netlink and 26-esp-parallel read the same attributes on every one).
# What the operator sees and scripts read: ip -d link, show (quiet, -s,
# dump, JSON, --prometheus), showconf/setconf, sa flush, exit statuses.
#
#   ns cgw: awsvpn0 192.0.2.1 --veth-- ns aws: awsvpn0 192.0.2.2, ESP in UDP
#           169.254.44.234/30                  169.254.44.233/30
#
#   (a) IFLA_INFO_DATA: the raw rtnetlink reader (tools/rtlink.py, enum names
#       from the uapi header) gives what show --json gives, for settings
#       away from every default and for a new device; every attribute once;
#       readable without privilege; "ip -d link" with iproute2's awsvpn
#       printer (IP_LIB_DIR) prints it, as text and as info_data JSON
#       (without the printer: the kind only); RTM_NEWLINK with
#       IFLA_INFO_DATA refused with EINVAL and the extack (set, create, an
#       unknown attribute, an empty nest), nothing changed or created
#   (b) showconf -> setconf on a fresh device (another namespace)
#       round-trips every setting, pinned MTU and auto; setconf replaces:
#       a short file resets the rest to the defaults; a bad file (unknown
#       keyword, bad value, socket-fd) changes nothing and names FILE:LINE;
#       every "LABEL: VALUE" line of show -s whose label is a set keyword
#       is taken back by set and changes nothing
#   (c) quiet show vs show -s: no zero counter, no default setting, times
#       in words; -s: every setting and counter; colour only on a terminal
#       and not with NO_COLOR
#   (d) show dump: one device line (41 fields) and one line per SA (29),
#       every field equal to the JSON; "show dump dump" for a device named
#       dump
#   (e) show --prometheus: every line a valid text-exposition line, HELP
#       and TYPE once before each family's samples, every counter equal
#       to the JSON's, tunnel state = carrier, labels device and netns
#   (f) exit status of every command: 2 usage, 1 runtime, 0 ok
#   (g) sa flush: every SA of the device, or one direction; sa-deleted
#       events; the carrier goes (no-sa); other devices untouched
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd busybox python3 jq script setpriv

RTLINK="python3 $AWSVPN_SRC/selftests/tools/rtlink.py"
PRINTER_DIR="$AWSVPN_SRC/userspace/iproute2"
SUITE=aes128-gcm16
KEYDIR="$T_TMP/keys"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)

mod_load
mkdir -p "$KEYDIR" && chmod 700 "$KEYDIR"
aw() { awsvpn -n cgw "$@"; }
ax() { awsvpn -n aws "$@"; }

t_check "namespaces cgw and aws over veth" esp_topology
t_passed || t_done
for k in out in; do esp_keygen $SUITE "$KEYDIR/$k.key"; done
t_check "awsvpn0 in cgw and in aws, SAs 0x1001 / 0x2001, up" eval '
	esp_awsvpn_peer cgw awsvpn0 192.0.2.1 192.0.2.2 0x1001 0x2001 $SUITE \
		"$KEYDIR/out.key" "$KEYDIR/in.key" &&
	esp_awsvpn_peer aws awsvpn0 192.0.2.2 192.0.2.1 0x2001 0x1001 $SUITE \
		"$KEYDIR/in.key" "$KEYDIR/out.key" &&
	ip -n cgw addr add 169.254.44.234/30 dev awsvpn0 &&
	ip -n aws addr add 169.254.44.233/30 dev awsvpn0'
t_passed || t_done
# Away from every default (show's text leaves defaults out; this has none).
t_check "cgw awsvpn0: every setting away from its default" \
	aw set awsvpn0 encap udp local-port 4510 remote-port 4520 df keep \
	mss 1360 replay-window 2048 outer-mtu 1400 outer-df inherit \
	nat-keepalive 30s if-id 9 parallel on
t_check "aws awsvpn0: ESP in UDP to 4510, from 4520" \
	ax set awsvpn0 encap udp local-port 4520 remote-port 4510
t_eq "the tunnel works (3 pings)" 3 "$(esp_ping cgw 3 56 169.254.44.233)"

# ------------------------------------------------- (a) IFLA_INFO_DATA

# linkcmp NS DEV: the fields rtnetlink and show --json disagree on ("" =
# none), over every IFLA_INFO_DATA key plus ifname, ifindex, mtu, carrier.
linkcmp() {
	local r j
	r=$(ip netns exec "$1" $RTLINK get "$2") || { echo "rtlink: $r"; return; }
	j=$(awsvpn -n "$1" show "$2" --json) || { echo "show: $j"; return; }
	python3 - "$r" "$j" <<-'EOF'
	import json, sys
	r, j = json.loads(sys.argv[1]), json.loads(sys.argv[2])[0]
	keys = ("ifname ifindex mtu carrier local remote encap local_port "
	        "remote_port socket if_id df mss_mode mss outer_df mtu_mode "
	        "outer_mtu nat_keepalive replay_window parallel parallel_mode "
	        "carrier_reason").split()
	bad = ["%s: rtnetlink %r, show %r" % (k, r.get(k, "-"), j.get(k, "-"))
	       for k in keys if k not in r or k not in j or r[k] != j[k]]
	if r.get("kind") != "awsvpn":
	    bad.append("kind %r" % r.get("kind"))
	print("; ".join(bad))
	EOF
}
t_eq "(a) IFLA_INFO_DATA == show --json (every setting away from its default)" \
	"" "$(linkcmp cgw awsvpn0)"
RAW=$(ip netns exec cgw $RTLINK get awsvpn0 | jq -r '.raw | join(" ")')
t_eq "(a) every IFLA_AWSVPN_* attribute, once, in order" \
	"LOCAL REMOTE ENCAP LOCAL_PORT REMOTE_PORT SOCKET IF_ID DF_POLICY MSS_MODE MSS OUTER_DF MTU_MODE OUTER_MTU NAT_KEEPALIVE REPLAY_WINDOW PARALLEL CARRIER_REASON" \
	"$RAW"
t_eq "(a) the values: udp 4510 4520 module 9 keep fixed 1360 inherit 1400 30 2048 true ok" \
	"udp 4510 4520 module 9 keep fixed 1360 inherit 1400 30 2048 true ok" \
	"$(ip netns exec cgw $RTLINK get awsvpn0 | jq -r '[.encap, .local_port, .remote_port, .socket, .if_id, .df, .mss_mode, .mss, .outer_df, .outer_mtu, .nat_keepalive, .replay_window, .parallel, .carrier_reason] | map(tostring) | join(" ")')"
awsvpn_add fresh0 cgw
t_eq "(a) a new device: IFLA_INFO_DATA == show --json (defaults)" "" \
	"$(linkcmp cgw fresh0)"
t_eq "(a) a new device: no remote, mss null, outer_mtu 0, carrier no-remote, parallel auto" \
	"0.0.0.0 auto null 0 no-remote false true auto" \
	"$(ip netns exec cgw $RTLINK get fresh0 | jq -r '[.remote, .mss_mode, .mss, .outer_mtu, .carrier_reason, .carrier, .parallel, .parallel_mode] | map(tostring) | join(" ")')"
run N ip netns exec cgw "${NOBODY[@]}" $RTLINK get awsvpn0
t_eq "(a) nobody reads IFLA_INFO_DATA (RTM_GETLINK needs no privilege)" \
	"0 192.0.2.2 udp" "$N_rc $(printf '%s' "$N_out" | jq -r '.remote + " " + .encap' 2>&1)"
run N ip netns exec cgw "${NOBODY[@]}" awsvpn show awsvpn0
t_eq "(a) ... while awsvpn show (SAs) needs CAP_NET_ADMIN: exit 1" 1 "$N_rc"
t_eq "(a) IFLA_INFO_DATA says nothing of SAs (no SPI anywhere)" "" \
	"$(ip netns exec cgw $RTLINK get awsvpn0 | grep -iE '1001|2001|spi|aes' || true)"

# iproute2: with the awsvpn printer, and without (an empty plugin dir).
IPJ=$(IP_LIB_DIR=$PRINTER_DIR ip -n cgw -j -d link show dev awsvpn0)
t_eq "(a) ip -j -d link (awsvpn printer): info_data == IFLA_INFO_DATA" "" \
	"$(python3 - "$IPJ" "$(ip netns exec cgw $RTLINK get awsvpn0)" <<-'EOF'
	import json, sys
	d = json.loads(sys.argv[1])[0]["linkinfo"]["info_data"]
	r = json.loads(sys.argv[2])
	keys = set(r) - {"ifname", "ifindex", "mtu", "carrier", "kind", "raw"}
	print("; ".join("%s: ip %r, rtnetlink %r" % (k, d.get(k, "-"), r[k])
	      for k in sorted(keys | set(d)) if d.get(k, "-") != r.get(k, "-")))
	EOF
)"
t_eq "(a) ip -j -d link info_data: 18 keys, the ones of show --json" 18 \
	"$(printf '%s' "$IPJ" | jq '.[0].linkinfo.info_data | length')"
t_match "(a) ip -d link (awsvpn printer): the settings in set's words" \
	'awsvpn local 192\.0\.2\.1 remote 192\.0\.2\.2 encap udp local-port 4510 remote-port 4520 socket module nat-keepalive 30 if-id 9 df keep mss 1360 outer-df inherit mtu-mode auto outer-mtu 1400 replay-window 2048 parallel on carrier-reason ok ' \
	"$(IP_LIB_DIR=$PRINTER_DIR ip -n cgw -d link show dev awsvpn0)"
t_match "(a) ip -d link, encap none: no UDP fields, mss auto" \
	'awsvpn local 0\.0\.0\.0 remote 0\.0\.0\.0 encap none if-id 0 df clear mss auto outer-df set mtu-mode auto outer-mtu auto replay-window 1024 parallel auto carrier-reason no-remote ' \
	"$(IP_LIB_DIR=$PRINTER_DIR ip -n cgw -d link show dev fresh0)"
# An accepted set is announced (RTM_NEWLINK) with the new settings.
IP_LIB_DIR=$PRINTER_DIR timeout 4 ip -n cgw -d monitor link > "$T_TMP/mon" 2>&1 &
monpid=$!
sleep 1
t_check "(a) set nat-keepalive 31 under ip monitor" aw set awsvpn0 nat-keepalive 31
wait "$monpid" || true
t_match "(a) ip monitor link: RTM_NEWLINK of awsvpn0 with nat-keepalive 31" \
	'awsvpn0.*awsvpn .*nat-keepalive 31 ' "$(tr '\n' ' ' < "$T_TMP/mon")"
t_check "(a) nat-keepalive back to 30" aw set awsvpn0 nat-keepalive 30
mkdir -p "$T_TMP/noprinter"
t_eq "(a) ip -j -d link without the printer: kind awsvpn, no info_data" \
	"awsvpn null" \
	"$(IP_LIB_DIR=$T_TMP/noprinter ip -n cgw -j -d link show dev awsvpn0 | jq -r '.[0].linkinfo | "\(.info_kind) \(.info_data)"')"
run I env IP_LIB_DIR=$PRINTER_DIR ip -n cgw link set awsvpn0 type awsvpn remote 192.0.2.9
t_match "(a) ip link set DEV type awsvpn remote ...: refused, pointing at awsvpn set" \
	"awsvpn set DEV" "$I_out"

J0=$(aw show awsvpn0 --json | jq -S '.[0] | del(.stats, .sas, .last_rx_ms, .last_tx_ms, .last_rx, .last_tx, .tx_crypt_ns, .tx_hop_ns, .rx_crypt_ns, .rx_hop_ns)')
# newlink DESC ARGS...: rtlink.py ARGS fails with EINVAL and the extack.
newlink_refused() {
	local desc=$1 out
	shift
	out=$(ip netns exec cgw $RTLINK "$@" 2>&1)
	t_match "(a) $desc: EINVAL, 'read-only over rtnetlink'" \
		'^error 22 EINVAL\|extack-msg: awsvpn: settings are read-only over rtnetlink: use the awsvpn tool \(awsvpn set DEV \.\.\.\)\|extack-offset: [0-9]+\|$' \
		"$(printf '%s\n' "$out" | tr '\n' '|')"
}
newlink_refused "RTM_NEWLINK REMOTE on awsvpn0" set awsvpn0 REMOTE=ip:192.0.2.9
newlink_refused "RTM_NEWLINK MSS and ENCAP" set awsvpn0 MSS=u16:1000 ENCAP=u8:0
newlink_refused "RTM_NEWLINK an unknown attribute 200" set awsvpn0 200=u32:1
newlink_refused "RTM_NEWLINK an empty IFLA_INFO_DATA" set awsvpn0 --empty
newlink_refused "RTM_NEWLINK creating a device with REMOTE" add ro0 REMOTE=ip:192.0.2.9
t_fails "(a) ... and no device ro0 was created" ip -n cgw link show dev ro0
t_eq "(a) the refused requests changed nothing" "$J0" \
	"$(aw show awsvpn0 --json | jq -S '.[0] | del(.stats, .sas, .last_rx_ms, .last_tx_ms, .last_rx, .last_tx, .tx_crypt_ns, .tx_hop_ns, .rx_crypt_ns, .rx_hop_ns)')"
t_check "(a) RTM_NEWLINK without IFLA_INFO_DATA on awsvpn0 still works" \
	ip netns exec cgw $RTLINK set awsvpn0
t_check "(a) ... and creating one without it (ro1)" \
	eval "ip netns exec cgw $RTLINK add ro1 && ip -n cgw link del ro1"

# ------------------------------------------------- (b) showconf / setconf

ns_create sc
# The local address a0 uses exists in sc too (a module socket binds to it).
ip -n sc link add d0 type dummy && ip -n sc addr add 192.0.2.1/24 dev d0 &&
	ip -n sc link set d0 up
awsvpn_add f0 sc
awsvpn_add def0 sc
sc() { awsvpn -n sc "$@"; }
conf_body() { grep -v '^#'; }
aw showconf awsvpn0 > "$T_TMP/a0.conf"
t_eq "(b) showconf: every set keyword but socket-fd, one line each" \
	"local remote encap local-port remote-port df mss replay-window mtu outer-mtu outer-df nat-keepalive if-id parallel" \
	"$(conf_body < "$T_TMP/a0.conf" | awk '{print $1}' | paste -sd' ')"
t_eq "(b) showconf awsvpn0" \
	"local 192.0.2.1|remote 192.0.2.2|encap udp|local-port 4510|remote-port 4520|df keep|mss 1360|replay-window 2048|mtu auto|outer-mtu 1400|outer-df inherit|nat-keepalive 30|if-id 9|parallel on" \
	"$(conf_body < "$T_TMP/a0.conf" | paste -sd'|')"
t_check "(b) setconf of awsvpn0's file on a fresh device (netns sc)" \
	sc setconf f0 "$T_TMP/a0.conf"
t_eq "(b) showconf f0 == showconf awsvpn0 (every setting round-trips)" \
	"$(conf_body < "$T_TMP/a0.conf")" "$(sc showconf f0 | conf_body)"
# settings NS DEV: the JSON settings, without what is not a setting.
settings() {
	awsvpn -n "$1" show "$2" --json | jq -cS '.[0] |
		del(.ifname, .ifindex, .stats, .sas, .last_rx_ms, .last_tx_ms,
		    .last_rx, .last_tx, .carrier, .carrier_reason, .mtu,
		    .tx_crypt_ns, .tx_hop_ns, .rx_crypt_ns, .rx_hop_ns)'
}
t_eq "(b) show --json settings of f0 == awsvpn0's (socket module too)" \
	"$(settings cgw awsvpn0)" "$(settings sc f0)"
# Pinned MTU and the other values of every keyword.
t_check "(b) awsvpn0: mtu 1300 (fixed), mss off, outer-df clear, nat-keepalive off, parallel off, encap none" \
	aw set awsvpn0 mtu 1300 mss off outer-df clear nat-keepalive off parallel off encap none
aw showconf awsvpn0 > "$T_TMP/a0b.conf"
t_match "(b) showconf: mtu 1300, mss off, nat-keepalive 0, encap none" \
	'encap none\|.*mss off\|.*mtu 1300\|.*nat-keepalive 0\|' "$(conf_body < "$T_TMP/a0b.conf" | tr '\n' '|')"
t_check "(b) setconf f0 (holding the first file) with the second" \
	sc setconf f0 "$T_TMP/a0b.conf"
t_eq "(b) showconf f0 == the second file" "$(conf_body < "$T_TMP/a0b.conf")" \
	"$(sc showconf f0 | conf_body)"
t_eq "(b) f0: mtu 1300 fixed, no socket" "1300 fixed none" \
	"$(sc show f0 --json | jq -r '.[0] | "\(.mtu) \(.mtu_mode) \(.socket)"')"
# parallel auto: its name in every view; JSON "parallel" stays a boolean.
t_check "(b) parallel auto" aw set awsvpn0 parallel auto
t_eq "(b) parallel auto: text, JSON parallel/parallel_mode, showconf, ip link, rtnetlink" \
	"auto|true auto|parallel auto|parallel auto|true auto" \
	"$(aw show -s awsvpn0 | sed -n 's/^  parallel: \([a-z]*\)$/\1/p')|$(aw show awsvpn0 --json | jq -r '.[0] | "\(.parallel) \(.parallel_mode)"')|$(aw showconf awsvpn0 | grep '^parallel ')|$(ip netns exec cgw env IP_LIB_DIR=$PRINTER_DIR ip -d link show awsvpn0 | grep -o 'parallel [a-z]*')|$(ip netns exec cgw $RTLINK get awsvpn0 | jq -r '"\(.parallel) \(.parallel_mode)"')"
aw set awsvpn0 mtu auto encap udp nat-keepalive 30 parallel on mss 1360 outer-df inherit
# Replace, not merge: a short file puts the rest back to the defaults.
printf '# only the remote\nremote 198.51.100.9   # tunnel 1\n\n' > "$T_TMP/short.conf"
t_check "(b) setconf f0 with a one-line file" sc setconf f0 "$T_TMP/short.conf"
t_eq "(b) ... the rest is back to the defaults (== a new device's, but remote)" \
	"$(sc showconf def0 | conf_body | sed 's/^remote .*/remote 198.51.100.9/')" \
	"$(sc showconf f0 | conf_body)"
printf '' > "$T_TMP/empty.conf"
t_check "(b) setconf f0 with an empty file" sc setconf f0 "$T_TMP/empty.conf"
t_eq "(b) ... every setting at its default" "$(sc showconf def0 | conf_body)" \
	"$(sc showconf f0 | conf_body)"
# What show prints is taken: "20s", "off", comments, several pairs a line.
printf 'nat-keepalive 20s mss off\nmtu auto outer-mtu auto # as show prints them\n' |
	sc setconf f0 - > "$T_TMP/out" 2>&1 && rc=0 || rc=$?
t_eq "(b) setconf from stdin, show's words (20s, off, auto)" "0 off 20" \
	"$rc $(sc show f0 --json | jq -r '.[0] | "\(.mss_mode) \(.nat_keepalive)"')"
# Bad files: nothing changes, FILE:LINE in the message.
before=$(sc showconf f0)
# setconf_bad DESC REGEX CONTENT: setconf f0 of CONTENT fails (exit 1).
setconf_bad() {
	printf '%b' "$3" > "$T_TMP/bad.conf"
	run B sc setconf f0 "$T_TMP/bad.conf"
	t_eq "(b) $1: exit 1" 1 "$B_rc"
	t_match "(b) $1: message" "$2" "$B_out"
	t_eq "(b) $1: nothing changed" "$before" "$(sc showconf f0)"
}
setconf_bad "unknown keyword" "setconf: $T_TMP/bad.conf:2: unknown keyword" \
	'remote 198.51.100.7\nmtu-mode fixed\n'
# A key file given by mistake: its words never reach the message.
setconf_bad "a key file" "setconf: $T_TMP/bad.conf:1: unknown keyword '\\(not shown\\)'" \
	'00112233445566778899aabbccddeeff01020304\n'
t_eq "(b) a key file: no word of it in the message" "" \
	"$(printf '%s\n' "$B_out" | grep -E '0011|01020304' || true)"
setconf_bad "bad value" "setconf: $T_TMP/bad.conf:1: mss: invalid value '\\(not shown\\)'" \
	'mss 5 remote 198.51.100.7\n'
setconf_bad "socket-fd" "setconf: $T_TMP/bad.conf:1: socket-fd: not in a file" 'socket-fd 3\n'
setconf_bad "keyword twice" "'remote' given more than once" \
	'remote 198.51.100.7\nremote 198.51.100.8\n'
setconf_bad "keyword without value" "'if-id' needs a value" 'if-id\n'
setconf_bad "valid file, kernel refuses (local multicast)" \
	"cannot configure f0: Invalid argument" 'local 224.0.0.1\nremote 198.51.100.7\n'
# Everything show -s prints for a set keyword, set takes back unchanged.
SHOW_S=$(aw show -s awsvpn0)
vocab() {
	local line kw val bad=
	while IFS= read -r line; do
		[[ $line =~ ^\ \ ([a-z-]+):\ ([^ ]+) ]] || continue
		kw=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
		awsvpn help set | grep -q "^  $kw " || continue
		aw set awsvpn0 "$kw" "$val" > /dev/null 2>&1 || bad="$bad $kw=$val"
	done <<< "$SHOW_S"
	echo "${bad# }"
}
t_eq "(b) every 'KEYWORD: VALUE' line of show -s is taken by set" "" "$(vocab)"
aw set awsvpn0 mtu auto	# the line "mtu: 1395 (auto)" pinned it
t_eq "(b) ... and changed nothing (settings lines of show -s)" \
	"$(printf '%s\n' "$SHOW_S" | sed -n '/^  transfer:/q;p')" \
	"$(aw show -s awsvpn0 | sed -n '/^  transfer:/q;p')"

# ------------------------------------------------- (c) quiet and -s

t_eq "(c) tunnel still works (3 pings)" 3 "$(esp_ping cgw 3 56 169.254.44.233)"
Q=$(aw show awsvpn0) S=$(aw show -s awsvpn0)
t_eq "(c) quiet: no counter that is 0" "" \
	"$(printf '%s\n' "$Q" | grep -E '^ +(rx|tx|frag|tcp|nat|workers): ' | grep -E '(: |, )([a-z-]+ 0|0 [a-z]+)(,|$)' || true)"
t_eq "(c) -s: the six device counter lines, zeros included" \
	"rx tx frag tcp nat workers" \
	"$(printf '%s\n' "$S" | sed -n 's/^  \(rx\|tx\|frag\|tcp\|nat\|workers\): .*/\1/p' | paste -sd' ')"
t_match "(c) -s: drop counters at 0 are there" 'replay 0, auth-fail 0' "$S"
t_check "(c) replay-window 1024 (its default) set" aw set awsvpn0 replay-window 1024
t_eq "(c) quiet: settings at their defaults left out (replay-window 1024)" \
	"" "$(aw show awsvpn0 | grep 'replay-window' || true)"
# parallel: auto is the default (left out), off is not.
t_check "(c) parallel auto (its default) set" aw set awsvpn0 parallel auto
Q2=$(aw show awsvpn0)
t_check "(c) parallel off set" aw set awsvpn0 parallel off
t_eq "(c) quiet: parallel auto (the default) left out; off shown" "|  parallel: off" \
	"$(printf '%s\n' "$Q2" | grep 'parallel:' || true)|$(aw show awsvpn0 | grep 'parallel:')"
aw set awsvpn0 parallel on
t_match "(c) quiet: settings away from the defaults shown (df keep, mss 1360, if-id 9)" \
	'df: keep.*mss: 1360.*if-id: 9' "$(aw show awsvpn0 | tr '\n' ' ')"
t_eq "(c) -s: every setting line" \
	"local remote carrier encap local-port remote-port socket nat-keepalive df mss replay-window mtu outer-mtu outer-df if-id parallel" \
	"$(aw show -s awsvpn0 | sed -n '/^  transfer:/q;s/^  \([a-z-]*\):.*/\1/p' | paste -sd' ')"
t_match "(c) times in words: latest rx/tx, SA age" \
	'latest rx: (just now|[0-9]+ seconds? ago)\|.*latest tx: (just now|[0-9]+ seconds? ago)\|.*    age: ([0-9]+ seconds?|[0-9]+ minutes?(, [0-9]+ seconds?)?)\|' \
	"$(aw show awsvpn0 | tr '\n' '|')"
t_eq "(c) -s: key (hidden) and crypto per SA; quiet: neither" "2 2 0" \
	"$(printf '%s\n' "$S" | grep -c '^    key: (hidden)$') $(printf '%s\n' "$S" | grep -c '^    crypto: ') $(printf '%s\n' "$Q" | grep -cE '^    (key|crypto):')"
ESC=$'\033'
tty_show() { ip netns exec cgw env TERM=xterm "$@" script -qec "awsvpn show awsvpn0" /dev/null; }
t_match "(c) on a terminal: colour" "$ESC\\[" "$(tty_show)"
t_eq "(c) on a terminal with NO_COLOR=1: none" "" "$(tty_show NO_COLOR=1 | grep -F "$ESC" || true)"
t_eq "(c) into a pipe: none" "" "$(aw show awsvpn0 | grep -F "$ESC" || true)"
# (Times and the NAT keepalive counters move on their own between the two.)
t_eq "(c) the terminal's text without colour is the pipe's" \
	"$(aw show awsvpn0 | sed '/latest\|age:\|nat:/d')" \
	"$(tty_show | tr -d '\r' | sed "s/$ESC\\[[0-9;]*m//g" | sed '/latest\|age:\|nat:/d')"

# ------------------------------------------------- (d) dump

# Counters that move by themselves would differ between two commands.
aw set awsvpn0 nat-keepalive off && ax set awsvpn0 nat-keepalive off
awsvpn_add dump cgw
DUMP=$(aw show dump) JS=$(aw show --json)
t_eq "(d) dump: a line per device (awsvpn0, dump, fresh0) and per SA (2)" \
	"awsvpn0 device|awsvpn0 sa|awsvpn0 sa|dump device|fresh0 device" \
	"$(printf '%s\n' "$DUMP" | cut -f1,2 | tr '\t' ' ' | sort | paste -sd'|')"
t_eq "(d) dump: 43 fields a device line, 29 an SA line" "43 29" \
	"$(printf '%s\n' "$DUMP" | awk -F'\t' '$2 == "device" { d = NF } $2 == "sa" { s = NF } END { print d, s }')"
t_eq "(d) every dump field equals the JSON" "" "$(python3 - "$DUMP" "$JS" <<-'EOF'
	import json, sys
	dump, js = sys.argv[1], {d["ifname"]: d for d in json.loads(sys.argv[2])}
	stats = ("rx_packets rx_bytes tx_packets tx_bytes rx_replay rx_auth_fail "
	         "rx_bad_trailer rx_no_sa rx_errors tx_no_sa tx_seq_exhausted "
	         "tx_errors tx_df_reset tx_fragmented tx_fragments tx_icmp "
	         "mss_clamped nat_keepalive_tx nat_keepalive_rx tx_parallel "
	         "rx_parallel").split()
	sastats = ("rx_packets rx_bytes rx_replay rx_auth_fail rx_bad_trailer "
	           "rx_errors tx_packets tx_bytes tx_seq_exhausted tx_errors").split()
	bad = []
	def eq(what, a, b):
	    if str(a) != str(b):
	        bad.append("%s: dump %r, json %r" % (what, a, b))
	for line in dump.splitlines():
	    f = line.split("\t")
	    d = js[f[0]]
	    if f[1] == "device":
	        want = [d["local"], d["remote"], "up" if d["carrier"] else "down",
	                d["carrier_reason"], d["encap"], d["local_port"],
	                d["remote_port"], d["socket"], d["nat_keepalive"], d["df"],
	                d["mss"] if d["mss_mode"] == "fixed" else d["mss_mode"],
	                d["replay_window"], d["mtu"], d["mtu_mode"],
	                d["outer_mtu"] or "auto", d["outer_df"], d["if_id"],
	                d["parallel_mode"]]
	        want += [d[k] if d[k] is not None else "never"
	                 for k in ("last_rx_ms", "last_tx_ms")]
	        want += [d["stats"][k] for k in stats]
	        for i, w in enumerate(want):
	            # the times move between the two commands
	            if i in (18, 19) and w != "never" and f[2 + i] != "never":
	                continue
	            eq("%s field %d" % (f[0], i + 3), f[2 + i], w)
	    else:
	        s = [x for x in d["sas"] if x["dir"] == f[2] and x["spi"] == f[3]]
	        if len(s) != 1:
	            bad.append("no SA for " + line)
	            continue
	        s, l = s[0], s[0]["limits"]
	        want = [s["dir"], s["spi"], s["enc"], s["integ"] or "none",
	                s["state"], s.get("replay_window", 0), s["seq"], None,
	                "yes" if s["soft_expired"] else "no",
	                s.get("activate_on_rx", "none")]
	        want += [l.get(k, 0) for k in ("time_soft", "time_hard",
	                 "bytes_soft", "bytes_hard", "packets_soft", "packets_hard")]
	        want += [s["crypto"]] + [s["stats"].get(k, 0) for k in sastats]
	        for i, w in enumerate(want):
	            if w is not None:
	                eq("%s sa %s field %d" % (f[0], f[3], i + 3), f[2 + i], w)
	print("; ".join(bad))
	EOF
)"
t_eq "(d) show DEV dump: that device's lines (first 9 fields: before the SA age)" \
	"$(printf '%s\n' "$DUMP" | grep "^awsvpn0	" | cut -f1-9)" \
	"$(aw show awsvpn0 dump | cut -f1-9)"
t_eq "(d) show dump dump: the device named dump" "dump device" \
	"$(aw show dump dump | cut -f1,2 | tr '\t' ' ')"
t_eq "(d) dump: SPIs as 0x%08x" "0x00001001 0x00002001" \
	"$(printf '%s\n' "$DUMP" | awk -F'\t' '$2 == "sa" { print $4 }' | sort | paste -sd' ')"
ip -n cgw link del dump

# ------------------------------------------------- (e) --prometheus

PROM=$(aw show --prometheus) JS=$(aw show --json)
t_eq "(e) exposition format, counters == JSON, state == carrier, labels" "" \
	"$(python3 - "$PROM" "$JS" cgw <<-'EOF'
	import json, re, sys
	text, js, ns = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
	name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
	lv = r'"(?:[^"\\\n]|\\[\\"n])*"'
	labels = r"\{(%s=%s(?:,%s=%s)*)?\}" % (name, lv, name, lv)
	value = r"(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)"
	sample = re.compile(r"(%s)(%s)? (%s)( -?\d+)?$" % (name, labels, value))
	bad, types, helps, done, cur, samples = [], {}, set(), set(), None, {}
	for n, l in enumerate(text.split("\n"), 1):
	    if l == "" and n == len(text.split("\n")):
	        continue
	    m = re.fullmatch(r"# (HELP|TYPE) (%s) (.*)" % name, l)
	    if m:
	        kind, fam, rest = m.groups()
	        if fam in done:
	            bad.append("line %d: family %s again" % (n, fam))
	        if cur and cur != fam:
	            done.add(cur)
	        cur = fam
	        if kind == "TYPE":
	            if rest not in ("counter", "gauge", "untyped", "summary", "histogram"):
	                bad.append("line %d: type %r" % (n, rest))
	            if fam in types:
	                bad.append("line %d: second TYPE" % n)
	            types[fam] = rest
	        else:
	            if fam in helps:
	                bad.append("line %d: second HELP" % n)
	            helps.add(fam)
	        continue
	    m = sample.fullmatch(l)
	    if not m:
	        bad.append("line %d not valid: %r" % (n, l))
	        continue
	    fam = m.group(1)
	    if fam != cur or fam not in types:
	        bad.append("line %d: %s outside its family / before TYPE" % (n, fam))
	    if types.get(fam) == "counter" and not fam.endswith("_total"):
	        bad.append("counter %s without _total" % fam)
	    lab = dict(re.findall(r'(%s)="((?:[^"\\]|\\.)*)"' % name, m.group(3) or ""))
	    samples[(fam, lab.get("device"), lab.get("reason"), lab.get("dir"),
	             lab.get("state"))] = float(m.group(4))
	    if lab.get("netns") != ns:
	        bad.append("line %d: netns label %r" % (n, lab.get("netns")))
	    if fam not in helps:
	        bad.append("line %d: no HELP" % n)
	for d in js:
	    dev = d["ifname"]
	    for k, v in d["stats"].items():
	        got = samples.get(("awsvpn_%s_total" % k, dev, None, None, None))
	        if got != v:
	            bad.append("%s %s: prometheus %r, json %r" % (dev, k, got, v))
	    if samples.get(("awsvpn_tunnel_state", dev, None, None, None)) != int(d["carrier"]):
	        bad.append("%s: tunnel state" % dev)
	    if samples.get(("awsvpn_carrier_reason", dev, d["carrier_reason"], None, None)) != 1:
	        bad.append("%s: carrier reason" % dev)
	    if samples.get(("awsvpn_mtu_bytes", dev, None, None, None)) != d["mtu"]:
	        bad.append("%s: mtu" % dev)
	    for dr in ("in", "out"):
	        n = sum(1 for s in d["sas"] if s["dir"] == dr and s["state"] == "active")
	        if samples.get(("awsvpn_sas", dev, None, dr, "active")) != n:
	            bad.append("%s: sas %s" % (dev, dr))
	print("; ".join(bad))
	EOF
)"
t_match "(e) CloudWatch's names in the help texts" \
	'# HELP awsvpn_tunnel_state .*TunnelState.*# HELP awsvpn_rx_bytes_total .*TunnelDataOut.*# HELP awsvpn_tx_bytes_total .*TunnelDataIn' \
	"$(printf '%s' "$PROM" | tr '\n' ' ')"
t_eq "(e) every device counter has its metric (21)" 21 \
	"$(printf '%s\n' "$PROM" | grep -c '^# TYPE awsvpn_.*_total counter$')"
t_eq "(e) show DEV --prometheus: that device only" "awsvpn0" \
	"$(aw show awsvpn0 --prometheus | sed -n 's/^awsvpn_tunnel_state{device="\([^"]*\)".*/\1/p')"

# ------------------------------------------------- (f) exit statuses

# rc_of EXPECTED CMD...: "CMD=RC" when awsvpn CMD (in cgw) exits otherwise.
RC_BAD=
rc_of() {
	local want=$1 rc
	shift
	ip netns exec cgw awsvpn "$@" > /dev/null 2>&1 < /dev/null && rc=0 || rc=$?
	[ "$rc" = "$want" ] || RC_BAD="$RC_BAD [$*]=$rc"
}
printf 'remote 192.0.2.2\n' > "$T_TMP/ok.conf"
# usage: 2
rc_of 2
rc_of 2 bogus
rc_of 2 help bogus
rc_of 2 help show extra
rc_of 2 --version extra
rc_of 2 show -x
rc_of 2 show awsvpn0 fresh0
rc_of 2 show awsvpn0 --json dump
rc_of 2 show --json --prometheus
rc_of 2 show bad/name
rc_of 2 showconf
rc_of 2 showconf awsvpn0 fresh0
rc_of 2 set
rc_of 2 set awsvpn0 bogus 1
rc_of 2 set awsvpn0 mss 5
rc_of 2 set awsvpn0 nat-keepalive 20m
rc_of 2 set awsvpn0 remote
rc_of 2 setconf awsvpn0
rc_of 2 setconf awsvpn0 a b
rc_of 2 sa
rc_of 2 sa bogus awsvpn0
rc_of 2 sa add awsvpn0 dir in spi 0x3001
rc_of 2 sa add awsvpn0 dir in spi 0x10 enc $SUITE key-file "$KEYDIR/in.key"
rc_of 2 sa add awsvpn0 dir in spi 0x3001 enc $SUITE integ sha1 key-file "$KEYDIR/in.key"
rc_of 2 sa add awsvpn0 dir out spi 0x3001 enc $SUITE key-file "$KEYDIR/in.key" limit time-soft 5x
rc_of 2 sa del awsvpn0 spi 0x1001
rc_of 2 sa switch awsvpn0
rc_of 2 sa flush
rc_of 2 sa flush awsvpn0 dir sideways
rc_of 2 monitor -x
rc_of 2 monitor awsvpn0 fresh0
rc_of 2 convert onlyone
rc_of 2 up
rc_of 2 up --bogus x.conf
rc_of 2 down
rc_of 2 down bad/name
rc_of 2 status --bogus
# runtime: 1
rc_of 1 show nosuch0
rc_of 1 show lo
rc_of 1 showconf nosuch0
rc_of 1 set nosuch0 mtu 1300
rc_of 1 set awsvpn0 remote 224.0.0.1
rc_of 1 set awsvpn0 socket-fd 99
rc_of 1 setconf nosuch0 "$T_TMP/ok.conf"
rc_of 1 setconf awsvpn0 "$T_TMP/nonexistent.conf"
rc_of 1 sa add nosuch0 dir in spi 0x3001 enc $SUITE key-file "$KEYDIR/in.key"
rc_of 1 sa add awsvpn0 dir in spi 0x3001 enc $SUITE key-file "$T_TMP/nonexistent.key"
rc_of 1 sa add awsvpn0 dir in spi 0x2001 enc $SUITE key-file "$KEYDIR/in.key"
rc_of 1 sa del awsvpn0 dir in spi 0x9999
rc_of 1 sa switch awsvpn0 spi 0x9999
rc_of 1 sa flush nosuch0
rc_of 1 convert "$T_TMP/nonexistent.txt" "$T_TMP/out.conf"
rc_of 1 down nosuchconn
rc_of 1 status nosuchconn
# ok: 0
rc_of 0 show
rc_of 0 show awsvpn0
rc_of 0 show -s awsvpn0
rc_of 0 show --json
rc_of 0 show dump
rc_of 0 show awsvpn0 --prometheus
rc_of 0 showconf awsvpn0
rc_of 0 set awsvpn0
rc_of 0 setconf fresh0 "$T_TMP/ok.conf"
rc_of 0 sa flush fresh0
rc_of 0 help
rc_of 0 help show
rc_of 0 show --help
rc_of 0 --version
t_eq "(f) exit statuses: usage 2, runtime 1, success 0 (every command)" "" "${RC_BAD# }"

# ------------------------------------------------- (g) sa flush

awsvpn -n cgw monitor --json awsvpn0 > "$T_TMP/mon.json" 2>&1 &
MON=$!
t_on_exit "kill $MON"
# The monitor has joined once it reports the device going down and up.
for _ in $(seq 50); do
	ip -n cgw link set awsvpn0 down; ip -n cgw link set awsvpn0 up
	grep -q '"dev-up"' "$T_TMP/mon.json" && break
	sleep 0.2
done
t_check "(g) more SAs: out 0x1002 (pending), in 0x2002, 0x2003" eval '
	esp_sa_add cgw awsvpn0 out 0x1002 $SUITE "$KEYDIR/out.key" &&
	esp_sa_add cgw awsvpn0 in 0x2002 $SUITE "$KEYDIR/in.key" &&
	esp_sa_add cgw awsvpn0 in 0x2003 $SUITE "$KEYDIR/in.key"'
wait_for 10 eval "[ \$(grep -c sa-added $T_TMP/mon.json) -ge 3 ]"
mark=$(wc -l < "$T_TMP/mon.json")
t_eq "(g) awsvpn0 has 5 SAs" 5 "$(aw show awsvpn0 --json | jq '.[0].sas | length')"
t_check "(g) sa flush awsvpn0 dir in" aw sa flush awsvpn0 dir in
t_eq "(g) ... only the outbound SAs left" "out out" \
	"$(aw show awsvpn0 --json | jq -r '[.[0].sas[].dir] | join(" ")')"
t_check "(g) sa flush awsvpn0" aw sa flush awsvpn0
t_eq "(g) ... no SA left, carrier down (no-sa)" "0 false no-sa" \
	"$(aw show awsvpn0 --json | jq -r '.[0] | "\(.sas | length) \(.carrier) \(.carrier_reason)"')"
t_check "(g) sa flush of a device without SAs: fine" aw sa flush awsvpn0
wait_for 5 eval "[ \$(tail -n +$((mark + 1)) $T_TMP/mon.json | grep -c sa-deleted) -ge 5 ]"
t_eq "(g) events: 5 sa-deleted (3 in, then 2 out), carrier-down no-sa" \
	"sa-deleted in 0x00002001|sa-deleted in 0x00002002|sa-deleted in 0x00002003|sa-deleted out 0x00001001|carrier-down - -|sa-deleted out 0x00001002" \
	"$(tail -n +$((mark + 1)) "$T_TMP/mon.json" | jq -r '"\(.event) \(.dir // "-") \(.spi // "-")"' | paste -sd'|')"
t_eq "(g) the peer's SAs are untouched" 2 \
	"$(ax show awsvpn0 --json | jq '.[0].sas | length')"
kill $MON 2>/dev/null

t_done
