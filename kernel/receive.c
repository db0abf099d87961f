// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: ESP from the wire into the device.
 *
 *   awsvpn_esp_rcv()         xfrm4 protocol hook: claim our SPIs only
 *   awsvpn_decrypt()         sanity, replay pre-check, AEAD
 *   awsvpn_decrypt_done()    (possibly from a crypto worker)
 *   awsvpn_decrypt_finish()  replay window, trailer, ECN, GRO
 *
 * With parallel crypto, awsvpn_decrypt() hands the prepared request to
 * queue.c, whose workers decrypt ("auto", while quiet: inline) and whose
 * NAPI poll calls awsvpn_decrypt_finish() in order.
 *
 * ESP in page fragments (a NIC that receives into pages) is decrypted out
 * of place, from its fragments into one fresh fragment that replaces them
 * once the packet is authentic (awsvpn_crypt_paged()).
 *
 * We register ahead of the kernel's own ESP users (esp4 at 0, xfrm
 * interfaces at 10, VTI at 100): packets whose SPI is not one of ours are
 * returned untouched with -EINVAL so the next handler (xfrm) sees them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/esp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/xfrm.h>

#include "awsvpn.h"
#include "compat.h"

#define AWSVPN_XFRM_PRIORITY 200

static void awsvpn_rx_error(struct awsvpn_sa *sa, int which)
{
	awsvpn_stat_inc(&sa->adev->stats, which);
	awsvpn_stat_inc(&sa->stats, which);
	if (which == AWSVPN_STAT_RX_REPLAY || which == AWSVPN_STAT_RX_AUTH_FAIL)
		awsvpn_burst_event(sa->adev, which);
}

/* Check the RFC 4303 trailer and strip ESP down to the inner packet. */
static int awsvpn_strip_esp(struct awsvpn_sa *sa, struct sk_buff *skb)
{
	unsigned int hdrlen = sizeof(struct ip_esp_hdr) + sa->ivlen;
	unsigned int payload = skb->len - hdrlen - sa->icvlen;
	u8 tr[2], pad[255];
	unsigned int i;

	if (skb_copy_bits(skb, skb->len - sa->icvlen - 2, tr, sizeof(tr)))
		return -EINVAL;
	/* tr[0] is the pad length, tr[1] the next header. */
	if (tr[0] + 2 > payload)
		return -EBADMSG;
	/* The default padding is 1, 2, 3...: anything else is corruption. */
	if (skb_copy_bits(skb, skb->len - sa->icvlen - 2 - tr[0], pad, tr[0]))
		return -EINVAL;
	for (i = 0; i < tr[0]; i++)
		if (pad[i] != i + 1)
			return -EBADMSG;

	switch (tr[1]) {
	case IPPROTO_IPIP:
		skb->protocol = htons(ETH_P_IP);
		break;
	case IPPROTO_IPV6:
		skb->protocol = htons(ETH_P_IPV6);
		break;
	case IPPROTO_NONE:
		/* RFC 4303 2.6 dummy packet (TFC): authentic, but empty. */
		return -ENODATA;
	default:
		return -EBADMSG;
	}

	if (pskb_trim(skb, skb->len - sa->icvlen - 2 - tr[0]) ||
	    !pskb_pull(skb, hdrlen))
		return -EINVAL;
	skb_reset_network_header(skb);

	if (skb->protocol == htons(ETH_P_IP)) {
		if (!pskb_may_pull(skb, sizeof(struct iphdr)) ||
		    ip_hdr(skb)->version != 4)
			return -EBADMSG;
	} else {
		if (!pskb_may_pull(skb, sizeof(struct ipv6hdr)) ||
		    ipv6_hdr(skb)->version != 6)
			return -EBADMSG;
	}
	return 0;
}

/*
 * Out of place: the skb trades the fragments it arrived in for the one
 * that holds the plaintext (same length).  skb_frag_unref() returns each
 * page where it came from (a driver's page pool or the page allocator).
 */
static void awsvpn_take_frag(struct awsvpn_crypt *c)
{
	struct sk_buff *skb = c->skb;
	struct page *page = virt_to_head_page(c->frag);
	int i;

	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++)
		skb_frag_unref(skb, i);
	/* Untouched since awsvpn_crypt_paged(): data_len is the fragment's. */
	skb_fill_page_desc(skb, 0, page, (u8 *)c->frag - (u8 *)page_address(page),
			   skb->data_len);
	c->frag = NULL;
}

void awsvpn_decrypt_finish(struct awsvpn_crypt *c, int err)
{
	struct awsvpn_sa *sa = c->sa;
	struct awsvpn_device *adev = sa->adev;
	struct net_device *dev = adev->dev;
	struct sk_buff *skb = c->skb;
	u8 inner_tos;
	int ret;

	if (unlikely(err)) {
		if (err == -ENOBUFS)	/* no room in the parallel queues */
			dev_core_stats_rx_dropped_inc(dev);
		else
			awsvpn_rx_error(sa, err == -EBADMSG ?
					AWSVPN_STAT_RX_AUTH_FAIL :
					AWSVPN_STAT_RX_ERRORS);
		goto drop;
	}
	/* Authentic: only now may the window move (RFC 4303 3.4.3). */
	if (!awsvpn_replay_advance(&sa->replay, c->seq)) {
		awsvpn_rx_error(sa, AWSVPN_STAT_RX_REPLAY);
		goto drop;
	}
	if (c->frag)
		awsvpn_take_frag(c);

	ret = awsvpn_strip_esp(sa, skb);
	if (unlikely(ret)) {
		if (ret == -EBADMSG)
			awsvpn_rx_error(sa, AWSVPN_STAT_RX_BAD_TRAILER);
		else if (ret != -ENODATA)
			awsvpn_rx_error(sa, AWSVPN_STAT_RX_ERRORS);
		goto drop;
	}

	inner_tos = skb->protocol == htons(ETH_P_IP) ?
		    ip_hdr(skb)->tos : ipv6_get_dsfield(ipv6_hdr(skb));
	/* RFC 6040: CE on the outer header of a not-ECT packet means drop. */
	if (INET_ECN_decapsulate(skb, c->tos, inner_tos) > 1) {
		awsvpn_rx_error(sa, AWSVPN_STAT_RX_ERRORS);
		goto drop;
	}

	awsvpn_mss_clamp(adev, skb);
	skb_scrub_packet(skb, !net_eq(adev->net, dev_net(dev)));
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	/*
	 * The hash is the outer flow's (one per SA): cleared, RPS and GRO
	 * hash the inner flows again instead of treating them all as one.
	 * The AEAD authenticated every byte from the peer's encryption to
	 * here, far more strongly than a checksum could; what the inner
	 * checksum still guards is the leg before the peer (inside AWS).  As
	 * WireGuard does, trade that for no second pass over every byte.
	 */
	skb_clear_hash(skb);
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;
	skb_reset_mac_header(skb);
	skb_reset_transport_header(skb);

	/* TunnelDataIn: inner bytes, counted after decryption. */
	dev_sw_netstats_rx_add(dev, skb->len);
	awsvpn_touch(&adev->last_rx);
	awsvpn_sa_first_rx(sa);
	awsvpn_sa_account(sa, skb->len);
	if (c->parallel)
		napi_gro_receive(&adev->napi, skb);	/* in the device's NAPI */
	else
		gro_cells_receive(&adev->gro_cells, skb);
	goto out;

drop:
	kfree_skb(skb);
out:
	awsvpn_sa_put(sa);
	awsvpn_crypt_free(c);
}

/* Never delivered (the device went down while it was queued). */
void awsvpn_decrypt_drop(struct awsvpn_crypt *c)
{
	kfree_skb(c->skb);
	awsvpn_sa_put(c->sa);
	awsvpn_crypt_free(c);
}

static void awsvpn_decrypt_done(void *data, int err)
{
	local_bh_disable();
	awsvpn_decrypt_finish(data, err);
	local_bh_enable();
}
AWSVPN_DECLARE_CRYPTO_DONE(awsvpn_decrypt_done)

/*
 * A packet that is not cloned, with its payload in page fragments (and
 * no frag_list), that fit in one page: decrypt from the fragments into a
 * fresh page fragment instead of first copying the whole packet into a
 * linear buffer (skb_cow_data()), as the in-place path must.  The head
 * is ours and decrypted where it lies; the fragments are only read: a
 * packet that is not cloned may still share its pages (a pskb_copy()
 * mirror such as netfilter's TEE, pages pskb_expand_head() left shared
 * after a clone), so they are never written.
 *
 * Fragments someone else may still write (SKBFL_SHARED_FRAG: spliced or
 * sendfile pages of a local sender) take the copy: the AEAD reads its
 * source twice (authenc: HMAC, then CBC; generic GCM: GHASH, then CTR),
 * and a page changed between the two reads would deliver plaintext of
 * ciphertext that was never authenticated.  The copy reads them once.
 * NULL: take the in-place path.
 */
static struct awsvpn_crypt *awsvpn_crypt_paged(struct awsvpn_sa *sa,
					       struct sk_buff *skb)
{
	unsigned int nsrc = 1 + skb_shinfo(skb)->nr_frags;
	unsigned int len = skb->data_len;
	struct awsvpn_crypt *c;
	void *frag;

	if (skb_cloned(skb) || !len || skb_has_frag_list(skb) ||
	    skb_has_shared_frag(skb) || skb_zcopy(skb) ||
	    SKB_DATA_ALIGN(len) > PAGE_SIZE)
		return NULL;
	frag = netdev_alloc_frag(SKB_DATA_ALIGN(len));
	if (!frag)
		return NULL;
	c = awsvpn_crypt_alloc(sa, skb, nsrc + 2);
	if (!c) {
		skb_free_frag(frag);
		return NULL;
	}
	c->frag = frag;
	c->dst = c->sg + nsrc;
	sg_init_table(c->sg, nsrc);
	sg_init_table(c->dst, 2);
	if (unlikely(skb_to_sgvec(skb, c->sg, 0, skb->len) < 0)) {
		awsvpn_crypt_free(c);	/* frees the fragment */
		return NULL;
	}
	sg_set_buf(&c->dst[0], skb->data, skb_headlen(skb));
	sg_set_buf(&c->dst[1], frag, len);
	return c;
}

/* Consumes @skb and the reference on @sa.  skb->data is the ESP header. */
void awsvpn_decrypt(struct awsvpn_sa *sa, struct sk_buff *skb, u8 tos)
{
	unsigned int hdrlen = sizeof(struct ip_esp_hdr) + sa->ivlen;
	struct ip_esp_hdr *esph = (struct ip_esp_hdr *)skb->data;
	struct sk_buff *trailer;
	struct awsvpn_crypt *c;
	int nfrags, ret;
	u32 seq;

	/* Ours (our SPI) but not deliverable: "ip -s link" shows it dropped. */
	if (unlikely(!(READ_ONCE(sa->adev->dev->flags) & IFF_UP))) {
		dev_core_stats_rx_dropped_inc(sa->adev->dev);
		goto drop;
	}
	if (unlikely(awsvpn_sa_dead(sa))) {
		awsvpn_stat_inc(&sa->adev->stats, AWSVPN_STAT_RX_NO_SA);
		goto drop;
	}
	/* Payload and pad must fill whole cipher blocks, with room for both
	 * trailer bytes; anything else is malformed.
	 */
	if (skb->len < hdrlen + sa->align + sa->icvlen ||
	    (skb->len - hdrlen - sa->icvlen) % sa->align) {
		awsvpn_rx_error(sa, AWSVPN_STAT_RX_ERRORS);
		goto drop;
	}

	seq = ntohl(esph->seq_no);
	if (!awsvpn_replay_check(&sa->replay, seq)) {
		awsvpn_rx_error(sa, AWSVPN_STAT_RX_REPLAY);
		goto drop;
	}

	/*
	 * The outer route may be a reference-less one, valid only in this
	 * softirq; nothing after decryption uses it (the packet is
	 * delivered on the device), and it may wait in a queue.
	 */
	skb_dst_drop(skb);
	c = awsvpn_crypt_paged(sa, skb);
	if (!c) {
		nfrags = skb_cow_data(skb, 0, &trailer);
		if (nfrags < 0)
			goto err;
		c = awsvpn_crypt_alloc(sa, skb, nfrags);
		if (!c)
			goto err;
		ret = skb_to_sgvec(skb, c->sg, 0, skb->len);
		if (unlikely(ret < 0)) {
			awsvpn_crypt_free(c);
			goto err;
		}
	}
	c->seq = seq;
	c->tos = tos;
	c->parallel = false;
	aead_request_set_callback(c->req, 0,
				  awsvpn_crypto_done(awsvpn_decrypt_done), c);
	aead_request_set_crypt(c->req, c->sg, c->dst,
			       skb->len - sizeof(*esph), c->iv);
	aead_request_set_ad(c->req, sizeof(*esph));

	ret = awsvpn_parallel_submit(c);
	if (ret) {
		if (ret < 0)
			awsvpn_decrypt_finish(c, ret);
		return;
	}
	ret = awsvpn_crypt_run(c);
	if (ret == -EINPROGRESS)
		return;
	awsvpn_decrypt_finish(c, ret);
	return;

err:
	awsvpn_rx_error(sa, AWSVPN_STAT_RX_ERRORS);
drop:
	kfree_skb(skb);
	awsvpn_sa_put(sa);
}

static int awsvpn_esp_rcv(struct sk_buff *skb)
{
	struct ip_esp_hdr *esph;
	struct awsvpn_sa *sa;

	if (!pskb_may_pull(skb, sizeof(*esph)))
		return -EINVAL;
	esph = (struct ip_esp_hdr *)skb->data;

	rcu_read_lock();
	sa = awsvpn_sa_lookup_in(dev_net(skb->dev), ntohl(esph->spi));
	if (!sa || !awsvpn_sa_get(sa)) {
		rcu_read_unlock();
		return -EINVAL;	/* not ours: xfrm's turn */
	}
	rcu_read_unlock();

	awsvpn_decrypt(sa, skb, ip_hdr(skb)->tos);
	return 0;
}

/* ESP that xfrm's own NAT-T sockets received: never ours. */
static int awsvpn_esp_input(struct sk_buff *skb, int nexthdr, __be32 spi,
			    int encap_type)
{
	return -EINVAL;
}

/* Post-xfrm callback for packets xfrm decrypted: never claim them. */
static int awsvpn_esp_cb(struct sk_buff *skb, int err)
{
	return 1;
}

static int awsvpn_esp_err(struct sk_buff *skb, u32 info)
{
	return -ENOENT;
}

static struct xfrm4_protocol awsvpn_esp4_protocol __read_mostly = {
	.handler = awsvpn_esp_rcv,
	.input_handler = awsvpn_esp_input,
	.cb_handler = awsvpn_esp_cb,
	.err_handler = awsvpn_esp_err,
	.priority = AWSVPN_XFRM_PRIORITY,
};

int awsvpn_receive_init(void)
{
	int ret = xfrm4_protocol_register(&awsvpn_esp4_protocol, IPPROTO_ESP);

	if (ret)
		pr_err("cannot register for ESP (priority %d taken?): %d\n",
		       AWSVPN_XFRM_PRIORITY, ret);
	return ret;
}

void awsvpn_receive_uninit(void)
{
	xfrm4_protocol_deregister(&awsvpn_esp4_protocol, IPPROTO_ESP);
}
