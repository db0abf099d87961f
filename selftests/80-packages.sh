#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 300
# awsvpn-kernels: dkms
#
# The Debian packages of "make deb" (build/deb, made by run-suite) in use,
# as installed: unpacked into a scratch root (the guest's / is the host's,
# read-only, so dpkg cannot install them there).  The module is the one
# DKMS built from awsvpn-dkms on the host (build/KERNEL/dkms/awsvpn.ko:
# run-suite builds it for its newest kernel only, a module build being a
# minute or two, and runs this file there alone: "awsvpn-kernels: dkms").
# With the packaged tool: two tunnel ends in two namespaces pass pings,
# "show" shows them, the command of the packaged awsvpn-monitor.service
# logs their events; charon loads the packaged plugin and logs its
# version.  Everything has the version of VERSION.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

DEBS=$AWSVPN_SRC/build/deb
VERSION=$(cat "$AWSVPN_SRC/VERSION")
ls "$DEBS"/awsvpn-tools_*.deb > /dev/null 2>&1 ||
	t_skip_all "no packages in build/deb (run-suite makes them when 80-packages runs)"
require_cmd dpkg-deb charon-systemd swanctl jq
KO=$AWSVPN_SRC/build/$(uname -r)/dkms/awsvpn.ko
[ -f "$KO" ] ||
	t_skip_all "DKMS built the awsvpn-dkms package's module for another kernel"

# The module's source package was used on the host; the others here.
R=$T_TMP/root
mkdir -p "$R"
for d in "$DEBS"/awsvpn-tools_*.deb "$DEBS"/strongswan-plugin-awsvpn_*.deb; do
	t_check "unpack $(basename "$d")" dpkg-deb -x "$d" "$R"
done
A=$R/usr/sbin/awsvpn
t_match "the packaged tool says version $VERSION" "^awsvpn $VERSION " "$("$A" --version 2>&1)"
# lib.sh's helpers (esp_awsvpn_peer, ...) run "awsvpn": the packaged one.
PATH="$R/usr/sbin:$PATH"
t_eq "awsvpn in PATH is the packaged tool" "$A" "$(command -v awsvpn)"

# ---- the module DKMS built
t_diag "phase times: unpacked at ${SECONDS}s"
t_eq "the DKMS-built module is version $VERSION" "$VERSION" "$(modinfo -F version "$KO" 2>&1)"
mod_unload
deps=$(modinfo -F depends "$KO" | tr , ' ')
[ -z "$deps" ] || modprobe -a $deps
t_check "insmod the packaged module" insmod "$KO"
t_eq "the loaded module is version $VERSION" "$VERSION" "$(cat /sys/module/awsvpn/version 2>&1)"

# ---- two tunnel ends, configured with the packaged tool
esp_topology
esp_keygen aes256-gcm16 "$T_TMP/k1"
esp_keygen aes256-gcm16 "$T_TMP/k2"

# The monitor unit's command, with the unpacked tool's path, in cgw.
cmd=$(sed -n 's|^ExecStart=||p' "$R/lib/systemd/system/awsvpn-monitor.service")
t_eq "awsvpn-monitor.service runs 'awsvpn monitor'" "/usr/sbin/awsvpn monitor" "$cmd"
# shellcheck disable=SC2086  # the unit's command line, split as systemd does
ip netns exec cgw ${cmd/\/usr\/sbin\/awsvpn/$A} > "$T_TMP/monitor.log" 2>&1 &
MON=$!
t_on_exit kill "$MON"
sleep 1

t_check "cgw: awsvpn0, its SAs and addresses with the packaged tool" \
	esp_awsvpn_peer cgw awsvpn0 192.0.2.1 192.0.2.2 0x1001 0x2001 aes256-gcm16 \
	"$T_TMP/k1" "$T_TMP/k2"
t_check "aws: the other end" \
	esp_awsvpn_peer aws awsvpn0 192.0.2.2 192.0.2.1 0x2001 0x1001 aes256-gcm16 \
	"$T_TMP/k2" "$T_TMP/k1"
ip -n cgw addr add 169.254.10.2/30 dev awsvpn0
ip -n aws addr add 169.254.10.1/30 dev awsvpn0
t_eq "5 pings through the packaged module" 5 "$(esp_ping cgw 5 56 169.254.10.1)"

out=$(awsvpn -n cgw show awsvpn0 2>&1)
t_match "show: the device" 'awsvpn0' "$out"
t_match "show: its remote" '192\.0\.2\.2' "$out"
t_match "show: its outbound SA" 'out.*0x0*1001' "$out"
json=$(awsvpn -n cgw show awsvpn0 --json 2>&1)
t_eq "show --json: the device and its remote" "awsvpn0 192.0.2.2" \
	"$(echo "$json" | jq -r '.[0].ifname + " " + .[0].remote' 2>&1)"
t_diag "phase times: tunnels at ${SECONDS}s"

# Events for the monitor: a pending SA added and deleted, down and up.
awsvpn -n cgw sa add awsvpn0 dir out spi 0x1002 enc aes256-gcm16 \
	key-file "$T_TMP/k1"
awsvpn -n cgw sa del awsvpn0 dir out spi 0x1002
ip -n cgw link set awsvpn0 down
ip -n cgw link set awsvpn0 up
t_check "monitor: sa-added of the new SA" \
	wait_for 10 grep -Eq 'awsvpn0 sa-added out spi 0x0*1002' "$T_TMP/monitor.log"
t_check "monitor: sa-deleted of it" \
	wait_for 10 grep -Eq 'awsvpn0 sa-deleted out spi 0x0*1002' "$T_TMP/monitor.log"
t_check "monitor: dev-down, dev-up" \
	wait_for 10 eval "grep -q 'awsvpn0 dev-down' '$T_TMP/monitor.log' &&
		grep -q 'awsvpn0 dev-up' '$T_TMP/monitor.log'"
kill "$MON" 2>/dev/null
wait "$MON" && rc=0 || rc=$?
t_eq "monitor: SIGTERM ends it with status 0 (systemd stops it so)" 0 "$rc"
t_diag "$(cat "$T_TMP/monitor.log")"
t_diag "phase times: monitor at ${SECONDS}s"

# ---- the packaged charon plugin
t_check "the packaged plugin in charon's plugin directory" \
	ike_plugin_setup "$R/usr/lib/ipsec/plugins/libstrongswan-kernel-awsvpn.so"
t_check "charon starts with kernel-awsvpn (critical)" ike_charon cgw cgwike awsvpn
t_match "charon loaded kernel-awsvpn" 'loaded plugins: .*kernel-awsvpn' \
	"$(ike_swanctl cgwike --stats 2>&1)"
t_match "the plugin logs version $VERSION" "kernel-awsvpn $VERSION\$" \
	"$(cat "$IKE_LOGS/cgwike.log" 2>&1)"
ike_stop cgwike
t_diag "phase times: charon at ${SECONDS}s"

ip -n cgw link del awsvpn0
ip -n aws link del awsvpn0
t_check "the packaged module unloads" mod_unload
t_done
