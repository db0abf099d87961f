// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn set DEV [KEYWORD VALUE]...
 * awsvpn showconf DEV
 * awsvpn setconf DEV FILE
 *
 * Every keyword is one table entry: add a row to add a setting.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
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
			kw->name, err_word(arg), AWSVPN_MSS_MIN, AWSVPN_MSS_MAX);
		return KW_USAGE;
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
			kw->name, err_word(arg), MTU_MIN, MTU_MAX);
		return KW_USAGE;
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
			kw->name, err_word(arg), AWSVPN_OUTER_MTU_MIN,
			AWSVPN_OUTER_MTU_MAX);
		return KW_USAGE;
	}
	*val = v;
	return 0;
}

/*
 * nat-keepalive: seconds, with or without "s" ("20s" is how show prints it),
 * or "off" (0).
 */
static int kw_keepalive(struct kwctx *c, const struct keyword *kw,
			const char *arg, uint64_t *val)
{
	char num[16];
	size_t len = strlen(arg);
	uint32_t v;

	(void)c;
	if (!strcmp(arg, "off")) {
		*val = 0;
		return 0;
	}
	if (len && len < sizeof(num) && arg[len - 1] == 's')
		len--;
	if (!len || len >= sizeof(num))
		goto bad;
	memcpy(num, arg, len);
	num[len] = '\0';
	if (parse_u32(num, false, &v) || v > AWSVPN_NAT_KEEPALIVE_MAX)
		goto bad;
	*val = v;
	return 0;
bad:
	err_msg("%s: invalid value '%s' (expected 0..%u seconds, e.g. 20 or 20s, or off)",
		kw->name, err_word(arg), AWSVPN_NAT_KEEPALIVE_MAX);
	return KW_USAGE;
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
			kw->name, err_word(arg));
		return KW_USAGE;
	}
	if (fstat((int)v, &st)) {
		err_msg("%s: file descriptor %u: %s", kw->name, v,
			errno == EBADF ? "not open in this process" :
			strerror(errno));
		return KW_FAIL;
	}
	if (!S_ISSOCK(st.st_mode)) {
		err_msg("%s: file descriptor %u is not a socket", kw->name, v);
		return KW_FAIL;
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
		.name = "nat-keepalive", .arg = "N|off",
		.help = "seconds between RFC 3948 NAT keepalives while\n"
			"encap is udp, 0..3600 (20 or 20s); 0 or off:\n"
			"none (default 20)",
		.parse = kw_keepalive,
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
		.name = "parallel", .arg = "on|off|auto",
		.help = "crypto of one tunnel on every CPU, packets kept\n"
			"in order (a queue hop each: more throughput on\n"
			"several CPUs, a little more latency). auto\n"
			"(default): on the workers only while a direction\n"
			"carries more than 2000 packets/s. off: on the\n"
			"CPU the packet is on",
		.parse = kw_enum, .map = parallel_names,
		.attr = AWSVPN_A_PARALLEL, .type = KW_U8,
	},
	{ .name = NULL }
};

/* Send SET_DEVICE @msg (consumed) for @dev: the command's exit status. */
static int set_send(struct nl_msg *msg, const char *dev)
{
	struct awsvpn_nl ctx;
	int ret;

	if (awsvpn_nl_open(&ctx)) {
		awsvpn_nl_msg_free(msg);
		return RC_ERR;
	}
	ret = awsvpn_nl_run(&ctx, msg, NULL, NULL, "cannot configure %s", dev);
	awsvpn_nl_close(&ctx);
	return ret ? RC_ERR : RC_OK;
}

int cmd_set(int argc, char **argv)
{
	struct kwctx c = {
		.cmd = "set", .topic = "set", .table = set_keywords,
	};
	struct nl_msg *msg;
	const char *dev;
	int ret;

	if (argc < 2) {
		err_msg("set: missing device name");
		help_hint("set");
		return RC_USAGE;
	}
	dev = argv[1];
	if (check_ifname("set", dev))
		return RC_USAGE;

	msg = awsvpn_nl_req(AWSVPN_CMD_SET_DEVICE, NLM_F_ACK);
	if (!msg || nla_put_string(msg, AWSVPN_A_IFNAME, dev) < 0) {
		err_msg("set: out of memory");
		nlmsg_free(msg);
		return RC_ERR;
	}

	c.argc = argc - 2;
	c.argv = argv + 2;
	c.msg = msg;
	ret = kw_parse(&c);
	if (ret) {
		awsvpn_nl_msg_free(msg);
		return kw_rc(ret);
	}

	return set_send(msg, dev);
}

/*
 * showconf and setconf: the settings as "keyword value" lines that set
 * takes, every one of them, defaults included; no SAs (keys never leave
 * the kernel) and no socket-fd (a descriptor belongs to a process).
 */

/* The device @name, fetched; RC_OK or RC_ERR (reported). */
static int get_one(const char *cmd, const char *name,
		   struct awsvpn_dev_list *list)
{
	struct awsvpn_nl ctx;
	int ret;

	if (awsvpn_nl_open(&ctx))
		return RC_ERR;
	ret = awsvpn_dev_get(&ctx, name, list);
	awsvpn_nl_close(&ctx);
	if (!ret && list->n != 1) {
		err_msg("%s: %s: no reply from the kernel", cmd, name);
		awsvpn_dev_list_free(list);
		ret = -EPROTO;
	}
	return ret ? RC_ERR : RC_OK;
}

/*
 * A setting of @d, or the default (@d NULL), in the encoding the keyword's
 * parser gives (kw->parse): what setconf compares and puts.
 */
static uint64_t conf_value(const struct keyword *kw, const struct awsvpn_dev *d)
{
	const char *n = kw->name;

	if (!strcmp(n, "local"))
		return d ? d->local : 0;
	if (!strcmp(n, "remote"))
		return d ? d->remote : 0;
	if (!strcmp(n, "encap"))
		return d ? d->encap : AWSVPN_ENCAP_NONE;
	if (!strcmp(n, "local-port"))
		return d ? d->local_port : AWSVPN_PORT_DEFAULT;
	if (!strcmp(n, "remote-port"))
		return d ? d->remote_port : AWSVPN_PORT_DEFAULT;
	if (!strcmp(n, "df"))
		return d ? d->df : AWSVPN_DF_CLEAR;
	if (!strcmp(n, "mss")) {
		if (d && d->mss_mode == AWSVPN_MSS_FIXED)
			return d->mss;
		return MSS_MODE_FLAG | (d ? d->mss_mode : AWSVPN_MSS_AUTO);
	}
	if (!strcmp(n, "replay-window"))
		return d ? d->replay_window : AWSVPN_REPLAY_WINDOW_DEFAULT;
	if (!strcmp(n, "mtu"))
		return d && d->mtu_mode == AWSVPN_MTU_FIXED ? d->mtu :
		       MTU_AUTO_FLAG;
	if (!strcmp(n, "outer-mtu"))
		return d ? d->outer_mtu : 0;
	if (!strcmp(n, "outer-df"))
		return d ? d->outer_df : AWSVPN_OUTER_DF_SET;
	if (!strcmp(n, "nat-keepalive"))
		return d ? d->nat_keepalive : AWSVPN_NAT_KEEPALIVE_DEFAULT;
	if (!strcmp(n, "if-id"))
		return d ? d->if_id : 0;
	if (!strcmp(n, "parallel"))
		return d ? d->parallel : AWSVPN_PARALLEL_AUTO;
	return 0;
}

/* Keywords that are settings of a file: all but socket-fd. */
static bool conf_keyword(const struct keyword *kw)
{
	return strcmp(kw->name, "socket-fd") != 0;
}

static void print_conf_value(const struct keyword *kw, uint64_t v)
{
	struct in_addr a;
	char buf[INET_ADDRSTRLEN];

	printf("%s ", kw->name);
	if (kw->parse == kw_ipv4) {
		a.s_addr = (uint32_t)v;
		printf("%s\n", inet_ntop(AF_INET, &a, buf, sizeof(buf)));
	} else if (kw->map) {
		const char *name = map_name(kw->map, (int)v);

		printf("%s\n", name ? name : "?");
	} else if (!strcmp(kw->name, "mss") && (v & MSS_MODE_FLAG)) {
		const char *name = map_name(mss_mode_names, (int)(uint32_t)v);

		printf("%s\n", name ? name : "?");
	} else if ((!strcmp(kw->name, "mtu") && (v & MTU_AUTO_FLAG)) ||
		   (!strcmp(kw->name, "outer-mtu") && !v)) {
		printf("auto\n");
	} else {
		printf("%" PRIu64 "\n", v);
	}
}

int cmd_showconf(int argc, char **argv)
{
	struct awsvpn_dev_list list;
	const struct keyword *kw;
	const struct awsvpn_dev *d;
	const char *p;
	int ret;

	if (argc != 2 || argv[1][0] == '-') {
		err_msg("showconf: %s", argc < 2 ? "missing device name" :
			argc > 2 ? "expected only DEV" : "unknown option");
		help_hint("showconf");
		return RC_USAGE;
	}
	if (check_ifname("showconf", argv[1]))
		return RC_USAGE;
	ret = get_one("showconf", argv[1], &list);
	if (ret)
		return ret;
	d = &list.dev[0];

	printf("# ");
	for (p = d->ifname; *p; p++)
		putchar(iscntrl((unsigned char)*p) ? '?' : *p);
	printf(": for 'awsvpn setconf DEV FILE'; SAs and keys are not part of it\n");
	if (d->encap == AWSVPN_ENCAP_UDP && d->socket == AWSVPN_SOCKET_ADOPTED)
		printf("# the NAT-T socket was adopted (socket-fd): setconf keeps it while\n"
		       "# encap, local and local-port stay the same\n");
	for (kw = set_keywords; kw->name; kw++)
		if (conf_keyword(kw))
			print_conf_value(kw, conf_value(kw, d));
	awsvpn_dev_list_free(&list);
	if (fflush(stdout) || ferror(stdout)) {
		err_msg("showconf: cannot write output: %s", strerror(errno));
		return RC_ERR;
	}
	return RC_OK;
}

#define CONF_MAX_WORDS	64

/*
 * Parse @f into @c, line by line: "#" starts a comment, words are separated
 * by blanks, a line holds any number of "keyword value" pairs.
 */
static int conf_read(FILE *f, const char *path, struct kwctx *c)
{
	char *line = NULL, *save, *w, ctx[256];
	char *words[CONF_MAX_WORDS];
	size_t cap = 0;
	int n, lineno = 0, ret = 0;

	err_hide_words = true;
	while (!ret && getline(&line, &cap, f) >= 0) {
		lineno++;
		snprintf(ctx, sizeof(ctx), "setconf: %s:%d", path, lineno);
		err_context = ctx;
		line[strcspn(line, "#")] = '\0';
		n = 0;
		for (w = strtok_r(line, " \t\r\n", &save); w;
		     w = strtok_r(NULL, " \t\r\n", &save)) {
			if (n == CONF_MAX_WORDS) {
				err_msg("more than %d words on a line",
					CONF_MAX_WORDS);
				ret = KW_USAGE;
				break;
			}
			words[n++] = w;
		}
		if (ret || !n)
			continue;
		if (!strcmp(words[0], "socket-fd")) {
			err_msg("socket-fd: not in a file (a descriptor belongs to a process; use 'awsvpn set')");
			ret = KW_USAGE;
			break;
		}
		c->argc = n;
		c->argv = words;
		ret = kw_parse(c);
	}
	err_context = NULL;
	err_hide_words = false;
	if (!ret && ferror(f)) {
		err_msg("setconf: %s: %s", path, strerror(errno));
		ret = KW_FAIL;
	}
	free(line);
	return ret;
}

int cmd_setconf(int argc, char **argv)
{
	struct kwctx c = { .cmd = "", .table = set_keywords };
	struct awsvpn_dev_list list;
	const struct keyword *kw;
	const char *dev, *path;
	struct nl_msg *msg;
	FILE *f;
	int ret;

	if (argc != 3) {
		err_msg("setconf: %s", argc < 3 ? "expected DEV FILE" :
			"expected only DEV FILE");
		help_hint("setconf");
		return RC_USAGE;
	}
	dev = argv[1];
	path = argv[2];
	if (check_ifname("setconf", dev))
		return RC_USAGE;

	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		err_msg("setconf: %s: %s", path, strerror(errno));
		return RC_ERR;
	}
	ret = conf_read(f, strcmp(path, "-") ? path : "(stdin)", &c);
	if (f != stdin)
		fclose(f);
	if (ret)
		return RC_ERR;	/* the file is wrong, not the command line */

	ret = get_one("setconf", dev, &list);
	if (ret)
		return ret;
	msg = awsvpn_nl_req(AWSVPN_CMD_SET_DEVICE, NLM_F_ACK);
	if (!msg || nla_put_string(msg, AWSVPN_A_IFNAME, dev) < 0) {
		err_msg("setconf: out of memory");
		nlmsg_free(msg);
		awsvpn_dev_list_free(&list);
		return RC_ERR;
	}
	/*
	 * Every setting: the file's value, or the default.  Only those that
	 * differ go into the one request (atomic: all or nothing), so that
	 * unchanged outer settings need no privilege over the outer
	 * namespace and an adopted socket stays.
	 */
	for (kw = set_keywords; kw->name; kw++) {
		uint64_t want;

		if (!conf_keyword(kw))
			continue;
		if (!kw_get(&c, kw->name, &want, NULL))
			want = conf_value(kw, NULL);
		if (want == conf_value(kw, &list.dev[0]))
			continue;
		if (kw_put(msg, kw, want) < 0) {
			err_msg("setconf: request too large");
			awsvpn_nl_msg_free(msg);
			awsvpn_dev_list_free(&list);
			return RC_ERR;
		}
	}
	awsvpn_dev_list_free(&list);

	return set_send(msg, dev);
}
