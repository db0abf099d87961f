#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 1200
# vm: cpus=2
#
# The data path when every encryption and decryption completes
# asynchronously.  On x86 the AES-NI AEADs almost always finish inline, so
# the -EINPROGRESS paths of send.c and receive.c would go untested: here
# pcrypt (the kernel's parallel crypto wrapper, which always answers
# -EINPROGRESS and completes from a worker on another CPU) is put in front
# of each AEAD awsvpn allocates, through NETLINK_CRYPTO
# (selftests/tools/cryptouser.py), before the SAs are created.
#
# The async paths are the same for every suite; three cover both AEAD
# families and three ICV sizes: aes256-gcm16, aes128 + sha2-256 and
# aes256 + sha2-512.  Per suite, awsvpn0 (ns cgw) against an xfrm
# interface (ns aws), as in 20-esp-interop: both SAs report a pcrypt(...)
# crypto driver; pings both ways (IPv4 and IPv6, sizes 56, 1372 and 2000,
# the last one in fragments), 300 back-to-back echoes each way (many
# requests in flight at once); iperf3 TCP 1 MiB each way; exact counters
# (awsvpn tx == xfrm rx and the reverse, packets and bytes) and no error
# counter moved on either side.
# The XFRM peer stays on synchronous crypto (see below); each pcrypt
# instance is removed again after its suite.
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd iperf3 busybox python3 jq

CU="python3 $AWSVPN_SRC/selftests/tools/cryptouser.py"
KEYDIR="$AWSVPN_OUT/23-esp-async"
C4=169.254.44.234 A4=169.254.44.233 C6=fd00:44::2 A6=fd00:44::1

t_check "load awsvpn" mod_load
t_passed || t_done
t_check "load pcrypt and crypto_user" modprobe -a pcrypt crypto_user
t_passed || t_done
mkdir -p "$KEYDIR" && chmod 700 "$KEYDIR"

t_check "namespaces cgw and aws over veth" esp_topology

# The crypto driver of the first SA of DEV in ns cgw.
sa_driver() {
	awsvpn -n cgw show "$1" --json |
		jq -r "[.[0].sas[] | select(.spi == \"$(printf 0x%08x $(($2)))\")][0].crypto"
}

SUITES="aes256-gcm16 aes128+sha2-256 aes256+sha2-512"

# pcrypt_add SUITE: a pcrypt instance in front of the AEAD awsvpn gets for
# SUITE today (its driver read from a throw-away SA); in $PCRYPT.
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
	$CU show "$PCRYPT" > "$T_TMP/pcrypt"
}

# suite_end SUITE: tunnel gone, then its pcrypt instance.
suite_end() {
	esp_teardown
	if [ -n "$PCRYPT" ]; then
		t_check "$1: $PCRYPT removed once no SA uses it" \
			wait_for 10 $CU del "$PCRYPT"
		PCRYPT=
	fi
}
# Removed at exit even if the test stops half-way; busy until the last SA
# using it is freed (an RCU callback away from "link del").
t_on_exit '[ -z "$PCRYPT" ] || wait_for 10 $CU del "$PCRYPT"'

i=0
for suite in $SUITES; do
	i=$((i + 1))
	s=$suite
	SO=$(printf '0x%08x' $((0x23000 + 2 * i)))	# cgw -> aws
	SI=$(printf '0x%08x' $((0x23001 + 2 * i)))	# aws -> cgw
	kout="$KEYDIR/${suite/+/-}.out.key" kin="$KEYDIR/${suite/+/-}.in.key"
	esp_keygen "$suite" "$kout"
	esp_keygen "$suite" "$kin"
	# The XFRM peer's states first, on synchronous crypto: the xfrm
	# interface of 6.1 loses device references when its own decryption
	# completes asynchronously (its refcount goes negative), a kernel bug
	# that is not awsvpn's to test.  Then pcrypt, then awsvpn's SAs.
	t_check "$s: XFRM peer xfrm44 (synchronous crypto)" \
		esp_xfrm_peer aws xfrm44 veth-aws 44 192.0.2.2 192.0.2.1 \
		"$SI" "$SO" "$suite" "$kin" "$kout"
	pcrypt_add "$suite" > "$T_TMP/pcrypt" 2>&1
	t_match "$s: pcrypt instantiated in front of awsvpn's AEAD, async" \
		'^.* pcrypt\(.*\) [0-9]+ yes [0-9]+$' "$(cat "$T_TMP/pcrypt")"
	t_check "$s: awsvpn0 (spi $SO out, $SI in)" \
		esp_awsvpn_peer cgw awsvpn0 192.0.2.1 192.0.2.2 "$SO" "$SI" \
			"$suite" "$kout" "$kin"
	if ! t_passed; then
		suite_end "$s"
		continue
	fi
	mtu=$(ip netns exec cgw cat /sys/class/net/awsvpn0/mtu)
	ip -n aws link set xfrm44 mtu "$mtu" gso_max_segs 1
	ip -n cgw addr add "$C4/30" dev awsvpn0
	ip -n cgw addr add "$C6/64" dev awsvpn0 nodad
	ip -n aws addr add "$A4/30" dev xfrm44
	ip -n aws addr add "$A6/64" dev xfrm44 nodad

	t_match "$s: outbound and inbound SA run on pcrypt" \
		'^pcrypt\(.*\) pcrypt\(.*\)$' \
		"$(sa_driver awsvpn0 "$SO") $(sa_driver awsvpn0 "$SI")"

	want= got=
	for size in 56 1372 2000; do
		want="$want $size:2/2/1/1"
		got="$got $size:$(esp_ping cgw 2 "$size" "$A4")/$(esp_ping aws 2 "$size" "$C4")/$(esp_ping cgw 1 "$size" "$A6")/$(esp_ping aws 1 "$size" "$C6")"
	done
	t_eq "$s: pings v4 cgw->aws/aws->cgw (2 each), v6 (1 each), size:replies" \
		"$want" "$got"
	t_eq "$s: 300 back-to-back echoes cgw -> aws, 300 aws -> cgw" "300 300" \
		"$(esp_ping cgw 300 500 "$A4") $(esp_ping aws 300 500 "$C4")"

	t_check "$s: iperf3 -n 1M cgw -> aws" \
		esp_iperf aws cgw "$A4" -n 1M -w 64K -J
	t_check "$s: iperf3 -n 1M aws -> cgw" \
		esp_iperf cgw aws "$C4" -n 1M -w 64K -J
	sleep 1
	if esp_counters --awsvpn cgw:awsvpn0 --link X:aws:xfrm44 --states XS:aws; then
		t_eq "$s: xfrm44 rx == awsvpn0 tx, awsvpn0 rx == xfrm44 tx (packets/bytes)" \
			"$A_tx_packets/$A_tx_bytes $A_rx_packets/$A_rx_bytes" \
			"$X_rx_packets/$X_rx_bytes $X_tx_packets/$X_tx_bytes"
		t_eq "$s: per-SA == device counters" \
			"$A_tx_packets/$A_tx_bytes/$A_rx_packets/$A_rx_bytes" \
			"$SA_out_tx_packets/$SA_out_tx_bytes/$SA_in_rx_packets/$SA_in_rx_bytes"
		t_eq "$s: awsvpn0 error counters all 0" "0 0 0 0 0 / 0 0 0" \
			"$A_rx_replay $A_rx_auth_fail $A_rx_bad_trailer $A_rx_no_sa $A_rx_errors / $A_tx_no_sa $A_tx_seq_exhausted $A_tx_errors"
		t_eq "$s: XFRM side: no replay/ICV failure, no rx/tx error" \
			"0/0/0/0/0/0" \
			"$(eval echo "\${XS_${SO#0x}_replay:-x}/\${XS_${SO#0x}_failed:-x}/\${XS_${SI#0x}_replay:-x}/\${XS_${SI#0x}_failed:-x}")/$X_rx_errors/$X_tx_errors"
	else
		t_fail "$s: read counters"
	fi
	suite_end "$s"
	t_diag "$s: ${SECONDS}s since start"
done

t_done
