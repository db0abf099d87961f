// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn: the customer-gateway side of an AWS Site-to-Site VPN tunnel as a
 * network device with in-kernel ESP.  Module and namespace glue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <net/net_namespace.h>

#include "awsvpn.h"
#include "compat.h"

/* From the top-level VERSION file (Kbuild). */
#ifndef AWSVPN_VERSION
#define AWSVPN_VERSION "unknown"
#endif

unsigned int awsvpn_net_id __read_mostly;
LIST_HEAD(awsvpn_device_list);
/* Frees SAs after a grace period in process context (crypto_free_aead). */
struct workqueue_struct *awsvpn_wq;

static int __net_init awsvpn_net_init(struct net *net)
{
	int ret = awsvpn_sa_table_init(awsvpn_pernet(net));

	if (ret)
		return ret;
	ret = awsvpn_frag_net_init(net);
	if (ret)
		awsvpn_sa_table_destroy(awsvpn_pernet(net));
	return ret;
}

/*
 * A device whose outer namespace disappears cannot send or receive ESP any
 * more, and its inbound SAs sit in that namespace's SPI table: delete it
 * before the table goes.  Devices living in the dying namespace itself are
 * deleted by the core through dellink.
 */
static void __net_exit awsvpn_net_pre_exit(struct net *net)
{
	struct awsvpn_device *adev, *tmp;
	LIST_HEAD(kill);

	rtnl_lock();
	list_for_each_entry_safe(adev, tmp, &awsvpn_device_list, device_list) {
		if (adev->net == net)
			unregister_netdevice_queue(adev->dev, &kill);
	}
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}

static void __net_exit awsvpn_net_exit(struct net *net)
{
	awsvpn_frag_net_exit(net);
	awsvpn_sa_table_destroy(awsvpn_pernet(net));
}

/*
 * A subsystem, not a device, on purpose: the SPI table must outlive every
 * device of the namespace, because ESP received on any of them (a veth, a
 * physical NIC) is looked up in it.  Exit methods run in reverse order of
 * registration, and device operations sit after every subsystem, so a
 * device operation's .exit runs before those registered ahead of it --
 * among them, before 6.9, the core's default_device_exit_batch() that
 * unregisters the namespace's remaining devices.  From 6.9 the core
 * unregisters them before any .exit, but 6.1 still receives on them after
 * a device operation's .exit has freed its state.  A subsystem's .exit
 * runs after all device operations on both: by then the namespace has no
 * device left to receive on, and unregistering them waited for every
 * receiver (synchronize_net()).
 */
static struct pernet_operations awsvpn_net_ops = {
	.init = awsvpn_net_init,
	.pre_exit = awsvpn_net_pre_exit,
	.exit = awsvpn_net_exit,
	.id = &awsvpn_net_id,
	.size = sizeof(struct awsvpn_net),
};

static int __init awsvpn_mod_init(void)
{
	int ret;

	awsvpn_wq = alloc_workqueue("awsvpn", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!awsvpn_wq)
		return -ENOMEM;
	ret = awsvpn_queue_init();
	if (ret)
		goto err_wq;

	ret = register_pernet_subsys(&awsvpn_net_ops);
	if (ret)
		goto err_queue;
	ret = awsvpn_receive_init();
	if (ret)
		goto err_pernet;
	ret = awsvpn_device_init();
	if (ret)
		goto err_receive;
	ret = awsvpn_genl_init();
	if (ret)
		goto err_device;

	pr_info("version %s loaded\n", AWSVPN_VERSION);
	return 0;

err_device:
	awsvpn_device_uninit();
err_receive:
	awsvpn_receive_uninit();
err_pernet:
	unregister_pernet_subsys(&awsvpn_net_ops);
err_queue:
	awsvpn_queue_uninit();
err_wq:
	destroy_workqueue(awsvpn_wq);
	return ret;
}

/*
 * Not the reverse of init: deleting the devices sends events (device down,
 * carrier, SA deleted), and so may the work queued for them, through the
 * genl family, which must still be there.  Requests arriving meanwhile
 * find no device (rtnl_link_unregister() holds RTNL while it deletes them
 * all, and no new one can be made); unregistering the family then waits
 * for those in flight, before the namespaces' state they use goes.
 */
static void __exit awsvpn_mod_exit(void)
{
	/* Deletes every awsvpn device in every namespace. */
	awsvpn_device_uninit();
	/* SA frees are queued after RCU grace periods: let them all run. */
	rcu_barrier();
	flush_workqueue(awsvpn_wq);
	awsvpn_genl_uninit();
	awsvpn_receive_uninit();
	unregister_pernet_subsys(&awsvpn_net_ops);
	rcu_barrier();
	/* Every device is freed, and its pipes with their workers. */
	awsvpn_queue_uninit();
	awsvpn_crypt_cache_drain();
	destroy_workqueue(awsvpn_wq);
	pr_info("unloaded\n");
}

module_init(awsvpn_mod_init);
module_exit(awsvpn_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("AWS Site-to-Site VPN customer gateway tunnel device (ESP)");
MODULE_AUTHOR("awsvpn developers");
MODULE_VERSION(AWSVPN_VERSION);
MODULE_ALIAS_RTNL_LINK("awsvpn");
MODULE_ALIAS_GENL_FAMILY(AWSVPN_GENL_NAME);
