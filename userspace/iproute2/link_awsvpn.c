// SPDX-License-Identifier: GPL-2.0
/*
 * link_awsvpn.so: the awsvpn printer for iproute2's "ip -d link".
 *
 * ip prints IFLA_INFO_DATA only for link kinds it has a printer for; it
 * looks for one of a kind it does not know in $IP_LIB_DIR/link_KIND.so
 * (Debian: /usr/lib/x86_64-linux-gnu/ip), as the symbol KIND_link_util.
 * This is that printer for the kind "awsvpn": the read-only
 * IFLA_AWSVPN_* attributes of kernel/uapi/awsvpn.h, as text
 *
 *	awsvpn local 0.0.0.0 remote 192.0.2.2 encap none if-id 0 df clear ...
 *
 * and, with "ip -j -d link", as linkinfo.info_data with the keys and types
 * of "awsvpn show --json".
 *
 * ip's own declarations are not installed anywhere, so the few used here
 * are repeated: struct link_util (ip/ip_common.h) and the exported printing
 * functions of lib/json_print.c.  They are the same from iproute2 4.12 to
 * at least 6.18; ip exports its symbols (-Wl,-export-dynamic) so that
 * printers like this one can call them.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "uapi/awsvpn.h"

struct link_util {
	struct link_util *next;
	const char *id;
	int maxattr;
	int (*parse_opt)(struct link_util *lu, int argc, char **argv,
			 struct nlmsghdr *n);
	void (*print_opt)(struct link_util *lu, FILE *f, struct rtattr *tb[]);
	void (*print_xstats)(struct link_util *lu, FILE *f, struct rtattr *xs);
	void (*print_help)(struct link_util *lu, int argc, char **argv,
			   FILE *f);
	int (*parse_ifla_xstats)(struct link_util *lu, int argc, char **argv);
	int (*print_ifla_xstats)(struct nlmsghdr *n, void *arg);
};

enum output_type { PRINT_FP = 1, PRINT_JSON = 2, PRINT_ANY = 4 };
enum color_attr { COLOR_NONE = 6 };

int print_color_string(enum output_type t, enum color_attr c, const char *key,
		       const char *fmt, const char *value);
int print_color_uint(enum output_type t, enum color_attr c, const char *key,
		     const char *fmt, unsigned int value);
int print_color_bool(enum output_type t, enum color_attr c, const char *key,
		     const char *fmt, bool value);
int print_color_null(enum output_type t, enum color_attr c, const char *key,
		     const char *fmt, const char *value);

/* Names as the awsvpn tool prints them (userspace/parse.c). */
static const char *const encap_names[] = { "none", "udp" };
static const char *const socket_names[] = { "none", "module", "adopted" };
static const char *const df_names[] = { "clear", "keep" };
static const char *const mss_mode_names[] = { "auto", "off", "fixed" };
static const char *const outer_df_names[] = { "set", "clear", "inherit" };
static const char *const mtu_mode_names[] = { "auto", "fixed" };
static const char *const parallel_names[] = { "off", "on", "auto" };
static const char *const carrier_reason_names[] = {
	NULL, "ok", "no-remote", "no-sa", "expired"
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static bool get(struct rtattr *tb[], int type, void *v, size_t len)
{
	if (!tb[type] || RTA_PAYLOAD(tb[type]) < len)
		return false;
	memcpy(v, RTA_DATA(tb[type]), len);
	return true;
}

static void print_addr(struct rtattr *tb[], int type, const char *key)
{
	char buf[INET_ADDRSTRLEN], fmt[32];
	struct in_addr a;

	if (!get(tb, type, &a, sizeof(a)))
		return;
	snprintf(fmt, sizeof(fmt), "%s %%s ", key);
	print_color_string(PRINT_ANY, COLOR_NONE, key, fmt,
			   inet_ntop(AF_INET, &a, buf, sizeof(buf)));
}

/* An enum by name, "unknown(N)" for a value newer than this printer. */
static void print_enum(enum output_type t, struct rtattr *tb[], int type,
		       const char *key, const char *text,
		       const char *const *names, size_t n)
{
	char buf[24], fmt[32];
	const char *name;
	__u8 v;

	if (!get(tb, type, &v, sizeof(v)))
		return;
	name = v < n ? names[v] : NULL;
	if (!name) {
		snprintf(buf, sizeof(buf), "unknown(%u)", v);
		name = buf;
	}
	snprintf(fmt, sizeof(fmt), "%s %%s ", text);
	print_color_string(t, COLOR_NONE, key, fmt, name);
}

/* A u16 or u32 attribute (@size), as a number. */
static void print_num(enum output_type t, struct rtattr *tb[], int type,
		      size_t size, const char *key, const char *text)
{
	union { __u16 u16; __u32 u32; } v;
	char fmt[32];

	if (!get(tb, type, &v, size))
		return;
	snprintf(fmt, sizeof(fmt), "%s %%u ", text);
	print_color_uint(t, COLOR_NONE, key, fmt,
			 size == sizeof(v.u16) ? v.u16 : v.u32);
}

#define print_u16(t, tb, type, key, text) \
	print_num(t, tb, type, sizeof(__u16), key, text)
#define print_u32(t, tb, type, key, text) \
	print_num(t, tb, type, sizeof(__u32), key, text)

static void awsvpn_print_opt(struct link_util *lu, FILE *f,
			     struct rtattr *tb[])
{
	__u8 encap = 0, mss_mode = 0, parallel = 0;
	enum output_type udp;
	__u16 mss = 0;
	__u32 outer_mtu = 0;

	(void)lu;
	(void)f;
	if (!tb)
		return;
	get(tb, IFLA_AWSVPN_ENCAP, &encap, sizeof(encap));
	print_addr(tb, IFLA_AWSVPN_LOCAL, "local");
	print_addr(tb, IFLA_AWSVPN_REMOTE, "remote");
	print_enum(PRINT_ANY, tb, IFLA_AWSVPN_ENCAP, "encap", "encap",
		   encap_names, N(encap_names));
	/* The UDP side only matters with encap udp; JSON has it always. */
	udp = encap == AWSVPN_ENCAP_UDP ? PRINT_ANY : PRINT_JSON;
	print_u16(udp, tb, IFLA_AWSVPN_LOCAL_PORT, "local_port", "local-port");
	print_u16(udp, tb, IFLA_AWSVPN_REMOTE_PORT, "remote_port",
		  "remote-port");
	print_enum(udp, tb, IFLA_AWSVPN_SOCKET, "socket", "socket",
		   socket_names, N(socket_names));
	print_u32(udp, tb, IFLA_AWSVPN_NAT_KEEPALIVE, "nat_keepalive",
		  "nat-keepalive");
	print_u32(PRINT_ANY, tb, IFLA_AWSVPN_IF_ID, "if_id", "if-id");
	print_enum(PRINT_ANY, tb, IFLA_AWSVPN_DF_POLICY, "df", "df", df_names,
		   N(df_names));
	/* "mss auto|off|N" as "awsvpn set" takes it; JSON: mss_mode + mss. */
	if (get(tb, IFLA_AWSVPN_MSS_MODE, &mss_mode, sizeof(mss_mode))) {
		get(tb, IFLA_AWSVPN_MSS, &mss, sizeof(mss));
		print_enum(PRINT_JSON, tb, IFLA_AWSVPN_MSS_MODE, "mss_mode",
			   "", mss_mode_names, N(mss_mode_names));
		if (mss_mode == AWSVPN_MSS_FIXED) {
			print_color_uint(PRINT_ANY, COLOR_NONE, "mss", "mss %u ",
					 mss);
		} else {
			print_enum(PRINT_FP, tb, IFLA_AWSVPN_MSS_MODE, NULL,
				   "mss", mss_mode_names, N(mss_mode_names));
			print_color_null(PRINT_JSON, COLOR_NONE, "mss", NULL,
					 NULL);
		}
	}
	print_enum(PRINT_ANY, tb, IFLA_AWSVPN_OUTER_DF, "outer_df", "outer-df",
		   outer_df_names, N(outer_df_names));
	print_enum(PRINT_ANY, tb, IFLA_AWSVPN_MTU_MODE, "mtu_mode", "mtu-mode",
		   mtu_mode_names, N(mtu_mode_names));
	if (get(tb, IFLA_AWSVPN_OUTER_MTU, &outer_mtu, sizeof(outer_mtu))) {
		print_color_uint(PRINT_JSON, COLOR_NONE, "outer_mtu", NULL,
				 outer_mtu);
		if (outer_mtu)
			print_color_uint(PRINT_FP, COLOR_NONE, NULL,
					 "outer-mtu %u ", outer_mtu);
		else
			print_color_string(PRINT_FP, COLOR_NONE, NULL,
					   "outer-mtu %s ", "auto");
	}
	print_u32(PRINT_ANY, tb, IFLA_AWSVPN_REPLAY_WINDOW, "replay_window",
		  "replay-window");
	/* JSON: "parallel" true for on and auto, as before auto came */
	if (get(tb, IFLA_AWSVPN_PARALLEL, &parallel, sizeof(parallel)))
		print_color_bool(PRINT_JSON, COLOR_NONE, "parallel", NULL,
				 parallel);
	print_enum(PRINT_ANY, tb, IFLA_AWSVPN_PARALLEL, "parallel_mode",
		   "parallel", parallel_names, N(parallel_names));
	print_enum(PRINT_ANY, tb, IFLA_AWSVPN_CARRIER_REASON, "carrier_reason",
		   "carrier-reason", carrier_reason_names,
		   N(carrier_reason_names));
}

static void awsvpn_print_help(struct link_util *lu, int argc, char **argv,
			      FILE *f)
{
	(void)lu;
	(void)argc;
	(void)argv;
	fprintf(f,
		"Usage: ip link add DEV type awsvpn\n"
		"\n"
		"An awsvpn device takes no options here: its outer side, encapsulation,\n"
		"DF, MSS and MTU settings are changed with 'awsvpn set DEV ...' and its\n"
		"SAs with 'awsvpn sa ...' (awsvpn help).  'ip -d link' shows the settings.\n");
}

static int awsvpn_parse_opt(struct link_util *lu, int argc, char **argv,
			    struct nlmsghdr *n)
{
	(void)lu;
	(void)n;
	if (argc > 0 && !strcmp(argv[0], "help")) {
		awsvpn_print_help(lu, argc, argv, stdout);
		return -1;
	}
	fprintf(stderr,
		"ip link: '%s': an awsvpn device is created without options (ip link add DEV type awsvpn);\n"
		"its settings are changed with the awsvpn tool: awsvpn set DEV KEYWORD VALUE... (awsvpn help set)\n",
		argc > 0 ? argv[0] : "");
	return -1;
}

struct link_util awsvpn_link_util = {
	.id = "awsvpn",
	.maxattr = IFLA_AWSVPN_MAX,
	.parse_opt = awsvpn_parse_opt,
	.print_opt = awsvpn_print_opt,
	.print_help = awsvpn_print_help,
};
