/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal structures of the awsvpn module.
 *
 * Life of a packet (one file per step):
 *   device.c   the netdevice: ndo_start_xmit hands inner packets to send.c
 *   send.c     pick the outbound SA, ESP-encapsulate, encrypt, route, emit
 *   receive.c  ESP from the wire (xfrm4 protocol hook) -> SA by SPI ->
 *              replay check -> decrypt -> replay update -> GRO into device
 *   sa.c       security associations: crypto transforms, SPI table, lifetime
 *   queue.c    parallel crypto: every CPU on one tunnel, packets kept in order
 *   replay.c   RFC 4303 anti-replay window
 *   netlink.c  generic netlink configuration (uapi/awsvpn.h)
 *   main.c     module and per-namespace glue
 */
#ifndef _AWSVPN_H
#define _AWSVPN_H

#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/workqueue.h>
#include <linux/refcount.h>
#include <linux/average.h>
#include <net/dst_cache.h>
#include <net/gro_cells.h>
#include <net/netns/generic.h>
#include <crypto/aead.h>

#include "uapi/awsvpn.h"

/* Every SPI, sequence number and counter the replay window tracks. */
struct awsvpn_replay {
	spinlock_t lock;
	u32 window;		/* configured size, 64..4096 */
	u32 top;		/* highest sequence number accepted, 0 = none */
	/* A ring of bits, one per sequence number, indexed by seq. */
	unsigned long bitmap[(AWSVPN_REPLAY_WINDOW_MAX + BITS_PER_LONG) /
			     BITS_PER_LONG];
};

void awsvpn_replay_init(struct awsvpn_replay *r, u32 window);
bool awsvpn_replay_check(const struct awsvpn_replay *r, u32 seq);
bool awsvpn_replay_advance(struct awsvpn_replay *r, u32 seq);

/* Counters; updated with atomics on the data path, read by netlink. */
struct awsvpn_stats {
	atomic64_t c[__AWSVPN_STAT_MAX];
};

static inline void awsvpn_stat_add(struct awsvpn_stats *s, int which, u64 n)
{
	atomic64_add(n, &s->c[which]);
}

static inline void awsvpn_stat_inc(struct awsvpn_stats *s, int which)
{
	atomic64_inc(&s->c[which]);
}

struct awsvpn_device;

/* An SA's packets and bytes, per CPU (see awsvpn_sa_account()). */
struct awsvpn_sa_traffic {
	u64_stats_t packets;
	u64_stats_t bytes;
	struct u64_stats_sync syncp;
};

struct awsvpn_sa {
	struct rhash_head node;		/* inbound: per-namespace SPI table */
	struct list_head list;		/* on awsvpn_device.sas, RCU */
	refcount_t refcnt;		/* list + one per packet in crypto */
	struct rcu_work free_work;
	struct awsvpn_device *adev;
	netdevice_tracker dev_tracker;

	u32 spi;
	u8 dir;				/* enum awsvpn_dir */
	u8 enc;				/* enum awsvpn_enc */
	u8 integ;			/* enum awsvpn_integ */
	u8 state;			/* enum awsvpn_sa_state */
	bool linked;			/* in the SPI table / on the list */

	struct crypto_aead *aead;
	u8 ivlen;
	u8 icvlen;
	u8 align;			/* ciphertext alignment for padding */

	/* Outbound: last sequence number used, claimed with an atomic add so
	 * that numbering never needs a lock around the crypto step.
	 */
	atomic64_t seq;
	/* Inbound: anti-replay state, touched before and after crypto only. */
	struct awsvpn_replay replay;

	struct awsvpn_stats stats;
	/*
	 * Packets and bytes: per CPU when the SA has no byte or packet limit
	 * (AWS sets none), else NULL and in @stats, where every packet's
	 * total is checked against the limits.
	 */
	struct awsvpn_sa_traffic __percpu *traffic;

	/* Lifetime (lifetime.c). */
	unsigned long created;		/* jiffies */
	unsigned long flags;		/* AWSVPN_SA_F_* */
	u32 time_soft, time_hard;	/* seconds, 0 = none */
	u64 bytes_soft, bytes_hard;	/* 0 = none */
	u64 packets_soft, packets_hard;	/* 0 = none */
	u32 activate_on_rx;		/* outbound: inbound SPI, 0 = none */
	u8 expire_reason;		/* enum awsvpn_expire_reason */
	struct timer_list timer;
	struct work_struct expire_work;	/* hard expiry: delete under RTNL */
	struct work_struct activate_work; /* on-first-rx: switch under RTNL */
};

enum {
	AWSVPN_SA_F_SOFT,		/* soft expiry event sent */
	AWSVPN_SA_F_HARD,		/* hard expiry: no more traffic */
	AWSVPN_SA_F_FIRST_RX,		/* first-rx event sent */
	AWSVPN_SA_F_ACTIVATING,		/* activate_work queued */
};

/* Parameters of a new SA, as validated by netlink.c. */
struct awsvpn_sa_params {
	u32 spi;
	u8 dir, enc, integ;
	const u8 *enc_key;
	unsigned int enc_key_len;
	const u8 *integ_key;
	unsigned int integ_key_len;
	u32 replay_window;
	u32 seq;
	u32 time_soft, time_hard;
	u64 bytes_soft, bytes_hard;
	u64 packets_soft, packets_hard;
	u32 activate_on_rx;
};

/* "auto"'s cost estimates: ns, 4 bits of fraction, each sample 1/8. */
DECLARE_EWMA(awsvpn_ns, 4, 8)

struct awsvpn_device {
	struct net_device *dev;
	/* Namespace the outer (ESP) packets live in: the one the device was
	 * created in, even after the device itself moves elsewhere.
	 */
	struct net *net;
	struct list_head device_list;	/* awsvpn_device_list, RTNL */

	/* Configuration: written under RTNL, read locklessly (READ_ONCE). */
	__be32 local;
	__be32 remote;
	u16 local_port;
	u16 remote_port;
	u8 encap;
	u8 df_policy;
	u8 mss_mode;
	u16 mss;
	u32 replay_window;
	u8 outer_df;			/* enum awsvpn_outer_df */
	u8 mtu_mode;			/* enum awsvpn_mtu_mode */
	bool mtu_auto_setting;		/* our own dev_set_mtu() is running */
	u32 outer_mtu;			/* 0 = from the route */
	u32 nat_keepalive;		/* seconds, 0 = off */
	/* 0 = none; else unique among the awsvpn devices of the namespace
	 * the device lives in.  Written and read under RTNL only.
	 */
	u32 if_id;

	/* NAT-T (encap udp): the UDP socket ESP-in-UDP leaves and arrives on,
	 * the module's own or one adopted from an IKE daemon (socket.c).
	 */
	struct awsvpn_socket __rcu *sock;
	struct list_head sock_node;	/* on the socket's devices, RTNL + RCU */
	/* On the socket's peers, by remote address and port (RTNL + RCU):
	 * who is charged for keepalives and unknown SPIs arriving there.
	 */
	struct rhlist_head peer_node;
	u64 peer_key;			/* as hashed; fixed while hashed */
	bool peer_hashed;
	struct delayed_work keepalive_work;

	struct awsvpn_sa __rcu *tx_sa;	/* active outbound SA */
	/* Carrier (device.c), RTNL: why it is on or off, and whether the
	 * last active outbound SA left by hard expiry (cleared when another
	 * becomes active).
	 */
	u8 carrier_reason;		/* enum awsvpn_carrier_reason */
	bool tx_expired;
	struct list_head sas;		/* every SA, RTNL + RCU */
	unsigned int n_sa[__AWSVPN_DIR_MAX];

	/* Parallel crypto (queue.c): set under RTNL, read with acquire. */
	u8 parallel;			/* enum awsvpn_parallel */
	bool rx_stopped;		/* down: nothing more for the NAPI */
	/* Made before "parallel on", or by @pipe_work the first time "auto"
	 * finds the direction busy; published with release, under
	 * @pipe_lock, never replaced.
	 */
	struct awsvpn_pipe *pipe[__AWSVPN_DIR_MAX];
	struct mutex pipe_lock;
	struct delayed_work pipe_work;
	unsigned long pipe_want;	/* bit per direction: @pipe_work asked */
	/* "auto": packets submitted in the jiffy @start and in the one
	 * before, and what a packet's crypto and its hop to a worker cost,
	 * timed on one packet in 16 (queue.c).  Racy across CPUs on purpose:
	 * estimates, no shared atomic.  Written by every packet: a cache
	 * line of its own, away from what every packet only reads.
	 */
	struct awsvpn_rate {
		unsigned long start;
		unsigned int n, prev;
		unsigned int tick;		/* packets, for the sampling */
		unsigned int burst;		/* left of a probe burst */
		unsigned int hands;		/* first hand-offs left out (WARM) */
		struct ewma_awsvpn_ns crypt_ns;	/* the AEAD, sync runs */
		struct ewma_awsvpn_ns hand_ns;	/* handing it to a worker */
		struct ewma_awsvpn_ns take_ns;	/* passing it on when done */
	} ____cacheline_aligned_in_smp rate[__AWSVPN_DIR_MAX];
	/* In-order delivery of the pipe's packets. */
	struct napi_struct napi ____cacheline_aligned_in_smp;

	struct dst_cache dst_cache;
	/*
	 * Bumped, under dst_lock, whenever the outer addressing changes: a
	 * route looked up before must not be cached after the reset.
	 */
	spinlock_t dst_lock;
	unsigned int dst_gen;
	struct gro_cells gro_cells;
	struct awsvpn_stats stats;

	unsigned long last_rx, last_tx;	/* jiffies of the latest packet, 0 = never */
	/* Replay / ICV failure events: at most one per second each. */
	unsigned long burst_next[2];
	u64 burst_reported[2];
};

/* Per network namespace state: the inbound SPI table. */
struct awsvpn_net {
	struct rhashtable spi_table;
	atomic_t ndevs;			/* awsvpn devices living here */
	/* Formatted extended ACK messages of requests from this namespace,
	 * on kernels whose extack has no buffer of its own (compat.h); as
	 * long as the newer kernels' NETLINK_MAX_FMTMSG_LEN.
	 */
	char extack_msg[80];
};

extern unsigned int awsvpn_net_id;
extern struct list_head awsvpn_device_list;
extern struct workqueue_struct *awsvpn_wq;

/*
 * The time of the latest packet, stored only when the jiffy changed: one
 * write per tick instead of a store per packet into a line every CPU
 * sending or receiving on the device shares.
 */
static inline void awsvpn_touch(unsigned long *last)
{
	unsigned long now = jiffies;

	if (READ_ONCE(*last) != now)
		WRITE_ONCE(*last, now);
}

static inline struct awsvpn_net *awsvpn_pernet(struct net *net)
{
	return net_generic(net, awsvpn_net_id);
}

/* device.c */
extern struct rtnl_link_ops awsvpn_link_ops;
int awsvpn_device_init(void);
void awsvpn_device_uninit(void);
struct awsvpn_device *awsvpn_lookup_device(struct net *net, u32 ifindex,
					   const char *ifname,
					   struct netlink_ext_ack *extack);
void awsvpn_outer_changed(struct awsvpn_device *adev);
struct awsvpn_device *awsvpn_if_id_owner(struct net *net, u32 if_id,
					 const struct awsvpn_device *self);
void awsvpn_carrier_update(struct awsvpn_device *adev);

/* mtu.c */
unsigned int awsvpn_mtu_for(const struct awsvpn_sa *sa, u8 encap,
			    unsigned int outer_mtu);
void awsvpn_mtu_update(struct awsvpn_device *adev);
int awsvpn_frag_net_init(struct net *net);
void awsvpn_frag_net_exit(struct net *net);
int awsvpn_xmit_too_big(struct awsvpn_device *adev, struct sk_buff *skb,
			int (*output)(struct net *, struct sock *,
				      struct sk_buff *));

/* mss.c */
void awsvpn_mss_clamp(struct awsvpn_device *adev, struct sk_buff *skb);

/* TTL of every outer packet, ESP or ESP in UDP */
#define AWSVPN_OUTER_TTL 64

/* socket.c: NAT-T */
#define AWSVPN_FD_KEEP	(-2)	/* no AWSVPN_A_SOCKET_FD in the request */
struct awsvpn_socket *awsvpn_socket_prepare(struct awsvpn_device *adev,
					    u8 encap, __be32 local,
					    u16 local_port, int fd,
					    struct netlink_ext_ack *extack);
void awsvpn_socket_commit(struct awsvpn_device *adev, u8 encap,
			  struct awsvpn_socket *as);
void awsvpn_socket_abort(struct awsvpn_socket *as);
void awsvpn_socket_release(struct awsvpn_device *adev);
void awsvpn_socket_init(struct awsvpn_device *adev);
u8 awsvpn_socket_owner(struct awsvpn_device *adev);
void awsvpn_keepalive_update(struct awsvpn_device *adev);
void awsvpn_socket_peer_changed(struct awsvpn_device *adev);
int awsvpn_socket_xmit(struct awsvpn_device *adev, struct rtable *rt,
		       struct sk_buff *skb, __be32 saddr, __be32 daddr,
		       u8 tos, __be16 df, bool xnet);

/* lifetime.c */
void awsvpn_sa_lifetime_init(struct awsvpn_sa *sa);
void awsvpn_sa_lifetime_start(struct awsvpn_sa *sa);
void awsvpn_sa_lifetime_stop(struct awsvpn_sa *sa);
void awsvpn_sa_account(struct awsvpn_sa *sa, unsigned int bytes);
void awsvpn_sa_traffic(const struct awsvpn_sa *sa, u64 *packets, u64 *bytes);
void awsvpn_sa_expire(struct awsvpn_sa *sa, u8 reason);
void awsvpn_sa_first_rx(struct awsvpn_sa *sa);
void awsvpn_sa_switch(struct awsvpn_device *adev, struct awsvpn_sa *sa);
void awsvpn_burst_event(struct awsvpn_device *adev, int stat);

static inline bool awsvpn_sa_dead(const struct awsvpn_sa *sa)
{
	return test_bit(AWSVPN_SA_F_HARD, &sa->flags);
}

/* netlink.c */
void awsvpn_event(struct awsvpn_device *adev, u8 type,
		  const struct awsvpn_sa *sa, u8 reason, u64 count, gfp_t gfp);
int awsvpn_genl_init(void);
void awsvpn_genl_uninit(void);

/* sa.c */
int awsvpn_sa_table_init(struct awsvpn_net *an);
void awsvpn_sa_table_destroy(struct awsvpn_net *an);
struct awsvpn_sa *awsvpn_sa_lookup_in(struct net *net, u32 spi);
struct awsvpn_sa *awsvpn_sa_find(struct awsvpn_device *adev, u8 dir, u32 spi);
int awsvpn_sa_add(struct awsvpn_device *adev,
		  const struct awsvpn_sa_params *p,
		  struct crypto_aead *aead, struct netlink_ext_ack *extack);
struct crypto_aead *awsvpn_sa_aead(const struct awsvpn_sa_params *p,
				   struct netlink_ext_ack *extack);
void awsvpn_sa_unlink(struct awsvpn_sa *sa);
void awsvpn_sa_flush(struct awsvpn_device *adev);
void awsvpn_sa_put(struct awsvpn_sa *sa);
int awsvpn_sa_key_lengths(u8 enc, u8 integ, unsigned int *enc_len,
			  unsigned int *integ_len);

static inline bool awsvpn_sa_get(struct awsvpn_sa *sa)
{
	return refcount_inc_not_zero(&sa->refcnt);
}

/*
 * One packet in the crypto layer: everything its completion needs, the IV,
 * the AEAD request and the scatterlist, in a single allocation.
 */
struct awsvpn_crypt {
	struct sk_buff *skb;
	struct awsvpn_sa *sa;		/* holds a reference */
	struct rtable *rt;		/* send: outer route, holds a reference */
	__be32 saddr;			/* send: outer source */
	u32 seq;			/* receive: ESP sequence number */
	unsigned int len;		/* send: inner length */
	u8 tos;				/* send: outer TOS; receive: outer TOS */
	__be16 df;			/* send: outer DF (enum awsvpn_outer_df) */
	bool parallel;			/* receive: through the pipe (set by
					 * queue.c) */
	bool sample;			/* queue.c: time this one ("auto") */
	u8 done;			/* pipe: crypto finished, @err is set */
	int err;
	u8 iv[16] __aligned(8);
	struct aead_request *req;
	struct scatterlist *sg;		/* source (and destination in place) */
	struct scatterlist *dst;	/* destination: @sg, or out of place */
	void *frag;			/* out of place: the destination page
					 * fragment, freed with us unless the
					 * skb took it; skb->data_len long */
	size_t size;			/* bytes used, wiped when freed */
};

struct awsvpn_crypt *awsvpn_crypt_alloc(struct awsvpn_sa *sa,
					struct sk_buff *skb, int nfrags);
void awsvpn_crypt_free(struct awsvpn_crypt *c);
void awsvpn_crypt_cache_drain(void);

/* queue.c: parallel crypto */
struct awsvpn_pipe;
int awsvpn_queue_init(void);
void awsvpn_queue_uninit(void);
void awsvpn_parallel_init(struct awsvpn_device *adev);
void awsvpn_parallel_open(struct awsvpn_device *adev);
void awsvpn_parallel_stop(struct awsvpn_device *adev);
void awsvpn_parallel_free(struct awsvpn_device *adev);
int awsvpn_parallel_prepare(struct awsvpn_device *adev);
void awsvpn_parallel_set(struct awsvpn_device *adev, u8 mode);
u64 awsvpn_parallel_count(struct awsvpn_device *adev, u8 dir);
void awsvpn_parallel_costs(struct awsvpn_device *adev, u8 dir, u32 *crypt_ns,
			   u32 *hop_ns);
int awsvpn_crypt_run(struct awsvpn_crypt *c);
int awsvpn_parallel_submit(struct awsvpn_crypt *c);

/* send.c */
netdev_tx_t awsvpn_xmit(struct sk_buff *skb, struct net_device *dev);
void awsvpn_encrypt_finish(struct awsvpn_crypt *c, int err);

/* receive.c */
void awsvpn_decrypt(struct awsvpn_sa *sa, struct sk_buff *skb, u8 tos);
void awsvpn_decrypt_finish(struct awsvpn_crypt *c, int err);
void awsvpn_decrypt_drop(struct awsvpn_crypt *c);
int awsvpn_receive_init(void);
void awsvpn_receive_uninit(void);

#endif /* _AWSVPN_H */
