#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 1800
#
# Generated generic netlink requests at the awsvpn family
# (tools/nlfuzz.py): valid skeletons of every command, and of commands
# nobody handles, with attributes dropped, repeated, truncated, lengthened,
# given random and boundary values, unknown or read-only types, nested
# flags flipped, garbage nests, big attributes, odd header versions;
# 50,000 as root and 5,000 as a user without CAP_NET_ADMIN (20 and 10 times
# as many with AWSVPN_FUZZ=full).  The seed of the requests as root is the
# kernel's version (601, 612): a run of the suite sends 100,000 different
# ones over its two kernels.  Then:
# every request awsvpn rejected says why (extack), the unprivileged user
# changed nothing, the device is what the accepted requests said, the
# kernel log is clean and the module unloads (final checks).
set -eu
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd python3 setpriv
# AWSVPN_FUZZ=full (passed into the VM by run-suite): the issue's
# 1,000,000 and 50,000; by default a twentieth and a tenth, to fit make
# check's budget.
if [ "${AWSVPN_FUZZ:-}" = full ]; then N=1000000 NU=50000; else N=50000 NU=5000; fi
IFS=. read -r _maj _min _ <<< "$(uname -r)"
SEED=$((_maj * 100 + _min))
FUZZ="$AWSVPN_SRC/selftests/tools/nlfuzz.py"

t_check "load awsvpn" mod_load
t_check "namespace fz" ns_create fz
t_check "devices fz0 (the target) and fz1 (its neighbour)" \
	eval "awsvpn_add fz0 fz && awsvpn_add fz1 fz && awsvpn -n fz set fz1 if-id 42"
t_passed || t_done
dmesg_mark

field() { json_get "j.get('$1', 0)" < "$2"; }

t0=$(date +%s)
t_check "$N requests as root" \
	ip netns exec fz python3 "$FUZZ" --dev fz0 --count "$N" --seed "$SEED" --out "$T_TMP/root.json"
t_diag "as root (seed $SEED): $(cat "$T_TMP/root.json") ($(( $(date +%s) - t0 )) s)"
t_eq "all $N answered" "$N" "$(field sent "$T_TMP/root.json")"
t_check "some accepted, some rejected ($(field accepted "$T_TMP/root.json") accepted)" \
	test "$(field accepted "$T_TMP/root.json")" -gt 1000 -a "$(field accepted "$T_TMP/root.json")" -lt "$N"
t_eq "every rejection by awsvpn carries an extack message" "{}" \
	"$(json_get 'j["no_extack"]' < "$T_TMP/root.json")"
t_eq "the device is what the accepted requests said" "[]" \
	"$(json_get 'j["mismatches"]' < "$T_TMP/root.json")"

# As nobody, with no capabilities at all; its answers through the shell
# (nobody may not write into the test's directory).
unprivileged() {
	ip netns exec fz setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all \
		python3 "$FUZZ" --unprivileged --dev fz0 --count "$NU" --seed 8 \
		> "$T_TMP/user.json"
}
t0=$(date +%s)
t_check "$NU requests as a user without CAP_NET_ADMIN" unprivileged
t_diag "unprivileged: $(cat "$T_TMP/user.json") ($(( $(date +%s) - t0 )) s)"
t_eq "... changed nothing (no request but GET accepted)" 0 \
	"$(field unprivileged_accepted_change "$T_TMP/user.json")"
t_eq "... every awsvpn command refused with EPERM (GET too: admin only)" "0" \
	"$(field accepted "$T_TMP/user.json")"

t_check "the devices still answer" awsvpn -n fz show fz0
t_eq "no warning, oops or leak report in the kernel log" "" \
	"$(dmesg_since | grep -iE 'WARNING|BUG|Oops|leak|refcount' || true)"
t_done
