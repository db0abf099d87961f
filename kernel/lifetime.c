// SPDX-License-Identifier: GPL-2.0
/*
 * SA lifetimes and make-before-break rekeying.
 *
 * AWS rekeys CHILD SAs every hour and either side may start: the device
 * keeps old and new SAs alive together.  Limits (time, bytes, packets) are
 * checked where the counters move; the soft limit raises one event, the
 * hard limit stops the SA at once on the data path and deletes it from a
 * work item under RTNL.  An outbound SA may wait, pending, for the first
 * authentic packet on the peer's new inbound SA, which proves the peer
 * installed its side, and then take over sending.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rtnetlink.h>
#include <linux/timer.h>

#include "awsvpn.h"

static u32 awsvpn_sa_age(const struct awsvpn_sa *sa)
{
	return (jiffies - sa->created) / HZ;
}

/*
 * Arm the lifetime timer for the moment @sa turns @secs seconds old.  In
 * 64 bits: seconds times HZ overflow 32 bits after some 199 days (HZ 250),
 * and the timer would then be due at once, again and again.  A date too far
 * for a timer is clamped; the timer then just re-arms.
 */
static void awsvpn_sa_timer_arm(struct awsvpn_sa *sa, u32 secs)
{
	u64 due = (u64)secs * HZ, age = jiffies - sa->created;

	mod_timer(&sa->timer, jiffies +
		  (due > age ? min_t(u64, due - age, MAX_JIFFY_OFFSET) : 0));
}

static void awsvpn_sa_soft(struct awsvpn_sa *sa, u8 reason)
{
	if (!test_and_set_bit(AWSVPN_SA_F_SOFT, &sa->flags))
		awsvpn_event(sa->adev, AWSVPN_EVENT_SA_SOFT_EXPIRE, sa, reason,
			     0, GFP_ATOMIC);
}

static void awsvpn_sa_expire_work(struct work_struct *work)
{
	struct awsvpn_sa *sa = container_of(work, struct awsvpn_sa,
					    expire_work);
	struct awsvpn_device *adev = sa->adev;

	rtnl_lock();
	if (sa->linked) {
		awsvpn_event(adev, AWSVPN_EVENT_SA_HARD_EXPIRE, sa,
			     sa->expire_reason, 0, GFP_KERNEL);
		/* Remembered so the carrier says why it went. */
		if (rtnl_dereference(adev->tx_sa) == sa)
			adev->tx_expired = true;
		awsvpn_sa_unlink(sa);
		awsvpn_carrier_update(adev);
	}
	rtnl_unlock();
	awsvpn_sa_put(sa);
}

/* Hard expiry from any context: stop using @sa now, delete it soon. */
void awsvpn_sa_expire(struct awsvpn_sa *sa, u8 reason)
{
	if (test_and_set_bit(AWSVPN_SA_F_HARD, &sa->flags))
		return;
	sa->expire_reason = reason;
	WRITE_ONCE(sa->state, AWSVPN_SA_STATE_EXPIRED);
	if (awsvpn_sa_get(sa) && !queue_work(awsvpn_wq, &sa->expire_work))
		awsvpn_sa_put(sa);
}

static void awsvpn_sa_timer(struct timer_list *t)
{
	struct awsvpn_sa *sa = from_timer(sa, t, timer);
	u32 age = awsvpn_sa_age(sa);

	if (sa->time_soft && age >= sa->time_soft)
		awsvpn_sa_soft(sa, AWSVPN_EXPIRE_TIME);
	if (sa->time_hard && age >= sa->time_hard) {
		awsvpn_sa_expire(sa, AWSVPN_EXPIRE_TIME);
		return;
	}
	if (sa->time_soft && age < sa->time_soft)
		awsvpn_sa_timer_arm(sa, sa->time_soft);
	else if (sa->time_hard)
		awsvpn_sa_timer_arm(sa, sa->time_hard);
}

static void awsvpn_sa_activate_work(struct work_struct *work)
{
	struct awsvpn_sa *sa = container_of(work, struct awsvpn_sa,
					    activate_work);

	rtnl_lock();
	if (sa->linked && READ_ONCE(sa->state) == AWSVPN_SA_STATE_PENDING)
		awsvpn_sa_switch(sa->adev, sa);
	rtnl_unlock();
	awsvpn_sa_put(sa);
}

/* Before the SA is reachable from the data path. */
void awsvpn_sa_lifetime_init(struct awsvpn_sa *sa)
{
	sa->created = jiffies;
	INIT_WORK(&sa->expire_work, awsvpn_sa_expire_work);
	INIT_WORK(&sa->activate_work, awsvpn_sa_activate_work);
	timer_setup(&sa->timer, awsvpn_sa_timer, 0);
}

/* Caller holds RTNL; the SA was just linked. */
void awsvpn_sa_lifetime_start(struct awsvpn_sa *sa)
{
	if (sa->time_soft || sa->time_hard)
		awsvpn_sa_timer_arm(sa, sa->time_soft ?: sa->time_hard);
}

/* Caller holds RTNL; the SA is leaving its lookup structures. */
void awsvpn_sa_lifetime_stop(struct awsvpn_sa *sa)
{
	timer_delete_sync(&sa->timer);
}

/*
 * Count one packet of @bytes through @sa and apply its limits.  Without
 * limits, a counter of this CPU: no cache line all CPUs write per packet.
 * BH disabled (every caller).
 */
void awsvpn_sa_account(struct awsvpn_sa *sa, unsigned int bytes)
{
	bool out = sa->dir == AWSVPN_DIR_OUT;
	u64 packets, total;

	if (likely(sa->traffic)) {
		struct awsvpn_sa_traffic *t = this_cpu_ptr(sa->traffic);

		u64_stats_update_begin(&t->syncp);
		u64_stats_inc(&t->packets);
		u64_stats_add(&t->bytes, bytes);
		u64_stats_update_end(&t->syncp);
		return;
	}
	awsvpn_stat_inc(&sa->stats, out ? AWSVPN_STAT_TX_PACKETS :
					  AWSVPN_STAT_RX_PACKETS);
	awsvpn_stat_add(&sa->stats, out ? AWSVPN_STAT_TX_BYTES :
					  AWSVPN_STAT_RX_BYTES, bytes);
	if (likely(!sa->bytes_soft && !sa->bytes_hard && !sa->packets_soft &&
		   !sa->packets_hard))
		return;

	packets = atomic64_read(&sa->stats.c[out ? AWSVPN_STAT_TX_PACKETS :
					     AWSVPN_STAT_RX_PACKETS]);
	total = atomic64_read(&sa->stats.c[out ? AWSVPN_STAT_TX_BYTES :
					   AWSVPN_STAT_RX_BYTES]);
	if (sa->packets_soft && packets >= sa->packets_soft)
		awsvpn_sa_soft(sa, AWSVPN_EXPIRE_PACKETS);
	if (sa->bytes_soft && total >= sa->bytes_soft)
		awsvpn_sa_soft(sa, AWSVPN_EXPIRE_BYTES);
	if (sa->packets_hard && packets >= sa->packets_hard)
		awsvpn_sa_expire(sa, AWSVPN_EXPIRE_PACKETS);
	else if (sa->bytes_hard && total >= sa->bytes_hard)
		awsvpn_sa_expire(sa, AWSVPN_EXPIRE_BYTES);
}

/* Packets and bytes through @sa so far, for netlink. */
void awsvpn_sa_traffic(const struct awsvpn_sa *sa, u64 *packets, u64 *bytes)
{
	bool out = sa->dir == AWSVPN_DIR_OUT;
	unsigned int start;
	int cpu;

	*packets = atomic64_read(&sa->stats.c[out ? AWSVPN_STAT_TX_PACKETS :
					      AWSVPN_STAT_RX_PACKETS]);
	*bytes = atomic64_read(&sa->stats.c[out ? AWSVPN_STAT_TX_BYTES :
					    AWSVPN_STAT_RX_BYTES]);
	if (!sa->traffic)
		return;
	for_each_possible_cpu(cpu) {
		const struct awsvpn_sa_traffic *t = per_cpu_ptr(sa->traffic, cpu);
		u64 p, b;

		do {
			start = u64_stats_fetch_begin(&t->syncp);
			p = u64_stats_read(&t->packets);
			b = u64_stats_read(&t->bytes);
		} while (u64_stats_fetch_retry(&t->syncp, start));
		*packets += p;
		*bytes += b;
	}
}

/*
 * First authentic packet on inbound @sa: tell user space once, and let an
 * outbound SA waiting for exactly this proof take over.
 */
void awsvpn_sa_first_rx(struct awsvpn_sa *sa)
{
	struct awsvpn_device *adev = sa->adev;
	struct awsvpn_sa *out;

	if (likely(test_bit(AWSVPN_SA_F_FIRST_RX, &sa->flags)) ||
	    test_and_set_bit(AWSVPN_SA_F_FIRST_RX, &sa->flags))
		return;
	awsvpn_event(adev, AWSVPN_EVENT_SA_FIRST_RX, sa, 0, 0, GFP_ATOMIC);

	rcu_read_lock();
	list_for_each_entry_rcu(out, &adev->sas, list) {
		if (out->dir != AWSVPN_DIR_OUT ||
		    out->activate_on_rx != sa->spi ||
		    READ_ONCE(out->state) != AWSVPN_SA_STATE_PENDING ||
		    test_and_set_bit(AWSVPN_SA_F_ACTIVATING, &out->flags))
			continue;
		if (awsvpn_sa_get(out) &&
		    !queue_work(awsvpn_wq, &out->activate_work))
			awsvpn_sa_put(out);
	}
	rcu_read_unlock();
}

/* Caller holds RTNL: @sa (outbound) becomes the one that sends. */
void awsvpn_sa_switch(struct awsvpn_device *adev, struct awsvpn_sa *sa)
{
	struct awsvpn_sa *old = rtnl_dereference(adev->tx_sa);

	ASSERT_RTNL();
	if (old == sa)
		return;
	if (old && READ_ONCE(old->state) == AWSVPN_SA_STATE_ACTIVE)
		WRITE_ONCE(old->state, AWSVPN_SA_STATE_RETIRED);
	WRITE_ONCE(sa->state, AWSVPN_SA_STATE_ACTIVE);
	rcu_assign_pointer(adev->tx_sa, sa);
	adev->tx_expired = false;
	awsvpn_mtu_update(adev);
	awsvpn_event(adev, AWSVPN_EVENT_SA_SWITCHED, sa, 0, 0, GFP_KERNEL);
	awsvpn_carrier_update(adev);
}

/* Replay and ICV failures: one event a second at most, with the count. */
void awsvpn_burst_event(struct awsvpn_device *adev, int stat)
{
	int i = stat == AWSVPN_STAT_RX_REPLAY ? 0 : 1;
	unsigned long now = jiffies, next = READ_ONCE(adev->burst_next[i]);
	u64 total;

	if (time_before(now, next) ||
	    cmpxchg(&adev->burst_next[i], next, now + HZ) != next)
		return;
	total = atomic64_read(&adev->stats.c[stat]);
	awsvpn_event(adev, i ? AWSVPN_EVENT_AUTH_FAIL : AWSVPN_EVENT_REPLAY,
		     NULL, 0, total - adev->burst_reported[i], GFP_ATOMIC);
	adev->burst_reported[i] = total;
}
