#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 400
#
# Network namespaces: a device moved to another netns keeps its config and
# points back to the creating netns (where its outer side stays); deleting
# either netns deletes the device; a dump stays correct when a moved-in
# device has an out-of-order ifindex; a moved device keeps its if-id unless
# the new netns has it already (then it is cleared and logged); module
# unload removes devices of every netns and the module loads again; a
# device delegated to a namespace of another user namespace: its root may
# configure the device but not its outer side (CAP_NET_ADMIN of the outer
# namespace's user namespace).  Dumps while devices are deleted are each one
# instant of the namespace (NLM_F_DUMP_INTR and the tool's retry); the
# tool's -n NETNS.
set -eu
. "$(dirname "$0")/lib.sh"

require_cmd ip python3
require_tool
dmesg_mark

GENL="python3 $AWSVPN_SRC/selftests/tools/genl.py"
KEY="$T_TMP/in.key"
echo 00112233445566778899aabbccddeeff01020304 > "$KEY"	# aes128-gcm16: 20 bytes
chmod 600 "$KEY"

# sa_in NS DEV SPI: add an inbound SA.
sa_in() {
	ip netns exec "$1" awsvpn sa add "$2" dir in spi "$3" enc aes128-gcm16 \
		key-file "$KEY"
}
gone() { ! ip ${2:+-n "$2"} link show dev "$1" >/dev/null 2>&1; }

mod_load

# ------------------------------------------------------ move A -> B

ns_create ns-a ns-b
t_check "create mv0 in A" awsvpn_add mv0 ns-a
t_passed || t_done
t_check "configure mv0 in A" ip netns exec ns-a awsvpn set mv0 local 192.0.2.1 \
	remote 198.51.100.1 local-port 4501 remote-port 4502 df keep \
	mss 1300 replay-window 512
t_check "inbound SA on mv0" sa_in ns-a mv0 0x1000
# Config and SAs, without what changes by itself (counters, ages).
conf() {
	ip netns exec "$1" awsvpn show mv0 --json | json_get '({k: v for k, v in j[0].items()
		if k not in ("ifindex", "stats", "last_rx_ms", "last_tx_ms", "last_rx", "last_tx")} |
		{"sas": [{k: v for k, v in sa.items() if k not in ("age", "installed", "stats")}
			 for sa in j[0]["sas"]]})'
}
before=$(conf ns-a) || true
t_check "move mv0 to B" ip -n ns-a link set dev mv0 netns ns-b
t_check "mv0 is gone from A" gone mv0 ns-a
t_check "mv0 is in B" ip -n ns-b link show dev mv0
t_eq "config (and SA) kept after the move" "$before" "$(conf ns-b)"
t_match "the compared config has the settings and the SA" \
	'"remote": "198.51.100.1".*"spi": "0x00001000"' "$before"
t_eq "local/remote shown in B" "local: 192.0.2.1 remote: 198.51.100.1" \
	"$(ip netns exec ns-b awsvpn show mv0 | sed -n 's/^  \(local\|remote\): /\1: /p' | tr '\n' ' ' | sed 's/ $//')"
t_match "ip -d link in B: link-netns points back to A" 'link-netns ns-a( |$)' \
	"$(ip -n ns-b -d link show dev mv0)"
nsid=$(ip -n ns-b -d -j link show dev mv0 | json_get 'j[0].get("link_netnsid")') || true
t_match "B's nsid $nsid is A" "^nsid $nsid \\(iproute2 netns name: ns-a\\)" \
	"$(ip -n ns-b netns list-id)"
t_eq "A lists no awsvpn device any more" "[]" \
	"$(ip netns exec ns-a awsvpn show --json | tr -d ' \n')"
t_eq "B lists mv0" "mv0" \
	"$(ip netns exec ns-b awsvpn show --json | json_get '" ".join(d["ifname"] for d in j)')"

# The SA's SPI stays registered in A (the outer namespace): a second device
# in A cannot take it while mv0 lives.
t_check "create mv1 in A" awsvpn_add mv1 ns-a
run S sa_in ns-a mv1 0x1000
t_match "SPI 0x1000 still taken in A while mv0 lives in B" \
	'inbound SPI already used in this namespace' "$S_out"
t_check "second inbound SA on mv0 while in B" sa_in ns-b mv0 0x1001
t_check "outbound SA on mv0 in B" ip netns exec ns-b awsvpn sa add mv0 dir out \
	spi 0x2000 enc aes128-gcm16 key-file "$KEY"
t_eq "mv0 has 3 SAs" 3 \
	"$(ip netns exec ns-b awsvpn show mv0 --json | json_get 'len(j[0]["sas"])')"

# ------------------------------------------------------ delete B (device inside)

dmesg_sub=$(dmesg | wc -l)
t_check "delete B with mv0 alive" ip netns del ns-b
# mv0's end: its inbound SA leaves A's SPI table, so mv1 can take the SPI.
t_check "mv0 deleted with B (its SPI is free again in A)" \
	wait_for 15 sa_in ns-a mv1 0x1000
t_check "mv0 was not moved to the init netns" gone mv0
t_check "A and mv1 unaffected" ip -n ns-a link show dev mv1
t_eq "no unregister_netdevice hang/warning" "" \
	"$(dmesg | tail -n +$((dmesg_sub + 1)) | grep -E 'unregister_netdevice|WARNING:|BUG:' || true)"

# ------------------------------------------------------ delete A (device elsewhere)

ns_create ns-c ns-d
t_check "create cv0 in C" awsvpn_add cv0 ns-c
t_check "configure cv0" ip netns exec ns-c awsvpn set cv0 remote 198.51.100.2
t_check "create dv0 in D (native to D)" awsvpn_add dv0 ns-d
t_check "move cv0 to D" ip -n ns-c link set dev cv0 netns ns-d
t_eq "D has cv0 and dv0" "cv0 dv0" \
	"$(ip netns exec ns-d awsvpn show --json | json_get '" ".join(sorted(d["ifname"] for d in j))')"
t_check "delete C (the creating netns) while cv0 lives in D" ip netns del ns-c
t_check "cv0 in D is deleted with its outer netns" wait_for 15 gone cv0 ns-d
t_check "dv0 (outer netns D) survives" ip -n ns-d link show dev dv0
t_eq "D lists only dv0" dv0 \
	"$(ip netns exec ns-d awsvpn show --json | json_get '" ".join(d["ifname"] for d in j)')"
t_check "D still works: create and delete another device" \
	sh -c "ip -n ns-d link add dv1 type awsvpn && ip -n ns-d link del dv1"

# Created in the init netns, moved away, that netns deleted: not refunded.
ns_create ns-e
t_check "create iv0 in init netns" awsvpn_add iv0
t_check "move iv0 to E" ip link set dev iv0 netns ns-e
t_check "delete E" ip netns del ns-e
sleep 1
t_check "iv0 did not come back to the init netns" gone iv0
t_eq "init netns lists no awsvpn device" "[]" "$(awsvpn show --json | tr -d ' \n')"

# ------------------------------------------------------ dump with an out-of-order ifindex

ns_create ns-f ns-g
t_check "create first0 in F" awsvpn_add first0 ns-f
t_check "create big0 with ifindex 5000 in G" \
	ip -n ns-g link add dev big0 index 5000 type awsvpn
t_check "move big0 to F" ip -n ns-g link set dev big0 netns ns-f
t_eq "big0 keeps ifindex 5000 in F" 5000 \
	"$(ip -n ns-f -j link show dev big0 | json_get 'j[0]["ifindex"]')"
N=120
for i in $(seq 0 $((N - 1))); do echo "link add dev o$i type awsvpn"; done \
	> "$T_TMP/add.batch"
t_check "create $N more devices in F" ip -n ns-f -batch "$T_TMP/add.batch"
EXP=$((N + 2))
t_eq "F has $EXP awsvpn devices (ip link)" $EXP \
	"$(ip -n ns-f -j link show type awsvpn | json_get 'len(j)')"
run G ip netns exec ns-f $GENL --bufsize 4096 --dump GET_DEVICE
t_eq "raw dump in small batches: ok" 0 "$G_rc"
t_eq "raw dump lists $EXP devices, each once" "$EXP $EXP" \
	"$(printf '%s\n' "$G_out" | grep '^reply ' | awk '{print $3}' | sort |
		awk '{n++} !s[$0]++ {u++} END {print n+0, u+0}')"
t_eq "raw dump: big0 exactly once" 1 \
	"$(printf '%s\n' "$G_out" | grep -c ' IFNAME=big0 ' || true)"
run L ip netns exec ns-f awsvpn show --json
t_eq "awsvpn show --json lists $EXP devices, each once" "$EXP $EXP" \
	"$(printf '%s' "$L_out" | json_get '"%d %d" % (len(j), len(set(d["ifname"] for d in j)))')"
t_check "delete F (with $EXP devices)" ip netns del ns-f

# ------------------------------------------------------ dumps while devices go

# A dump resumes after the number of devices already sent; a device deleted
# ahead of that point between two batches shifts the rest by one, and the
# next batch skips a device.  The kernel marks such a dump NLM_F_DUMP_INTR
# and the tool dumps again, so every listing is the namespace at one
# instant: each of the S devices that stay, once, and of the C deleted in
# order c0, c1, ... a run c$j..c$((C - 1)).  Raw dumps in small batches
# beside the tool's: a flag must come with every inconsistent one.
# One "ip link del" at a time: a batch would delete faster than a dump of
# this size runs under TCG, and no retry could ever finish.
ns_create ns-c
C=100 S=200
{
	for i in $(seq 0 $((C - 1))); do echo "link add dev c$i type awsvpn"; done
	for i in $(seq 0 $((S - 1))); do echo "link add dev s$i type awsvpn"; done
} > "$T_TMP/churn-add.batch"
t_check "create $C devices to delete, then $S to keep" \
	ip -n ns-c -batch "$T_TMP/churn-add.batch"

# consistent FILE KIND: "ok" if FILE lists the namespace at one instant,
# else what is wrong.  KIND tool: "show dump" lines; raw: genl.py replies.
consistent() {
	local line name first=-1 last=-1 n_s=0 c_run=0
	local -A seen=()
	while IFS= read -r line; do
		if [ "$2" = tool ]; then
			[[ $line == *$'\t'device$'\t'* ]] || continue
			name=${line%%$'\t'*}
		else
			[[ $line =~ \ IFNAME=([^ ]+) ]] || continue
			name=${BASH_REMATCH[1]}
		fi
		[ -z "${seen[$name]:-}" ] || { echo "$name twice"; return; }
		seen[$name]=1
		case $name in
		s*) n_s=$((n_s + 1)) ;;
		c*) [ $first -ge 0 ] || first=${name#c}
		    last=${name#c}; c_run=$((c_run + 1)) ;;
		esac
	done < "$1"
	[ $n_s -eq $S ] || { echo "$n_s of the $S kept devices"; return; }
	[ $first -lt 0 ] ||
		{ [ $((last - first + 1)) -eq $c_run ] && [ $last -eq $((C - 1)) ]; } ||
		{ echo "deleted ones not a run to the end: c$first..c$last, $c_run"; return; }
	echo ok
}

(for i in $(seq 0 $((C - 1))); do ip -n ns-c link del dev c$i || exit; done) &
churn=$!
n=0
while kill -0 $churn 2>/dev/null; do
	awsvpn -n ns-c show dump > "$T_TMP/tool.$n" 2>&1 ||
		echo "exit status $?" >> "$T_TMP/tool.$n"
	ip netns exec ns-c $GENL --bufsize 4096 --dump GET_DEVICE \
		> "$T_TMP/raw.$n" 2>&1 || echo "exit status $?" >> "$T_TMP/raw.$n"
	n=$((n + 1))
done
wait $churn && rc=0 || rc=$?
t_eq "the $C deletions ran" 0 $rc
t_check "$n rounds of dumps ran during the deletions (at least 3)" test $n -ge 3
bad='' intr=0 clean=0
for i in $(seq 0 $((n - 1))); do
	r=$(consistent "$T_TMP/tool.$i" tool)
	[ "$r" = ok ] || bad+=" tool.$i: $r;"
	if grep -qx interrupted "$T_TMP/raw.$i"; then
		intr=$((intr + 1))
	elif grep -qx ok "$T_TMP/raw.$i"; then
		clean=$((clean + 1))
		r=$(consistent "$T_TMP/raw.$i" raw)
		[ "$r" = ok ] || bad+=" raw.$i (not flagged): $r;"
	else
		bad+=" raw.$i: $(tail -n 1 "$T_TMP/raw.$i");"
	fi
done
t_eq "every tool listing is one instant, every unflagged raw dump too" "" "$bad"
t_check "raw dumps flagged NLM_F_DUMP_INTR: $intr of $n ($clean clean)" \
	test $intr -ge 1
t_eq "after the deletions: the $S kept devices, nothing else" "ok $S" \
	"$(awsvpn -n ns-c show dump > "$T_TMP/tool.end" &&
		consistent "$T_TMP/tool.end" tool) $(grep -c $'\tdevice\t' "$T_TMP/tool.end")"
t_check "delete the namespace with $S devices" ip netns del ns-c

# ------------------------------------------------------ awsvpn -n NETNS

# -n enters the namespace as ip -n does: a name from ip netns add, or a
# path; only for the device commands; bad names are refused, no change made.
ns_create ns-n
t_check "create nn0 in N" awsvpn_add nn0 ns-n
t_check "awsvpn -n ns-n set nn0 replay-window 2048" \
	awsvpn -n ns-n set nn0 replay-window 2048
t_eq "the setting took in N (ip netns exec ... show)" 2048 \
	"$(ip netns exec ns-n awsvpn show nn0 --json | json_get 'j[0]["replay_window"]')"
t_eq "awsvpn -n /run/netns/ns-n show dump: nn0 only" "nn0" \
	"$(awsvpn -n /run/netns/ns-n show dump | awk -F'\t' '$2 == "device" { print $1 }')"
t_eq "awsvpn --netns ns-n showconf nn0" "replay-window 2048" \
	"$(awsvpn --netns ns-n showconf nn0 | grep '^replay-window')"
t_fails "nn0 is not in the init namespace" awsvpn show nn0
run R awsvpn -n ns-none show
t_eq "-n of a namespace that does not exist: exit status 1" 1 "$R_rc"
t_match "... named in the message" "no network namespace 'ns-none'" "$R_out"
run R awsvpn -n ../ns-n set nn0 replay-window 64
t_eq "-n ../ns-n: exit status 2" 2 "$R_rc"
t_match "... invalid name" "invalid network namespace name" "$R_out"
run R awsvpn -n /etc/hostname set nn0 replay-window 64
t_eq "-n of a file that is no namespace: exit status 1" 1 "$R_rc"
t_match "... says so" "is not a network namespace" "$R_out"
run R awsvpn -n ns-n up /dev/null
t_eq "-n with up: exit status 2" 2 "$R_rc"
t_match "... points to ip netns exec" "ip netns exec ns-n awsvpn up" "$R_out"
run R awsvpn -n
t_eq "-n without a name: exit status 2" 2 "$R_rc"
t_eq "none of the refused commands changed nn0" 2048 \
	"$(awsvpn -n ns-n show nn0 --json | json_get 'j[0]["replay_window"]')"

# ------------------------------------------------------ if-id across moves

# A moved device keeps its if-id unless a device of its new namespace has
# it: the move cannot be refused, so the newcomer gives the value up.
ifid() { ip netns exec "$2" awsvpn show "$1" --json | json_get 'j[0]["if_id"]'; }
ns_create ns-j ns-k
t_check "create j0 and j1 in J, k0 in K" \
	sh -c "ip -n ns-j link add j0 type awsvpn && ip -n ns-j link add j1 type awsvpn && ip -n ns-k link add k0 type awsvpn"
t_check "j0: if-id 42, remote set" \
	ip netns exec ns-j awsvpn set j0 if-id 42 remote 198.51.100.4
t_check "j1: if-id 77" ip netns exec ns-j awsvpn set j1 if-id 77
t_check "k0: if-id 42 too (another namespace)" \
	ip netns exec ns-k awsvpn set k0 if-id 42
log_at=$(dmesg | wc -l)
t_check "move j0 to K, where k0 has 42" ip -n ns-j link set dev j0 netns ns-k
t_eq "j0's if-id is cleared in K" 0 "$(ifid j0 ns-k)"
t_eq "k0 keeps 42" 42 "$(ifid k0 ns-k)"
t_eq "j0 keeps the rest of its config" 198.51.100.4 \
	"$(ip netns exec ns-k awsvpn show j0 --json | json_get 'j[0]["remote"]')"
t_match "the kernel log says why" \
	'awsvpn: j0: if-id 42 is already used by k0 in the new network namespace, cleared' \
	"$(dmesg | tail -n +$((log_at + 1)))"
t_check "move j1 to K, where 77 is free" ip -n ns-j link set dev j1 netns ns-k
t_eq "j1 keeps 77" 77 "$(ifid j1 ns-k)"
t_eq "no log line for j1" "" \
	"$(dmesg | tail -n +$((log_at + 1)) | grep 'j1: if-id' || true)"
run S ip netns exec ns-k awsvpn set k0 if-id 77
t_match "in K, 77 is j1's now" \
	'cannot configure k0: File exists \(awsvpn: if-id 77 is already used by j1\)' "$S_out"
run S ip netns exec ns-k awsvpn set j0 if-id 42
t_match "j0 cannot take 42 back in K" \
	'cannot configure j0: File exists \(awsvpn: if-id 42 is already used by k0\)' "$S_out"
t_check "j0 takes 43 in K" ip netns exec ns-k awsvpn set j0 if-id 43
t_check "move j0 back to J" ip -n ns-k link set dev j0 netns ns-j
t_eq "j0 keeps 43 in J" 43 "$(ifid j0 ns-j)"
t_eq "J lists j0 with 43 (dump)" "j0=43" \
	"$(ip netns exec ns-j awsvpn show --json | json_get '" ".join("%s=%s" % (d["ifname"], d["if_id"]) for d in j)')"
t_check "delete J and K" sh -c "ip netns del ns-j && ip netns del ns-k"

# ------------------------------------------------------ delegated device: outer-side privilege

# A device created by the host and moved into a namespace owned by another
# user namespace (a container): container root administers the device
# (GENL_ADMIN_PERM in the namespace it lives in) but not its outer side,
# which acts in the host's namespace: addresses, ports, encapsulation,
# socket, inbound SPIs.  Host root may do all of it.
ns_create ns-host
unshare --user --map-root-user --net sleep 600 &
cpid=$!
t_on_exit kill $cpid
wait_for 10 sh -c "[ \"\$(readlink /proc/$cpid/ns/user)\" != \"\$(readlink /proc/self/ns/user)\" ]" || true
CT=(nsenter -t $cpid -U -n)	# container root: caps in its own userns only
HT=(nsenter -t $cpid -n)	# host root, in the container's netns
t_check "host: create dg0 in ns-host, configure its outer side" sh -c \
	"ip -n ns-host link add dg0 type awsvpn &&
	 ip netns exec ns-host awsvpn set dg0 local 192.0.2.7 remote 198.51.100.7 &&
	 ip -n ns-host link set dg0 netns $cpid"
t_check "dg0 lives in the container" "${CT[@]}" ip link show dev dg0
dgconf() {
	"${HT[@]}" awsvpn show dg0 --json | json_get '(" ".join(str(j[0][k]) for k in
		("local", "remote", "local_port", "remote_port", "encap"))
		+ " in=" + ",".join("%x" % int(s["spi"], 16) for s in j[0]["sas"] if s["dir"] == "in"))'
}
outer0=$(dgconf) || true
t_eq "dg0's outer side as the host set it" "192.0.2.7 198.51.100.7 4500 4500 none in=" "$outer0"
run C "${CT[@]}" awsvpn show dg0
t_eq "container root reads dg0" 0 "$C_rc"
t_check "container root: mtu 1300 (device-local)" "${CT[@]}" awsvpn set dg0 mtu 1300
t_check "container root: mss 1200 (device-local)" "${CT[@]}" awsvpn set dg0 mss 1200
t_check "container root: df keep (device-local)" "${CT[@]}" awsvpn set dg0 df keep
t_check "container root: outbound SA (goes to the host's remote)" \
	"${CT[@]}" awsvpn sa add dg0 dir out spi 0x6100 enc aes128-gcm16 key-file "$KEY"
t_eq "device-local settings applied" "1300 1200 keep" \
	"$("${HT[@]}" awsvpn show dg0 --json | json_get '"%s %s %s" % (j[0]["mtu"], j[0]["mss"], j[0]["df"])')"
PERM='Operation not permitted \(awsvpn: .*CAP_NET_ADMIN in the device.s outer network namespace'
for what in "remote 203.0.113.5" "local 10.9.9.9" "local-port 4600" \
	    "remote-port 4600" "encap udp" "nat-keepalive 5 remote 203.0.113.5"; do
	run C "${CT[@]}" awsvpn set dg0 $what
	t_match "container root refused: set $what" "cannot configure dg0: $PERM" "$C_out"
done
run C "${CT[@]}" python3 $AWSVPN_SRC/selftests/tools/genl.py SET_DEVICE \
	IFNAME=str:dg0 SOCKET_FD=u32:0
t_match "container root refused: raw SOCKET_FD (EPERM, extack)" \
	"^error 1 EPERM.*extack-msg: awsvpn: .*CAP_NET_ADMIN in the device.s outer network namespace" \
	"$(printf '%s' "$C_out" | tr '\n' ' ')"
run C "${CT[@]}" awsvpn sa add dg0 dir in spi 0x6000 enc aes128-gcm16 key-file "$KEY"
t_match "container root refused: inbound SA (would claim a host SPI)" \
	"cannot add sa in spi 0x00006000.*$PERM" "$C_out"
t_eq "outer side unchanged by the refused requests" \
	"$outer0" "$(dgconf)"
t_check "host root: remote, local-port, encap udp" \
	"${HT[@]}" awsvpn set dg0 remote 203.0.113.5 local-port 4600 encap udp
t_check "host root: inbound SA" \
	"${HT[@]}" awsvpn sa add dg0 dir in spi 0x6000 enc aes128-gcm16 key-file "$KEY"
t_eq "host root's changes applied" "192.0.2.7 203.0.113.5 4600 4500 udp in=6000" \
	"$(dgconf)"
t_check "container root deletes its device" "${CT[@]}" ip link del dg0
kill $cpid 2>/dev/null || true
ip netns del ns-host

# ------------------------------------------------------ module unload with devices in several netns

ns_create ns-h ns-i
t_check "device u0 in init netns" awsvpn_add u0
t_check "device u1 in H" awsvpn_add u1 ns-h
t_check "device u2 in I" awsvpn_add u2 ns-i
t_check "device u3 created in H, moved to I" \
	sh -c "ip -n ns-h link add u3 type awsvpn && ip -n ns-h link set u3 netns ns-i"
ip netns exec ns-h awsvpn set u1 remote 198.51.100.3 || true
sa_in ns-h u1 0x3000 || true
t_check "modprobe -r awsvpn with devices in 3 netns" modprobe -r awsvpn
t_fails "module is gone" mod_loaded
t_check "u0 gone from init netns" gone u0
t_check "u1 gone from H" gone u1 ns-h
t_check "u2 gone from I" gone u2 ns-i
t_check "u3 gone from I" gone u3 ns-i
t_check "module loads again" modprobe awsvpn
t_check "device creation works after reload (in H)" awsvpn_add u1 ns-h
t_eq "reloaded: fresh defaults on u1" "0.0.0.0 1024" \
	"$(ip netns exec ns-h awsvpn show u1 --json | json_get '"%s %s" % (j[0]["remote"], j[0]["replay_window"])')"
t_check "SPI 0x3000 usable again after reload" sa_in ns-h u1 0x3000
t_check "module unloads at the end" mod_unload

# ------------------------------------------------------ kernel log

log=$(dmesg_since)
t_eq "no WARNING/BUG in the kernel log" "" \
	"$(printf '%s\n' "$log" | grep -E 'WARNING:|BUG:|Oops|Call Trace|unregister_netdevice: waiting' || true)"

t_done
