// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn_cryptobench - the crypto ceiling of "make bench" (selftests/bench.sh).
 *
 * How many ESP-sized packets per second this machine's kernel crypto can
 * encrypt and decrypt with one AEAD transform, with nothing else around
 * it: no sockets, no skbs, no device.  The transform is allocated by the
 * same name awsvpn's sa.c uses (e.g. "seqiv(rfc4106(gcm(aes)))" or
 * "echainiv(authenc(hmac(sha256),cbc(aes)))"), so the crypto API picks the
 * same driver, and every request has the layout of an ESP packet: 8 bytes
 * of associated data (SPI, sequence number), the IV the geniv template
 * writes, the payload with ESP's trailer (padding to the cipher's block
 * size and 4 bytes, pad length, next header), the ICV.  A tunnel's throughput divided by this rate
 * is the share of the CPU time that went into the crypto itself.
 *
 * tcrypt (crypto/tcrypt.c) has speed modes for rfc4106(gcm(aes)) but none
 * for authenc(), and its modes run every key and buffer size of a template
 * for a second each; this runs exactly the suite's transform at one size.
 *
 * Loading the module runs one measurement, prints one line to the kernel
 * log and fails with -EAGAIN, so that it never stays loaded (tcrypt does
 * the same; "insmod: ... Resource temporarily unavailable" is expected):
 *
 *   awsvpn_cryptobench: tag=T driver=D len=L threads=N \
 *       enc_ops=O enc_kbps=K dec_ops=O dec_kbps=K
 *   awsvpn_cryptobench: tag=T error=E      (an errno, e.g. -2: no such alg)
 *
 * kbps is payload (len bytes per request, not the trailer) kilobits per
 * second, summed over the threads.  Encryption runs in place for msecs;
 * decryption then checks the last ciphertext msecs long into a second
 * buffer, so every decryption verifies a real ICV (a failure is reported as
 * error=-74, EBADMSG).  Each direction first runs a tenth as long
 * untimed: under QEMU's TCG the first run of the SIMD code is translated,
 * which would count as crypto time.
 *
 * Parameters:
 *   alg         crypto API name (required)
 *   enckeylen   cipher key bytes (GCM and ChaCha20: with the 4-byte salt)
 *   authkeylen  HMAC key bytes; 0 for an AEAD that is not authenc()
 *   icvlen      ICV bytes (crypto_aead_setauthsize)
 *   len         payload bytes per request, the inner packet (default 1400)
 *   msecs       duration of each direction in milliseconds (default 1000)
 *   threads     CPUs measuring at once, one kthread bound to each of CPUs
 *               0..threads-1, each with its own transform (default 1: in
 *               the loading process, on whatever CPU it runs)
 *   tag         echoed in the result line, for the caller to find it
 */
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#define AD_LEN		8	/* SPI + 32-bit sequence number */
#define MAX_IV		16
#define MAX_THREADS	64

static char *alg;
static unsigned int enckeylen;
static unsigned int authkeylen;
static unsigned int icvlen = 16;
static unsigned int len = 1400;
static unsigned int msecs = 1000;
static unsigned int threads = 1;
static char *tag = "";

module_param(alg, charp, 0);
module_param(enckeylen, uint, 0);
module_param(authkeylen, uint, 0);
module_param(icvlen, uint, 0);
module_param(len, uint, 0);
module_param(msecs, uint, 0);
module_param(threads, uint, 0);
module_param(tag, charp, 0);

struct cb_result {
	int err;
	u64 enc_ops, enc_ns;
	u64 dec_ops, dec_ns;
	char driver[CRYPTO_MAX_ALG_NAME];
};

struct cb_worker {
	struct cb_result res;
	struct task_struct *task;
	struct completion done;
};

/* The key as crypto_aead_setkey() wants it; authenc() takes one blob. */
static u8 *cb_key(unsigned int *keylen)
{
	struct crypto_authenc_key_param *param;
	struct rtattr *rta;
	unsigned int hdr;
	u8 *key;

	if (!authkeylen) {
		key = kmalloc(enckeylen, GFP_KERNEL);
		if (key)
			get_random_bytes(key, enckeylen);
		*keylen = enckeylen;
		return key;
	}
	hdr = RTA_SPACE(sizeof(*param));
	key = kmalloc(hdr + authkeylen + enckeylen, GFP_KERNEL);
	if (!key)
		return NULL;
	rta = (struct rtattr *)key;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(enckeylen);
	get_random_bytes(key + hdr, authkeylen + enckeylen);
	*keylen = hdr + authkeylen + enckeylen;
	return key;
}

/* One direction for @dur ns: requests done and nanoseconds taken. */
static int cb_loop(struct aead_request *req, bool enc, struct scatterlist *src,
		   struct scatterlist *dst, unsigned int cryptlen, u8 *iv,
		   unsigned int ivsize, struct crypto_wait *wait, u64 dur,
		   u64 *ops, u64 *ns)
{
	u64 start = ktime_get_ns(), now, seq = 1;
	__be64 be;
	int err;

	*ops = 0;
	do {
		/* seqiv/echainiv derive the IV from this (the ESP sequence). */
		memset(iv, 0, ivsize);
		be = cpu_to_be64(seq++);
		memcpy(iv + ivsize - 8, &be, sizeof(be));
		aead_request_set_crypt(req, src, dst, cryptlen, iv);
		err = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
					    crypto_aead_decrypt(req), wait);
		if (err)
			return err;
		(*ops)++;
		cond_resched();
		now = ktime_get_ns();
	} while (now - start < dur);
	*ns = now - start;
	return 0;
}

static int cb_measure(struct cb_result *res)
{
	struct scatterlist sg, dsg;
	struct crypto_aead *tfm;
	struct aead_request *req;
	unsigned int keylen, ivsize, plen, total;
	u64 dur = (u64)msecs * NSEC_PER_MSEC, ops, ns;
	u8 *key, *buf = NULL, *out = NULL;
	u8 iv[MAX_IV];
	DECLARE_CRYPTO_WAIT(wait);
	int err;

	tfm = crypto_alloc_aead(alg, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	strscpy(res->driver, crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm)),
		sizeof(res->driver));
	key = cb_key(&keylen);
	if (!key) {
		err = -ENOMEM;
		goto out_tfm;
	}
	err = crypto_aead_setkey(tfm, key, keylen);
	kfree_sensitive(key);
	if (err)
		goto out_tfm;
	err = crypto_aead_setauthsize(tfm, icvlen);
	if (err)
		goto out_tfm;
	ivsize = crypto_aead_ivsize(tfm);
	if (ivsize < 8 || ivsize > MAX_IV) {
		err = -EINVAL;
		goto out_tfm;
	}
	/* ESP's trailer: pad to the block size (and 4), pad length, next. */
	plen = round_up(len + 2, max(crypto_aead_blocksize(tfm), 4U));
	total = AD_LEN + ivsize + plen + icvlen;
	buf = kzalloc(total, GFP_KERNEL);
	out = kzalloc(total, GFP_KERNEL);
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!buf || !out || !req) {
		err = -ENOMEM;
		goto out_req;
	}
	get_random_bytes(buf, total);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &wait);
	sg_init_one(&sg, buf, total);
	sg_init_one(&dsg, out, total);
	/* As ESP: the IV follows the AD and is counted in cryptlen. */
	aead_request_set_ad(req, AD_LEN);
	err = cb_loop(req, true, &sg, &sg, ivsize + plen, iv, ivsize, &wait,
		      dur / 10, &ops, &ns) ?:
	      cb_loop(req, true, &sg, &sg, ivsize + plen, iv, ivsize, &wait,
		      dur, &res->enc_ops, &res->enc_ns);
	if (err)
		goto out_req;
	/* buf holds the last packet encrypted: AD, IV, ciphertext, ICV. */
	err = cb_loop(req, false, &sg, &dsg, ivsize + plen + icvlen, iv, ivsize,
		      &wait, dur / 10, &ops, &ns) ?:
	      cb_loop(req, false, &sg, &dsg, ivsize + plen + icvlen, iv, ivsize,
		      &wait, dur, &res->dec_ops, &res->dec_ns);
out_req:
	aead_request_free(req);
	kfree(out);
	kfree(buf);
out_tfm:
	crypto_free_aead(tfm);
	return err;
}

static int cb_thread(void *data)
{
	struct cb_worker *w = data;

	w->res.err = cb_measure(&w->res);
	complete(&w->done);
	return 0;
}

static u64 cb_kbps(u64 ops, u64 ns)
{
	return ns ? div64_u64(ops * len * 8 * USEC_PER_SEC, ns) : 0;
}

static int __init cb_init(void)
{
	struct cb_worker *w;
	u64 enc_ops = 0, dec_ops = 0, enc_kbps = 0, dec_kbps = 0;
	unsigned int i, n = threads;
	int err = 0;

	if (!alg || !enckeylen || !len || !msecs || !n || n > MAX_THREADS ||
	    n > num_online_cpus()) {
		pr_info("awsvpn_cryptobench: tag=%s error=%d\n", tag, -EINVAL);
		return -EINVAL;
	}
	w = kcalloc(n, sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	if (n == 1) {
		w[0].res.err = cb_measure(&w[0].res);
	} else {
		for (i = 0; i < n; i++) {
			init_completion(&w[i].done);
			w[i].task = kthread_create(cb_thread, &w[i],
						   "cryptobench/%u", i);
			if (IS_ERR(w[i].task)) {
				w[i].res.err = PTR_ERR(w[i].task);
				w[i].task = NULL;
				continue;
			}
			/*
			 * Held across kthread_stop(): the thread may have
			 * returned (and exited) by then.
			 */
			get_task_struct(w[i].task);
			kthread_bind(w[i].task, i);
		}
		for (i = 0; i < n; i++)
			if (w[i].task)
				wake_up_process(w[i].task);
		for (i = 0; i < n; i++) {
			if (!w[i].task)
				continue;
			wait_for_completion(&w[i].done);
			/* Waits until it has left this module's code. */
			kthread_stop(w[i].task);
			put_task_struct(w[i].task);
		}
	}
	for (i = 0; i < n; i++) {
		if (w[i].res.err) {
			err = w[i].res.err;
			continue;
		}
		enc_ops += w[i].res.enc_ops;
		dec_ops += w[i].res.dec_ops;
		enc_kbps += cb_kbps(w[i].res.enc_ops, w[i].res.enc_ns);
		dec_kbps += cb_kbps(w[i].res.dec_ops, w[i].res.dec_ns);
	}
	if (err)
		pr_info("awsvpn_cryptobench: tag=%s error=%d\n", tag, err);
	else
		pr_info("awsvpn_cryptobench: tag=%s driver=%s len=%u threads=%u enc_ops=%llu enc_kbps=%llu dec_ops=%llu dec_kbps=%llu\n",
			tag, w[0].res.driver, len, n, enc_ops, enc_kbps,
			dec_ops, dec_kbps);
	kfree(w);
	/* Measured; never stay loaded. */
	return -EAGAIN;
}

module_init(cb_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("awsvpn benchmark: AEAD speed at ESP packet size");
