// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: an inner IPv4/IPv6 packet becomes an ESP tunnel-mode packet
 * (RFC 4303) from the device's local to its remote address.
 *
 *   awsvpn_xmit()           pick the SA, route the outer packet, segment GSO
 *   awsvpn_encrypt()        sequence number, trailer, ESP header, AEAD
 *   awsvpn_encrypt_done()   (possibly from a crypto worker) finish it
 *   awsvpn_encrypt_finish() outer IPv4 header, out through the route
 *
 * With parallel crypto, awsvpn_encrypt() hands the prepared request to
 * queue.c, whose workers encrypt and whose transmit work calls
 * awsvpn_encrypt_finish() in order ("auto", while quiet: inline).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/esp.h>

#include "awsvpn.h"
#include "compat.h"

static void awsvpn_tx_error(struct awsvpn_device *adev, struct awsvpn_sa *sa,
			    int which)
{
	awsvpn_stat_inc(&adev->stats, which);
	if (sa)
		awsvpn_stat_inc(&sa->stats, which);
}

/* Route towards the remote end in the outer namespace, through dst_cache. */
static struct rtable *awsvpn_route(struct awsvpn_device *adev, __be32 *saddr)
{
	/* Read before the addresses; awsvpn_outer_changed() bumps it after. */
	unsigned int gen = smp_load_acquire(&adev->dst_gen);
	__be32 remote = READ_ONCE(adev->remote);
	struct flowi4 fl4 = {};
	struct rtable *rt;

	if (!remote)
		return ERR_PTR(-EDESTADDRREQ);
	rt = dst_cache_get_ip4(&adev->dst_cache, saddr);
	if (rt)
		return rt;

	fl4.daddr = remote;
	fl4.saddr = READ_ONCE(adev->local);
	if (READ_ONCE(adev->encap) == AWSVPN_ENCAP_UDP) {
		fl4.flowi4_proto = IPPROTO_UDP;
		fl4.fl4_sport = htons(READ_ONCE(adev->local_port));
		fl4.fl4_dport = htons(READ_ONCE(adev->remote_port));
	} else {
		fl4.flowi4_proto = IPPROTO_ESP;
	}
	rt = ip_route_output_key(adev->net, &fl4);
	if (IS_ERR(rt))
		return rt;
	/* Our own outer packets routed into ourselves would loop forever. */
	if (rt->dst.dev == adev->dev) {
		ip_rt_put(rt);
		return ERR_PTR(-ELOOP);
	}
	/*
	 * The addresses may have changed since they were read: a route for
	 * the old ones, cached after the reset, would be used for good.  Use
	 * it for this packet only.
	 */
	spin_lock(&adev->dst_lock);
	if (adev->dst_gen == gen)
		dst_cache_set_ip4(&adev->dst_cache, &rt->dst, fl4.saddr);
	spin_unlock(&adev->dst_lock);
	*saddr = fl4.saddr;
	return rt;
}

void awsvpn_encrypt_finish(struct awsvpn_crypt *c, int err)
{
	struct awsvpn_sa *sa = c->sa;
	struct awsvpn_device *adev = sa->adev;
	struct sk_buff *skb = c->skb;
	bool xnet;

	if (unlikely(err)) {
		if (err == -ENOBUFS) {
			/* No room in the parallel queues (queue.c). */
			dev_core_stats_tx_dropped_inc(adev->dev);
		} else {
			net_dbg_ratelimited("%s: encryption failed: %d\n",
					    adev->dev->name, err);
			awsvpn_tx_error(adev, sa, AWSVPN_STAT_TX_ERRORS);
		}
		kfree_skb(skb);
		goto out;
	}

	/*
	 * iptunnel_xmit() would charge the outer length to skb->dev; we keep
	 * our own inner-byte counters, so detach the skb from the device.
	 */
	skb->dev = NULL;
	xnet = !net_eq(adev->net, dev_net(adev->dev));
	if (READ_ONCE(adev->encap) == AWSVPN_ENCAP_UDP) {
		err = awsvpn_socket_xmit(adev, c->rt, skb, c->saddr,
					 READ_ONCE(adev->remote), c->tos, c->df,
					 xnet);
	} else {
		iptunnel_xmit(NULL, c->rt, skb, c->saddr,
			      READ_ONCE(adev->remote), IPPROTO_ESP, c->tos,
			      AWSVPN_OUTER_TTL, c->df, xnet);
	}
	c->rt = NULL;	/* both consumed the reference */
	if (unlikely(err)) {
		/* No NAT-T socket: not sent, so not TunnelDataOut either. */
		awsvpn_tx_error(adev, sa, AWSVPN_STAT_TX_ERRORS);
		goto out;
	}

	/* TunnelDataOut: inner bytes, counted before encryption. */
	dev_sw_netstats_tx_add(adev->dev, 1, c->len);
	awsvpn_touch(&adev->last_tx);
	awsvpn_sa_account(sa, c->len);
out:
	if (c->rt)
		ip_rt_put(c->rt);
	awsvpn_sa_put(sa);
	awsvpn_crypt_free(c);
}

static void awsvpn_encrypt_done(void *data, int err)
{
	/* Async completions come from a crypto worker: be like softirq. */
	local_bh_disable();
	awsvpn_encrypt_finish(data, err);
	local_bh_enable();
}
AWSVPN_DECLARE_CRYPTO_DONE(awsvpn_encrypt_done)

/*
 * The outer DF bit (AWSVPN_A_OUTER_DF), while the inner header is still in
 * the clear: inherit copies inner IPv4 DF; IPv6 never fragments on the way,
 * so neither may its ESP packet.
 */
static __be16 awsvpn_outer_df(struct awsvpn_device *adev, struct sk_buff *skb)
{
	switch (READ_ONCE(adev->outer_df)) {
	case AWSVPN_OUTER_DF_CLEAR:
		return 0;
	case AWSVPN_OUTER_DF_INHERIT:
		if (skb->protocol == htons(ETH_P_IP))
			return ip_hdr(skb)->frag_off & htons(IP_DF);
		return htons(IP_DF);
	default:
		return htons(IP_DF);
	}
}

/* Next sequence number; 0 when the SA may not send any more. */
static u32 awsvpn_next_seq(struct awsvpn_sa *sa)
{
	u64 seq = atomic64_inc_return(&sa->seq);

	if (likely(seq <= U32_MAX))
		return seq;
	/* RFC 4303 3.3.3: never wrap without ESN; the SA must be replaced,
	 * which is a hard expiry.
	 */
	atomic64_set(&sa->seq, (u64)U32_MAX + 1);
	if (!awsvpn_sa_dead(sa)) {
		awsvpn_sa_expire(sa, AWSVPN_EXPIRE_SEQ);
		pr_warn("%s: outbound SA spi 0x%08x used all sequence numbers, stopped sending: rekey needed\n",
			sa->adev->dev->name, sa->spi);
	}
	return 0;
}

/* Consumes @skb, the references on @sa and @rt. */
static void awsvpn_encrypt(struct awsvpn_device *adev, struct awsvpn_sa *sa,
			   struct rtable *rt, __be32 saddr, struct sk_buff *skb)
{
	unsigned int hdrlen = sizeof(struct ip_esp_hdr) + sa->ivlen;
	unsigned int len, clen, padlen, i;
	struct ip_esp_hdr *esph;
	struct sk_buff *trailer;
	struct awsvpn_crypt *c;
	u8 nexthdr, tos, *tail;
	__be16 df;
	__be64 seq64;
	int nfrags, ret;
	u32 seq;

	if (unlikely(awsvpn_sa_dead(sa))) {
		awsvpn_tx_error(adev, NULL, AWSVPN_STAT_TX_NO_SA);
		goto drop;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto err;
	/*
	 * The inner packet's checksum state (CHECKSUM_UNNECESSARY or
	 * _COMPLETE from a receiving NIC) and tunnel headers are not true of
	 * the ESP packet it becomes.
	 */
	skb->ip_summed = CHECKSUM_NONE;
	skb->encapsulation = 0;

	seq = awsvpn_next_seq(sa);
	if (!seq) {
		awsvpn_tx_error(adev, sa, AWSVPN_STAT_TX_SEQ_EXHAUSTED);
		goto drop;
	}

	df = awsvpn_outer_df(adev, skb);
	if (skb->protocol == htons(ETH_P_IP)) {
		nexthdr = IPPROTO_IPIP;
		tos = ip_hdr(skb)->tos;
	} else {
		nexthdr = IPPROTO_IPV6;
		tos = ipv6_get_dsfield(ipv6_hdr(skb));
	}

	/* RFC 4303 2.4: pad so that the ciphertext ends on the alignment. */
	len = skb->len;
	clen = ALIGN(len + 2, sa->align);
	padlen = clen - len - 2;

	if (skb_cow_head(skb, hdrlen + LL_RESERVED_SPACE(rt->dst.dev) +
			 sizeof(struct iphdr) +
			 (READ_ONCE(adev->encap) == AWSVPN_ENCAP_UDP ?
			  sizeof(struct udphdr) : 0)))
		goto err;
	nfrags = skb_cow_data(skb, padlen + 2 + sa->icvlen, &trailer);
	if (nfrags < 0)
		goto err;
	tail = pskb_put(skb, trailer, padlen + 2 + sa->icvlen);
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = nexthdr;

	esph = skb_push(skb, hdrlen);
	esph->spi = htonl(sa->spi);
	esph->seq_no = htonl(seq);

	c = awsvpn_crypt_alloc(sa, skb, nfrags);
	if (!c)
		goto err;
	c->rt = rt;
	c->saddr = saddr;
	c->len = len;
	/* RFC 6040 normal mode: DSCP and ECN copied to the outer header. */
	c->tos = tos;
	c->df = df;
	/* The IV generators derive the IV from the 64-bit sequence number. */
	memset(c->iv, 0, sizeof(c->iv));
	seq64 = cpu_to_be64(seq);
	memcpy(c->iv + sa->ivlen - sizeof(seq64), &seq64, sizeof(seq64));

	ret = skb_to_sgvec(skb, c->sg, 0, skb->len);
	if (unlikely(ret < 0)) {
		c->rt = NULL;
		awsvpn_crypt_free(c);
		goto err;
	}
	aead_request_set_callback(c->req, 0,
				  awsvpn_crypto_done(awsvpn_encrypt_done), c);
	aead_request_set_crypt(c->req, c->sg, c->sg, sa->ivlen + clen, c->iv);
	aead_request_set_ad(c->req, sizeof(*esph));

	ret = awsvpn_parallel_submit(c);
	if (ret) {
		if (ret < 0)
			awsvpn_encrypt_finish(c, ret);
		return;
	}
	ret = awsvpn_crypt_run(c);
	if (ret == -EINPROGRESS)
		return;
	awsvpn_encrypt_finish(c, ret);
	return;

err:
	awsvpn_tx_error(adev, sa, AWSVPN_STAT_TX_ERRORS);
drop:
	kfree_skb(skb);
	ip_rt_put(rt);
	awsvpn_sa_put(sa);
}

/* Tell the local sender, as a router would, that nothing can get through. */
static void awsvpn_unreachable(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
}

static bool awsvpn_inner_valid(struct sk_buff *skb)
{
	/* ip_do_fragment() copies ihl * 4 bytes from the head. */
	if (skb->protocol == htons(ETH_P_IP))
		return pskb_network_may_pull(skb, sizeof(struct iphdr)) &&
		       ip_hdr(skb)->version == 4 && ip_hdr(skb)->ihl >= 5 &&
		       pskb_network_may_pull(skb, ip_hdr(skb)->ihl * 4);
	if (skb->protocol == htons(ETH_P_IPV6))
		return pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) &&
		       ipv6_hdr(skb)->version == 6;
	return false;
}

static int awsvpn_xmit_fragment(struct net *net, struct sock *sk,
				struct sk_buff *skb)
{
	awsvpn_xmit(skb, skb->dev);
	return 0;
}

/* Each segment of @skb, on its own, back into awsvpn_xmit(). */
static void awsvpn_xmit_segments(struct awsvpn_device *adev,
				 struct sk_buff *skb)
{
	struct sk_buff *segs, *next;

	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		awsvpn_tx_error(adev, NULL, AWSVPN_STAT_TX_ERRORS);
		kfree_skb(skb);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		awsvpn_xmit(skb, adev->dev);
	}
}

netdev_tx_t awsvpn_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct awsvpn_device *adev = netdev_priv(dev);
	struct sk_buff *segs, *next;
	unsigned int nsegs;
	struct awsvpn_sa *sa;
	struct rtable *rt;
	__be32 saddr = 0;
	unsigned int mtu;

	if (unlikely(!awsvpn_inner_valid(skb))) {
		awsvpn_tx_error(adev, NULL, AWSVPN_STAT_TX_ERRORS);
		goto drop;
	}
	mtu = READ_ONCE(dev->mtu);
	if (unlikely(skb->len > mtu)) {
		/* Too big for one ESP packet: fragments come back through here. */
		if (!skb_is_gso(skb)) {
			awsvpn_xmit_too_big(adev, skb, awsvpn_xmit_fragment);
			return NETDEV_TX_OK;
		}
		/*
		 * A GSO packet whose segments exceed the MTU: routing would
		 * have cut it (ip_finish_output_gso()), but a tc or BPF
		 * redirect, or a packet socket's vnet header, hands it over
		 * as it is.  Its segments come back through here one by one
		 * and are fragmented (or refused) like any other packet.
		 */
		if (!skb_gso_validate_network_len(skb, mtu)) {
			awsvpn_xmit_segments(adev, skb);
			return NETDEV_TX_OK;
		}
	}
	awsvpn_mss_clamp(adev, skb);

	sa = rcu_dereference_bh(adev->tx_sa);
	if (unlikely(!sa || !awsvpn_sa_get(sa))) {
		awsvpn_tx_error(adev, NULL, AWSVPN_STAT_TX_NO_SA);
		awsvpn_unreachable(skb);
		goto drop;
	}

	rt = awsvpn_route(adev, &saddr);
	if (IS_ERR(rt)) {
		net_dbg_ratelimited("%s: no route to remote: %ld\n", dev->name,
				    PTR_ERR(rt));
		awsvpn_tx_error(adev, sa, AWSVPN_STAT_TX_ERRORS);
		awsvpn_unreachable(skb);
		awsvpn_sa_put(sa);
		goto drop;
	}
	/* The inner route means nothing past this point. */
	skb_dst_drop(skb);

	if (!skb_is_gso(skb)) {
		awsvpn_encrypt(adev, sa, rt, saddr, skb);
		return NETDEV_TX_OK;
	}

	/* Each segment becomes its own ESP packet. */
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		awsvpn_tx_error(adev, sa, AWSVPN_STAT_TX_ERRORS);
		ip_rt_put(rt);
		awsvpn_sa_put(sa);
		goto drop;
	}
	consume_skb(skb);
	/*
	 * Every segment owns a reference on the SA and the route, as a
	 * single packet does; ours (taken above) make one set, the others
	 * are taken before the first segment goes (it may be sent, and free
	 * its references, before the next is looked at): the SA's in one
	 * atomic add.
	 */
	nsegs = 0;
	skb_list_walk_safe(segs, skb, next)
		if (nsegs++)
			dst_hold(&rt->dst);
	if (nsegs > 1)
		refcount_add(nsegs - 1, &sa->refcnt);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		awsvpn_encrypt(adev, sa, rt, saddr, skb);
	}
	return NETDEV_TX_OK;

drop:
	kfree_skb(skb);
	return NETDEV_TX_OK;
}
