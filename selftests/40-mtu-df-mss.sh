#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 900
#
# MTU, DF and MSS clamping, with forwarded traffic (the production case).
#
#   ns lan:  lan0 10.1.0.2/24 fd01::2/64, default via the gateway
#      | veth
#   ns cgw:  cgw-lan 10.1.0.1/24 fd01::1/64, forwarding on
#            awsvpn0 169.254.44.234/30 fd00:44::2/64, routes 10.2.0.0/24 and
#            fd02::/64 into it; veth-cgw 192.0.2.1/24 (outer)
#      | veth, raw ESP
#   ns aws:  veth-aws 192.0.2.2/24; xfrm44 (XFRM tunnel mode, if_id 44)
#            169.254.44.233/30, routes 10.1.0.0/24 and fd01::/64 into it;
#            aws-vpc 10.2.0.1/24 fd02::1/64, forwarding on
#      | veth
#   ns vpc:  vpc0 10.2.0.2/24 fd02::2/64 (the host inside the VPC)
#
# (a) MTU table: for each of the 10 AWS suites the auto MTU is AWS's number
#     (encap none: GCM 1446, CBC+SHA1/SHA2-256 1438, CBC+SHA2-384/512 1422;
#     encap udp: 1438, 1422, 1422, 1406), 1422/1406 without an outbound SA;
#     outer-mtu N and the route's MTU lower it as mtu.c computes; "mtu N"
#     and "ip link set mtu" pin it (mode fixed), "mtu auto" returns.
# (b) For aes128-gcm16 and aes256+sha2-512: an IPv4 echo of exactly MTU
#     bytes with DF is one ESP packet of exactly 1500 bytes, no outer
#     fragment; MTU+1 with DF and "df clear": DF reset, two ESP packets of
#     computed sizes, echo answered, counters tx_df_reset/tx_fragmented/
#     tx_fragments +1/+1/+2; 1500-byte DF echo and UDP datagram pass; "df
#     keep": frag-needed with mtu = MTU from the gateway and a PMTU exception
#     on lan.  IPv6: MTU bytes pass as one ESP packet, MTU+1 gets Packet Too
#     Big (mtu = MTU) from the gateway.  Outer DF per "outer-df".
# (c) MSS (aes128-gcm16): the SYN seen decrypted on xfrm44 and the SYN-ACK
#     arriving on lan carry MTU-40 (IPv6: MTU-60) with "mss auto", 1300 with
#     "mss 1300", the original 1460 with "mss off"; checksums good;
#     mss_clamped moves by exactly 2 (SYN + SYN-ACK) or 0.
#
# Helpers: selftests/tools/pmtu.py (DF pings, UDP, TCP, pcap reading).
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd python3 tcpdump tshark

PM="python3 $AWSVPN_SRC/selftests/tools/pmtu.py"
KEYDIR="$AWSVPN_OUT/40-mtu-df-mss"
SO=0x00040000		# awsvpn outbound (cgw -> aws)
SI=0x00040001		# awsvpn inbound (aws -> cgw)
LAN4=10.1.0.2 VPC4=10.2.0.2 GW4=10.1.0.1
LAN6=fd01::2 VPC6=fd02::2 GW6=fd01::1

t_check "load awsvpn" mod_load
t_passed || t_done
mkdir -p "$KEYDIR" && chmod 700 "$KEYDIR"

# ------------------------------------------------------------ arithmetic

# AWS's published MTU table (outer MTU 1500), independent of the formula.
aws_mtu() {	# SUITE none|udp
	case $1:$2 in
	*-gcm16:none) echo 1446 ;;
	*+sha1:none | *+sha2-256:none) echo 1438 ;;
	*+sha2-384:none | *+sha2-512:none) echo 1422 ;;
	*-gcm16:udp) echo 1438 ;;
	*+sha1:udp | *+sha2-256:udp | *+sha2-384:udp) echo 1422 ;;
	*+sha2-512:udp) echo 1406 ;;
	esac
}

esp_iv() { case $1 in *-gcm16) echo 8 ;; *) echo 16 ;; esac; }
esp_align() { case $1 in *-gcm16) echo 4 ;; *) echo 16 ;; esac; }
esp_icv() { echo $(( $(esp_icv_bits "$1") / 8 )); }

# mtu.c's formula: the largest inner packet whose ESP packet fits OUTER.
calc_mtu() {	# SUITE none|udp OUTER
	local room a
	room=$(( $3 - 20 - 8 - $(esp_iv "$1") - $(esp_icv "$1") ))
	[ "$2" = udp ] && room=$((room - 8))
	a=$(esp_align "$1")
	echo $(( room / a * a - 2 ))
}

# Outer IPv4 length of the ESP packet carrying an inner packet of LEN.
esp_outer_len() {	# SUITE LEN [udp]
	local a c u=0
	a=$(esp_align "$1")
	c=$(( ($2 + 2 + a - 1) / a * a ))
	[ "${3:-}" = udp ] && u=8
	echo $(( 20 + u + 8 + $(esp_iv "$1") + c + $(esp_icv "$1") ))
}

# IPv4 fragment sizes (20-byte header) of a LEN-byte packet at MTU.
frag_sizes() {	# LEN MTU
	local pl=$(($1 - 20)) per=$(( ($2 - 20) / 8 * 8 )) out=
	while [ "$pl" -gt "$per" ]; do
		out="$out $((20 + per))"
		pl=$((pl - per))
	done
	echo "${out# } $((20 + pl))" | sed 's/^ //'
}

# ------------------------------------------------------------ queries

# Python starts slowly in the TCG guest: the frequent queries use sed.
mtu_of() { ip -n cgw -o link show dev awsvpn0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }
# -s: every setting and counter, also those at their defaults or 0.
show_text() { awsvpn -n cgw show -s awsvpn0; }
show_json() { awsvpn -n cgw show awsvpn0 --json; }
# mode_of: "auto" or "fixed", from the "  mtu: N (MODE)" line.
mode_of() { show_text | sed -n 's/^  mtu: [0-9]* (\(.*\))$/\1/p'; }

# stats: the counters of (b) and (c), "df_reset fragmented fragments icmp
# mss_clamped", from the frag: and tcp: lines of awsvpn show.
stats() {
	local out f="? ? ? ?" m="?"
	out=$(show_text)
	[[ $out =~ frag:\ df-reset\ ([0-9]+),\ fragmented\ ([0-9]+),\ fragments\ ([0-9]+),\ icmp-sent\ ([0-9]+) ]] &&
		f="${BASH_REMATCH[*]:1:4}"
	[[ $out =~ tcp:\ mss-clamped\ ([0-9]+) ]] && m=${BASH_REMATCH[1]}
	echo "$f $m"
}

# delta "A B C D E" "A' B' C' D' E'": element-wise difference.
delta() {
	local -a a b
	local i out=
	read -ra a <<< "$1"
	read -ra b <<< "$2"
	for i in 0 1 2 3 4; do
		out="$out $(( ${b[i]:-0} - ${a[i]:-0} ))"
	done
	echo "${out# }"
}

# ------------------------------------------------------------ captures

# cap_start NAME NS IF FILTER: tcpdump into $T_TMP/NAME.pcap until cap_stop.
declare -A CAP_PID=()
cap_start() {
	local name=$1 ns=$2 ifc=$3
	shift 3
	rm -f "$T_TMP/$name.pcap" "$T_TMP/$name.err"
	ip netns exec "$ns" tcpdump --immediate-mode -Z root -U -nn -s 200 \
		-i "$ifc" -w "$T_TMP/$name.pcap" "$@" 2>"$T_TMP/$name.err" &
	CAP_PID[$name]=$!
	wait_for 20 grep -q "listening on" "$T_TMP/$name.err"
}

# pcap_txt FILE: one line per IP packet, "4 LEN DF MF OFFSET PROTO SRC DST
# [syn|synack MSS good|bad]" (IPv6: "6 LEN - - - NH SRC DST ..."), from
# tcpdump -vv's own decoding (it verifies TCP checksums).
pcap_txt() {
	tcpdump -r "$1" -nn -vv 2>/dev/null | awk '
	function num(re, skip,   s) {
		if (!match(rec, re)) return "?"
		s = substr(rec, RSTART + skip, RLENGTH - skip)
		gsub(/[^0-9]/, "", s)
		return s
	}
	function flush(   out, fl, src, dst, n, a) {
		if (rec == "") return
		if (rec ~ /^[0-9:.]+ IP \(/) {
			fl = match(rec, /flags \[[^]]*\]/) ? substr(rec, RSTART, RLENGTH) : ""
			out = "4 " num(", length [0-9]+\\)", 9)
			out = out " " (fl ~ /DF/ ? 1 : 0) " " (fl ~ /\+/ ? 1 : 0)
			out = out " " num("offset [0-9]+", 7) " " num("proto [^ ]+ \\([0-9]+\\)", 0)
			hdr = match(rec, /, length [0-9]+\) +/) ? substr(rec, RSTART + RLENGTH) : ""
		} else if (rec ~ /^[0-9:.]+ IP6 /) {
			out = "6 " (num("payload length: [0-9]+", 16) + 40) " - - - " num("next-header [^ ]+ \\([0-9]+\\)", 0)
			hdr = match(rec, /payload length: [0-9]+\) +/) ? substr(rec, RSTART + RLENGTH) : ""
		} else { rec = ""; return }
		n = split(hdr, a, " ")
		src = a[1]; dst = a[3]; sub(/:$/, "", dst)
		out = out " " src " " dst
		if (rec ~ /Flags \[S\.?\]/) {
			out = out " " (rec ~ /Flags \[S\.\]/ ? "synack" : "syn")
			out = out " " (rec ~ /mss [0-9]+/ ? num("mss [0-9]+", 4) : "-")
			out = out " " (rec ~ /cksum 0x[0-9a-f]+ \(correct\)/ ? "good" : "bad")
		}
		print out
		rec = ""
	}
	/^[0-9]/ { flush(); rec = $0; next }
	{ rec = rec " " $0 }
	END { flush() }'
}

# cap_stop NAME: stop it; $T_TMP/NAME.txt gets pcap_txt's lines.
cap_stop() {
	local name=$1
	sleep 0.3
	kill -INT "${CAP_PID[$name]}" 2>/dev/null
	wait "${CAP_PID[$name]}" 2>/dev/null
	pcap_txt "$T_TMP/$name.pcap" > "$T_TMP/$name.txt"
}

# From a pcap text: fields of outer packets from 192.0.2.1.
esp_lens() { awk '$1 == 4 && $7 == "192.0.2.1" { printf "%s%s", s, $2; s = " " } END { print "" }' "$T_TMP/$1.txt"; }
esp_frag() { awk '$1 == 4 && $7 == "192.0.2.1" && ($4 != 0 || $5 != 0)' "$T_TMP/$1.txt" | wc -l; }
esp_df() { awk '$1 == 4 && $7 == "192.0.2.1" { printf "%s%s", s, $3; s = " " } END { print "" }' "$T_TMP/$1.txt"; }

# ------------------------------------------------------------ topology

ns_create lan cgw aws vpc
veth_pair lan lan0 cgw cgw-lan
veth_pair cgw veth-cgw aws veth-aws
veth_pair aws aws-vpc vpc vpc0
ip -n lan addr add $LAN4/24 dev lan0
ip -n lan addr add $LAN6/64 dev lan0 nodad
ip -n lan route add default via $GW4
ip -n lan -6 route add default via $GW6
ip -n cgw addr add $GW4/24 dev cgw-lan
ip -n cgw addr add $GW6/64 dev cgw-lan nodad
ip -n cgw addr add 192.0.2.1/24 dev veth-cgw
ip -n aws addr add 192.0.2.2/24 dev veth-aws
ip -n aws addr add 10.2.0.1/24 dev aws-vpc
ip -n aws addr add fd02::1/64 dev aws-vpc nodad
ip -n vpc addr add $VPC4/24 dev vpc0
ip -n vpc addr add $VPC6/64 dev vpc0 nodad
ip -n vpc route add default via 10.2.0.1
ip -n vpc -6 route add default via fd02::1
for ns in cgw aws; do
	ip netns exec $ns sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
done

# ================================================================ (a)

# The table needs no namespace and no peer: a device in the test's own
# namespace, without remote (outer MTU 1500), and fixed keys written by
# shell builtins keep the process count (slow in the TCG guest) low.
A=awsvpn40
UMASK0=$(umask)
# fixed_key SUITE FILE: a constant key of the suite's length (mode 600).
fixed_key() {
	local k=
	case $1 in
	aes128-gcm16) k=40 ;; aes256-gcm16) k=72 ;; aes128+*) k=32 ;; *) k=64 ;;
	esac
	case $1 in
	*+sha1) k=$((k + 40)) ;; *+sha2-256) k=$((k + 64)) ;;
	*+sha2-384) k=$((k + 96)) ;; *+sha2-512) k=$((k + 128)) ;;
	esac
	printf -v k '%*s' "$k" ''
	umask 077
	printf '%s\n' "${k// /5}" > "$2"
	umask "$UMASK0"
}
# The MTU as ip link reports it (dev->mtu), read without a process.
a_mtu() { local m; read -r m < /sys/class/net/$A/mtu; echo "$m"; }
a_mode() {
	local out
	out=$(awsvpn show $A)
	[[ $out =~ mtu:\ [0-9]+\ \(([a-z]+)\) ]] && echo "${BASH_REMATCH[1]}"
}
a_set() { awsvpn set $A "$@"; }
a_sa() {	# SPI SUITE FILE
	local enc=${2%%+*} integ=
	[[ $2 == *+* ]] && integ=${2#*+}
	awsvpn sa add $A dir out spi "$1" enc "$enc" ${integ:+integ "$integ"} \
		key-file "$3"
}

UDP_OK=
UDP_WHY=
t_check "device $A without SA" awsvpn_add $A
t_eq "ip -j link and sysfs agree on the MTU" "$(a_mtu)" \
	"$(link_json $A | json_get 'j[0]["mtu"]')"
t_eq "no outbound SA, encap none: mtu 1422 (auto)" "1422 auto" "$(a_mtu) $(a_mode)"
out=$(a_set encap udp 2>&1) && rc=0 || rc=$?
if [ "$rc" = 0 ]; then
	UDP_OK=1
	t_eq "no outbound SA, encap udp: mtu 1406" 1406 "$(a_mtu)"
	a_set encap none
	t_eq "back to encap none: mtu 1422" 1422 "$(a_mtu)"
elif printf '%s' "$out" | grep -q "not available"; then
	UDP_WHY="NAT-T not implemented by the kernel yet ($out)"
	t_skip "no outbound SA, encap udp: mtu 1406" "$UDP_WHY"
else
	t_fail "set encap udp" "$out"
fi

# Each suite's SA replaces the previous one (deleted first, so the new one
# becomes the active SA and the MTU follows it).
i=0
for suite in $ESP_SUITES; do
	i=$((i + 1))
	k="$KEYDIR/${suite/+/-}.fixed.key"
	fixed_key "$suite" "$k"
	spi=$((0x40100 + i))
	t_check "$suite: outbound SA $spi added" a_sa $spi "$suite" "$k"
	case $suite in
	*-gcm16) want=1446 wantu=1438 ;;
	*+sha1 | *+sha2-256) want=1438 wantu=1422 ;;
	*+sha2-384) want=1422 wantu=1422 ;;
	*+sha2-512) want=1422 wantu=1406 ;;
	esac
	t_eq "$suite, encap none: mtu $want (AWS)" "$want" "$(a_mtu)"
	if [ -n "$UDP_OK" ]; then
		a_set encap udp
		t_eq "$suite, encap udp: mtu $wantu (AWS)" "$wantu" "$(a_mtu)"
		a_set encap none
	else
		t_skip "$suite, encap udp: mtu $wantu (AWS)" "$UDP_WHY"
	fi
	awsvpn sa del $A dir out spi $spi
done

# Outer MTU, on aes128-gcm16 and aes256+sha2-512 (alignment 4 and 16).
for suite in aes128-gcm16 aes256+sha2-512; do
	k="$KEYDIR/${suite/+/-}.fixed.key"
	spi=$((spi + 1))
	a_sa $spi "$suite" "$k"
	base=$(aws_mtu "$suite" none)
	want=$(calc_mtu "$suite" none 1400)
	t_check "$suite: set outer-mtu 1400" a_set outer-mtu 1400
	t_eq "$suite: outer-mtu 1400 -> mtu $want" "$want" "$(a_mtu)"
	if [ -n "$UDP_OK" ]; then
		want=$(calc_mtu "$suite" udp 1400)
		a_set encap udp
		t_eq "$suite: outer-mtu 1400, encap udp -> mtu $want" "$want" "$(a_mtu)"
		a_set encap none
	fi
	t_check "$suite: set outer-mtu auto" a_set outer-mtu auto
	t_eq "$suite: outer-mtu auto (no route: 1500) -> mtu $base" "$base" "$(a_mtu)"
	[ "$suite" = aes128-gcm16 ] && awsvpn sa del $A dir out spi $spi
done

# Pinning (the aes256+sha2-512 SA is active: auto is 1422).
a_set outer-mtu 1400
t_eq "show text/JSON: mtu, mode, outer-mtu" \
	"$(calc_mtu aes256+sha2-512 none 1400) auto 1400 / $(calc_mtu aes256+sha2-512 none 1400) auto 1400" \
	"$(awsvpn show $A | sed -n 's/^  mtu: \([0-9]*\) (\(.*\))$/\1 \2/p;s/^  outer-mtu: \(.*\)/\1/p' | tr '\n' ' ')/ $(awsvpn show $A --json | json_get '"%s %s %s" % (j[0]["mtu"], j[0]["mtu_mode"], j[0]["outer_mtu"])')"
a_set outer-mtu auto
t_check "set mtu 1300" a_set mtu 1300
t_eq "mtu 1300 pinned: mode fixed" "1300 fixed" "$(a_mtu) $(a_mode)"
a_set outer-mtu 1400
t_eq "a pinned mtu ignores outer-mtu" "1300 fixed" "$(a_mtu) $(a_mode)"
a_set outer-mtu auto
t_check "set mtu auto" a_set mtu auto
t_eq "mtu auto: back to 1422, mode auto" "1422 auto" "$(a_mtu) $(a_mode)"
t_check "ip link set mtu 1280" ip link set dev $A mtu 1280
t_eq "ip link set mtu pins: mode fixed" "1280 fixed" "$(a_mtu) $(a_mode)"
awsvpn sa del $A dir out spi $spi
spi=$((spi + 1))
a_sa $spi aes128-gcm16 "$KEYDIR/aes128-gcm16.fixed.key"
t_eq "a pinned mtu stays when another SA becomes active" "1280 fixed" \
	"$(a_mtu) $(a_mode)"
a_set mtu auto
t_eq "mtu auto: follows the new SA, 1446" "1446 auto" "$(a_mtu) $(a_mode)"
t_match "show -s: nat-keepalive 20s by default" '^  nat-keepalive: 20s$' "$(awsvpn show -s $A)"
t_check "set nat-keepalive 0" a_set nat-keepalive 0
t_match "show -s: nat-keepalive off" '^  nat-keepalive: off$' "$(awsvpn show -s $A)"
t_fails "nat-keepalive 3601 refused by the tool" a_set nat-keepalive 3601
t_fails "outer-mtu 575 refused by the tool" a_set outer-mtu 575
ip link del dev $A

t_diag "(a) done after $SECONDS s"

# ================================================================ (b) (c)

# setup SUITE: awsvpn0 <-> xfrm44 with routes, both ways.
setup() {
	local suite=$1 mtu sel
	KOUT="$KEYDIR/${suite/+/-}.out.key" KIN="$KEYDIR/${suite/+/-}.in.key"
	esp_keygen "$suite" "$KOUT"
	esp_keygen "$suite" "$KIN"
	esp_awsvpn_peer cgw awsvpn0 192.0.2.1 192.0.2.2 "$SO" "$SI" "$suite" \
		"$KOUT" "$KIN" || return 1
	ip -n cgw addr add 169.254.44.234/30 dev awsvpn0 &&
	ip -n cgw addr add fd00:44::2/64 dev awsvpn0 nodad &&
	ip -n cgw route add 10.2.0.0/24 dev awsvpn0 &&
	ip -n cgw -6 route add fd02::/64 dev awsvpn0 || return 1
	mtu=$(mtu_of)
	esp_xfrm_peer aws xfrm44 veth-aws 44 192.0.2.2 192.0.2.1 "$SI" "$SO" \
		"$suite" "$KIN" "$KOUT" || return 1
	# aws forwards what it decrypts (to vpc): that needs fwd policies.
	for sel in 0.0.0.0/0 ::/0; do
		ip -n aws xfrm policy add dir fwd src $sel dst $sel if_id 44 \
			tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel ||
			return 1
	done
	ip -n aws link set xfrm44 mtu "$mtu" &&
	ip -n aws addr add 169.254.44.233/30 dev xfrm44 &&
	ip -n aws route add 10.1.0.0/24 dev xfrm44 &&
	ip -n aws -6 route add fd01::/64 dev xfrm44
}

teardown() {
	ip -n cgw link del awsvpn0 2>/dev/null || true
	ip -n aws link del xfrm44 2>/dev/null || true
	ip -n aws xfrm state flush
	ip -n aws xfrm policy flush
	ip -n lan route flush cache
	ip -n lan -6 route flush cache
}

ping_lan() { ip netns exec lan $PM ping "$@"; }

# One TCP connection lan -> vpc; captures on xfrm44 (aws) and lan0.
# mss_case LABEL DST WANT_SYN WANT_SYNACK WANT_CLAMPED
mss_case() {
	local l=$1 dst=$2 ws=$3 wa=$4 wc=$5 s0 syn synack
	s0=$(stats)
	cap_start mss-x aws xfrm44 tcp port 5001
	cap_start mss-l lan lan0 tcp port 5001
	t_eq "$l: TCP connect lan -> $dst:5001 through the tunnel" connected \
		"$(ip netns exec lan $PM tcp-connect --dst "$dst" --port 5001)"
	cap_stop mss-x
	cap_stop mss-l
	syn=$(awk '$9 == "syn" { print $10, $11 }' "$T_TMP/mss-x.txt")
	synack=$(awk '$9 == "synack" { print $10, $11 }' "$T_TMP/mss-l.txt")
	t_eq "$l: SYN decrypted on xfrm44: MSS $ws, checksum good" "$ws good" "$syn"
	t_eq "$l: SYN-ACK arriving on lan0: MSS $wa, checksum good" "$wa good" "$synack"
	t_eq "$l: mss_clamped +$wc" "$wc" "$(delta "$s0" "$(stats)" | cut -d' ' -f5)"
	[ "$T_LAST" = 0 ] || t_diag "xfrm44:" "$(cat "$T_TMP/mss-x.txt")" \
		"lan0:" "$(cat "$T_TMP/mss-l.txt")"
}

for suite in aes128-gcm16 aes256+sha2-512; do
	s=$suite
	t_check "$s: tunnel awsvpn0 <-> xfrm44" setup "$suite"
	if ! t_passed; then
		teardown
		continue
	fi
	M=$(mtu_of)
	t_eq "$s: device mtu (AWS)" "$(aws_mtu "$suite" none)" "$M"
	if [ "$suite" = aes128-gcm16 ]; then
		# outer-mtu auto: the MTU of the route to remote, followed
		# as the outer link's MTU changes (no reconfiguration).
		want=$(calc_mtu "$suite" none 1400)
		ip -n cgw link set veth-cgw mtu 1400
		t_eq "$s: outer link MTU 1400 -> mtu $want at once" \
			"$want" "$(mtu_of)"
		ip -n cgw link set veth-cgw mtu 1500
		t_eq "$s: outer link MTU 1500 again -> mtu $M at once" \
			"$M" "$(mtu_of)"
		awsvpn -n cgw set awsvpn0 mtu 1300
		ip -n cgw link set veth-cgw mtu 1400
		t_eq "$s: a pinned mtu ignores the outer link's MTU" \
			1300 "$(mtu_of)"
		ip -n cgw link set veth-cgw mtu 1500
		awsvpn -n cgw set awsvpn0 mtu auto
		t_eq "$s: mtu auto again -> mtu $M" "$M" "$(mtu_of)"
	fi

	# ---- (c) MSS, once
	if [ "$suite" = aes128-gcm16 ]; then
		ip netns exec vpc $PM tcp-listen --port 5001 --timeout 600 \
			--ready "$T_TMP/listen.ready" &
		LISTEN_PID=$!
		wait_for 20 test -e "$T_TMP/listen.ready"
		mss_case "$s: IPv4 mss auto" $VPC4 $((M - 40)) $((M - 40)) 2
		# tshark's own verdict on the decrypted SYN (1 = Good); slow to
		# start in the guest, so it runs while the tests go on.
		cp "$T_TMP/mss-x.pcap" "$T_TMP/tshark.pcap"
		tshark -r "$T_TMP/tshark.pcap" -o tcp.check_checksum:TRUE \
			-Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' \
			-T fields -e tcp.options.mss_val -e tcp.checksum.status \
			> "$T_TMP/tshark.out" 2>/dev/null &
		TSHARK_PID=$! TSHARK_WANT="$((M - 40)) 1"
		awsvpn -n cgw set awsvpn0 mss 1300
		mss_case "$s: IPv4 mss 1300" $VPC4 1300 1300 2
		awsvpn -n cgw set awsvpn0 mss off
		mss_case "$s: IPv4 mss off" $VPC4 1460 1460 0
		awsvpn -n cgw set awsvpn0 mss auto
		mss_case "$s: IPv6 mss auto" $VPC6 $((M - 60)) $((M - 60)) 2
		t_match "$s: show text: tcp: mss-clamped 6" '^  tcp: mss-clamped 6$' \
			"$(show_text)"
		kill "$LISTEN_PID"
		wait "$LISTEN_PID" 2>/dev/null
	fi

	# ---- (b) exact size, IPv4
	s0=$(stats)
	cap_start esp cgw veth-cgw src host 192.0.2.1
	t_eq "$s: IPv4 echo of exactly $M bytes with DF: answered" "reply $M" \
		"$(ping_lan --dst $VPC4 --size "$M" --df)"
	cap_stop esp
	t_eq "$s: ... one ESP packet of $(esp_outer_len "$suite" "$M") bytes" \
		"$(esp_outer_len "$suite" "$M")" "$(esp_lens esp)"
	t_eq "$s: ... outer DF set (outer-df set), no outer fragment" "1 0" \
		"$(esp_df esp) $(esp_frag esp)"
	t_eq "$s: ... counters df_reset/fragmented/fragments/icmp unchanged" \
		"0 0 0 0" "$(delta "$s0" "$(stats)" | cut -d' ' -f1-4)"

	# One byte more, df clear (default): fragmented before encryption.
	sizes=$(frag_sizes $((M + 1)) "$M")
	want=
	for f in $sizes; do
		want="$want $(esp_outer_len "$suite" "$f")"
	done
	want=${want# }
	s0=$(stats)
	cap_start esp cgw veth-cgw src host 192.0.2.1
	t_eq "$s: IPv4 echo of $((M + 1)) bytes with DF, df clear: answered" \
		"reply $((M + 1))" "$(ping_lan --dst $VPC4 --size $((M + 1)) --df)"
	cap_stop esp
	t_eq "$s: ... inner fragments $sizes -> ESP packets of $want bytes" \
		"$want" "$(esp_lens esp)"
	t_eq "$s: ... no outer fragment" 0 "$(esp_frag esp)"
	t_eq "$s: ... df_reset/fragmented/fragments/icmp +1/+1/+2/+0" "1 1 2 0" \
		"$(delta "$s0" "$(stats)" | cut -d' ' -f1-4)"
	t_match "$s: show text: frag line" \
		'^  frag: df-reset 1, fragmented 1, fragments 2, icmp-sent 0$' \
		"$(show_text)"
	t_eq "$s: show --json: same counters; outer_df, nat_keepalive defaults" \
		"$(stats) / set 20 0 0" \
		"$(show_json | json_get '" ".join(str(j[0]["stats"][k]) for k in
			("tx_df_reset", "tx_fragmented", "tx_fragments", "tx_icmp",
			 "mss_clamped")) + " / %s %s %s %s" % (j[0]["outer_df"],
			j[0]["nat_keepalive"], j[0]["stats"]["nat_keepalive_tx"],
			j[0]["stats"]["nat_keepalive_rx"])')"

	# 1500 bytes with DF, ICMP and UDP.
	n=$(frag_sizes 1500 "$M" | wc -w)
	s0=$(stats)
	cap_start esp cgw veth-cgw src host 192.0.2.1
	t_eq "$s: IPv4 echo of 1500 bytes with DF, df clear: answered" \
		"reply 1500" "$(ping_lan --dst $VPC4 --size 1500 --df)"
	ip netns exec vpc $PM udp-recv --port 5002 --timeout 30 --count 1 \
		--out "$T_TMP/udp" --ready "$T_TMP/udp.ready" &
	UPID=$!
	wait_for 20 test -e "$T_TMP/udp.ready"
	t_eq "$s: 1500-byte UDP datagram with DF (IP_PMTUDISC_DO) sent" sent \
		"$(ip netns exec lan $PM udp-send --dst $VPC4 --port 5002 --size 1500 --df)"
	wait "$UPID"
	cap_stop esp
	rm -f "$T_TMP/udp.ready"
	t_eq "$s: ... vpc received one 1472-byte datagram" 1472 "$(cat "$T_TMP/udp")"
	t_eq "$s: ... df_reset/fragmented/fragments +2/+2/+$((2 * n))" \
		"2 2 $((2 * n)) 0" "$(delta "$s0" "$(stats)" | cut -d' ' -f1-4)"
	t_eq "$s: ... every ESP packet <= 1500 bytes, none an outer fragment" \
		"0 0" "$(tr ' ' '\n' <<< "$(esp_lens esp)" | awk '$1 > 1500' | wc -l) $(esp_frag esp)"

	# df keep: the gateway answers frag-needed with the device MTU; lan
	# learns it, its stack refuses the size from then on; M still passes.
	awsvpn -n cgw set awsvpn0 df keep
	s0=$(stats)
	out=$(ping_lan --dst $VPC4 --df --size $((M + 1)) --size $((M + 1)) --size "$M")
	t_eq "$s: df keep: $((M + 1)) bytes with DF -> frag-needed mtu $M from $GW4" \
		"frag-needed $M $GW4" "$(sed -n 1p <<< "$out")"
	t_eq "$s: df keep: then the local stack refuses $((M + 1)) bytes" \
		"emsgsize $M" "$(sed -n 2p <<< "$out")"
	t_eq "$s: df keep: $M bytes with DF still answered" "reply $M" \
		"$(sed -n 3p <<< "$out")"
	t_match "$s: df keep: lan learnt the PMTU (route cache mtu $M)" \
		"cache .*mtu $M( |\$)" "$(ip -n lan route get $VPC4 | tr '\n' ' ')"
	# awsvpn's hook sends the ICMP error ip_forward() would, and counts it.
	t_eq "$s: df keep: df_reset/fragmented/fragments/icmp +0/+0/+0/+1" \
		"0 0 0 1" "$(delta "$s0" "$(stats)" | cut -d' ' -f1-4)"
	awsvpn -n cgw set awsvpn0 df clear
	ip -n lan route flush cache

	# ---- IPv6: never fragmented by a router, Packet Too Big instead.
	s0=$(stats)
	cap_start esp cgw veth-cgw src host 192.0.2.1
	t_eq "$s: IPv6 echo of exactly $M bytes: answered" "reply $M" \
		"$(ping_lan --dst $VPC6 --size "$M" --df)"
	cap_stop esp
	t_eq "$s: ... one ESP packet of $(esp_outer_len "$suite" "$M") bytes, no outer fragment" \
		"$(esp_outer_len "$suite" "$M") 0" "$(esp_lens esp) $(esp_frag esp)"
	t_eq "$s: IPv6 echo of $((M + 1)) bytes -> Packet Too Big mtu $M from $GW6" \
		"ptb $M $GW6" "$(ping_lan --dst $VPC6 --size $((M + 1)) --df)"
	t_match "$s: IPv6: lan learnt the PMTU (mtu $M)" "mtu $M( |\$)" \
		"$(ip -n lan -6 route get $VPC6)"
	t_eq "$s: IPv6: df_reset/fragmented/fragments/icmp +0/+0/+0/+1" \
		"0 0 0 1" "$(delta "$s0" "$(stats)" | cut -d' ' -f1-4)"
	ip -n lan -6 route flush cache

	# ---- outer DF
	if [ "$suite" = aes128-gcm16 ]; then
		for mode in clear inherit set; do
			awsvpn -n cgw set awsvpn0 outer-df $mode
			t_eq "$s: show: outer-df $mode" $mode \
				"$(show_text | sed -n 's/^  outer-df: //p')"
			cap_start esp cgw veth-cgw src host 192.0.2.1
			ping_lan --dst $VPC4 --size 200:df --size 200 >/dev/null
			cap_stop esp
			case $mode in
			clear) want="0 0" ;; inherit) want="1 0" ;; set) want="1 1" ;;
			esac
			t_eq "$s: outer-df $mode: outer DF of (DF echo, non-DF echo)" \
				"$want" "$(esp_df esp)"
		done
	fi
	teardown
	t_diag "$s done after $SECONDS s"
done

if [ -n "${TSHARK_PID:-}" ]; then
	wait "$TSHARK_PID"
	t_eq "aes128-gcm16: IPv4 mss auto: tshark: SYN MSS, checksum status 1 (Good)" \
		"$TSHARK_WANT" "$(tr '\t' ' ' < "$T_TMP/tshark.out")"
	t_diag "tshark done after $SECONDS s"
fi

t_done
