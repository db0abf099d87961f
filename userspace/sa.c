// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn sa add DEV dir in|out spi SPI enc SUITE [integ ALG] key-file FILE
 *		 [replay-window N] [seq N]
 * awsvpn sa del DEV dir in|out spi SPI
 */
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
			"(default 0)",
		.parse = kw_range, .min = 0, .max = UINT32_MAX, .hex = true,
		.attr = AWSVPN_SA_A_SEQ, .type = KW_U32,
	},
	{ .name = NULL }
};

const struct keyword sa_del_keywords[] = {
	DIR_KEYWORD,
	SPI_KEYWORD,
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
		return -1;
	kw_get(c, "dir", &dir, NULL);
	kw_get(c, "enc", &v, NULL);
	*enc = v;
	*integ = kw_get(c, "integ", &v, NULL) ? (int)v : AWSVPN_INTEG_NONE;

	if (enc_is_aead(*enc) && *integ != AWSVPN_INTEG_NONE) {
		err_msg("sa add: %s is authenticated encryption: integ %s not allowed",
			map_name(enc_names, *enc), map_name(integ_names, *integ));
		return -1;
	}
	if (!enc_is_aead(*enc) && *integ == AWSVPN_INTEG_NONE) {
		err_msg("sa add: %s (CBC) needs integ (sha1, sha2-256, sha2-384 or sha2-512)",
			map_name(enc_names, *enc));
		return -1;
	}
	if (dir == AWSVPN_DIR_OUT && kw_get(c, "replay-window", NULL, NULL)) {
		err_msg("sa add: replay-window applies to inbound SAs only");
		return -1;
	}
	if (dir == AWSVPN_DIR_IN && kw_get(c, "seq", NULL, NULL)) {
		err_msg("sa add: seq applies to outbound SAs only");
		return -1;
	}
	return 0;
}

/* Read the key file, check its length, add ENC_KEY and INTEG_KEY. */
static int sa_add_keys(const struct kwctx *c, struct nl_msg *msg, int enc,
		       int integ)
{
	size_t elen = enc_key_len(enc), ilen = integ_key_len(integ), len;
	const char *path;
	uint8_t *key;
	int ret = -1;

	kw_get(c, "key-file", NULL, &path);
	key = key_buf_alloc();
	if (!key) {
		err_msg("key-file: out of memory");
		return -1;
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

static int sa_cmd(int argc, char **argv, bool add)
{
	const char *cmd = add ? "sa add" : "sa del";
	struct kwctx c = {
		.cmd = cmd, .topic = "sa",
		.table = add ? sa_add_keywords : sa_del_keywords,
	};
	struct nlattr *nest;
	struct nlctx ctx;
	struct nl_msg *msg;
	uint64_t dir = 0, spi = 0;
	int enc, integ, ret;
	const char *dev;

	if (argc < 2) {
		err_msg("%s: missing device name", cmd);
		help_hint("sa");
		return 1;
	}
	dev = argv[1];
	if (check_ifname(cmd, dev))
		return 1;

	msg = req_new(add ? AWSVPN_CMD_NEW_SA : AWSVPN_CMD_DEL_SA, NLM_F_ACK);
	if (!msg || nla_put_string(msg, AWSVPN_A_IFNAME, dev) < 0 ||
	    !(nest = nla_nest_start(msg, AWSVPN_A_SA))) {
		err_msg("%s: out of memory", cmd);
		nlmsg_free(msg);
		return 1;
	}

	c.argc = argc - 2;
	c.argv = argv + 2;
	c.msg = msg;
	if (kw_parse(&c))
		goto fail;

	if (add) {
		if (sa_add_check(&c, &enc, &integ) ||
		    sa_add_keys(&c, msg, enc, integ))
			goto fail;
	} else if (!require(&c, "dir") || !require(&c, "spi")) {
		goto fail;
	}
	nla_nest_end(msg, nest);
	kw_get(&c, "dir", &dir, NULL);
	kw_get(&c, "spi", &spi, NULL);

	if (awsvpn_nl_open(&ctx))
		goto fail;
	ret = req_run(&ctx, msg, NULL, NULL, "cannot %s sa %s spi 0x%08x %s %s",
		      add ? "add" : "delete", map_name(dir_names, dir),
		      (unsigned int)spi, add ? "to" : "from", dev);
	awsvpn_nl_close(&ctx);
	return ret ? 1 : 0;

fail:
	msg_free_wipe(msg);
	return 1;
}

int cmd_sa(int argc, char **argv)
{
	if (argc < 2) {
		err_msg("sa: missing subcommand (add or del)");
		help_hint("sa");
		return 1;
	}
	if (!strcmp(argv[1], "add"))
		return sa_cmd(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "del") || !strcmp(argv[1], "delete"))
		return sa_cmd(argc - 1, argv + 1, false);
	err_msg("sa: unknown subcommand '%s' (expected add or del)", argv[1]);
	help_hint("sa");
	return 1;
}
