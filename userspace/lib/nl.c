// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libawsvpn: generic netlink plumbing shared by the awsvpn tool and the
 * strongSwan plugin.  One socket, one request at a time (callers that share
 * a socket between threads serialise around awsvpn_nl_run()).  Errors the
 * kernel reports keep their errno and the extended ACK message, and are
 * handed to the caller's log function.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "awsvpn_nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

static void log_stderr(const char *line)
{
	fprintf(stderr, "awsvpn: %s\n", line);
}

static void (*log_fn)(const char *line) = log_stderr;

void awsvpn_nl_set_log(void (*fn)(const char *line))
{
	log_fn = fn ? fn : log_stderr;
}

void awsvpn_nl_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_fn(line);
}

struct reply {
	int (*cb)(struct nl_msg *msg, void *arg);
	void *arg;
	bool done;
	int err;		/* errno reported by the kernel */
	int cb_err;		/* errno from the reply handler */
	char ext_msg[256];	/* extended ACK message */
	int64_t miss_type;	/* extended ACK missing attribute, or -1 */
	const int *expected;	/* errnos not to log (struct awsvpn_nl) */
	uint32_t seq;		/* of the request: replies to others are old */
	bool intr;		/* a dump message carried NLM_F_DUMP_INTR */
};

static int set_sockopt(int fd, int opt)
{
	int one = 1;

	return setsockopt(fd, SOL_NETLINK, opt, &one, sizeof(one));
}

/*
 * The family's id and its events group's as the kernel has them now, into
 * @ctx; the id, or a libnl error (-NLE_OBJ_NOTFOUND: no module).
 */
static int lookup_family(struct awsvpn_nl *ctx)
{
	int id, grp;

	id = genl_ctrl_resolve(ctx->sk, AWSVPN_GENL_NAME);
	if (id < 0)
		return id;
	grp = genl_ctrl_resolve_grp(ctx->sk, AWSVPN_GENL_NAME,
				    AWSVPN_MCGRP_EVENTS);
	ctx->family = id;
	ctx->events_group = grp > 0 ? grp : 0;
	return id;
}

int awsvpn_nl_open(struct awsvpn_nl *ctx)
{
	struct nl_cb *cb;
	int ret;

	memset(ctx, 0, sizeof(*ctx));
	/*
	 * Callbacks of our own, not the ones $NLCB picks: NLCB=debug would
	 * hex-dump every request sent, keys included, to stderr (charon's
	 * journal).
	 */
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	ctx->sk = cb ? nl_socket_alloc_cb(cb) : NULL;
	nl_cb_put(cb);
	if (!ctx->sk) {
		awsvpn_nl_log("cannot allocate netlink socket: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	ret = genl_connect(ctx->sk);
	if (ret < 0) {
		awsvpn_nl_log("cannot open netlink socket: %s", nl_geterror(ret));
		ret = -EIO;
		goto fail;
	}
	nl_socket_disable_auto_ack(ctx->sk);
	nl_socket_enable_msg_peek(ctx->sk);
	/* Older kernels lack it; the messages are just less helpful. */
	set_sockopt(nl_socket_get_fd(ctx->sk), NETLINK_EXT_ACK);
	/*
	 * Errors must not echo requests back: they may carry keys, and libnl
	 * frees its receive buffer without wiping it.  Linux has had this
	 * since 4.3; without it, no request is sent.
	 */
	if (set_sockopt(nl_socket_get_fd(ctx->sk), NETLINK_CAP_ACK)) {
		awsvpn_nl_log("cannot set NETLINK_CAP_ACK: %s", strerror(errno));
		ret = -EOPNOTSUPP;
		goto fail;
	}

	ret = lookup_family(ctx);
	if (ret == -NLE_OBJ_NOTFOUND) {
		awsvpn_nl_log("kernel module not loaded (modprobe awsvpn)");
		ret = -ENOENT;
		goto fail;
	}
	if (ret < 0) {
		awsvpn_nl_log("cannot look up generic netlink family '%s': %s",
			AWSVPN_GENL_NAME, nl_geterror(ret));
		ret = -EIO;
		goto fail;
	}
	return 0;

fail:
	nl_socket_free(ctx->sk);
	ctx->sk = NULL;
	return ret;
}

void awsvpn_nl_close(struct awsvpn_nl *ctx)
{
	if (ctx->sk)
		nl_socket_free(ctx->sk);
	ctx->sk = NULL;
}

/*
 * A request is built before the family is resolved, so that bad input is
 * reported even without the module; awsvpn_nl_run() fills in the family.
 */
struct nl_msg *awsvpn_nl_req(uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	/* awsvpn_nl_run() waits for an ACK or the end of a dump. */
	if (!(flags & NLM_F_DUMP))
		flags |= NLM_F_ACK;

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, 0, 0, flags, cmd,
			 AWSVPN_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Requests may carry keys: clear the whole buffer, not just the message. */
void awsvpn_nl_msg_free(struct nl_msg *msg)
{
	if (!msg)
		return;
	explicit_bzero(nlmsg_hdr(msg), nlmsg_get_max_size(msg));
	nlmsg_free(msg);
}

/*
 * Extended ACK TLVs follow @skip bytes of payload in an error, ACK or DONE
 * message.
 */
static void parse_ext_ack(struct reply *r, const struct nlmsghdr *hdr,
			  size_t skip)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlattr *msg;
	size_t plen;

	if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    hdr->nlmsg_len < NLMSG_HDRLEN)
		return;
	plen = hdr->nlmsg_len - NLMSG_HDRLEN;
	skip = NLMSG_ALIGN(skip);
	if (skip >= plen)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlmsg_data(hdr) + skip),
		      plen - skip, NULL) < 0)
		return;

	msg = tb[NLMSGERR_ATTR_MSG];
	if (msg && nla_len(msg) > 0) {
		size_t len = strnlen(nla_data(msg), nla_len(msg));

		if (len >= sizeof(r->ext_msg))
			len = sizeof(r->ext_msg) - 1;
		memcpy(r->ext_msg, nla_data(msg), len);
		r->ext_msg[len] = '\0';
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4)
		r->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
}

/* Payload of an error/ACK before its TLVs: the request is echoed unless capped. */
static size_t err_skip(const struct nlmsghdr *hdr, const struct nlmsgerr *e)
{
	size_t skip = sizeof(*e);

	if (!(hdr->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len >= NLMSG_HDRLEN)
		skip += e->msg.nlmsg_len - NLMSG_HDRLEN;
	return skip;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	/* libnl hands us the payload of the message it has just read. */
	const struct nlmsghdr *hdr = (const struct nlmsghdr *)
				     ((const char *)e - NLMSG_HDRLEN);
	struct reply *r = arg;

	(void)nla;
	r->err = e->error < 0 ? -e->error : EPROTO;
	parse_ext_ack(r, hdr, err_skip(hdr, e));
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *hdr = nlmsg_hdr(msg);
	struct reply *r = arg;

	r->done = true;
	if (hdr->nlmsg_len >= NLMSG_HDRLEN + sizeof(struct nlmsgerr)) {
		parse_ext_ack(r, hdr, err_skip(hdr, nlmsg_data(hdr)));
		if (r->ext_msg[0])
			awsvpn_nl_log("warning: %s", r->ext_msg);
	}
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *hdr = nlmsg_hdr(msg);
	struct reply *r = arg;
	int err;

	r->done = true;
	if (hdr->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
		memcpy(&err, nlmsg_data(hdr), sizeof(err));
		if (err < 0) {
			r->err = -err;
			parse_ext_ack(r, hdr, sizeof(int));
		}
	}
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct reply *r = arg;
	int ret;

	/* After a handler error the rest of the dump is read, unused. */
	if (!r->cb || r->cb_err)
		return NL_OK;
	ret = r->cb(msg, r->arg);
	if (ret < 0)
		r->cb_err = -ret;
	return NL_OK;
}

/*
 * Replies belong to the request whose sequence number they carry.  Auto-ACK
 * off also turns off libnl's own check, and an earlier request that failed
 * while receiving may have left its DONE or ACK behind: taking that for this
 * request's answer would report a rejected request as done.
 */
static int on_seq_check(struct nl_msg *msg, void *arg)
{
	struct reply *r = arg;

	return nlmsg_hdr(msg)->nlmsg_seq == r->seq ? NL_OK : NL_SKIP;
}

/*
 * The kernel flags a dump whose object list changed between two of its
 * batches.  The rest is still read (libnl would otherwise report it only
 * after the DONE, as an error of its own), so the caller sees the whole,
 * possibly inconsistent, list and awsvpn_nl_run() returns -EAGAIN.
 */
static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct reply *r = arg;

	(void)msg;
	r->intr = true;
	return NL_OK;
}

static void report(const char *what, const char *reason, const struct reply *r)
{
	if (r->err && (r->err == r->expected[0] || r->err == r->expected[1]))
		return;
	if (r->ext_msg[0])
		awsvpn_nl_log("%s: %s (%s)", what, reason, r->ext_msg);
	else if (r->miss_type >= 0)
		awsvpn_nl_log("%s: %s (missing attribute %lld)", what, reason,
			(long long)r->miss_type);
	else
		awsvpn_nl_log("%s: %s", what, reason);
}

/*
 * The genl core answers a family id nobody has with ENOENT and no extended
 * ACK (the module's own ENOENTs always say what is missing): the module was
 * unloaded since the family was looked up, and may be loaded again under a
 * new id.  Look it up anew: 1 if it moved (@ctx updated), 0 if it did not,
 * -ENOENT if it is gone.
 */
static int family_moved(struct awsvpn_nl *ctx)
{
	int old = ctx->family;

	if (lookup_family(ctx) < 0)
		return -ENOENT;
	if (ctx->family == old)
		return 0;
	ctx->generation++;
	return 1;
}

/*
 * One request and its replies into @r (which @nlcb's handlers fill); 0 or
 * a libnl error of sending or receiving.  An error the kernel answered is
 * in r->err: libnl also returns it, translated, when on_error() stops.
 */
static int exchange(struct awsvpn_nl *ctx, struct nl_msg *msg,
		    struct nl_cb *nlcb, struct reply *r)
{
	int ret;

	nlmsg_hdr(msg)->nlmsg_type = ctx->family;
	nlmsg_hdr(msg)->nlmsg_seq = NL_AUTO_SEQ;
	ret = nl_send_auto(ctx->sk, msg);
	r->seq = nlmsg_hdr(msg)->nlmsg_seq;
	while (ret >= 0 && !r->done && !r->err)
		ret = nl_recvmsgs(ctx->sk, nlcb);
	return ret < 0 && !r->err ? ret : 0;
}

/*
 * Send @msg (consumed: wiped and freed), hand every reply to @cb and wait
 * for the ACK or the end of the dump.  On failure logs "<what>: <reason>
 * (<extended ACK>)" (unless the errno is in ctx->expected) and returns the
 * negative errno.  A request the genl core refuses because the module was
 * loaded again since is sent once more, to the family's new id.
 */
int awsvpn_nl_run(struct awsvpn_nl *ctx, struct nl_msg *msg,
		  int (*cb)(struct nl_msg *msg, void *arg), void *arg,
		  const char *fmt, ...)
{
	const struct reply r0 = { .cb = cb, .arg = arg, .miss_type = -1,
				  .expected = ctx->expected };
	struct reply r = r0;
	struct nl_cb *nlcb;
	char what[256];
	va_list ap;
	int ret, moved;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	nlcb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nlcb) {
		awsvpn_nl_msg_free(msg);
		awsvpn_nl_log("%s: %s", what, strerror(ENOMEM));
		return -ENOMEM;
	}
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &r);
	nl_cb_set(nlcb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq_check, &r);
	nl_cb_set(nlcb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &r);
	nl_cb_set(nlcb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &r);
	nl_cb_set(nlcb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, &r);
	nl_cb_err(nlcb, NL_CB_CUSTOM, on_error, &r);

	ret = exchange(ctx, msg, nlcb, &r);
	if (r.err == ENOENT && !r.ext_msg[0] && r.miss_type < 0) {
		moved = family_moved(ctx);
		if (moved > 0) {
			r = r0;
			ret = exchange(ctx, msg, nlcb, &r);
		} else if (moved < 0) {
			snprintf(r.ext_msg, sizeof(r.ext_msg),
				 "the awsvpn kernel module is not loaded");
		}
	}
	nl_cb_put(nlcb);
	awsvpn_nl_msg_free(msg);

	if (r.err) {
		report(what, strerror(r.err), &r);
		return -r.err;
	}
	if (r.cb_err) {
		awsvpn_nl_log("%s: %s", what, strerror(r.cb_err));
		return -r.cb_err;
	}
	if (ret < 0) {
		awsvpn_nl_log("%s: %s", what, nl_geterror(ret));
		return -EIO;
	}
	return r.intr ? -EAGAIN : 0;
}
