// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn set DEV [KEYWORD VALUE]...
 *
 * Every keyword is one table entry: add a row to add a setting.
 */
#include <string.h>

#include <netlink/attr.h>

#include "common.h"

/* mss: a number, or a mode flagged in the upper half. */
#define MSS_MODE_FLAG	BIT(32)

static int kw_mss(struct kwctx *c, const struct keyword *kw, const char *arg,
		  uint64_t *val)
{
	int mode = map_value(mss_mode_names, arg);
	uint32_t v;

	(void)c;
	if (mode >= 0) {
		*val = MSS_MODE_FLAG | mode;
		return 0;
	}
	if (parse_u32(arg, false, &v) || v < AWSVPN_MSS_MIN ||
	    v > AWSVPN_MSS_MAX) {
		err_msg("%s: invalid value '%s' (expected auto, off or %u..%u)",
			kw->name, arg, AWSVPN_MSS_MIN, AWSVPN_MSS_MAX);
		return -1;
	}
	*val = v;
	return 0;
}

static int put_mss(struct nl_msg *msg, const struct keyword *kw, uint64_t val)
{
	(void)kw;
	if (val & MSS_MODE_FLAG)
		return nla_put_u8(msg, AWSVPN_A_MSS_MODE, (uint8_t)val);
	if (nla_put_u16(msg, AWSVPN_A_MSS, val) < 0)
		return -1;
	return nla_put_u8(msg, AWSVPN_A_MSS_MODE, AWSVPN_MSS_FIXED);
}

const struct keyword set_keywords[] = {
	{
		.name = "local", .arg = "ADDR",
		.help = "outer IPv4 source address; 0.0.0.0 (default) =\n"
			"chosen by the route to remote",
		.parse = kw_ipv4, .attr = AWSVPN_A_LOCAL, .type = KW_BE32,
	}, {
		.name = "remote", .arg = "ADDR",
		.help = "outer IPv4 destination: the AWS tunnel outside\n"
			"IP; 0.0.0.0 (default) = unset",
		.parse = kw_ipv4, .attr = AWSVPN_A_REMOTE, .type = KW_BE32,
	}, {
		.name = "encap", .arg = "none|udp",
		.help = "none: raw ESP, IP protocol 50 (default); udp:\n"
			"ESP in UDP, RFC 3948 NAT traversal",
		.parse = kw_enum, .map = encap_names,
		.attr = AWSVPN_A_ENCAP, .type = KW_U8,
	}, {
		.name = "local-port", .arg = "P",
		.help = "UDP source port with encap udp, 1..65535\n"
			"(default 4500)",
		.parse = kw_range, .min = 1, .max = 65535,
		.attr = AWSVPN_A_LOCAL_PORT, .type = KW_U16,
	}, {
		.name = "remote-port", .arg = "P",
		.help = "UDP destination port with encap udp, 1..65535\n"
			"(default 4500)",
		.parse = kw_range, .min = 1, .max = 65535,
		.attr = AWSVPN_A_REMOTE_PORT, .type = KW_U16,
	}, {
		.name = "df", .arg = "clear|keep",
		.help = "DF bit of inner IPv4 packets. clear: reset it and\n"
			"fragment before encryption (default); keep:\n"
			"honour it, send ICMP fragmentation needed",
		.parse = kw_enum, .map = df_names,
		.attr = AWSVPN_A_DF_POLICY, .type = KW_U8,
	}, {
		.name = "mss", .arg = "auto|off|N",
		.help = "TCP MSS clamping of SYN/SYN-ACK. auto: from the\n"
			"device MTU (default); off: never; N: to N,\n"
			"88..65495",
		.parse = kw_mss, .put = put_mss,
	}, {
		.name = "replay-window", .arg = "N",
		.help = "replay window of new inbound SAs that name none,\n"
			"64..4096 packets (default 1024)",
		.parse = kw_range,
		.min = AWSVPN_REPLAY_WINDOW_MIN, .max = AWSVPN_REPLAY_WINDOW_MAX,
		.attr = AWSVPN_A_REPLAY_WINDOW, .type = KW_U32,
	},
	{ .name = NULL }
};

int cmd_set(int argc, char **argv)
{
	struct kwctx c = {
		.cmd = "set", .topic = "set", .table = set_keywords,
	};
	struct nlctx ctx;
	struct nl_msg *msg;
	const char *dev;
	int ret;

	if (argc < 2) {
		err_msg("set: missing device name");
		help_hint("set");
		return 1;
	}
	dev = argv[1];
	if (check_ifname("set", dev))
		return 1;

	msg = req_new(AWSVPN_CMD_SET_DEVICE, NLM_F_ACK);
	if (!msg || nla_put_string(msg, AWSVPN_A_IFNAME, dev) < 0) {
		err_msg("set: out of memory");
		nlmsg_free(msg);
		return 1;
	}

	c.argc = argc - 2;
	c.argv = argv + 2;
	c.msg = msg;
	if (kw_parse(&c)) {
		msg_free_wipe(msg);
		return 1;
	}

	if (awsvpn_nl_open(&ctx)) {
		msg_free_wipe(msg);
		return 1;
	}
	ret = req_run(&ctx, msg, NULL, NULL, "cannot configure %s", dev);
	awsvpn_nl_close(&ctx);
	return ret ? 1 : 0;
}
