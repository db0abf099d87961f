// SPDX-License-Identifier: GPL-2.0
/*
 * Parallel crypto ("parallel on" and "auto"): every CPU works on one
 * device's packets, which still leave and arrive in the order they came.
 *
 * All ESP of an SA is one outer flow, so the NIC hands a tunnel's whole
 * receive load to one CPU, and one sender's packets are encrypted on its
 * CPU.  Here, as in WireGuard, each packet is put on two rings of its
 * device and direction ("pipe"): the crypt ring, from which per-CPU
 * workers (kicked round-robin) take packets and run the AEAD, and the
 * order ring, which holds every packet in flight in arrival order.  Only
 * the order ring's head leaves, once its crypto is done:
 *
 *   transmit  a work item on one CPU per device drains the head and sends:
 *             packets sent from several CPUs would be queued on several
 *             transmit queues (XPS) or backlogs (veth) and overtake each
 *             other again on the wire
 *   receive   the device's NAPI drains the head: replay window update,
 *             trailer, GRO, in order (delivery in the poll itself, no
 *             backlog in between)
 *
 * The replay check still comes before the crypto and the window update
 * after it, in order.  An async driver completes into the same rings.
 *
 * "auto" (the default) keeps the hop for when it pays: while a direction
 * is quiet (at most AWSVPN_AUTO_PPS packets a second in this jiffy and the
 * one before) or only one CPU is online, the crypto runs inline on the
 * submitting CPU -- a received packet still goes through the order ring
 * (behind any packet a worker still has), a sent one leaves directly when
 * nothing of the device is in flight.  A ping then costs what it costs
 * without parallel crypto, and a bulk flow is spread over every CPU after
 * its first few packets.  The rings of a direction are made the first
 * time it is busy (a work item; inline until they exist), so an idle
 * tunnel, or any tunnel on a one-CPU machine, never pays their 16 KiB a
 * direction.
 *
 * Busy is not enough: the hop itself costs CPU time (two rings, kicking a
 * worker, passing the packet on when its crypto is done), and the AEAD of
 * a small GCM packet can cost less than that, while CBC+HMAC or a
 * full-sized packet costs more.  No constant can say which, as both
 * depend on the CPU, the suite and the packet sizes, so "auto" measures
 * them on the device itself: one packet in AWSVPN_SAMPLE is timed
 * (local_clock()) around its AEAD, its hand-off and its passing on, into
 * moving averages per direction, and a busy direction goes to the
 * workers only while its AEAD costs more than its hop.  Until both are
 * known it does.  While it runs inline, every AWSVPN_PROBE packets a burst
 * of AWSVPN_BURST still takes the hop, to keep that figure current: a
 * burst, not one packet, because the hop costs what it costs to a busy
 * direction only once the workers are running (a lone packet wakes cold
 * ones: 30-50 us under TCG against 1-2 us), so the burst's first packet
 * is not timed, and the first hand-offs after the rings are made or the
 * mode changes are not counted (AWSVPN_WARM).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ptr_ring.h>
#include <linux/delay.h>
#include <linux/sched/clock.h>

#include "awsvpn.h"
#include "compat.h"

/* Packets in flight per device and direction, as in WireGuard. */
#define AWSVPN_PIPE_LEN 1024

/* "auto": below this rate per direction, crypto runs inline. */
#define AWSVPN_AUTO_PPS 2000
/* "auto": one packet in AWSVPN_SAMPLE is timed; while the costs keep a
 * busy direction inline, AWSVPN_BURST packets every AWSVPN_PROBE take the
 * hop all the same (3 %).
 */
#define AWSVPN_SAMPLE 16
#define AWSVPN_PROBE 1024
#define AWSVPN_BURST 32
/* "auto": hand-off samples left out after a reset (cold workers). */
#define AWSVPN_WARM 2

static struct workqueue_struct *awsvpn_crypt_wq;

struct awsvpn_worker {
	struct work_struct work;
	struct awsvpn_pipe *pipe;
	unsigned long packets;		/* taken from the crypt ring */
};

struct awsvpn_pipe {
	struct ptr_ring order;		/* every packet in flight, oldest first */
	struct ptr_ring crypt;		/* waiting for a worker */
	struct awsvpn_worker __percpu *workers;
	struct awsvpn_device *adev;
	struct work_struct tx_work;	/* transmit: drains the order ring */
	int tx_cpu;			/* ... always on this CPU */
	int last_cpu;
	u8 dir;
};

/* The @n-th online CPU, modulo their number: spreads devices over CPUs. */
static int awsvpn_pick_cpu(unsigned int n)
{
	int cpu;

	n %= num_online_cpus();
	for_each_online_cpu(cpu)
		if (!n--)
			return cpu;
	return cpumask_first(cpu_online_mask);
}

/* Round-robin over the online CPUs, the submitting one included. */
static int awsvpn_pipe_next_cpu(struct awsvpn_pipe *p)
{
	int cpu = cpumask_next(READ_ONCE(p->last_cpu), cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	WRITE_ONCE(p->last_cpu, cpu);
	return cpu;
}

/*
 * Transmit: send the finished head of the order ring.  A work item runs on
 * one CPU at a time; queued by a completion while it runs, it runs again,
 * so no finished packet waits for the next one.
 */
static void awsvpn_tx_work(struct work_struct *work)
{
	struct awsvpn_pipe *p = container_of(work, struct awsvpn_pipe, tx_work);
	struct awsvpn_crypt *c;
	unsigned int n = 0;

	local_bh_disable();
	while ((c = __ptr_ring_peek(&p->order)) &&
	       smp_load_acquire(&c->done)) {
		/*
		 * Sent, then off the ring (nothing reads the entry after
		 * the head moved on): "auto" sends inline only once the
		 * ring is empty, and must not overtake the packet sent last.
		 * Under the consumer lock, which ptr_ring_empty() takes: a
		 * discard clears a batch of slots, the current head's first,
		 * before it moves the head on, and a lockless test could
		 * take the ring for empty in between.
		 */
		awsvpn_encrypt_finish(c, c->err);
		spin_lock(&p->order.consumer_lock);
		__ptr_ring_discard_one(&p->order);
		spin_unlock(&p->order.consumer_lock);
		/* Let softirqs (and the scheduler) in now and then. */
		if (!(++n % 64)) {
			local_bh_enable();
			cond_resched();
			local_bh_disable();
		}
	}
	local_bh_enable();
}

/* @c's crypto is over (@err): it may leave once it reaches the head. */
static void awsvpn_pipe_done(struct awsvpn_crypt *c, int err)
{
	struct awsvpn_device *adev = c->sa->adev;
	struct awsvpn_pipe *p = adev->pipe[c->sa->dir];

	c->err = err;
	/* Everything the crypto wrote, then the flag the drainers test. */
	smp_store_release(&c->done, 1);
	if (p->dir == AWSVPN_DIR_OUT) {
		int cpu = READ_ONCE(p->tx_cpu);

		/* Its CPU went offline: another, fixed again from now on. */
		if (unlikely(!cpu_online(cpu))) {
			cpu = awsvpn_pick_cpu(adev->dev->ifindex);
			WRITE_ONCE(p->tx_cpu, cpu);
		}
		queue_work_on(cpu, awsvpn_crypt_wq, &p->tx_work);
	} else {
		napi_schedule(&adev->napi);
	}
}

static void awsvpn_pipe_crypto_done(void *data, int err)
{
	local_bh_disable();
	awsvpn_pipe_done(data, err);
	local_bh_enable();
}
AWSVPN_DECLARE_CRYPTO_DONE(awsvpn_pipe_crypto_done)

/* No packet's crypto or hop takes this long: the rest was not its. */
#define AWSVPN_COST_MAX (10 * NSEC_PER_MSEC)

/*
 * A sample of @ns for @e, at most 5/4 of the average so far: a timed
 * stretch that an interrupt, or the hypervisor taking the vCPU away, made
 * long must not swing the decision, nor a run of them ratchet it up (seen
 * with twice the average as the bound: a 190 us hop under TCG).  A real
 * rise still gets through, by 3 % a sample; a fall at once, by 1/8.  At
 * most AWSVPN_COST_MAX, which also keeps the average's arithmetic inside
 * 32 bits.  Never 0, which reads as "not measured yet".
 */
static void awsvpn_cost_add(struct ewma_awsvpn_ns *e, u64 ns)
{
	unsigned long avg = ewma_awsvpn_ns_read(e);

	if (avg && ns > avg + avg / 4)
		ns = avg + avg / 4;
	ewma_awsvpn_ns_add(e, clamp_t(u64, ns, 1, AWSVPN_COST_MAX));
}

/*
 * Run @c's AEAD, as crypto_aead_encrypt() or _decrypt() do, timing it if
 * it is a sample and succeeds right away (an async driver's time is not
 * this CPU's, and a refusal such as pcrypt's -EAGAIN is no AEAD's cost).
 * Returns the AEAD's result and, in @ns, the time or 0.  @c may be gone
 * once -EINPROGRESS is returned.
 */
static int awsvpn_crypt_time(struct awsvpn_crypt *c, u64 *ns)
{
	struct awsvpn_sa *sa = c->sa;
	bool sample = c->sample;
	u64 t0 = sample ? local_clock() : 0;
	int ret;

	ret = sa->dir == AWSVPN_DIR_OUT ? crypto_aead_encrypt(c->req) :
					  crypto_aead_decrypt(c->req);
	*ns = 0;
	if (sample && !ret) {
		*ns = local_clock() - t0;
		awsvpn_cost_add(&sa->adev->rate[sa->dir].crypt_ns, *ns);
	}
	return ret;
}

/* The AEAD of a packet whose crypto runs inline (send.c, receive.c). */
int awsvpn_crypt_run(struct awsvpn_crypt *c)
{
	u64 ns;

	return awsvpn_crypt_time(c, &ns);
}

/* Run @c's crypto; it reaches awsvpn_pipe_done() now or on completion. */
static void awsvpn_pipe_crypt(struct awsvpn_pipe *p, struct awsvpn_crypt *c)
{
	struct awsvpn_rate *r = &p->adev->rate[p->dir];
	u64 ns, t0;
	int ret;

	aead_request_set_callback(c->req, 0,
				  awsvpn_crypto_done(awsvpn_pipe_crypto_done), c);
	/*
	 * A worker runs with BH on and may be preempted: a timed AEAD with
	 * BH off, so that no softirq (the NAPI delivery this CPU was given)
	 * lands in its time.  One packet in 16, a few microseconds.
	 */
	if (c->sample) {
		local_bh_disable();
		ret = awsvpn_crypt_time(c, &ns);
		local_bh_enable();
	} else {
		ret = awsvpn_crypt_time(c, &ns);
	}
	if (ret == -EINPROGRESS)
		return;
	local_bh_disable();
	/*
	 * The far end of a timed packet's hop: passing it on (kicking the
	 * transmit work or the NAPI).  Timed with BH off, so the softirqs
	 * that run at local_bh_enable() -- the delivery, which inline
	 * crypto pays as well -- are not in it; nor is waking a worker
	 * (the scheduler's, on its CPU): the transmit hop is, if anything,
	 * underestimated.  Not before the hand-off has a figure: until
	 * then the workers are cold (see awsvpn_hand_sample()).
	 */
	if (ns && ewma_awsvpn_ns_read(&r->hand_ns)) {
		t0 = local_clock();
		awsvpn_pipe_done(c, ret);
		awsvpn_cost_add(&r->take_ns, local_clock() - t0);
	} else {
		awsvpn_pipe_done(c, ret);
	}
	local_bh_enable();
}

static void awsvpn_pipe_work(struct work_struct *work)
{
	struct awsvpn_worker *w = container_of(work, struct awsvpn_worker,
					       work);
	struct awsvpn_pipe *p = w->pipe;
	struct awsvpn_crypt *c;

	while ((c = ptr_ring_consume_bh(&p->crypt))) {
		/* Only this CPU's work item writes it. */
		WRITE_ONCE(w->packets, w->packets + 1);
		awsvpn_pipe_crypt(p, c);
		cond_resched();
	}
}

/*
 * "auto": is direction @dir quiet enough for inline crypto?  Counts the
 * packet about to be submitted.  Softirq or BH disabled.
 */
static bool awsvpn_quiet(struct awsvpn_device *adev, u8 dir)
{
	unsigned int n, limit = max(AWSVPN_AUTO_PPS / HZ, 1);
	struct awsvpn_rate *r = &adev->rate[dir];
	unsigned long now = jiffies, start;

	if (num_online_cpus() == 1)	/* nothing to spread over */
		return true;
	start = READ_ONCE(r->start);
	if (start != now) {
		/* A steady flow stays busy across the jiffy boundary. */
		WRITE_ONCE(r->prev, now - start == 1 ? READ_ONCE(r->n) : 0);
		WRITE_ONCE(r->start, now);
		WRITE_ONCE(r->n, 0);
	}
	n = READ_ONCE(r->n) + 1;
	WRITE_ONCE(r->n, n);
	return n <= limit && READ_ONCE(r->prev) <= limit;
}

/*
 * Transmit, "auto": nothing in flight, so a packet sent inline overtakes
 * none; and the packets queued after it are sent from this CPU too (the
 * transmit work follows it), into the same transmit queue or backlog, so
 * they cannot overtake it either.  The order ring's emptiness under its
 * consumer lock (ptr_ring_empty(); see awsvpn_tx_work()), softirq or BH
 * disabled as every holder.
 */
static bool awsvpn_tx_idle(struct awsvpn_pipe *p)
{
	int cpu = smp_processor_id();

	if (!ptr_ring_empty(&p->order))
		return false;
	if (READ_ONCE(p->tx_cpu) != cpu)
		WRITE_ONCE(p->tx_cpu, cpu);
	return true;
}

/*
 * "auto": count the packet about to be submitted; a sample (timed) every
 * AWSVPN_SAMPLE.  @probe: every AWSVPN_PROBE, of those samples.
 */
static bool awsvpn_sample(struct awsvpn_rate *r, bool *probe)
{
	unsigned int t = READ_ONCE(r->tick) + 1;

	WRITE_ONCE(r->tick, t);
	*probe = !(t % AWSVPN_PROBE);
	return !(t % AWSVPN_SAMPLE);
}

/*
 * "auto", direction busy: is @c part of a probe burst (see the top)?
 * @probe: a burst is due.  Racy across CPUs, as the rate.
 */
static bool awsvpn_probing(struct awsvpn_rate *r, struct awsvpn_crypt *c,
			   bool probe)
{
	unsigned int b = READ_ONCE(r->burst);

	if (!b) {
		if (!probe)
			return false;
		b = AWSVPN_BURST;
		/* It wakes the workers: what a busy hop costs comes after. */
		c->sample = false;
	}
	WRITE_ONCE(r->burst, b - 1);
	return true;
}

/*
 * The hop of direction @dir, ns (0: not measured yet): the hand-off, and
 * for transmit the passing on.  A received packet is passed on through
 * the order ring and the NAPI inline too, so only its hand-off counts
 * (which includes the order ring's produce that inline receive pays as
 * well: a little over, toward inline).
 */
static unsigned long awsvpn_hop(struct awsvpn_rate *r, u8 dir)
{
	unsigned long hand = ewma_awsvpn_ns_read(&r->hand_ns);
	unsigned long take = ewma_awsvpn_ns_read(&r->take_ns);

	if (dir == AWSVPN_DIR_IN)
		return hand;
	return hand && take ? hand + take : 0;
}

/*
 * "auto", direction busy: does the AEAD cost less than the hop, so that
 * handing it over costs more CPU time (the submitting CPU's, and for
 * transmit the worker's passing on) than it takes off the submitting
 * CPU?  Not while either is unknown (async drivers are never timed: they
 * stay on the workers).
 */
static bool awsvpn_cheap(struct awsvpn_rate *r, u8 dir)
{
	unsigned long crypt = ewma_awsvpn_ns_read(&r->crypt_ns);
	unsigned long hop = awsvpn_hop(r, dir);

	return crypt && hop && crypt <= hop;
}

/* "auto"'s estimates for direction @dir, ns per packet (0: not yet). */
void awsvpn_parallel_costs(struct awsvpn_device *adev, u8 dir, u32 *crypt_ns,
			   u32 *hop_ns)
{
	struct awsvpn_rate *r = &adev->rate[dir];

	*crypt_ns = ewma_awsvpn_ns_read(&r->crypt_ns);
	*hop_ns = awsvpn_hop(r, dir);
}

/*
 * Transmit, "auto", busy and inline: nothing in flight, and this is the
 * CPU the transmit work sends from (see awsvpn_parallel_submit()).
 */
static bool awsvpn_tx_mine(struct awsvpn_pipe *p)
{
	return READ_ONCE(p->tx_cpu) == smp_processor_id() &&
	       ptr_ring_empty(&p->order);
}

/* Packets of direction @dir whose crypto a worker ran, since creation. */
u64 awsvpn_parallel_count(struct awsvpn_device *adev, u8 dir)
{
	/* Acquire: "auto" may publish it at any time (awsvpn_pipe_make). */
	struct awsvpn_pipe *p = smp_load_acquire(&adev->pipe[dir]);
	u64 sum = 0;
	int cpu;

	if (!p)
		return 0;
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(p->workers, cpu)->packets);
	return sum;
}

/*
 * Queue @c in order; its crypto runs on the workers, or right here
 * (@here).  0: queued.  -ENOBUFS: the device has no room for it.
 * -EBUSY: no worker could take it, it leaves through the pipe as an
 * error (no hand-off took place).
 */
static int awsvpn_pipe_submit(struct awsvpn_pipe *p, struct awsvpn_crypt *c,
			      bool here)
{
	int cpu;

	c->done = 0;
	if (ptr_ring_produce(&p->order, c))
		return -ENOBUFS;
	c->parallel = true;
	if (here) {
		awsvpn_pipe_crypt(p, c);
		return 0;
	}
	/*
	 * Consumed slots of a ptr_ring are freed in batches, so the crypt
	 * ring can look full while the order ring had room: the packet is
	 * on its way out already, as an error.
	 */
	if (unlikely(ptr_ring_produce(&p->crypt, c))) {
		awsvpn_pipe_done(c, -ENOBUFS);
		return -EBUSY;
	}
	cpu = awsvpn_pipe_next_cpu(p);
	queue_work_on(cpu, awsvpn_crypt_wq, &per_cpu_ptr(p->workers, cpu)->work);
	return 0;
}

/*
 * A hand-off sample of @ns.  The first AWSVPN_WARM after a reset are left
 * out: the rings were just made or the mode changed, and they wake cold
 * workers (tens of microseconds under TCG against one or two when busy).
 * Taken as the average's first value, that would keep the direction
 * inline, where only the probe bursts would bring it down.  Racy across
 * CPUs, as the rate.
 */
static void awsvpn_hand_sample(struct awsvpn_rate *r, u64 ns)
{
	unsigned int n = READ_ONCE(r->hands);

	if (n < AWSVPN_WARM) {
		WRITE_ONCE(r->hands, n + 1);
		return;
	}
	awsvpn_cost_add(&r->hand_ns, ns);
}

/*
 * Where @c's crypto runs, its request fully set up.  0: nowhere yet, the
 * caller runs it inline as without parallel crypto.  1: queued (its
 * crypto runs here or on a worker; it leaves through the pipe).
 * -ENOBUFS: the device has no room for it, the caller drops it.
 * Softirq or BH disabled.
 */
int awsvpn_parallel_submit(struct awsvpn_crypt *c)
{
	struct awsvpn_device *adev = c->sa->adev;
	u8 dir = c->sa->dir;
	struct awsvpn_rate *r = &adev->rate[dir];
	bool here, probe;
	struct awsvpn_pipe *p;
	int ret;
	u64 t0;
	u8 mode;

	c->sample = false;
	/* Acquire: the pipe "parallel on" was set after is visible. */
	mode = smp_load_acquire(&adev->parallel);
	if (mode == AWSVPN_PARALLEL_OFF)
		return 0;
	c->sample = awsvpn_sample(r, &probe);
	/* Acquire: pairs with awsvpn_pipe_make()'s release. */
	p = smp_load_acquire(&adev->pipe[dir]);
	/*
	 * Down: no NAPI would deliver it.  Tested after loading the pipe: a
	 * receive pipe made after awsvpn_parallel_stop() (by "parallel on"
	 * while down) comes with its rx_stopped, so no packet is queued
	 * where nothing delivers it or waits for it.
	 */
	if (dir == AWSVPN_DIR_IN && READ_ONCE(adev->rx_stopped))
		return 0;
	if (mode == AWSVPN_PARALLEL_ON) {
		here = false;
	} else {
		bool quiet = awsvpn_quiet(adev, dir);

		if (!p) {
			/* Busy for the first time: make the rings, inline
			 * meanwhile.
			 */
			if (!quiet && !test_bit(dir, &adev->pipe_want) &&
			    !test_and_set_bit(dir, &adev->pipe_want))
				schedule_delayed_work(&adev->pipe_work, 0);
			return 0;
		}
		here = quiet ||
		       (awsvpn_cheap(r, dir) && !awsvpn_probing(r, c, probe));
		/*
		 * Inline and nothing to overtake: as without parallel
		 * crypto.  (A received packet always takes the ring: one a
		 * worker still holds must be delivered first.)  While
		 * packets are in flight the transmit work stays on its CPU,
		 * which is what keeps the wire in order.  Busy, a packet
		 * leaves directly only from that CPU: what the transmit work
		 * sent last may still wait in its backlog or queue there, and
		 * one sent from here would overtake it.
		 */
		if (here && dir == AWSVPN_DIR_OUT &&
		    (quiet ? awsvpn_tx_idle(p) : awsvpn_tx_mine(p)))
			return 0;
	}
	if (here || !c->sample) {
		ret = awsvpn_pipe_submit(p, c, here);
	} else {
		/* The submitting CPU's share of the hop (@c may be gone
		 * after).
		 */
		t0 = local_clock();
		ret = awsvpn_pipe_submit(p, c, false);
		if (!ret)
			awsvpn_hand_sample(r, local_clock() - t0);
	}
	return ret == -ENOBUFS ? ret : 1;
}

/* NAPI: deliver decrypted packets in the order they arrived. */
static int awsvpn_rx_poll(struct napi_struct *napi, int budget)
{
	struct awsvpn_device *adev = container_of(napi, struct awsvpn_device,
						  napi);
	struct awsvpn_pipe *p = READ_ONCE(adev->pipe[AWSVPN_DIR_IN]);
	struct awsvpn_crypt *c;
	int done = 0;

	while (p && done < budget && (c = __ptr_ring_peek(&p->order)) &&
	       smp_load_acquire(&c->done)) {
		__ptr_ring_discard_one(&p->order);
		awsvpn_decrypt_finish(c, c->err);
		done++;
	}
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

static void awsvpn_pipe_free(struct awsvpn_pipe *p)
{
	int cpu;

	if (!p)
		return;
	/* A worker that just finished the last packet may still be looping. */
	for_each_possible_cpu(cpu)
		flush_work(&per_cpu_ptr(p->workers, cpu)->work);
	flush_work(&p->tx_work);
	WARN_ON_ONCE(!__ptr_ring_empty(&p->order));
	ptr_ring_cleanup(&p->order, NULL);
	ptr_ring_cleanup(&p->crypt, NULL);
	free_percpu(p->workers);
	kfree(p);
}

static struct awsvpn_pipe *awsvpn_pipe_alloc(struct awsvpn_device *adev,
					     u8 dir)
{
	struct awsvpn_pipe *p;
	int cpu;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	p->adev = adev;
	p->dir = dir;
	p->last_cpu = -1;
	INIT_WORK(&p->tx_work, awsvpn_tx_work);
	p->tx_cpu = awsvpn_pick_cpu(adev->dev->ifindex);
	p->workers = alloc_percpu(struct awsvpn_worker);
	if (!p->workers)
		goto err;
	for_each_possible_cpu(cpu) {
		INIT_WORK(&per_cpu_ptr(p->workers, cpu)->work, awsvpn_pipe_work);
		per_cpu_ptr(p->workers, cpu)->pipe = p;
	}
	if (ptr_ring_init(&p->order, AWSVPN_PIPE_LEN, GFP_KERNEL))
		goto err_workers;
	if (ptr_ring_init(&p->crypt, AWSVPN_PIPE_LEN, GFP_KERNEL))
		goto err_order;
	return p;

err_order:
	ptr_ring_cleanup(&p->order, NULL);
err_workers:
	free_percpu(p->workers);
err:
	kfree(p);
	return NULL;
}

/*
 * The rings of direction @dir, made the first time and kept until the
 * device is freed (packets in them when the mode changes still leave
 * through them).  Under adev->pipe_lock.
 */
static int awsvpn_pipe_make(struct awsvpn_device *adev, u8 dir)
{
	struct awsvpn_pipe *p;

	lockdep_assert_held(&adev->pipe_lock);
	if (adev->pipe[dir])
		return 0;
	p = awsvpn_pipe_alloc(adev, dir);
	if (!p)
		return -ENOMEM;
	/* Release: the data path finds it initialised. */
	smp_store_release(&adev->pipe[dir], p);
	return 0;
}

/*
 * "auto", a direction busy for the first time: its rings.  Not once the
 * device is down: awsvpn_parallel_stop() would not know of the receive
 * ring (it is asked for again when traffic comes back).  Without memory,
 * tried again a second later: the direction runs inline meanwhile.
 */
static void awsvpn_pipe_work_make(struct work_struct *work)
{
	struct awsvpn_device *adev = container_of(to_delayed_work(work),
						  struct awsvpn_device,
						  pipe_work);
	bool retry = false;
	u8 dir;

	mutex_lock(&adev->pipe_lock);
	for (dir = 0; dir < __AWSVPN_DIR_MAX; dir++) {
		if (!test_bit(dir, &adev->pipe_want) || adev->pipe[dir])
			continue;
		if (READ_ONCE(adev->rx_stopped)) {
			clear_bit(dir, &adev->pipe_want);
			continue;
		}
		if (awsvpn_pipe_make(adev, dir)) {
			net_warn_ratelimited("%s: no memory for the parallel crypto queues, crypto inline for now\n",
					     adev->dev->name);
			retry = true;
		}
	}
	if (retry)
		schedule_delayed_work(&adev->pipe_work, HZ);
	mutex_unlock(&adev->pipe_lock);
}

/* Before "parallel on", under RTNL: both directions' rings. */
int awsvpn_parallel_prepare(struct awsvpn_device *adev)
{
	int ret;

	ASSERT_RTNL();
	mutex_lock(&adev->pipe_lock);
	ret = awsvpn_pipe_make(adev, AWSVPN_DIR_OUT) ?:
	      awsvpn_pipe_make(adev, AWSVPN_DIR_IN);
	mutex_unlock(&adev->pipe_lock);
	return ret;
}

void awsvpn_parallel_set(struct awsvpn_device *adev, u8 mode)
{
	u8 dir;

	ASSERT_RTNL();
	if (WARN_ON_ONCE(mode == AWSVPN_PARALLEL_ON &&
			 (!adev->pipe[AWSVPN_DIR_OUT] ||
			  !adev->pipe[AWSVPN_DIR_IN])))
		return;
	if (mode == adev->parallel)
		return;
	/* Pairs with the data path's acquire: the rings are seen first. */
	smp_store_release(&adev->parallel, mode);
	/*
	 * What "auto" measured is of the mode before ("off" measures
	 * nothing): start again.  Racy with packets in flight, which may
	 * still add a sample of the old mode; an estimate either way.
	 */
	for (dir = 0; dir < __AWSVPN_DIR_MAX; dir++) {
		struct awsvpn_rate *r = &adev->rate[dir];

		ewma_awsvpn_ns_init(&r->crypt_ns);
		ewma_awsvpn_ns_init(&r->hand_ns);
		ewma_awsvpn_ns_init(&r->take_ns);
		WRITE_ONCE(r->hands, 0);
	}
}

void awsvpn_parallel_init(struct awsvpn_device *adev)
{
	mutex_init(&adev->pipe_lock);
	INIT_DELAYED_WORK(&adev->pipe_work, awsvpn_pipe_work_make);
	netif_napi_add(adev->dev, &adev->napi, awsvpn_rx_poll);
}

void awsvpn_parallel_open(struct awsvpn_device *adev)
{
	/* NAPI first: a packet let in must find it able to run. */
	napi_enable(&adev->napi);
	WRITE_ONCE(adev->rx_stopped, false);
}

/*
 * The device goes down (or away): no NAPI delivers any more, so what is
 * queued for receive is dropped here.  Each packet holds its SA, and each
 * SA the device: unregistration could not finish otherwise.
 */
void awsvpn_parallel_stop(struct awsvpn_device *adev)
{
	struct awsvpn_crypt *c;
	unsigned long warn;
	struct awsvpn_pipe *p;
	int cpu;

	WRITE_ONCE(adev->rx_stopped, true);
	/* After this, awsvpn_pipe_work_make() sees the device down. */
	mutex_lock(&adev->pipe_lock);
	p = adev->pipe[AWSVPN_DIR_IN];
	mutex_unlock(&adev->pipe_lock);
	/* Receive runs in RCU read-side sections: none enqueues after.
	 * (Without the rings, none ever did: no grace period to wait for.)
	 */
	if (p)
		synchronize_net();
	napi_disable(&adev->napi);
	if (!p)
		return;
	for_each_possible_cpu(cpu)
		flush_work(&per_cpu_ptr(p->workers, cpu)->work);
	while ((c = __ptr_ring_peek(&p->order))) {
		/* An async driver may still hold it: it completes soon. */
		warn = jiffies + 10 * HZ;
		while (!smp_load_acquire(&c->done)) {
			/* It owns the packet: there is nothing to do but wait. */
			WARN_ONCE(time_after(jiffies, warn),
				  "%s: a decryption has not completed in 10 s\n",
				  adev->dev->name);
			msleep(1);
		}
		__ptr_ring_discard_one(&p->order);
		dev_core_stats_rx_dropped_inc(adev->dev);
		awsvpn_decrypt_drop(c);
	}
}

void awsvpn_parallel_free(struct awsvpn_device *adev)
{
	cancel_delayed_work_sync(&adev->pipe_work);
	awsvpn_pipe_free(adev->pipe[AWSVPN_DIR_OUT]);
	awsvpn_pipe_free(adev->pipe[AWSVPN_DIR_IN]);
	adev->pipe[AWSVPN_DIR_OUT] = adev->pipe[AWSVPN_DIR_IN] = NULL;
	netif_napi_del(&adev->napi);
}

int awsvpn_queue_init(void)
{
	/* Bound to their CPUs: that is the point of kicking them round-robin. */
	awsvpn_crypt_wq = alloc_workqueue("awsvpn-crypt",
					  WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0);
	return awsvpn_crypt_wq ? 0 : -ENOMEM;
}

void awsvpn_queue_uninit(void)
{
	destroy_workqueue(awsvpn_crypt_wq);
}
