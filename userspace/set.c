// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn set DEV [KEYWORD VALUE]...
 *
 * Every keyword is one table entry: add a row to add a setting.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

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

/* mtu: a number, or "auto" flagged in the upper half. */
#define MTU_AUTO_FLAG	BIT(32)
#define MTU_MIN		68	/* IPv4 minimum, the device's min_mtu */
#define MTU_MAX		65535

static int kw_mtu(struct kwctx *c, const struct keyword *kw, const char *arg,
		  uint64_t *val)
{
	uint32_t v;

	(void)c;
	if (!strcmp(arg, "auto")) {
		*val = MTU_AUTO_FLAG;
		return 0;
	}
	if (parse_u32(arg, false, &v) || v < MTU_MIN || v > MTU_MAX) {
		err_msg("%s: invalid value '%s' (expected auto or %u..%u)",
			kw->name, arg, MTU_MIN, MTU_MAX);
		return -1;
	}
	*val = v;
	return 0;
}

static int put_mtu(struct nl_msg *msg, const struct keyword *kw, uint64_t val)
{
	(void)kw;
	if (val & MTU_AUTO_FLAG)
		return nla_put_u8(msg, AWSVPN_A_MTU_MODE, AWSVPN_MTU_AUTO);
	/* The kernel pins the MTU (AWSVPN_MTU_FIXED) when it is given. */
	return nla_put_u32(msg, AWSVPN_A_MTU, val);
}

/* outer-mtu: "auto" is 0, "from the route". */
static int kw_outer_mtu(struct kwctx *c, const struct keyword *kw,
			const char *arg, uint64_t *val)
{
	uint32_t v;

	(void)c;
	if (!strcmp(arg, "auto")) {
		*val = 0;
		return 0;
	}
	if (parse_u32(arg, false, &v) || v < AWSVPN_OUTER_MTU_MIN ||
	    v > AWSVPN_OUTER_MTU_MAX) {
		err_msg("%s: invalid value '%s' (expected auto or %u..%u)",
			kw->name, arg, AWSVPN_OUTER_MTU_MIN,
			AWSVPN_OUTER_MTU_MAX);
		return -1;
	}
	*val = v;
	return 0;
}

/*
 * socket-fd: a descriptor this process inherited (from an IKE daemon), or
 * -1.  The descriptor is only looked at (fstat), never closed or changed:
 * it stays the caller's.  Checking it before the netlink socket is opened
 * also guarantees that the number cannot be our own netlink socket.
 */
static int kw_socket_fd(struct kwctx *c, const struct keyword *kw,
			const char *arg, uint64_t *val)
{
	struct stat st;
	uint32_t v;

	(void)c;
	if (!strcmp(arg, "-1")) {
		*val = (uint32_t)-1;
		return 0;
	}
	if (parse_u32(arg, false, &v) || v > INT_MAX) {
		err_msg("%s: invalid value '%s' (expected -1 or a file descriptor number)",
			kw->name, arg);
		return -1;
	}
	if (fstat((int)v, &st)) {
		err_msg("%s: file descriptor %u: %s", kw->name, v,
			errno == EBADF ? "not open in this process" :
			strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		err_msg("%s: file descriptor %u is not a socket", kw->name, v);
		return -1;
	}
	*val = v;
	return 0;
}

static int put_socket_fd(struct nl_msg *msg, const struct keyword *kw,
			 uint64_t val)
{
	(void)kw;
	return nla_put_s32(msg, AWSVPN_A_SOCKET_FD, (int32_t)(uint32_t)val);
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
	}, {
		.name = "mtu", .arg = "auto|N",
		.help = "device MTU. auto: the largest inner packet whose\n"
			"ESP packet fits the outer MTU, from the active\n"
			"outbound SA's suite and the encapsulation\n"
			"(default; AWS's table, e.g. 1446 for AES-GCM);\n"
			"N: pin it to N, 68..65535, like ip link set mtu",
		.parse = kw_mtu, .put = put_mtu,
	}, {
		.name = "outer-mtu", .arg = "auto|N",
		.help = "MTU of the path to remote that 'mtu auto' fits\n"
			"ESP packets into. auto: from the route to remote\n"
			"(default; 1500 typical, 1500 without a route);\n"
			"N: 576..65535",
		.parse = kw_outer_mtu,
		.attr = AWSVPN_A_OUTER_MTU, .type = KW_U32,
	}, {
		.name = "outer-df", .arg = "set|clear|inherit",
		.help = "DF bit of the outer (ESP) IPv4 header. set:\n"
			"always, ESP is never fragmented (default);\n"
			"clear: never; inherit: copy it from the inner\n"
			"IPv4 packet (IPv6 inner: set)",
		.parse = kw_enum, .map = outer_df_names,
		.attr = AWSVPN_A_OUTER_DF, .type = KW_U8,
	}, {
		.name = "nat-keepalive", .arg = "N",
		.help = "seconds between RFC 3948 NAT keepalives while\n"
			"encap is udp, 0..3600; 0 = off (default 20)",
		.parse = kw_range, .min = 0, .max = AWSVPN_NAT_KEEPALIVE_MAX,
		.attr = AWSVPN_A_NAT_KEEPALIVE, .type = KW_U32,
	}, {
		.name = "socket-fd", .arg = "N|-1",
		.help = "for an IKE helper that passes its UDP 4500\n"
			"socket to the kernel by file descriptor: the\n"
			"inherited descriptor N (bound to the local port)\n"
			"becomes the NAT-T socket; ESP goes to the device,\n"
			"IKE stays on the socket. Implies encap udp.\n"
			"awsvpn never closes or changes the descriptor.\n"
			"-1: back to the module's own socket (default)",
		.parse = kw_socket_fd, .put = put_socket_fd,
	}, {
		.name = "if-id", .arg = "N",
		.help = "interface ID an IKE daemon maps its SAs to the\n"
			"device by (strongSwan's if_id_in/if_id_out),\n"
			"0..4294967295, decimal or 0x-hex; 0 = none\n"
			"(default). Unique among the awsvpn devices of\n"
			"the network namespace",
		.parse = kw_range, .min = 0, .max = UINT32_MAX, .hex = true,
		.attr = AWSVPN_A_IF_ID, .type = KW_U32,
	}, {
		.name = "parallel", .arg = "on|off",
		.help = "crypto of one tunnel on every CPU, packets kept\n"
			"in order (a queue hop each: more throughput on\n"
			"several CPUs, a little more latency). off: on\n"
			"the CPU the packet is on (default)",
		.parse = kw_enum, .map = on_off_names,
		.attr = AWSVPN_A_PARALLEL, .type = KW_U8,
	},
	{ .name = NULL }
};

int cmd_set(int argc, char **argv)
{
	struct kwctx c = {
		.cmd = "set", .topic = "set", .table = set_keywords,
	};
	struct awsvpn_nl ctx;
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

	msg = awsvpn_nl_req(AWSVPN_CMD_SET_DEVICE, NLM_F_ACK);
	if (!msg || nla_put_string(msg, AWSVPN_A_IFNAME, dev) < 0) {
		err_msg("set: out of memory");
		nlmsg_free(msg);
		return 1;
	}

	c.argc = argc - 2;
	c.argv = argv + 2;
	c.msg = msg;
	if (kw_parse(&c)) {
		awsvpn_nl_msg_free(msg);
		return 1;
	}

	if (awsvpn_nl_open(&ctx)) {
		awsvpn_nl_msg_free(msg);
		return 1;
	}
	ret = awsvpn_nl_run(&ctx, msg, NULL, NULL, "cannot configure %s", dev);
	awsvpn_nl_close(&ctx);
	return ret ? 1 : 0;
}
