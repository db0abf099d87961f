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
/* skb_frag_unref() moved out of skbuff.h into a header of its own. */
#if __has_include(<linux/skbuff_ref.h>)
#include <linux/skbuff_ref.h>
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#include <net/route.h>
#include <net/dsfield.h>

/* IPTOS_RT_MASK without the ECN bits, as routing wants it before 6.13 */
#define INET_DSCP_MASK_COMPAT 0xfc

/*
 * 6.13 made ip_route_input_noref() take a dscp_t and return a drop reason;
 * awsvpn_route_input() returns 0 on success either way.
 */
static inline int awsvpn_route_input(struct sk_buff *skb, __be32 daddr,
				     __be32 saddr, u8 tos,
				     struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	return ip_route_input_noref(skb, daddr, saddr,
				    inet_dsfield_to_dscp(tos), dev) ? -EINVAL : 0;
#else
	return ip_route_input_noref(skb, daddr, saddr, tos & INET_DSCP_MASK_COMPAT,
				    dev);
#endif
}

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

/* 6.13 added nla_get_*_default(): an absent attribute reads as @defvalue. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#include <net/netlink.h>
static inline u32 nla_get_u32_default(const struct nlattr *nla, u32 defvalue)
{
	return nla ? nla_get_u32(nla) : defvalue;
}

static inline u64 nla_get_u64_default(const struct nlattr *nla, u64 defvalue)
{
	return nla ? nla_get_u64(nla) : defvalue;
}
#endif

/*
 * 6.2 gave netlink_ext_ack a buffer for formatted messages.  Before, the
 * text must outlive the handler, because netlink_ack() copies it after the
 * handler returned: awsvpn_extack_fmt() then formats into @buf, which must
 * be an array in the requester's network namespace (struct awsvpn_net), so
 * that the socket keeps it alive and no other namespace ever reads it.
 * Two failing requests of one namespace at the same instant may mix their
 * texts; the buffer's last byte stays NUL, so the text stays a string.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define awsvpn_extack_fmt(extack, buf, fmt, args...)			\
	NL_SET_ERR_MSG_FMT_MOD(extack, fmt, ##args)
#else
#define awsvpn_extack_fmt(extack, buf, fmt, args...) do {		\
	struct netlink_ext_ack *__extack = (extack);			\
									\
	if (__extack) {							\
		snprintf(buf, sizeof(buf), KBUILD_MODNAME ": " fmt, ##args); \
		__extack->_msg = (buf);					\
	}								\
} while (0)
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
		return fn(params->src_net, dev, params->tb, extack);	\
	}
#else
#define AWSVPN_NEWLINK_WRAPPER(fn)					\
	static int fn##_entry(struct net *src_net, struct net_device *dev, \
			      struct nlattr *tb[], struct nlattr *data[], \
			      struct netlink_ext_ack *extack)		\
	{								\
		return fn(src_net, dev, tb, extack);			\
	}
#endif

#endif /* _AWSVPN_COMPAT_H */
