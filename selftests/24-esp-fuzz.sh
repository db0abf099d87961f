#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 1200
#
# Malformed ESP at a live tunnel (tools/espfuzz.py): every truncation
# length, flipped ICV and ciphertext bits, bad pad length and pad bytes,
# bad next header, inner garbage (IPv4 and IPv6), dummy packets, sequence
# 0, replays, unknown and zero SPIs, outer fragments and oversize packets;
# over ESP in UDP also keepalives, the non-ESP marker and datagrams too
# short for ESP.  About 6,400 packets (AWSVPN_FUZZ=full: over 100,000).
# The fuzzer plays AWS on an inbound SA of its own (0x3000), so the tunnel's real SA pair with the
# XFRM peer stays in use.  Then: each kind of packet is in its counter,
# exactly, the sum of the device's counters is what was sent (less what
# is not awsvpn's), the tunnel still passes traffic, and the kernel log is
# clean.  Last, authentic packets keep arriving while the fuzzer's SA is
# deleted and added again, 10 times.
set -eu
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd python3
python3 -c 'from cryptography.hazmat.primitives.ciphers.aead import AESGCM' 2>/dev/null ||
	t_skip_all "python3-cryptography missing"
FUZZ="$AWSVPN_SRC/selftests/tools/espfuzz.py"
# AWSVPN_FUZZ=full (passed into the VM by run-suite): 100,000 packets and
# more; by default about 6,400 (every kind in every round), to fit make
# check's budget.
if [ "${AWSVPN_FUZZ:-}" = full ]; then ROUNDS_RAW=92 ROUNDS_UDP=82 MIN=100000
else ROUNDS_RAW=6 ROUNDS_UDP=5 MIN=6000; fi
SUITE=aes128-gcm16

t_check "load awsvpn" mod_load
t_check "namespaces cgw and aws" esp_topology
cd "$T_TMP"
for k in out in fuzz; do esp_keygen $SUITE $k.key; done
t_check "cgw: awsvpn0 with SAs 0x1000 out, 0x2000 in" \
	esp_awsvpn_peer cgw awsvpn0 192.0.2.1 192.0.2.2 0x1000 0x2000 $SUITE out.key in.key
t_check "aws: XFRM peer (xfrm44)" \
	esp_xfrm_peer aws xfrm44 veth-aws 44 192.0.2.2 192.0.2.1 0x2000 0x1000 $SUITE in.key out.key
t_check "cgw: the fuzzer's inbound SA 0x3000" esp_sa_add cgw awsvpn0 in 0x3000 $SUITE fuzz.key
ip -n cgw addr add 169.254.44.234/30 dev awsvpn0
ip -n aws addr add 169.254.44.233/30 dev xfrm44
t_eq "the tunnel passes traffic before (5 pings)" 5 "$(esp_ping cgw 5 56 169.254.44.233)"
t_passed || t_done
# Nothing may vanish in the receive backlog of the one emulated CPU.
sysctl -qw net.core.netdev_max_backlog=100000

COUNTERS="rx_packets rx_errors rx_auth_fail rx_bad_trailer rx_replay rx_no_sa nat_keepalive_rx"
# The fuzzer's kind (espfuzz.py) each of those counts, in the same order.
KINDS="valid errors auth_fail bad_trailer replay no_sa keepalive"
snap() {
	awsvpn -n cgw show awsvpn0 --json | json_get \
		"' '.join(str(j[0]['stats'].get(k, 0)) for k in '$COUNTERS'.split())"
}
# wait_settled EXPECTED_SUM: async decryption may still be finishing.
settled() { [ "$(snap | tr ' ' '\n' | grep -v '^$' | paste -sd+ | bc)" -ge "$1" ]; }

# fuzz NAME ARGS...: run the fuzzer in aws, then compare every counter.
SEQ=1
fuzz() {
	local name=$1 before after exp sum k i=0 b a e want sent planned wants
	shift
	before=$(snap)
	ip netns exec aws python3 "$FUZZ" --dst 192.0.2.1 --spi 0x3000 \
		--key "$(tr -d ' \n' < fuzz.key)" --inner-src 169.254.44.233 \
		--inner-dst 169.254.44.234 --seq "$SEQ" --out "$T_TMP/$name.json" "$@" \
		> /dev/null || { t_fail "$name: the fuzzer ran"; return; }
	exp=$(cat "$T_TMP/$name.json")
	SEQ=$(echo "$exp" | json_get 'j["next_seq"]')
	t_diag "$name: $exp"
	sum=$(echo "$exp" | json_get 'sum(v for k, v in j.items() if k not in ("sent", "next_seq", "not_ours", "dummy"))')
	want=$(echo "$before" | tr ' ' '\n' | grep -v '^$' | paste -sd+ | bc)
	wait_for 60 settled $((want + sum)) || true
	sleep 1
	after=$(snap)
	# One interpreter for every figure of the plan (each start of
	# python3 costs a third of a second in the guest): sent, the sum of
	# the kinds, then each of $KINDS.
	read -r sent planned wants <<< "$(echo "$exp" | json_get "' '.join(str(x) for x in
		[j['sent'], sum(v for k, v in j.items() if k not in ('sent', 'next_seq'))] +
		[j[k] for k in '$KINDS'.split()])")"
	t_check "$name: sent as many packets as it planned ($sent)" \
		test "$sent" = "$planned"
	for k in $COUNTERS; do
		b=$(echo "$before" | cut -d' ' -f$((i + 1)))
		a=$(echo "$after" | cut -d' ' -f$((i + 1)))
		e=$(echo "$wants" | cut -d' ' -f$((i + 1)))
		want=$(echo "$KINDS" | cut -d' ' -f$((i + 1)))
		t_eq "$name: $k +$e ($want)" "$e" "$((a - b))"
		i=$((i + 1))
	done
}

dmesg_mark
fuzz raw --rounds "$ROUNDS_RAW" --seed 1
t_eq "after raw ESP: the tunnel passes traffic (10 pings)" 10 "$(esp_ping cgw 10 56 169.254.44.233)"

t_check "awsvpn0: ESP in UDP on the module's socket (4500 <-> 4500)" \
	awsvpn -n cgw set awsvpn0 encap udp local-port 4500 remote-port 4500
fuzz udp --udp --rounds "$ROUNDS_UDP" --seed 2
t_check "awsvpn0: back to raw ESP" awsvpn -n cgw set awsvpn0 encap none
t_eq "after ESP in UDP: the tunnel passes traffic (10 pings)" 10 "$(esp_ping cgw 10 56 169.254.44.233)"

# ESP in page fragments, as a NIC that receives into pages (virtio-net's
# mergeable buffers) delivers it: the fuzzer's AF_PACKET frames with a
# 34-byte head, over a jumbo veth.  Every kind lands in its counter and
# every authentic datagram arrives intact.
ip -n cgw link set veth-cgw mtu 9000
ip -n aws link set veth-aws mtu 9000
PAGED_ROUNDS=$(( ROUNDS_RAW / 2 ))
# pattern_listener NS ADDR PORT FILE: count datagrams whose payload is
# espfuzz.py's pattern(n) ("good") or not ("bad") until one says "stop"
# (tools/patternrx.py); FILE exists once bound and ends up holding "good bad".
pattern_listener() {
	ip netns exec "$1" python3 "$AWSVPN_SRC/selftests/tools/patternrx.py" udp "$2" "$3" "$4" &
	LPID=$!
	wait_for 30 test -e "$4" || true
}
# pattern_stop NS ADDR PORT [PID]: the listener's last datagram, sent once
# what the veth backlogs still hold is through; waits for PID (default:
# pattern_listener's).
pattern_stop() {
	sleep 1
	ip netns exec "$1" python3 -c 'import socket, sys; socket.socket(socket.AF_INET,
	socket.SOCK_DGRAM).sendto(b"stop", (sys.argv[1], int(sys.argv[2])))' "$2" "$3"
	wait "${4:-$LPID}" || true
}
pattern_listener cgw 169.254.44.234 9 "$T_TMP/paged.rx"
fuzz paged --paged veth-aws --rounds "$PAGED_ROUNDS" --seed 4 \
	--dst-mac "$(ip netns exec cgw cat /sys/class/net/veth-cgw/address)"
pattern_stop cgw 169.254.44.234 9
t_eq "paged: every authentic datagram arrived, each byte intact (good bad)" \
	"$(json_get 'j["valid"]' < "$T_TMP/paged.json") 0" "$(cat "$T_TMP/paged.rx")"

# ESP whose fragments fit one page is decrypted out of place: from the
# fragments into a fresh one that replaces them, so that pages the packet
# only shares are never written, and without first copying the packet
# into a linear buffer.  Both are measured.  The copy, skb_cow_data(), is
# counted with a kprobe (nothing else sends ESP meanwhile).  The pages:
# nftables' dup mirrors every ESP packet reaching cgw (pskb_copy(): a head
# of its own, the same page fragments) to a namespace whose AF_PACKET
# socket reads it after awsvpn has decrypted the original; decrypting
# where the fragments lie would put the plaintext into the mirror.
ns_create mir
veth_pair cgw veth-mir mir veth-mirp
ip -n cgw link set veth-mir mtu 9000
ip -n mir link set veth-mirp mtu 9000
ip -n cgw addr add 198.51.100.1/30 dev veth-mir
ip -n cgw neigh replace 198.51.100.2 dev veth-mir nud permanent \
	lladdr "$(ip netns exec mir cat /sys/class/net/veth-mirp/address)"
ip netns exec mir python3 "$AWSVPN_SRC/selftests/tools/patternrx.py" mirror \
	veth-mirp 0x3000,0x3001 "$T_TMP/mirror.rx" &
MPID=$!
wait_for 30 test -e "$T_TMP/mirror.rx" || true
t_check "cgw: nftables mirrors arriving ESP to mir (dup)" ip netns exec cgw nft -f - <<'NFT'
table ip mirror {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		iifname "veth-cgw" ip protocol esp dup to 198.51.100.2 device "veth-mir"
		iifname "veth-cgw" udp dport 4500 dup to 198.51.100.2 device "veth-mir"
	}
}
NFT
esp_keygen aes256+sha2-256 fuzzcbc.key
t_check "cgw: the fuzzer's inbound SA 0x3001 (aes256+sha2-256)" \
	esp_sa_add cgw awsvpn0 in 0x3001 aes256+sha2-256 fuzzcbc.key
KP=/sys/kernel/tracing
cow_hits() { awk '$1 == "awsvpn_cow" { print $2 }' $KP/kprobe_profile; }
t_check "kprobe on skb_cow_data" eval "echo 'p:awsvpn_cow skb_cow_data' >> $KP/kprobe_events &&
	echo 1 > $KP/events/kprobes/awsvpn_cow/enable"
COW0=$(cow_hits)
pattern_listener cgw 169.254.44.234 9 "$T_TMP/page1.rx"
# GCM and CBC+HMAC (whose authenc reads the source twice), raw ESP and ESP
# in UDP (the module's socket), inline and through the parallel crypto
# workers (queue.c); 94 bytes of head, so that part of the ciphertext is
# decrypted in the head, in place, and the rest into the new fragment.
# Last, veth-cgw with an XDP program (tools/xdppass.py) receives through
# NAPI into pages of its page pool (6.6 and later; earlier, pages of its
# own), as many NIC drivers do: the fragments given back are pool pages.
mkdir "$T_TMP/bpf" && mount -t bpf bpf "$T_TMP/bpf" && t_on_exit umount "$T_TMP/bpf"
PAGE1_N=0
for run in "aes128-gcm16 0x3000 fuzz none off -" "aes128-gcm16 0x3000 fuzz udp on -" \
	   "aes256+sha2-256 0x3001 fuzzcbc none on -" "aes256+sha2-256 0x3001 fuzzcbc udp off -" \
	   "aes256+sha2-256 0x3001 fuzzcbc none off xdp" "aes128-gcm16 0x3000 fuzz udp on xdp"; do
	read -r suite spi key encap par xdp <<< "$run"
	t_check "awsvpn0: encap $encap, parallel $par" awsvpn -n cgw set awsvpn0 \
		encap $encap $([ $encap = udp ] && echo local-port 4500 remote-port 4500) parallel $par
	if [ "$xdp" = xdp ] && ! ip -n cgw link show veth-cgw | grep -q xdp; then
		t_check "veth-cgw: XDP (pass) attached: NAPI into its page pool" eval \
			'python3 "$AWSVPN_SRC/selftests/tools/xdppass.py" "$T_TMP/bpf/pass" &&
			 ip -n cgw link set dev veth-cgw xdpdrv pinned "$T_TMP/bpf/pass"'
	fi
	fuzz "page1-$suite-$encap-$par-$xdp" --paged veth-aws $([ $encap = udp ] && echo --udp) \
		--suite $suite --spi $spi --key "$(tr -d ' \n' < $key.key)" --head-len 94 \
		--rounds $(( PAGED_ROUNDS * 2 )) --seed 5 --paged-sizes 4000,4030,1 \
		--dst-mac "$(ip netns exec cgw cat /sys/class/net/veth-cgw/address)"
	PAGE1_N=$(( PAGE1_N + $(json_get 'j["sent"]' < "$T_TMP/page1-$suite-$encap-$par-$xdp.json") ))
done
ip -n cgw link set dev veth-cgw xdpdrv off
awsvpn -n cgw set awsvpn0 parallel off encap none
COW=$(( $(cow_hits) - COW0 ))
echo 0 > $KP/events/kprobes/awsvpn_cow/enable
echo '-:awsvpn_cow' >> $KP/kprobe_events
# The 1-byte payloads are linear (AF_PACKET pages nothing under a page):
# they are the copy's control, one entry each.
t_eq "one page: no linearizing copy for the paged packets (skb_cow_data entered once per linear one)" \
	"$(( PAGE1_N / 3 ))" "$COW"
pattern_stop cgw 169.254.44.234 9
t_eq "one page: every datagram arrived, each byte intact (good bad)" \
	"$PAGE1_N 0" "$(cat "$T_TMP/page1.rx")"
ip netns exec cgw nft delete table ip mirror
pattern_stop cgw 198.51.100.2 9 "$MPID"
t_eq "one page: the mirror saw every packet as ciphertext (mirrored plaintext)" \
	"$PAGE1_N 0" "$(cat "$T_TMP/mirror.rx")"
ip -n cgw link set veth-cgw mtu 1500
ip -n aws link set veth-aws mtu 1500
t_eq "after paged ESP: the tunnel passes traffic (10 pings)" 10 "$(esp_ping cgw 10 56 169.254.44.233)"

# The other way: packets the gateway forwards that arrived in page
# fragments (a TAP with IFF_NAPI_FRAGS in cgw: headers in the head, the
# payload in fragments, through NAPI as from a driver); XFRM decrypts them
# and a listener in aws gets every datagram intact.
PAGED_TX=$(( PAGED_ROUNDS * 40 ))
ip netns exec cgw sysctl -qw net.ipv4.ip_forward=1
pattern_listener aws 169.254.44.233 9001 "$T_TMP/pagedtx.rx"
txb() { awsvpn -n cgw show awsvpn0 --json | json_get "j[0]['stats']['tx_$1']"; }
TXP0=$(txb packets) TXB0=$(txb bytes)
# Payloads 1 to 1390 bytes: the IPv4 packets (28 + n) fit awsvpn0's MTU.
modprobe tun 2>/dev/null || true
[ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; } || true
WROTE=$(ip netns exec cgw python3 "$AWSVPN_SRC/selftests/tools/tapfrags.py" \
	--dev lanp --addr 10.3.0.1/24 --src 10.3.0.2 --dst 169.254.44.233 \
	--port 9001 --sizes 1,17,300,1000,1390 --count "$PAGED_TX") || true
t_eq "paged tx: $PAGED_TX frames written into the TAP" "$PAGED_TX" "$WROTE"
# Inner bytes: 5 sizes, each $((PAGED_TX / 5)) times.
t_eq "paged tx: tx_packets +$PAGED_TX, tx_bytes exact" \
	"$PAGED_TX $(( PAGED_TX / 5 * (5 * 28 + 1 + 17 + 300 + 1000 + 1390) ))" \
	"$(( $(txb packets) - TXP0 )) $(( $(txb bytes) - TXB0 ))"
ip netns exec cgw sysctl -qw net.ipv4.ip_forward=0
pattern_stop aws 169.254.44.233 9001
t_eq "paged tx: XFRM got every datagram, each byte intact (good bad)" \
	"$PAGED_TX 0" "$(cat "$T_TMP/pagedtx.rx")"

TOTAL=$(( $(json_get 'j["sent"]' < "$T_TMP/raw.json") + $(json_get 'j["sent"]' < "$T_TMP/udp.json") ))
t_diag "packets sent: $TOTAL"
t_check "at least $MIN malformed and valid packets ($TOTAL)" test "$TOTAL" -ge "$MIN"

# Authentic packets while their SA goes and comes back.
ip netns exec aws python3 "$FUZZ" --dst 192.0.2.1 --spi 0x3000 \
	--key "$(tr -d ' \n' < fuzz.key)" --inner-src 169.254.44.233 \
	--inner-dst 169.254.44.234 --seq "$SEQ" --rounds 10 --seed 3 > /dev/null 2>&1 &
FPID=$!
churn() {
	local n
	for n in $(seq 10); do
		awsvpn -n cgw sa del awsvpn0 dir in spi 0x3000 || return 1
		esp_sa_add cgw awsvpn0 in 0x3000 $SUITE fuzz.key || return 1
		sleep 0.2
	done
}
t_check "fuzzer's SA deleted and added 10 times under its packets" churn
wait "$FPID" || true
t_eq "afterwards: the tunnel passes traffic (10 pings)" 10 "$(esp_ping cgw 10 56 169.254.44.233)"
t_eq "no warning, oops or leak report in the kernel log" "" \
	"$(dmesg_since | grep -iE 'WARNING|BUG|Oops|leak|refcount' || true)"
t_done
