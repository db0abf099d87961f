/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * awsvpn generic netlink API.
 *
 * This is the only contract between the awsvpn kernel module and user space.
 * It is included verbatim by the kernel module and by the awsvpn tool.
 *
 * Family name: AWSVPN_GENL_NAME ("awsvpn"), version AWSVPN_GENL_VERSION.
 *
 * Every command addresses one awsvpn device, named by AWSVPN_A_IFINDEX or
 * AWSVPN_A_IFNAME (at least one is required; if both are given they must
 * name the same device).  Devices are looked up in the network namespace of the
 * netlink socket.  Every command needs CAP_NET_ADMIN in the user namespace
 * owning that network namespace, because the replies describe security
 * associations.  Policies are strict: unknown attributes, wrong lengths and
 * out-of-range values are rejected with -EINVAL (-ERANGE for ranges) and an
 * extended ACK message naming the attribute.
 *
 * Integers are in host byte order unless the name ends in _BE or the
 * attribute is an IPv4 address (network byte order, 4 bytes).
 *
 * AWSVPN_CMD_GET_DEVICE
 *	doit: reply with every device attribute below, AWSVPN_A_STATS and one
 *	AWSVPN_A_SA nest per security association inside AWSVPN_A_SAS.
 *	dumpit (NLM_F_DUMP, no device attribute needed): one such message per
 *	awsvpn device in the namespace.  A dump spans several batches; when
 *	the namespace's devices changed between two of them, a message (or
 *	the NLMSG_DONE) carries NLM_F_DUMP_INTR: the list read may miss or
 *	repeat a device, and the dump should be repeated.
 *
 * AWSVPN_CMD_SET_DEVICE
 *	Changes any subset of the writable device attributes.  The request is
 *	validated as a whole before anything is changed, so a rejected request
 *	changes nothing.
 *
 * AWSVPN_CMD_NEW_SA
 *	Installs the security association described by the AWSVPN_A_SA nest.
 *	Required in the nest: DIR, SPI, ENC, ENC_KEY; INTEG and INTEG_KEY for the
 *	CBC suites (and forbidden for GCM).  Key lengths are checked against the
 *	suite.  An inbound SPI must be unique among inbound SAs of the namespace;
 *	an outbound SPI unique on the device.  The first outbound SA becomes the
 *	active one.
 *
 * AWSVPN_CMD_DEL_SA
 *	Removes the SA named by DIR and SPI inside AWSVPN_A_SA.
 *
 * AWSVPN_CMD_SWITCH_SA
 *	Makes the outbound SA named by SPI inside AWSVPN_A_SA the one that
 *	sends; the previously active one becomes AWSVPN_SA_STATE_RETIRED and
 *	stays until deleted (packets already sent with it still decrypt at
 *	the peer; its inbound twin keeps receiving).
 *
 * AWSVPN_CMD_EVENT (multicast group AWSVPN_MCGRP_EVENTS, kernel to user)
 *	One message per event: AWSVPN_A_EVENT, the device (IFINDEX, IFNAME),
 *	for SA events an AWSVPN_A_SA nest with DIR and SPI, and where it
 *	applies AWSVPN_A_EVENT_REASON and AWSVPN_A_EVENT_COUNT.  Sent in the
 *	device's namespace.  AWSVPN_EVENT_CARRIER_UP / _DOWN follow every
 *	change of AWSVPN_A_CARRIER, after the SA or device event that caused
 *	it; a change of the reason alone while the carrier stays off sends
 *	nothing (GET_DEVICE shows it).
 */
#ifndef _UAPI_LINUX_AWSVPN_H
#define _UAPI_LINUX_AWSVPN_H

#define AWSVPN_GENL_NAME	"awsvpn"
#define AWSVPN_GENL_VERSION	1

#define AWSVPN_MCGRP_EVENTS	"events"

/* AWSVPN_A_EVENT */
enum awsvpn_event {
	AWSVPN_EVENT_UNSPEC,
	AWSVPN_EVENT_SA_ADDED,
	AWSVPN_EVENT_SA_DELETED,	/* by DEL_SA, or with its device */
	AWSVPN_EVENT_SA_SWITCHED,	/* SA is the new active outbound SA */
	AWSVPN_EVENT_SA_SOFT_EXPIRE,	/* once per SA: time to rekey */
	AWSVPN_EVENT_SA_HARD_EXPIRE,	/* the SA was deleted (REASON says why) */
	AWSVPN_EVENT_SA_FIRST_RX,	/* first authentic packet on an inbound SA */
	AWSVPN_EVENT_DEV_UP,
	AWSVPN_EVENT_DEV_DOWN,
	AWSVPN_EVENT_REPLAY,		/* replayed packets, COUNT since the last one */
	AWSVPN_EVENT_AUTH_FAIL,		/* ICV failures, COUNT since the last one */
	AWSVPN_EVENT_CARRIER_UP,	/* the device can carry traffic again;
					 * REASON AWSVPN_CARRIER_OK */
	AWSVPN_EVENT_CARRIER_DOWN,	/* it cannot; REASON (enum
					 * awsvpn_carrier_reason) says why */
	__AWSVPN_EVENT_MAX
};
#define AWSVPN_EVENT_MAX (__AWSVPN_EVENT_MAX - 1)

/* AWSVPN_A_EVENT_REASON for soft and hard expiry */
enum awsvpn_expire_reason {
	AWSVPN_EXPIRE_TIME = 1,
	AWSVPN_EXPIRE_BYTES,
	AWSVPN_EXPIRE_PACKETS,
	AWSVPN_EXPIRE_SEQ,		/* sequence numbers exhausted */
};

/*
 * AWSVPN_A_CARRIER_REASON, and AWSVPN_A_EVENT_REASON of the carrier events:
 * why the device has carrier or not.  The carrier is on (OK) only with a
 * remote address and an active outbound SA that has not hard-expired;
 * when several things are missing the first in this order is reported.
 */
enum awsvpn_carrier_reason {
	AWSVPN_CARRIER_OK = 1,		/* remote set, active outbound SA */
	AWSVPN_CARRIER_NO_REMOTE,	/* AWSVPN_A_REMOTE is 0 */
	AWSVPN_CARRIER_NO_SA,		/* no active outbound SA (none yet, or
					 * it was deleted; a pending SA does
					 * not count until switched to) */
	AWSVPN_CARRIER_EXPIRED,		/* the active outbound SA hard-expired
					 * (time, bytes, packets, sequence
					 * numbers) and no other took over */
};

/* Limits the kernel enforces (and the tool checks first, for nicer errors). */
#define AWSVPN_REPLAY_WINDOW_MIN	64
#define AWSVPN_REPLAY_WINDOW_MAX	4096
#define AWSVPN_REPLAY_WINDOW_DEFAULT	1024	/* AWS's default */
#define AWSVPN_PORT_DEFAULT		4500	/* RFC 3948 */
#define AWSVPN_MSS_MIN			88	/* Linux TCP_MIN_MSS */
#define AWSVPN_MSS_MAX			65495
#define AWSVPN_SPI_MIN			256	/* 1..255 reserved by IANA, 0 invalid */
#define AWSVPN_MAX_SA_IN		8	/* inbound SAs alive at once per device */
#define AWSVPN_MAX_SA_OUT		4	/* outbound SAs (active + pending) */

enum awsvpn_cmd {
	AWSVPN_CMD_UNSPEC,
	AWSVPN_CMD_GET_DEVICE,
	AWSVPN_CMD_SET_DEVICE,
	AWSVPN_CMD_NEW_SA,
	AWSVPN_CMD_DEL_SA,
	AWSVPN_CMD_SWITCH_SA,
	AWSVPN_CMD_EVENT,
	__AWSVPN_CMD_MAX
};
#define AWSVPN_CMD_MAX (__AWSVPN_CMD_MAX - 1)

/* AWSVPN_A_ENCAP: how ESP leaves the device. */
enum awsvpn_encap {
	AWSVPN_ENCAP_NONE,	/* raw ESP, IP protocol 50 (default) */
	AWSVPN_ENCAP_UDP,	/* ESP in UDP, RFC 3948 (NAT-T) */
	__AWSVPN_ENCAP_MAX
};
#define AWSVPN_ENCAP_MAX (__AWSVPN_ENCAP_MAX - 1)

/* AWSVPN_A_DF_POLICY: what happens to the DF bit of inner IPv4 packets. */
enum awsvpn_df_policy {
	AWSVPN_DF_CLEAR,	/* reset DF, fragment before encryption (default, AWS) */
	AWSVPN_DF_KEEP,		/* honour DF: ICMP "fragmentation needed" */
	__AWSVPN_DF_MAX
};
#define AWSVPN_DF_MAX (__AWSVPN_DF_MAX - 1)

/* AWSVPN_A_MSS_MODE: TCP MSS clamping of SYN and SYN-ACK, both directions. */
enum awsvpn_mss_mode {
	AWSVPN_MSS_AUTO,	/* MTU - 40 (IPv4) / MTU - 60 (IPv6) (default) */
	AWSVPN_MSS_OFF,		/* never touch the MSS option */
	AWSVPN_MSS_FIXED,	/* clamp to AWSVPN_A_MSS */
	__AWSVPN_MSS_MODE_MAX
};
#define AWSVPN_MSS_MODE_MAX (__AWSVPN_MSS_MODE_MAX - 1)

/* AWSVPN_A_OUTER_DF: the DF bit of the outer (ESP) IPv4 header. */
enum awsvpn_outer_df {
	AWSVPN_OUTER_DF_SET,	/* always set: outer packets never fragment (default) */
	AWSVPN_OUTER_DF_CLEAR,	/* never set: routers may fragment ESP */
	AWSVPN_OUTER_DF_INHERIT,/* copy the inner IPv4 DF bit (IPv6 inner: set) */
	__AWSVPN_OUTER_DF_MAX
};
#define AWSVPN_OUTER_DF_MAX (__AWSVPN_OUTER_DF_MAX - 1)

/*
 * AWSVPN_A_PARALLEL.  All ESP of an SA is one outer flow, which the NIC gives
 * to one CPU: without parallel crypto one core bounds the tunnel.  ON and
 * AUTO put each packet on a per-device, per-direction queue from which a
 * worker per online CPU (kicked in turn) runs the crypto, and packets still
 * leave and are delivered in the order they came.  At most 1024 packets are
 * in flight per direction (then dropped: tx_dropped / rx_dropped).  The
 * queues take 16 KiB per direction: ON makes them when it is set (ENOMEM
 * refuses it), AUTO the first time the direction is busy (until then, and
 * if that fails, its crypto runs inline), so idle tunnels never have them.
 */
enum awsvpn_parallel {
	AWSVPN_PARALLEL_OFF,	/* crypto on the CPU the packet is on */
	AWSVPN_PARALLEL_ON,	/* every packet through the workers: a queue hop
				 * (latency) per packet, every CPU on one tunnel */
	AWSVPN_PARALLEL_AUTO,	/* (default) the workers while a direction is
				 * busy (more than 2000 packets/s, counted per
				 * jiffy), crypto inline while it is quiet or
				 * only one CPU is online: OFF's latency at low
				 * rates, ON's throughput under load, order kept
				 * as in ON (while quiet, packets sent from two
				 * CPUs at once leave from both, as with OFF) */
	__AWSVPN_PARALLEL_MAX
};
#define AWSVPN_PARALLEL_MAX (__AWSVPN_PARALLEL_MAX - 1)

/* AWSVPN_A_MTU_MODE */
enum awsvpn_mtu_mode {
	AWSVPN_MTU_AUTO,	/* follow suite, encapsulation and outer MTU (default) */
	AWSVPN_MTU_FIXED,	/* pinned with AWSVPN_A_MTU or ip link set mtu */
	__AWSVPN_MTU_MODE_MAX
};
#define AWSVPN_MTU_MODE_MAX (__AWSVPN_MTU_MODE_MAX - 1)

/*
 * AWSVPN_A_SOCKET: whose UDP socket carries ESP in UDP.  A device with encap
 * udp but no socket (its adopted socket was closed) sends nothing until
 * told "encap udp" (a socket of the module's own) or a new socket fd.
 */
enum awsvpn_socket_owner {
	AWSVPN_SOCKET_NONE,	/* encap none, or the adopted socket was closed */
	AWSVPN_SOCKET_MODULE,	/* the module's own, shared by the devices of a
				 * namespace on the same local address and port */
	AWSVPN_SOCKET_ADOPTED,	/* a process's socket, from AWSVPN_A_SOCKET_FD */
	__AWSVPN_SOCKET_MAX
};

#define AWSVPN_OUTER_MTU_MIN		576
#define AWSVPN_OUTER_MTU_MAX		65535
#define AWSVPN_NAT_KEEPALIVE_DEFAULT	20	/* seconds */
#define AWSVPN_NAT_KEEPALIVE_MAX	3600

/* Top-level attributes. */
enum awsvpn_attr {
	AWSVPN_A_UNSPEC,
	AWSVPN_A_IFINDEX,	/* u32: device to act on */
	AWSVPN_A_IFNAME,	/* string: device to act on (alternative) */
	AWSVPN_A_LOCAL,		/* be32 IPv4: outer source, 0 = chosen by route */
	AWSVPN_A_REMOTE,	/* be32 IPv4: outer destination (AWS outside IP),
				 * 0 = unset; multicast, broadcast, loopback
				 * and class E are rejected */
	AWSVPN_A_ENCAP,		/* u8 enum awsvpn_encap */
	AWSVPN_A_LOCAL_PORT,	/* u16 1..65535: UDP source port, default 4500 */
	AWSVPN_A_REMOTE_PORT,	/* u16 1..65535: UDP destination port, default 4500 */
	AWSVPN_A_DF_POLICY,	/* u8 enum awsvpn_df_policy */
	AWSVPN_A_MSS_MODE,	/* u8 enum awsvpn_mss_mode */
	AWSVPN_A_MSS,		/* u16 AWSVPN_MSS_MIN..MAX: clamp value; setting
				 * it alone implies AWSVPN_MSS_FIXED */
	AWSVPN_A_REPLAY_WINDOW,	/* u32 64..4096: default window for new
				 * inbound SAs that do not name one */
	AWSVPN_A_MTU,		/* u32: device MTU; setting it pins the MTU
				 * (AWSVPN_MTU_FIXED), 68..the device's max
				 * (ip -d link shows maxmtu); ignored when
				 * the same request sets MTU_MODE auto */
	AWSVPN_A_STATS,		/* nest of enum awsvpn_stat, read-only */
	AWSVPN_A_SAS,		/* nest of AWSVPN_A_SA, read-only (GET) */
	AWSVPN_A_SA,		/* nest of enum awsvpn_sa_attr */
	AWSVPN_A_MTU_MODE,	/* u8 enum awsvpn_mtu_mode.  In auto mode the MTU
				 * is the largest inner packet whose ESP packet
				 * (active outbound SA, encapsulation) fits the
				 * outer MTU; AWS's table for a 1500 outer path */
	AWSVPN_A_OUTER_MTU,	/* u32 576..65535, 0 = from the route to remote
				 * (1500 when there is none) */
	AWSVPN_A_OUTER_DF,	/* u8 enum awsvpn_outer_df */
	AWSVPN_A_NAT_KEEPALIVE,	/* u32 seconds 0..3600 between RFC 3948 NAT
				 * keepalives (0xFF) while encap is udp; 0 =
				 * off, default 20 */
	AWSVPN_A_SOCKET_FD,	/* s32, write-only: a UDP socket of the calling
				 * process, bound to the local port, that
				 * becomes the device's NAT-T socket (an IKE
				 * daemon's port 4500 socket): ESP is taken by
				 * the kernel, non-ESP-marker (IKE) datagrams
				 * stay on the socket, keepalives are absorbed.
				 * Implies encap udp.  -1 = back to a socket of
				 * the module's own */
	AWSVPN_A_LAST_RX_MS,	/* u64, read-only: ms since the latest packet
				 * was received (absent: never) */
	AWSVPN_A_LAST_TX_MS,	/* u64, read-only: ms since the latest send */
	AWSVPN_A_EVENT,		/* u8 enum awsvpn_event (AWSVPN_CMD_EVENT) */
	AWSVPN_A_EVENT_REASON,	/* u8 enum awsvpn_expire_reason (SA events),
				 * enum awsvpn_carrier_reason (carrier) */
	AWSVPN_A_EVENT_COUNT,	/* u64 */
	AWSVPN_A_PAD,
	AWSVPN_A_SOCKET,	/* u8 enum awsvpn_socket_owner, read-only: the
				 * UDP socket ESP in UDP uses right now */
	AWSVPN_A_IF_ID,		/* u32 interface ID, for an IKE daemon to map
				 * its SAs to the device (strongSwan's
				 * if_id_in / if_id_out).  0 = none (default);
				 * any other value is unique among the awsvpn
				 * devices of the network namespace the device
				 * lives in (-EEXIST otherwise).  A device moved
				 * into a namespace where its value is taken
				 * loses it (0).  Set with SET_DEVICE, always
				 * reported by GET_DEVICE (doit and dump) */
	AWSVPN_A_CARRIER,	/* u8 0/1, read-only: the device's carrier
				 * (netif_carrier_ok), on only while it can
				 * send: remote set and an active outbound SA.
				 * Routes over a device without carrier are
				 * "linkdown" (ignored with the sysctl
				 * ignore_routes_with_linkdown), and its
				 * packets are dropped before the module sees
				 * them (ip link: NO-CARRIER) */
	AWSVPN_A_CARRIER_REASON,/* u8 enum awsvpn_carrier_reason, read-only */
	AWSVPN_A_PARALLEL,	/* u8 enum awsvpn_parallel: where each packet's
				 * encryption and decryption run.  Takes
				 * effect for the next packet; always reported
				 * by GET_DEVICE */
	AWSVPN_A_TX_CRYPT_NS,	/* u32, read-only, always reported by
				 * GET_DEVICE: what the AEAD of one sent packet
				 * costs a CPU, in ns, a moving average of one
				 * packet in 16 timed (synchronous crypto
				 * only).  0 = not measured: parallel off, an
				 * async driver, or no traffic since PARALLEL
				 * last changed (which starts them again) */
	AWSVPN_A_TX_HOP_NS,	/* u32, read-only: what handing one sent
				 * packet to a crypto worker costs the CPUs
				 * (both rings and kicking the worker, then
				 * passing the packet on once its crypto is
				 * done; not the scheduler's cost of waking
				 * the worker), measured as TX_CRYPT_NS is.
				 * 0 = not measured (so with an async driver:
				 * the passing on is timed only after a
				 * synchronous AEAD).  "auto" keeps a busy
				 * direction's crypto inline while both are
				 * measured and CRYPT_NS is at most HOP_NS */
	AWSVPN_A_RX_CRYPT_NS,	/* u32: as TX_CRYPT_NS, received packets */
	AWSVPN_A_RX_HOP_NS,	/* u32: as TX_HOP_NS, received packets, the
				 * hand-off only (a received packet is passed
				 * on in order inline too) */
	__AWSVPN_A_MAX
};
#define AWSVPN_A_MAX (__AWSVPN_A_MAX - 1)

/* AWSVPN_SA_A_DIR */
enum awsvpn_dir {
	AWSVPN_DIR_UNSPEC,
	AWSVPN_DIR_IN,
	AWSVPN_DIR_OUT,
	__AWSVPN_DIR_MAX
};
#define AWSVPN_DIR_MAX (__AWSVPN_DIR_MAX - 1)

/*
 * AWSVPN_SA_A_ENC: the AWS phase-2 encryption algorithms.
 * Key material in AWSVPN_SA_A_ENC_KEY:
 *	AES128_GCM16	16-byte AES key + 4-byte salt (RFC 4106), 16-byte ICV
 *	AES256_GCM16	32-byte AES key + 4-byte salt
 *	AES128_CBC	16-byte AES key (RFC 3602), needs AWSVPN_SA_A_INTEG
 *	AES256_CBC	32-byte AES key, needs AWSVPN_SA_A_INTEG
 */
enum awsvpn_enc {
	AWSVPN_ENC_UNSPEC,
	AWSVPN_ENC_AES128_GCM16,
	AWSVPN_ENC_AES256_GCM16,
	AWSVPN_ENC_AES128_CBC,
	AWSVPN_ENC_AES256_CBC,
	__AWSVPN_ENC_MAX
};
#define AWSVPN_ENC_MAX (__AWSVPN_ENC_MAX - 1)

/*
 * AWSVPN_SA_A_INTEG: integrity algorithm of the CBC suites (RFC 2404, 4868).
 * Key length in AWSVPN_SA_A_INTEG_KEY / ICV length on the wire:
 *	SHA1		20 / 12
 *	SHA2_256	32 / 16
 *	SHA2_384	48 / 24
 *	SHA2_512	64 / 32
 */
enum awsvpn_integ {
	AWSVPN_INTEG_NONE,
	AWSVPN_INTEG_SHA1,
	AWSVPN_INTEG_SHA2_256,
	AWSVPN_INTEG_SHA2_384,
	AWSVPN_INTEG_SHA2_512,
	__AWSVPN_INTEG_MAX
};
#define AWSVPN_INTEG_MAX (__AWSVPN_INTEG_MAX - 1)

/* AWSVPN_SA_A_STATE, read-only */
enum awsvpn_sa_state {
	AWSVPN_SA_STATE_ACTIVE,		/* inbound: accepting; outbound: sending */
	AWSVPN_SA_STATE_PENDING,	/* outbound, installed but not sending */
	AWSVPN_SA_STATE_EXPIRED,	/* hard limit reached, about to go */
	AWSVPN_SA_STATE_RETIRED,	/* outbound, replaced by AWSVPN_CMD_SWITCH_SA */
	__AWSVPN_SA_STATE_MAX
};

/* Attributes inside AWSVPN_A_SA. */
enum awsvpn_sa_attr {
	AWSVPN_SA_A_UNSPEC,
	AWSVPN_SA_A_DIR,		/* u8 enum awsvpn_dir */
	AWSVPN_SA_A_SPI,		/* u32 >= 256, host order */
	AWSVPN_SA_A_ENC,		/* u8 enum awsvpn_enc */
	AWSVPN_SA_A_INTEG,		/* u8 enum awsvpn_integ */
	AWSVPN_SA_A_ENC_KEY,		/* binary, write-only, never reported */
	AWSVPN_SA_A_INTEG_KEY,		/* binary, write-only, never reported */
	AWSVPN_SA_A_REPLAY_WINDOW,	/* u32 64..4096, inbound only */
	AWSVPN_SA_A_SEQ,		/* u32: outbound, the last sequence number
					 * sent (the next packet carries SEQ + 1;
					 * 0xffffffff is refused: nothing left);
					 * inbound, read-only highest seq accepted */
	AWSVPN_SA_A_STATE,		/* u8 enum awsvpn_sa_state, read-only */
	AWSVPN_SA_A_STATS,		/* nest of enum awsvpn_stat, read-only */
	AWSVPN_SA_A_PAD,
	AWSVPN_SA_A_ACTIVATE_ON_RX,	/* u32 SPI, outbound pending SAs: become
					 * active when the first authentic
					 * packet arrives on this inbound SA */
	AWSVPN_SA_A_TIME_SOFT,		/* u32 seconds after install: soft expiry */
	AWSVPN_SA_A_TIME_HARD,		/* u32 seconds: hard expiry (deletion) */
	AWSVPN_SA_A_BYTES_SOFT,		/* u64 inner bytes through the SA */
	AWSVPN_SA_A_BYTES_HARD,		/* u64 */
	AWSVPN_SA_A_PACKETS_SOFT,	/* u64 packets through the SA */
	AWSVPN_SA_A_PACKETS_HARD,	/* u64 */
	AWSVPN_SA_A_AGE,		/* u32 seconds since install, read-only */
	AWSVPN_SA_A_SOFT_EXPIRED,	/* u8 1 once soft expiry fired, read-only */
	AWSVPN_SA_A_CRYPTO_DRIVER,	/* string, read-only: the crypto API
					 * implementation the SA runs on, e.g.
					 * "seqiv(rfc4106(gcm-aes-aesni))": shows
					 * whether AES-NI (or an async driver
					 * such as pcrypt) is in use */
	__AWSVPN_SA_A_MAX
};
#define AWSVPN_SA_A_MAX (__AWSVPN_SA_A_MAX - 1)

/*
 * Counters, u64, inside AWSVPN_A_STATS (per device) and AWSVPN_SA_A_STATS
 * (per SA; an SA reports only the counters that apply to its direction).
 * Bytes are inner bytes: received bytes are counted after decryption and
 * sent bytes before encryption (AWS's TunnelDataIn / TunnelDataOut).
 */
enum awsvpn_stat {
	AWSVPN_STAT_PAD,
	AWSVPN_STAT_RX_PACKETS,
	AWSVPN_STAT_RX_BYTES,
	AWSVPN_STAT_TX_PACKETS,
	AWSVPN_STAT_TX_BYTES,
	AWSVPN_STAT_RX_REPLAY,		/* duplicate or too old sequence number */
	AWSVPN_STAT_RX_AUTH_FAIL,	/* ICV did not verify */
	AWSVPN_STAT_RX_BAD_TRAILER,	/* bad padding or next header */
	AWSVPN_STAT_RX_NO_SA,		/* (device) ESP for an SA that hard-expired,
					 * or NAT-T ESP with an unknown SPI (raw
					 * ESP with an unknown SPI is left to
					 * xfrm and not counted) */
	AWSVPN_STAT_RX_ERRORS,		/* malformed, truncated, out of memory */
	AWSVPN_STAT_TX_NO_SA,		/* (device) nothing to send with */
	AWSVPN_STAT_TX_SEQ_EXHAUSTED,	/* sequence number would wrap */
	AWSVPN_STAT_TX_ERRORS,		/* no route, out of memory, crypto error */
	AWSVPN_STAT_TX_DF_RESET,	/* inner IPv4 DF bits cleared (df clear) */
	AWSVPN_STAT_TX_FRAGMENTED,	/* inner packets fragmented before encryption */
	AWSVPN_STAT_TX_FRAGMENTS,	/* fragments those produced */
	AWSVPN_STAT_TX_ICMP,		/* ICMP frag-needed / packet-too-big sent */
	AWSVPN_STAT_MSS_CLAMPED,	/* TCP SYNs whose MSS option was lowered */
	AWSVPN_STAT_NAT_KEEPALIVE_TX,	/* NAT keepalives sent */
	AWSVPN_STAT_NAT_KEEPALIVE_RX,	/* NAT keepalives received and absorbed */
	AWSVPN_STAT_TX_PARALLEL,	/* (device) packets a parallel crypto worker
					 * encrypted; the others were encrypted
					 * inline, on the sending CPU */
	AWSVPN_STAT_RX_PARALLEL,	/* (device) ESP packets a parallel crypto
					 * worker decrypted (or tried to) */
	__AWSVPN_STAT_MAX
};
#define AWSVPN_STAT_MAX (__AWSVPN_STAT_MAX - 1)

/*
 * rtnetlink: IFLA_INFO_DATA of an awsvpn device (IFLA_INFO_KIND "awsvpn"),
 * what "ip -d link" and other rtnetlink readers (pyroute2, ...) get in
 * RTM_NEWLINK replies, dumps and notifications.  A read-only summary of the
 * tunnel's outer side and settings.  RTM_GETLINK needs no privilege, so
 * nothing here describes an SA (no SPIs, suites or counters: those stay
 * behind CAP_NET_ADMIN in AWSVPN_CMD_GET_DEVICE).  The namespace the outer
 * packets live in is the standard IFLA_LINK_NETNSID (when it differs from
 * the device's).
 *
 * Every attribute is always present.  Each has the value, type and byte
 * order of the generic netlink attribute of the same name (AWSVPN_A_*);
 * IFLA_AWSVPN_MSS is 0 unless MSS_MODE is AWSVPN_MSS_FIXED.  An accepted
 * AWSVPN_CMD_SET_DEVICE on a device that is up sends RTM_NEWLINK to
 * RTNLGRP_LINK (as a changelink does); so does every carrier change.
 * CARRIER_REASON is current when read; a change of it alone (the carrier
 * staying down) is not announced.
 *
 * Changing them through rtnetlink is refused: RTM_NEWLINK with an
 * IFLA_INFO_DATA (creating a device, or "ip link set DEV type awsvpn ..."
 * on one) fails with EINVAL and the extended ACK "awsvpn: settings are
 * read-only over rtnetlink: use the awsvpn tool (awsvpn set DEV ...)",
 * naming the attribute.  They are set with AWSVPN_CMD_SET_DEVICE.
 */
enum awsvpn_link_attr {
	IFLA_AWSVPN_UNSPEC,
	IFLA_AWSVPN_LOCAL,		/* be32 IPv4: outer source, 0 = chosen
					 * by the route to remote */
	IFLA_AWSVPN_REMOTE,		/* be32 IPv4: outer destination, 0 =
					 * unset */
	IFLA_AWSVPN_ENCAP,		/* u8 enum awsvpn_encap */
	IFLA_AWSVPN_LOCAL_PORT,		/* u16, host order: UDP source port
					 * (encap udp) */
	IFLA_AWSVPN_REMOTE_PORT,	/* u16, host order: UDP destination port */
	IFLA_AWSVPN_SOCKET,		/* u8 enum awsvpn_socket_owner: the
					 * socket ESP in UDP uses now */
	IFLA_AWSVPN_IF_ID,		/* u32 interface ID, 0 = none */
	IFLA_AWSVPN_DF_POLICY,		/* u8 enum awsvpn_df_policy */
	IFLA_AWSVPN_MSS_MODE,		/* u8 enum awsvpn_mss_mode */
	IFLA_AWSVPN_MSS,		/* u16 clamp value, 0 unless fixed */
	IFLA_AWSVPN_OUTER_DF,		/* u8 enum awsvpn_outer_df */
	IFLA_AWSVPN_MTU_MODE,		/* u8 enum awsvpn_mtu_mode (the MTU
					 * itself is IFLA_MTU) */
	IFLA_AWSVPN_OUTER_MTU,		/* u32, 0 = from the route to remote */
	IFLA_AWSVPN_NAT_KEEPALIVE,	/* u32 seconds, 0 = off */
	IFLA_AWSVPN_REPLAY_WINDOW,	/* u32: default for new inbound SAs */
	IFLA_AWSVPN_PARALLEL,		/* u8 enum awsvpn_parallel */
	IFLA_AWSVPN_CARRIER_REASON,	/* u8 enum awsvpn_carrier_reason (the
					 * carrier itself is IFLA_CARRIER) */
	__IFLA_AWSVPN_MAX
};
#define IFLA_AWSVPN_MAX (__IFLA_AWSVPN_MAX - 1)

#endif /* _UAPI_LINUX_AWSVPN_H */
