# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# selftests/lib.sh - TAP helpers for awsvpn selftests.
#
# A test is selftests/NN-name.sh, run as root by selftests/run_tests.sh (in
# the test VM) as its own bash process, from the repository root:
#
#	#!/bin/bash
#	# awsvpn-timeout: 300      (optional, seconds; default 600)
#	. "$(dirname "$0")/lib.sh"
#	mod_load
#	t_check "create device" ip link add dev awsvpn0 type awsvpn
#	...
#	t_done
#
# Every check prints one TAP line, "ok - DESC" or "not ok - DESC" followed by
# "# ..." diagnostics; the runner numbers them and prefixes the file name.
# Checks never abort the test (they return 0), so "set -e" is safe to use.
#
# Results
#   t_ok DESC                   pass
#   t_fail DESC [DIAG...]       fail; each DIAG (may be multi-line) as "# " lines
#   t_check DESC CMD...         pass if CMD exits 0; else fail showing its output
#                               (CMD runs in this shell, may be a function)
#   t_fails DESC CMD...         pass if CMD exits non-zero (expected failure)
#   t_eq DESC EXPECTED ACTUAL   pass if the strings are equal
#   t_match DESC REGEX TEXT     pass if TEXT matches the extended REGEX
#   t_skip DESC REASON          "ok - DESC # SKIP REASON" (counts as a pass)
#   t_skip_all REASON           skip the rest of the file and exit 0
#   t_diag MSG...               "# MSG" lines
#   t_done                      end of test: summary; exit 1 if anything failed
#   t_passed                    true if the last check passed, e.g.
#                               t_check "add device" ip link add ...
#                               t_passed || t_done   (stop here if it failed)
#   All t_* checks return 0, so a failed check never aborts a "set -e" test.
#
# Environment (set by run_tests.sh; defaults let a test run stand-alone)
#   AWSVPN_SRC   repository root
#   AWSVPN_TOOL  the awsvpn tool (userspace/awsvpn; also first in PATH)
#   AWSVPN_KO    awsvpn.ko built for the running kernel
#   AWSVPN_OUT   directory for artefacts (pcaps, logs), exists and writable
#
# Setup helpers (everything created through them is removed at exit)
#   ns_create NAME...           new netns with lo up
#   ns_exec NS CMD...           run CMD in NS ("" = current namespace)
#   veth_pair NS1 DEV1 NS2 DEV2 veth between two netns, both ends up
#                               ("" as NS = current namespace)
#   awsvpn_add DEV [NS] [ARGS...]  ip link add DEV type awsvpn ARGS (in NS)
#   t_on_exit CMD...            extra cleanup command (run LIFO at exit)
#   $T_TMP                      per-test scratch directory, removed at exit
#   ns_cleanup                  the exit handler (deletes netns, links, ...)
#   Do not install your own EXIT trap; use t_on_exit.
#
# Module helpers
#   mod_load                    modprobe awsvpn, else insmod $AWSVPN_KO
#   mod_unload                  remove awsvpn (retries while netns die)
#   mod_loaded                  true if awsvpn is loaded
#
# Queries
#   link_json DEV [NS]          "ip -d -j link show dev DEV" (JSON array)
#   awsvpn_json DEV [NS]        same as link_json
#   json_get EXPR               read JSON on stdin, print the Python
#                               expression EXPR over it (named j), e.g.
#                               link_json awsvpn0 | json_get 'j[0]["mtu"]'
#                               (dicts/lists printed as JSON, None as "")
#   wait_for SECS CMD...        poll CMD every 0.1 s until it succeeds
#   run P CMD...                run CMD; its status in $P_rc, stdout and
#                               stderr in $P_out
#   require_cmd CMD...          t_skip_all unless every CMD is in PATH
#   require_tool                t_skip_all unless the awsvpn tool exists
#   dmesg_mark                  remember the current end of the kernel log
#   dmesg_since                 kernel log lines after the last dmesg_mark

T_NAME=$(basename "$0" .sh)
T_PASS=0
T_FAIL=0
# For the file's closing list of its slowest steps (_t_time).
T_STAMP=${EPOCHREALTIME//[!0-9]/}
T_SLOW=()
T_LAST=0	# 0 if the last check passed
T_NETNS=()
T_LINKS=()	# "ns:dev" pairs
T_ATEXIT=()
T_TMP=$(mktemp -d /tmp/awsvpn-t.XXXXXX)	# scratch space, removed at exit

: "${AWSVPN_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${AWSVPN_TOOL:=$AWSVPN_SRC/userspace/awsvpn}"
: "${AWSVPN_KO:=$AWSVPN_SRC/build/$(uname -r)/awsvpn.ko}"
: "${AWSVPN_OUT:=$(mktemp -d /tmp/awsvpn-test.XXXXXX)}"
export AWSVPN_SRC AWSVPN_TOOL AWSVPN_KO AWSVPN_OUT
case ":$PATH:" in
*":$AWSVPN_SRC/userspace:"*) ;;
*) PATH="$AWSVPN_SRC/userspace:$PATH" ;;
esac
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
export PATH

# sleep, rm and seq as loadable builtins (Debian's bash-builtins), where
# installed: tests run them hundreds of times, and each exec costs 0.1 s in
# the TCG test VM.  The same options and results as coreutils' for the ways
# the tests use them (head's and cut's loadables lack options they use).
for _b in sleep rm seq; do
	if [ -f "/usr/lib/bash/$_b" ]; then
		enable -f "/usr/lib/bash/$_b" "$_b" 2>/dev/null || true
	fi
done
unset _b

# ------------------------------------------------------------------ TAP

# _t_diag TEXT...: each line of each argument as a "# " line.
_t_diag() {
	local a line
	for a in "$@"; do
		while IFS= read -r line; do
			printf '#%s\n' "${line:+ $line}"
		done <<< "$a"
	done
}

t_diag() { _t_diag "$@"; }

t_passed() { [ "$T_LAST" = 0 ]; }

# _t_time DESC: remember the seconds since the previous result when they
# are 5 or more, so that t_done can name where a file spends its time
# (the suite's budget); builtins only.
_t_time() {
	local now=${EPOCHREALTIME//[!0-9]/} d
	d=$(( (now - T_STAMP) / 1000000 ))
	T_STAMP=$now
	[ "$d" -lt 5 ] || T_SLOW+=("$d $1")
}

t_ok() {
	_t_time "$1"
	T_LAST=0
	T_PASS=$((T_PASS + 1))
	printf 'ok - %s\n' "$1"
	return 0
}

t_fail() {
	local desc=$1
	shift
	_t_time "$desc"
	T_LAST=1
	T_FAIL=$((T_FAIL + 1))
	printf 'not ok - %s\n' "$desc"
	[ $# -gt 0 ] && _t_diag "$@"
	return 0
}

# The helpers below run thousands of times per file in a VM where every
# fork and exec costs 0.1 s or more (TCG): builtins only on the way to a
# pass; the output of a command is read only when it is to be shown.
t_check() {
	local desc=$1 out rc
	shift
	# Not in $(...): CMD may be a function that records state (awsvpn_add).
	"$@" >"$T_TMP/out" 2>&1 && rc=0 || rc=$?
	if [ "$rc" = 0 ]; then
		t_ok "$desc"
		return 0
	fi
	out=$(<"$T_TMP/out")
	t_fail "$desc" "command: $* (exit status $rc)" ${out:+"$out"}
}

t_fails() {
	local desc=$1 out rc
	shift
	# Not in $(...): CMD may be a function that records state (awsvpn_add).
	"$@" >"$T_TMP/out" 2>&1 && rc=0 || rc=$?
	if [ "$rc" != 0 ]; then
		t_ok "$desc"
		return 0
	fi
	out=$(<"$T_TMP/out")
	t_fail "$desc" "command unexpectedly succeeded: $*" ${out:+"$out"}
}

t_eq() {
	if [ "$2" = "$3" ]; then
		t_ok "$1"
		return 0
	fi
	t_fail "$1" "expected: '$2'" "actual:   '$3'"
}

# _t_grep REGEX TEXT: true if a line of TEXT matches the extended REGEX, as
# "grep -Eq" would; bash's own matcher (the C library's, as grep's syntax)
# line by line, and grep itself for a regex the library refuses.
_t_grep() {
	local re=$1 line rc
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			return 0
		else
			rc=$?	# 1: no match, 2: a regex the library refuses
		fi
		[ "$rc" = 1 ] || break
	done <<< "$2"
	[ "${rc:-1}" = 1 ] && return 1
	printf '%s\n' "$2" | grep -Eq -- "$1"
}

t_match() {
	if _t_grep "$2" "$3"; then
		t_ok "$1"
		return 0
	fi
	t_fail "$1" "regex:  $2" "text:" "$3"
}

# run VAR_PREFIX CMD...: run CMD, set ${P}_rc (exit status) and ${P}_out
# (stdout and stderr), for checks on both.
run() {
	local p=$1 o r
	shift
	o=$("$@" 2>&1) && r=0 || r=$?
	printf -v "${p}_rc" '%s' "$r"
	printf -v "${p}_out" '%s' "$o"
}

t_skip() {
	T_LAST=0
	T_PASS=$((T_PASS + 1))
	printf 'ok - %s # SKIP %s\n' "$1" "${2:-}"
	return 0
}

t_skip_all() {
	t_skip "$T_NAME" "$1"
	t_done
}

t_done() {
	if [ ${#T_SLOW[@]} -gt 0 ]; then
		printf '# %s: slowest steps (seconds up to the result):\n' "$T_NAME"
		printf '%s\n' "${T_SLOW[@]}" | sort -rn | head -n 5 |
			sed 's/^\([0-9]*\) /#   \1s  /'
	fi
	printf '# %s: %d passed, %d failed\n' "$T_NAME" "$T_PASS" "$T_FAIL"
	[ "$T_FAIL" = 0 ] && exit 0
	exit 1
}

# ------------------------------------------------------------ cleanup

t_on_exit() {
	T_ATEXIT+=("$*")
}

ns_cleanup() {
	local i ns dev
	for ((i = ${#T_ATEXIT[@]} - 1; i >= 0; i--)); do
		eval "${T_ATEXIT[i]}" >/dev/null 2>&1 || true
	done
	T_ATEXIT=()
	for i in "${T_LINKS[@]}"; do
		ns=${i%%:*} dev=${i#*:}
		ip ${ns:+-n "$ns"} link del dev "$dev" >/dev/null 2>&1 || true
	done
	T_LINKS=()
	for ns in "${T_NETNS[@]}"; do
		# Processes left in the netns would keep it (and its devices,
		# and so the module) alive after the name is gone.
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" >/dev/null 2>&1 || true
	done
	T_NETNS=()
	rm -rf "$T_TMP"
}

_t_exit() {
	local rc=$?
	ns_cleanup
	[ -z "${T_JSON_PID:-}" ] || kill "$T_JSON_PID" 2>/dev/null || true
	exit "$rc"
}
trap _t_exit EXIT
# A test killed by the runner's timeout should still clean up.
trap 'exit 143' TERM
trap 'exit 130' INT

# -------------------------------------------------------------- setup

ns_create() {
	local ns
	for ns in "$@"; do
		ip netns del "$ns" >/dev/null 2>&1 || true
		ip netns add "$ns" || return 1
		T_NETNS+=("$ns")
		ip -n "$ns" link set lo up || return 1
	done
}

ns_exec() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@"
	else
		"$@"
	fi
}

veth_pair() {
	local ns1=$1 dev1=$2 ns2=$3 dev2=$4
	ip ${ns1:+-n "$ns1"} link add "$dev1" type veth \
		peer name "$dev2" ${ns2:+netns "$ns2"} || return 1
	T_LINKS+=("$ns1:$dev1")
	ip ${ns1:+-n "$ns1"} link set "$dev1" up &&
		ip ${ns2:+-n "$ns2"} link set "$dev2" up
}

awsvpn_add() {
	local dev=$1 ns=${2:-}
	shift
	[ $# -gt 0 ] && shift
	ip ${ns:+-n "$ns"} link add dev "$dev" type awsvpn "$@" || return 1
	T_LINKS+=("$ns:$dev")
}

# ------------------------------------------------------------- module

mod_loaded() {
	[ -d /sys/module/awsvpn ]
}

# The CPU-specific crypto drivers udev loads on real x86 hardware (from the
# CPU's modalias); nothing loads them in the test VM otherwise, and the SAs
# would run on the generic C code instead of AES-NI and its async wrapper.
crypto_arch_load() {
	[ "$(uname -m)" = x86_64 ] || return 0
	modprobe -q -a aesni_intel ghash_clmulni_intel sha1_ssse3 \
		sha256_ssse3 sha512_ssse3 2>/dev/null || true
}

mod_load() {
	mod_loaded && return 0
	crypto_arch_load
	modprobe awsvpn 2>/dev/null && return 0
	insmod "$AWSVPN_KO"
}

mod_unload() {
	local i
	mod_loaded || return 0
	# Devices in deleted netns are freed asynchronously and pin the module
	# for a moment.
	for i in $(seq 50); do
		rmmod awsvpn 2>/dev/null && return 0
		sleep 0.2
	done
	rmmod awsvpn
}

# ------------------------------------------------------------ queries

link_json() {
	ip ${2:+-n "$2"} -d -j link show dev "$1"
}

# monitor_ready NS DEV FILE: a JSON monitor writing FILE has joined the
# events group (it does so at some point after it starts): toggle DEV
# until FILE shows a dev-up, for up to 10 s.
monitor_ready() {
	for _ in $(seq 50); do
		ip -n "$1" link set "$2" down
		ip -n "$1" link set "$2" up
		grep -q '"dev-up"' "$3" && return 0
		sleep 0.2
	done
	grep -q '"dev-up"' "$3"
}

awsvpn_json() {
	link_json "$@"
}

# json_get asks one jsoneval.py server per file (Python's start is 0.3-0.5 s
# in the VM, and a file asks hundreds of times) over two FIFOs, with
# builtins only; the one-shot form if the server is not there.
T_JSON_PID=
json_serve() {
	command -v python3 >/dev/null 2>&1 || return 0
	mkfifo "$T_TMP/json.in" "$T_TMP/json.out" || return 0
	python3 "$AWSVPN_SRC/selftests/tools/jsoneval.py" --serve \
		<"$T_TMP/json.in" >"$T_TMP/json.out" 2>/dev/null &
	T_JSON_PID=$!
	# The same order as the server's opens, or both would block.
	exec {T_JSON_W}>"$T_TMP/json.in" {T_JSON_R}<"$T_TMP/json.out"
}

json_get() {
	local doc out
	if [ -z "$T_JSON_PID" ] || ! kill -0 "$T_JSON_PID" 2>/dev/null; then
		python3 "$AWSVPN_SRC/selftests/tools/jsoneval.py" "$1"
		return
	fi
	doc=$(</proc/self/fd/0)
	printf '%s\0%s\0' "$1" "$doc" >&"$T_JSON_W"
	IFS= read -r -d '' out <&"$T_JSON_R" || return 1
	if [ "${out:0:1}" = 0 ]; then
		printf '%s\n' "${out:1}"
		return 0
	fi
	printf 'json_get: %s\n' "${out:1}" >&2
	return 1
}
json_serve

# tscale SECS: SECS (may be fractional) times AWSVPN_TIMEOUT_SCALE, for the
# fixed waits inside a command (ping -W, timeout, a settling pause) that
# wait_for cannot stretch.
tscale() {
	awk -v s="$1" -v k="${AWSVPN_TIMEOUT_SCALE:-1}" 'BEGIN { print s * k }'
}

# wait_for SECS CMD...: run CMD until it succeeds, for at most SECS times
# AWSVPN_TIMEOUT_SCALE (a debug kernel runs everything 3-15x slower; a
# wait sized for the normal kernel fails there) of wall-clock time, then
# once more with its output shown.  The deadline is the clock's, not a
# count of tries: a CMD that itself takes seconds (a ping that times out)
# must not stretch the wait tenfold.
wait_for() {
	local us=$(( $1 * ${AWSVPN_TIMEOUT_SCALE:-1} * 1000000 )) end
	shift
	end=$(( ${EPOCHREALTIME//[!0-9]/} + us ))
	while (( ${EPOCHREALTIME//[!0-9]/} < end )); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || t_skip_all "$c not installed"
	done
}

require_tool() {
	[ -x "$AWSVPN_TOOL" ] || t_skip_all "awsvpn tool not built ($AWSVPN_TOOL)"
}

T_DMESG_MARK=
dmesg_mark() {
	T_DMESG_MARK="awsvpn-selftest-mark-$$-$RANDOM"
	echo "$T_DMESG_MARK" > /dev/kmsg
}

dmesg_since() {
	if [ -z "$T_DMESG_MARK" ]; then
		dmesg
	else
		dmesg | sed -n "/$T_DMESG_MARK/,\$p" | sed 1d
	fi
}

# ======================================================================
# ESP data-plane helpers, used by 20-esp-interop, 21-esp-errors and
# 22-esp-decode.  Python side: selftests/tools/esptool.py (see its header).
#
#   ESP_SUITES                  the 10 AWS phase-2 suites, as ENC or ENC+INTEG
#   esp_enc SUITE / esp_integ SUITE   "awsvpn sa add" enc / integ ("" for GCM)
#   esp_enc_len / esp_integ_len SUITE key bytes (GCM: AES key + 4-byte salt)
#   esp_keygen SUITE FILE       random key (enc key, then integ key) as hex,
#                               from /dev/urandom, FILE mode 600
#   esp_xfrm_alg SUITE FILE     ESP_ALG=(...): "ip xfrm state" algorithm args
#   esp_sa_add NS DEV DIR SPI SUITE FILE [ARGS...]   awsvpn sa add in NS
#   esp_awsvpn_peer NS DEV LOCAL REMOTE SPI_OUT SPI_IN SUITE KEY_OUT KEY_IN
#                               awsvpn device DEV in NS (created here, outer
#                               namespace = NS), both SAs, up
#   esp_xfrm_peer NS DEV LINK IFID LOCAL REMOTE SPI_OUT SPI_IN SUITE KEY_OUT
#                 KEY_IN        xfrm interface DEV (dev LINK, if_id IFID) in
#                               NS, tunnel-mode states (flag af-unspec: IPv4
#                               and IPv6 inner over IPv4 outer) and policies
#                               for 0.0.0.0/0 and ::/0, up
#   esp_ping NS COUNT SIZE ADDR prints the number of echo replies received
#                               (busybox ping: iputils is not installed)
#   esp_echo_len FAMILY SIZE MTU  "PACKETS BYTES" of one echo of SIZE data
#                               bytes on a link of MTU (fragments included)
#   esp_counters ARGS...        eval of "esptool.py counters ARGS"
#   esp_iperf SERVER_NS CLIENT_NS ADDR ARGS...  one iperf3 TCP test
#   esp_quiet_ipv6 NS...        no self-made IPv6 traffic (link-local, RS,
#                               MLD) on devices created later in NS
# ======================================================================

ESP_TOOL="$AWSVPN_SRC/selftests/tools/esptool.py"
ESP_SUITES="aes128-gcm16 aes256-gcm16 aes128+sha1 aes128+sha2-256
	aes128+sha2-384 aes128+sha2-512 aes256+sha1 aes256+sha2-256
	aes256+sha2-384 aes256+sha2-512"

esp_enc() { echo "${1%%+*}"; }

esp_integ() {
	case $1 in *+*) echo "${1#*+}" ;; *) echo ;; esac
}

esp_enc_len() {
	case $(esp_enc "$1") in
	aes128-gcm16) echo 20 ;; aes256-gcm16) echo 36 ;;
	aes128) echo 16 ;; aes256) echo 32 ;; *) return 1 ;;
	esac
}

esp_integ_len() {
	case $(esp_integ "$1") in
	"") echo 0 ;; sha1) echo 20 ;; sha2-256) echo 32 ;;
	sha2-384) echo 48 ;; sha2-512) echo 64 ;; *) return 1 ;;
	esac
}

# ICV bits on the wire; the HMAC name of the kernel's crypto API.
esp_icv_bits() {
	case $(esp_integ "$1") in
	"") echo 128 ;; sha1) echo 96 ;; sha2-256) echo 128 ;;
	sha2-384) echo 192 ;; sha2-512) echo 256 ;;
	esac
}

esp_hmac() {
	case $(esp_integ "$1") in
	sha1) echo sha1 ;; sha2-256) echo sha256 ;;
	sha2-384) echo sha384 ;; sha2-512) echo sha512 ;;
	esac
}

# Keys from $SRANDOM (the kernel's getrandom()): no od, tr or chmod to exec.
esp_keygen() {
	local n k=
	n=$(( $(esp_enc_len "$1") + $(esp_integ_len "$1") ))
	while [ ${#k} -lt $((n * 2)) ]; do
		printf -v k '%s%08x' "$k" "$SRANDOM"
	done
	rm -f "$2"
	( umask 077; printf '%s\n' "${k:0:$((n * 2))}" > "$2" )
}

# esp_key_hex FILE OFFSET LEN: LEN key bytes from byte OFFSET, as hex.
esp_key_hex() {
	local k
	k=$(<"$1")
	k=${k//[$' \n']/}
	echo "${k:$(($2 * 2)):$(($3 * 2))}"
}

esp_xfrm_alg() {
	local el il
	el=$(esp_enc_len "$1") il=$(esp_integ_len "$1")
	case $(esp_enc "$1") in
	*-gcm16)
		ESP_ALG=(aead 'rfc4106(gcm(aes))' "0x$(esp_key_hex "$2" 0 "$el")" 128) ;;
	*)
		ESP_ALG=(enc 'cbc(aes)' "0x$(esp_key_hex "$2" 0 "$el")"
			 auth-trunc "hmac($(esp_hmac "$1"))"
			 "0x$(esp_key_hex "$2" "$el" "$il")" "$(esp_icv_bits "$1")") ;;
	esac
}

# "command awsvpn" in the helpers: a test may wrap the tool in a function
# of the same name (30-natt: "awsvpn -n cgw").
esp_sa_add() {
	local ns=$1 dev=$2 dir=$3 spi=$4 suite=$5 file=$6 integ
	shift 6
	integ=$(esp_integ "$suite")
	command awsvpn -n "$ns" sa add "$dev" dir "$dir" spi "$spi" \
		enc "$(esp_enc "$suite")" ${integ:+integ "$integ"} \
		key-file "$file" "$@"
}

esp_awsvpn_peer() {
	local ns=$1 dev=$2 local=$3 remote=$4 spi_out=$5 spi_in=$6 suite=$7
	local key_out=$8 key_in=$9
	awsvpn_add "$dev" "$ns" &&
	command awsvpn -n "$ns" set "$dev" local "$local" remote "$remote" &&
	esp_sa_add "$ns" "$dev" out "$spi_out" "$suite" "$key_out" &&
	esp_sa_add "$ns" "$dev" in "$spi_in" "$suite" "$key_in" &&
	ip -n "$ns" link set "$dev" up
}

esp_xfrm_peer() {
	local ns=$1 dev=$2 link=$3 ifid=$4 local=$5 remote=$6 spi_out=$7
	local spi_in=$8 suite=$9 key_out=${10} key_in=${11} sel
	ip -n "$ns" link add "$dev" type xfrm dev "$link" if_id "$ifid" || return 1
	T_LINKS+=("$ns:$dev")
	esp_xfrm_alg "$suite" "$key_out"
	ip -n "$ns" xfrm state add src "$local" dst "$remote" proto esp \
		spi "$spi_out" mode tunnel if_id "$ifid" flag af-unspec \
		"${ESP_ALG[@]}" || return 1
	esp_xfrm_alg "$suite" "$key_in"
	ip -n "$ns" xfrm state add src "$remote" dst "$local" proto esp \
		spi "$spi_in" mode tunnel if_id "$ifid" flag af-unspec \
		replay-window 128 "${ESP_ALG[@]}" || return 1
	for sel in 0.0.0.0/0 ::/0; do
		ip -n "$ns" xfrm policy add dir out src "$sel" dst "$sel" \
			if_id "$ifid" tmpl src "$local" dst "$remote" \
			proto esp mode tunnel || return 1
		ip -n "$ns" xfrm policy add dir in src "$sel" dst "$sel" \
			if_id "$ifid" tmpl src "$remote" dst "$local" \
			proto esp mode tunnel || return 1
	done
	ip -n "$ns" link set "$dev" up
}

esp_ping() {
	local ns=$1 count=$2 size=$3 addr=$4 out
	out=$(ip netns exec "$ns" busybox ping -q -A -c "$count" -s "$size" \
		-W 3 "$addr" 2>&1) || true
	[[ $out =~ \ ([0-9]+)\ packets\ received ]] && echo "${BASH_REMATCH[1]}"
	return 0
}

esp_echo_len() {
	local fam=$1 size=$2 mtu=$3 l hdr fh max n
	l=$((size + 8))
	if [ "$fam" = 4 ]; then hdr=20 fh=20; else hdr=40 fh=48; fi
	if [ $((l + hdr)) -le "$mtu" ]; then
		echo "1 $((l + hdr))"
		return
	fi
	max=$(( (mtu - fh) / 8 * 8 ))
	n=$(( (l + max - 1) / max ))
	echo "$n $((l + n * fh))"
}

esp_counters() {
	local out a p=() v prev=
	# Forget the previous values: a counter that is gone must not linger.
	for a in "$@"; do
		case $a in
		--awsvpn) p+=(A AL SA) ;;
		--*) ;;
		*:*) [ "${prev:-}" = --awsvpn ] || p+=("${a%%:*}") ;;
		esac
		prev=$a
	done
	for v in $(compgen -v); do
		for a in "${p[@]}"; do
			case $v in "${a}_"*) unset "$v" ;; esac
		done
	done
	out=$(python3 "$ESP_TOOL" counters "$@") || return 1
	eval "$out"
}

# esp_iperf SERVER_NS CLIENT_NS ADDR ARGS...: run an iperf3 server (one test,
# daemon) in SERVER_NS and the client in CLIENT_NS; output in $T_TMP/iperf.
esp_iperf() {
	local sns=$1 cns=$2 addr=$3
	shift 3
	ip netns exec "$sns" iperf3 -s -1 -D -B "$addr" \
		--logfile "$T_TMP/iperf-server" || return 1
	wait_for 10 eval "ip netns exec '$sns' ss -Hltn 'sport = :5201' | grep -q ." ||
		return 1
	ip netns exec "$cns" timeout 120 iperf3 -c "$addr" "$@" \
		> "$T_TMP/iperf" 2>&1
}

# esp_quiet_ipv6 NS...: no IPv6 traffic of its own on devices created later
# in NS (no link-local address, so no router solicitations or MLD reports):
# exact packet counts must see only what the test sends.
esp_quiet_ipv6() {
	local ns
	for ns in "$@"; do
		ip netns exec "$ns" sysctl -qw \
			net.ipv6.conf.default.addr_gen_mode=1 \
			net.ipv6.conf.default.accept_ra=0 \
			net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.default.accept_dad=0 || return 1
	done
}

# esp_topology: namespaces cgw and aws joined by veth-cgw (192.0.2.1/24) and
# veth-aws (192.0.2.2/24), IPv6 quiet; the outer path of the ESP tests.
esp_topology() {
	ns_create cgw aws &&
	esp_quiet_ipv6 cgw aws &&
	veth_pair cgw veth-cgw aws veth-aws &&
	ip -n cgw addr add 192.0.2.1/24 dev veth-cgw &&
	ip -n aws addr add 192.0.2.2/24 dev veth-aws
}

# esp_teardown: remove awsvpn0 (cgw) and xfrm44 with its states and
# policies (aws), leaving the topology for the next suite.
esp_teardown() {
	ip -n cgw link del awsvpn0 2>/dev/null
	ip -n aws link del xfrm44 2>/dev/null
	ip -n aws xfrm state flush
	ip -n aws xfrm policy flush
}
