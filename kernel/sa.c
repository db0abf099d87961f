// SPDX-License-Identifier: GPL-2.0
/*
 * Security associations: one crypto transform each, inbound SAs found by
 * SPI in a per-namespace hash table, freed after an RCU grace period once
 * the last packet in the crypto layer lets go of them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <crypto/authenc.h>
#include <net/esp.h>

#include "awsvpn.h"

/*
 * Every AWS phase-2 suite, expressed as the kernel's own ESP AEADs.  The IV
 * generators are those net/ipv4/esp4.c uses: seqiv for GCM (RFC 4106: the
 * IV must be unique, the sequence number is), echainiv for CBC (RFC 3602:
 * the IV must be unpredictable).
 */
struct awsvpn_suite {
	const char *gcm;	/* template, or NULL for CBC */
	unsigned int key_len;	/* AES key, plus 4 bytes salt for GCM */
};

static const struct awsvpn_suite awsvpn_suites[] = {
	[AWSVPN_ENC_AES128_GCM16] = { "seqiv(rfc4106(gcm(aes)))", 16 + 4 },
	[AWSVPN_ENC_AES256_GCM16] = { "seqiv(rfc4106(gcm(aes)))", 32 + 4 },
	[AWSVPN_ENC_AES128_CBC]   = { NULL, 16 },
	[AWSVPN_ENC_AES256_CBC]   = { NULL, 32 },
};

struct awsvpn_integ_alg {
	const char *name;	/* AEAD for CBC with this HMAC */
	unsigned int key_len;
	unsigned int icv_len;	/* RFC 2404 / RFC 4868 truncation */
};

static const struct awsvpn_integ_alg awsvpn_integs[] = {
	[AWSVPN_INTEG_SHA1] =
		{ "echainiv(authenc(hmac(sha1),cbc(aes)))", 20, 12 },
	[AWSVPN_INTEG_SHA2_256] =
		{ "echainiv(authenc(hmac(sha256),cbc(aes)))", 32, 16 },
	[AWSVPN_INTEG_SHA2_384] =
		{ "echainiv(authenc(hmac(sha384),cbc(aes)))", 48, 24 },
	[AWSVPN_INTEG_SHA2_512] =
		{ "echainiv(authenc(hmac(sha512),cbc(aes)))", 64, 32 },
};

static const struct rhashtable_params awsvpn_spi_params = {
	.key_len = sizeof(u32),
	.key_offset = offsetof(struct awsvpn_sa, spi),
	.head_offset = offsetof(struct awsvpn_sa, node),
	.automatic_shrinking = true,
};

int awsvpn_sa_table_init(struct awsvpn_net *an)
{
	return rhashtable_init(&an->spi_table, &awsvpn_spi_params);
}

void awsvpn_sa_table_destroy(struct awsvpn_net *an)
{
	/*
	 * Every device using this table was deleted in pre_exit, and every
	 * device of the namespace is gone (main.c: a subsystem's .exit), so
	 * nothing looks it up any more.
	 */
	rhashtable_destroy(&an->spi_table);
}

/* Caller holds rcu_read_lock; take a reference to keep the SA. */
struct awsvpn_sa *awsvpn_sa_lookup_in(struct net *net, u32 spi)
{
	return rhashtable_lookup(&awsvpn_pernet(net)->spi_table, &spi,
				 awsvpn_spi_params);
}

struct awsvpn_sa *awsvpn_sa_find(struct awsvpn_device *adev, u8 dir, u32 spi)
{
	struct awsvpn_sa *sa;

	ASSERT_RTNL();
	list_for_each_entry(sa, &adev->sas, list)
		if (sa->dir == dir && sa->spi == spi)
			return sa;
	return NULL;
}

int awsvpn_sa_key_lengths(u8 enc, u8 integ, unsigned int *enc_len,
			  unsigned int *integ_len)
{
	if (enc == AWSVPN_ENC_UNSPEC || enc > AWSVPN_ENC_MAX ||
	    integ > AWSVPN_INTEG_MAX)
		return -EINVAL;
	*enc_len = awsvpn_suites[enc].key_len;
	*integ_len = integ ? awsvpn_integs[integ].key_len : 0;
	return 0;
}

/*
 * Per-packet contexts come from a one-object cache per CPU: a packet whose
 * crypto completes where it started (the usual case) takes the object the
 * previous one left, so the data path does no slab allocation.  Objects
 * are wiped before they are cached; larger contexts (many fragments, big
 * request contexts) are allocated and freed as they come.
 */
#define AWSVPN_CRYPT_CACHED	1024

static DEFINE_PER_CPU(struct awsvpn_crypt *, awsvpn_crypt_slot);

/* Atomic context: called for every packet on both paths. */
struct awsvpn_crypt *awsvpn_crypt_alloc(struct awsvpn_sa *sa,
					struct sk_buff *skb, int nfrags)
{
	size_t req_off = ALIGN(sizeof(struct awsvpn_crypt),
			       crypto_tfm_ctx_alignment());
	size_t sg_off = ALIGN(req_off + sizeof(struct aead_request) +
			      crypto_aead_reqsize(sa->aead),
			      __alignof__(struct scatterlist));
	size_t size = sg_off + nfrags * sizeof(struct scatterlist);
	struct awsvpn_crypt *c = NULL;

	if (likely(size <= AWSVPN_CRYPT_CACHED)) {
		/* One instruction on x86; safe from any context. */
		c = this_cpu_xchg(awsvpn_crypt_slot, NULL);
		if (!c)
			c = kmalloc(AWSVPN_CRYPT_CACHED, GFP_ATOMIC);
	} else {
		c = kmalloc(size, GFP_ATOMIC);
	}
	if (!c)
		return NULL;
	c->size = size;
	c->skb = skb;
	c->sa = sa;
	c->rt = NULL;
	c->req = (struct aead_request *)((u8 *)c + req_off);
	c->sg = (struct scatterlist *)((u8 *)c + sg_off);
	c->dst = c->sg;
	c->frag = NULL;
	aead_request_set_tfm(c->req, sa->aead);
	sg_init_table(c->sg, nfrags);
	return c;
}

/* The request context may hold key-dependent state: wipe what was used. */
void awsvpn_crypt_free(struct awsvpn_crypt *c)
{
	size_t size = c->size;

	if (c->frag)
		skb_free_frag(c->frag);
	memzero_explicit(c, size);
	if (size <= AWSVPN_CRYPT_CACHED)
		kfree(this_cpu_xchg(awsvpn_crypt_slot, c));
	else
		kfree(c);
}

/* Module exit: the cached objects (already wiped). */
void awsvpn_crypt_cache_drain(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		kfree(per_cpu(awsvpn_crypt_slot, cpu));
		per_cpu(awsvpn_crypt_slot, cpu) = NULL;
	}
}

static void awsvpn_sa_free_work(struct work_struct *work)
{
	struct awsvpn_sa *sa = container_of(to_rcu_work(work), struct awsvpn_sa,
					    free_work);

	/* crypto_free_aead() wipes the expanded keys (kfree_sensitive). */
	crypto_free_aead(sa->aead);
	free_percpu(sa->traffic);
	netdev_put(sa->adev->dev, &sa->dev_tracker);
	kfree_sensitive(sa);
}

void awsvpn_sa_put(struct awsvpn_sa *sa)
{
	if (refcount_dec_and_test(&sa->refcnt)) {
		INIT_RCU_WORK(&sa->free_work, awsvpn_sa_free_work);
		queue_rcu_work(awsvpn_wq, &sa->free_work);
	}
}

static int awsvpn_sa_setkey(struct crypto_aead *aead,
			    const struct awsvpn_sa_params *p)
{
	struct crypto_authenc_key_param *param;
	unsigned int len;
	struct rtattr *rta;
	u8 *key, *pos;
	int ret;

	if (!p->integ)
		return crypto_aead_setkey(aead, p->enc_key, p->enc_key_len);

	/* authenc() takes one blob: a length header, HMAC key, AES key. */
	len = RTA_SPACE(sizeof(*param)) + p->integ_key_len + p->enc_key_len;
	key = kmalloc(len, GFP_KERNEL);
	if (!key)
		return -ENOMEM;
	rta = (struct rtattr *)key;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(p->enc_key_len);
	pos = key + RTA_SPACE(sizeof(*param));
	memcpy(pos, p->integ_key, p->integ_key_len);
	memcpy(pos + p->integ_key_len, p->enc_key, p->enc_key_len);
	ret = crypto_aead_setkey(aead, key, len);
	kfree_sensitive(key);
	return ret;
}

/*
 * The SA's transform, keyed.  Called before RTNL is taken: the first
 * request for a suite may load modules and run the crypto manager's self
 * tests, which must not hold up every other rtnetlink user meanwhile.
 */
struct crypto_aead *awsvpn_sa_aead(const struct awsvpn_sa_params *p,
				   struct netlink_ext_ack *extack)
{
	const char *name = p->integ ? awsvpn_integs[p->integ].name :
				      awsvpn_suites[p->enc].gcm;
	struct crypto_aead *aead;
	int ret;

	aead = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(aead)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "kernel crypto lacks this suite (load aes/gcm/authenc/sha modules)");
		return aead;
	}
	ret = awsvpn_sa_setkey(aead, p);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "crypto layer rejected the key");
		goto err;
	}
	ret = crypto_aead_setauthsize(aead, p->integ ?
				      awsvpn_integs[p->integ].icv_len : 16);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "crypto layer rejected the ICV size");
		goto err;
	}
	return aead;
err:
	crypto_free_aead(aead);
	return ERR_PTR(ret);
}

/* @aead (from awsvpn_sa_aead()) becomes the SA's, or is freed on error. */
static struct awsvpn_sa *awsvpn_sa_create(struct awsvpn_device *adev,
					  const struct awsvpn_sa_params *p,
					  struct crypto_aead *aead)
{
	struct awsvpn_sa *sa;

	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		goto err_aead;
	if (!p->bytes_soft && !p->bytes_hard && !p->packets_soft &&
	    !p->packets_hard) {
		sa->traffic = netdev_alloc_pcpu_stats(struct awsvpn_sa_traffic);
		if (!sa->traffic) {
			kfree(sa);
			goto err_aead;
		}
	}
	sa->aead = aead;

	sa->adev = adev;
	sa->spi = p->spi;
	sa->dir = p->dir;
	sa->enc = p->enc;
	sa->integ = p->integ;
	sa->ivlen = crypto_aead_ivsize(sa->aead);
	sa->icvlen = crypto_aead_authsize(sa->aead);
	/* RFC 4303: pad to the cipher block, and to 4 bytes at least. */
	sa->align = max_t(u8, crypto_aead_blocksize(sa->aead), 4);
	atomic64_set(&sa->seq, p->seq);
	sa->time_soft = p->time_soft;
	sa->time_hard = p->time_hard;
	sa->bytes_soft = p->bytes_soft;
	sa->bytes_hard = p->bytes_hard;
	sa->packets_soft = p->packets_soft;
	sa->packets_hard = p->packets_hard;
	sa->activate_on_rx = p->activate_on_rx;
	awsvpn_sa_lifetime_init(sa);
	awsvpn_replay_init(&sa->replay, p->replay_window);
	refcount_set(&sa->refcnt, 1);
	netdev_hold(adev->dev, &sa->dev_tracker, GFP_KERNEL);
	return sa;

err_aead:
	crypto_free_aead(aead);
	return ERR_PTR(-ENOMEM);
}

/*
 * The peer may switch first (AWS as rekey responder often does): the
 * inbound SA the pending @sa waits for can have received already, and
 * awsvpn_sa_first_rx() only fires once.  @sa is on the list before this
 * check, so a first packet racing with us is seen by one side or both
 * (awsvpn_sa_switch() of an active SA does nothing).
 */
static void awsvpn_sa_activate_if_proven(struct awsvpn_device *adev,
					 struct awsvpn_sa *sa)
{
	struct awsvpn_sa *in = awsvpn_sa_find(adev, AWSVPN_DIR_IN,
					      sa->activate_on_rx);

	smp_mb();	/* list_add before reading FIRST_RX; pairs with
			 * test_and_set_bit() in awsvpn_sa_first_rx() */
	if (in && test_bit(AWSVPN_SA_F_FIRST_RX, &in->flags))
		awsvpn_sa_switch(adev, sa);
}

/*
 * Caller holds RTNL and has validated @p against the uapi rules; @aead
 * (awsvpn_sa_aead()) is the new SA's, or freed if none is made.
 */
int awsvpn_sa_add(struct awsvpn_device *adev, const struct awsvpn_sa_params *p,
		  struct crypto_aead *aead, struct netlink_ext_ack *extack)
{
	struct awsvpn_net *an = awsvpn_pernet(adev->net);
	struct awsvpn_sa *sa;
	int ret;

	ASSERT_RTNL();
	if (awsvpn_sa_find(adev, p->dir, p->spi)) {
		NL_SET_ERR_MSG_MOD(extack, "an SA with this SPI and direction exists on the device");
		crypto_free_aead(aead);
		return -EEXIST;
	}
	if (adev->n_sa[p->dir] >= (p->dir == AWSVPN_DIR_IN ? AWSVPN_MAX_SA_IN :
				   AWSVPN_MAX_SA_OUT)) {
		NL_SET_ERR_MSG_MOD(extack, "too many SAs in this direction, delete an old one");
		crypto_free_aead(aead);
		return -ENOSPC;
	}

	sa = awsvpn_sa_create(adev, p, aead);
	if (IS_ERR(sa))
		return PTR_ERR(sa);

	if (p->dir == AWSVPN_DIR_IN) {
		ret = rhashtable_lookup_insert_fast(&an->spi_table, &sa->node,
						    awsvpn_spi_params);
		if (ret) {
			if (ret == -EEXIST)
				NL_SET_ERR_MSG_MOD(extack, "inbound SPI already used in this namespace");
			awsvpn_sa_put(sa);
			return ret;
		}
		sa->state = AWSVPN_SA_STATE_ACTIVE;
	} else if (!rtnl_dereference(adev->tx_sa)) {
		sa->state = AWSVPN_SA_STATE_ACTIVE;
		rcu_assign_pointer(adev->tx_sa, sa);
		adev->tx_expired = false;
	} else {
		sa->state = AWSVPN_SA_STATE_PENDING;
	}
	sa->linked = true;
	adev->n_sa[p->dir]++;
	list_add_tail_rcu(&sa->list, &adev->sas);
	awsvpn_sa_lifetime_start(sa);
	awsvpn_event(adev, AWSVPN_EVENT_SA_ADDED, sa, 0, 0, GFP_KERNEL);
	if (sa->state == AWSVPN_SA_STATE_ACTIVE && sa->dir == AWSVPN_DIR_OUT) {
		awsvpn_mtu_update(adev);
		awsvpn_carrier_update(adev);
	} else if (sa->state == AWSVPN_SA_STATE_PENDING && sa->activate_on_rx) {
		awsvpn_sa_activate_if_proven(adev, sa);
	}
	return 0;
}

/*
 * Remove @sa from every lookup structure and drop the list's reference.
 * The caller updates the carrier (not done here: device teardown flushes
 * every SA and must not announce a carrier change).
 */
void awsvpn_sa_unlink(struct awsvpn_sa *sa)
{
	struct awsvpn_device *adev = sa->adev;

	ASSERT_RTNL();
	if (!sa->linked)
		return;
	sa->linked = false;
	if (sa->dir == AWSVPN_DIR_IN)
		rhashtable_remove_fast(&awsvpn_pernet(adev->net)->spi_table,
				       &sa->node, awsvpn_spi_params);
	else if (rtnl_dereference(adev->tx_sa) == sa)
		RCU_INIT_POINTER(adev->tx_sa, NULL);
	/* The MTU stays until another outbound SA becomes active: shrinking
	 * it to the worst case between a delete and an add helps no one.
	 */
	list_del_rcu(&sa->list);
	adev->n_sa[sa->dir]--;
	awsvpn_sa_lifetime_stop(sa);
	awsvpn_sa_put(sa);
}

/*
 * The device is going, and its SAs with it.  Each is announced as a DEL_SA
 * would announce it: the IKE daemon that installed them would otherwise
 * keep CHILD_SAs that nothing carries and that no expiry ever rekeys.
 */
void awsvpn_sa_flush(struct awsvpn_device *adev)
{
	struct awsvpn_sa *sa, *tmp;

	list_for_each_entry_safe(sa, tmp, &adev->sas, list) {
		awsvpn_event(adev, AWSVPN_EVENT_SA_DELETED, sa, 0, 0, GFP_KERNEL);
		awsvpn_sa_unlink(sa);
	}
}
