#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 400
#
# The awsvpn netdevice itself: module load/unload and refcount, create and
# delete with ip link, the device's properties (point-to-point, NOARP, link
# type none, auto MTU 1422 and its limits, noqueue), zeroed counters, 100
# devices created and deleted, and a monitor that follows a module reload.
set -eu
. "$(dirname "$0")/lib.sh"

require_cmd ip python3
dmesg_mark

# Largest inner MTU: IP_MAX_MTU (65535) - AWSVPN_MAX_OVERHEAD (101).
MAX_MTU=65434
# "mtu auto" without an outbound SA, raw ESP, outer MTU 1500 (no route to a
# remote): worst AWS suite (CBC IV 16, SHA-512 ICV 32):
# round_down(1500 - 20 (IPv4) - 8 (ESP) - 16 - 32, 16) - 2 = 1422.
DEF_MTU=1422

refcnt() { cat /sys/module/awsvpn/refcnt 2>/dev/null; }

# ------------------------------------------------------ load / unload

mod_unload
t_fails "module is not loaded at start" mod_loaded
t_check "modprobe awsvpn" modprobe awsvpn
t_check "module is loaded" mod_loaded
t_eq "refcount 0 after load" 0 "$(refcnt)"
t_check "generic netlink family 'awsvpn' is registered" genl ctrl get name awsvpn
t_check "rtnl link kind awsvpn is known (create device)" awsvpn_add awsvpn0
t_eq "refcount stays 0 with a device (devices do not pin the module)" 0 "$(refcnt)"
t_check "delete device" ip link del dev awsvpn0
t_fails "device is gone" ip link show dev awsvpn0
t_eq "refcount 0 after delete" 0 "$(refcnt)"
t_check "modprobe -r awsvpn" modprobe -r awsvpn
t_fails "module is unloaded" mod_loaded
# MODULE_ALIAS_GENL_FAMILY: looking the family up loads the module.
t_check "generic netlink family lookup autoloads the module" genl ctrl get name awsvpn
t_check "module is loaded again (genl autoload)" mod_loaded
t_check "unload again" modprobe -r awsvpn
t_fails "module is unloaded again" mod_loaded
t_check "module reloads" modprobe awsvpn
t_eq "refcount 0 after reload" 0 "$(refcnt)"

# ------------------------------------------------------ create / delete

t_check "ip link add dev awsvpn0 type awsvpn" awsvpn_add awsvpn0
t_passed || t_done
t_fails "same name twice is rejected" ip link add dev awsvpn0 type awsvpn
t_eq "exactly one awsvpn device exists" 1 \
	"$(ip -j link show type awsvpn | json_get 'len(j)')"
t_eq "link kind is awsvpn" awsvpn \
	"$(link_json awsvpn0 | json_get 'j[0]["linkinfo"]["info_kind"]')"

# ------------------------------------------------------ properties

j=$(link_json awsvpn0) || true
flags=$(printf '%s' "$j" | json_get '",".join(sorted(j[0]["flags"]))')
t_eq "flags of a new device are exactly NOARP,POINTOPOINT" "NOARP,POINTOPOINT" "$flags"
t_eq "link type none" none "$(printf '%s' "$j" | json_get 'j[0]["link_type"]')"
t_eq "no link-layer address" "" \
	"$(printf '%s' "$j" | json_get 'j[0].get("address")')"
t_eq "default MTU $DEF_MTU (auto, worst-case suite)" $DEF_MTU "$(printf '%s' "$j" | json_get 'j[0]["mtu"]')"
t_eq "min_mtu 68" 68 "$(printf '%s' "$j" | json_get 'j[0]["min_mtu"]')"
t_eq "max_mtu $MAX_MTU" "$MAX_MTU" "$(printf '%s' "$j" | json_get 'j[0]["max_mtu"]')"
t_eq "device is down after creation" DOWN \
	"$(printf '%s' "$j" | json_get 'j[0]["operstate"]')"
t_match "ip link shows link/none" 'link/none( |$)' "$(ip link show dev awsvpn0)"

# Counters of a new (down, so silent) device: all zero.
s=$(ip -s -j link show dev awsvpn0) || true
for dir in rx tx; do
	for c in bytes packets errors dropped; do
		t_eq "ip -s link: $dir $c is 0 on a new device" 0 \
			"$(printf '%s' "$s" | json_get "j[0]['stats64']['$dir']['$c']")"
	done
done
t_match "ip -s link prints RX and TX counter lines" \
	'RX: *bytes +packets' "$(ip -s link show dev awsvpn0)"

# Up: noqueue qdisc (IFF_NO_QUEUE), flags gain UP.
t_check "device goes up" ip link set dev awsvpn0 up
j=$(link_json awsvpn0) || true
t_eq "qdisc noqueue when up" noqueue "$(printf '%s' "$j" | json_get 'j[0]["qdisc"]')"
t_match "UP flag set" '(^|,)UP(,|$)' \
	"$(printf '%s' "$j" | json_get '",".join(j[0]["flags"])')"
t_eq "no qdisc is attached (tc shows noqueue)" "noqueue" \
	"$(tc -j qdisc show dev awsvpn0 | json_get 'j[0]["kind"]')"

# MTU limits.
mtu() { link_json awsvpn0 | json_get 'j[0]["mtu"]'; }
t_check "mtu 1400 accepted" ip link set dev awsvpn0 mtu 1400
t_eq "mtu is 1400" 1400 "$(mtu)"
t_check "mtu 68 (minimum) accepted" ip link set dev awsvpn0 mtu 68
t_eq "mtu is 68" 68 "$(mtu)"
out=$(ip link set dev awsvpn0 mtu 67 2>&1) && rc=0 || rc=$?
t_eq "mtu 67 rejected" 2 "$rc"
t_match "mtu 67: kernel says below minimum" 'mtu less than device minimum' "$out"
t_eq "mtu unchanged after rejected 67" 68 "$(mtu)"
t_check "mtu $MAX_MTU (maximum) accepted" ip link set dev awsvpn0 mtu $MAX_MTU
t_eq "mtu is $MAX_MTU" $MAX_MTU "$(mtu)"
out=$(ip link set dev awsvpn0 mtu $((MAX_MTU + 1)) 2>&1) && rc=0 || rc=$?
t_eq "mtu $((MAX_MTU + 1)) rejected" 2 "$rc"
t_match "mtu $((MAX_MTU + 1)): kernel says above maximum" \
	'mtu greater than device maximum' "$out"
t_eq "mtu unchanged after rejected $((MAX_MTU + 1))" $MAX_MTU "$(mtu)"
if [ -x "$AWSVPN_TOOL" ]; then
	t_check "mtu 1300 accepted" ip link set dev awsvpn0 mtu 1300
	t_eq "awsvpn show --json: the ip-link MTU, pinned (fixed)" "1300 fixed" \
		"$(awsvpn show awsvpn0 --json | json_get '"%s %s" % (j[0]["mtu"], j[0].get("mtu_mode"))')"
	t_check "back to mtu auto (raw MTU_MODE=0)" python3 \
		"$AWSVPN_SRC/selftests/tools/genl.py" SET_DEVICE IFNAME=str:awsvpn0 MTU_MODE=u8:0
	t_eq "mtu auto restores $DEF_MTU" $DEF_MTU "$(mtu)"
fi

t_on_exit ip link del dev awsvpn1
t_check "creation with mtu argument" ip link add dev awsvpn1 mtu 1280 type awsvpn
t_eq "mtu 1280 given at creation" 1280 \
	"$(link_json awsvpn1 | json_get 'j[0]["mtu"]')"
t_on_exit ip link del dev awsvpn2
out=$(ip link add dev awsvpn2 mtu 67 type awsvpn 2>&1) && rc=0 || rc=$?
t_eq "creation with mtu 67 rejected" 2 "$rc"
t_match "creation with mtu 67: below minimum" 'mtu less than device minimum' "$out"
t_fails "no device left by the failed creation" ip link show dev awsvpn2

t_check "delete awsvpn0 (up)" ip link del dev awsvpn0
t_check "delete awsvpn1" ip link del dev awsvpn1
t_eq "no awsvpn devices left" 0 "$(ip -j link show type awsvpn | json_get 'len(j)')"

# ------------------------------------------------------ 100 devices

ns_create dev-many
N=100
# One ip -batch: 100 fork+exec under TCG is slow, and timing is not the point.
for i in $(seq 0 $((N - 1))); do echo "link add dev av$i type awsvpn"; done \
	> "$T_TMP/add.batch"
for i in $(seq 0 $((N - 1))); do echo "link del dev av$i"; done \
	> "$T_TMP/del.batch"
t_check "create $N devices" ip -n dev-many -batch "$T_TMP/add.batch"
t_eq "$N awsvpn devices exist" $N \
	"$(ip -n dev-many -j link show type awsvpn | json_get 'len(j)')"
t_eq "they are av0..av$((N - 1))" \
	"$(seq 0 $((N - 1)) | sed 's/^/av/' | sort | tr '\n' ' ')" \
	"$(ip -n dev-many -j link show type awsvpn |
		json_get '" ".join(sorted(d["ifname"] for d in j))') "
if [ -x "$AWSVPN_TOOL" ]; then
	# A dump that needs several netlink messages.
	t_eq "awsvpn show --json lists $N devices, each once" "$N $N" \
		"$(awsvpn -n dev-many show --json |
			json_get '"%d %d" % (len(j), len(set(d["ifname"] for d in j)))')"
fi
t_check "delete $N devices" ip -n dev-many -batch "$T_TMP/del.batch"
t_eq "all $N devices are gone" 0 \
	"$(ip -n dev-many -j link show type awsvpn | json_get 'len(j)')"
t_eq "refcount 0 after mass delete" 0 "$(refcnt)"

# ------------------------------------------------------ monitor across a module reload

# An upgrade reloads the module: every device goes, and the new module's
# events group has a new id.  The monitor says so and follows it.
if [ -x "$AWSVPN_TOOL" ]; then
	ns_create dev-mon
	M="$T_TMP/mon.json"
	t_check "mon0 created, up" eval \
		'awsvpn_add mon0 dev-mon && ip -n dev-mon link set mon0 up'
	awsvpn -n dev-mon monitor --json > "$M" 2> "$M.err" &
	MON=$!
	t_on_exit "kill $MON"
	t_check "monitor receives events" monitor_ready dev-mon mon0 "$M"
	t_check "mon0 deleted" ip -n dev-mon link del mon0
	t_check "module unloaded under the monitor" mod_unload
	t_check "monitor: module-unloaded" \
		wait_for 10 grep -q '"event": "module-unloaded"' "$M"
	t_check "module loaded again" mod_load
	t_check "monitor: module-loaded" \
		wait_for 10 grep -q '"event": "module-loaded"' "$M"
	t_check "mon1 created on the new module, up" eval \
		'awsvpn_add mon1 dev-mon && ip -n dev-mon link set mon1 up'
	t_check "monitor: mon1's dev-up, from the new module's group" \
		wait_for 10 grep -q '"event": "dev-up", "ifname": "mon1"' "$M"
	t_eq "module events name no device" "" \
		"$(grep '"module-' "$M" | grep ifname || true)"
	kill -TERM "$MON"
	rc=0
	wait "$MON" || rc=$?
	t_eq "monitor exits 0 on SIGTERM, wrote nothing to stderr" "0|" \
		"$rc|$(cat "$M.err")"
	t_check "mon1 deleted" ip -n dev-mon link del mon1
fi

# ------------------------------------------------------ kernel log

t_check "module unloads at the end" mod_unload
log=$(dmesg_since)
t_eq "no WARNING/BUG in the kernel log" "" \
	"$(printf '%s\n' "$log" | grep -E 'WARNING:|BUG:|Oops|Call Trace' || true)"

t_done
