#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# awsvpn-timeout: 120
#
# Smoke test: the module loads and unloads, an awsvpn device can be created
# (also by rtnl autoload), shows up in "ip -d link", works in a netns and goes
# away with it.
set -eu
. "$(dirname "$0")/lib.sh"

mod_unload
t_check "modprobe awsvpn" modprobe awsvpn
t_check "module is loaded" mod_loaded
t_check "generic netlink family 'awsvpn' registered" genl ctrl get name awsvpn
t_check "module unloads" mod_unload
t_fails "module is gone" mod_loaded

# rtnl autoload: "type awsvpn" -> request_module("rtnl-link-awsvpn").
t_check "ip link add type awsvpn (autoloads the module)" awsvpn_add awsvpn0
if t_passed; then
	t_check "module was autoloaded" mod_loaded
	t_match "ip -d link shows kind awsvpn" '^ +awsvpn( |$)' \
		"$(ip -d link show dev awsvpn0 2>&1)"
	t_eq "link kind is awsvpn" awsvpn \
		"$(link_json awsvpn0 | json_get 'j[0]["linkinfo"]["info_kind"]')"
	t_fails "duplicate name is rejected" ip link add dev awsvpn0 type awsvpn
	t_check "device can be deleted" ip link del dev awsvpn0
	t_fails "device is gone" ip link show dev awsvpn0
fi

# In a namespace, torn down with it.
ns_create smoke-a
t_check "create awsvpn device in a netns" awsvpn_add awsvpn1 smoke-a
if t_passed; then
	t_match "device listed in the netns" 'awsvpn1' \
		"$(ip -n smoke-a -d link show type awsvpn 2>&1)"
	t_fails "device is not in the init netns" ip link show dev awsvpn1
	t_check "netns with the device can be deleted" ip netns del smoke-a
fi
t_check "module unloads after netns teardown" mod_unload

t_done
