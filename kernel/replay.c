// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 4303 section 3.4.3 anti-replay window (32-bit sequence numbers).
 *
 * The window is a ring of bits, one per sequence number, a word longer than
 * the largest window so that advancing the top never clears a bit still
 * inside the window.  Receive checks a packet twice: lock-free before
 * decryption (cheap rejection of obvious replays, never a false reject
 * while the window only moves forward), and under the lock after the ICV
 * verified, which is the only place the window moves.  No lock is held
 * across the crypto step.
 */
#include <linux/bitops.h>
#include <linux/spinlock.h>

#include "awsvpn.h"

#define RING_WORDS	ARRAY_SIZE(((struct awsvpn_replay *)0)->bitmap)
#define RING_BITS	(RING_WORDS * BITS_PER_LONG)

void awsvpn_replay_init(struct awsvpn_replay *r, u32 window)
{
	spin_lock_init(&r->lock);
	r->window = window;
	r->top = 0;
	bitmap_zero(r->bitmap, RING_BITS);
}

/* Could @seq be new?  Lock-free; the answer is confirmed by _advance(). */
bool awsvpn_replay_check(const struct awsvpn_replay *r, u32 seq)
{
	u32 top = READ_ONCE(r->top);

	if (unlikely(!seq))
		return false;	/* sequence numbers start at 1 */
	if (seq > top)
		return true;
	if (top - seq >= r->window)
		return false;
	return !test_bit(seq % RING_BITS, r->bitmap);
}

/* Accept @seq of an authenticated packet: false if it is a replay. */
bool awsvpn_replay_advance(struct awsvpn_replay *r, u32 seq)
{
	bool fresh = false;

	if (unlikely(!seq))
		return false;

	spin_lock_bh(&r->lock);
	if (seq > r->top) {
		unsigned long cur = r->top / BITS_PER_LONG;
		unsigned long next = seq / BITS_PER_LONG;
		unsigned long i, n = min_t(unsigned long, next - cur, RING_WORDS);

		/* Words the top jumps over are reused for the new numbers. */
		for (i = 1; i <= n; i++)
			r->bitmap[(cur + i) % RING_WORDS] = 0;
		WRITE_ONCE(r->top, seq);
	} else if (r->top - seq >= r->window) {
		goto out;
	}
	fresh = !__test_and_set_bit(seq % RING_BITS, r->bitmap);
out:
	spin_unlock_bh(&r->lock);
	return fresh;
}
