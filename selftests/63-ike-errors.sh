#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 600
# awsvpn-kernels: newest
#
# What must not come up, with charon on both ends ("aws": kernel-netlink;
# "cgw": kernel-awsvpn): a wrong pre-shared key, IKE and ESP proposals
# that do not meet, a CHILD_SA whose if_id names no device, extended
# sequence numbers and mandatory hardware offload (which awsvpn refuses,
# saying so in charon's log).
# Each fails with charon's reason and leaves no SA in awsvpn0; then the
# right configuration still comes up.  Deleting awsvpn0 under charon ends
# its CHILD_SA on both ends.  The module reloaded under a running charon:
# the plugin follows its new family and events group.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

require_tool
require_cmd charon-systemd swanctl busybox python3
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
n_sas() {
	awsvpn -n cgw show awsvpn0 --json | json_get 'len(j[0]["sas"])'
}

# refused DESC LOG_REGEX: the initiate fails, cgw's log says why, and
# neither awsvpn0 nor aws's XFRM holds an SA afterwards.
refused() {
	local desc=$1 re=$2 out
	ike_load aws "$CONF/aws.conf" >/dev/null 2>&1 && ike_load cgw "$CONF/cgw.conf" >/dev/null 2>&1
	out=$(ike_swanctl cgw --initiate --child t1 --timeout 20 2>&1) &&
		t_fail "$desc: the initiate fails" "$out" ||
		t_ok "$desc: the initiate fails"
	t_match "$desc: charon says why" "$re" "$(ike_log cgw; ike_log aws)"
	t_eq "$desc: no SA in awsvpn0" 0 "$(n_sas)"
	# The responder may have installed its half: the initiator deletes it.
	t_check "$desc: no SA left in aws's XFRM" \
		wait_for 10 eval '[ -z "$(ip -n aws xfrm state)" ]' 
	ike_swanctl cgw --terminate --ike t --timeout 10 >/dev/null 2>&1 || true
	ike_swanctl aws --terminate --ike t --timeout 10 >/dev/null 2>&1 || true
}

# Wrong pre-shared key on cgw.
ike_conf "$CONF/aws.conf" aws 2 aes128-sha256-ecp256 "t1:aes128gcm16:51"
ike_conf "$CONF/cgw.conf" cgw 2 aes128-sha256-ecp256 "t1:aes128gcm16:41"
sed -i "s/$IKE_PSK/not-the-key-aws-has/" "$CONF/cgw.conf"
refused "wrong pre-shared key" 'AUTHENTICATION_FAILED|authentication of .* failed'

# IKE proposals that do not meet.
ike_conf "$CONF/aws.conf" aws 2 aes128-sha256-modp2048 "t1:aes128gcm16:51"
ike_conf "$CONF/cgw.conf" cgw 2 aes256-sha384-ecp384 "t1:aes128gcm16:41"
refused "IKE proposal mismatch" 'NO_PROPOSAL_CHOSEN|no acceptable proposal'

# ESP proposals that do not meet.
ike_conf "$CONF/aws.conf" aws 2 aes128-sha256-ecp256 "t1:aes128-sha1:51"
ike_conf "$CONF/cgw.conf" cgw 2 aes128-sha256-ecp256 "t1:aes256gcm16:41"
refused "ESP proposal mismatch" 'NO_PROPOSAL_CHOSEN|no acceptable proposal'

# A CHILD_SA for if_id 99: no such device.
ike_conf "$CONF/aws.conf" aws 2 aes128-sha256-ecp256 "t1:aes128gcm16:51"
ike_conf "$CONF/cgw.conf" cgw 2 aes128-sha256-ecp256 "t1:aes128gcm16:99"
refused "if_id 99 (no such device)" 'kernel-awsvpn: refusing SA 0x[0-9a-f]{8}: no awsvpn device has if-id 99'

# Extended sequence numbers only: the module has none.
ike_conf "$CONF/aws.conf" aws 2 aes128-sha256-ecp256 "t1:aes128gcm16-esn:51"
ike_conf "$CONF/cgw.conf" cgw 2 aes128-sha256-ecp256 "t1:aes128gcm16-esn:41"
refused "ESN only" 'kernel-awsvpn: refusing SA 0x[0-9a-f]{8}: extended sequence numbers are not supported'

# Mandatory hardware offload: with XFRM it fails where the NIC cannot;
# awsvpn has none, and says so instead of ignoring it.
ike_conf "$CONF/aws.conf" aws 2 aes128-sha256-ecp256 "t1:aes128gcm16:51"
IKE_CHILD_EXTRA="      hw_offload = yes" \
	ike_conf "$CONF/cgw.conf" cgw 2 aes128-sha256-ecp256 "t1:aes128gcm16:41"
refused "hw_offload = yes" 'kernel-awsvpn: refusing SA 0x[0-9a-f]{8}: hardware offload is not supported'

# ESN offered besides no ESN: charon settles on no ESN and it works.
ike_conf "$CONF/aws.conf" aws 2 aes128-sha256-ecp256 "t1:aes128gcm16-esn-noesn:51"
ike_conf "$CONF/cgw.conf" cgw 2 aes128-sha256-ecp256 "t1:aes128gcm16-noesn:41"
ike_load aws "$CONF/aws.conf" >/dev/null 2>&1 && ike_load cgw "$CONF/cgw.conf" >/dev/null 2>&1
t_check "the right configuration comes up" ike_swanctl cgw --initiate --child t1 --timeout 30
t_eq "one SA pair in awsvpn0" 2 "$(n_sas)"
t_eq "pings (3)" 3 "$(esp_ping cgw 3 100 169.254.44.233)"

# The device deleted under charon: its SAs go with it, the module says so
# (sa-deleted), and charon drops the CHILD_SA and tells aws, instead of
# keeping one that nothing carries and no expiry will ever rekey.
ip -n cgw link del awsvpn0
# charon answers, and lists no child t1.
sas_without_t1() {
	local out
	out=$(ike_swanctl cgw --list-sas 2>&1) && ! grep -q 't1: #' <<< "$out"
}
t_check "device deleted: charon's CHILD_SA t1 is gone" \
	wait_for 20 sas_without_t1
t_check "... and aws's XFRM SAs too (cgw sent the delete)" \
	wait_for 20 eval '[ -z "$(ip -n aws xfrm state)" ]'
t_match "cgw's log: the plugin reported the SAs expired" \
	'kernel-awsvpn: awsvpn0: hard expiry of SA (in|out) 0x' "$(ike_log cgw)"

# ------------------------------------------------------ module reloaded under charon

# An upgrade unloads the module and loads the new one, which registers its
# netlink family and events group under new ids.  The charon that stayed
# up finds the family at its next request and joins the new events group:
# its SAs come up, and an SA deleted behind its back is reported to it as
# a hard expiry, which only an event on the new group can tell it; charon
# then makes the CHILD_SA anew.
ike_swanctl cgw --terminate --ike t --timeout 10 >/dev/null 2>&1 || true
ike_swanctl aws --terminate --ike t --timeout 10 >/dev/null 2>&1 || true
fam() { genl ctrl get name awsvpn 2>/dev/null | grep -o 'ID: 0x[0-9a-f]*'; }
old_fam=$(fam)
t_check "module unloaded under the running charon" mod_unload
t_check "module loaded again" mod_load
new_fam=$(fam)
t_check "the family has a new id ($old_fam -> $new_fam)" \
	test -n "$new_fam" -a "$new_fam" != "$old_fam"
t_check "cgw: awsvpn0 again, if-id 41" awsvpn_tunnel cgw awsvpn0 41 169.254.44.234
t_check "the tunnel comes up with the same charon" \
	ike_swanctl cgw --initiate --child t1 --timeout 30
t_eq "one SA pair in awsvpn0" 2 "$(n_sas)"
t_match "cgw's log: the plugin follows the new module" \
	'kernel-awsvpn: the awsvpn module was loaded again: following it' "$(ike_log cgw)"
t_eq "pings over the new module (3)" 3 "$(esp_ping cgw 3 100 169.254.44.233)"
# The outbound SPIs of awsvpn0, "0x%08x" each.
out_spi() {
	awsvpn -n cgw show awsvpn0 --json |
		json_get '" ".join("0x%08x" % int(s["spi"], 16) for s in j[0]["sas"] if s["dir"] == "out")'
}
spi=$(out_spi)
t_check "delete the outbound SA $spi behind charon's back" \
	awsvpn -n cgw sa del awsvpn0 dir out spi "$spi"
expired() { ike_log cgw | grep -q "kernel-awsvpn: awsvpn0: hard expiry of SA out $spi"; }
t_check "cgw's log: the new module's event reached charon (hard expiry of $spi)" \
	wait_for 20 expired
# charon closes the expired CHILD_SA and, the device being there, makes a
# new one ("scheduling CHILD_SA recreate after hard expire").
renewed() { local o; o=$(out_spi) && [ -n "$o" ] && [ "$o" != "$spi" ] && [ "$(n_sas)" = 2 ]; }
t_check "charon re-establishes t1: a new SA pair in awsvpn0" wait_for 30 renewed
t_eq "pings over the new SA pair (3)" 3 "$(esp_ping cgw 3 100 169.254.44.233)"

t_done
