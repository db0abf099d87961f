// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn sa add DEV dir in|out spi SPI enc SUITE [integ ALG] key-file FILE
 *		 [replay-window N] [seq N] [activate on-first-rx SPI_IN]
 *		 [limit LIMIT N [LIMIT N]...]
 * awsvpn sa del DEV dir in|out spi SPI
 * awsvpn sa switch DEV spi SPI
 * awsvpn sa flush DEV [dir in|out]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

#include "common.h"

#define DIR_KEYWORD {							\
	.name = "dir", .arg = "in|out",					\
	.help = "direction of the SA (required)",			\
	.parse = kw_enum, .map = dir_names,				\
	.attr = AWSVPN_SA_A_DIR, .type = KW_U8,				\
}

#define SPI_KEYWORD {							\
	.name = "spi", .arg = "SPI",					\
	.help = "security parameter index, decimal or 0x-hex,\n"	\
		">= 256 (required)",					\
	.parse = kw_spi, .attr = AWSVPN_SA_A_SPI, .type = KW_U32,	\
}

/* activate on-first-rx SPI_IN: the SPI is the word after the mode. */
static int kw_activate(struct kwctx *c, const struct keyword *kw,
		       const char *arg, uint64_t *val)
{
	uint32_t v;

	if (strcmp(arg, "on-first-rx")) {
		err_msg("%s: %s: unknown mode '%s' (expected on-first-rx SPI_IN)",
			c->cmd, kw->name, arg);
		return KW_USAGE;
	}
	if (c->argc < 1) {
		err_msg("%s: '%s on-first-rx' needs the inbound SPI (SPI_IN)",
			c->cmd, kw->name);
		return KW_USAGE;
	}
	if (parse_u32(c->argv[0], true, &v) || v < AWSVPN_SPI_MIN) {
		err_msg("%s: %s on-first-rx: invalid SPI '%s' (expected %u..%u, decimal or 0x-hex)",
			c->cmd, kw->name, c->argv[0], AWSVPN_SPI_MIN,
			UINT32_MAX);
		return KW_USAGE;
	}
	c->argc--;
	c->argv++;
	*val = v;
	return 0;
}

/* The words after "limit"; soft and hard of one kind are neighbours. */
static const struct {
	const char *name;
	const char *unit;
	int attr;
	uint64_t max;
} sa_limits[] = {
	{ "time-soft", "seconds", AWSVPN_SA_A_TIME_SOFT, UINT32_MAX },
	{ "time-hard", "seconds", AWSVPN_SA_A_TIME_HARD, UINT32_MAX },
	{ "bytes-soft", "bytes", AWSVPN_SA_A_BYTES_SOFT, UINT64_MAX },
	{ "bytes-hard", "bytes", AWSVPN_SA_A_BYTES_HARD, UINT64_MAX },
	{ "packets-soft", "packets", AWSVPN_SA_A_PACKETS_SOFT, UINT64_MAX },
	{ "packets-hard", "packets", AWSVPN_SA_A_PACKETS_HARD, UINT64_MAX },
};

static int sa_limit_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sa_limits); i++)
		if (!strcmp(sa_limits[i].name, name))
			return i;
	return -1;
}

/*
 * Strict decimal 1..max: digits only, no sign; times may end in "s"
 * ("3240s", as show prints them).
 */
static int parse_limit(const char *s, uint64_t max, bool time, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (time && *end == 's')
		end++;
	if (errno || *end || !v || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * limit LIMIT N [LIMIT N]...: @arg is the first LIMIT; further pairs are
 * taken while the next word names a limit.  The attributes go straight
 * into the request; *val is the set of limits given.
 */
static int kw_limit(struct kwctx *c, const struct keyword *kw,
		    const char *arg, uint64_t *val)
{
	uint64_t v[ARRAY_SIZE(sa_limits)] = { 0 };
	unsigned int seen = 0;
	const char *name = arg;
	size_t i;
	int l;

	for (;;) {
		l = sa_limit_find(name);
		if (l < 0) {
			err_msg("%s: %s: unknown limit '%s' (expected time-soft, time-hard, bytes-soft, bytes-hard, packets-soft or packets-hard)",
				c->cmd, kw->name, name);
			return KW_USAGE;
		}
		if (seen & (1U << l)) {
			err_msg("%s: %s: '%s' given more than once", c->cmd,
				kw->name, name);
			return KW_USAGE;
		}
		if (c->argc < 1) {
			err_msg("%s: %s: '%s' needs a value (%s)", c->cmd,
				kw->name, name, sa_limits[l].unit);
			return KW_USAGE;
		}
		if (parse_limit(c->argv[0], sa_limits[l].max,
				sa_limits[l].max == UINT32_MAX, &v[l])) {
			err_msg("%s: %s %s: invalid value '%s' (expected 1..%" PRIu64 " %s)",
				c->cmd, kw->name, name, c->argv[0],
				sa_limits[l].max, sa_limits[l].unit);
			return KW_USAGE;
		}
		seen |= 1U << l;
		c->argc--;
		c->argv++;
		if (c->argc < 1 || sa_limit_find(c->argv[0]) < 0)
			break;
		name = c->argv[0];
		c->argc--;
		c->argv++;
	}

	for (i = 0; i < ARRAY_SIZE(sa_limits); i += 2) {
		if (v[i] && v[i + 1] && v[i] > v[i + 1]) {
			err_msg("%s: %s: %s %" PRIu64 " exceeds %s %" PRIu64,
				c->cmd, kw->name, sa_limits[i].name, v[i],
				sa_limits[i + 1].name, v[i + 1]);
			return KW_USAGE;
		}
	}

	for (i = 0; c->msg && i < ARRAY_SIZE(sa_limits); i++) {
		int ret;

		if (!(seen & (1U << i)))
			continue;
		if (sa_limits[i].max == UINT32_MAX)
			ret = nla_put_u32(c->msg, sa_limits[i].attr, v[i]);
		else
			ret = nla_put_u64(c->msg, sa_limits[i].attr, v[i]);
		if (ret < 0) {
			err_msg("%s: request too large", c->cmd);
			return KW_FAIL;
		}
	}
	*val = seen;
	return 0;
}

const struct keyword sa_add_keywords[] = {
	DIR_KEYWORD,
	SPI_KEYWORD,
	{
		.name = "enc", .arg = "SUITE",
		.help = "aes128-gcm16, aes256-gcm16, or AES-CBC: aes128,\n"
			"aes256 (required)",
		.parse = kw_enum, .map = enc_names,
		.attr = AWSVPN_SA_A_ENC, .type = KW_U8,
	}, {
		.name = "integ", .arg = "ALG",
		.help = "sha1, sha2-256, sha2-384 or sha2-512; required\n"
			"with CBC, not allowed with GCM",
		.parse = kw_enum, .map = integ_names,
		.attr = AWSVPN_SA_A_INTEG, .type = KW_U8,
	}, {
		.name = "key-file", .arg = "FILE",
		.help = "file holding the keys in hex, - for stdin\n"
			"(required)",
		.parse = kw_string,
	}, {
		.name = "replay-window", .arg = "N",
		.help = "inbound only: replay window, 64..4096 packets\n"
			"(default: the device's replay-window)",
		.parse = kw_range,
		.min = AWSVPN_REPLAY_WINDOW_MIN, .max = AWSVPN_REPLAY_WINDOW_MAX,
		.attr = AWSVPN_SA_A_REPLAY_WINDOW, .type = KW_U32,
	}, {
		.name = "seq", .arg = "N",
		.help = "outbound only: last sequence number sent, the\n"
			"next packet carries N+1; decimal or 0x-hex\n"
			"(default 0; the kernel refuses 4294967295)",
		.parse = kw_range, .min = 0, .max = UINT32_MAX, .hex = true,
		.attr = AWSVPN_SA_A_SEQ, .type = KW_U32,
	}, {
		.name = "activate", .arg = "on-first-rx SPI_IN",
		.help = "outbound only: install the SA pending (when\n"
			"another one is active) and switch to it by itself\n"
			"once the first authentic packet arrives on the\n"
			"inbound SA SPI_IN: proof that the peer has its\n"
			"side of the new pair",
		.parse = kw_activate,
		.attr = AWSVPN_SA_A_ACTIVATE_ON_RX, .type = KW_U32,
	}, {
		.name = "limit", .arg = "LIMIT N...",
		.help = "lifetime, any of these pairs in any order:\n"
			"  time-soft S, time-hard S   seconds after install\n"
			"  bytes-soft B, bytes-hard B   inner bytes\n"
			"  packets-soft N, packets-hard N\n"
			"soft: one sa-soft-expire event (time to rekey);\n"
			"hard: the SA stops and is deleted (sa-hard-expire).\n"
			"Soft must not exceed hard.  Default: no limits",
		.parse = kw_limit,
	},
	{ .name = NULL }
};

const struct keyword sa_del_keywords[] = {
	DIR_KEYWORD,
	SPI_KEYWORD,
	{ .name = NULL }
};

const struct keyword sa_switch_keywords[] = {
	{
		.name = "spi", .arg = "SPI",
		.help = "the outbound SA that sends from now on (required)",
		.parse = kw_spi, .attr = AWSVPN_SA_A_SPI, .type = KW_U32,
	},
	{ .name = NULL }
};

static bool require(const struct kwctx *c, const char *name)
{
	if (kw_get(c, name, NULL, NULL))
		return true;
	err_msg("%s: missing '%s'", c->cmd, name);
	help_hint(c->topic);
	return false;
}

/* Cross-keyword rules; the kernel checks them too. */
static int sa_add_check(const struct kwctx *c, int *enc, int *integ)
{
	uint64_t dir, v;

	if (!require(c, "dir") || !require(c, "spi") || !require(c, "enc") ||
	    !require(c, "key-file"))
		return KW_USAGE;
	kw_get(c, "dir", &dir, NULL);
	kw_get(c, "enc", &v, NULL);
	*enc = v;
	*integ = kw_get(c, "integ", &v, NULL) ? (int)v : AWSVPN_INTEG_NONE;

	if (awsvpn_enc_is_aead(*enc) && *integ != AWSVPN_INTEG_NONE) {
		err_msg("sa add: %s is authenticated encryption: integ %s not allowed",
			map_name(enc_names, *enc), map_name(integ_names, *integ));
		return KW_USAGE;
	}
	if (!awsvpn_enc_is_aead(*enc) && *integ == AWSVPN_INTEG_NONE) {
		err_msg("sa add: %s (CBC) needs integ (sha1, sha2-256, sha2-384 or sha2-512)",
			map_name(enc_names, *enc));
		return KW_USAGE;
	}
	if (dir == AWSVPN_DIR_OUT && kw_get(c, "replay-window", NULL, NULL)) {
		err_msg("sa add: replay-window applies to inbound SAs only");
		return KW_USAGE;
	}
	if (dir == AWSVPN_DIR_IN && kw_get(c, "seq", NULL, NULL)) {
		err_msg("sa add: seq applies to outbound SAs only");
		return KW_USAGE;
	}
	if (dir == AWSVPN_DIR_IN && kw_get(c, "activate", NULL, NULL)) {
		err_msg("sa add: activate on-first-rx applies to outbound SAs only");
		return KW_USAGE;
	}
	return 0;
}

/* Read the key file, check its length, add ENC_KEY and INTEG_KEY. */
static int sa_add_keys(const struct kwctx *c, struct nl_msg *msg, int enc,
		       int integ)
{
	size_t elen = awsvpn_enc_key_len(enc), ilen = awsvpn_integ_key_len(integ), len;
	const char *path;
	uint8_t *key;
	int ret = KW_FAIL;

	kw_get(c, "key-file", NULL, &path);
	key = key_buf_alloc();
	if (!key) {
		err_msg("key-file: out of memory");
		return KW_FAIL;
	}
	if (key_file_read(path, key, &len))
		goto out;

	if (len != elen + ilen) {
		if (ilen)
			err_msg("key-file: %s with %s needs %zu bytes (%zu hex digits), got %zu",
				map_name(enc_names, enc),
				map_name(integ_names, integ),
				elen + ilen, 2 * (elen + ilen), len);
		else
			err_msg("key-file: %s needs %zu bytes (%zu hex digits), got %zu",
				map_name(enc_names, enc), elen, 2 * elen, len);
		goto out;
	}

	if (nla_put(msg, AWSVPN_SA_A_ENC_KEY, elen, key) < 0 ||
	    (ilen && nla_put(msg, AWSVPN_SA_A_INTEG_KEY, ilen, key + elen) < 0)) {
		err_msg("sa add: request too large");
		goto out;
	}
	ret = 0;
out:
	key_buf_free(key);
	return ret;
}

enum sa_op { SA_ADD, SA_DEL, SA_SWITCH };

static const struct {
	const char *cmd;
	const struct keyword *table;
	uint8_t genl_cmd;
} sa_ops[] = {
	[SA_ADD] = { "sa add", sa_add_keywords, AWSVPN_CMD_NEW_SA },
	[SA_DEL] = { "sa del", sa_del_keywords, AWSVPN_CMD_DEL_SA },
	[SA_SWITCH] = { "sa switch", sa_switch_keywords, AWSVPN_CMD_SWITCH_SA },
};

static int sa_cmd(int argc, char **argv, enum sa_op op)
{
	const char *cmd = sa_ops[op].cmd;
	struct kwctx c = {
		.cmd = cmd, .topic = "sa", .table = sa_ops[op].table,
	};
	bool add = op == SA_ADD;
	struct nlattr *nest;
	struct awsvpn_nl ctx;
	struct nl_msg *msg;
	uint64_t dir = 0, spi = 0;
	int enc, integ, ret;
	const char *dev;

	if (argc < 2) {
		err_msg("%s: missing device name", cmd);
		help_hint("sa");
		return RC_USAGE;
	}
	dev = argv[1];
	if (check_ifname(cmd, dev))
		return RC_USAGE;

	msg = awsvpn_nl_req(sa_ops[op].genl_cmd, NLM_F_ACK);
	if (!msg || nla_put_string(msg, AWSVPN_A_IFNAME, dev) < 0 ||
	    !(nest = nla_nest_start(msg, AWSVPN_A_SA))) {
		err_msg("%s: out of memory", cmd);
		nlmsg_free(msg);
		return RC_ERR;
	}

	c.argc = argc - 2;
	c.argv = argv + 2;
	c.msg = msg;
	ret = kw_parse(&c);
	if (ret)
		goto fail;

	if (add) {
		ret = sa_add_check(&c, &enc, &integ);
		if (!ret)
			ret = sa_add_keys(&c, msg, enc, integ);
		if (ret)
			goto fail;
	} else if ((op == SA_DEL && !require(&c, "dir")) ||
		   !require(&c, "spi")) {
		ret = KW_USAGE;
		goto fail;
	}
	nla_nest_end(msg, nest);
	kw_get(&c, "dir", &dir, NULL);
	kw_get(&c, "spi", &spi, NULL);

	if (awsvpn_nl_open(&ctx)) {
		ret = KW_FAIL;
		goto fail;
	}
	if (op == SA_SWITCH)
		ret = awsvpn_nl_run(&ctx, msg, NULL, NULL,
			      "cannot switch %s to sa out spi %s", dev,
			      SPI_STR(spi));
	else
		ret = awsvpn_nl_run(&ctx, msg, NULL, NULL,
			      "cannot %s sa %s spi %s %s %s",
			      add ? "add" : "delete", map_name(dir_names, dir),
			      SPI_STR(spi), add ? "to" : "from", dev);
	awsvpn_nl_close(&ctx);
	return ret ? RC_ERR : RC_OK;

fail:
	awsvpn_nl_msg_free(msg);
	return kw_rc(ret);
}

const struct keyword sa_flush_keywords[] = {
	{
		.name = "dir", .arg = "in|out",
		.help = "only the SAs of this direction (default: all)",
		.parse = kw_enum, .map = dir_names,
	},
	{ .name = NULL }
};

/*
 * sa flush DEV [dir in|out]: every SA of the device (of one direction),
 * deleted one by one with DEL_SA, outbound first.  Not atomic: an SA added
 * meanwhile may stay, one that expires meanwhile is not missed (ENOENT).
 * Each deletion raises its sa-deleted event, as "sa del" does.
 */
static int sa_flush(int argc, char **argv)
{
	struct kwctx c = {
		.cmd = "sa flush", .topic = "sa", .table = sa_flush_keywords,
	};
	struct awsvpn_dev_list list;
	struct awsvpn_nl ctx;
	const char *dev;
	uint64_t only = 0;
	int pass, ret, rc = RC_OK;
	size_t i;

	if (argc < 2) {
		err_msg("sa flush: missing device name");
		help_hint("sa");
		return RC_USAGE;
	}
	dev = argv[1];
	if (check_ifname("sa flush", dev))
		return RC_USAGE;
	c.argc = argc - 2;
	c.argv = argv + 2;
	ret = kw_parse(&c);
	if (ret)
		return kw_rc(ret);
	kw_get(&c, "dir", &only, NULL);

	if (awsvpn_nl_open(&ctx))
		return RC_ERR;
	if (awsvpn_dev_get(&ctx, dev, &list)) {
		awsvpn_nl_close(&ctx);
		return RC_ERR;
	}
	for (pass = 0; pass < 2; pass++) {
		uint8_t dir = pass ? AWSVPN_DIR_IN : AWSVPN_DIR_OUT;

		if (only && only != dir)
			continue;
		for (i = 0; list.n == 1 && i < list.dev[0].n_sa; i++) {
			const struct awsvpn_sa *sa = &list.dev[0].sa[i];
			struct nlattr *nest;
			struct nl_msg *msg;

			if (sa->dir != dir || !(sa->has & BIT(AWSVPN_SA_A_SPI)))
				continue;
			msg = awsvpn_nl_req(AWSVPN_CMD_DEL_SA, NLM_F_ACK);
			if (!msg || nla_put_string(msg, AWSVPN_A_IFNAME, dev) < 0 ||
			    !(nest = nla_nest_start(msg, AWSVPN_A_SA)) ||
			    nla_put_u8(msg, AWSVPN_SA_A_DIR, dir) < 0 ||
			    nla_put_u32(msg, AWSVPN_SA_A_SPI, sa->spi) < 0) {
				err_msg("sa flush: out of memory");
				nlmsg_free(msg);
				rc = RC_ERR;
				goto out;
			}
			nla_nest_end(msg, nest);
			/* Gone by itself meanwhile (expired): nothing to do. */
			ctx.expected[0] = ENOENT;
			ret = awsvpn_nl_run(&ctx, msg, NULL, NULL,
					    "cannot delete sa %s spi %s from %s",
					    map_name(dir_names, dir),
					    SPI_STR(sa->spi), dev);
			ctx.expected[0] = 0;
			if (ret && ret != -ENOENT)
				rc = RC_ERR;
		}
	}
out:
	awsvpn_dev_list_free(&list);
	awsvpn_nl_close(&ctx);
	return rc;
}

int cmd_sa(int argc, char **argv)
{
	if (argc < 2) {
		err_msg("sa: missing subcommand (add, del, switch or flush)");
		help_hint("sa");
		return RC_USAGE;
	}
	if (!strcmp(argv[1], "add"))
		return sa_cmd(argc - 1, argv + 1, SA_ADD);
	if (!strcmp(argv[1], "del") || !strcmp(argv[1], "delete"))
		return sa_cmd(argc - 1, argv + 1, SA_DEL);
	if (!strcmp(argv[1], "switch"))
		return sa_cmd(argc - 1, argv + 1, SA_SWITCH);
	if (!strcmp(argv[1], "flush"))
		return sa_flush(argc - 1, argv + 1);
	err_msg("sa: unknown subcommand '%s' (expected add, del, switch or flush)",
		argv[1]);
	help_hint("sa");
	return RC_USAGE;
}
