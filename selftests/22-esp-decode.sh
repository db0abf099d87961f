#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 900
# awsvpn-kernels: newest
#
# On the newest kernel only: every kernel's ESP is checked against XFRM's
# (20-esp-interop, 21-esp-errors); this is the second, independent decoder.
#
# Independent decode: what awsvpn puts on the wire, and what it accepts
# from an XFRM peer, is checked by Wireshark's ESP dissector.
#
# For each of the 10 suites, awsvpn0 (ns cgw) talks to an xfrm interface
# (ns aws) as in 20-esp-interop, with its own SPIs and random keys: IPv4
# pings both ways (2 each) and IPv6 pings both ways (1 each).  tcpdump
# records the outer ESP on the veth ($AWSVPN_OUT/22-esp-decode.pcap); then
# one tshark run decrypts everything with the keys (an esp_sa UAT in a
# throw-away Wireshark config, $AWSVPN_OUT/22-esp-decode/esp_sa) and
# checks the ICVs.  Per suite and direction, the decrypted inner packets
# must be exactly the expected ICMP / ICMPv6 echo requests and replies,
# with the inner addresses, consecutive sequence numbers from 1, and
# every ICV good.
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd busybox python3 tcpdump tshark

OUT="$AWSVPN_OUT/22-esp-decode"
PCAP="$AWSVPN_OUT/22-esp-decode.pcap"
C4=169.254.44.234 A4=169.254.44.233 C6=fd00:44::2 A6=fd00:44::1

t_check "load awsvpn" mod_load
t_passed || t_done
rm -rf "$OUT" "$PCAP"
mkdir -p "$OUT" && chmod 700 "$OUT"

t_check "namespaces cgw and aws over veth" esp_topology

ip netns exec aws tcpdump --immediate-mode -Z root -U -n -i veth-aws -w "$PCAP" 'ip proto 50' \
	2> "$T_TMP/tcpdump.log" &
TCPDUMP=$!
t_on_exit "kill $TCPDUMP"
t_check "tcpdump listening on veth-aws" \
	wait_for 30 grep -q 'listening on' "$T_TMP/tcpdump.log"

# tshark UAT names of the suites' algorithms.
uat_enc() {
	case $(esp_enc "$1") in
	*-gcm16) echo "AES-GCM with 16 octet ICV [RFC4106]" ;;
	*) echo "AES-CBC [RFC3602]" ;;
	esac
}
uat_auth() {
	case $(esp_integ "$1") in
	"") echo NULL ;;
	sha1) echo "HMAC-SHA-1-96 [RFC2404]" ;;
	sha2-256) echo "HMAC-SHA-256-128 [RFC4868]" ;;
	sha2-384) echo "HMAC-SHA-384-192 [RFC4868]" ;;
	sha2-512) echo "HMAC-SHA-512-256 [RFC4868]" ;;
	esac
}
# uat_line SUITE SRC DST SPI KEYFILE
uat_line() {
	local el il ak=
	el=$(esp_enc_len "$1") il=$(esp_integ_len "$1")
	[ "$il" = 0 ] || ak="0x$(esp_key_hex "$5" "$el" "$il")"
	printf '"IPv4","%s","%s","%s","%s","0x%s","%s","%s"\n' "$2" "$3" "$4" \
		"$(uat_enc "$1")" "$(esp_key_hex "$5" 0 "$el")" "$(uat_auth "$1")" "$ak"
}

: > "$OUT/esp_sa"
chmod 600 "$OUT/esp_sa"
declare -A EXPECT=()
i=0
for suite in $ESP_SUITES; do
	i=$((i + 1))
	s=$suite
	SO=$(printf '0x%08x' $((0x22000 + 2 * i)))
	SI=$(printf '0x%08x' $((0x22001 + 2 * i)))
	kout="$OUT/${suite/+/-}.out.key" kin="$OUT/${suite/+/-}.in.key"
	esp_keygen "$suite" "$kout"
	esp_keygen "$suite" "$kin"
	uat_line "$suite" 192.0.2.1 192.0.2.2 "$SO" "$kout" >> "$OUT/esp_sa"
	uat_line "$suite" 192.0.2.2 192.0.2.1 "$SI" "$kin" >> "$OUT/esp_sa"

	t_check "$s: awsvpn0 (spi $SO out, $SI in) <-> xfrm44" eval '
		esp_awsvpn_peer cgw awsvpn0 192.0.2.1 192.0.2.2 "$SO" "$SI" \
			"$suite" "$kout" "$kin" &&
		esp_xfrm_peer aws xfrm44 veth-aws 44 192.0.2.2 192.0.2.1 \
			"$SI" "$SO" "$suite" "$kin" "$kout"'
	if t_passed; then
		ip -n cgw addr add "$C4/30" dev awsvpn0
		ip -n cgw addr add "$C6/64" dev awsvpn0 nodad
		ip -n aws link set xfrm44 mtu "$(ip netns exec cgw cat /sys/class/net/awsvpn0/mtu)"
		ip -n aws addr add "$A4/30" dev xfrm44
		ip -n aws addr add "$A6/64" dev xfrm44 nodad
		t_eq "$s: replies to ping v4 cgw->aws (2), aws->cgw (2), v6 cgw->aws (1), aws->cgw (1)" \
			"2 2 1 1" "$(esp_ping cgw 2 100 "$A4") $(esp_ping aws 2 200 "$C4") $(esp_ping cgw 1 300 "$A6") $(esp_ping aws 1 400 "$C6")"
	fi
	# Expected decode per SPI, in wire order:
	# "seq:inner-src>inner-dst:icmp-type[:icmpv6-type]".
	EXPECT[${SO#0x}]="1:$C4>$A4:8 2:$C4>$A4:8 3:$C4>$A4:0 4:$C4>$A4:0 5:$C6>$A6:128 6:$C6>$A6:129"
	EXPECT[${SI#0x}]="1:$A4>$C4:0 2:$A4>$C4:0 3:$A4>$C4:8 4:$A4>$C4:8 5:$A6>$C6:129 6:$A6>$C6:128"
	esp_teardown
done

# tcpdump may still be behind the packets the kernel handed it (a one-vCPU
# VM runs it only when the pings sleep): wait until the file holds what the
# pings sent, and a little longer for anything unexpected, before stopping it.
pcap_count() { [ "$(tcpdump -r "$PCAP" 2>/dev/null | wc -l)" -ge 120 ]; }
wait_for 15 pcap_count || true
sleep 0.5
kill -INT "$TCPDUMP" 2>/dev/null
wait "$TCPDUMP" 2>/dev/null
t_match "tcpdump: 120 packets captured (10 suites x 12)" '^120 packets captured' \
	"$(cat "$T_TMP/tcpdump.log")"

# A throw-away Wireshark configuration holding only the SAs.
export HOME="$T_TMP/home"
mkdir -p "$HOME/.config/wireshark"
cp "$OUT/esp_sa" "$HOME/.config/wireshark/esp_sa"
t_check "tshark decodes the capture" eval '
	tshark -n -r "$PCAP" \
		-o esp.enable_encryption_decode:TRUE \
		-o esp.enable_authentication_check:TRUE \
		-T fields -E separator=/t -E occurrence=a -E aggregator=, \
		-e esp.spi -e esp.sequence -e ip.src -e ip.dst \
		-e ipv6.src -e ipv6.dst -e icmp.type -e icmpv6.type \
		-e esp.icv_good -e esp.protocol \
		> "$OUT/decode.tsv" 2> "$OUT/tshark.log"'
t_passed || t_diag "$(tail -n 20 "$OUT/tshark.log")"

# Per SPI: "seq:src>dst:type" in capture order (inner addresses: second
# IPv4 header, or the IPv6 header); ICV and next-header columns apart.
python3 - "$OUT/decode.tsv" > "$OUT/decode.txt" <<'EOF'
import sys
per = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    f += [""] * (10 - len(f))
    spi, seq, ips, ipd, v6s, v6d, it, i6t, icv, nh = f[:10]
    spi = "%08x" % int(spi, 16) if spi.startswith("0x") else "%08x" % int(spi or 0)
    ips, ipd = ips.split(","), ipd.split(",")
    if v6s:
        inner = "%s>%s:%s" % (v6s, v6d, i6t)
    elif len(ips) > 1:
        inner = "%s>%s:%s" % (ips[1], ipd[1], it)
    else:
        inner = "undecoded"
    e = per.setdefault(spi, {"pkts": [], "icv": [], "nh": []})
    e["pkts"].append("%s:%s" % (seq, inner))
    e["icv"].append(icv or "-")
    e["nh"].append(nh or "-")
for spi, e in sorted(per.items()):
    print("%s pkts %s" % (spi, " ".join(e["pkts"])))
    print("%s icv %s" % (spi, " ".join(e["icv"])))
    print("%s nh %s" % (spi, " ".join(e["nh"])))
EOF

dec() { sed -n "s/^$1 $2 //p" "$OUT/decode.txt"; }
i=0
for suite in $ESP_SUITES; do
	i=$((i + 1))
	for spi in $(printf '%08x' $((0x22000 + 2 * i))) $(printf '%08x' $((0x22001 + 2 * i))); do
		if [ $((0x$spi % 2)) = 0 ]; then d="cgw->aws (awsvpn encrypts)"; else d="aws->cgw (xfrm encrypts)"; fi
		t_eq "$suite: spi 0x$spi $d: decrypted inner packets" \
			"${EXPECT[$spi]}" "$(dec "$spi" pkts)"
		t_eq "$suite: spi 0x$spi: ICV good, next header 4 (IPv4) / 41 (IPv6)" \
			"1 1 1 1 1 1 / 0x04 0x04 0x04 0x04 0x29 0x29" "$(dec "$spi" icv) / $(dec "$spi" nh)"
	done
done

t_done
