// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel-awsvpn: charon's kernel-ipsec calls mapped onto awsvpn devices.
 *
 *   add_sa       the CHILD_SA's interface ID (if_id_in / if_id_out) names
 *                the device ("awsvpn set DEV if-id N"); an outbound SA also
 *                sets the device's outer addresses, encapsulation and ports
 *                and becomes the sending SA at once
 *   update_sa    new addresses / ports / encapsulation (NAT mapping changes)
 *   query_sa     the module's per-SA counters and the device's last rx/tx
 *   del_sa       removes the SA (the module may have removed it already)
 *   policies     accepted and ignored: routing decides what enters a device;
 *                query_policy reports the device's last use for DPD
 *   enable_udp_decap  charon's port-4500 socket, handed to the module when a
 *                device uses ESP in UDP, so that IKE and ESP share it
 *
 * Soft and hard expiry events of the module become charon's expire() calls.
 * Everything the module rejects is logged with its reason and returned as a
 * failure, so charon fails the CHILD_SA instead of believing it installed.
 */
#include "kernel_awsvpn_ipsec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <daemon.h>
#include <collections/linked_list.h>
#include <processing/watcher.h>
#include <threading/mutex.h>

#include "lib/awsvpn_nl.h"

typedef struct private_kernel_awsvpn_ipsec_t private_kernel_awsvpn_ipsec_t;

/* An SA charon installed through us. */
typedef struct {
	uint32_t spi;
	uint8_t dir;		/* AWSVPN_DIR_IN / AWSVPN_DIR_OUT */
	uint32_t if_id;
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	host_t *dst;		/* charon's SA id, for expire() */
	bool gone;		/* the module removed it (hard expiry) */
	bool soft_reported;	/* charon was told of its soft expiry */
	bool abandoned;		/* charon deleted it; the module's delete
				 * failed: never switched to, never reported */
} sa_entry_t;

struct private_kernel_awsvpn_ipsec_t {
	kernel_ipsec_t public;

	/* Requests; one at a time (charon calls from many threads). */
	mutex_t *mutex;
	struct awsvpn_nl nl;
	linked_list_t *sas;

	/* Events from the module, read by charon's watcher thread. */
	struct awsvpn_nl events;
	bool watching;
	/* why no SA can be installed, NULL when they can */
	const char *unusable;

	/* charon's NAT-T socket (IPv4), -1 until enable_udp_decap(). */
	int natt_fd;
	uint16_t natt_port;

	/* SAs of an earlier charon removed (see remove_stale()). */
	bool cleaned;

	rng_t *rng;

	/* charon.spi_min / spi_max: the range inbound SPIs come from */
	uint32_t spi_min, spi_max;
};

static void log_line(const char *line)
{
	DBG1(DBG_KNL, "kernel-awsvpn: %s", line);
}

static void entry_destroy(sa_entry_t *e)
{
	DESTROY_IF(e->dst);
	free(e);
}

/*
 * Our SA @spi in direction @dir, on device @ifindex if not 0 (outbound
 * SPIs are unique per device only).  Caller holds the mutex.
 */
static sa_entry_t *find_entry(private_kernel_awsvpn_ipsec_t *this,
			      uint32_t spi, int dir, uint32_t ifindex)
{
	enumerator_t *enumerator;
	sa_entry_t *e, *found = NULL;

	enumerator = this->sas->create_enumerator(this->sas);
	while (enumerator->enumerate(enumerator, &e)) {
		if (e->spi == spi && e->dir == dir &&
		    (!ifindex || e->ifindex == ifindex)) {
			found = e;
			break;
		}
	}
	enumerator->destroy(enumerator);
	return found;
}

/* The entry of charon's SA @id: inbound if its destination is ours. */
static sa_entry_t *find_id(private_kernel_awsvpn_ipsec_t *this,
			   kernel_ipsec_sa_id_t *id)
{
	enumerator_t *enumerator;
	sa_entry_t *e, *found = NULL;

	enumerator = this->sas->create_enumerator(this->sas);
	while (enumerator->enumerate(enumerator, &e)) {
		if (e->spi == ntohl(id->spi) && e->if_id == id->if_id &&
		    e->dst->ip_equals(e->dst, id->dst)) {
			found = e;
			break;
		}
	}
	enumerator->destroy(enumerator);
	return found;
}

/*
 * The device of charon's namespace with interface ID @if_id (non-zero), or
 * else with @ifindex, copied to @dev with its SAs (free dev->sa).  Mutex
 * held.
 */
static bool find_device(private_kernel_awsvpn_ipsec_t *this, uint32_t if_id,
			uint32_t ifindex, struct awsvpn_dev *dev)
{
	struct awsvpn_dev_list list;
	bool found = false;
	size_t i;

	if (awsvpn_dev_get(&this->nl, NULL, &list))
		return false;
	for (i = 0; i < list.n && !found; i++) {
		struct awsvpn_dev *d = &list.dev[i];

		if (if_id ? (d->has & BIT(AWSVPN_A_IF_ID)) && d->if_id == if_id :
			    d->ifindex == ifindex) {
			*dev = *d;
			d->sa = NULL;	/* now the caller's */
			found = true;
		}
	}
	awsvpn_dev_list_free(&list);
	return found;
}

/* "a.b.c.d" of an IPv4 host (the library's messages are plain printf). */
static const char *ipv4_str(host_t *host, char *buf, size_t len)
{
	chunk_t a = host->get_address(host);

	if (a.len != 4 || !inet_ntop(AF_INET, a.ptr, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

static uint32_t ipv4_be(host_t *host)
{
	chunk_t a = host->get_address(host);
	uint32_t be = 0;

	if (a.len == sizeof(be))
		memcpy(&be, a.ptr, sizeof(be));
	return be;
}

/*
 * Point the device's outer side at @local -> @remote (ports from the
 * hosts when @encap).  Charon's NAT-T socket is adopted when it owns the
 * local port; otherwise the module opens a socket of its own.  Mutex held.
 */
static bool set_outer(private_kernel_awsvpn_ipsec_t *this,
		      struct awsvpn_dev *dev, host_t *local, host_t *remote,
		      bool encap)
{
	uint16_t lport = local->get_port(local), rport = remote->get_port(remote);
	char l[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];
	struct nl_msg *msg;
	bool adopt;

	msg = awsvpn_nl_req(AWSVPN_CMD_SET_DEVICE, 0);
	if (!msg)
		return false;
	adopt = encap && this->natt_fd >= 0 && lport == this->natt_port &&
		!(dev->socket == AWSVPN_SOCKET_ADOPTED &&
		  dev->local_port == lport && dev->local == ipv4_be(local));
	if (nla_put_u32(msg, AWSVPN_A_IFINDEX, dev->ifindex) < 0 ||
	    nla_put_u32(msg, AWSVPN_A_LOCAL, ipv4_be(local)) < 0 ||
	    nla_put_u32(msg, AWSVPN_A_REMOTE, ipv4_be(remote)) < 0 ||
	    nla_put_u8(msg, AWSVPN_A_ENCAP,
		       encap ? AWSVPN_ENCAP_UDP : AWSVPN_ENCAP_NONE) < 0 ||
	    (encap && (nla_put_u16(msg, AWSVPN_A_LOCAL_PORT, lport) < 0 ||
		       nla_put_u16(msg, AWSVPN_A_REMOTE_PORT, rport) < 0)) ||
	    (adopt && nla_put_s32(msg, AWSVPN_A_SOCKET_FD, this->natt_fd) < 0)) {
		nlmsg_free(msg);
		return false;
	}
	if (awsvpn_nl_run(&this->nl, msg, NULL, NULL,
			  "cannot set the outer side of %s to %s -> %s",
			  dev->ifname, ipv4_str(local, l, sizeof(l)),
			  ipv4_str(remote, r, sizeof(r))))
		return false;
	DBG2(DBG_KNL, "kernel-awsvpn: %s: %H -> %H%s%s", dev->ifname, local,
	     remote, encap ? ", ESP in UDP" : "",
	     adopt ? " on charon's NAT-T socket" : "");
	return true;
}

/* charon's algorithm and key sizes to the module's suite; 0 if unsupported. */
static int map_enc(uint16_t alg, size_t key_len)
{
	switch (alg) {
	case ENCR_AES_GCM_ICV16:
		if (key_len == awsvpn_enc_key_len(AWSVPN_ENC_AES128_GCM16))
			return AWSVPN_ENC_AES128_GCM16;
		if (key_len == awsvpn_enc_key_len(AWSVPN_ENC_AES256_GCM16))
			return AWSVPN_ENC_AES256_GCM16;
		break;
	case ENCR_AES_CBC:
		if (key_len == awsvpn_enc_key_len(AWSVPN_ENC_AES128_CBC))
			return AWSVPN_ENC_AES128_CBC;
		if (key_len == awsvpn_enc_key_len(AWSVPN_ENC_AES256_CBC))
			return AWSVPN_ENC_AES256_CBC;
		break;
	}
	return 0;
}

static int map_integ(uint16_t alg)
{
	switch (alg) {
	case AUTH_UNDEFINED:
		return AWSVPN_INTEG_NONE;
	case AUTH_HMAC_SHA1_96:
		return AWSVPN_INTEG_SHA1;
	case AUTH_HMAC_SHA2_256_128:
		return AWSVPN_INTEG_SHA2_256;
	case AUTH_HMAC_SHA2_384_192:
		return AWSVPN_INTEG_SHA2_384;
	case AUTH_HMAC_SHA2_512_256:
		return AWSVPN_INTEG_SHA2_512;
	}
	return -1;
}

static uint32_t clamp_u32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : v;
}

/*
 * A soft limit beyond the hard one never fires before it (XFRM takes both
 * and the hard one comes first); the module refuses the pair, so it is
 * left out, as XFRM would in effect.
 */
static bool soft_wanted(uint64_t soft, uint64_t hard)
{
	return soft && (!hard || soft <= hard);
}

/* Lifetimes: charon's rekey limit is the module's soft one, life the hard. */
static int put_lifetimes(struct nl_msg *msg, lifetime_cfg_t *lt)
{
	if (!lt)
		return 0;
	if ((soft_wanted(clamp_u32(lt->time.rekey), clamp_u32(lt->time.life)) &&
	     nla_put_u32(msg, AWSVPN_SA_A_TIME_SOFT, clamp_u32(lt->time.rekey)) < 0) ||
	    (lt->time.life &&
	     nla_put_u32(msg, AWSVPN_SA_A_TIME_HARD, clamp_u32(lt->time.life)) < 0) ||
	    (soft_wanted(lt->bytes.rekey, lt->bytes.life) &&
	     nla_put_u64(msg, AWSVPN_SA_A_BYTES_SOFT, lt->bytes.rekey) < 0) ||
	    (lt->bytes.life &&
	     nla_put_u64(msg, AWSVPN_SA_A_BYTES_HARD, lt->bytes.life) < 0) ||
	    (soft_wanted(lt->packets.rekey, lt->packets.life) &&
	     nla_put_u64(msg, AWSVPN_SA_A_PACKETS_SOFT, lt->packets.rekey) < 0) ||
	    (lt->packets.life &&
	     nla_put_u64(msg, AWSVPN_SA_A_PACKETS_HARD, lt->packets.life) < 0))
		return -ENOMEM;
	return 0;
}

/* A nest naming one SA, for DEL_SA and SWITCH_SA. */
static int sa_request(private_kernel_awsvpn_ipsec_t *this, uint8_t cmd,
		      uint32_t ifindex, uint8_t dir, uint32_t spi,
		      const char *what, const char *ifname)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	msg = awsvpn_nl_req(cmd, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, AWSVPN_A_IFINDEX, ifindex) < 0 ||
	    !(nest = nla_nest_start(msg, AWSVPN_A_SA)) ||
	    nla_put_u8(msg, AWSVPN_SA_A_DIR, dir) < 0 ||
	    nla_put_u32(msg, AWSVPN_SA_A_SPI, spi) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	return awsvpn_nl_run(&this->nl, msg, NULL, NULL,
			     "cannot %s SA %s 0x%08x of %s", what,
			     dir == AWSVPN_DIR_IN ? "in" : "out", spi, ifname);
}

/*
 * A previous charon may have died with SAs installed: they would go on
 * carrying traffic with keys nobody rekeys.  Remove every SA of the
 * devices that have an if-id (those charon manages), once: when this charon
 * has bound its IKE ports (its NAT-T socket arrives), so that a second
 * daemon loading the plugin and failing to bind does not strip a running
 * one, or at its first add_sa.  Mutex held.
 */
static void remove_stale(private_kernel_awsvpn_ipsec_t *this)
{
	struct awsvpn_dev_list list;
	size_t i, j, n;

	if (this->cleaned || !this->nl.sk)
		return;
	this->cleaned = true;
	if (awsvpn_dev_get(&this->nl, NULL, &list))
		return;
	for (i = 0; i < list.n; i++) {
		struct awsvpn_dev *d = &list.dev[i];

		if (!(d->has & BIT(AWSVPN_A_IF_ID)) || !d->if_id)
			continue;
		for (j = n = 0; j < d->n_sa; j++)
			if (!sa_request(this, AWSVPN_CMD_DEL_SA, d->ifindex,
					d->sa[j].dir, d->sa[j].spi, "remove",
					d->ifname))
				n++;
		if (n)
			DBG1(DBG_KNL, "kernel-awsvpn: %s: removed %zu SAs left "
			     "by an earlier charon", d->ifname, n);
	}
	awsvpn_dev_list_free(&list);
}

/*
 * A module unloaded and loaded again (an upgrade) registers its netlink
 * family and events group under new ids.  Requests find the new family by
 * themselves (awsvpn_nl_run()); the events socket must join the new group,
 * or no SA installed from now on would ever be rekeyed.  Called when an SA
 * was added: every device died with the old module, so the new one's first
 * SA is the first that could expire, and it cannot have expired yet.
 * Mutex held.
 */
static void follow_module(private_kernel_awsvpn_ipsec_t *this)
{
	int ret;

	if (!this->watching)
		return;
	ret = awsvpn_nl_follow(&this->events, &this->nl);
	if (ret > 0)
		DBG1(DBG_KNL, "kernel-awsvpn: the awsvpn module was loaded "
		     "again: following it (family %d, events group %d)",
		     this->nl.family, this->events.events_group);
	else if (ret < 0)
		DBG1(DBG_KNL, "kernel-awsvpn: the awsvpn module was loaded "
		     "again, but its events cannot be joined: SAs installed "
		     "now will not be rekeyed (restart charon)");
}

METHOD(kernel_ipsec_t, get_features, kernel_feature_t,
	private_kernel_awsvpn_ipsec_t *this)
{
	/*
	 * Routes, not policies: there is nothing to update on address
	 * changes.  From 6.0 on, charon takes an SA's last use from
	 * query_sa() only when the backend says it reports one.
	 */
#if SS_MAJOR >= 6
	return KERNEL_NO_POLICY_UPDATES | KERNEL_SA_USE_TIME;
#else
	return KERNEL_NO_POLICY_UPDATES;
#endif
}

METHOD(kernel_ipsec_t, get_spi, status_t,
	private_kernel_awsvpn_ipsec_t *this, host_t *src, host_t *dst,
	uint8_t protocol, uint32_t *spi)
{
	uint32_t v;
	int tries;

	if (protocol != IPPROTO_ESP)
		return NOT_SUPPORTED;
	if (this->unusable) {
		DBG1(DBG_KNL, "kernel-awsvpn: no SA can be installed: %s",
		     this->unusable);
		return FAILED;
	}
	/*
	 * Inbound SPIs are unique per namespace in the module; a collision
	 * with another process's SA is caught by add_sa (EEXIST) and fails
	 * that CHILD_SA, so avoiding our own suffices in practice.
	 */
	this->mutex->lock(this->mutex);
	for (tries = 0; tries < 64; tries++) {
		if (!this->rng->get_bytes(this->rng, sizeof(v), (uint8_t *)&v))
			break;
		v = this->spi_min + v % (this->spi_max - this->spi_min + 1);
		if (!find_entry(this, v, AWSVPN_DIR_IN, 0)) {
			this->mutex->unlock(this->mutex);
			*spi = htonl(v);
			return SUCCESS;
		}
	}
	this->mutex->unlock(this->mutex);
	DBG1(DBG_KNL, "kernel-awsvpn: cannot allocate an SPI");
	return FAILED;
}

METHOD(kernel_ipsec_t, get_cpi, status_t,
	private_kernel_awsvpn_ipsec_t *this, host_t *src, host_t *dst,
	uint16_t *cpi)
{
	return NOT_SUPPORTED;
}

/* Refuse what the module cannot carry, saying why; NULL if acceptable. */
static const char *unsupported(kernel_ipsec_sa_id_t *id,
			       kernel_ipsec_add_sa_t *data)
{
	if (id->proto != IPPROTO_ESP)
		return "only ESP is supported (no AH)";
	if (data->mode != MODE_TUNNEL)
		return "only tunnel mode is supported (no transport or BEET mode)";
	if (data->ipcomp != IPCOMP_NONE)
		return "IPComp is not supported";
	if (data->esn)
		return "extended sequence numbers are not supported (propose noesn)";
	if (id->src->get_family(id->src) != AF_INET ||
	    id->dst->get_family(id->dst) != AF_INET)
		return "IPv6 outer addresses are not supported";
	if (!id->if_id)
		return "the CHILD_SA has no interface ID: set if_id_in and if_id_out to the device's if-id";
	if (data->tfc)
		return "TFC padding is not supported";
	/*
	 * What XFRM would honour must not pass silently: with XFRM a
	 * mandatory offload the NIC cannot do fails too, and marks or labels
	 * select traffic that the device, routing everything it gets, never
	 * would.
	 */
	if (data->hw_offload != HW_OFFLOAD_NO &&
	    data->hw_offload != HW_OFFLOAD_AUTO)
		return "hardware offload is not supported (hw_offload = no or auto)";
	if (id->mark.value || data->mark.value)
		return "marks are not supported: the device's routes select the traffic";
	if (data->label)
		return "security labels are not supported";
	return NULL;
}

METHOD(kernel_ipsec_t, add_sa, status_t,
	private_kernel_awsvpn_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_add_sa_t *data)
{
	uint32_t spi = ntohl(id->spi), window;
	uint8_t dir = data->inbound ? AWSVPN_DIR_IN : AWSVPN_DIR_OUT;
	const char *why;
	struct awsvpn_dev dev;
	struct nl_msg *msg;
	struct nlattr *nest;
	sa_entry_t *e;
	int enc, integ, ret;

	why = this->unusable ?: unsupported(id, data);
	if (why) {
		DBG1(DBG_KNL, "kernel-awsvpn: refusing SA 0x%08x: %s", spi, why);
		return NOT_SUPPORTED;
	}
	enc = map_enc(data->enc_alg, data->enc_key.len);
	integ = map_integ(data->int_alg);
	if (!enc || integ < 0 ||
	    awsvpn_enc_is_aead(enc) != (integ == AWSVPN_INTEG_NONE) ||
	    (integ && data->int_key.len != awsvpn_integ_key_len(integ))) {
		DBG1(DBG_KNL, "kernel-awsvpn: refusing SA 0x%08x: %N (%u key bytes) "
		     "with %N is not an AWS suite", spi, encryption_algorithm_names,
		     data->enc_alg, (u_int)data->enc_key.len,
		     integrity_algorithm_names, data->int_alg);
		return NOT_SUPPORTED;
	}

	this->mutex->lock(this->mutex);
	remove_stale(this);
	if (!find_device(this, id->if_id, 0, &dev)) {
		this->mutex->unlock(this->mutex);
		DBG1(DBG_KNL, "kernel-awsvpn: refusing SA 0x%08x: no awsvpn device "
		     "has if-id %u (awsvpn set DEV if-id %u)", spi, id->if_id,
		     id->if_id);
		return NOT_FOUND;
	}
	free(dev.sa);
	if (!data->inbound &&
	    !set_outer(this, &dev, id->src, id->dst, data->encap))
		goto fail;

	msg = awsvpn_nl_req(AWSVPN_CMD_NEW_SA, 0);
	if (!msg)
		goto fail;
	/* charon negotiates 32 by default; the module's minimum is 64. */
	window = max(data->replay_window, AWSVPN_REPLAY_WINDOW_MIN);
	if (nla_put_u32(msg, AWSVPN_A_IFINDEX, dev.ifindex) < 0 ||
	    !(nest = nla_nest_start(msg, AWSVPN_A_SA)) ||
	    nla_put_u8(msg, AWSVPN_SA_A_DIR, dir) < 0 ||
	    nla_put_u32(msg, AWSVPN_SA_A_SPI, spi) < 0 ||
	    nla_put_u8(msg, AWSVPN_SA_A_ENC, enc) < 0 ||
	    nla_put(msg, AWSVPN_SA_A_ENC_KEY, data->enc_key.len,
		    data->enc_key.ptr) < 0 ||
	    (integ && (nla_put_u8(msg, AWSVPN_SA_A_INTEG, integ) < 0 ||
		       nla_put(msg, AWSVPN_SA_A_INTEG_KEY, data->int_key.len,
			       data->int_key.ptr) < 0)) ||
	    (data->inbound &&
	     nla_put_u32(msg, AWSVPN_SA_A_REPLAY_WINDOW,
			 min(window, AWSVPN_REPLAY_WINDOW_MAX)) < 0) ||
	    put_lifetimes(msg, data->lifetime) < 0) {
		awsvpn_nl_msg_free(msg);
		goto fail;
	}
	nla_nest_end(msg, nest);
	ret = awsvpn_nl_run(&this->nl, msg, NULL, NULL,
			    "cannot add SA %s 0x%08x to %s",
			    data->inbound ? "in" : "out", spi, dev.ifname);
	if (ret)
		goto fail;
	follow_module(this);
	/*
	 * The new outbound SA sends at once.  In IKEv2 rekeys charon installs
	 * it only when the peer has the matching inbound SA: as initiator
	 * after the CREATE_CHILD_SA response, as responder after the
	 * initiator deleted the old SA, so switching now loses nothing in
	 * either role.  (An IKEv1 initiator installs after quick mode's
	 * second message, before the responder has installed anything: the
	 * same window XFRM has there.)
	 */
	if (!data->inbound &&
	    sa_request(this, AWSVPN_CMD_SWITCH_SA, dev.ifindex, dir, spi,
		       "switch to", dev.ifname)) {
		sa_request(this, AWSVPN_CMD_DEL_SA, dev.ifindex, dir, spi,
			   "remove", dev.ifname);
		goto fail;
	}

	INIT(e,
		.spi = spi,
		.dir = dir,
		.if_id = id->if_id,
		.ifindex = dev.ifindex,
		.dst = id->dst->clone(id->dst),
	);
	memcpy(e->ifname, dev.ifname, sizeof(e->ifname));
	this->sas->insert_last(this->sas, e);
	this->mutex->unlock(this->mutex);
	if (integ)
		DBG1(DBG_KNL, "kernel-awsvpn: %s: added SA %s 0x%08x (%N/%N)",
		     dev.ifname, data->inbound ? "in" : "out", spi,
		     encryption_algorithm_names, data->enc_alg,
		     integrity_algorithm_names, data->int_alg);
	else
		DBG1(DBG_KNL, "kernel-awsvpn: %s: added SA %s 0x%08x (%N)",
		     dev.ifname, data->inbound ? "in" : "out", spi,
		     encryption_algorithm_names, data->enc_alg);
	return SUCCESS;

fail:
	this->mutex->unlock(this->mutex);
	return FAILED;
}

METHOD(kernel_ipsec_t, update_sa, status_t,
	private_kernel_awsvpn_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_update_sa_t *data)
{
	struct awsvpn_dev dev;
	sa_entry_t *e;
	bool ok;

	this->mutex->lock(this->mutex);
	e = find_id(this, id);
	if (!e) {
		this->mutex->unlock(this->mutex);
		DBG1(DBG_KNL, "kernel-awsvpn: cannot update SA 0x%08x: not found",
		     ntohl(id->spi));
		return NOT_FOUND;
	}
	/*
	 * charon moves the SA to the new addresses whatever we answer: our
	 * record must follow, or deleting, querying and expiring it fail.
	 */
	e->dst->destroy(e->dst);
	e->dst = data->new_dst->clone(data->new_dst);
	if (data->new_src->get_family(data->new_src) != AF_INET ||
	    data->new_dst->get_family(data->new_dst) != AF_INET) {
		this->mutex->unlock(this->mutex);
		DBG1(DBG_KNL, "kernel-awsvpn: cannot move SA 0x%08x to IPv6 "
		     "addresses: IPv6 outer addresses are not supported", e->spi);
		return NOT_SUPPORTED;
	}
	if (!find_device(this, 0, e->ifindex, &dev)) {
		this->mutex->unlock(this->mutex);
		DBG1(DBG_KNL, "kernel-awsvpn: cannot update SA 0x%08x: its device "
		     "is gone", e->spi);
		return NOT_FOUND;
	}
	free(dev.sa);
	/* The device has one outer side: both SAs of a pair describe it. */
	if (e->dir == AWSVPN_DIR_OUT)
		ok = set_outer(this, &dev, data->new_src, data->new_dst,
			       data->new_encap);
	else
		ok = set_outer(this, &dev, data->new_dst, data->new_src,
			       data->new_encap);
	this->mutex->unlock(this->mutex);
	return ok ? SUCCESS : FAILED;
}

/* Seconds (charon's monotonic clock) of a use @ms_ago milliseconds ago. */
static time_t use_time(uint64_t ms_ago)
{
	time_t now = time_monotonic(NULL);
	time_t ago = ms_ago / 1000;

	return ago >= now ? 1 : now - ago;
}

METHOD(kernel_ipsec_t, query_sa, status_t,
	private_kernel_awsvpn_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_query_sa_t *data, uint64_t *bytes, uint64_t *packets,
	time_t *time)
{
	const struct awsvpn_sa *sa;
	struct awsvpn_dev dev;
	status_t status = NOT_FOUND;
	sa_entry_t *e;
	bool in;

	this->mutex->lock(this->mutex);
	e = find_id(this, id);
	if (e && !e->gone && find_device(this, 0, e->ifindex, &dev)) {
		sa = awsvpn_dev_find_sa(&dev, e->dir, e->spi);
		in = e->dir == AWSVPN_DIR_IN;
		if (sa) {
			if (bytes)
				*bytes = sa->st.v[in ? AWSVPN_STAT_RX_BYTES :
						       AWSVPN_STAT_TX_BYTES];
			if (packets)
				*packets = sa->st.v[in ? AWSVPN_STAT_RX_PACKETS :
							 AWSVPN_STAT_TX_PACKETS];
			/*
			 * The module keeps the last use per device; it is the
			 * SA's as long as the SA has carried anything.
			 */
			if (time) {
				*time = 0;
				if (sa->st.v[in ? AWSVPN_STAT_RX_PACKETS :
						  AWSVPN_STAT_TX_PACKETS] &&
				    (dev.has & BIT(in ? AWSVPN_A_LAST_RX_MS :
							AWSVPN_A_LAST_TX_MS)))
					*time = use_time(in ? dev.last_rx_ms :
							      dev.last_tx_ms);
			}
			status = SUCCESS;
		}
		free(dev.sa);
	}
	this->mutex->unlock(this->mutex);
	return status;
}

/*
 * Before the sending SA of a device goes, another outbound SA of charon's
 * on that device takes over, the newest: after a rekey collision charon
 * deletes the redundant CHILD_SA, whose outbound SA may be the one sending
 * (it was installed last); the surviving new one must take over without a
 * gap.  Mutex held.
 */
static void handover(private_kernel_awsvpn_ipsec_t *this, sa_entry_t *e)
{
	const struct awsvpn_sa *sa;
	enumerator_t *enumerator;
	struct awsvpn_dev dev;
	sa_entry_t *o, *next = NULL;

	if (!find_device(this, 0, e->ifindex, &dev))
		return;
	sa = awsvpn_dev_find_sa(&dev, AWSVPN_DIR_OUT, e->spi);
	if (sa && (sa->has & BIT(AWSVPN_SA_A_STATE)) &&
	    sa->state == AWSVPN_SA_STATE_ACTIVE) {
		enumerator = this->sas->create_enumerator(this->sas);
		while (enumerator->enumerate(enumerator, &o)) {
			if (o != e && o->dir == AWSVPN_DIR_OUT && !o->gone &&
			    !o->abandoned && o->ifindex == e->ifindex &&
			    awsvpn_dev_find_sa(&dev, AWSVPN_DIR_OUT, o->spi))
				next = o;
		}
		enumerator->destroy(enumerator);
		if (next &&
		    !sa_request(this, AWSVPN_CMD_SWITCH_SA, next->ifindex,
				AWSVPN_DIR_OUT, next->spi, "switch to", next->ifname))
			DBG1(DBG_KNL, "kernel-awsvpn: %s: SA out 0x%08x takes over "
			     "from 0x%08x", e->ifname, next->spi, e->spi);
	}
	free(dev.sa);
}

/*
 * Mutex held.  Remove @e from the module and forget it.  A failure other
 * than "already gone" keeps the entry when @keep (del_sa: the SA still
 * holds its keys in the module, and flush_sas at shutdown tries again);
 * -1 then.
 */
static int del_entry(private_kernel_awsvpn_ipsec_t *this, sa_entry_t *e,
		     bool keep)
{
	int ret = 0;

	if (!e->gone && !e->abandoned && e->dir == AWSVPN_DIR_OUT)
		handover(this, e);
	if (!e->gone) {
		/*
		 * Hard-expired in the module, or the device is gone: no error.
		 * Other failures the library logs, with the kernel's reason.
		 */
		this->nl.expected[0] = ENOENT;
		this->nl.expected[1] = ENODEV;
		ret = sa_request(this, AWSVPN_CMD_DEL_SA, e->ifindex, e->dir,
				 e->spi, "remove", e->ifname);
		this->nl.expected[0] = this->nl.expected[1] = 0;
		if (!ret)
			DBG2(DBG_KNL, "kernel-awsvpn: %s: removed SA %s 0x%08x",
			     e->ifname, e->dir == AWSVPN_DIR_IN ? "in" : "out",
			     e->spi);
		else if (keep) {
			e->abandoned = true;
			return -1;
		}
	}
	this->sas->remove(this->sas, e, NULL);
	entry_destroy(e);
	return 0;
}

METHOD(kernel_ipsec_t, del_sa, status_t,
	private_kernel_awsvpn_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_del_sa_t *data)
{
	sa_entry_t *e;
	int ret;

	this->mutex->lock(this->mutex);
	e = find_id(this, id);
	if (!e) {
		this->mutex->unlock(this->mutex);
		/* charon deletes SPIs it allocated but never installed. */
		DBG2(DBG_KNL, "kernel-awsvpn: SA 0x%08x was not installed",
		     ntohl(id->spi));
		return NOT_FOUND;
	}
	ret = del_entry(this, e, true);
	this->mutex->unlock(this->mutex);
	return ret ? FAILED : SUCCESS;
}

METHOD(kernel_ipsec_t, flush_sas, status_t,
	private_kernel_awsvpn_ipsec_t *this)
{
	sa_entry_t *e;

	this->mutex->lock(this->mutex);
	while (this->sas->get_first(this->sas, (void **)&e) == SUCCESS)
		del_entry(this, e, false);
	this->mutex->unlock(this->mutex);
	return SUCCESS;
}

METHOD(kernel_ipsec_t, add_policy, status_t,
	private_kernel_awsvpn_ipsec_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	/* Route-based: what enters the device is encrypted. */
	return SUCCESS;
}

METHOD(kernel_ipsec_t, query_policy, status_t,
	private_kernel_awsvpn_ipsec_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_query_policy_t *data, time_t *use_time_out)
{
	struct awsvpn_dev dev;
	status_t status = NOT_FOUND;
	bool in = id->dir != POLICY_OUT;

	if (!id->if_id || !this->nl.sk)
		return NOT_FOUND;
	this->mutex->lock(this->mutex);
	if (find_device(this, id->if_id, 0, &dev)) {
		if (dev.has & BIT(in ? AWSVPN_A_LAST_RX_MS : AWSVPN_A_LAST_TX_MS)) {
			*use_time_out = use_time(in ? dev.last_rx_ms :
						      dev.last_tx_ms);
			status = SUCCESS;
		}
		free(dev.sa);
	}
	this->mutex->unlock(this->mutex);
	return status;
}

METHOD(kernel_ipsec_t, del_policy, status_t,
	private_kernel_awsvpn_ipsec_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	return SUCCESS;
}

METHOD(kernel_ipsec_t, flush_policies, status_t,
	private_kernel_awsvpn_ipsec_t *this)
{
	return SUCCESS;
}

METHOD(kernel_ipsec_t, bypass_socket, bool,
	private_kernel_awsvpn_ipsec_t *this, int fd, int family)
{
	/* No policies, so IKE needs no bypass. */
	return TRUE;
}

METHOD(kernel_ipsec_t, enable_udp_decap, bool,
	private_kernel_awsvpn_ipsec_t *this, int fd, int family, uint16_t port)
{
	if (family != AF_INET)
		return TRUE;	/* no IPv6 outer side: nothing to decapsulate */
	/*
	 * Kept until a device needs ESP in UDP: the module then takes ESP
	 * off this socket and leaves IKE (non-ESP marker) on it.
	 */
	this->mutex->lock(this->mutex);
	this->natt_fd = fd;
	this->natt_port = port;
	remove_stale(this);
	this->mutex->unlock(this->mutex);
	return TRUE;
}

/* An expiry to pass to charon, collected under the mutex. */
typedef struct {
	uint32_t spi;
	host_t *dst;
	bool hard;
	uint8_t dir;
	char ifname[IFNAMSIZ];
} expiry_t;

static void report(expiry_t *x, const char *why)
{
	DBG1(DBG_KNL, "kernel-awsvpn: %s: %s expiry of SA %s 0x%08x%s",
	     x->ifname, x->hard ? "hard" : "soft",
	     x->dir == AWSVPN_DIR_IN ? "in" : "out", x->spi, why);
	charon->kernel->expire(charon->kernel, IPPROTO_ESP, htonl(x->spi),
			       x->dst, x->hard);
	x->dst->destroy(x->dst);
}

/*
 * One event of the module (watcher thread).  A hard expiry, or a deletion
 * that is not ours (ours leave the list before the request), means the SA
 * is gone; charon hears of it as a hard expiry and re-establishes.
 */
static int on_event(struct nl_msg *msg, void *arg)
{
	private_kernel_awsvpn_ipsec_t *this = arg;
	struct awsvpn_nl_event ev;
	expiry_t x = { 0 };
	sa_entry_t *e;

	if (awsvpn_event_parse(msg, &ev) || !ev.has_sa)
		return NL_OK;
	if (ev.event != AWSVPN_EVENT_SA_SOFT_EXPIRE &&
	    ev.event != AWSVPN_EVENT_SA_HARD_EXPIRE &&
	    ev.event != AWSVPN_EVENT_SA_DELETED)
		return NL_OK;

	this->mutex->lock(this->mutex);
	e = find_entry(this, ev.spi, ev.dir, ev.ifindex);
	if (e && e->abandoned && ev.event != AWSVPN_EVENT_SA_SOFT_EXPIRE) {
		/* gone after all: nothing to tell charon, nothing to keep */
		this->sas->remove(this->sas, e, NULL);
		entry_destroy(e);
		e = NULL;
	}
	if (e && !e->gone && !e->abandoned) {
		x.spi = e->spi;
		x.hard = ev.event != AWSVPN_EVENT_SA_SOFT_EXPIRE;
		if (x.hard)
			e->gone = true;
		else if (e->soft_reported)
			e = NULL;
		else
			e->soft_reported = true;
		if (e)
			x.dst = e->dst->clone(e->dst);
	}
	this->mutex->unlock(this->mutex);
	if (x.dst) {
		x.dir = ev.dir;
		snprintf(x.ifname, sizeof(x.ifname), "%s", ev.ifname);
		report(&x, "");
	}
	return NL_OK;
}

/*
 * Events were lost (receive buffer overrun): compare our SAs with the
 * module's and tell charon what it missed, so that no CHILD_SA waits for a
 * rekey that never comes or keeps an SA the module no longer has.
 */
static void resync(private_kernel_awsvpn_ipsec_t *this)
{
	struct awsvpn_dev_list list;
	enumerator_t *enumerator;
	linked_list_t *todo = linked_list_create();
	const struct awsvpn_sa *sa;
	sa_entry_t *e;
	expiry_t *x;
	size_t i;

	this->mutex->lock(this->mutex);
	if (!awsvpn_dev_get(&this->nl, NULL, &list)) {
		enumerator = this->sas->create_enumerator(this->sas);
		while (enumerator->enumerate(enumerator, &e)) {
			if (e->gone || e->abandoned)
				continue;
			for (sa = NULL, i = 0; i < list.n && !sa; i++)
				if (list.dev[i].ifindex == e->ifindex)
					sa = awsvpn_dev_find_sa(&list.dev[i],
								e->dir, e->spi);
			if (sa && !(sa->soft_expired && !e->soft_reported))
				continue;
			INIT(x, .spi = e->spi, .dst = e->dst->clone(e->dst),
			     .hard = !sa, .dir = e->dir);
			snprintf(x->ifname, sizeof(x->ifname), "%s", e->ifname);
			if (sa)
				e->soft_reported = true;
			else
				e->gone = true;
			todo->insert_last(todo, x);
		}
		enumerator->destroy(enumerator);
		awsvpn_dev_list_free(&list);
	}
	this->mutex->unlock(this->mutex);
	while (todo->remove_first(todo, (void **)&x) == SUCCESS) {
		report(x, " (found by a resync)");
		free(x);
	}
	todo->destroy(todo);
}

static bool on_readable(void *data, int fd, watcher_event_t event)
{
	private_kernel_awsvpn_ipsec_t *this = data;

	if (nl_recvmsgs_default(this->events.sk) == -NLE_NOMEM) {
		DBG1(DBG_KNL, "kernel-awsvpn: events lost (receive buffer "
		     "overrun), checking every SA");
		resync(this);
	}
	return TRUE;
}

static bool events_open(private_kernel_awsvpn_ipsec_t *this)
{
	if (awsvpn_nl_open(&this->events))
		return false;
	if (awsvpn_nl_subscribe(&this->events)) {
		DBG1(DBG_KNL, "kernel-awsvpn: cannot subscribe to the module's events");
		awsvpn_nl_close(&this->events);
		return false;
	}
	nl_socket_modify_cb(this->events.sk, NL_CB_VALID, NL_CB_CUSTOM,
			    on_event, this);
	nl_socket_set_nonblocking(this->events.sk);
	lib->watcher->add(lib->watcher, nl_socket_get_fd(this->events.sk),
			  WATCHER_READ, on_readable, this);
	this->watching = true;
	return true;
}

METHOD(kernel_ipsec_t, destroy, void,
	private_kernel_awsvpn_ipsec_t *this)
{
	if (this->watching)
		lib->watcher->remove(lib->watcher,
				     nl_socket_get_fd(this->events.sk));
	awsvpn_nl_close(&this->events);
	this->sas->destroy_function(this->sas, (void *)entry_destroy);
	awsvpn_nl_close(&this->nl);
	DESTROY_IF(this->rng);
	this->mutex->destroy(this->mutex);
	free(this);
}

kernel_ipsec_t *kernel_awsvpn_ipsec_create(void)
{
	private_kernel_awsvpn_ipsec_t *this;

	INIT(this,
		.public = {
			.get_features = _get_features,
			.get_spi = _get_spi,
			.get_cpi = _get_cpi,
			.add_sa = _add_sa,
			.update_sa = _update_sa,
			.query_sa = _query_sa,
			.del_sa = _del_sa,
			.flush_sas = _flush_sas,
			.add_policy = _add_policy,
			.query_policy = _query_policy,
			.del_policy = _del_policy,
			.flush_policies = _flush_policies,
			.bypass_socket = _bypass_socket,
			.enable_udp_decap = _enable_udp_decap,
			.destroy = _destroy,
		},
		.mutex = mutex_create(MUTEX_TYPE_DEFAULT),
		.sas = linked_list_create(),
		.natt_fd = -1,
	);

	/*
	 * The same settings kernel-netlink honours, so that an operator
	 * who splits the SPI space (e.g. between gateways) keeps doing so.
	 * SPIs below 256 are reserved (RFC 4303).
	 */
	this->spi_min = lib->settings->get_int(lib->settings, "%s.spi_min",
					       KERNEL_SPI_MIN, lib->ns);
	this->spi_max = lib->settings->get_int(lib->settings, "%s.spi_max",
					       KERNEL_SPI_MAX, lib->ns);
	if (this->spi_min > this->spi_max) {
		uint32_t t = this->spi_min;

		this->spi_min = this->spi_max;
		this->spi_max = t;
	}
	if (this->spi_min < 256)
		this->spi_min = 256;
	if (this->spi_max < this->spi_min)
		this->spi_max = this->spi_min;

	awsvpn_nl_set_log(log_line);
	this->rng = lib->crypto->create_rng(lib->crypto, RNG_WEAK);
	if (!this->rng) {
		DBG1(DBG_KNL, "kernel-awsvpn: no RNG for SPIs");
		destroy(this);
		return NULL;
	}
	/*
	 * Loads the module if needed (genl family autoload).  Without it
	 * the backend still registers and refuses every SA, saying why:
	 * returning NULL would let kernel-netlink's XFRM take over silently,
	 * and tunnels would come up on SAs no awsvpn device carries.
	 */
	if (awsvpn_nl_open(&this->nl)) {
		this->unusable = "the awsvpn kernel module was not available "
				 "when charon started";
		DBG1(DBG_KNL, "kernel-awsvpn: %s: no CHILD_SA can be installed",
		     this->unusable);
		this->nl.sk = NULL;
		return &this->public;
	}
	/*
	 * Expiry events are what starts every rekey: without them an SA
	 * would carry traffic until the module deletes it at its hard
	 * lifetime, then leave the tunnel dark while IKE looks healthy.
	 */
	if (!events_open(this)) {
		this->unusable = "charon could not subscribe to the awsvpn "
				 "module's events (no SA would ever be rekeyed)";
		DBG1(DBG_KNL, "kernel-awsvpn: %s: no CHILD_SA can be installed",
		     this->unusable);
	}
	return &this->public;
}
