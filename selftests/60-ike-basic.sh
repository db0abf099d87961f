#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 900
# awsvpn-kernels: newest
#
# On the newest kernel only: the plugin is userspace, the netlink and data
# paths it drives run on every kernel in 11, 13, 20 and 50, and
# 71-up-static runs charon with the plugin on every kernel.
#
# strongSwan negotiates, awsvpn carries.  Two stock charon daemons: "aws"
# (kernel-netlink, an xfrm interface, configured as an AWS tunnel is) and
# "cgw" (the kernel-awsvpn plugin, awsvpn0 with if-id 41).  IKEv2 comes up;
# pings and iperf3 both ways; the SPIs awsvpn shows are charon's on both
# sides; charon's byte and packet counters (query_sa) are the device's.
# Then every ESP suite AWS accepts (one CHILD_SA and device each, all
# under one IKE SA), the IKE DH groups 14, 19, 20 and 21, and IKEv1 main
# mode.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

require_tool
require_cmd charon-systemd swanctl busybox python3 iperf3
t_check "load awsvpn" mod_load
t_check "kernel-awsvpn plugin installed for the guest's charon" ike_plugin_setup
t_passed || t_done
t_check "namespaces cgw and aws" esp_topology
t_check "cgw: awsvpn0, if-id 41, 169.254.44.234/30" \
	awsvpn_tunnel cgw awsvpn0 41 169.254.44.234
t_check "aws: xfrm interface xfrm41, if_id 51, 169.254.44.233/30" \
	xfrm_tunnel aws xfrm41 51 169.254.44.233
t_passed || t_done

t_check "charon in aws (kernel-netlink)" ike_charon aws aws xfrm
t_check "charon in cgw (kernel-awsvpn)" ike_charon cgw cgw awsvpn
t_passed || t_done
t_match "cgw: charon loaded kernel-awsvpn first" 'loaded plugins: (charon-systemd )?kernel-awsvpn kernel-netlink' \
	"$(ike_log cgw)"

CONF="$T_TMP/conf"
mkdir -p "$CONF"

# ----------------------------------------------------------- IKEv2, one tunnel

ike_conf "$CONF/aws.conf" aws 2 aes128-sha256-modp2048 "t1:aes128gcm16-modp2048:51"
ike_conf "$CONF/cgw.conf" cgw 2 aes128-sha256-modp2048 "t1:aes128gcm16-modp2048:41"
t_check "aws: swanctl --load-all" ike_load aws "$CONF/aws.conf"
t_check "cgw: swanctl --load-all" ike_load cgw "$CONF/cgw.conf"

first_reply() {
	ip netns exec cgw busybox ping -c 1 -W 1 169.254.44.233 >/dev/null 2>&1
}
t0=$(date +%s%N)
t_check "cgw: swanctl --initiate --child t1 (IKEv2)" \
	ike_swanctl cgw --initiate --child t1 --timeout 30
t_passed || { t_diag "$(ike_log cgw | tail -n 40)" "$(ike_backtrace cgw)"; t_done; }
wait_for 10 first_reply
t_check "ping through the tunnel after the initiate" first_reply
T_UP=$(( ($(date +%s%N) - t0) / 1000000 ))
t_diag "time from swanctl --initiate to the first ping reply: ${T_UP} ms"

read -r CIN COUT <<< "$(ike_child_spis cgw t1)"
read -r AIN AOUT <<< "$(ike_child_spis aws t1)"
t_match "cgw: CHILD_SA t1 installed (spi-in/spi-out)" '^[0-9a-f]{8} [0-9a-f]{8}$' "${CIN:-} ${COUT:-}"
t_eq "aws's spi-out is cgw's spi-in" "${CIN:-x}" "${AOUT:-y}"
t_eq "aws's spi-in is cgw's spi-out" "${COUT:-x}" "${AIN:-y}"

dev_spis() {
	awsvpn -n cgw show awsvpn0 --json | json_get '
" ".join(sorted("%s:%08x:%s" % (s["dir"], int(s["spi"], 16), s["state"]) for s in j[0]["sas"]))'
}
t_eq "awsvpn0 holds exactly charon's SA pair, both active" \
	"in:${CIN:-?}:active out:${COUT:-?}:active" "$(dev_spis)"
t_eq "awsvpn0: outer side set by the plugin (local, remote, raw ESP)" \
	"192.0.2.1 192.0.2.2 none" \
	"$(awsvpn -n cgw show awsvpn0 --json | json_get '"%s %s %s" % (j[0]["local"], j[0]["remote"], j[0]["encap"])')"
t_eq "awsvpn0: replay window 1024 as negotiated" 1024 \
	"$(awsvpn -n cgw show awsvpn0 --json | json_get '[s for s in j[0]["sas"] if s["dir"] == "in"][0]["replay_window"]')"

t_eq "pings both ways (10 each)" "10 10" \
	"$(esp_ping cgw 10 100 169.254.44.233) $(esp_ping aws 10 100 169.254.44.234)"
t_check "iperf3 cgw -> aws" esp_iperf aws cgw 169.254.44.233 -t 2
t_check "iperf3 aws -> cgw" esp_iperf cgw aws 169.254.44.234 -t 2

# charon's view (query_sa) against the device's per-SA counters.
sa_counter() {
	awsvpn -n cgw show awsvpn0 --json | json_get "
[s for s in j[0]['sas'] if s['dir'] == '$1'][0]['stats']['$2']"
}
read -r BI BO PI PO <<< "$(ike_child_field cgw t1 bytes-in bytes-out packets-in packets-out)"
t_eq "charon's bytes-in = awsvpn0's SA rx_bytes" "$(sa_counter in rx_bytes)" "${BI:-?}"
t_eq "charon's bytes-out = awsvpn0's SA tx_bytes" "$(sa_counter out tx_bytes)" "${BO:-?}"
t_eq "charon's packets-in = awsvpn0's SA rx_packets" "$(sa_counter in rx_packets)" "${PI:-?}"
t_eq "charon's packets-out = awsvpn0's SA tx_packets" "$(sa_counter out tx_packets)" "${PO:-?}"
read -r ABI ABO <<< "$(ike_child_field aws t1 bytes-in bytes-out)"
t_diag "charon bytes cgw in/out $BI/$BO, aws in/out $ABI/$ABO"

t_check "cgw: terminate the IKE SA" ike_swanctl cgw --terminate --ike t --timeout 20
t_check "awsvpn0 has no SA left" wait_for 10 eval '[ "$(dev_spis)" = "" ]'
t_check "aws: no XFRM state left" wait_for 10 eval '[ -z "$(ip -n aws xfrm state)" ]'

# ------------------------------------------- every ESP suite, one IKE SA
# One CHILD_SA per suite, each into its own device (if-id 41+i) and xfrm
# interface (if_id 51+i), all under one IKE SA.  Their traffic selectors
# are the tunnels' /30s rather than AWS's 0.0.0.0/0: a responder picks the
# CHILD_SA configuration by traffic selector, and ten identical ones would
# all be the first.

# swan_esp SUITE: strongSwan's name of one of $ESP_SUITES.
swan_esp() {
	case $1 in
	*-gcm16) echo "${1%-gcm16}gcm16" ;;
	*+sha1) echo "${1%+sha1}-sha1" ;;
	*+sha2-*) echo "${1%+sha2-*}-sha${1##*+sha2-}" ;;
	esac
}
# The module's enc/integ for a suite, as awsvpn show --json reports them.
suite_json() {
	local enc=${1%%+*} integ=none
	case $1 in *+*) integ=${1#*+} ;; esac
	echo "$enc $integ"
}

i=0
AWS_CHILDREN=() CGW_CHILDREN=()
for s in $ESP_SUITES; do
	i=$((i + 1))
	[ $i = 1 ] && continue	# awsvpn0 / xfrm41 above, for the first suite
	awsvpn_tunnel cgw "awsvpn$((i - 1))" $((40 + i)) "169.254.$((44 + i)).2" &&
	xfrm_tunnel aws "xfrm$((40 + i))" $((50 + i)) "169.254.$((44 + i)).1" ||
		t_fail "tunnel devices for $s"
done
i=0
for s in $ESP_SUITES; do
	i=$((i + 1))
	AWS_CHILDREN+=("s$i:$(swan_esp "$s")-modp2048:$((50 + i)):169.254.$((44 + i)).0/30")
	CGW_CHILDREN+=("s$i:$(swan_esp "$s")-modp2048:$((40 + i)):169.254.$((44 + i)).0/30")
done
# awsvpn0 carries suite 1 from here on: its inside address moves to the
# numbering of the others.
ip -n cgw addr flush dev awsvpn0 && ip -n cgw addr add 169.254.45.2/30 dev awsvpn0
ip -n aws addr flush dev xfrm41 && ip -n aws addr add 169.254.45.1/30 dev xfrm41
ike_conf "$CONF/aws.conf" aws 2 aes256-sha384-ecp384 "${AWS_CHILDREN[@]}"
ike_conf "$CONF/cgw.conf" cgw 2 aes256-sha384-ecp384 "${CGW_CHILDREN[@]}"
t_check "aws: load 10 CHILD_SA configurations" ike_load aws "$CONF/aws.conf"
t_check "cgw: load 10 CHILD_SA configurations" ike_load cgw "$CONF/cgw.conf"
i=0
for s in $ESP_SUITES; do
	i=$((i + 1))
	dev="awsvpn$((i - 1))"
	t_check "$s: swanctl --initiate --child s$i ($(swan_esp "$s"))" \
		ike_swanctl cgw --initiate --child "s$i" --timeout 30
	read -r CIN COUT <<< "$(ike_child_spis cgw "s$i")"
	t_eq "$s: $dev holds the CHILD_SA's SPIs, enc/integ as negotiated" \
		"in:${CIN:-?} out:${COUT:-?} $(suite_json "$s") $(suite_json "$s")" \
		"$(awsvpn -n cgw show "$dev" --json | json_get '" ".join("%s:%08x" % (x["dir"], int(x["spi"], 16)) for x in sorted(j[0]["sas"], key=lambda x: x["dir"])) + " " + " ".join("%s %s" % (x["enc"], x["integ"] or "none") for x in j[0]["sas"])')"
	t_eq "$s: pings through $dev both ways (3 each)" "3 3" \
		"$(esp_ping cgw 3 1200 "169.254.$((44 + i)).1") $(esp_ping aws 3 1200 "169.254.$((44 + i)).2")"
done
t_eq "one IKE SA carries the 10 CHILD_SAs" "1 10" "$(ike_sa_json cgw | python3 -c '
import json, sys
ikes = [v for l in sys.stdin for v in json.loads(l).values()]
print(len(ikes), sum(len(i.get("child-sas") or {}) for i in ikes))')"
t_check "cgw: terminate" ike_swanctl cgw --terminate --ike t --timeout 20

# ------------------------------------------------- IKE DH groups, IKEv1
for g in modp2048:MODP_2048 ecp256:ECP_256 ecp384:ECP_384 ecp521:ECP_521; do
	ike_conf "$CONF/aws.conf" aws 2 "aes128-sha256-${g%%:*}" "s1:aes128gcm16:51"
	ike_conf "$CONF/cgw.conf" cgw 2 "aes128-sha256-${g%%:*}" "s1:aes128gcm16:41"
	ike_load aws "$CONF/aws.conf" >/dev/null 2>&1 && ike_load cgw "$CONF/cgw.conf" >/dev/null 2>&1
	t_check "IKE DH group ${g%%:*}: CHILD_SA up" ike_swanctl cgw --initiate --child s1 --timeout 30
	t_eq "IKE DH group ${g%%:*}: negotiated" "${g#*:}" \
		"$(ike_sa_json cgw | python3 -c 'import json,sys; print(" ".join(v["dh-group"] for l in sys.stdin for v in json.loads(l).values()))')"
	t_eq "IKE DH group ${g%%:*}: pings (3)" 3 "$(esp_ping cgw 3 100 169.254.45.1)"
	ike_swanctl cgw --terminate --ike t --timeout 20 >/dev/null
done

ike_conf "$CONF/aws.conf" aws 1 aes128-sha1-modp2048 "s1:aes128-sha1-modp2048:51"
ike_conf "$CONF/cgw.conf" cgw 1 aes128-sha1-modp2048 "s1:aes128-sha1-modp2048:41"
ike_load aws "$CONF/aws.conf" >/dev/null 2>&1 && ike_load cgw "$CONF/cgw.conf" >/dev/null 2>&1
t_check "IKEv1 main mode: CHILD_SA up" ike_swanctl cgw --initiate --child s1 --timeout 30
read -r CIN COUT <<< "$(ike_child_spis cgw s1)"
read -r AIN AOUT <<< "$(ike_child_spis aws s1)"
t_eq "IKEv1: SPIs agree (cgw in = aws out, cgw out = aws in)" "${CIN:-x} ${COUT:-y}" "${AOUT:-?} ${AIN:-?}"
t_eq "IKEv1: awsvpn0 holds them" "in:${CIN:-?}:active out:${COUT:-?}:active" "$(dev_spis)"
t_eq "IKEv1: pings both ways (5 each)" "5 5" \
	"$(esp_ping cgw 5 100 169.254.45.1) $(esp_ping aws 5 100 169.254.45.2)"
t_check "IKEv1: terminate" ike_swanctl cgw --terminate --ike t --timeout 20
t_check "IKEv1: awsvpn0 has no SA left" wait_for 10 eval '[ "$(dev_spis)" = "" ]'

t_done
