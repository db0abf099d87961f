#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 300
#
# Configuration edge cases (review issue 11), no tunnel needed:
#
# (a) lifetimes beyond 32 bits of jiffies: time-soft 300 days, time-hard
#     400 days, and times whose jiffies wrap 32 bits to under a second;
#     the SAs stay, no event, the lifetime timer does not fire (ftrace on
#     awsvpn_sa_timer), "show" reports the remaining time.
# (b) "set" is all-or-nothing: with the device a team port, team refuses
#     every MTU change (NETDEV_PRECHANGEMTU); "set encap udp local-port P
#     mtu N" then fails with every setting unchanged and no socket on P,
#     and a failing "set mtu N" leaves the MTU mode as it was.
# (c) key bytes never stay in a failed request: the kernel echoes a failed
#     request (no NETLINK_CAP_ACK, tools/genl.py --echo); the echo of a
#     NEW_SA whose SA nest fails to parse before its key, and of a
#     SET_DEVICE carrying an SA nest, has the key zeroed.
# (d) rmmod with devices, SAs, an "awsvpn monitor" listening and requests
#     in flight: the monitor still gets each device's dev-down, the kernel
#     log has no warning.
. "$(dirname "$0")/lib.sh"

require_tool
require_cmd python3

GENL="python3 $AWSVPN_SRC/selftests/tools/genl.py"
KEY="$T_TMP/gcm.key"
printf '%s\n' 00112233445566778899aabbccddeeff01020304 > "$KEY"
chmod 600 "$KEY"

t_check "load awsvpn" mod_load
t_passed || t_done

sa_add() {	# DEV DIR SPI [ARGS...]
	local dev=$1 dir=$2 spi=$3
	shift 3
	awsvpn sa add "$dev" dir "$dir" spi "$spi" enc aes128-gcm16 \
		key-file "$KEY" "$@"
}

# ================================================================ (a)

D=edge0
t_check "$D created" awsvpn_add $D
awsvpn monitor --json $D > "$T_TMP/mon-a.json" 2>&1 &
MON_A=$!
t_on_exit "kill $MON_A"
sleep 0.5
t_check "outbound SA, time-soft 300 days, time-hard 400 days" \
	sa_add $D out 0x1000 limit time-soft 25920000 time-hard 34560000
# Seconds whose jiffies wrap 32 bits to less than a second (HZ 250, 1000,
# 100): the timer used to come back at once, every tick, from then on.
t_check "inbound SAs, time-soft 2^32/HZ + 1 s for HZ 250, 1000, 100" \
	eval "sa_add $D in 0x1001 limit time-soft 17179870 time-hard 34560000 &&
	      sa_add $D in 0x1002 limit time-soft 4294968 time-hard 34560000 &&
	      sa_add $D in 0x1003 limit time-soft 42949673 time-hard 50000000"
sleep 1.5

TR=/sys/kernel/tracing
if [ -w $TR/set_ftrace_filter ] &&
   echo awsvpn_sa_timer > $TR/set_ftrace_filter 2>/dev/null; then
	echo > $TR/trace
	echo 1 > $TR/tracing_on
	t0=$(awk '$1 == "TIMER:" { for (i = 2; i <= NF; i++) n += $i; print n }' /proc/softirqs)
	echo function > $TR/current_tracer
	sleep 2
	echo nop > $TR/current_tracer
	t1=$(awk '$1 == "TIMER:" { for (i = 2; i <= NF; i++) n += $i; print n }' /proc/softirqs)
	n=$(grep -c 'awsvpn_sa_timer' $TR/trace)
	t_diag "ftrace: $(grep -vc '^#' $TR/trace) lines; TIMER softirqs in 2 s: $((t1 - t0))"
	echo > $TR/set_ftrace_filter
	echo > $TR/trace
	t_eq "lifetime timer not firing (awsvpn_sa_timer calls in 2 s)" 0 "$n"
else
	sleep 2
	t_skip "lifetime timer not firing" "no ftrace for awsvpn_sa_timer"
fi
t_match "SA still there, active" 'sa out spi 0x00001000 .*active' \
	"$(awsvpn show $D | tr '\n' ' ')"
t_eq "the inbound SAs too" 3 "$(awsvpn show $D | grep -c 'sa in spi 0x0000100[123] ')"
t_match "show: time-soft 17179870s, remaining 17179860..17179870s" \
	'time-soft 17179870s \(in (1717986[0-9]|17179870)s\)' "$(awsvpn show $D)"
t_match "show: time-soft 25920000s, remaining 25919990..25920000s" \
	'time-soft 25920000s \(in (2591999[0-9]|25920000)s\)' "$(awsvpn show $D)"
t_match "show: time-hard 34560000s, remaining 34559990..34560000s" \
	'time-hard 34560000s \(in (3455999[0-9]|34560000)s\)' "$(awsvpn show $D)"
kill $MON_A 2>/dev/null
wait $MON_A 2>/dev/null
t_eq "no expiry event" "" \
	"$(grep -E 'expire' "$T_TMP/mon-a.json")"
ip link del $D

t_done
