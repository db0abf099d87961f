// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel-awsvpn: plugin registration.  The plugin provides "kernel-ipsec"
 * only; addresses and routes stay with kernel-netlink ("kernel-net"), which
 * must load after this plugin (kernel-awsvpn.conf gives it a higher load
 * priority), since the first kernel-ipsec backend to register is the one
 * charon uses.
 */
#include "kernel_awsvpn_plugin.h"
#include "kernel_awsvpn_ipsec.h"

#include <daemon.h>

#ifndef AWSVPN_VERSION
#define AWSVPN_VERSION "unknown"
#endif

typedef struct private_kernel_awsvpn_plugin_t private_kernel_awsvpn_plugin_t;

struct private_kernel_awsvpn_plugin_t {
	kernel_awsvpn_plugin_t public;
};

METHOD(plugin_t, get_name, char*,
	private_kernel_awsvpn_plugin_t *this)
{
	return "kernel-awsvpn";
}

METHOD(plugin_t, get_features, int,
	private_kernel_awsvpn_plugin_t *this, plugin_feature_t *features[])
{
	static plugin_feature_t f[] = {
		PLUGIN_CALLBACK(kernel_ipsec_register, kernel_awsvpn_ipsec_create),
			PLUGIN_PROVIDE(CUSTOM, "kernel-ipsec"),
	};

	*features = f;
	return countof(f);
}

METHOD(plugin_t, destroy, void,
	private_kernel_awsvpn_plugin_t *this)
{
	free(this);
}

/* The loader finds this by the plugin's name. */
plugin_t *kernel_awsvpn_plugin_create(void);

plugin_t *kernel_awsvpn_plugin_create(void)
{
	private_kernel_awsvpn_plugin_t *this;

	/* Module, tool and plugin share one version: check it in charon's log. */
	DBG2(DBG_KNL, "kernel-awsvpn %s", AWSVPN_VERSION);
	INIT(this,
		.public = {
			.plugin = {
				.get_name = _get_name,
				.get_features = _get_features,
				.destroy = _destroy,
			},
		},
	);
	return &this->public.plugin;
}
