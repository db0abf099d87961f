// SPDX-License-Identifier: GPL-2.0
/*
 * MTU, DF and fragmentation before encryption.
 *
 * AWS does no path MTU discovery and asks the customer gateway to clear DF
 * and fragment inner packets *before* encryption, so that no ESP packet is
 * ever fragmented.  The device MTU ("mtu auto") is the largest inner packet
 * whose ESP packet fits the outer MTU, which reproduces AWS's table.
 *
 * With "df clear", forwarded IPv4 packets that carry DF and do not fit the
 * device would be refused by ip_forward() with an ICMP error before we ever
 * see them; a PRE_ROUTING hook clears DF on exactly those packets (it routes
 * them itself, and the stack reuses that route), and the IP stack then
 * fragments them to the device MTU on its way to us.  With "df keep", and
 * for IPv6 always, the same hooks answer such packets with the ICMP error
 * the forwarding code would send, so that it is counted.  Packets that
 * still reach the device too big (ignore_df, local senders) are fragmented
 * or refused here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/udp.h>
#include <net/esp.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/dst_metadata.h>
#include <net/route.h>

#include "awsvpn.h"
#include "compat.h"

/* Without an outbound SA, assume the heaviest AWS suite (CBC + SHA-512). */
#define AWSVPN_WORST_IV		16
#define AWSVPN_WORST_ICV	32
#define AWSVPN_WORST_ALIGN	16

unsigned int awsvpn_mtu_for(const struct awsvpn_sa *sa, u8 encap,
			    unsigned int outer_mtu)
{
	int room = outer_mtu - sizeof(struct iphdr) - sizeof(struct ip_esp_hdr);

	if (encap == AWSVPN_ENCAP_UDP)
		room -= sizeof(struct udphdr);
	room -= sa ? sa->ivlen + sa->icvlen :
		     AWSVPN_WORST_IV + AWSVPN_WORST_ICV;
	/* Payload + pad length + next header must fill whole blocks. */
	room = round_down(room, sa ? sa->align : AWSVPN_WORST_ALIGN) - 2;
	return max(room, IPV4_MIN_MTU);
}

static unsigned int awsvpn_outer_mtu(struct awsvpn_device *adev)
{
	struct flowi4 fl4 = {};
	unsigned int mtu = 1500;
	struct rtable *rt;

	if (adev->outer_mtu)
		return adev->outer_mtu;
	if (!adev->remote)
		return mtu;
	fl4.daddr = adev->remote;
	fl4.saddr = adev->local;
	fl4.flowi4_proto = IPPROTO_ESP;
	rt = ip_route_output_key(adev->net, &fl4);
	if (IS_ERR(rt))
		return mtu;
	if (rt->dst.dev != adev->dev)
		mtu = dst_mtu(&rt->dst);
	ip_rt_put(rt);
	return mtu;
}

/* Caller holds RTNL.  Recompute the device MTU in auto mode. */
void awsvpn_mtu_update(struct awsvpn_device *adev)
{
	unsigned int mtu;

	ASSERT_RTNL();
	if (adev->mtu_mode != AWSVPN_MTU_AUTO)
		return;
	mtu = awsvpn_mtu_for(rtnl_dereference(adev->tx_sa), adev->encap,
			     awsvpn_outer_mtu(adev));
	mtu = min(mtu, adev->dev->max_mtu);
	if (mtu == adev->dev->mtu)
		return;
	adev->mtu_auto_setting = true;
	dev_set_mtu(adev->dev, mtu);
	adev->mtu_auto_setting = false;
}

/* How many fragments ip_do_fragment() makes of @len bytes at @mtu. */
static unsigned int awsvpn_nfrags(unsigned int len, unsigned int ihl,
				  unsigned int mtu)
{
	unsigned int per = round_down(mtu - ihl, 8);

	return per ? DIV_ROUND_UP(len - ihl, per) : 1;
}

static void awsvpn_clear_df(struct awsvpn_device *adev, struct iphdr *iph,
			    unsigned int len, unsigned int mtu)
{
	__be16 old = iph->frag_off;

	iph->frag_off &= ~htons(IP_DF);
	csum_replace2(&iph->check, old, iph->frag_off);
	awsvpn_stat_inc(&adev->stats, AWSVPN_STAT_TX_DF_RESET);
	awsvpn_stat_inc(&adev->stats, AWSVPN_STAT_TX_FRAGMENTED);
	awsvpn_stat_add(&adev->stats, AWSVPN_STAT_TX_FRAGMENTS,
			awsvpn_nfrags(len, iph->ihl * 4, mtu));
}

/*
 * A forwarded packet that does not fit the tunnel and may not be
 * fragmented: ip_forward()/ip6_forward() would refuse it with exactly this
 * ICMP error a moment later.  Answering here, with the route the stack is
 * about to use, is what lets "icmp-sent" count the packets the tunnel's
 * MTU turned away (nothing of them would reach the device otherwise).
 */
static unsigned int awsvpn_refuse(struct awsvpn_device *adev,
				  struct sk_buff *skb, unsigned int mtu)
{
	if (skb->protocol == htons(ETH_P_IP))
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
	else
		icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	awsvpn_stat_inc(&adev->stats, AWSVPN_STAT_TX_ICMP);
	return NF_DROP;
}

/* The awsvpn device @dev is, if @skb does not fit it. */
static struct awsvpn_device *awsvpn_too_big_for(struct sk_buff *skb,
						struct net_device *dev,
						unsigned int *mtu)
{
	if (dev->rtnl_link_ops != &awsvpn_link_ops || skb->ignore_df)
		return NULL;
	*mtu = READ_ONCE(dev->mtu);
	if (skb->len <= *mtu ||
	    (skb_is_gso(skb) && skb_gso_validate_network_len(skb, *mtu)))
		return NULL;
	return netdev_priv(dev);
}

static unsigned int awsvpn_df_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct awsvpn_device *adev;
	const struct iphdr *iph;
	struct in_device *idev;
	unsigned int mtu;

	if (!atomic_read(&awsvpn_pernet(state->net)->ndevs))
		return NF_ACCEPT;
	/*
	 * Only a packet ip_forward() could refuse matters, and it forwards
	 * nothing that arrived on a device without forwarding.  Everything
	 * else is left unrouted: a route set here would keep early demux
	 * from finding the packet's socket (and its cached route).
	 */
	idev = __in_dev_get_rcu(skb->dev);
	if (!idev || !IN_DEV_FORWARD(idev))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	if (likely(!(iph->frag_off & htons(IP_DF))) ||
	    skb->len <= IPV4_MIN_MTU)
		return NF_ACCEPT;
	/* The route ip_rcv_finish() would look up; it keeps ours. */
	if (!skb_valid_dst(skb) &&
	    awsvpn_route_input(skb, iph->daddr, iph->saddr, iph->tos, skb->dev))
		return NF_ACCEPT;
	adev = awsvpn_too_big_for(skb, skb_dst(skb)->dev, &mtu);
	if (!adev)
		return NF_ACCEPT;
	if (READ_ONCE(adev->df_policy) == AWSVPN_DF_KEEP) {
		/* An expiring TTL is ip_forward()'s error to report. */
		if (ip_hdr(skb)->ttl <= 1)
			return NF_ACCEPT;
		return awsvpn_refuse(adev, skb, mtu);
	}
	if (skb_ensure_writable(skb, sizeof(struct iphdr)))
		return NF_ACCEPT;
	awsvpn_clear_df(adev, ip_hdr(skb), skb->len, mtu);
	return NF_ACCEPT;
}

/*
 * IPv6 is never fragmented on the way: Packet Too Big, whatever "df" says.
 * The route is looked up only to decide; unless we refuse the packet, the
 * stack routes it as usual.
 */
static unsigned int awsvpn_ptb_hook(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct awsvpn_device *adev;
	struct dst_entry *dst;
	struct flowi6 fl6 = {};
	unsigned int mtu;

	if (!atomic_read(&awsvpn_pernet(state->net)->ndevs) ||
	    skb->len <= IPV6_MIN_MTU || ip6h->hop_limit <= 1 ||
	    skb_valid_dst(skb) ||
	    !READ_ONCE(state->net->ipv6.devconf_all->forwarding))
		return NF_ACCEPT;
	fl6.flowi6_iif = skb->dev->ifindex;
	fl6.daddr = ip6h->daddr;
	fl6.saddr = ip6h->saddr;
	fl6.flowlabel = ip6_flowinfo(ip6h);
	fl6.flowi6_mark = skb->mark;
	fl6.flowi6_proto = ip6h->nexthdr;
	dst = ip6_route_input_lookup(state->net, skb->dev, &fl6, skb,
				     RT6_LOOKUP_F_HAS_SADDR);
	adev = dst->error ? NULL : awsvpn_too_big_for(skb, dst->dev, &mtu);
	if (!adev) {
		dst_release(dst);
		return NF_ACCEPT;
	}
	skb_dst_set(skb, dst);	/* the error's route; freed with @skb */
	return awsvpn_refuse(adev, skb, mtu);
}

static const struct nf_hook_ops awsvpn_hook_ops[] = {
	{
		.hook = awsvpn_df_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		/* After DNAT and every standard table: the destination
		 * is final.
		 */
		.priority = NF_IP_PRI_NAT_SRC + 1,
	}, {
		.hook = awsvpn_ptb_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_NAT_SRC + 1,
	},
};

int awsvpn_frag_net_init(struct net *net)
{
	return nf_register_net_hooks(net, awsvpn_hook_ops,
				     ARRAY_SIZE(awsvpn_hook_ops));
}

void awsvpn_frag_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, awsvpn_hook_ops,
				ARRAY_SIZE(awsvpn_hook_ops));
}

/*
 * ip_do_fragment() needs a route: its MTU and the headroom of its device.
 * Forwarded and locally sent packets keep theirs (netif_keep_dst()); one
 * handed straight to the device (AF_PACKET, tc redirect) has none, so
 * route it out through the device itself.
 */
static int awsvpn_frag_route(struct net_device *dev, struct sk_buff *skb)
{
	struct flowi4 fl4 = {
		.flowi4_oif = dev->ifindex,
		.daddr = ip_hdr(skb)->daddr,
	};
	struct rtable *rt;

	if (skb_dst(skb))
		return 0;
	rt = ip_route_output_key(dev_net(dev), &fl4);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	skb_dst_set(skb, &rt->dst);
	return 0;
}

/*
 * A packet bigger than the device MTU reached ndo_start_xmit (ignore_df,
 * a route whose MTU is above the device's, AF_PACKET, tc redirect).
 * Fragment IPv4 before encryption unless DF is honoured; refuse IPv6 with
 * Packet Too Big.  Consumes @skb.
 */
int awsvpn_xmit_too_big(struct awsvpn_device *adev, struct sk_buff *skb,
			int (*output)(struct net *, struct sock *,
				      struct sk_buff *))
{
	unsigned int mtu = READ_ONCE(adev->dev->mtu);
	struct iphdr *iph;

	if (skb->protocol == htons(ETH_P_IPV6)) {
		icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
		goto refused;
	}
	iph = ip_hdr(skb);
	if ((iph->frag_off & htons(IP_DF)) &&
	    READ_ONCE(adev->df_policy) == AWSVPN_DF_KEEP) {
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			      htonl(mtu));
		goto refused;
	}
	/* Counted only once the packet is sure to be fragmented. */
	if (awsvpn_frag_route(adev->dev, skb))
		goto drop;
	if (iph->frag_off & htons(IP_DF)) {
		if (skb_ensure_writable(skb, sizeof(*iph)))
			goto drop;
		awsvpn_clear_df(adev, ip_hdr(skb), skb->len, mtu);
	} else {
		awsvpn_stat_inc(&adev->stats, AWSVPN_STAT_TX_FRAGMENTED);
		awsvpn_stat_add(&adev->stats, AWSVPN_STAT_TX_FRAGMENTS,
				awsvpn_nfrags(skb->len, iph->ihl * 4, mtu));
	}
	/*
	 * At transmit skb->cb belongs to the qdisc layer, not to IP:
	 * ip_do_fragment() would read whatever is there as IP options and
	 * flags.
	 */
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	/* Fragments at the device MTU, each handed back to @output. */
	IPCB(skb)->frag_max_size = mtu;
	skb->ignore_df = 1;
	return ip_do_fragment(dev_net(adev->dev), NULL, skb, output);

refused:
	awsvpn_stat_inc(&adev->stats, AWSVPN_STAT_TX_ICMP);
	kfree_skb(skb);
	return -EMSGSIZE;
drop:
	awsvpn_stat_inc(&adev->stats, AWSVPN_STAT_TX_ERRORS);
	kfree_skb(skb);
	return -ENOMEM;
}
