/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel-awsvpn: a kernel-ipsec backend for strongSwan's charon that
 * installs CHILD_SAs into awsvpn devices (kernel/awsvpn.ko) instead of
 * XFRM.  IKE stays in charon; keys go from charon into the device.
 */
#ifndef KERNEL_AWSVPN_PLUGIN_H_
#define KERNEL_AWSVPN_PLUGIN_H_

#include <library.h>
#include <plugins/plugin.h>

typedef struct kernel_awsvpn_plugin_t kernel_awsvpn_plugin_t;

struct kernel_awsvpn_plugin_t {
	plugin_t plugin;
};

#endif
