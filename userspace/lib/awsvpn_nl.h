/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libawsvpn: the small netlink library the awsvpn tool and the strongSwan
 * plugin (kernel-awsvpn) share.  It speaks the generic netlink family of
 * kernel/uapi/awsvpn.h, the only contract with the module:
 *
 *   - requests and their errors (errno plus extended ACK message);
 *   - device replies parsed into plain structures (struct awsvpn_dev);
 *   - events of the "events" multicast group parsed (struct awsvpn_nl_event);
 *   - the algorithm tables both sides need (key lengths).
 *
 * Not thread-safe: one request at a time per struct awsvpn_nl.
 */
#ifndef AWSVPN_NL_H
#define AWSVPN_NL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/msg.h>

#include "uapi/awsvpn.h"

#ifndef BIT
#define BIT(n)		(1ULL << (n))
#endif

struct awsvpn_nl {
	struct nl_sock *sk;
	int family;		/* generic netlink family id */
	int events_group;	/* multicast group id of "events", 0 if none */
	/*
	 * Bumped when a request found the module loaded again under a new
	 * family id (awsvpn_nl_run() then uses the new one): the old events
	 * group died with the old module (awsvpn_nl_follow()).
	 */
	unsigned int generation;
	/*
	 * Up to two errnos (positive; 0 = unused) a request may end with
	 * that are no error for the caller (ENOENT for a deletion racing an
	 * expiry): returned, not logged.  Every other failure is logged with
	 * the kernel's extended ACK.
	 */
	int expected[2];
};

/*
 * Errors are logged as one line through @fn (default: "awsvpn: LINE" on
 * stderr).  A line never contains key material: requests are not echoed
 * back (NETLINK_CAP_ACK) and messages come from the kernel's extack.
 */
void awsvpn_nl_set_log(void (*fn)(const char *line));
void awsvpn_nl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 0 or a negative errno (-ENOENT: the module is not loaded). */
int awsvpn_nl_open(struct awsvpn_nl *nl);
void awsvpn_nl_close(struct awsvpn_nl *nl);

/* A request for @cmd; the family is filled in by awsvpn_nl_run(). */
struct nl_msg *awsvpn_nl_req(uint8_t cmd, int flags);

/* Free a message that may hold keys: the whole buffer is wiped first. */
void awsvpn_nl_msg_free(struct nl_msg *msg);

/*
 * Send @msg (always consumed), pass each reply to @cb (may be NULL; a
 * negative return stops and becomes the result) and wait for the ACK or
 * the end of a dump.  Returns 0 or a negative errno; the failure is logged
 * as "WHAT: reason (extack)" where WHAT is formatted from @fmt.  -EAGAIN,
 * not logged: the objects of a dump changed while it ran (NLM_F_DUMP_INTR),
 * so @cb may have missed or seen twice some of them: dump again.
 */
int awsvpn_nl_run(struct awsvpn_nl *nl, struct nl_msg *msg,
		  int (*cb)(struct nl_msg *msg, void *arg), void *arg,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Device replies (AWSVPN_CMD_GET_DEVICE) */

struct awsvpn_stats {
	uint64_t v[AWSVPN_STAT_MAX + 1];
	uint64_t has;		/* BIT(AWSVPN_STAT_*) */
};

struct awsvpn_sa {
	uint64_t has;		/* BIT(AWSVPN_SA_A_*) */
	uint8_t dir, enc, integ, state;
	uint32_t spi, replay_window, seq;
	uint32_t age, activate_on_rx, time_soft, time_hard;
	uint64_t bytes_soft, bytes_hard, packets_soft, packets_hard;
	uint8_t soft_expired;
	char driver[128];
	struct awsvpn_stats st;
};

struct awsvpn_dev {
	uint64_t has;		/* BIT(AWSVPN_A_*) */
	char ifname[IFNAMSIZ];
	uint32_t ifindex, local, remote, replay_window, mtu;
	uint32_t outer_mtu, nat_keepalive, if_id;
	uint16_t local_port, remote_port, mss;
	uint8_t encap, df, mss_mode, mtu_mode, outer_df, socket;
	uint8_t carrier;	/* 0/1 */
	uint8_t carrier_reason;	/* enum awsvpn_carrier_reason */
	uint8_t parallel;	/* enum awsvpn_parallel */
	/* "auto"'s measured costs, ns per packet, 0 = not measured */
	uint32_t tx_crypt_ns, tx_hop_ns, rx_crypt_ns, rx_hop_ns;
	uint64_t last_rx_ms, last_tx_ms;
	struct awsvpn_stats st;
	struct awsvpn_sa *sa;
	size_t n_sa;
};

struct awsvpn_dev_list {
	struct awsvpn_dev *dev;
	size_t n;
};

/* Reply callback for awsvpn_nl_run(): appends each device to the list. */
int awsvpn_dev_list_add(struct nl_msg *msg, void *list);

/*
 * Every device of the namespace (@ifname NULL) or one.  0 or a negative
 * errno; on success free the list with awsvpn_dev_list_free().  A dump that
 * devices being added or removed interrupted is repeated: the list holds
 * every device once, as at one instant (-EAGAIN if they never held still).
 */
int awsvpn_dev_get(struct awsvpn_nl *nl, const char *ifname,
		   struct awsvpn_dev_list *list);
void awsvpn_dev_list_free(struct awsvpn_dev_list *list);

/* The SA of @dev with @dir and @spi, or NULL. */
const struct awsvpn_sa *awsvpn_dev_find_sa(const struct awsvpn_dev *dev,
					   uint8_t dir, uint32_t spi);

/* Events (AWSVPN_CMD_EVENT on the "events" multicast group) */

struct awsvpn_nl_event {
	uint8_t event;		/* enum awsvpn_event */
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	bool has_sa;
	uint8_t dir;
	uint32_t spi;
	uint8_t reason;		/* enum awsvpn_expire_reason (SA events) or
				 * awsvpn_carrier_reason (carrier), 0 if none */
	bool has_count;
	uint64_t count;
};

/* Join the events group on @nl's socket (which then only listens). */
int awsvpn_nl_subscribe(struct awsvpn_nl *nl);

/*
 * Make @events (subscribed) follow the module @req has found loaded again:
 * join its new events group.  0 if there was nothing to follow, 1 if
 * @events followed, else a negative errno.
 */
int awsvpn_nl_follow(struct awsvpn_nl *events, const struct awsvpn_nl *req);

/*
 * Module loads and unloads: @nl also joins nlctrl's "notify" group, whose
 * messages awsvpn_nl_module_event() recognises.  0 or a negative errno.
 */
int awsvpn_nl_watch_module(struct awsvpn_nl *nl);

enum {
	AWSVPN_MODULE_NONE,	/* not about the awsvpn family */
	AWSVPN_MODULE_LOADED,	/* registered: @nl joined its events group */
	AWSVPN_MODULE_UNLOADED,	/* unregistered: every device is gone */
};

/*
 * What nlctrl's message @msg says of the module: an AWSVPN_MODULE_* value;
 * on LOADED @nl has the new family id and has joined the new events group
 * (-ENOENT: the new module has no events group; -EIO: cannot join it).
 */
int awsvpn_nl_module_event(struct awsvpn_nl *nl, struct nl_msg *msg);

/* 0 if @msg is an event (filled into @e), else a negative errno. */
int awsvpn_event_parse(struct nl_msg *msg, struct awsvpn_nl_event *e);

/* Algorithms */

/* Key bytes of an enum awsvpn_enc (with the GCM salt) / awsvpn_integ; 0 if unknown. */
size_t awsvpn_enc_key_len(int enc);
size_t awsvpn_integ_key_len(int integ);
bool awsvpn_enc_is_aead(int enc);

#endif /* AWSVPN_NL_H */
