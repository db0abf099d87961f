// SPDX-License-Identifier: GPL-2.0
/*
 * TCP MSS clamping of SYN and SYN-ACK, both directions: before encryption
 * on the way out, after decryption on the way in.  AWS does no PMTUD, so a
 * TCP connection that never sends segments too big for the tunnel is the
 * one that works.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include <net/checksum.h>
#include "awsvpn.h"
#include "compat.h"

/* Offset of the TCP header of a first-fragment TCP packet, or -1. */
static int awsvpn_tcp_offset(struct sk_buff *skb, unsigned int *overhead)
{
	unsigned int nhoff = skb_network_offset(skb);

	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		*overhead = sizeof(struct iphdr) + sizeof(struct tcphdr);
		if (iph->protocol != IPPROTO_TCP ||
		    (iph->frag_off & htons(IP_MF | IP_OFFSET)))
			return -1;
		return nhoff + iph->ihl * 4;
	} else {
		u8 nexthdr = ipv6_hdr(skb)->nexthdr;
		__be16 frag_off;
		int off;

		*overhead = sizeof(struct ipv6hdr) + sizeof(struct tcphdr);
		off = ipv6_skip_exthdr(skb, nhoff + sizeof(struct ipv6hdr),
				       &nexthdr, &frag_off);
		if (off < 0 || nexthdr != IPPROTO_TCP ||
		    (frag_off & htons(~0x7)))
			return -1;
		return off;
	}
}

void awsvpn_mss_clamp(struct awsvpn_device *adev, struct sk_buff *skb)
{
	u8 mode = READ_ONCE(adev->mss_mode);
	unsigned int overhead, optend, i;
	struct tcphdr *th;
	int thoff;
	u16 mss, old;
	u8 *opt;

	if (mode == AWSVPN_MSS_OFF)
		return;
	thoff = awsvpn_tcp_offset(skb, &overhead);
	if (thoff < 0 || !pskb_may_pull(skb, thoff + sizeof(struct tcphdr)))
		return;
	th = (struct tcphdr *)(skb->data + thoff);
	if (!th->syn || th->doff * 4 <= sizeof(struct tcphdr))
		return;
	optend = thoff + th->doff * 4;
	if (skb_ensure_writable(skb, optend))
		return;
	th = (struct tcphdr *)(skb->data + thoff);

	if (mode == AWSVPN_MSS_FIXED)
		mss = READ_ONCE(adev->mss);
	else
		mss = READ_ONCE(adev->dev->mtu) - overhead;
	/*
	 * Mode and value change in two stores (netlink.c): a SYN passing
	 * while "fixed" is left reads 0, which must not become its MSS.
	 */
	if (!mss)
		return;

	opt = (u8 *)th;
	for (i = sizeof(struct tcphdr); i + 1 < th->doff * 4; ) {
		if (opt[i] == TCPOPT_EOL)
			break;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (opt[i + 1] < 2 || i + opt[i + 1] > th->doff * 4)
			break;
		if (opt[i] == TCPOPT_MSS && opt[i + 1] == TCPOLEN_MSS) {
			old = get_unaligned_be16(opt + i + 2);
			if (old <= mss)
				return;
			put_unaligned_be16(mss, opt + i + 2);
			inet_proto_csum_replace2(&th->check, skb, htons(old),
						 htons(mss), false);
			awsvpn_stat_inc(&adev->stats, AWSVPN_STAT_MSS_CLAMPED);
			return;
		}
		i += opt[i + 1];
	}
}
