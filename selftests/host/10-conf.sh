#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/host/10-conf.sh - "awsvpn convert" and the awsconf parser, on
# the host (no VM, no root): the AWS downloads and connection files in
# selftests/host/conf/.  TAP: one "ok N - ..." per check, then
# "N passed, N failed"; exit status 0 iff nothing failed.
#
#   bash selftests/host/10-conf.sh          (AWSVPN_TOOL=... for another tool)

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TOOL=${AWSVPN_TOOL:-$REPO/userspace/awsvpn}
CONF=$HERE/conf
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

. "$HERE/lib-host.sh"

# tunnel_lines FILE N: the lines of section [tunnel N] of a connection file
tunnel_lines() {
	awk -v want="[tunnel $2]" '/^\[/ { on = ($0 == want); next } on' "$1" 2> /dev/null
}

# has_line FILE N LINE: the exact LINE in [tunnel N] (N = 0: before them)
has_line() {
	if [ "$2" = 0 ]; then
		sed '/^\[/,$d' "$1" | grep -qxF -- "$3"
	else
		tunnel_lines "$1" "$2" | grep -qxF -- "$3"
	fi
}

# not_in STRING FILE...: STRING (non-empty) occurs in none of the files
not_in() {
	local s=$1
	shift
	[ -n "$s" ] && ! grep -qF -- "$s" "$@"
}

mode_is() { [ "$(stat -c %a "$1")" = "$2" ]; }

if [ ! -x "$TOOL" ]; then
	result 1 "the tool $TOOL exists (build it: make -C userspace)"
	finish
fi
check "awsvpn help convert documents the command" \
	sh -c "'$TOOL' help convert | grep -q 'Usage: awsvpn convert IN OUT'"

# ---- good files: FILE PSK1 PSK2, then the expected "TUNNEL|LINE"s
GOOD_FILES=()
declare -A PSKS=() EXPECT=()
good() {
	GOOD_FILES+=("$1")
	PSKS[$1]="$2 $3"
	EXPECT[$1]=$(cat)
}

good good-text-bgp-ikev2.txt Tun1.SecretKey_abc123 Tun2_otherKey.789xyz <<'X'
0|id = vpn-0a1b2c3d4e5f60718
1|cgw-outside = 203.0.113.10
1|aws-outside = 198.51.100.7
1|cgw-inside = 169.254.44.234/30
1|aws-inside = 169.254.44.233/30
1|psk = Tun1.SecretKey_abc123
1|ike-version = 2
1|mtu = 1436
1|mss = 1379
1|clear-df = yes
1|frag-before-encryption = yes
1|dpd-interval = 10
1|dpd-retries = 3
1|routing = bgp
1|bgp-cgw-asn = 65000
1|bgp-aws-asn = 64512
1|bgp-neighbor = 169.254.44.233
1|bgp-hold-time = 30
2|aws-outside = 198.51.100.8
2|cgw-inside = 169.254.45.2/30
2|psk = Tun2_otherKey.789xyz
2|bgp-neighbor = 169.254.45.1
X
good good-text-static.txt staticKey.One_2024 staticKey.Two_2024 <<'X'
0|id = vpn-07c1e2d3f4a5b6c7d
1|cgw-outside = 192.0.2.44
1|aws-outside = 198.51.100.70
1|cgw-inside = 169.254.100.6/30
1|psk = staticKey.One_2024
1|ike-version = 1
1|ike-lifetime = 28800
1|esp-lifetime = 3600
1|routing = static
2|aws-outside = 198.51.100.71
2|aws-inside = 169.254.100.9/30
2|psk = staticKey.Two_2024
2|routing = static
X
good good-text-ikev1.txt v1Key_first.tunnel v1Key_second.tunnel <<'X'
0|id = vpn-0ffee1234abcd5678
1|aws-outside = 198.51.100.17
1|psk = v1Key_first.tunnel
1|ike-version = 1
1|ike-lifetime = 14400
1|mss = 1360
1|bgp-cgw-asn = 65010
2|aws-outside = 198.51.100.18
2|psk = v1Key_second.tunnel
2|ike-version = 1
2|ike-lifetime = 28800
2|bgp-neighbor = 169.254.45.1
X
good good-xml-bgp.xml xmlKey.tunnel_one xmlKey.tunnel_two <<'X'
0|id = vpn-0c0ffee0c0ffee000
1|cgw-outside = 203.0.113.50
1|aws-outside = 198.51.100.33
1|cgw-inside = 169.254.12.2/30
1|aws-inside = 169.254.12.1/30
1|psk = xmlKey.tunnel_one
1|ike-version = 1
1|mss = 1379
1|routing = bgp
1|bgp-cgw-asn = 65020
1|bgp-aws-asn = 64512
1|bgp-neighbor = 169.254.12.1
1|bgp-hold-time = 30
2|aws-outside = 198.51.100.34
2|mss = 1387
2|bgp-neighbor = 169.254.12.5
X
good good-xml-static.xml staticXml.key1 staticXml.key2 <<'X'
0|id = vpn-0badc0ffee0000001
1|cgw-outside = 192.0.2.200
1|aws-outside = 198.51.100.90
1|cgw-inside = 169.254.200.30/30
1|routing = static
1|dpd-interval = 10
2|aws-outside = 198.51.100.91
2|aws-inside = 169.254.200.33/30
2|routing = static
X
good good-native.conf nativeKey.tunnel_1 nativeKey.tunnel_2 <<'X'
0|id = vpn-0123456789abcdef0
1|cgw-inside = 169.254.77.10/30
1|ike-proposals = aes256gcm16-prfsha384-ecp384,aes256-sha384-modp3072
1|esp-proposals = aes256gcm16-ecp384,aes256-sha384-modp3072
1|mtu = 1446
1|bgp-cgw-asn = 4200000001
2|ike-version = 1
2|ike-proposals = aes256-sha512-sha384-ecp521-ecp384
2|esp-proposals = aes256gcm16-aes128gcm16-modp1536-ecp384
2|ike-lifetime = 3600
2|esp-lifetime = 900
2|dpd-interval = 0
2|mss = 1406
2|clear-df = no
2|frag-before-encryption = no
2|routing = bgp
2|bgp-neighbor = 169.254.77.13
X

for f in "${GOOD_FILES[@]}"; do
	in=$CONF/$f out=$T/$f.conf again=$T/$f.again
	"$TOOL" convert "$in" "$out" > "$T/out" 2> "$T/err"
	result $? "$f: convert succeeds"
	check "$f: nothing on stderr" test ! -s "$T/err"
	check "$f: output is mode 600" mode_is "$out" 600
	check "$f: summary names both AWS outside addresses" sh -c \
		"grep -q \"^tunnel 1: outside .* -> $(tunnel_lines "$out" 1 | sed -n 's/^aws-outside = //p')\" '$T/out' &&
		 grep -q \"^tunnel 2: outside .* -> $(tunnel_lines "$out" 2 | sed -n 's/^aws-outside = //p')\" '$T/out'"
	while IFS='|' read -r tn line; do
		[ -n "$line" ] || continue
		check "$f: tunnel $tn has '$line'" has_line "$out" "$tn" "$line"
	done <<< "${EXPECT[$f]}"
	for k in ${PSKS[$f]}; do
		check "$f: PSK ${k:0:3}... in the output file, not on stdout/stderr" \
			sh -c "grep -qF -- '$k' '$out' && ! grep -qF -- '$k' '$T/out' '$T/err'"
	done
	"$TOOL" convert "$out" "$again" > "$T/out2" 2>&1
	result $? "$f: the output converts again"
	check "$f: round trip is byte-identical" cmp "$out" "$again"
	for k in ${PSKS[$f]}; do
		check "$f: PSK ${k:0:3}... not printed by the second convert" not_in "$k" "$T/out2"
	done
done

# ---- bad UTF-8 in XML: libxml2 quotes the bytes, which could be a key's
printf '<?xml version="1.0" encoding="UTF-8"?>\n<vpn_connection id="vpn-1">\n<x>Key\xff\xfe\xfd\xfc</x>\n</vpn_connection>\n' \
	> "$T/bad-utf8.xml"
"$TOOL" convert "$T/bad-utf8.xml" "$T/bad-utf8.conf" > "$T/out" 2>&1
result $(( $? == 1 ? 0 : 1 )) "bad UTF-8 in XML: convert fails"
check "bad UTF-8 in XML: says so, with the line" \
	grep -q 'bad-utf8.xml:3: not well-formed XML: Input is not proper UTF-8' "$T/out"
check "bad UTF-8 in XML: none of the bytes quoted" \
	sh -c "! grep -qi -e 'Bytes:' -e '0xff' -e '0xfe' '$T/out'"

# ---- a UTF-8 byte order mark (Windows editors) is not content
for f in good-text-static.txt good-xml-bgp.xml good-native.conf; do
	printf '\xef\xbb\xbf' > "$T/bom-$f"
	cat "$CONF/$f" >> "$T/bom-$f"
	"$TOOL" convert "$T/bom-$f" "$T/bom-$f.conf" > /dev/null 2>&1
	result $? "$f with a byte order mark: convert succeeds"
	check "$f with a byte order mark: the same connection" \
		cmp "$T/$f.conf" "$T/bom-$f.conf"
done

# ---- proposals: strongest first, IKEv1 without AEAD for IKE, PFS groups
p=$T/good-text-bgp-ikev2.txt.conf
check "IKEv2 download: IKE proposals start with aes256gcm16-prfsha512 and ecp521" \
	sh -c "tunnel_lines() { awk -v w=\"[tunnel \$2]\" '/^\[/ { on = (\$0 == w); next } on' \"\$1\"; }
	       tunnel_lines '$p' 1 | grep -q '^ike-proposals = aes256gcm16-prfsha512-prfsha384-prfsha256-ecp521-'"
check "IKEv2 download: aes128 with SHA2 and modp2048 is the last IKE proposal" \
	sh -c "grep -q '^ike-proposals = .*,aes128-sha512-sha384-sha256-[a-z0-9-]*-modp2048\$' '$p'"
check "IKEv2 download: ESP proposals start with aes256gcm16-ecp521, end with modp2048" \
	sh -c "grep -q '^esp-proposals = aes256gcm16-ecp521-.*-modp2048\$' '$p'"
# AWS picks the lowest proposal it accepts: the download's own
# aes128/sha1/modp1024 offered would be what every tunnel uses.
for p in "$T"/good-text-*.conf "$T"/good-xml-*.conf; do
	check "$(basename "$p"): no SHA1 and no DH group 2, 5, 22-24 offered" \
		sh -c "grep '^[a-z]*-proposals = ' '$p' > '$p.props' &&
		       ! grep -E 'sha1|modp1024|modp1536|modp2048s' '$p.props'"
done
p=$T/good-text-ikev1.txt.conf
check "IKEv1 download: no AES-GCM in the IKE proposals" \
	sh -c "grep -q '^ike-proposals = aes256-sha512' '$p' && ! grep -q '^ike-proposals = .*gcm' '$p'"
check "IKEv1 download: AES-GCM still offered for ESP" \
	sh -c "grep -q '^esp-proposals = aes256gcm16-' '$p'"
check "proposal strings are shorter than 1024 characters" \
	sh -c "! grep -h 'proposals = ' '$T'/*.conf | awk 'length(\$0) >= 1024 + 16 { bad = 1 } END { exit !bad }'"

# ---- bad files: FILE|where:message (grep -F on stderr)|a PSK it must not show
BAD_FILES=()
while IFS='|' read -r f msg psk; do
	[ -n "$f" ] || continue
	BAD_FILES+=("$f")
	in=$CONF/$f out=$T/$f.out
	"$TOOL" convert "$in" "$out" > "$T/out" 2> "$T/err"
	result $([ $? = 1 ] && echo 0 || echo 1) "$f: convert fails (exit status 1)"
	msg=${msg//CONF\//$CONF/}
	check "$f: error '$msg'" grep -qF -- "awsvpn: convert: $CONF/$f$msg" "$T/err"
	check "$f: the error is one line, stdout empty" \
		sh -c "[ \$(wc -l < '$T/err') = 1 ] && [ ! -s '$T/out' ]"
	check "$f: no output file" test ! -e "$out"
	if [ -n "$psk" ]; then
		check "$f: the PSK is not in the error" not_in "$psk" "$T/err"
	fi
done <<'X'
bad-truncated.txt|:89: tunnel 2: Customer Gateway outside address missing|Tun1.SecretKey_abc123
bad-bgp-cut.txt|:89: tunnel 1 has BGP settings and tunnel 2 none: both tunnels of a connection route the same way (is the file truncated?)|
bad-native-mixed-routing.conf|:30: tunnel 1 has BGP settings and tunnel 2 none|nativeKey.tunnel_1
bad-missing-psk.txt|:22: tunnel 1: Pre-Shared Key missing|Tun2_otherKey.789xyz
bad-unknown-alg.txt|:34: IKE Encryption Algorithm 'aes-512-cbc' is unknown|Tun1.SecretKey_abc123
bad-third-tunnel.txt|:137: tunnel 3: a VPN connection has exactly two tunnels|Tun2_otherKey.789xyz
bad-prefix.txt|:125: Customer Gateway inside address: the inside network is a /29, AWS uses a /30|
bad-reserved.txt|:125: Customer Gateway inside address: the inside /30 is one AWS reserves|
bad-inside-order.txt|:71: Virtual Private Gateway inside address must be the first address of the /30|
bad-lifetime.txt|:35: IKE Lifetime 100 out of range 900..28800|
bad-same-outside.txt|:122: tunnel 2 has the same AWS outside address as tunnel 1|
bad-bgp-partial.txt|:22: tunnel 1: BGP incomplete: Virtual Private Gateway ASN missing|
bad-psk.txt|:95: Pre-Shared Key is not a valid AWS pre-shared key|0tun2startsWithZero
bad-address.txt|:66: Customer Gateway outside address '203.0.113.300' is not an IPv4 address|
bad-ikev1-gcm.txt|:97: AES-GCM for the IKE SA needs IKEv2|Tun2_otherKey.789xyz
bad-next-hop.txt|:61: Next hop is not the Virtual Private Gateway inside address|
bad-not-vpn.txt|: not a VPN connection file|
bad-native-unknown-key.conf|:20: unknown key 'mtu-size'|
bad-native-gcm-ikev1.conf|:36: ike-proposals: strongSwan cannot use AES-GCM for an IKEv1 SA|nativeKey.tunnel_2
bad-native-third-tunnel.conf|:29: tunnel 3: a VPN connection has exactly two tunnels|
bad-native-no-pfs.conf|:15: esp-proposals: proposal 'aes256gcm16' has no DH group (AWS requires PFS)|
bad-xml-garbage.xml|:42: not well-formed XML: Opening and ending tag mismatch|xmlKey.tunnel_one
bad-xml-truncated.xml|:44: not well-formed XML: Premature end of data|
bad-xml-doctype.xml|: a DOCTYPE is not allowed|xmlKey.tunnel_one
bad-xml-third-tunnel.xml|:112: /vpn_connection/ipsec_tunnel[3]: tunnel 3: a VPN connection has exactly two tunnels|
bad-xml-missing-psk.xml|:59: /vpn_connection/ipsec_tunnel[2]: tunnel 2: Pre-Shared Key missing|xmlKey.tunnel_one
bad-xml-bgp-partial.xml|:59: /vpn_connection/ipsec_tunnel[2]: tunnel 2: BGP incomplete: Virtual Private Gateway ASN missing|
bad-dh-group.txt|:100: IKE Diffie-Hellman group 'Group 1' is not a DH group AWS accepts (2, 14-24)|Tun2_otherKey.789xyz
bad-mtu.txt|:74: Tunnel interface MTU 9001 out of range 576..1446|
bad-native-duplicate-key.conf|:20: dpd-retries given twice in tunnel 1 (first at CONF/bad-native-duplicate-key.conf:19)|
bad-native-bad-token.conf|:15: esp-proposals: unknown algorithm 'aes512gcm16'|
bad-native-psk-short.conf|:34: psk is not a valid AWS pre-shared key|Ab3.x
bad-xml-unknown-alg.xml|:99: /vpn_connection/ipsec_tunnel[2]/ipsec/encryption_protocol: IPSec Encryption Algorithm 'chacha20-poly1305' is unknown|
bad-xml-root.xml|: the root element is <vpn_configuration>, not <vpn_connection>|
bad-xml-junk.xml|:1: not well-formed XML: |
bad-xml-mask.xml|:13: /vpn_connection/ipsec_tunnel[1]/customer_gateway/tunnel_inside_address/network_mask: Customer Gateway inside address: prefix lengths /30 and /29 disagree|
X

# ---- every sample file is used, and each bad one really differs from a good one
listed=$(printf '%s\n' "${GOOD_FILES[@]}" "${BAD_FILES[@]}" | sort)
present=$(cd "$CONF" && ls | sort)
check "every file in selftests/host/conf is tested (${#GOOD_FILES[@]} good, ${#BAD_FILES[@]} bad)" \
	test "$listed" = "$present"

# ---- the example in Documentation/connection-file.rst is a valid file
sed -n '/^    # Two tunnels/,/^[^ ]/p' \
	"$REPO/Documentation/connection-file.rst" | sed '$d; s/^    //' > "$T/doc-example"
check "Documentation/connection-file.rst: the example converts" \
	sh -c "[ -s '$T/doc-example' ] && '$TOOL' convert '$T/doc-example' '$T/doc-example.conf'"

# ---- OUT: never overwritten, never standard output
echo "precious" > "$T/exists"
chmod 644 "$T/exists"
before=$(stat -c '%a %s %Y' "$T/exists")
"$TOOL" convert "$CONF/good-native.conf" "$T/exists" > "$T/out" 2> "$T/err"
result $([ $? = 1 ] && echo 0 || echo 1) "existing OUT: convert fails"
check "existing OUT: 'exists; not overwritten'" grep -q "exists; not overwritten" "$T/err"
check "existing OUT: untouched (content, mode, size, time)" \
	sh -c "[ \"\$(cat '$T/exists')\" = precious ] && [ \"\$(stat -c '%a %s %Y' '$T/exists')\" = '$before' ]"
ln -s "$T/link-target" "$T/link"
"$TOOL" convert "$CONF/good-native.conf" "$T/link" > /dev/null 2>&1
result $([ $? = 1 ] && echo 0 || echo 1) "dangling symlink as OUT: refused"
check "dangling symlink as OUT: nothing created behind it" test ! -e "$T/link-target"
"$TOOL" convert "$CONF/good-native.conf" - > "$T/out" 2> "$T/err"
result $([ $? = 2 ] && echo 0 || echo 1) "OUT '-': refused (usage, exit 2)"
check "OUT '-': says why, prints no key" sh -c \
	"grep -q 'holds the pre-shared keys' '$T/err' && ! grep -qF nativeKey '$T/out' '$T/err'"
"$TOOL" convert "$CONF/good-native.conf" > /dev/null 2> "$T/err"
result $([ $? = 2 ] && echo 0 || echo 1) "convert with one argument: usage error (exit 2)"
"$TOOL" convert "$T/no-such-file" "$T/x.conf" > /dev/null 2> "$T/err"
result $([ $? = 1 ] && echo 0 || echo 1) "missing IN: fails"
check "missing IN: names the file and the reason, no OUT" sh -c \
	"grep -q 'no-such-file: No such file or directory' '$T/err' && [ ! -e '$T/x.conf' ]"

finish
