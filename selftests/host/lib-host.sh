# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# selftests/host/lib-host.sh - TAP for the host tests (sourced):
#   result 0|1 DESC, check DESC CMD..., finish (prints "N passed, N
#   failed" and exits 0 iff something passed and nothing failed).

N=0
PASS=0
FAIL=0

result() {		# result 0|1 DESC
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		PASS=$((PASS + 1))
		echo "ok $N - $2"
	else
		FAIL=$((FAIL + 1))
		echo "not ok $N - $2"
	fi
}

check() {		# check DESC CMD...: ok iff CMD succeeds
	local d=$1
	shift
	"$@" > /dev/null 2>&1
	result $? "$d"
}

finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ] && [ "$PASS" -gt 0 ]
	exit $?
}

