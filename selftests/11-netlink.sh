#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 1200
#
# The generic netlink API through the awsvpn tool and through raw requests
# (selftests/tools/genl.py): defaults, set/show round trip of every device
# attribute in text and JSON, MSS modes, listing, the if-id (unique per
# namespace: EEXIST naming the owner, nothing changed), rejected input
# (tool-side and kernel-side, with errno and extended ACK text, nothing
# changed), help,
# permissions (EPERM without CAP_NET_ADMIN; allowed in an unprivileged user
# namespace that owns the netns).
set -eu
. "$(dirname "$0")/lib.sh"

require_cmd ip python3 setpriv unshare
require_tool
dmesg_mark

GENL="python3 $AWSVPN_SRC/selftests/tools/genl.py"
D=awsvpn0
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)

# cfg: the device's whole configuration as the tool reports it (JSON).
cfg() { awsvpn show "$D" --json 2>&1; }
# jf FIELD: one field of "awsvpn show DEV --json".
jf() { awsvpn show "$D" --json | json_get "j[0].get('$1')"; }
# mssj: "MSS_MODE MSS" of "awsvpn show DEV --json" (MSS None unless fixed).
mssj() { awsvpn show "$D" --json | json_get '"%s %s" % (j[0]["mss_mode"], j[0]["mss"])'; }
# tf LABEL: the value of one "  LABEL: value" line of "awsvpn show -s DEV"
# (-s: every setting, also those at their defaults).
tf() { awsvpn show -s "$D" | sed -n "s/^  $1: //p"; }

# flat TEXT: TEXT on one line, lines joined with "|" (for multi-line regexes).
flat() { printf '%s' "$1" | tr '\n' '|'; }

# rejected DESC RC REGEX CMD...: CMD exits RC, its output matches REGEX and
# the device configuration is unchanged afterwards.
rejected() {
	local desc=$1 rc=$2 re=$3 before
	shift 3
	before=$(cfg)
	run R "$@"
	t_eq "$desc: exit status $rc" "$rc" "$R_rc"
	t_match "$desc: message" "$re" "$(flat "$R_out")"
	t_eq "$desc: configuration unchanged" "$before" "$(cfg)"
}

mod_load
t_check "create $D" awsvpn_add "$D"
t_passed || t_done
IFINDEX=$(ip -j link show dev "$D" | json_get 'j[0]["ifindex"]')
LO_IFINDEX=$(ip -j link show dev lo | json_get 'j[0]["ifindex"]')

# ------------------------------------------------------ defaults

run S awsvpn show "$D"
t_eq "show DEV succeeds" 0 "$S_rc"
t_match "text: interface line" "^interface: $D\$" "$S_out"
t_eq "default local (text)" "0.0.0.0 (from the route)" "$(tf local)"
t_eq "default remote (text)" "0.0.0.0 (unset)" "$(tf remote)"
t_eq "default encap none (text)" none "$(tf encap)"
t_eq "default ports 4500 (text)" "4500 4500" "$(tf local-port) $(tf remote-port)"
t_eq "default df clear (text)" clear "$(tf df)"
t_eq "default mss auto (text)" auto "$(tf mss)"
t_eq "default replay-window 1024 (text)" 1024 "$(tf replay-window)"
t_eq "default mtu 1422, auto (text)" "1422 (auto)" "$(tf mtu)"
t_eq "default outer-mtu auto (text)" auto "$(tf outer-mtu)"
t_eq "default outer-df set (text)" set "$(tf outer-df)"
t_eq "default nat-keepalive 20s (text)" 20s "$(tf nat-keepalive)"
t_eq "default if-id 0: no if-id line (text)" "" \
	"$(printf '%s\n' "$S_out" | grep 'if-id' || true)"
t_eq "default if-id 0 (text, -s)" 0 "$(tf if-id)"
t_eq "a new device, quiet: only interface, remote, carrier, encap, mtu" \
	"interface|remote|carrier|encap|mtu" \
	"$(printf '%s\n' "$S_out" | sed 's/^ *\([a-z-]*\):.*/\1/' | paste -sd'|')"
t_eq "transfer line of a new device (text)" "0 B received, 0 B sent" "$(tf transfer)"
t_eq "rx counters of a new device (text)" \
	"0 packets, 0 bytes, replay 0, auth-fail 0, bad-trailer 0, no-sa 0, errors 0" \
	"$(tf rx)"
t_eq "tx counters of a new device (text)" \
	"0 packets, 0 bytes, no-sa 0, seq-exhausted 0, errors 0" "$(tf tx)"
t_eq "no SA lines on a new device (text)" 0 "$(printf '%s\n' "$S_out" | grep -c '^  sa ' || true)"

J=$(awsvpn show "$D" --json) || true
jq() { printf '%s' "$J" | json_get "$1"; }
t_eq "JSON is an array of one device" 1 "$(jq 'len(j)')"
t_eq "JSON ifname" "$D" "$(jq 'j[0]["ifname"]')"
t_eq "JSON ifindex" "$IFINDEX" "$(jq 'j[0]["ifindex"]')"
t_eq "default local (JSON)" 0.0.0.0 "$(jq 'j[0]["local"]')"
t_eq "default remote (JSON)" 0.0.0.0 "$(jq 'j[0]["remote"]')"
t_eq "default encap (JSON)" none "$(jq 'j[0]["encap"]')"
t_eq "default local_port 4500 (JSON)" 4500 "$(jq 'j[0]["local_port"]')"
t_eq "default remote_port 4500 (JSON)" 4500 "$(jq 'j[0]["remote_port"]')"
t_eq "default df (JSON)" clear "$(jq 'j[0]["df"]')"
t_eq "default mss_mode auto, mss null (JSON)" "auto None" \
	"$(jq '"%s %s" % (j[0]["mss_mode"], j[0]["mss"])')"
t_eq "default replay_window (JSON)" 1024 "$(jq 'j[0]["replay_window"]')"
t_eq "default mtu (JSON)" 1422 "$(jq 'j[0]["mtu"]')"
t_eq "default mtu_mode (JSON)" auto "$(jq 'j[0]["mtu_mode"]')"
t_eq "default outer_mtu 0 = from the route (JSON)" "int 0" \
	"$(jq '"%s %s" % (type(j[0]["outer_mtu"]).__name__, j[0]["outer_mtu"])')"
t_eq "default outer_df (JSON)" set "$(jq 'j[0]["outer_df"]')"
t_eq "default nat_keepalive (JSON)" 20 "$(jq 'j[0]["nat_keepalive"]')"
t_eq "default if_id is the number 0 (JSON)" "int 0" \
	"$(jq '"%s %s" % (type(j[0]["if_id"]).__name__, j[0]["if_id"])')"
t_eq "the 12 base counters are reported (JSON)" "" \
	"$(jq '" ".join(k for k in ("rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "rx_replay", "rx_auth_fail", "rx_bad_trailer", "rx_no_sa", "rx_errors", "tx_no_sa", "tx_seq_exhausted", "tx_errors") if k not in j[0]["stats"])')"
t_eq "every counter is 0 (JSON)" "" \
	"$(jq '" ".join("%s=%s" % kv for kv in sorted(j[0]["stats"].items()) if kv[1] != 0)')"
t_eq "no SAs (JSON)" 0 "$(jq 'len(j[0]["sas"])')"

# The kernel's own view: MSS attribute absent unless the mode is fixed
# (27 is AWSVPN_A_SOCKET, which genl.py prints by number).
run G $GENL GET_DEVICE IFNAME=str:$D
t_eq "raw GET succeeds" 0 "$G_rc"
t_match "raw GET: defaults as the kernel sends them" \
	"IFINDEX=$IFINDEX IFNAME=$D LOCAL=0.0.0.0 REMOTE=0.0.0.0 ENCAP=0 LOCAL_PORT=4500 REMOTE_PORT=4500 DF_POLICY=0 MSS_MODE=0 REPLAY_WINDOW=1024 MTU=1422 MTU_MODE=0 OUTER_MTU=0 OUTER_DF=0 NAT_KEEPALIVE=20 27=00 IF_ID=0 " \
	"$G_out"
t_eq "raw GET: no LAST_RX_MS/LAST_TX_MS on a silent device" "" \
	"$(printf '%s\n' "$G_out" | grep -oE 'LAST_(RX|TX)_MS=[0-9]+' || true)"

# ------------------------------------------------------ set / show round trip

t_check "set every base attribute" awsvpn set "$D" local 192.0.2.1 remote 198.51.100.7 \
	encap none local-port 4501 remote-port 4502 df keep mss 1379 replay-window 2048
t_eq "local (text)" 192.0.2.1 "$(tf local)"
t_eq "remote (text)" 198.51.100.7 "$(tf remote)"
t_eq "encap none (text)" none "$(tf encap)"
t_eq "encap none: ports only with -s (text)" "|4501 4502" \
	"$(awsvpn show "$D" | sed -n 's/^  local-port: //p')|$(tf local-port) $(tf remote-port)"
t_eq "df (text)" keep "$(tf df)"
t_eq "mss (text)" 1379 "$(tf mss)"
t_eq "replay-window (text)" 2048 "$(tf replay-window)"
t_eq "mtu untouched (text)" "1422 (auto)" "$(tf mtu)"
J=$(awsvpn show "$D" --json) || true
t_eq "local (JSON)" 192.0.2.1 "$(jq 'j[0]["local"]')"
t_eq "remote (JSON)" 198.51.100.7 "$(jq 'j[0]["remote"]')"
t_eq "encap (JSON)" none "$(jq 'j[0]["encap"]')"
t_eq "local_port (JSON)" 4501 "$(jq 'j[0]["local_port"]')"
t_eq "remote_port (JSON)" 4502 "$(jq 'j[0]["remote_port"]')"
t_eq "df (JSON)" keep "$(jq 'j[0]["df"]')"
t_eq "mss is the number 1379, mss_mode fixed (JSON)" "int 1379 fixed" \
	"$(jq '"%s %s %s" % (type(j[0]["mss"]).__name__, j[0]["mss"], j[0]["mss_mode"])')"
t_eq "replay_window (JSON)" 2048 "$(jq 'j[0]["replay_window"]')"
run G $GENL GET_DEVICE IFINDEX=u32:$IFINDEX
t_match "raw GET: every attribute as set" \
	"LOCAL=192.0.2.1 REMOTE=198.51.100.7 ENCAP=0 LOCAL_PORT=4501 REMOTE_PORT=4502 DF_POLICY=1 MSS_MODE=2 MSS=1379 REPLAY_WINDOW=2048 MTU=1422 " \
	"$G_out"

# encap udp needs the NAT-T socket, which the kernel may not have yet.
run E awsvpn set "$D" encap udp
if [ "$E_rc" != 0 ] && printf '%s' "$E_out" | grep -q 'UDP encapsulation is not available yet'; then
	t_skip "encap udp round trip" "kernel: $E_out"
	t_eq "refused encap udp changed nothing" none "$(jf encap)"
else
	if [ "$E_rc" = 0 ]; then t_ok "set encap udp"; else t_fail "set encap udp" "$E_out"; fi
	t_eq "encap udp with ports (text)" "udp 4501 4502" \
		"$(tf encap) $(tf local-port) $(tf remote-port)"
	t_eq "encap udp: non-default ports shown without -s" "4501 4502" \
		"$(awsvpn show "$D" | sed -n 's/^  \(local\|remote\)-port: //p' | paste -sd' ')"
	t_eq "encap udp (JSON)" udp "$(jf encap)"
	t_check "set encap none" awsvpn set "$D" encap none
fi

# The MTU settings (auto MTU follows the outer MTU and the suite).
t_check "set outer-mtu, outer-df, nat-keepalive" awsvpn set "$D" \
	outer-mtu 1400 outer-df clear nat-keepalive 30
t_eq "outer-mtu/outer-df/nat-keepalive (JSON)" "1400 clear 30" \
	"$(awsvpn show "$D" --json | json_get '"%s %s %s" % (j[0]["outer_mtu"], j[0]["outer_df"], j[0]["nat_keepalive"])')"
t_eq "outer-mtu (text)" 1400 "$(tf outer-mtu)"
t_eq "outer-df (text)" clear "$(tf outer-df)"
t_eq "nat-keepalive (text)" 30s "$(tf nat-keepalive)"
t_eq "auto MTU follows outer-mtu 1400: round_down(1400-20-8-48, 16)-2" \
	"1310 (auto)" "$(tf mtu)"
t_check "set mtu 1350 (pins it)" awsvpn set "$D" mtu 1350
t_eq "mtu 1350 fixed" "1350 (fixed)" "$(tf mtu)"
t_eq "ip link agrees" 1350 "$(ip -j link show dev "$D" | json_get 'j[0]["mtu"]')"
t_check "outer-mtu auto, outer-df inherit, nat-keepalive 0, mtu auto" \
	awsvpn set "$D" outer-mtu auto outer-df inherit nat-keepalive 0 mtu auto
t_eq "outer-mtu auto, inherit, keepalive off, mtu back to auto" \
	"auto inherit off 1422 (auto)" \
	"$(tf outer-mtu) $(tf outer-df) $(tf nat-keepalive) $(tf mtu)"
t_check "outer-df set, nat-keepalive 20" awsvpn set "$D" outer-df set nat-keepalive 20

# A partial set changes only what it names.
t_check "set remote only" awsvpn set "$D" remote 203.0.113.9
t_eq "partial set: remote changed, the rest kept" \
	"192.0.2.1 203.0.113.9 none 4501 4502 keep 1379 2048" \
	"$(awsvpn show "$D" --json | json_get '" ".join(str(j[0][k]) for k in
		("local", "remote", "encap", "local_port", "remote_port", "df",
		 "mss", "replay_window"))')"
t_check "set everything back to the defaults" awsvpn set "$D" local 0.0.0.0 \
	remote 0.0.0.0 encap none local-port 4500 remote-port 4500 df clear \
	mss auto replay-window 1024
t_eq "defaults restored" "0.0.0.0 0.0.0.0 none 4500 4500 clear auto None 1024" \
	"$(awsvpn show "$D" --json | json_get '" ".join(str(j[0][k]) for k in
		("local", "remote", "encap", "local_port", "remote_port", "df",
		 "mss_mode", "mss", "replay_window"))')"
t_check "set limits: ports 1/65535, window 64" awsvpn set "$D" \
	local-port 1 remote-port 65535 replay-window 64
t_eq "ports 1 and 65535, window 64" "1 65535 64" \
	"$(awsvpn show "$D" --json | json_get '"%s %s %s" % (j[0]["local_port"], j[0]["remote_port"], j[0]["replay_window"])')"
t_check "set window 4096" awsvpn set "$D" replay-window 4096
t_eq "window 4096" 4096 "$(jf replay_window)"
t_check "empty set is accepted" awsvpn set "$D"
t_eq "empty set changed nothing" 4096 "$(jf replay_window)"

# ------------------------------------------------------ mss transitions

t_check "mss 1379" awsvpn set "$D" mss 1379
t_eq "mss fixed 1379" 1379 "$(tf mss)"
t_check "mss off" awsvpn set "$D" mss off
t_eq "mss off (text)" off "$(tf mss)"
t_eq "mss off (JSON)" "off None" "$(mssj)"
run G $GENL GET_DEVICE IFNAME=str:$D
t_match "mss off: MSS_MODE=1 and no MSS attribute" 'MSS_MODE=1 REPLAY_WINDOW=' "$G_out"
t_check "mss 88 (minimum)" awsvpn set "$D" mss 88
t_eq "mss 88" 88 "$(jf mss)"
t_check "mss 65495 (maximum)" awsvpn set "$D" mss 65495
t_eq "mss 65495" 65495 "$(jf mss)"
t_check "mss auto" awsvpn set "$D" mss auto
t_eq "mss auto (text)" auto "$(tf mss)"
t_eq "mss auto (JSON)" "auto None" "$(mssj)"
run G $GENL GET_DEVICE IFNAME=str:$D
t_match "mss auto: MSS_MODE=0 and no MSS attribute" 'MSS_MODE=0 REPLAY_WINDOW=' "$G_out"
t_check "mss off -> 1200 directly" \
	sh -c "awsvpn set $D mss off && awsvpn set $D mss 1200"
t_eq "mss 1200 after off" 1200 "$(jf mss)"
# Raw: MSS alone implies fixed; fixed without a value is refused.
t_check "raw: MSS alone (mode auto before)" \
	sh -c "awsvpn set $D mss auto && $GENL SET_DEVICE IFNAME=str:$D MSS=u16:1000"
t_eq "raw MSS alone implies fixed" 1000 "$(jf mss)"
awsvpn set "$D" mss auto
rejected "raw: MSS_MODE fixed without MSS" 1 \
	'^error 22 EINVAL.*extack-msg: awsvpn: fixed MSS clamping needs an MSS value' \
	$GENL SET_DEVICE IFNAME=str:$D MSS_MODE=u8:2
t_check "raw: MSS_MODE auto plus MSS: the mode wins" \
	$GENL SET_DEVICE IFNAME=str:$D MSS=u16:1000 MSS_MODE=u8:0
t_eq "mode auto wins over MSS" auto "$(jf mss_mode)"
t_check "raw: MTU_MODE auto plus MTU: the mode wins" \
	$GENL SET_DEVICE IFNAME=str:$D MTU=u32:1300 MTU_MODE=u8:0
t_eq "mode auto wins over MTU" "1422 auto" "$(jf mtu) $(jf mtu_mode)"

# ------------------------------------------------------ listing

ns_create nl-list nl-other nl-empty
for d in la0 la1 la2; do awsvpn_add "$d" nl-list; done
awsvpn_add lother0 nl-other
run L awsvpn -n nl-list show --json
t_eq "show (no DEV) --json: 3 devices" 3 "$(printf '%s' "$L_out" | json_get 'len(j)')"
t_eq "show --json: the three names" "la0 la1 la2" \
	"$(printf '%s' "$L_out" | json_get '" ".join(sorted(d["ifname"] for d in j))')"
run L awsvpn -n nl-list show
t_eq "show (no DEV) text: 3 interface lines" "la0 la1 la2" \
	"$(printf '%s\n' "$L_out" | sed -n 's/^interface: //p' | sort | tr '\n' ' ' | sed 's/ $//')"
t_eq "device of another netns not listed" "" \
	"$(printf '%s\n' "$L_out" | grep -E 'lother0|awsvpn0' || true)"
t_eq "init netns lists only its own device" "$D" \
	"$(awsvpn show --json | json_get '" ".join(d["ifname"] for d in j)')"
run L awsvpn -n nl-empty show
t_eq "show in a netns without devices: succeeds" 0 "$L_rc"
t_eq "show in a netns without devices: prints nothing" "" "$L_out"
t_eq "show --json without devices: []" "[]" \
	"$(awsvpn -n nl-empty show --json | tr -d ' \n')"
run L awsvpn -n nl-other show "$D"
t_match "DEV of another netns: No such device" \
	"cannot show $D: No such device" "$L_out"

# ------------------------------------------------------ rejected input

# Tool-side checks: the request is never sent.
rejected "remote 1.2.3" 2 "remote: invalid address '1.2.3' \\(expected IPv4 dotted quad\\)" \
	awsvpn set "$D" remote 1.2.3
rejected "remote foo" 2 "remote: invalid address 'foo'" awsvpn set "$D" remote foo
rejected "local 1.2.3.4.5" 2 "local: invalid address '1.2.3.4.5'" awsvpn set "$D" local 1.2.3.4.5
rejected "local-port 0" 2 "local-port: invalid value '0' \\(expected 1..65535\\)" \
	awsvpn set "$D" local-port 0
rejected "remote-port 65536" 2 "remote-port: invalid value '65536' \\(expected 1..65535\\)" \
	awsvpn set "$D" remote-port 65536
rejected "local-port 70000" 2 "local-port: invalid value '70000'" awsvpn set "$D" local-port 70000
rejected "local-port -1" 2 "local-port: invalid value '-1'" awsvpn set "$D" local-port -1
rejected "replay-window 63" 2 "replay-window: invalid value '63' \\(expected 64..4096\\)" \
	awsvpn set "$D" replay-window 63
rejected "replay-window 4097" 2 "replay-window: invalid value '4097' \\(expected 64..4096\\)" \
	awsvpn set "$D" replay-window 4097
rejected "mss 87" 2 "mss: invalid value '87' \\(expected auto, off or 88..65495\\)" \
	awsvpn set "$D" mss 87
rejected "mss 65496" 2 "mss: invalid value '65496' \\(expected auto, off or 88..65495\\)" \
	awsvpn set "$D" mss 65496
rejected "mss fixed (not a keyword value)" 2 "mss: invalid value 'fixed'" \
	awsvpn set "$D" mss fixed
rejected "encap tcp" 2 "encap: invalid value 'tcp' \\(expected none, udp\\)" \
	awsvpn set "$D" encap tcp
rejected "df maybe" 2 "df: invalid value 'maybe' \\(expected clear, keep\\)" \
	awsvpn set "$D" df maybe
rejected "unknown keyword" 2 "set: unknown keyword 'bogus'" awsvpn set "$D" bogus 1
rejected "keyword without value" 2 "set: 'remote' needs a value" awsvpn set "$D" remote
rejected "keyword twice" 2 "set: 'remote' given more than once" \
	awsvpn set "$D" remote 192.0.2.1 remote 192.0.2.2
rejected "valid and invalid keyword: nothing sent" 2 "replay-window: invalid value '1'" \
	awsvpn set "$D" remote 192.0.2.99 replay-window 1

# Kernel-side address checks, extack text printed by the tool.
for a in 224.0.0.1 239.255.255.255 255.255.255.255 127.0.0.1 240.0.0.1; do
	rejected "remote $a (kernel)" 1 \
		"cannot configure $D: Invalid argument \\(remote address must be a unicast IPv4 address\\)" \
		awsvpn set "$D" remote "$a"
done
for a in 240.0.0.1 224.0.0.1 127.0.0.1; do
	rejected "local $a (kernel)" 1 \
		"cannot configure $D: Invalid argument \\(local address must be a unicast IPv4 address\\)" \
		awsvpn set "$D" local "$a"
done
rejected "valid local + bad remote: whole request refused" 1 \
	"Invalid argument \\(remote address must be a unicast IPv4 address\\)" \
	awsvpn set "$D" local 192.0.2.50 remote 224.0.0.1 replay-window 512
rejected "unknown device" 1 \
	"cannot configure nosuch0: No such device \\(awsvpn: no such device \\(ifname\\)\\)" \
	awsvpn set nosuch0 remote 192.0.2.1
rejected "non-awsvpn device (lo)" 1 \
	"cannot configure lo: Operation not supported \\(awsvpn: not an awsvpn device\\)" \
	awsvpn set lo remote 192.0.2.1
run S awsvpn show lo
t_match "show lo: Operation not supported" \
	"cannot show lo: Operation not supported \\(awsvpn: not an awsvpn device\\)" "$S_out"
t_eq "show lo: exit status 1" 1 "$S_rc"
run S awsvpn show nosuch0
t_match "show nosuch0: No such device" "cannot show nosuch0: No such device" "$S_out"
S_rc_nosuch=$S_rc
run S awsvpn set "bad/name" remote 192.0.2.1
t_match "invalid device name refused by the tool" "set: invalid device name 'bad/name'" "$S_out"
t_eq "invalid device name: exit status 2 (usage)" 2 "$S_rc"
t_eq "show nosuch0: exit status 1" 1 "$S_rc_nosuch"

# Raw requests the tool never sends.
rejected "raw SET without device attribute" 1 \
	'^error 22 EINVAL.*extack-msg: awsvpn: device ifindex or ifname required' \
	$GENL SET_DEVICE REMOTE=ip:192.0.2.1
run G $GENL GET_DEVICE
t_match "raw GET (doit) without device attribute" \
	'^error 22 EINVAL.*extack-msg: awsvpn: device ifindex or ifname required' "$(flat "$G_out")"
rejected "raw SET with MTU above the device maximum" 1 \
	"^error 34 ERANGE.*extack-msg: MTU outside the device's range" \
	$GENL SET_DEVICE IFNAME=str:$D REMOTE=ip:192.0.2.77 MTU=u32:65535
rejected "raw SET with MTU 67" 1 '^error 34 ERANGE.*extack-msg: integer out of range' \
	$GENL SET_DEVICE IFNAME=str:$D REMOTE=ip:192.0.2.77 MTU=u32:67
rejected "raw SET with LAST_RX_MS (read-only)" 1 '^error 22 EINVAL' \
	$GENL SET_DEVICE IFNAME=str:$D LAST_RX_MS=u64:1
rejected "raw SET with STATS (read-only)" 1 \
	'^error 22 EINVAL.*extack-msg: counters are read-only' \
	$GENL SET_DEVICE IFNAME=str:$D STATS=hex:
rejected "raw SET with SAS (read-only)" 1 \
	'^error 22 EINVAL.*extack-msg: use AWSVPN_CMD_NEW_SA to add SAs' \
	$GENL SET_DEVICE IFNAME=str:$D SAS=hex:
rejected "raw SET with a nested flag on a non-nest" 1 \
	'^error 22 EINVAL.*extack-msg: NLA_F_NESTED not expected' \
	$GENL SET_DEVICE IFNAME=str:$D STATS=nest:
rejected "raw SET with SA" 1 \
	'^error 22 EINVAL.*extack-msg: SAs are added with AWSVPN_CMD_NEW_SA' \
	$GENL SET_DEVICE IFNAME=str:$D SA=nest:0500010002000000
rejected "raw SET with unknown attribute 200 (strict policy)" 1 \
	'^error 22 EINVAL.*extack-msg: Unknown attribute type' \
	$GENL SET_DEVICE IFNAME=str:$D 200=u32:1
rejected "raw SET with attribute type 0 (strict policy)" 1 \
	'^error 22 EINVAL.*extack-msg: Unknown attribute type' \
	$GENL SET_DEVICE IFNAME=str:$D 0=u32:1
rejected "raw SET with a u32 where a u16 belongs" 1 '^error 22 EINVAL' \
	$GENL SET_DEVICE IFNAME=str:$D LOCAL_PORT=u32:4501
rejected "raw SET with a 3-byte address" 1 '^error 22 EINVAL' \
	$GENL SET_DEVICE IFNAME=str:$D REMOTE=hex:c00002
for spec in LOCAL_PORT=u16:0 REMOTE_PORT=u16:0 REPLAY_WINDOW=u32:63 \
	REPLAY_WINDOW=u32:4097 MSS=u16:87 MSS=u16:65496 ENCAP=u8:2 \
	DF_POLICY=u8:2 MSS_MODE=u8:3; do
	rejected "raw SET $spec: out of range" 1 \
		'^error 34 ERANGE.*extack-msg: integer out of range' \
		$GENL SET_DEVICE IFNAME=str:$D REMOTE=ip:192.0.2.77 "$spec"
done
rejected "raw SET: ifindex and ifname disagree" 1 \
	'^error 22 EINVAL.*extack-msg: awsvpn: ifindex and ifname name different devices' \
	$GENL SET_DEVICE IFINDEX=u32:$LO_IFINDEX IFNAME=str:$D REMOTE=ip:192.0.2.1
rejected "raw SET: unknown ifindex" 1 \
	'^error 19 ENODEV.*extack-msg: awsvpn: no such device \(ifindex\)' \
	$GENL SET_DEVICE IFINDEX=u32:999999 REMOTE=ip:192.0.2.1
rejected "raw SET: ifindex of lo" 1 \
	'^error 95 EOPNOTSUPP.*extack-msg: awsvpn: not an awsvpn device' \
	$GENL SET_DEVICE IFINDEX=u32:$LO_IFINDEX REMOTE=ip:192.0.2.1
rejected "raw: unknown command 9" 1 '^error 95 EOPNOTSUPP' \
	$GENL 9 IFNAME=str:$D
rejected "raw SET with reserved genl header field set" 1 '^error 22 EINVAL' \
	$GENL --reserved 1 SET_DEVICE IFNAME=str:$D REMOTE=ip:192.0.2.1
t_check "raw SET by ifindex and matching ifname works" \
	$GENL SET_DEVICE IFINDEX=u32:$IFINDEX IFNAME=str:$D REMOTE=ip:192.0.2.200
t_eq "raw SET took effect" 192.0.2.200 "$(jf remote)"
t_check "raw: dump without any attribute works" $GENL --dump GET_DEVICE

# ------------------------------------------------------ if-id

D2=awsvpn1
D3=awsvpn2
# ifid DEV [NS]: the device's "if_id" in "awsvpn show DEV --json".
ifid() { ns_exec "${2:-}" awsvpn show "$1" --json | json_get 'j[0]["if_id"]'; }
# jdev DEV: the whole JSON of DEV, for "nothing changed" comparisons.
jdev() { awsvpn show "$1" --json 2>&1; }

t_check "if-id 42" awsvpn set "$D" if-id 42
t_eq "if-id 42 (text)" 42 "$(tf if-id)"
t_eq "if_id is the number 42 (JSON)" "int 42" \
	"$(awsvpn show "$D" --json | json_get '"%s %s" % (type(j[0]["if_id"]).__name__, j[0]["if_id"])')"
run G $GENL GET_DEVICE IFNAME=str:$D
t_match "raw GET: IF_ID=42" ' IF_ID=42 ' "$G_out"
t_check "a set without if-id" awsvpn set "$D" nat-keepalive 25
t_eq "leaves if-id 42 alone" "42 25" "$(ifid "$D") $(jf nat_keepalive)"
awsvpn set "$D" nat-keepalive 20
t_check "if-id 0x1234 (hex)" awsvpn set "$D" if-id 0x1234
t_eq "if-id 0x1234 is 4660" 4660 "$(tf if-id)"
t_check "if-id 4294967295 (maximum)" awsvpn set "$D" if-id 4294967295
t_eq "if-id 4294967295 (text)" 4294967295 "$(tf if-id)"
t_eq "if_id 4294967295 (JSON)" 4294967295 "$(ifid "$D")"
t_check "raw SET IF_ID=7" $GENL SET_DEVICE IFNAME=str:$D IF_ID=u32:7
t_eq "raw SET if-id 7, seen by the tool (text, JSON)" "7 7" \
	"$(tf if-id) $(ifid "$D")"
t_check "raw SET IF_ID=0xffffffff (maximum)" \
	$GENL SET_DEVICE IFNAME=str:$D IF_ID=u32:0xffffffff
run G $GENL GET_DEVICE IFNAME=str:$D
t_match "raw GET: IF_ID=4294967295" ' IF_ID=4294967295 ' "$G_out"
t_check "if-id 0 (none)" awsvpn set "$D" if-id 0
t_eq "if-id 0: no text line" "" "$(awsvpn show "$D" | grep 'if-id' || true)"
t_eq "if-id 0: 'if-id: 0' with -s" 0 "$(tf if-id)"
t_eq "if-id 0 (JSON)" 0 "$(ifid "$D")"
run G $GENL GET_DEVICE IFNAME=str:$D
t_match "raw GET: IF_ID=0 is still reported" ' IF_ID=0 ' "$G_out"

rejected "if-id 4294967296" 2 \
	"if-id: invalid value '4294967296' \\(expected 0..4294967295, decimal or 0x-hex\\)" \
	awsvpn set "$D" if-id 4294967296
rejected "if-id -1" 2 "if-id: invalid value '-1'" awsvpn set "$D" if-id -1
rejected "if-id 0x" 2 "if-id: invalid value '0x'" awsvpn set "$D" if-id 0x
rejected "if-id none" 2 "if-id: invalid value 'none'" awsvpn set "$D" if-id none
rejected "raw SET with a u16 IF_ID" 1 '^error 22 EINVAL' \
	$GENL SET_DEVICE IFNAME=str:$D IF_ID=u16:1
rejected "raw SET with a u64 IF_ID" 1 '^error 22 EINVAL' \
	$GENL SET_DEVICE IFNAME=str:$D IF_ID=u64:1

# Unique among the devices of one namespace.
t_check "create $D2" awsvpn_add "$D2"
t_check "create $D3" awsvpn_add "$D3"
t_check "$D takes if-id 42" awsvpn set "$D" if-id 42
before=$(jdev "$D2")
run R awsvpn set "$D2" nat-keepalive 99 if-id 42
t_eq "$D2 if-id 42 (taken): exit 1" 1 "$R_rc"
t_match "$D2 if-id 42 (taken): EEXIST naming $D" \
	"cannot configure $D2: File exists \\(awsvpn: if-id 42 is already used by $D\\)" \
	"$R_out"
t_eq "the refused request changed nothing on $D2 (nat-keepalive neither)" \
	"$before" "$(jdev "$D2")"
t_eq "$D keeps if-id 42" 42 "$(ifid "$D")"
# Raw, with the NAT-T socket step in the same request: the if-id is checked
# before the socket changes.  IF_ID is at 16 + 4 + 12 + 8 + 8 + 8 = 56.
run R $GENL SET_DEVICE IFNAME=str:$D2 ENCAP=u8:1 LOCAL_PORT=u16:4510 \
	MTU=u32:1300 IF_ID=u32:42
t_match "raw: EEXIST, the message, the offending attribute" \
	"^error 17 EEXIST\\|extack-msg: awsvpn: if-id 42 is already used by $D\\|extack-offset: 56\$" \
	"$(flat "$R_out")"
t_eq "the refused raw request changed nothing on $D2 (encap, port, MTU)" \
	"$before" "$(jdev "$D2")"
t_eq "$D2 still: encap none, no socket, port 4500, MTU 1422" "none none 4500 1422" \
	"$(awsvpn show "$D2" --json | json_get '"%s %s %s %s" % (j[0]["encap"], j[0]["socket"], j[0]["local_port"], j[0]["mtu"])')"
t_check "$D sets its own if-id 42 again" awsvpn set "$D" if-id 42
t_check "raw: $D sets its own IF_ID 42 again" \
	$GENL SET_DEVICE IFNAME=str:$D IF_ID=u32:42
t_check "$D2 takes another if-id, 43" awsvpn set "$D2" if-id 43
run R awsvpn set "$D3" if-id 43
t_match "$D3 if-id 43: EEXIST naming $D2" \
	"cannot configure $D3: File exists \\(awsvpn: if-id 43 is already used by $D2\\)" \
	"$R_out"
t_check "if-id 0 on $D3 and $D2" \
	sh -c "awsvpn set $D3 if-id 0 && awsvpn set $D2 if-id 0"
t_check "if-id 0 on both again" \
	sh -c "awsvpn set $D2 if-id 0 && awsvpn set $D3 if-id 0"
t_eq "both at 0" "0 0" "$(ifid "$D2") $(ifid "$D3")"
t_check "$D2 back to 43" awsvpn set "$D2" if-id 43
t_eq "dump (JSON): each device's if_id" "$D=42 $D2=43 $D3=0" \
	"$(awsvpn show --json | json_get '" ".join("%s=%s" % (d["ifname"], d["if_id"]) for d in sorted(j, key=lambda d: d["ifname"]))')"
t_eq "dump (text): if-id lines only for the two set" "42 43" \
	"$(awsvpn show | sed -n 's/^  if-id: //p' | sort | tr '\n' ' ' | sed 's/ $//')"
run G $GENL --dump GET_DEVICE
t_eq "raw dump: IF_ID of $D2" " IF_ID=43" \
	"$(printf '%s\n' "$G_out" | grep " IFNAME=$D2 " | grep -o ' IF_ID=[0-9]*')"

# Another namespace has values of its own.
ns_create nl-ifid
awsvpn_add ifx0 nl-ifid
awsvpn_add ifx1 nl-ifid
t_check "if-id 42 in another namespace is accepted" \
	awsvpn -n nl-ifid set ifx0 if-id 42
t_eq "42 there and here" "42 42" "$(ifid ifx0 nl-ifid) $(ifid "$D")"
run R awsvpn -n nl-ifid set ifx1 if-id 42
t_match "a collision there names the device there" \
	"cannot configure ifx1: File exists \\(awsvpn: if-id 42 is already used by ifx0\\)" \
	"$R_out"

# A deleted device's value is free again.
t_check "delete $D2 (if-id 43)" ip link del dev "$D2"
t_check "$D3 takes 43 once $D2 is gone" awsvpn set "$D3" if-id 43
t_eq "$D3 has 43" 43 "$(ifid "$D3")"
t_check "delete $D3, if-id 0 on $D" \
	sh -c "ip link del dev $D3 && awsvpn set $D if-id 0"

# ------------------------------------------------------ help

run H awsvpn --help
t_eq "--help exits 0" 0 "$H_rc"
for kw in local remote encap local-port remote-port df mss replay-window \
	mtu outer-mtu outer-df nat-keepalive socket-fd if-id dir spi enc integ \
	key-file seq; do
	t_match "--help documents '$kw'" "^  $kw " "$H_out"
done
for c in show set "sa add" "sa del" help; do
	t_match "--help lists command '$c'" "^  $c( |\$)" "$H_out"
done
run H awsvpn help set
t_eq "help set exits 0" 0 "$H_rc"
t_match "help set: usage" '^Usage: awsvpn set DEV \[KEYWORD VALUE\]\.\.\.' "$H_out"
for kw in local remote encap local-port remote-port df mss replay-window \
	mtu outer-mtu outer-df nat-keepalive socket-fd if-id; do
	t_match "help set documents '$kw'" "^  $kw " "$H_out"
done
t_match "help set: if-id range, 0 = none" \
	"if-id N .*0\\.\\.4294967295, decimal or 0x-hex; 0 = none" "$(flat "$H_out")"
run H awsvpn help show
t_match "help show: -s, dump, --json, --prometheus" \
	'-s, --verbose.*dump .*--json, -j.*--prometheus' "$(flat "$H_out")"
run H awsvpn set --help
t_eq "set --help is help set" "$(awsvpn help set)" "$H_out"
run H awsvpn frobnicate
t_eq "unknown command exits 2 (usage)" 2 "$H_rc"
t_match "unknown command message" "awsvpn: unknown command 'frobnicate'" "$H_out"
run H awsvpn help frobnicate
t_eq "help on unknown topic exits 2" 2 "$H_rc"
run H awsvpn
t_eq "no arguments exits 2" 2 "$H_rc"
t_match "no arguments prints usage" '^Usage: awsvpn show' "$H_out"

# ------------------------------------------------------ permissions

awsvpn set "$D" remote 198.51.100.1 mss 1300
before=$(cfg)
run P "${NOBODY[@]}" awsvpn show "$D"
t_eq "show as nobody: exit 1" 1 "$P_rc"
t_match "show as nobody: Operation not permitted" \
	"cannot show $D: Operation not permitted" "$P_out"
run P "${NOBODY[@]}" awsvpn show
t_match "list as nobody: Operation not permitted" \
	"cannot list awsvpn devices: Operation not permitted" "$P_out"
run P "${NOBODY[@]}" awsvpn set "$D" remote 192.0.2.66 mss off
t_eq "set as nobody: exit 1" 1 "$P_rc"
t_match "set as nobody: Operation not permitted" \
	"cannot configure $D: Operation not permitted" "$P_out"
t_eq "set as nobody changed nothing" "$before" "$(cfg)"
run P "${NOBODY[@]}" $GENL SET_DEVICE IFNAME=str:$D REMOTE=ip:192.0.2.66
t_match "raw SET as nobody: EPERM" '^error 1 EPERM' "$P_out"
run P "${NOBODY[@]}" $GENL --dump GET_DEVICE
t_match "raw dump as nobody: EPERM" '^error 1 EPERM' "$P_out"
# Root, but without CAP_NET_ADMIN: it is that capability that counts.
NOADMIN=(setpriv --inh-caps=-net_admin --bounding-set=-net_admin)
run P "${NOADMIN[@]}" awsvpn set "$D" remote 192.0.2.67
t_match "set as root without CAP_NET_ADMIN: Operation not permitted" \
	"cannot configure $D: Operation not permitted" "$P_out"
run P "${NOADMIN[@]}" awsvpn show "$D"
t_match "show as root without CAP_NET_ADMIN: Operation not permitted" \
	"cannot show $D: Operation not permitted" "$P_out"
t_eq "configuration unchanged after the refused requests" "$before" "$(cfg)"

# Unprivileged user namespace owning a new netns: CAP_NET_ADMIN there.
UD=$(mktemp -d /tmp/awsvpn-userns.XXXXXX)
t_on_exit rm -rf "$UD"
chmod 755 "$UD"
cat > "$UD/inner.sh" <<-EOF
	set -u
	echo "uid=\$(id -u)"
	ip link add dev uv0 type awsvpn && echo "add=ok" || echo "add=fail"
	awsvpn set uv0 remote 198.51.100.9 remote-port 4600 mss 1200 &&
		echo "set=ok" || echo "set=fail"
	echo "show=\$(awsvpn show uv0 --json 2>&1 | tr -d '\n')"
	echo "list=\$(awsvpn show --json 2>&1 | tr -d '\n')"
	echo "genl=\$($GENL SET_DEVICE IFNAME=str:uv0 MSS_MODE=u8:1 | tr '\n' ' ')"
	ip link set dev uv0 mtu 1300 && echo "mtu=ok" || echo "mtu=fail"
	ip link del dev uv0 && echo "del=ok" || echo "del=fail"
EOF
chmod 644 "$UD/inner.sh"
run U "${NOBODY[@]}" unshare -U -r -n bash "$UD/inner.sh"
if printf '%s' "$U_out" | grep -q '^uid=0$'; then
	t_eq "userns: nobody creates an awsvpn device in its own netns" add=ok \
		"$(printf '%s\n' "$U_out" | grep '^add=')"
	t_eq "userns: set works (CAP_NET_ADMIN in the owning userns)" set=ok \
		"$(printf '%s\n' "$U_out" | grep '^set=')"
	t_eq "userns: show reflects the set" "198.51.100.9 4600 1200" \
		"$(printf '%s\n' "$U_out" | sed -n 's/^show=//p' |
			json_get '"%s %s %s" % (j[0]["remote"], j[0]["remote_port"], j[0]["mss"])')"
	t_eq "userns: listing shows exactly the userns device" uv0 \
		"$(printf '%s\n' "$U_out" | sed -n 's/^list=//p' |
			json_get '" ".join(d["ifname"] for d in j)')"
	t_eq "userns: raw SET works" "genl=ok " \
		"$(printf '%s\n' "$U_out" | grep '^genl=')"
	t_eq "userns: ip link set mtu works" mtu=ok "$(printf '%s\n' "$U_out" | grep '^mtu=')"
	t_eq "userns: delete works" del=ok "$(printf '%s\n' "$U_out" | grep '^del=')"
else
	t_skip "userns: device management as an unprivileged user" \
		"cannot create a user namespace as nobody here: $(printf '%s' "$U_out" | head -n 3 | tr '\n' ' ')"
fi
t_eq "userns device never appeared in the init netns" "" \
	"$(ip -o link show type awsvpn | grep uv0 || true)"

# ------------------------------------------------------ kernel log

t_check "delete $D" ip link del dev "$D"
log=$(dmesg_since)
t_eq "no WARNING/BUG in the kernel log" "" \
	"$(printf '%s\n' "$log" | grep -E 'WARNING:|BUG:|Oops|Call Trace' || true)"

t_done
