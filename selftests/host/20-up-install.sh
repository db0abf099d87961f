#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/host/20-up-install.sh - on the host, no VM: "awsvpn up" refuses
# bad command lines before it touches anything (it then never reaches
# charon or the kernel: the checks below would see its errors about
# those), "down" and "status" of unknown names, and "make install" of the
# tool with awsvpn@.service.  TAP, "N passed, N failed".

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TOOL=${AWSVPN_TOOL:-$REPO/userspace/awsvpn}
GOOD=$HERE/conf/good-text-static.txt
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/lib-host.sh"

cp "$GOOD" "$T/vpn.txt"
chmod 600 "$T/vpn.txt"

# refused RC ARGS... -- REGEX: exit RC (2: the command line is wrong, 1:
# the file), one message matching REGEX, and no sign of having gone further
# (no charon, device creation or state talk).
refused() {
	local want=$1 args=() re out rc
	shift
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	re=$2
	out=$("$TOOL" up "${args[@]}" 2>&1) && rc=0 || rc=$?
	[ "$rc" = "$want" ] && echo "$out" | grep -Eq -- "$re" &&
		! echo "$out" | grep -Eq 'charon|vici|cannot create|/run/awsvpn'
	result $? "up ${args[*]}: refused, exit $want ($re)"
}

refused 2 -- 'which file\? awsvpn up FILE'
refused 2 "$T/vpn.txt" "$T/vpn.txt" -- 'one FILE only'
refused 1 "$T/nonexistent" -- 'nonexistent'
refused 2 "$T/vpn.txt" --route 10.0.0.0 -- "--route '10.0.0.0': not an IPv4 prefix"
refused 2 "$T/vpn.txt" --route 10.0.0.1/8 -- '--route 10.0.0.1/8: host bits set \(the network is 10.0.0.0/8\?\)'
refused 2 "$T/vpn.txt" --advertise 300.0.0.0/8 -- "--advertise '300.0.0.0/8': not an IPv4 prefix"
refused 2 "$T/vpn.txt" --local nowhere -- "--local 'nowhere': not an IPv4 address"
refused 2 "$T/vpn.txt" --timeout 0 -- "--timeout '0': seconds, 1 to 3600"
refused 2 "$T/vpn.txt" --name this-name-is-too-long -- "connection name 'this-name-is-too-long': 1 to 14 characters"
refused 2 "$T/vpn.txt" --name 'a/b' -- "connection name 'a/b': only letters, digits"
refused 2 "$T/vpn.txt" --bogus -- "unknown or incomplete option '--bogus'"
refused 1 "$T/vpn.txt" --advertise 10.1.0.0/16 -- '--advertise needs BGP'

chmod 644 "$T/vpn.txt"
out=$("$TOOL" up "$T/vpn.txt" --advertise 10.1.0.0/16 2>&1)
echo "$out" | grep -q "warning: $T/vpn.txt holds pre-shared keys and others may read it: chmod 600"
result $? "up: a file others may read is warned about"

out=$("$TOOL" down nothere 2>&1) && rc=0 || rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "down: no connection 'nothere' was brought up here"
result $? "down of an unknown name: refused, says so"
out=$("$TOOL" down 2>&1) && rc=0 || rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q 'down: which connection'
result $? "down without a name: refused (usage, exit 2)"
out=$("$TOOL" status nothere 2>&1) && rc=0 || rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "status: no connection 'nothere' is up here"
result $? "status of an unknown name: exit 1, says so"
# Exit statuses the host can see (no module needed): 2 usage, 1 failure.
for spec in "2:bogus" "2:show -x" "2:show a b c" "2:set" "2:sa add x0 dir up" \
	"2:setconf x0" "2:help bogus" "1:setconf x0 $T/nonexistent" \
	"0:help setconf" "0:--version"; do
	"$TOOL" ${spec#*:} > /dev/null 2>&1 && rc=0 || rc=$?
	result $([ "$rc" = "${spec%%:*}" ] && echo 0 || echo 1) \
		"awsvpn ${spec#*:}: exit ${spec%%:*}"
	[ "$rc" = "${spec%%:*}" ] || echo "# awsvpn ${spec#*:}: exit $rc"
done
for c in up down status; do
	"$TOOL" help "$c" | grep -q "^Usage: awsvpn $c"
	result $? "awsvpn help $c"
done

# make install, into a scratch root
make -s -C "$REPO/userspace" install DESTDIR="$T/root" PREFIX=/usr > "$T/install.log" 2>&1
result $? "make install (DESTDIR, PREFIX=/usr)"
U=$T/root/lib/systemd/system/awsvpn@.service
check "awsvpn@.service installed" test -f "$U"
check "... starts 'awsvpn up --name %i /etc/awsvpn/%i.conf'" \
	grep -qx 'ExecStart=/usr/sbin/awsvpn up --name %i /etc/awsvpn/%i.conf' "$U"
check "... stops with 'awsvpn down %i'" grep -qx 'ExecStop=/usr/sbin/awsvpn down %i' "$U"
check "... after strongSwan, exit 3 (charon retrying) counts as started" \
	grep -q -e '^After=strongswan.service' -e '^SuccessExitStatus=3' "$U"
check "/etc/awsvpn is mode 700" test "$(stat -c %a "$T/root/etc/awsvpn")" = 700
check "the tool is installed" test -x "$T/root/usr/sbin/awsvpn"
check "help.txt covers up, down, status" \
	grep -q -e '^Usage: awsvpn up FILE' "$T/root/usr/share/doc/awsvpn/help.txt"
check "help.txt covers showconf / setconf" \
	grep -q -e '^Usage: awsvpn showconf DEV' "$T/root/usr/share/doc/awsvpn/help.txt"
check "ip's awsvpn printer installed where ip looks (link_awsvpn.so)" \
	sh -c "ls '$T'/root/usr/lib/*/ip/link_awsvpn.so '$T'/root/usr/lib/ip/link_awsvpn.so 2>/dev/null | grep -q ."
if command -v systemd-analyze > /dev/null; then
	mkdir -p "$T/units"
	sed "s|/usr/sbin/awsvpn|$TOOL|; s|/sbin/modprobe|/bin/true|" "$U" > "$T/units/awsvpn@.service"
	out=$(SYSTEMD_LOG_LEVEL=err systemd-analyze verify --man=no "$T/units/awsvpn@.service" 2>&1 |
		grep -v -e 'strongswan.service' -e 'frr.service' -e 'Unit .* not found')
	[ -z "$out" ]
	result $? "systemd-analyze verify: no complaint about the unit${out:+ ($out)}"
fi
finish
