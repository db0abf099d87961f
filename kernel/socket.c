// SPDX-License-Identifier: GPL-2.0
/*
 * NAT traversal (RFC 3948): ESP in UDP.
 *
 * With "encap udp" a device sends and receives ESP through a UDP socket in
 * its outer namespace.  The socket is either
 *
 *   the module's own: a kernel socket per (namespace, local address, port),
 *	shared by every device that asks for the same triple (a socket bound
 *	to the wildcard address also serves devices with a specific local
 *	address), found on awsvpn_sockets;
 *   adopted: a process's socket (an IKE daemon's port 4500 socket) passed
 *	by descriptor.  ESP is taken by the kernel, datagrams with the
 *	non-ESP marker (IKE) stay on the socket for the daemon exactly as
 *	Linux's own xfrm4_udp_encap_rcv() leaves them, marker included.  We
 *	hold the sock, never the file: when the daemon closes the socket,
 *	encap_destroy() detaches it from every device, which are then left
 *	without a socket until told otherwise.  Devices handed the same
 *	socket share it.
 *
 * Demultiplexing is by SPI in the namespace's SPI table, as on the raw ESP
 * path.  Counters that belong to no SA (NAT keepalives received, unknown
 * SPIs) go to the one device on the socket whose remote address and port
 * sent the datagram, and to none if no device matches: a shared socket does
 * not know which tunnel a stray packet was meant for.  That device is
 * found in the socket's hash table of peers, not by walking its devices:
 * anyone can send stray datagrams, and hundreds of devices may share the
 * socket.
 *
 * Lifetime.  struct awsvpn_socket is changed under RTNL; the data path sees
 * it through adev->sock (send) and sk_user_data (receive), both RCU.  It
 * dies exactly once, by whoever first sets AWSVPN_SOCK_DEAD: the last device
 * leaving (RTNL), or encap_destroy() of an adopted socket, which hands the
 * teardown to a work item because it runs in close() without RTNL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/ip.h>
#include <linux/net.h>
#include <linux/udp.h>
#include <net/esp.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "awsvpn.h"
#include "compat.h"

/* RFC 3948 2.2: a NAT keepalive is one 0xFF byte. */
#define AWSVPN_NAT_KEEPALIVE_BYTE	0xff

enum {
	AWSVPN_SOCK_DEAD,	/* torn down, or being torn down */
};

struct awsvpn_socket {
	struct sock *sk;
	struct socket *sock;		/* the module's own: to release it */
	struct net *net;		/* outer namespace, not counted */
	__be32 local;			/* bound address, 0 = wildcard */
	u16 port;			/* bound port, host order */
	bool adopted;
	unsigned long flags;
	unsigned int users;		/* devices pointing here, RTNL */
	struct list_head devices;	/* their sock_node, RTNL + RCU */
	struct rhltable peers;		/* their peer_node, RTNL + RCU */
	struct list_head node;		/* the module's own: awsvpn_sockets */
	struct work_struct close_work;	/* adopted: its owner closed it */
	struct rcu_work free_work;
};

/*
 * A list table: devices may share a peer (misconfigured, or about to be
 * reconfigured); the first one found is charged, as any one would be.
 */
static const struct rhashtable_params awsvpn_peer_params = {
	.key_len = sizeof(u64),
	.key_offset = offsetof(struct awsvpn_device, peer_key),
	.head_offset = offsetof(struct awsvpn_device, peer_node),
	.automatic_shrinking = true,
};

static u64 awsvpn_peer_key(__be32 addr, __be16 port)
{
	return (u64)be32_to_cpu(addr) << 16 | be16_to_cpu(port);
}

/* The module's own sockets, RTNL. */
static LIST_HEAD(awsvpn_sockets);

static bool awsvpn_sock_dead(const struct awsvpn_socket *as)
{
	return test_bit(AWSVPN_SOCK_DEAD, &as->flags);
}

/*
 * The device whose peer sent @skb (skb->data at the UDP header), or NULL.
 * RCU.  A device being re-keyed may be missed for that instant.
 */
static struct awsvpn_device *awsvpn_sock_peer(struct awsvpn_socket *as,
					      struct sk_buff *skb)
{
	u64 key = awsvpn_peer_key(ip_hdr(skb)->saddr, udp_hdr(skb)->source);
	struct rhlist_head *list;

	list = rhltable_lookup(&as->peers, &key, awsvpn_peer_params);
	return list ? container_of(list, struct awsvpn_device, peer_node) :
		      NULL;
}

/* RTNL: @adev's peer leaves @as's table. */
static void awsvpn_peer_unhash(struct awsvpn_socket *as,
			       struct awsvpn_device *adev)
{
	if (!adev->peer_hashed)
		return;
	rhltable_remove(&as->peers, &adev->peer_node, awsvpn_peer_params);
	adev->peer_hashed = false;
}

/*
 * RTNL: hash @adev by its current remote address and port in @as's table.
 * Should the insertion fail (memory), only its stray counters stay still.
 */
static void awsvpn_peer_hash(struct awsvpn_socket *as,
			     struct awsvpn_device *adev)
{
	if (!adev->remote)
		return;
	adev->peer_key = awsvpn_peer_key(adev->remote,
					 htons(adev->remote_port));
	adev->peer_hashed = !rhltable_insert(&as->peers, &adev->peer_node,
					     awsvpn_peer_params);
}

/* After the remote address or port changed (RTNL): hash it anew. */
void awsvpn_socket_peer_changed(struct awsvpn_device *adev)
{
	struct awsvpn_socket *as = rtnl_dereference(adev->sock);

	ASSERT_RTNL();
	if (!as)
		return;
	awsvpn_peer_unhash(as, adev);
	awsvpn_peer_hash(as, adev);
}

static void awsvpn_sock_count(struct awsvpn_socket *as, struct sk_buff *skb,
			      int which)
{
	struct awsvpn_device *adev = awsvpn_sock_peer(as, skb);

	if (adev)
		awsvpn_stat_inc(&adev->stats, which);
}

/*
 * encap_rcv: called by UDP, in softirq under RCU, with the UDP checksum
 * verified and skb->data at the UDP header.  0: consumed; > 0: let UDP
 * queue the datagram on the socket.
 */
static int awsvpn_udp_encap_rcv_segs(struct sock *sk, struct sk_buff *skb);

static int awsvpn_udp_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	unsigned int len = skb->len - sizeof(struct udphdr);
	struct awsvpn_socket *as;
	struct awsvpn_sa *sa;
	const u8 *data;
	u8 tos;

	as = rcu_dereference_sk_user_data(sk);
	if (unlikely(!as))
		return 1;	/* being detached: plain UDP again */
	if (unlikely(skb_is_gso(skb)))
		return awsvpn_udp_encap_rcv_segs(sk, skb);

	if (!pskb_may_pull(skb, sizeof(struct udphdr) +
			   min_t(unsigned int, len, sizeof(struct ip_esp_hdr))))
		goto not_esp;
	data = skb->data + sizeof(struct udphdr);

	if (len == 1 && data[0] == AWSVPN_NAT_KEEPALIVE_BYTE) {
		awsvpn_sock_count(as, skb, AWSVPN_STAT_NAT_KEEPALIVE_RX);
		consume_skb(skb);
		return 0;
	}
	/*
	 * RFC 3948 2.2: ESP starts with a non-zero SPI; IKE (and anything too
	 * short to be ESP) starts with the four zero bytes of the non-ESP
	 * marker.  Like xfrm, leave those alone, marker and all.
	 */
	if (len <= sizeof(struct ip_esp_hdr) || !get_unaligned((u32 *)data))
		goto not_esp;

	tos = ip_hdr(skb)->tos;
	sa = awsvpn_sa_lookup_in(as->net, get_unaligned_be32(data));
	if (!sa || !awsvpn_sa_get(sa)) {
		awsvpn_sock_count(as, skb, AWSVPN_STAT_RX_NO_SA);
		kfree_skb(skb);
		return 0;
	}
	__skb_pull(skb, sizeof(struct udphdr));
	skb_reset_transport_header(skb);
	awsvpn_decrypt(sa, skb, tos);
	return 0;

not_esp:
	if (as->adopted)
		return 1;
	/* Nobody reads the module's own socket: do not let it fill up. */
	kfree_skb(skb);
	return 0;
}

/*
 * UDP GRO merged datagrams for an adopted socket whose owner turned UDP_GRO
 * on again after the adoption (awsvpn_sock_adopt() keeps the UDP layer
 * segmenting them otherwise).  ESP is one packet per datagram: take them
 * apart as udp_queue_rcv_skb() would.  A datagram that is not ESP cannot be
 * handed back to UDP from here and is dropped.
 */
static int awsvpn_udp_encap_rcv_segs(struct sock *sk, struct sk_buff *skb)
{
	struct sk_buff *segs, *next;

	__skb_push(skb, -skb_mac_offset(skb));
	segs = udp_rcv_segment(sk, skb, true);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		__skb_pull(skb, skb_transport_offset(skb));
		udp_post_segment_fix_csum(skb);
		if (awsvpn_udp_encap_rcv(sk, skb) > 0)
			kfree_skb(skb);
	}
	return 0;
}

/* Forward: closing an adopted socket detaches it. */
static void awsvpn_encap_destroy(struct sock *sk);

/* Undo the adoption: the owner keeps a plain UDP socket.  RTNL. */
static void awsvpn_sock_restore(struct awsvpn_socket *as)
{
	struct sock *sk = as->sk;

	lock_sock(sk);
	WRITE_ONCE(udp_sk(sk)->encap_type, 0);
	WRITE_ONCE(udp_sk(sk)->encap_rcv, NULL);
	WRITE_ONCE(udp_sk(sk)->encap_destroy, NULL);
	rcu_assign_sk_user_data(sk, NULL);
	/* UDP_GRO sets both; awsvpn_sock_adopt() took one away. */
	if (udp_test_bit(GRO_ENABLED, sk))
		udp_set_bit(ACCEPT_L4, sk);
	release_sock(sk);
}

static void awsvpn_sock_free_work(struct work_struct *work)
{
	struct awsvpn_socket *as = container_of(to_rcu_work(work),
						struct awsvpn_socket, free_work);

	rhltable_destroy(&as->peers);
	kfree(as);
}

/*
 * Final teardown, by the winner of AWSVPN_SOCK_DEAD, once no device points
 * here any more and a grace period has passed since the last did (no
 * sender can still hold as->sk).  Receivers may still be inside
 * awsvpn_udp_encap_rcv() with @as, looking up its (empty) table of peers:
 * both are freed after a grace period, in process context (the table).
 */
static void awsvpn_sock_free(struct awsvpn_socket *as, bool restore)
{
	if (as->adopted) {
		if (restore)
			awsvpn_sock_restore(as);
		sock_put(as->sk);
	} else {
		udp_tunnel_sock_release(as->sock);
	}
	INIT_RCU_WORK(&as->free_work, awsvpn_sock_free_work);
	queue_rcu_work(awsvpn_wq, &as->free_work);
}

/* A device lets go of @as (RTNL, after a grace period). */
static void awsvpn_sock_put_user(struct awsvpn_socket *as)
{
	ASSERT_RTNL();
	if (--as->users)
		return;
	/* Already dead: the close work frees it. */
	if (test_and_set_bit(AWSVPN_SOCK_DEAD, &as->flags))
		return;
	if (!as->adopted)
		list_del(&as->node);
	awsvpn_sock_free(as, true);
}

/*
 * Point @adev at @as (NULL: no socket), whose users count already includes
 * @adev, and let go of the old socket.  RTNL.
 */
static void awsvpn_sock_switch(struct awsvpn_device *adev,
			       struct awsvpn_socket *as)
{
	struct awsvpn_socket *old = rtnl_dereference(adev->sock);

	ASSERT_RTNL();
	if (old == as) {
		if (as)
			as->users--;	/* counted twice */
		return;
	}
	rcu_assign_pointer(adev->sock, as);
	if (old) {
		awsvpn_peer_unhash(old, adev);
		list_del_rcu(&adev->sock_node);
		/*
		 * Senders still using old->sk, and receivers walking
		 * old->devices, must be done before the node moves to another
		 * list or the socket goes.
		 */
		synchronize_net();
	}
	if (as) {
		list_add_tail_rcu(&adev->sock_node, &as->devices);
		awsvpn_peer_hash(as, adev);
	}
	if (old)
		awsvpn_sock_put_user(old);
}

/* The owner closed an adopted socket: detach every device.  Process. */
static void awsvpn_sock_close_work(struct work_struct *work)
{
	struct awsvpn_socket *as = container_of(work, struct awsvpn_socket,
						close_work);
	struct awsvpn_device *adev, *tmp;

	rtnl_lock();
	list_for_each_entry_safe(adev, tmp, &as->devices, sock_node) {
		RCU_INIT_POINTER(adev->sock, NULL);
		awsvpn_peer_unhash(as, adev);
		list_del_rcu(&adev->sock_node);
		as->users--;
	}
	WARN_ON_ONCE(as->users);
	rtnl_unlock();
	synchronize_net();
	/* The socket is gone: nothing to restore. */
	awsvpn_sock_free(as, false);
}

/*
 * udp_destroy_sock(), in the owner's close(), without RTNL and with the
 * port still bound.  From now on nothing is sent through the socket
 * (awsvpn_socket_xmit() checks DEAD); the work detaches the devices.
 */
static void awsvpn_encap_destroy(struct sock *sk)
{
	struct awsvpn_socket *as;

	rcu_read_lock();
	as = rcu_dereference_sk_user_data(sk);
	if (as && !test_and_set_bit(AWSVPN_SOCK_DEAD, &as->flags))
		queue_work(awsvpn_wq, &as->close_work);
	rcu_read_unlock();
}

static struct awsvpn_socket *awsvpn_sock_alloc(struct net *net)
{
	struct awsvpn_socket *as = kzalloc(sizeof(*as), GFP_KERNEL);

	if (!as)
		return NULL;
	if (rhltable_init(&as->peers, &awsvpn_peer_params)) {
		kfree(as);
		return NULL;
	}
	as->net = net;
	as->users = 1;
	INIT_LIST_HEAD(&as->devices);
	INIT_LIST_HEAD(&as->node);
	INIT_WORK(&as->close_work, awsvpn_sock_close_work);
	return as;
}

/* A socket of the module's own for (@net, @local, @port).  RTNL. */
static struct awsvpn_socket *awsvpn_sock_own(struct net *net, __be32 local,
					     u16 port,
					     struct netlink_ext_ack *extack)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.encap_type = UDP_ENCAP_ESPINUDP,
		.encap_rcv = awsvpn_udp_encap_rcv,
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = local,
		.sin_port = htons(port),
	};
	struct awsvpn_socket *as;
	struct socket *sock;
	int ret;

	list_for_each_entry(as, &awsvpn_sockets, node) {
		if (net_eq(as->net, net) && as->port == port &&
		    (as->local == local || !as->local)) {
			as->users++;
			return as;
		}
	}

	as = awsvpn_sock_alloc(net);
	if (!as)
		return ERR_PTR(-ENOMEM);
	/*
	 * udp_sock_create() without its bind: the local address may be
	 * configured after the device (a secondary or elastic address), so
	 * bind with IP_FREEBIND, as IKE daemons do.
	 */
	ret = sock_create_kern(net, AF_INET, SOCK_DGRAM, IPPROTO_UDP, &sock);
	if (!ret) {
		ip_sock_set_freebind(sock->sk);
		ret = kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
		if (ret)
			sock_release(sock);
	}
	if (ret) {
		rhltable_destroy(&as->peers);
		kfree(as);
		if (ret == -EADDRINUSE)
			NL_SET_ERR_MSG_MOD(extack,
					   "local UDP port is in use by another socket");
		else
			NL_SET_ERR_MSG_MOD(extack, "cannot create the UDP socket");
		return ERR_PTR(ret);
	}
	as->sock = sock;
	as->sk = sock->sk;
	as->local = local;
	as->port = port;
	tcfg.sk_user_data = as;
	setup_udp_tunnel_sock(net, sock, &tcfg);
	list_add(&as->node, &awsvpn_sockets);
	return as;
}

/* Adopt the caller's UDP socket @fd for @adev.  RTNL, caller's context. */
static struct awsvpn_socket *awsvpn_sock_adopt(struct awsvpn_device *adev,
					       int fd, __be32 local, u16 port,
					       struct netlink_ext_ack *extack)
{
	struct awsvpn_socket *as;
	struct socket *sock;
	struct sock *sk;
	int ret;

	sock = sockfd_lookup(fd, &ret);
	if (!sock) {
		NL_SET_ERR_MSG_MOD(extack, "socket fd is not an open socket");
		return ERR_PTR(ret);
	}
	sk = sock->sk;
	ret = -EINVAL;
	if (sk->sk_family != AF_INET || sk->sk_type != SOCK_DGRAM ||
	    sk->sk_protocol != IPPROTO_UDP) {
		NL_SET_ERR_MSG_MOD(extack, "socket fd must be an IPv4 UDP socket");
		goto out;
	}
	if (!net_eq(sock_net(sk), adev->net)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "socket fd must be in the device's outer network namespace");
		goto out;
	}

	lock_sock(sk);
	if (!inet_sk(sk)->inet_num) {
		NL_SET_ERR_MSG_MOD(extack, "socket fd must be bound to the local port");
		goto out_unlock;
	}
	if (inet_sk(sk)->inet_num != port) {
		NL_SET_ERR_MSG_MOD(extack,
				   "socket fd is bound to another port than the device's local-port");
		goto out_unlock;
	}
	if (inet_sk(sk)->inet_rcv_saddr &&
	    inet_sk(sk)->inet_rcv_saddr != local) {
		NL_SET_ERR_MSG_MOD(extack,
				   "socket fd is bound to another address than the device's local address");
		goto out_unlock;
	}
	/* Already ours (another device adopted it): share it. */
	if (udp_sk(sk)->encap_rcv == awsvpn_udp_encap_rcv) {
		/*
		 * Live sockets are only freed under RTNL, which we hold; a
		 * dead one may be on its way out (and its owner closed it).
		 */
		rcu_read_lock();
		as = rcu_dereference_sk_user_data(sk);
		if (as && (!as->adopted || awsvpn_sock_dead(as)))
			as = NULL;
		rcu_read_unlock();
		if (as) {
			as->users++;
			release_sock(sk);
			sockfd_put(sock);
			return as;
		}
	}
	if (udp_sk(sk)->encap_type || READ_ONCE(sk->sk_user_data)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "socket fd is already used for UDP encapsulation");
		ret = -EBUSY;
		goto out_unlock;
	}

	as = awsvpn_sock_alloc(adev->net);
	if (!as) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	as->sk = sk;
	as->local = inet_sk(sk)->inet_rcv_saddr;
	as->port = port;
	as->adopted = true;
	/* The sock, not the file: the owner's close() must still close. */
	sock_hold(sk);
	rcu_assign_sk_user_data(sk, as);
	WRITE_ONCE(udp_sk(sk)->encap_destroy, awsvpn_encap_destroy);
	WRITE_ONCE(udp_sk(sk)->encap_rcv, awsvpn_udp_encap_rcv);
	WRITE_ONCE(udp_sk(sk)->encap_type, UDP_ENCAP_ESPINUDP);
	/*
	 * With UDP_GRO the owner accepts datagrams merged by GRO, which
	 * awsvpn_udp_encap_rcv() would see as one ESP packet.  Without
	 * ACCEPT_L4 the UDP layer segments them again before encap_rcv, and
	 * hands what is not ESP to the owner one datagram at a time.
	 */
	udp_clear_bit(ACCEPT_L4, sk);
	udp_tunnel_encap_enable(sk);
	release_sock(sk);
	sockfd_put(sock);
	return as;

out_unlock:
	release_sock(sk);
out:
	sockfd_put(sock);
	return ERR_PTR(ret);
}

/* Does @as serve a device at @local, @port? */
static bool awsvpn_sock_fits(const struct awsvpn_socket *as, __be32 local,
			     u16 port)
{
	return as->port == port && (!as->local || as->local == local);
}

/*
 * Called by awsvpn_nl_set_device() under RTNL, before anything else
 * changes, with the encapsulation, local address and port the request asks
 * for, and AWSVPN_A_SOCKET_FD (AWSVPN_FD_KEEP without one).  Returns the
 * socket the device will need (NULL for none), counted for the device but
 * not yet in use: awsvpn_socket_commit() installs it, awsvpn_socket_abort()
 * lets it go.  On error the device is untouched.
 */
struct awsvpn_socket *awsvpn_socket_prepare(struct awsvpn_device *adev,
					    u8 encap, __be32 local,
					    u16 local_port, int fd,
					    struct netlink_ext_ack *extack)
{
	struct awsvpn_socket *old = rtnl_dereference(adev->sock), *as;

	ASSERT_RTNL();
	if (encap != AWSVPN_ENCAP_UDP)
		return NULL;

	if (fd >= 0) {
		as = awsvpn_sock_adopt(adev, fd, local, local_port, extack);
	} else if (fd == AWSVPN_FD_KEEP && old && !awsvpn_sock_dead(old) &&
		   awsvpn_sock_fits(old, local, local_port)) {
		as = old;
		as->users++;
	} else if (fd == AWSVPN_FD_KEEP && old && old->adopted &&
		   !awsvpn_sock_dead(old)) {
		/* Never swap a daemon's socket for ours behind its back. */
		NL_SET_ERR_MSG_MOD(extack,
				   "the device's socket (from socket-fd) is bound elsewhere: pass a new socket-fd, or -1 for a socket of the module's own");
		return ERR_PTR(-EINVAL);
	} else {
		as = awsvpn_sock_own(adev->net, local, local_port, extack);
	}
	return as;
}

/* The request succeeded: @adev uses @as from awsvpn_socket_prepare(). */
void awsvpn_socket_commit(struct awsvpn_device *adev, u8 encap,
			  struct awsvpn_socket *as)
{
	awsvpn_sock_switch(adev, as);
	WRITE_ONCE(adev->encap, encap);
}

/* The request failed after awsvpn_socket_prepare(): forget @as.  RTNL. */
void awsvpn_socket_abort(struct awsvpn_socket *as)
{
	if (as)
		awsvpn_sock_put_user(as);
}

/* Device unregistration, RTNL: no more keepalives, no more socket. */
void awsvpn_socket_release(struct awsvpn_device *adev)
{
	ASSERT_RTNL();
	/* The work takes no RTNL, so waiting for it here cannot deadlock. */
	cancel_delayed_work_sync(&adev->keepalive_work);
	awsvpn_sock_switch(adev, NULL);
}

/* GET: where the device's ESP-in-UDP goes now.  RTNL. */
u8 awsvpn_socket_owner(struct awsvpn_device *adev)
{
	struct awsvpn_socket *as = rtnl_dereference(adev->sock);

	if (!as || awsvpn_sock_dead(as))
		return AWSVPN_SOCKET_NONE;
	return as->adopted ? AWSVPN_SOCKET_ADOPTED : AWSVPN_SOCKET_MODULE;
}

/*
 * Send @skb (an ESP packet, skb->data at the SPI) in UDP from the device's
 * socket.  Consumes @skb and the reference on @rt.  Any context with BH
 * disabled or not.
 */
int awsvpn_socket_xmit(struct awsvpn_device *adev, struct rtable *rt,
		       struct sk_buff *skb, __be32 saddr, __be32 daddr,
		       u8 tos, __be16 df, bool xnet)
{
	struct awsvpn_socket *as;
	int ret = 0;

	rcu_read_lock_bh();
	as = rcu_dereference_bh(adev->sock);
	if (unlikely(!as || awsvpn_sock_dead(as))) {
		ret = -ENOTCONN;
		goto drop;
	}
	/* Encapsulation may have changed since the headroom was reserved. */
	if (unlikely(skb_cow_head(skb, sizeof(struct udphdr) +
				  sizeof(struct iphdr) +
				  LL_RESERVED_SPACE(rt->dst.dev)))) {
		ret = -ENOMEM;
		goto drop;
	}
	/*
	 * RFC 3948 2.1: the checksum of ESP in UDP over IPv4 SHOULD be zero
	 * (the ICV protects the payload; xfrm sends zero too), which also
	 * saves a pass over every packet.
	 */
	udp_tunnel_xmit_skb(rt, as->sk, skb, saddr, daddr, tos,
			    AWSVPN_OUTER_TTL, df, htons(as->port),
			    htons(READ_ONCE(adev->remote_port)), xnet, true);
	rcu_read_unlock_bh();
	return 0;

drop:
	rcu_read_unlock_bh();
	ip_rt_put(rt);
	kfree_skb(skb);
	return ret;
}

/* Is a keepalive due: encap udp, a remote, an interval, a live socket? */
static unsigned int awsvpn_keepalive_interval(struct awsvpn_device *adev)
{
	if (READ_ONCE(adev->encap) != AWSVPN_ENCAP_UDP ||
	    !READ_ONCE(adev->remote))
		return 0;
	return READ_ONCE(adev->nat_keepalive);
}

/* One RFC 3948 keepalive to remote:remote-port.  Process context. */
static void awsvpn_keepalive_send(struct awsvpn_device *adev)
{
	__be32 remote = READ_ONCE(adev->remote);
	struct awsvpn_socket *as;
	struct flowi4 fl4 = {};
	struct sk_buff *skb;
	struct rtable *rt;
	__be16 df;

	if (!(READ_ONCE(adev->dev->flags) & IFF_UP))
		return;
	skb = alloc_skb(LL_MAX_HEADER + sizeof(struct iphdr) +
			sizeof(struct udphdr) + 1, GFP_KERNEL);
	if (!skb)
		return;
	skb_reserve(skb, LL_MAX_HEADER + sizeof(struct iphdr) +
		    sizeof(struct udphdr));
	*(u8 *)skb_put(skb, 1) = AWSVPN_NAT_KEEPALIVE_BYTE;
	/* DF as configured; inherit has no inner packet to follow: set. */
	df = READ_ONCE(adev->outer_df) == AWSVPN_OUTER_DF_CLEAR ? 0 :
	     htons(IP_DF);

	rcu_read_lock_bh();
	as = rcu_dereference_bh(adev->sock);
	if (!as || awsvpn_sock_dead(as) || !remote)
		goto drop;
	fl4.daddr = remote;
	fl4.saddr = READ_ONCE(adev->local);
	fl4.flowi4_proto = IPPROTO_UDP;
	fl4.fl4_sport = htons(as->port);
	fl4.fl4_dport = htons(READ_ONCE(adev->remote_port));
	rt = ip_route_output_key(adev->net, &fl4);
	if (IS_ERR(rt))
		goto drop;
	if (rt->dst.dev == adev->dev) {
		ip_rt_put(rt);
		goto drop;
	}
	udp_tunnel_xmit_skb(rt, as->sk, skb, fl4.saddr, remote, 0,
			    AWSVPN_OUTER_TTL, df, fl4.fl4_sport, fl4.fl4_dport,
			    false, true);
	rcu_read_unlock_bh();
	awsvpn_stat_inc(&adev->stats, AWSVPN_STAT_NAT_KEEPALIVE_TX);
	return;

drop:
	rcu_read_unlock_bh();
	kfree_skb(skb);
}

static void awsvpn_keepalive_work(struct work_struct *work)
{
	struct awsvpn_device *adev = container_of(to_delayed_work(work),
						  struct awsvpn_device,
						  keepalive_work);
	unsigned int secs = awsvpn_keepalive_interval(adev);

	if (!secs)
		return;		/* awsvpn_keepalive_update() restarts us */
	awsvpn_keepalive_send(adev);
	queue_delayed_work(system_power_efficient_wq, &adev->keepalive_work,
			   secs * HZ);
}

/*
 * After every change of the configuration (RTNL): start, stop or speed up
 * the keepalives.  A pending keepalive is not postponed, so that frequent
 * unrelated changes cannot starve the NAT mapping.
 */
void awsvpn_keepalive_update(struct awsvpn_device *adev)
{
	struct delayed_work *dw = &adev->keepalive_work;
	unsigned int secs = awsvpn_keepalive_interval(adev);
	unsigned long delay = secs * HZ;

	ASSERT_RTNL();
	if (!secs) {
		/* The work takes no RTNL: waiting for it is safe. */
		cancel_delayed_work_sync(dw);
		return;
	}
	if (!queue_delayed_work(system_power_efficient_wq, dw, delay) &&
	    time_after(dw->timer.expires, jiffies + delay))
		mod_delayed_work(system_power_efficient_wq, dw, delay);
}

/* From awsvpn_setup(), before the device can be configured. */
void awsvpn_socket_init(struct awsvpn_device *adev)
{
	INIT_DELAYED_WORK(&adev->keepalive_work, awsvpn_keepalive_work);
	INIT_LIST_HEAD(&adev->sock_node);
}
