// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink configuration interface; uapi/awsvpn.h is its contract.
 * All changes run under RTNL, which also serialises them against device
 * registration and deletion.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <linux/rtnetlink.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/ip.h>

#include "awsvpn.h"
#include "compat.h"

/* Not const: 6.1 policies point at a mutable range. */
static struct netlink_range_validation awsvpn_mss_range = {
	.min = AWSVPN_MSS_MIN,
	.max = AWSVPN_MSS_MAX,
};

static struct netlink_range_validation awsvpn_mtu_range = {
	.min = IPV4_MIN_MTU,
	.max = 65535,
};

/* 0 means "from the route", so the range starts at 0 and is checked again. */
static struct netlink_range_validation awsvpn_outer_mtu_range = {
	.min = 0,
	.max = AWSVPN_OUTER_MTU_MAX,
};

static struct netlink_range_validation awsvpn_keepalive_range = {
	.min = 0,
	.max = AWSVPN_NAT_KEEPALIVE_MAX,
};

static const struct nla_policy awsvpn_sa_policy[AWSVPN_SA_A_MAX + 1] = {
	[AWSVPN_SA_A_DIR] = NLA_POLICY_RANGE(NLA_U8, AWSVPN_DIR_IN,
					     AWSVPN_DIR_OUT),
	[AWSVPN_SA_A_SPI] = NLA_POLICY_MIN(NLA_U32, AWSVPN_SPI_MIN),
	[AWSVPN_SA_A_ENC] = NLA_POLICY_RANGE(NLA_U8, AWSVPN_ENC_AES128_GCM16,
					     AWSVPN_ENC_MAX),
	[AWSVPN_SA_A_INTEG] = NLA_POLICY_MAX(NLA_U8, AWSVPN_INTEG_MAX),
	[AWSVPN_SA_A_ENC_KEY] = { .type = NLA_BINARY, .len = 32 + 4 },
	[AWSVPN_SA_A_INTEG_KEY] = { .type = NLA_BINARY, .len = 64 },
	[AWSVPN_SA_A_REPLAY_WINDOW] =
		NLA_POLICY_RANGE(NLA_U32, AWSVPN_REPLAY_WINDOW_MIN,
				 AWSVPN_REPLAY_WINDOW_MAX),
	[AWSVPN_SA_A_SEQ] = { .type = NLA_U32 },
	[AWSVPN_SA_A_STATE] = { .type = NLA_REJECT,
				.reject_message = "SA state is read-only" },
	[AWSVPN_SA_A_STATS] = { .type = NLA_REJECT,
				.reject_message = "SA counters are read-only" },
	[AWSVPN_SA_A_PAD] = { .type = NLA_REJECT },
	[AWSVPN_SA_A_ACTIVATE_ON_RX] = NLA_POLICY_MIN(NLA_U32, AWSVPN_SPI_MIN),
	[AWSVPN_SA_A_TIME_SOFT] = { .type = NLA_U32 },
	[AWSVPN_SA_A_TIME_HARD] = { .type = NLA_U32 },
	[AWSVPN_SA_A_BYTES_SOFT] = { .type = NLA_U64 },
	[AWSVPN_SA_A_BYTES_HARD] = { .type = NLA_U64 },
	[AWSVPN_SA_A_PACKETS_SOFT] = { .type = NLA_U64 },
	[AWSVPN_SA_A_PACKETS_HARD] = { .type = NLA_U64 },
	[AWSVPN_SA_A_AGE] = { .type = NLA_REJECT,
			      .reject_message = "SA age is read-only" },
	[AWSVPN_SA_A_SOFT_EXPIRED] = { .type = NLA_REJECT,
				       .reject_message = "read-only" },
	[AWSVPN_SA_A_CRYPTO_DRIVER] = { .type = NLA_REJECT,
					.reject_message = "read-only" },
};

static const struct nla_policy awsvpn_policy[AWSVPN_A_MAX + 1] = {
	[AWSVPN_A_IFINDEX] = { .type = NLA_U32 },
	[AWSVPN_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[AWSVPN_A_LOCAL] = { .type = NLA_BE32 },
	[AWSVPN_A_REMOTE] = { .type = NLA_BE32 },
	[AWSVPN_A_ENCAP] = NLA_POLICY_MAX(NLA_U8, AWSVPN_ENCAP_MAX),
	[AWSVPN_A_LOCAL_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[AWSVPN_A_REMOTE_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[AWSVPN_A_DF_POLICY] = NLA_POLICY_MAX(NLA_U8, AWSVPN_DF_MAX),
	[AWSVPN_A_MSS_MODE] = NLA_POLICY_MAX(NLA_U8, AWSVPN_MSS_MODE_MAX),
	[AWSVPN_A_MSS] = NLA_POLICY_FULL_RANGE(NLA_U16, &awsvpn_mss_range),
	[AWSVPN_A_REPLAY_WINDOW] =
		NLA_POLICY_RANGE(NLA_U32, AWSVPN_REPLAY_WINDOW_MIN,
				 AWSVPN_REPLAY_WINDOW_MAX),
	[AWSVPN_A_MTU] = NLA_POLICY_FULL_RANGE(NLA_U32, &awsvpn_mtu_range),
	[AWSVPN_A_STATS] = { .type = NLA_REJECT,
			     .reject_message = "counters are read-only" },
	[AWSVPN_A_SAS] = { .type = NLA_REJECT,
			   .reject_message = "use AWSVPN_CMD_NEW_SA to add SAs" },
	/*
	 * Parsed by the handlers (awsvpn_parse_sa()), not here: a request
	 * that fails inside the nest must still reach them, so that they wipe
	 * its key bytes before the kernel frees or echoes it.
	 */
	[AWSVPN_A_SA] = { .type = NLA_NESTED },
	[AWSVPN_A_MTU_MODE] = NLA_POLICY_MAX(NLA_U8, AWSVPN_MTU_MODE_MAX),
	[AWSVPN_A_OUTER_MTU] = NLA_POLICY_FULL_RANGE(NLA_U32,
						     &awsvpn_outer_mtu_range),
	[AWSVPN_A_OUTER_DF] = NLA_POLICY_MAX(NLA_U8, AWSVPN_OUTER_DF_MAX),
	[AWSVPN_A_NAT_KEEPALIVE] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &awsvpn_keepalive_range),
	[AWSVPN_A_SOCKET_FD] = NLA_POLICY_MIN(NLA_S32, -1),
	[AWSVPN_A_LAST_RX_MS] = { .type = NLA_REJECT },
	[AWSVPN_A_LAST_TX_MS] = { .type = NLA_REJECT },
	[AWSVPN_A_EVENT] = { .type = NLA_REJECT },
	[AWSVPN_A_EVENT_REASON] = { .type = NLA_REJECT },
	[AWSVPN_A_EVENT_COUNT] = { .type = NLA_REJECT },
	[AWSVPN_A_PAD] = { .type = NLA_REJECT },
	[AWSVPN_A_SOCKET] = { .type = NLA_REJECT,
			      .reject_message = "the socket owner is read-only" },
	[AWSVPN_A_IF_ID] = { .type = NLA_U32 },
	[AWSVPN_A_CARRIER] = { .type = NLA_REJECT,
			       .reject_message = "the carrier is read-only: it follows the remote address and the active outbound SA" },
	[AWSVPN_A_CARRIER_REASON] = { .type = NLA_REJECT,
				      .reject_message = "the carrier reason is read-only" },
	[AWSVPN_A_PARALLEL] = NLA_POLICY_MAX(NLA_U8, AWSVPN_PARALLEL_MAX),
	[AWSVPN_A_TX_CRYPT_NS] = { .type = NLA_REJECT,
				   .reject_message = "the measured costs are read-only" },
	[AWSVPN_A_TX_HOP_NS] = { .type = NLA_REJECT,
				 .reject_message = "the measured costs are read-only" },
	[AWSVPN_A_RX_CRYPT_NS] = { .type = NLA_REJECT,
				   .reject_message = "the measured costs are read-only" },
	[AWSVPN_A_RX_HOP_NS] = { .type = NLA_REJECT,
				 .reject_message = "the measured costs are read-only" },
};

static const struct genl_multicast_group awsvpn_mcgrps[] = {
	{
		.name = AWSVPN_MCGRP_EVENTS,
#ifdef GENL_MCAST_CAP_NET_ADMIN
		/* Events name SPIs: same privilege as reading them. */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
#endif
	},
};

static struct genl_family awsvpn_genl_family;

static struct awsvpn_device *awsvpn_request_device(struct genl_info *info)
{
	struct nlattr *idx = info->attrs[AWSVPN_A_IFINDEX];
	struct nlattr *name = info->attrs[AWSVPN_A_IFNAME];

	return awsvpn_lookup_device(genl_info_net(info),
				    idx ? nla_get_u32(idx) : 0,
				    name ? nla_data(name) : NULL,
				    info->extack);
}

static int awsvpn_put_counters(struct sk_buff *skb, struct awsvpn_stats *st,
			       const u8 *which, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (nla_put_u64_64bit(skb, which[i],
				      atomic64_read(&st->c[which[i]]),
				      AWSVPN_STAT_PAD))
			return -EMSGSIZE;
	return 0;
}

/* Packets and bytes of the device come from the tstats ip -s link reads. */
static const u8 awsvpn_dev_stats[] = {
	AWSVPN_STAT_RX_REPLAY, AWSVPN_STAT_RX_AUTH_FAIL,
	AWSVPN_STAT_RX_BAD_TRAILER, AWSVPN_STAT_RX_NO_SA, AWSVPN_STAT_RX_ERRORS,
	AWSVPN_STAT_TX_NO_SA, AWSVPN_STAT_TX_SEQ_EXHAUSTED, AWSVPN_STAT_TX_ERRORS,
	AWSVPN_STAT_TX_DF_RESET, AWSVPN_STAT_TX_FRAGMENTED,
	AWSVPN_STAT_TX_FRAGMENTS, AWSVPN_STAT_TX_ICMP, AWSVPN_STAT_MSS_CLAMPED,
	AWSVPN_STAT_NAT_KEEPALIVE_TX, AWSVPN_STAT_NAT_KEEPALIVE_RX,
};

/* Besides the packets and bytes (awsvpn_sa_traffic()). */
static const u8 awsvpn_sa_in_stats[] = {
	AWSVPN_STAT_RX_REPLAY, AWSVPN_STAT_RX_AUTH_FAIL,
	AWSVPN_STAT_RX_BAD_TRAILER, AWSVPN_STAT_RX_ERRORS,
};

static const u8 awsvpn_sa_out_stats[] = {
	AWSVPN_STAT_TX_SEQ_EXHAUSTED, AWSVPN_STAT_TX_ERRORS,
};

static int awsvpn_put_sa(struct sk_buff *skb, struct awsvpn_sa *sa)
{
	struct nlattr *nest = nla_nest_start(skb, AWSVPN_A_SA), *stats;
	bool in = sa->dir == AWSVPN_DIR_IN;
	u64 seq = in ? READ_ONCE(sa->replay.top) : atomic64_read(&sa->seq);
	u64 packets, bytes;

	if (!nest ||
	    nla_put_u8(skb, AWSVPN_SA_A_DIR, sa->dir) ||
	    nla_put_u32(skb, AWSVPN_SA_A_SPI, sa->spi) ||
	    nla_put_u8(skb, AWSVPN_SA_A_ENC, sa->enc) ||
	    nla_put_u8(skb, AWSVPN_SA_A_INTEG, sa->integ) ||
	    nla_put_u8(skb, AWSVPN_SA_A_STATE, READ_ONCE(sa->state)) ||
	    nla_put_u32(skb, AWSVPN_SA_A_SEQ, min_t(u64, seq, U32_MAX)) ||
	    (in && nla_put_u32(skb, AWSVPN_SA_A_REPLAY_WINDOW,
			       sa->replay.window)) ||
	    nla_put_u32(skb, AWSVPN_SA_A_AGE, (jiffies - sa->created) / HZ) ||
	    nla_put_u8(skb, AWSVPN_SA_A_SOFT_EXPIRED,
		       test_bit(AWSVPN_SA_F_SOFT, &sa->flags)) ||
	    nla_put_string(skb, AWSVPN_SA_A_CRYPTO_DRIVER,
			   crypto_aead_driver_name(sa->aead)) ||
	    (sa->activate_on_rx &&
	     nla_put_u32(skb, AWSVPN_SA_A_ACTIVATE_ON_RX, sa->activate_on_rx)) ||
	    (sa->time_soft &&
	     nla_put_u32(skb, AWSVPN_SA_A_TIME_SOFT, sa->time_soft)) ||
	    (sa->time_hard &&
	     nla_put_u32(skb, AWSVPN_SA_A_TIME_HARD, sa->time_hard)) ||
	    (sa->bytes_soft &&
	     nla_put_u64_64bit(skb, AWSVPN_SA_A_BYTES_SOFT, sa->bytes_soft,
			       AWSVPN_SA_A_PAD)) ||
	    (sa->bytes_hard &&
	     nla_put_u64_64bit(skb, AWSVPN_SA_A_BYTES_HARD, sa->bytes_hard,
			       AWSVPN_SA_A_PAD)) ||
	    (sa->packets_soft &&
	     nla_put_u64_64bit(skb, AWSVPN_SA_A_PACKETS_SOFT, sa->packets_soft,
			       AWSVPN_SA_A_PAD)) ||
	    (sa->packets_hard &&
	     nla_put_u64_64bit(skb, AWSVPN_SA_A_PACKETS_HARD, sa->packets_hard,
			       AWSVPN_SA_A_PAD)))
		return -EMSGSIZE;
	awsvpn_sa_traffic(sa, &packets, &bytes);
	stats = nla_nest_start(skb, AWSVPN_SA_A_STATS);
	if (!stats ||
	    nla_put_u64_64bit(skb, in ? AWSVPN_STAT_RX_PACKETS :
				   AWSVPN_STAT_TX_PACKETS, packets,
			      AWSVPN_STAT_PAD) ||
	    nla_put_u64_64bit(skb, in ? AWSVPN_STAT_RX_BYTES :
				   AWSVPN_STAT_TX_BYTES, bytes,
			      AWSVPN_STAT_PAD) ||
	    (in ? awsvpn_put_counters(skb, &sa->stats, awsvpn_sa_in_stats,
				      ARRAY_SIZE(awsvpn_sa_in_stats)) :
		  awsvpn_put_counters(skb, &sa->stats, awsvpn_sa_out_stats,
				      ARRAY_SIZE(awsvpn_sa_out_stats))))
		return -EMSGSIZE;
	nla_nest_end(skb, stats);
	nla_nest_end(skb, nest);
	return 0;
}

static int awsvpn_put_dev_stats(struct sk_buff *skb, struct awsvpn_device *adev)
{
	struct nlattr *nest = nla_nest_start(skb, AWSVPN_A_STATS);
	struct rtnl_link_stats64 ts = {};

	dev_get_tstats64(adev->dev, &ts);
	if (!nest ||
	    nla_put_u64_64bit(skb, AWSVPN_STAT_RX_PACKETS, ts.rx_packets,
			      AWSVPN_STAT_PAD) ||
	    nla_put_u64_64bit(skb, AWSVPN_STAT_RX_BYTES, ts.rx_bytes,
			      AWSVPN_STAT_PAD) ||
	    nla_put_u64_64bit(skb, AWSVPN_STAT_TX_PACKETS, ts.tx_packets,
			      AWSVPN_STAT_PAD) ||
	    nla_put_u64_64bit(skb, AWSVPN_STAT_TX_BYTES, ts.tx_bytes,
			      AWSVPN_STAT_PAD) ||
	    nla_put_u64_64bit(skb, AWSVPN_STAT_TX_PARALLEL,
			      awsvpn_parallel_count(adev, AWSVPN_DIR_OUT),
			      AWSVPN_STAT_PAD) ||
	    nla_put_u64_64bit(skb, AWSVPN_STAT_RX_PARALLEL,
			      awsvpn_parallel_count(adev, AWSVPN_DIR_IN),
			      AWSVPN_STAT_PAD) ||
	    awsvpn_put_counters(skb, &adev->stats, awsvpn_dev_stats,
				ARRAY_SIZE(awsvpn_dev_stats)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Milliseconds since @stamp (jiffies), omitted when it never happened. */
static int awsvpn_put_age(struct sk_buff *skb, int type, unsigned long stamp)
{
	if (!stamp)
		return 0;
	/* 64 bits (on 64-bit kernels): jiffies_to_msecs() wraps at 49.7 days */
	return nla_put_u64_64bit(skb, type,
				 jiffies64_to_msecs((u64)(jiffies - stamp)),
				 AWSVPN_A_PAD);
}

/* "auto"'s measured costs per direction (queue.c). */
static int awsvpn_put_costs(struct sk_buff *skb, struct awsvpn_device *adev)
{
	u32 tx_crypt, tx_hop, rx_crypt, rx_hop;

	awsvpn_parallel_costs(adev, AWSVPN_DIR_OUT, &tx_crypt, &tx_hop);
	awsvpn_parallel_costs(adev, AWSVPN_DIR_IN, &rx_crypt, &rx_hop);
	return nla_put_u32(skb, AWSVPN_A_TX_CRYPT_NS, tx_crypt) ||
	       nla_put_u32(skb, AWSVPN_A_TX_HOP_NS, tx_hop) ||
	       nla_put_u32(skb, AWSVPN_A_RX_CRYPT_NS, rx_crypt) ||
	       nla_put_u32(skb, AWSVPN_A_RX_HOP_NS, rx_hop);
}

/* Caller holds RTNL. */
static int awsvpn_fill_device(struct sk_buff *skb, struct awsvpn_device *adev,
			      u32 portid, u32 seq, int flags)
{
	struct net_device *dev = adev->dev;
	struct nlattr *sas;
	struct awsvpn_sa *sa;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &awsvpn_genl_family, flags,
			  AWSVPN_CMD_GET_DEVICE);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, AWSVPN_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, AWSVPN_A_IFNAME, dev->name) ||
	    nla_put_in_addr(skb, AWSVPN_A_LOCAL, adev->local) ||
	    nla_put_in_addr(skb, AWSVPN_A_REMOTE, adev->remote) ||
	    nla_put_u8(skb, AWSVPN_A_ENCAP, adev->encap) ||
	    nla_put_u16(skb, AWSVPN_A_LOCAL_PORT, adev->local_port) ||
	    nla_put_u16(skb, AWSVPN_A_REMOTE_PORT, adev->remote_port) ||
	    nla_put_u8(skb, AWSVPN_A_DF_POLICY, adev->df_policy) ||
	    nla_put_u8(skb, AWSVPN_A_MSS_MODE, adev->mss_mode) ||
	    (adev->mss && nla_put_u16(skb, AWSVPN_A_MSS, adev->mss)) ||
	    nla_put_u32(skb, AWSVPN_A_REPLAY_WINDOW, adev->replay_window) ||
	    nla_put_u32(skb, AWSVPN_A_MTU, dev->mtu) ||
	    nla_put_u8(skb, AWSVPN_A_MTU_MODE, adev->mtu_mode) ||
	    nla_put_u32(skb, AWSVPN_A_OUTER_MTU, adev->outer_mtu) ||
	    nla_put_u8(skb, AWSVPN_A_OUTER_DF, adev->outer_df) ||
	    nla_put_u32(skb, AWSVPN_A_NAT_KEEPALIVE, adev->nat_keepalive) ||
	    nla_put_u8(skb, AWSVPN_A_SOCKET, awsvpn_socket_owner(adev)) ||
	    nla_put_u32(skb, AWSVPN_A_IF_ID, adev->if_id) ||
	    nla_put_u8(skb, AWSVPN_A_CARRIER, netif_carrier_ok(dev)) ||
	    nla_put_u8(skb, AWSVPN_A_CARRIER_REASON, adev->carrier_reason) ||
	    nla_put_u8(skb, AWSVPN_A_PARALLEL, adev->parallel) ||
	    awsvpn_put_costs(skb, adev) ||
	    awsvpn_put_age(skb, AWSVPN_A_LAST_RX_MS, READ_ONCE(adev->last_rx)) ||
	    awsvpn_put_age(skb, AWSVPN_A_LAST_TX_MS, READ_ONCE(adev->last_tx)) ||
	    awsvpn_put_dev_stats(skb, adev))
		goto err;

	sas = nla_nest_start(skb, AWSVPN_A_SAS);
	if (!sas)
		goto err;
	list_for_each_entry(sa, &adev->sas, list)
		if (awsvpn_put_sa(skb, sa))
			goto err;
	nla_nest_end(skb, sas);
	genlmsg_end(skb, hdr);
	return 0;
err:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * The genl core checks the reserved header field only of operations from
 * .resv_start_op on, and it would also give those without a policy one
 * that rejects every attribute; the family starts it after its last
 * operation (see awsvpn_genl_family) and checks the field here instead,
 * in every handler.
 */
static int awsvpn_check_hdr(const struct genlmsghdr *hdr,
			    struct netlink_ext_ack *extack)
{
	if (!hdr->reserved)
		return 0;
	NL_SET_ERR_MSG_MOD(extack, "reserved genl header field must be 0");
	return -EINVAL;
}

static int awsvpn_nl_get_device(struct sk_buff *skb, struct genl_info *info)
{
	struct awsvpn_device *adev;
	struct sk_buff *msg;
	int ret;

	ret = awsvpn_check_hdr(info->genlhdr, info->extack);
	if (ret)
		return ret;
	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	adev = awsvpn_request_device(info);
	if (IS_ERR(adev)) {
		ret = PTR_ERR(adev);
		goto err;
	}
	ret = awsvpn_fill_device(msg, adev, info->snd_portid, info->snd_seq, 0);
	if (ret)
		goto err;
	rtnl_unlock();
	return genlmsg_reply(msg, info);
err:
	rtnl_unlock();
	nlmsg_free(msg);
	return ret;
}

/*
 * The device list is in arrival order, not ifindex order (a device moved in
 * from another namespace keeps its index), so a batch resumes after the
 * number of awsvpn devices already sent, never by ifindex.  A device added
 * or removed between two batches shifts that count, so every batch records
 * the namespace's device list generation and a message sent after it changed
 * carries NLM_F_DUMP_INTR: userspace then knows the list it read may have
 * skipped or repeated a device and dumps again, as for rtnetlink's links.
 */
static int awsvpn_nl_dump_devices(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	long skip = cb->args[0], idx = 0;
	struct net_device *dev;
	int ret;

	ret = awsvpn_check_hdr(nlmsg_data(cb->nlh), cb->extack);
	if (ret)
		return ret;

	rtnl_lock();
	cb->seq = net->dev_base_seq;
	for_each_netdev(net, dev) {
		if (dev->rtnl_link_ops != &awsvpn_link_ops || idx++ < skip)
			continue;
		ret = awsvpn_fill_device(skb, netdev_priv(dev),
					 NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (ret) {
			idx--;	/* send it again in the next batch */
			break;
		}
		nl_dump_check_consistent(cb, nlmsg_hdr(skb));
	}
	cb->args[0] = idx;
	rtnl_unlock();
	/* A device too big for an empty buffer would loop forever. */
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

/* Addresses AWS could never be reached at, or we could never send from. */
static bool awsvpn_bad_outer_addr(__be32 a)
{
	return ipv4_is_multicast(a) || ipv4_is_lbcast(a) ||
	       ipv4_is_loopback(a) || ipv4_is_zeronet(a) ||
	       (ntohl(a) & 0xf0000000) == 0xf0000000;
}

/*
 * Wipe the key bytes of a request once the crypto layer has its own copy,
 * or the request failed: every key attribute in every top-level SA nest,
 * parsed or not (a parse error stops short of them, a repeated nest or key
 * is parsed once).  Read from the message itself, not from info->attrs,
 * which may be incomplete or hold only the last of repeated attributes.
 */
static void awsvpn_wipe_keys(struct genl_info *info)
{
	struct nlattr *sa, *attr;
	int rem, nrem;

	nlmsg_for_each_attr(sa, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(sa) != AWSVPN_A_SA)
			continue;
		nla_for_each_nested(attr, sa, nrem) {
			if (nla_type(attr) == AWSVPN_SA_A_ENC_KEY ||
			    nla_type(attr) == AWSVPN_SA_A_INTEG_KEY)
				memzero_explicit(nla_data(attr), nla_len(attr));
		}
		/* a malformed attribute ends the walk: a key may follow it */
		if (nrem > 0)
			memzero_explicit(attr, nrem);
	}
	if (rem > 0)
		memzero_explicit(sa, rem);
}

/*
 * SET_DEVICE and NEW_SA may carry key bytes.  Their operations give the
 * genl core no policy, so it parses nothing: a request it rejected would be
 * freed, or echoed to the sender, with the keys still in it, before any
 * code of ours ran.  They are parsed here instead, with the same strict
 * policy and extack messages, and wiped whatever the outcome.
 */
static int awsvpn_parse_keyed(struct genl_info *info, struct nlattr **tb)
{
	int ret;

	ret = awsvpn_check_hdr(info->genlhdr, info->extack) ?:
	      nlmsg_parse(info->nlhdr, GENL_HDRLEN, tb, AWSVPN_A_MAX,
			  awsvpn_policy, info->extack);
	info->attrs = tb;
	if (ret)
		awsvpn_wipe_keys(info);
	return ret;
}

/*
 * The outer side of a device acts in the namespace the device was created
 * in (adev->net), wherever the device lives now.  GENL_UNS_ADMIN_PERM only
 * vouches for the namespace the request comes from, where the device
 * lives: a device delegated to a container (moved into a namespace of
 * another user namespace) would otherwise let the container's root bind
 * UDP ports with IP_FREEBIND in the host's namespace, send ESP anywhere
 * from there and claim inbound SPIs ahead of the host's own XFRM states.
 * As WireGuard does for its creating namespace, whatever acts there also
 * needs CAP_NET_ADMIN over the outer namespace: local and remote address,
 * ports, encapsulation, socket adoption, inbound SAs.  The device's own
 * settings (MTU, MSS, DF, outbound SAs towards the remote the outer side
 * chose) stay with whoever administers the device.  The opener of the
 * netlink socket is checked as well as the sender, like the genl flag.
 */
static bool awsvpn_outer_capable(struct sk_buff *skb,
				 const struct awsvpn_device *adev,
				 const struct nlattr *attr,
				 struct netlink_ext_ack *extack)
{
	if (netlink_ns_capable(skb, adev->net->user_ns, CAP_NET_ADMIN))
		return true;
	NL_SET_ERR_MSG_MOD(extack,
			   "local/remote address, ports, encap, socket-fd and inbound SAs need CAP_NET_ADMIN in the device's outer network namespace");
	NL_SET_BAD_ATTR(extack, attr);
	return false;
}

static int awsvpn_set_device(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct net *net = genl_info_net(info);
	struct awsvpn_device *adev, *owner;
	struct nlattr **a = info->attrs, *outer;
	__be32 local = 0, remote = 0;
	u32 outer_mtu, mtu = 0, if_id = 0;
	u8 mss_mode, mtu_mode, old_mtu_mode, encap;
	struct awsvpn_socket *as = NULL;
	bool sock_change, set_mtu;
	u16 mss;
	int ret = 0;

	if (a[AWSVPN_A_SA]) {
		awsvpn_wipe_keys(info);
		NL_SET_ERR_MSG_ATTR(extack, a[AWSVPN_A_SA],
				    "SAs are added with AWSVPN_CMD_NEW_SA");
		return -EINVAL;
	}
	if (a[AWSVPN_A_LOCAL]) {
		local = nla_get_in_addr(a[AWSVPN_A_LOCAL]);
		if (local && awsvpn_bad_outer_addr(local)) {
			NL_SET_ERR_MSG_ATTR(extack, a[AWSVPN_A_LOCAL],
					    "local address must be a unicast IPv4 address");
			return -EINVAL;
		}
	}
	if (a[AWSVPN_A_REMOTE]) {
		remote = nla_get_in_addr(a[AWSVPN_A_REMOTE]);
		if (remote && awsvpn_bad_outer_addr(remote)) {
			NL_SET_ERR_MSG_ATTR(extack, a[AWSVPN_A_REMOTE],
					    "remote address must be a unicast IPv4 address");
			return -EINVAL;
		}
	}

	rtnl_lock();
	adev = awsvpn_request_device(info);
	if (IS_ERR(adev)) {
		ret = PTR_ERR(adev);
		goto out;
	}
	outer = a[AWSVPN_A_LOCAL] ?: a[AWSVPN_A_REMOTE] ?:
		a[AWSVPN_A_LOCAL_PORT] ?: a[AWSVPN_A_REMOTE_PORT] ?:
		a[AWSVPN_A_ENCAP] ?: a[AWSVPN_A_SOCKET_FD];
	if (outer && !awsvpn_outer_capable(skb, adev, outer, extack)) {
		ret = -EPERM;
		goto out;
	}

	/* Validate the MSS pair against the current state before changing. */
	mss_mode = adev->mss_mode;
	mss = adev->mss;
	if (a[AWSVPN_A_MSS]) {
		mss = nla_get_u16(a[AWSVPN_A_MSS]);
		mss_mode = AWSVPN_MSS_FIXED;
	}
	if (a[AWSVPN_A_MSS_MODE])
		mss_mode = nla_get_u8(a[AWSVPN_A_MSS_MODE]);
	if (mss_mode == AWSVPN_MSS_FIXED && !mss) {
		NL_SET_ERR_MSG_MOD(extack, "fixed MSS clamping needs an MSS value");
		ret = -EINVAL;
		goto out;
	}
	if (mss_mode != AWSVPN_MSS_FIXED)
		mss = 0;

	outer_mtu = a[AWSVPN_A_OUTER_MTU] ?
		    nla_get_u32(a[AWSVPN_A_OUTER_MTU]) : adev->outer_mtu;
	if (outer_mtu && outer_mtu < AWSVPN_OUTER_MTU_MIN) {
		NL_SET_ERR_MSG_ATTR(extack, a[AWSVPN_A_OUTER_MTU],
				    "outer MTU must be 0 (from the route) or 576..65535");
		ret = -ERANGE;
		goto out;
	}
	mtu_mode = a[AWSVPN_A_MTU] ? AWSVPN_MTU_FIXED : adev->mtu_mode;
	if (a[AWSVPN_A_MTU_MODE])
		mtu_mode = nla_get_u8(a[AWSVPN_A_MTU_MODE]);
	if (a[AWSVPN_A_MTU]) {
		mtu = nla_get_u32(a[AWSVPN_A_MTU]);
		if (mtu < adev->dev->min_mtu || mtu > adev->dev->max_mtu) {
			NL_SET_ERR_MSG_ATTR(extack, a[AWSVPN_A_MTU],
					    "MTU outside the device's range");
			ret = -ERANGE;
			goto out;
		}
	}

	if (a[AWSVPN_A_SOCKET_FD] && nla_get_s32(a[AWSVPN_A_SOCKET_FD]) >= 0 &&
	    a[AWSVPN_A_ENCAP] &&
	    nla_get_u8(a[AWSVPN_A_ENCAP]) != AWSVPN_ENCAP_UDP) {
		NL_SET_ERR_MSG_ATTR(extack, a[AWSVPN_A_SOCKET_FD],
				    "a socket fd implies encap udp");
		ret = -EINVAL;
		goto out;
	}

	/*
	 * The device lives in the requester's namespace.  Its own current
	 * value is no collision, so setting it again is harmless.
	 */
	if (a[AWSVPN_A_IF_ID]) {
		if_id = nla_get_u32(a[AWSVPN_A_IF_ID]);
		owner = awsvpn_if_id_owner(net, if_id, adev);
		if (owner) {
			awsvpn_extack_fmt(extack, awsvpn_pernet(net)->extack_msg,
					  "if-id %u is already used by %s",
					  if_id, owner->dev->name);
			NL_SET_BAD_ATTR(extack, a[AWSVPN_A_IF_ID]);
			ret = -EEXIST;
			goto out;
		}
	}

	/* The rings of "parallel on" (kept if the request fails later;
	 * "auto" makes them when a direction is first busy).
	 */
	if (a[AWSVPN_A_PARALLEL] &&
	    nla_get_u8(a[AWSVPN_A_PARALLEL]) == AWSVPN_PARALLEL_ON) {
		ret = awsvpn_parallel_prepare(adev);
		if (ret) {
			NL_SET_ERR_MSG_ATTR(extack, a[AWSVPN_A_PARALLEL],
					    "no memory for the parallel crypto queues");
			goto out;
		}
	}

	/*
	 * Two steps can still fail: the NAT-T socket (port in use, bad
	 * descriptor) and the MTU (a notifier may refuse it).  Prepare the
	 * first, try the second, and only then change anything else, so
	 * that a failing request leaves the device as it was.
	 */
	sock_change = a[AWSVPN_A_ENCAP] || a[AWSVPN_A_LOCAL] ||
		      a[AWSVPN_A_LOCAL_PORT] || a[AWSVPN_A_SOCKET_FD];
	if (a[AWSVPN_A_SOCKET_FD] && nla_get_s32(a[AWSVPN_A_SOCKET_FD]) >= 0)
		encap = AWSVPN_ENCAP_UDP;
	else if (a[AWSVPN_A_ENCAP])
		encap = nla_get_u8(a[AWSVPN_A_ENCAP]);
	else
		encap = adev->encap;
	if (sock_change) {
		as = awsvpn_socket_prepare(adev, encap,
			a[AWSVPN_A_LOCAL] ? local : adev->local,
			a[AWSVPN_A_LOCAL_PORT] ?
				nla_get_u16(a[AWSVPN_A_LOCAL_PORT]) : adev->local_port,
			a[AWSVPN_A_SOCKET_FD] ?
				nla_get_s32(a[AWSVPN_A_SOCKET_FD]) : AWSVPN_FD_KEEP,
			extack);
		if (IS_ERR(as)) {
			ret = PTR_ERR(as);
			goto out;
		}
	}
	/* As with MSS_MODE and MSS, an explicit MTU_MODE auto wins. */
	set_mtu = a[AWSVPN_A_MTU] && mtu_mode == AWSVPN_MTU_FIXED;
	if (set_mtu) {
		/* awsvpn_change_mtu() pins the mode even if a notifier then
		 * refuses the MTU.
		 */
		old_mtu_mode = adev->mtu_mode;
		ret = dev_set_mtu(adev->dev, mtu);
		if (ret) {
			adev->mtu_mode = old_mtu_mode;
			if (sock_change)
				awsvpn_socket_abort(as);
			goto out;
		}
	}
	if (sock_change)
		awsvpn_socket_commit(adev, encap, as);

	/* Everything is valid: apply. */
	WRITE_ONCE(adev->mss, mss);
	WRITE_ONCE(adev->mss_mode, mss_mode);
	if (a[AWSVPN_A_LOCAL])
		WRITE_ONCE(adev->local, local);
	if (a[AWSVPN_A_REMOTE])
		WRITE_ONCE(adev->remote, remote);
	if (a[AWSVPN_A_ENCAP])
		WRITE_ONCE(adev->encap, nla_get_u8(a[AWSVPN_A_ENCAP]));
	if (a[AWSVPN_A_LOCAL_PORT])
		WRITE_ONCE(adev->local_port, nla_get_u16(a[AWSVPN_A_LOCAL_PORT]));
	if (a[AWSVPN_A_REMOTE_PORT])
		WRITE_ONCE(adev->remote_port,
			   nla_get_u16(a[AWSVPN_A_REMOTE_PORT]));
	if (a[AWSVPN_A_DF_POLICY])
		WRITE_ONCE(adev->df_policy, nla_get_u8(a[AWSVPN_A_DF_POLICY]));
	if (a[AWSVPN_A_OUTER_DF])
		WRITE_ONCE(adev->outer_df, nla_get_u8(a[AWSVPN_A_OUTER_DF]));
	if (a[AWSVPN_A_REPLAY_WINDOW])
		adev->replay_window = nla_get_u32(a[AWSVPN_A_REPLAY_WINDOW]);
	if (a[AWSVPN_A_NAT_KEEPALIVE])
		WRITE_ONCE(adev->nat_keepalive,
			   nla_get_u32(a[AWSVPN_A_NAT_KEEPALIVE]));
	if (a[AWSVPN_A_IF_ID])
		adev->if_id = if_id;
	if (a[AWSVPN_A_PARALLEL])
		awsvpn_parallel_set(adev, nla_get_u8(a[AWSVPN_A_PARALLEL]));
	if (a[AWSVPN_A_LOCAL] || a[AWSVPN_A_REMOTE] || a[AWSVPN_A_ENCAP] ||
	    a[AWSVPN_A_LOCAL_PORT] || a[AWSVPN_A_REMOTE_PORT] ||
	    a[AWSVPN_A_SOCKET_FD])
		awsvpn_outer_changed(adev);
	if (a[AWSVPN_A_REMOTE] || a[AWSVPN_A_REMOTE_PORT])
		awsvpn_socket_peer_changed(adev);
	awsvpn_keepalive_update(adev);
	if (a[AWSVPN_A_REMOTE])
		awsvpn_carrier_update(adev);

	adev->outer_mtu = outer_mtu;
	adev->mtu_mode = mtu_mode;
	if (!set_mtu)
		awsvpn_mtu_update(adev);
	/*
	 * IFLA_INFO_DATA changed: RTM_NEWLINK to "ip monitor link" and
	 * network managers, as the core does after an rtnetlink changelink
	 * (and, as there, only while the device is up).
	 */
	netdev_state_change(adev->dev);
out:
	rtnl_unlock();
	return ret;
}

static int awsvpn_parse_sa(struct genl_info *info, struct nlattr **tb)
{
	struct nlattr *nest = info->attrs[AWSVPN_A_SA];

	if (!nest) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, AWSVPN_A_SA);
		NL_SET_ERR_MSG_MOD(info->extack, "SA attributes (AWSVPN_A_SA) required");
		return -EINVAL;
	}
	return nla_parse_nested(tb, AWSVPN_SA_A_MAX, nest, awsvpn_sa_policy,
				info->extack);
}

/* A required attribute inside AWSVPN_A_SA: say which one is missing. */
#define awsvpn_sa_require(info, tb, type, msg) ({			\
	bool __present = !!(tb)[type];					\
	if (!__present) {						\
		NL_SET_ERR_ATTR_MISS((info)->extack,			\
				     (info)->attrs[AWSVPN_A_SA], type);	\
		NL_SET_ERR_MSG_MOD((info)->extack, msg);		\
	}								\
	__present;							\
})

static int awsvpn_nl_set_device(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[AWSVPN_A_MAX + 1];
	int ret;

	ret = awsvpn_parse_keyed(info, tb);
	return ret ?: awsvpn_set_device(skb, info);
}

static int awsvpn_new_sa(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AWSVPN_SA_A_MAX + 1] = {};
	struct awsvpn_sa_params p = {};
	unsigned int enc_len, integ_len;
	struct awsvpn_device *adev;
	struct crypto_aead *aead;
	bool gcm;
	int ret;

	ret = awsvpn_parse_sa(info, tb);
	if (ret)
		goto wipe;
	ret = -EINVAL;
	if (!awsvpn_sa_require(info, tb, AWSVPN_SA_A_DIR, "SA direction required") ||
	    !awsvpn_sa_require(info, tb, AWSVPN_SA_A_SPI, "SA SPI required") ||
	    !awsvpn_sa_require(info, tb, AWSVPN_SA_A_ENC, "SA encryption suite required") ||
	    !awsvpn_sa_require(info, tb, AWSVPN_SA_A_ENC_KEY, "SA encryption key required"))
		goto wipe;

	p.dir = nla_get_u8(tb[AWSVPN_SA_A_DIR]);
	p.spi = nla_get_u32(tb[AWSVPN_SA_A_SPI]);
	p.enc = nla_get_u8(tb[AWSVPN_SA_A_ENC]);
	p.integ = tb[AWSVPN_SA_A_INTEG] ? nla_get_u8(tb[AWSVPN_SA_A_INTEG]) : 0;
	gcm = p.enc == AWSVPN_ENC_AES128_GCM16 || p.enc == AWSVPN_ENC_AES256_GCM16;
	if (gcm && p.integ) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AWSVPN_SA_A_INTEG],
				    "AES-GCM carries its own ICV: no integrity algorithm allowed");
		goto wipe;
	}
	if (!gcm && !p.integ) {
		NL_SET_ERR_ATTR_MISS(extack, info->attrs[AWSVPN_A_SA],
				     AWSVPN_SA_A_INTEG);
		NL_SET_ERR_MSG_MOD(extack, "AES-CBC needs an integrity algorithm");
		goto wipe;
	}
	if (!p.integ && tb[AWSVPN_SA_A_INTEG_KEY]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AWSVPN_SA_A_INTEG_KEY],
				    "integrity key given without integrity algorithm");
		goto wipe;
	}
	if (p.integ && !awsvpn_sa_require(info, tb, AWSVPN_SA_A_INTEG_KEY,
					  "SA integrity key required"))
		goto wipe;
	awsvpn_sa_key_lengths(p.enc, p.integ, &enc_len, &integ_len);
	p.enc_key = nla_data(tb[AWSVPN_SA_A_ENC_KEY]);
	p.enc_key_len = nla_len(tb[AWSVPN_SA_A_ENC_KEY]);
	if (p.enc_key_len != enc_len) {
		if (gcm)
			NL_SET_ERR_MSG_ATTR(extack, tb[AWSVPN_SA_A_ENC_KEY],
					    "AES-GCM key must be the AES key plus a 4-byte salt (20 or 36 bytes)");
		else
			NL_SET_ERR_MSG_ATTR(extack, tb[AWSVPN_SA_A_ENC_KEY],
					    "AES-CBC key must be 16 or 32 bytes");
		goto wipe;
	}
	if (p.integ) {
		p.integ_key = nla_data(tb[AWSVPN_SA_A_INTEG_KEY]);
		p.integ_key_len = nla_len(tb[AWSVPN_SA_A_INTEG_KEY]);
		if (p.integ_key_len != integ_len) {
			NL_SET_ERR_MSG_ATTR(extack, tb[AWSVPN_SA_A_INTEG_KEY],
					    "integrity key length does not match the algorithm (sha1 20, sha2-256 32, sha2-384 48, sha2-512 64 bytes)");
			goto wipe;
		}
	}
	if (p.dir == AWSVPN_DIR_OUT && tb[AWSVPN_SA_A_REPLAY_WINDOW]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AWSVPN_SA_A_REPLAY_WINDOW],
				    "replay window applies to inbound SAs only");
		goto wipe;
	}
	if (p.dir == AWSVPN_DIR_IN && tb[AWSVPN_SA_A_SEQ]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[AWSVPN_SA_A_SEQ],
				    "initial sequence number applies to outbound SAs only");
		goto wipe;
	}
	p.seq = tb[AWSVPN_SA_A_SEQ] ? nla_get_u32(tb[AWSVPN_SA_A_SEQ]) : 0;
	if (p.seq == U32_MAX) {
		/* it would hard-expire on its first packet (RFC 4303 3.3.3) */
		NL_SET_ERR_MSG_ATTR(extack, tb[AWSVPN_SA_A_SEQ],
				    "sequence number 4294967295: the SA could send nothing");
		goto wipe;
	}
	if (tb[AWSVPN_SA_A_ACTIVATE_ON_RX]) {
		if (p.dir != AWSVPN_DIR_OUT) {
			NL_SET_ERR_MSG_ATTR(extack, tb[AWSVPN_SA_A_ACTIVATE_ON_RX],
					    "activate on-first-rx applies to outbound SAs only");
			goto wipe;
		}
		p.activate_on_rx = nla_get_u32(tb[AWSVPN_SA_A_ACTIVATE_ON_RX]);
	}
	p.time_soft = nla_get_u32_default(tb[AWSVPN_SA_A_TIME_SOFT], 0);
	p.time_hard = nla_get_u32_default(tb[AWSVPN_SA_A_TIME_HARD], 0);
	p.bytes_soft = nla_get_u64_default(tb[AWSVPN_SA_A_BYTES_SOFT], 0);
	p.bytes_hard = nla_get_u64_default(tb[AWSVPN_SA_A_BYTES_HARD], 0);
	p.packets_soft = nla_get_u64_default(tb[AWSVPN_SA_A_PACKETS_SOFT], 0);
	p.packets_hard = nla_get_u64_default(tb[AWSVPN_SA_A_PACKETS_HARD], 0);
	if ((p.time_hard && p.time_soft > p.time_hard) ||
	    (p.bytes_hard && p.bytes_soft > p.bytes_hard) ||
	    (p.packets_hard && p.packets_soft > p.packets_hard)) {
		NL_SET_ERR_MSG_MOD(extack, "a soft limit must not exceed its hard limit");
		goto wipe;
	}

	aead = awsvpn_sa_aead(&p, extack);
	if (IS_ERR(aead)) {
		ret = PTR_ERR(aead);
		goto wipe;
	}
	rtnl_lock();
	adev = awsvpn_request_device(info);
	if (IS_ERR(adev)) {
		ret = PTR_ERR(adev);
	} else if (p.dir == AWSVPN_DIR_IN &&
		   !awsvpn_outer_capable(skb, adev, tb[AWSVPN_SA_A_DIR], extack)) {
		/* An inbound SPI takes ESP in the outer namespace. */
		ret = -EPERM;
	} else {
		p.replay_window = tb[AWSVPN_SA_A_REPLAY_WINDOW] ?
				  nla_get_u32(tb[AWSVPN_SA_A_REPLAY_WINDOW]) :
				  adev->replay_window;
		ret = awsvpn_sa_add(adev, &p, aead, extack);
		aead = NULL;	/* the SA's, or freed */
	}
	rtnl_unlock();
	if (aead)
		crypto_free_aead(aead);
wipe:
	awsvpn_wipe_keys(info);
	return ret;
}

static int awsvpn_nl_new_sa(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[AWSVPN_A_MAX + 1];
	int ret;

	ret = awsvpn_parse_keyed(info, tb);
	return ret ?: awsvpn_new_sa(skb, info);
}

static int awsvpn_nl_del_sa(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[AWSVPN_SA_A_MAX + 1];
	struct awsvpn_device *adev;
	struct awsvpn_sa *sa;
	int ret;

	ret = awsvpn_check_hdr(info->genlhdr, info->extack) ?:
	      awsvpn_parse_sa(info, tb);
	if (ret)
		return ret;
	if (!awsvpn_sa_require(info, tb, AWSVPN_SA_A_DIR, "SA direction required") ||
	    !awsvpn_sa_require(info, tb, AWSVPN_SA_A_SPI, "SA SPI required"))
		return -EINVAL;

	rtnl_lock();
	adev = awsvpn_request_device(info);
	if (IS_ERR(adev)) {
		ret = PTR_ERR(adev);
		goto out;
	}
	sa = awsvpn_sa_find(adev, nla_get_u8(tb[AWSVPN_SA_A_DIR]),
			    nla_get_u32(tb[AWSVPN_SA_A_SPI]));
	if (!sa) {
		NL_SET_ERR_MSG_MOD(info->extack, "no SA with this direction and SPI on the device");
		ret = -ENOENT;
		goto out;
	}
	awsvpn_event(adev, AWSVPN_EVENT_SA_DELETED, sa, 0, 0, GFP_KERNEL);
	awsvpn_sa_unlink(sa);
	awsvpn_carrier_update(adev);
out:
	rtnl_unlock();
	return ret;
}

static int awsvpn_nl_switch_sa(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[AWSVPN_SA_A_MAX + 1];
	struct awsvpn_device *adev;
	struct awsvpn_sa *sa;
	int ret;

	ret = awsvpn_check_hdr(info->genlhdr, info->extack) ?:
	      awsvpn_parse_sa(info, tb);
	if (ret)
		return ret;
	if (!awsvpn_sa_require(info, tb, AWSVPN_SA_A_SPI, "SA SPI required"))
		return -EINVAL;
	if (tb[AWSVPN_SA_A_DIR] &&
	    nla_get_u8(tb[AWSVPN_SA_A_DIR]) != AWSVPN_DIR_OUT) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[AWSVPN_SA_A_DIR],
				    "only outbound SAs are switched");
		return -EINVAL;
	}

	rtnl_lock();
	adev = awsvpn_request_device(info);
	if (IS_ERR(adev)) {
		ret = PTR_ERR(adev);
		goto out;
	}
	sa = awsvpn_sa_find(adev, AWSVPN_DIR_OUT,
			    nla_get_u32(tb[AWSVPN_SA_A_SPI]));
	if (!sa) {
		NL_SET_ERR_MSG_MOD(info->extack, "no outbound SA with this SPI on the device");
		ret = -ENOENT;
		goto out;
	}
	if (awsvpn_sa_dead(sa)) {
		NL_SET_ERR_MSG_MOD(info->extack, "the SA has expired");
		ret = -EKEYEXPIRED;
		goto out;
	}
	awsvpn_sa_switch(adev, sa);
out:
	rtnl_unlock();
	return ret;
}

/* Multicast one event to listeners in the device's namespace. */
void awsvpn_event(struct awsvpn_device *adev, u8 type,
		  const struct awsvpn_sa *sa, u8 reason, u64 count, gfp_t gfp)
{
	struct net_device *dev = adev->dev;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, gfp);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &awsvpn_genl_family, 0, AWSVPN_CMD_EVENT);
	if (!hdr)
		goto err;
	if (nla_put_u8(msg, AWSVPN_A_EVENT, type) ||
	    nla_put_u32(msg, AWSVPN_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(msg, AWSVPN_A_IFNAME, dev->name) ||
	    (reason && nla_put_u8(msg, AWSVPN_A_EVENT_REASON, reason)) ||
	    (count && nla_put_u64_64bit(msg, AWSVPN_A_EVENT_COUNT, count,
					AWSVPN_A_PAD)))
		goto err;
	if (sa) {
		nest = nla_nest_start(msg, AWSVPN_A_SA);
		if (!nest || nla_put_u8(msg, AWSVPN_SA_A_DIR, sa->dir) ||
		    nla_put_u32(msg, AWSVPN_SA_A_SPI, sa->spi))
			goto err;
		nla_nest_end(msg, nest);
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&awsvpn_genl_family, dev_net(dev), msg, 0, 0,
				gfp);
	return;
err:
	nlmsg_free(msg);
}

static const struct genl_ops awsvpn_genl_ops[] = {
	{
		.cmd = AWSVPN_CMD_GET_DEVICE,
		.doit = awsvpn_nl_get_device,
		.dumpit = awsvpn_nl_dump_devices,
		.policy = awsvpn_policy,
		.maxattr = AWSVPN_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		/* Parsed by its handler (awsvpn_parse_keyed()). */
		.cmd = AWSVPN_CMD_SET_DEVICE,
		.doit = awsvpn_nl_set_device,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		/* Parsed by its handler (awsvpn_parse_keyed()). */
		.cmd = AWSVPN_CMD_NEW_SA,
		.doit = awsvpn_nl_new_sa,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = AWSVPN_CMD_DEL_SA,
		.doit = awsvpn_nl_del_sa,
		.policy = awsvpn_policy,
		.maxattr = AWSVPN_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = AWSVPN_CMD_SWITCH_SA,
		.doit = awsvpn_nl_switch_sa,
		.policy = awsvpn_policy,
		.maxattr = AWSVPN_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family awsvpn_genl_family __ro_after_init = {
	.name = AWSVPN_GENL_NAME,
	.version = AWSVPN_GENL_VERSION,
	/* Per operation: SET_DEVICE and NEW_SA parse their own. */
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = awsvpn_genl_ops,
	.n_ops = ARRAY_SIZE(awsvpn_genl_ops),
	.mcgrps = awsvpn_mcgrps,
	.n_mcgrps = ARRAY_SIZE(awsvpn_mcgrps),
	/*
	 * After the last operation: the core would give SET_DEVICE and NEW_SA,
	 * which have no policy of their own, one that rejects every attribute
	 * (before their keys are wiped), and the handlers check the reserved
	 * header field themselves (awsvpn_check_hdr()).
	 */
	.resv_start_op = __AWSVPN_CMD_MAX,
};

int awsvpn_genl_init(void)
{
	return genl_register_family(&awsvpn_genl_family);
}

void awsvpn_genl_uninit(void)
{
	genl_unregister_family(&awsvpn_genl_family);
}
