// SPDX-License-Identifier: GPL-2.0
/*
 * The awsvpn network device: a point-to-point, ARP-less L3 device whose
 * transmit path is ESP encryption towards the AWS endpoint.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_arp.h>
#include <linux/ip.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/rtnetlink.h>

#include "awsvpn.h"
#include "compat.h"

/*
 * Placeholder until newlink computes the auto MTU (mtu.c): without an
 * outbound SA that is the heaviest AWS suite, 1422 for raw ESP.
 */
#define AWSVPN_DEFAULT_MTU	1422
/* Outer IPv4 + UDP + ESP header + CBC IV + max padding + 2 + SHA-512 ICV */
#define AWSVPN_MAX_OVERHEAD	(20 + 8 + 8 + 16 + 15 + 2 + 32)
/*
 * Room we ask the stack to leave in front of inner packets: outer IPv4 +
 * UDP + ESP header + CBC IV, and the outer device's link header (Ethernet
 * with a VLAN tag, in the kernel's 16-byte units), so that no locally sent
 * packet needs a new head before encryption.
 */
#define AWSVPN_HEADROOM		(20 + 8 + 8 + 16 + 32)

static int awsvpn_dev_init(struct net_device *dev)
{
	struct awsvpn_device *adev = netdev_priv(dev);
	int ret;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	ret = dst_cache_init(&adev->dst_cache, GFP_KERNEL);
	if (ret)
		goto err_stats;
	ret = gro_cells_init(&adev->gro_cells, dev);
	if (ret)
		goto err_dst;
	awsvpn_parallel_init(adev);
	return 0;

err_dst:
	dst_cache_destroy(&adev->dst_cache);
err_stats:
	free_percpu(dev->tstats);
	return ret;
}

/*
 * Called under RTNL when the device is unregistered.  Dropping the SAs here
 * makes the SPI table forget the device at once; packets still inside the
 * crypto layer hold SA references, and each SA holds the device, so
 * unregistration waits for them.
 */
static void awsvpn_dev_uninit(struct net_device *dev)
{
	struct awsvpn_device *adev = netdev_priv(dev);

	awsvpn_socket_release(adev);
	awsvpn_sa_flush(adev);
	list_del(&adev->device_list);
}

/* ip link set mtu pins the MTU; our own auto updates do not. */
static int awsvpn_change_mtu(struct net_device *dev, int mtu)
{
	struct awsvpn_device *adev = netdev_priv(dev);

	if (!adev->mtu_auto_setting)
		adev->mtu_mode = AWSVPN_MTU_FIXED;
	WRITE_ONCE(dev->mtu, mtu);
	return 0;
}

static void awsvpn_dev_free(struct net_device *dev)
{
	struct awsvpn_device *adev = netdev_priv(dev);

	awsvpn_parallel_free(adev);
	gro_cells_destroy(&adev->gro_cells);
	dst_cache_destroy(&adev->dst_cache);
	free_percpu(dev->tstats);
}

static int awsvpn_open(struct net_device *dev)
{
	awsvpn_parallel_open(netdev_priv(dev));
	return 0;
}

static int awsvpn_stop(struct net_device *dev)
{
	awsvpn_parallel_stop(netdev_priv(dev));
	return 0;
}

static void awsvpn_get_stats64(struct net_device *dev,
			       struct rtnl_link_stats64 *st)
{
	struct awsvpn_device *adev = netdev_priv(dev);
	atomic64_t *c = adev->stats.c;

	dev_get_tstats64(dev, st);
	st->rx_errors = atomic64_read(&c[AWSVPN_STAT_RX_REPLAY]) +
			atomic64_read(&c[AWSVPN_STAT_RX_AUTH_FAIL]) +
			atomic64_read(&c[AWSVPN_STAT_RX_BAD_TRAILER]) +
			atomic64_read(&c[AWSVPN_STAT_RX_ERRORS]);
	st->rx_crc_errors = atomic64_read(&c[AWSVPN_STAT_RX_AUTH_FAIL]);
	st->rx_frame_errors = atomic64_read(&c[AWSVPN_STAT_RX_BAD_TRAILER]);
	st->rx_dropped = atomic64_read(&c[AWSVPN_STAT_RX_REPLAY]);
	st->tx_errors = atomic64_read(&c[AWSVPN_STAT_TX_ERRORS]) +
			atomic64_read(&c[AWSVPN_STAT_TX_SEQ_EXHAUSTED]);
	st->tx_carrier_errors = atomic64_read(&c[AWSVPN_STAT_TX_NO_SA]);
	st->tx_dropped = atomic64_read(&c[AWSVPN_STAT_TX_NO_SA]);
}

static const struct net_device_ops awsvpn_netdev_ops = {
	.ndo_init = awsvpn_dev_init,
	.ndo_uninit = awsvpn_dev_uninit,
	.ndo_open = awsvpn_open,
	.ndo_stop = awsvpn_stop,
	.ndo_start_xmit = awsvpn_xmit,
	.ndo_get_stats64 = awsvpn_get_stats64,
	.ndo_change_mtu = awsvpn_change_mtu,
};

static const struct device_type awsvpn_device_type = {
	.name = KBUILD_MODNAME,
};

/* What the stack may hand us: we segment and checksum in software. */
#define AWSVPN_FEATURES (NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_SG | \
			 NETIF_F_GSO | NETIF_F_GSO_SOFTWARE | NETIF_F_HIGHDMA)

static void awsvpn_setup(struct net_device *dev)
{
	struct awsvpn_device *adev = netdev_priv(dev);

	dev->netdev_ops = &awsvpn_netdev_ops;
	dev->header_ops = NULL;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	/*
	 * No netconsole: netpoll transmits with IRQs off, maybe from a hard
	 * IRQ that interrupted this CPU's transmit work inside one of the
	 * rings' locks, which the transmit path takes too.
	 */
	dev->priv_flags |= IFF_DISABLE_NETPOLL;
	/*
	 * Keep the inner route up to ndo_start_xmit: icmp_send() answers
	 * nothing without it, and ip_do_fragment() needs it.
	 */
	netif_keep_dst(dev);
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = AWSVPN_HEADROOM;
	dev->needed_tailroom = 16 + 2 + 32;
	dev->mtu = AWSVPN_DEFAULT_MTU;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - AWSVPN_MAX_OVERHEAD;
	dev->features |= AWSVPN_FEATURES;
	dev->hw_features |= AWSVPN_FEATURES;
	dev->hw_enc_features |= AWSVPN_FEATURES;
	awsvpn_set_lltx(dev);
	dev->needs_free_netdev = true;
	dev->priv_destructor = awsvpn_dev_free;
	SET_NETDEV_DEVTYPE(dev, &awsvpn_device_type);

	memset(adev, 0, sizeof(*adev));
	adev->dev = dev;
	adev->encap = AWSVPN_ENCAP_NONE;
	adev->local_port = AWSVPN_PORT_DEFAULT;
	adev->remote_port = AWSVPN_PORT_DEFAULT;
	adev->df_policy = AWSVPN_DF_CLEAR;
	adev->mss_mode = AWSVPN_MSS_AUTO;
	adev->replay_window = AWSVPN_REPLAY_WINDOW_DEFAULT;
	adev->outer_df = AWSVPN_OUTER_DF_SET;
	adev->mtu_mode = AWSVPN_MTU_AUTO;
	adev->nat_keepalive = AWSVPN_NAT_KEEPALIVE_DEFAULT;
	adev->parallel = AWSVPN_PARALLEL_AUTO;
	INIT_LIST_HEAD(&adev->sas);
	adev->rx_stopped = true;	/* until ndo_open */
	spin_lock_init(&adev->dst_lock);
	adev->carrier_reason = AWSVPN_CARRIER_NO_REMOTE;
	adev->burst_next[0] = adev->burst_next[1] = jiffies;
	INIT_LIST_HEAD(&adev->device_list);
	awsvpn_socket_init(adev);
}

static int awsvpn_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct netlink_ext_ack *extack)
{
	struct awsvpn_device *adev = netdev_priv(dev);
	int ret;

	adev->net = src_net;
	/* "ip link add ... mtu N" pins the MTU like "ip link set mtu" does. */
	if (tb[IFLA_MTU])
		adev->mtu_mode = AWSVPN_MTU_FIXED;
	/* No remote, no SA: nothing can be sent yet.  Before registration
	 * this only sets the state, without a linkwatch event.
	 */
	netif_carrier_off(dev);
	ret = register_netdevice(dev);
	if (ret)
		return ret;
	list_add(&adev->device_list, &awsvpn_device_list);
	awsvpn_mtu_update(adev);
	return 0;
}
AWSVPN_NEWLINK_WRAPPER(awsvpn_newlink)

static struct net *awsvpn_get_link_net(const struct net_device *dev)
{
	const struct awsvpn_device *adev = netdev_priv(dev);

	return adev->net;
}

#define AWSVPN_LINK_READ_ONLY \
	"awsvpn: settings are read-only over rtnetlink: use the awsvpn tool (awsvpn set DEV ...)"

/*
 * IFLA_INFO_DATA is what the device reports (awsvpn_fill_info()), never
 * what it takes: every attribute is refused by name, anything else by
 * awsvpn_validate().
 */
static const struct nla_policy awsvpn_link_policy[IFLA_AWSVPN_MAX + 1] = {
	[IFLA_AWSVPN_LOCAL ... IFLA_AWSVPN_MAX] = {
		.type = NLA_REJECT,
		.reject_message = AWSVPN_LINK_READ_ONLY,
	},
};

/*
 * RTM_NEWLINK, creating a device or changing one: refuse any IFLA_INFO_DATA,
 * also one whose attributes the policy does not know (the core parses it
 * liberally) or an empty one (the core would answer EOPNOTSUPP without a
 * word).
 */
static int awsvpn_validate(struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	struct nlattr *a;
	int rem;

	if (!tb[IFLA_LINKINFO])
		return 0;
	nla_for_each_nested(a, tb[IFLA_LINKINFO], rem) {
		if (nla_type(a) != IFLA_INFO_DATA)
			continue;
		NL_SET_ERR_MSG_ATTR(extack, a, AWSVPN_LINK_READ_ONLY);
		return -EINVAL;
	}
	return 0;
}

/* IFLA_AWSVPN_*: 8 u8, 3 u16, 6 u32 and be32. */
static size_t awsvpn_get_size(const struct net_device *dev)
{
	return 8 * nla_total_size(sizeof(u8)) +
	       3 * nla_total_size(sizeof(u16)) +
	       6 * nla_total_size(sizeof(u32));
}

/* Called under RTNL (RTM_GETLINK, dumps, notifications). */
static int awsvpn_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct awsvpn_device *adev = netdev_priv(dev);
	u8 mss_mode = READ_ONCE(adev->mss_mode);

	if (nla_put_in_addr(skb, IFLA_AWSVPN_LOCAL, READ_ONCE(adev->local)) ||
	    nla_put_in_addr(skb, IFLA_AWSVPN_REMOTE, READ_ONCE(adev->remote)) ||
	    nla_put_u8(skb, IFLA_AWSVPN_ENCAP, READ_ONCE(adev->encap)) ||
	    nla_put_u16(skb, IFLA_AWSVPN_LOCAL_PORT,
			READ_ONCE(adev->local_port)) ||
	    nla_put_u16(skb, IFLA_AWSVPN_REMOTE_PORT,
			READ_ONCE(adev->remote_port)) ||
	    nla_put_u8(skb, IFLA_AWSVPN_SOCKET, awsvpn_socket_owner(adev)) ||
	    nla_put_u32(skb, IFLA_AWSVPN_IF_ID, adev->if_id) ||
	    nla_put_u8(skb, IFLA_AWSVPN_DF_POLICY, READ_ONCE(adev->df_policy)) ||
	    nla_put_u8(skb, IFLA_AWSVPN_MSS_MODE, mss_mode) ||
	    nla_put_u16(skb, IFLA_AWSVPN_MSS, mss_mode == AWSVPN_MSS_FIXED ?
					       READ_ONCE(adev->mss) : 0) ||
	    nla_put_u8(skb, IFLA_AWSVPN_OUTER_DF, READ_ONCE(adev->outer_df)) ||
	    nla_put_u8(skb, IFLA_AWSVPN_MTU_MODE, adev->mtu_mode) ||
	    nla_put_u32(skb, IFLA_AWSVPN_OUTER_MTU, adev->outer_mtu) ||
	    nla_put_u32(skb, IFLA_AWSVPN_NAT_KEEPALIVE,
			READ_ONCE(adev->nat_keepalive)) ||
	    nla_put_u32(skb, IFLA_AWSVPN_REPLAY_WINDOW, adev->replay_window) ||
	    nla_put_u8(skb, IFLA_AWSVPN_PARALLEL, READ_ONCE(adev->parallel)) ||
	    nla_put_u8(skb, IFLA_AWSVPN_CARRIER_REASON,
		       READ_ONCE(adev->carrier_reason)))
		return -EMSGSIZE;
	return 0;
}

struct rtnl_link_ops awsvpn_link_ops __read_mostly = {
	.kind = KBUILD_MODNAME,
	.maxtype = IFLA_AWSVPN_MAX,
	.policy = awsvpn_link_policy,
	.priv_size = sizeof(struct awsvpn_device),
	.setup = awsvpn_setup,
	.validate = awsvpn_validate,
	.newlink = awsvpn_newlink_entry,
	.get_size = awsvpn_get_size,
	.fill_info = awsvpn_fill_info,
	.get_link_net = awsvpn_get_link_net,
};

/* Called when local/remote/encapsulation change: routes must be redone. */
void awsvpn_outer_changed(struct awsvpn_device *adev)
{
	spin_lock_bh(&adev->dst_lock);
	/* Pairs with awsvpn_route(): the new addresses are visible first. */
	smp_store_release(&adev->dst_gen, adev->dst_gen + 1);
	dst_cache_reset(&adev->dst_cache);
	spin_unlock_bh(&adev->dst_lock);
}

/* Why @adev cannot send right now, or AWSVPN_CARRIER_OK. */
static u8 awsvpn_carrier_reason(struct awsvpn_device *adev)
{
	struct awsvpn_sa *tx = rtnl_dereference(adev->tx_sa);

	if (!adev->remote)
		return AWSVPN_CARRIER_NO_REMOTE;
	if (tx && !awsvpn_sa_dead(tx))
		return AWSVPN_CARRIER_OK;
	/* Expired but not yet deleted (the work is queued), or deleted. */
	if (tx || adev->tx_expired)
		return AWSVPN_CARRIER_EXPIRED;
	return AWSVPN_CARRIER_NO_SA;
}

/*
 * Follow what the device can do with its carrier, so that routing does too:
 * a route-based gateway with a second tunnel to the same prefix (higher
 * metric, ignore_routes_with_linkdown) fails over when this one cannot
 * send.  Called under RTNL after every change of the remote address or the
 * active outbound SA; RTNL orders the transitions and their events.  Hard
 * expiry on the data path only marks the SA dead: the carrier follows from
 * its deletion work, which runs at once (packets meanwhile count tx_no_sa).
 */
void awsvpn_carrier_update(struct awsvpn_device *adev)
{
	struct net_device *dev = adev->dev;
	u8 reason = awsvpn_carrier_reason(adev);
	bool up = reason == AWSVPN_CARRIER_OK;

	ASSERT_RTNL();
	WRITE_ONCE(adev->carrier_reason, reason);
	if (up == netif_carrier_ok(dev))
		return;
	if (up)
		netif_carrier_on(dev);
	else
		netif_carrier_off(dev);
	awsvpn_event(adev, up ? AWSVPN_EVENT_CARRIER_UP :
				AWSVPN_EVENT_CARRIER_DOWN,
		     NULL, reason, 0, GFP_KERNEL);
}

/*
 * Resolve the device a netlink request names, in the requester's namespace.
 * Caller holds RTNL.
 */
struct awsvpn_device *awsvpn_lookup_device(struct net *net, u32 ifindex,
					   const char *ifname,
					   struct netlink_ext_ack *extack)
{
	struct net_device *dev = NULL, *byname;

	if (ifindex) {
		dev = __dev_get_by_index(net, ifindex);
		if (!dev) {
			NL_SET_ERR_MSG_MOD(extack, "no such device (ifindex)");
			return ERR_PTR(-ENODEV);
		}
	}
	if (ifname) {
		byname = __dev_get_by_name(net, ifname);
		if (!byname) {
			NL_SET_ERR_MSG_MOD(extack, "no such device (ifname)");
			return ERR_PTR(-ENODEV);
		}
		if (dev && dev != byname) {
			NL_SET_ERR_MSG_MOD(extack,
					   "ifindex and ifname name different devices");
			return ERR_PTR(-EINVAL);
		}
		dev = byname;
	}
	if (!dev) {
		NL_SET_ERR_MSG_MOD(extack, "device ifindex or ifname required");
		return ERR_PTR(-EINVAL);
	}
	if (dev->rtnl_link_ops != &awsvpn_link_ops) {
		NL_SET_ERR_MSG_MOD(extack, "not an awsvpn device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return netdev_priv(dev);
}

/*
 * The awsvpn device of @net, other than @self, whose if-id is @if_id, or
 * NULL.  if-ids are unique per namespace the devices live in: that is where
 * an IKE daemon lists them to find the one an SA's interface ID names.
 * Caller holds RTNL, which keeps the namespace's device list still.
 */
struct awsvpn_device *awsvpn_if_id_owner(struct net *net, u32 if_id,
					 const struct awsvpn_device *self)
{
	struct awsvpn_device *adev;
	struct net_device *dev;

	ASSERT_RTNL();
	if (!if_id)
		return NULL;
	for_each_netdev(net, dev) {
		if (dev->rtnl_link_ops != &awsvpn_link_ops)
			continue;
		adev = netdev_priv(dev);
		if (adev != self && adev->if_id == if_id)
			return adev;
	}
	return NULL;
}

/*
 * A device that moved into another namespace (NETDEV_REGISTER there, under
 * RTNL) keeps its if-id only if no device of that namespace uses it.  The
 * move itself cannot be refused, so the newcomer gives the value up.  A
 * device that is just being created has none yet.
 */
static void awsvpn_if_id_moved_in(struct awsvpn_device *adev)
{
	struct awsvpn_device *owner;

	owner = awsvpn_if_id_owner(dev_net(adev->dev), adev->if_id, adev);
	if (!owner)
		return;
	pr_info("%s: if-id %u is already used by %s in the new network namespace, cleared\n",
		adev->dev->name, adev->if_id, owner->dev->name);
	adev->if_id = 0;
}

/*
 * "mtu auto" with the outer MTU taken from the route follows the outer
 * link: a WAN link whose MTU changes (PPPoE, jumbo frames, a VLAN) or that
 * comes up changes what fits in one ESP packet.  Route-only changes are
 * picked up at the next reconfiguration.
 */
static void awsvpn_outer_link_changed(struct net_device *dev)
{
	struct awsvpn_device *adev;

	ASSERT_RTNL();
	list_for_each_entry(adev, &awsvpn_device_list, device_list)
		if (net_eq(adev->net, dev_net(dev)) && !adev->outer_mtu)
			awsvpn_mtu_update(adev);
}

/*
 * Count our devices per namespace (a move is an unregister in the old one
 * and a register in the new one) so the DF hook is free where there are
 * none, and keep if-ids unique in the namespace a device moves into.
 */
static int awsvpn_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (dev->rtnl_link_ops != &awsvpn_link_ops) {
		if (event == NETDEV_CHANGEMTU || event == NETDEV_UP)
			awsvpn_outer_link_changed(dev);
		return NOTIFY_DONE;
	}
	switch (event) {
	case NETDEV_REGISTER:
		atomic_inc(&awsvpn_pernet(dev_net(dev))->ndevs);
		awsvpn_if_id_moved_in(netdev_priv(dev));
		break;
	case NETDEV_UNREGISTER:
		atomic_dec(&awsvpn_pernet(dev_net(dev))->ndevs);
		break;
	case NETDEV_UP:
		awsvpn_event(netdev_priv(dev), AWSVPN_EVENT_DEV_UP, NULL, 0, 0,
			     GFP_KERNEL);
		break;
	case NETDEV_DOWN:
		awsvpn_event(netdev_priv(dev), AWSVPN_EVENT_DEV_DOWN, NULL, 0, 0,
			     GFP_KERNEL);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block awsvpn_netdev_notifier = {
	.notifier_call = awsvpn_netdev_event,
};

int awsvpn_device_init(void)
{
	int ret = register_netdevice_notifier(&awsvpn_netdev_notifier);

	if (ret)
		return ret;
	ret = rtnl_link_register(&awsvpn_link_ops);
	if (ret)
		unregister_netdevice_notifier(&awsvpn_netdev_notifier);
	return ret;
}

void awsvpn_device_uninit(void)
{
	rtnl_link_unregister(&awsvpn_link_ops);
	unregister_netdevice_notifier(&awsvpn_netdev_notifier);
}
