#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 1200
# awsvpn-kernels: newest
#
# Rekeying with charon on both ends ("aws": kernel-netlink and an xfrm
# interface; "cgw": kernel-awsvpn and awsvpn0), under a 100/s ping that
# must lose nothing: 5 CHILD_SA rekeys started by cgw, 5 by aws, 8
# started by both at once (collisions; 20 of each kind with
# AWSVPN_FUZZ=full), then an IKE SA rekey.  After each one exactly one SA
# pair is left in awsvpn0, and no replayed or unauthentic packet is ever
# counted.  Then a byte limit: the module's soft expiry makes charon
# rekey.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

require_tool
require_cmd charon-systemd swanctl busybox python3 ping
t_check "load awsvpn" mod_load
t_check "kernel-awsvpn plugin installed for the guest's charon" ike_plugin_setup
t_passed || t_done
t_check "namespaces cgw and aws" esp_topology
t_check "cgw: awsvpn0, if-id 41" awsvpn_tunnel cgw awsvpn0 41 169.254.44.234
t_check "aws: xfrm41, if_id 51" xfrm_tunnel aws xfrm41 51 169.254.44.233
t_check "charon in aws (kernel-netlink)" ike_charon aws aws xfrm
t_check "charon in cgw (kernel-awsvpn)" ike_charon cgw cgw awsvpn
t_passed || t_done

CONF="$T_TMP/conf"
mkdir -p "$CONF"
ike_conf "$CONF/aws.conf" aws 2 aes128-sha256-ecp256 "t1:aes128gcm16-ecp256:51"
ike_conf "$CONF/cgw.conf" cgw 2 aes128-sha256-ecp256 "t1:aes128gcm16-ecp256:41"
t_check "load both configurations" eval 'ike_load aws "$CONF/aws.conf" && ike_load cgw "$CONF/cgw.conf"'
t_check "cgw: initiate" ike_swanctl cgw --initiate --child t1 --timeout 30
t_passed || { t_diag "$(ike_log cgw | tail -n 30)"; t_done; }

# "in:SPI out:SPI" of awsvpn0's SAs; "" when it has none.
dev_pair() {
	awsvpn -n cgw show awsvpn0 --json | json_get '
" ".join("%s:%08x" % (s["dir"], int(s["spi"], 16)) for s in sorted(j[0]["sas"], key=lambda s: s["dir"]))'
}
dev_stat() {
	awsvpn -n cgw show awsvpn0 --json | json_get "j[0]['stats'].get('$1', 0)"
}
# settled OLD: awsvpn0 holds one pair, and not OLD: the rekey is complete
# (charon deleted the old pair, or the redundant one of a collision).
settled() {
	local now
	now=$(dev_pair)
	[[ "$now" =~ ^in:[0-9a-f]{8}\ out:[0-9a-f]{8}$ ]] && [ "$now" != "$1" ] &&
		[ "$now" = "in:$(ike_child_spis cgw t1 | awk '{print $1 " out:" $2}')" ]
}

# 100 pings a second from cgw to aws for the whole rekey phase.
ip netns exec cgw ping -q -i 0.01 -W 2 169.254.44.233 > "$T_TMP/ping.out" 2>&1 &
PING=$!
t_on_exit "kill $PING 2>/dev/null"
sleep 2

# rekeys WHO N: N rekeys started by WHO (cgw, aws or both); prints how
# many completed.
rekeys() {
	local who=$1 n=$2 i done=0 before
	for i in $(seq "$n"); do
		before=$(dev_pair)
		case $who in
		both)	ike_swanctl cgw --rekey --child t1 >/dev/null 2>&1 &
			ike_swanctl aws --rekey --child t1 >/dev/null 2>&1
			wait $! 2>/dev/null || true ;;
		*)	ike_swanctl "$who" --rekey --child t1 >/dev/null 2>&1 ;;
		esac
		wait_for 60 settled "$before" && done=$((done + 1))
		sleep 0.3
	done
	echo "$done"
}

# Each rekey takes 4-6 s in a TCG guest (swanctl and charon at work);
# 5 started by one side exercise its path; collisions get 8, as whether
# both requests meet in flight, and whose rekey survives, varies from one
# to the next; "full" repeats them.
if [ "${AWSVPN_FUZZ:-}" = full ]; then N=20 NC=20; else N=5 NC=8; fi
T0=$(date +%s)
t_eq "$N CHILD_SA rekeys started by cgw completed, one SA pair left after each" $N "$(rekeys cgw $N)"
t_eq "$N CHILD_SA rekeys started by aws completed, one SA pair left after each" $N "$(rekeys aws $N)"
t_eq "$NC simultaneous rekeys (collisions) completed, one SA pair left after each" $NC "$(rekeys both $NC)"
t_diag "$((2 * N + NC)) rekeys in $(( $(date +%s) - T0 )) s"

IKE_SPI=$(ike_sa_json cgw | json_get 'list(j.values())[0]["initiator-spi"]')
PAIR=$(dev_pair)
t_check "IKE SA rekey" ike_swanctl cgw --rekey --ike t
ike_spi_changed() {
	[ "$(ike_sa_json cgw | json_get 'list(j.values())[0]["initiator-spi"]')" != "$IKE_SPI" ]
}
t_check "a new IKE SA" wait_for 20 ike_spi_changed
t_eq "the CHILD_SA stays in awsvpn0 across the IKE SA rekey" "$PAIR" "$(dev_pair)"
sleep 2

kill -INT "$PING"
wait "$PING" 2>/dev/null || true
read -r SENT RECV <<< "$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$T_TMP/ping.out")"
t_diag "ping during the rekeys: ${SENT:-?} sent, ${RECV:-?} received"
t_match "the ping ran (1000 echoes or more)" '^[0-9]{4,}$' "${SENT:-0}"
t_eq "no echo lost over $((3 * N)) CHILD_SA rekeys and an IKE SA rekey" "${SENT:-x}" "${RECV:-y}"
t_eq "awsvpn0: no replayed packet counted" 0 "$(dev_stat rx_replay)"
t_eq "awsvpn0: no ICV failure counted" 0 "$(dev_stat rx_auth_fail)"
t_eq "awsvpn0: never without an outbound SA" 0 "$(dev_stat tx_no_sa)"
t_eq "aws: XFRM saw no replay, ICV or no-state error" "0 0 0" \
	"$(ip netns exec aws awk '$1 == "XfrmInStateSeqError" {a = $2} $1 == "XfrmInStateProtoError" {b = $2} $1 == "XfrmInNoStates" {c = $2} END {print a + 0, b + 0, c + 0}' /proc/net/xfrm_stat)"
t_eq "aws: one SA pair left in XFRM" 2 "$(ip -n aws xfrm state | grep -c '^src')"

# -------------------------------------------------- byte limit, soft expiry
t_check "terminate" ike_swanctl cgw --terminate --ike t --timeout 20
IKE_CHILD_EXTRA="      rekey_bytes = 200000
      life_bytes = 1000000
      rand_bytes = 0"
ike_conf "$CONF/cgw.conf" cgw 2 aes128-sha256-ecp256 "t1:aes128gcm16-ecp256:41"
unset IKE_CHILD_EXTRA
t_check "cgw: reload with rekey_bytes 200000, life_bytes 1000000" ike_load cgw "$CONF/cgw.conf"
t_check "cgw: initiate" ike_swanctl cgw --initiate --child t1 --timeout 30
t_eq "awsvpn0's SAs carry the byte limits" "200000 1000000" \
	"$(awsvpn -n cgw show awsvpn0 --json | json_get '" ".join(sorted(set("%s %s" % (s["limits"]["bytes_soft"], s["limits"]["bytes_hard"]) for s in j[0]["sas"])))')"
PAIR=$(dev_pair)
# 300 pings of 1000 bytes: about 300 KB each way, past the soft limit.
esp_ping cgw 300 1000 169.254.44.233 >/dev/null
t_check "soft expiry in the module, charon rekeyed (a new SA pair)" wait_for 30 settled "$PAIR"
t_match "cgw's log: the module's soft expiry reached charon" \
	'kernel-awsvpn: awsvpn0: soft expiry of SA (in|out) 0x' "$(ike_log cgw)"
t_eq "pings after the byte-limit rekey (5)" 5 "$(esp_ping cgw 5 100 169.254.44.233)"

t_done
