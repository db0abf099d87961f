// SPDX-License-Identifier: GPL-2.0
/*
 * NAT traversal (RFC 3948): ESP in UDP.  Placeholder until the NAT-T
 * socket lands: only raw ESP is accepted.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/route.h>

#include "awsvpn.h"

int awsvpn_socket_reconfigure(struct awsvpn_device *adev, u8 encap,
			      __be32 local, u16 local_port, int fd,
			      struct netlink_ext_ack *extack)
{
	if (encap == AWSVPN_ENCAP_UDP) {
		NL_SET_ERR_MSG_MOD(extack, "UDP encapsulation is not available yet");
		return -EOPNOTSUPP;
	}
	return 0;
}

void awsvpn_socket_release(struct awsvpn_device *adev)
{
}

void awsvpn_keepalive_update(struct awsvpn_device *adev)
{
}

int awsvpn_socket_xmit(struct awsvpn_device *adev, struct rtable *rt,
		       struct sk_buff *skb, __be32 saddr, __be32 daddr,
		       u8 tos, __be16 df, bool xnet)
{
	ip_rt_put(rt);
	kfree_skb(skb);
	return -EOPNOTSUPP;
}
