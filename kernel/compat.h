/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module is written against the newest kernel API; this file maps that
 * API onto the older kernels we support (Debian 6.1 and 6.12).  Nothing
 * outside this file tests LINUX_VERSION_CODE.
 */
#ifndef _AWSVPN_COMPAT_H
#define _AWSVPN_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>
#include <linux/crypto.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

/*
 * Since 6.3 crypto completion callbacks receive the request's data pointer;
 * before, they received the crypto_async_request and had to fetch ->data.
 * Define callbacks as "void fn(void *data, int err)" and pass
 * awsvpn_crypto_done(fn) to aead_request_set_callback().
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define AWSVPN_DECLARE_CRYPTO_DONE(fn)					\
	static void fn##_legacy(struct crypto_async_request *areq, int err) \
	{								\
		fn(areq->data, err);					\
	}
#define awsvpn_crypto_done(fn) fn##_legacy
#else
#define AWSVPN_DECLARE_CRYPTO_DONE(fn)
#define awsvpn_crypto_done(fn) fn
#endif

/* 6.11 turned the NETIF_F_LLTX feature bit into dev->lltx. */
static inline void awsvpn_set_lltx(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/*
 * 6.15 passes rtnl_link_ops->newlink its namespaces in a parameter block.
 * awsvpn_newlink() takes the newest form; AWSVPN_NEWLINK_WRAPPER builds the
 * entry point the running kernel expects.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
#define AWSVPN_NEWLINK_WRAPPER(fn)					\
	static int fn##_entry(struct net_device *dev,			\
			      struct rtnl_newlink_params *params,	\
			      struct netlink_ext_ack *extack)		\
	{								\
		return fn(params->src_net, dev, extack);		\
	}
#else
#define AWSVPN_NEWLINK_WRAPPER(fn)					\
	static int fn##_entry(struct net *src_net, struct net_device *dev, \
			      struct nlattr *tb[], struct nlattr *data[], \
			      struct netlink_ext_ack *extack)		\
	{								\
		return fn(src_net, dev, extack);			\
	}
#endif

#endif /* _AWSVPN_COMPAT_H */
