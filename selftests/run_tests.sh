#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the awsvpn selftests and print one TAP (version 13) stream.
#
#   selftests/run_tests.sh [TEST...]
#
# TEST is a name like "00-smoke" (or a path); default: $AWSVPN_TESTS if set,
# else every selftests/[0-9][0-9]-*.sh in order.  Needs root and a kernel that
# can load awsvpn.ko; normally it runs inside the test VM (selftests/vm/).
#
# Each file runs as its own bash process under a timeout (a line
# "# awsvpn-timeout: SECS" in the file overrides AWSVPN_TEST_TIMEOUT, 600 s;
# with AWSVPN_FUZZ=full "# awsvpn-timeout-full: SECS" overrides both; all
# times AWSVPN_TIMEOUT_SCALE, 1).
# Its "ok"/"not ok" lines are numbered and prefixed with the file name, other
# output becomes "# " diagnostics.  A file that exits non-zero without having
# reported a failure, times out, or reports nothing adds a failure.
#
# After the tests: leftover netns/devices are removed, the module must unload,
# kmemleak (if present) must be quiet and the kernel log since the start must
# be free of bug patterns ("kernel log clean").  The last line is exactly
# "N passed, N failed"; exit status 0 iff nothing failed.
#
# Artefacts go to $AWSVPN_OUT (default build/$(uname -r)): tap.log,
# dmesg.log, and whatever tests write there.

set -eu
shopt -s lastpipe	# the "while read" loop below runs in this shell

SELFTESTS=$(cd "$(dirname "$0")" && pwd)
export AWSVPN_SRC=${AWSVPN_SRC:-$(cd "$SELFTESTS/.." && pwd)}
export AWSVPN_TOOL=${AWSVPN_TOOL:-$AWSVPN_SRC/userspace/awsvpn}
export AWSVPN_OUT=${AWSVPN_OUT:-$AWSVPN_SRC/build/$(uname -r)}
export AWSVPN_KO=${AWSVPN_KO:-$AWSVPN_OUT/awsvpn.ko}
export PATH="$AWSVPN_SRC/userspace:$PATH:/usr/sbin:/sbin"
# Every exec of the tool from the repository (uncached 9p in the VM) reads
# the binary again: 0.2 s against 0.14 s from tmpfs.  Tests call it
# thousands of times, so they get a copy (same binary, same behaviour),
# first in PATH: before userspace/, which would otherwise win.
if [ -x "$AWSVPN_TOOL" ]; then
	TOOL_DIR=$(mktemp -d /tmp/awsvpn-tool.XXXXXX)
	cp "$AWSVPN_TOOL" "$TOOL_DIR/awsvpn"
	export AWSVPN_TOOL=$TOOL_DIR/awsvpn
	export PATH="$TOOL_DIR:$PATH"
fi
DEFAULT_TIMEOUT=${AWSVPN_TEST_TIMEOUT:-600}

mkdir -p "$AWSVPN_OUT"
TAP="$AWSVPN_OUT/tap.log"
# Open once: an open and close per line costs 9p round trips in the VM.
exec {TAPFD}>"$TAP"

N=0
PASS=0
FAIL=0

# emit LINE: print a line of the combined stream (stdout and tap.log).
emit() {
	printf '%s\n' "$1"
	printf '%s\n' "$1" >&"$TAPFD"
}

# result ok|not-ok DESC [DIRECTIVE]: one numbered TAP result.
result() {
	N=$((N + 1))
	if [ "$1" = ok ]; then
		PASS=$((PASS + 1))
		emit "ok $N - $2"
	else
		FAIL=$((FAIL + 1))
		emit "not ok $N - $2"
	fi
}

kmsg() {
	echo "awsvpn-selftests: $*" > /dev/kmsg 2>/dev/null || true
}

# cleanup_leftovers FILE: remove what a test forgot; say so.
cleanup_leftovers() {
	local ns dev
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		emit "# $1: left netns $ns behind"
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	for dev in $(ip -o link show type awsvpn 2>/dev/null |
			awk -F': ' '{print $2}' | cut -d@ -f1); do
		emit "# $1: left device $dev behind"
		ip link del dev "$dev" 2>/dev/null || true
	done
}

# Which tests?
tests=()
if [ $# -eq 0 ] && [ -n "${AWSVPN_TESTS:-}" ]; then
	# shellcheck disable=SC2086
	set -- $AWSVPN_TESTS
fi
if [ $# -eq 0 ]; then
	for f in "$SELFTESTS"/[0-9][0-9]-*.sh; do
		[ -e "$f" ] && tests+=("$f")
	done
else
	for t in "$@"; do
		t=${t%.sh}
		if [ -f "$t.sh" ]; then
			tests+=("$(cd "$(dirname "$t")" && pwd)/$(basename "$t").sh")
		elif [ -f "$SELFTESTS/$(basename "$t").sh" ]; then
			tests+=("$SELFTESTS/$(basename "$t").sh")
		else
			# shellcheck disable=SC2206
			m=("$SELFTESTS"/$(basename "$t")*.sh)
			if [ -f "${m[0]}" ]; then
				tests+=("${m[@]}")
			else
				tests+=("MISSING:$t")
			fi
		fi
	done
fi

emit "TAP version 13"
emit "# kernel $(uname -r), $(nproc) CPUs, tests: ${#tests[@]}"
[ -x "$AWSVPN_TOOL" ] || emit "# note: awsvpn tool not built ($AWSVPN_TOOL)"

KMSG_START="awsvpn-selftests: start $$ $(date +%s)"
echo "$KMSG_START" > /dev/kmsg 2>/dev/null || true
TAINT_START=$(cat /proc/sys/kernel/tainted 2>/dev/null || echo 0)
# kmemleak (the debug kernel): what boot left unreferenced is not ours.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak 2>/dev/null || true
	echo clear > /sys/kernel/debug/kmemleak 2>/dev/null || true
fi

for f in "${tests[@]}"; do
	if [ "${f#MISSING:}" != "$f" ]; then
		result not-ok "${f#MISSING:}: no such test"
		continue
	fi
	name=$(basename "$f" .sh)
	tmo=$(sed -n 's/^# awsvpn-timeout: *\([0-9][0-9]*\).*/\1/p' "$f" | head -n1)
	# Full-size fuzz and stress runs may name a limit of their own.
	if [ "${AWSVPN_FUZZ:-}" = full ]; then
		full=$(sed -n 's/^# awsvpn-timeout-full: *\([0-9][0-9]*\).*/\1/p' "$f" | head -n1)
		tmo=${full:-$tmo}
	fi
	tmo=$(( ${tmo:-$DEFAULT_TIMEOUT} * ${AWSVPN_TIMEOUT_SCALE:-1} ))
	emit "# --- $name"
	kmsg "running $name"
	start=$(date +%s)
	file_fail=0
	file_results=0
	# timeout runs the test in its own process group and kills the whole
	# group when the time is up.
	timeout -k 10 "$tmo" bash "$f" </dev/null 2>&1 | while IFS= read -r line; do
		case "$line" in
		"ok "*|"ok"|"not ok "*|"not ok")
			file_results=$((file_results + 1))
			# Strip the test's own number and dash, if any.
			st=ok
			rest=${line#ok}
			case "$line" in "not ok"*) st=not-ok; rest=${line#not ok} ;; esac
			# Builtins only: this runs for every result, beside
			# the test on the same vCPU (a sed was 0.15 s each).
			[[ $rest =~ ^\ *[0-9]*\ *-?\ *(.*)$ ]] &&
				rest=${BASH_REMATCH[1]}
			[ "$st" = ok ] || file_fail=$((file_fail + 1))
			result "$st" "$name: $rest"
			;;
		"#"*)	emit "$line" ;;
		*)	emit "# $line" ;;
		esac
	done
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		result not-ok "$name: timed out after ${tmo}s"
	elif [ "$rc" != 0 ] && [ "$file_fail" = 0 ]; then
		result not-ok "$name: exited with status $rc"
	elif [ "$file_results" = 0 ]; then
		result not-ok "$name: reported no results"
	fi
	emit "# $name: ${secs}s"
	cleanup_leftovers "$name"
done

# ---- global checks after all tests

if [ -d /sys/module/awsvpn ]; then
	ok=
	for _ in $(seq 50); do
		rmmod awsvpn 2>/dev/null && { ok=1; break; }
		sleep 0.2
	done
	if [ -n "$ok" ]; then
		result ok "final: awsvpn module unloads"
	else
		result not-ok "final: awsvpn module unloads"
		emit "# refcnt $(cat /sys/module/awsvpn/refcnt 2>/dev/null)"
	fi
fi

if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak 2>/dev/null || true
	sleep 5
	echo scan > /sys/kernel/debug/kmemleak 2>/dev/null || true
	leaks=$(cat /sys/kernel/debug/kmemleak 2>/dev/null || true)
	if [ -z "$leaks" ]; then
		result ok "final: kmemleak clean"
	else
		result not-ok "final: kmemleak clean"
		printf '%s\n' "$leaks" | head -n 80 | sed 's/^/# /' | while IFS= read -r l; do emit "$l"; done
	fi
fi

# Kernel log since our start marker.
dmesg > "$AWSVPN_OUT/dmesg.log" 2>&1 || true
klog=$(sed -n "/$KMSG_START/,\$p" "$AWSVPN_OUT/dmesg.log")
[ -n "$klog" ] || klog=$(cat "$AWSVPN_OUT/dmesg.log")
BUG_RE='WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|kmemleak|refcount_t|list_(add|del) corruption|unregister_netdevice: waiting|Call Trace|soft lockup|hung task|blocked for more than|rcu.*(stall|self-detected)|scheduling while atomic|sleeping function called from invalid context|stack-protector|double fault|kfence'
bad=$(printf '%s\n' "$klog" | grep -Ei -B2 -A20 -- "$BUG_RE" | head -n 150 || true)
# Taint bits that mean a bug: B(5) bad page, D(7) oops, W(9) warning, L(14) soft lockup.
TAINT_END=$(cat /proc/sys/kernel/tainted 2>/dev/null || echo 0)
new_taint=$(( (TAINT_END & ~TAINT_START) & ((1<<5) | (1<<7) | (1<<9) | (1<<14)) ))
if [ -z "$bad" ] && [ "$new_taint" = 0 ]; then
	result ok "kernel log clean"
else
	result not-ok "kernel log clean"
	[ "$new_taint" = 0 ] || emit "# new taint flags: $new_taint (tainted=$TAINT_END)"
	printf '%s\n' "$bad" | sed 's/^/# /' | while IFS= read -r l; do emit "$l"; done
fi

[ -z "${TOOL_DIR:-}" ] || rm -rf "$TOOL_DIR"
emit "1..$N"
emit "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
