// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn show [DEV] [--json]
 *
 * Replies are first collected into plain structures, so that nothing is
 * printed when a request fails halfway and both output formats share one
 * parser.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>


#include "common.h"

struct stat_desc {
	const char *text;	/* label in the rx:/tx: lines */
	const char *json;
	bool count_first;	/* "12 packets" rather than "replay 0" */
};

static const struct stat_desc stat_desc[AWSVPN_STAT_MAX + 1] = {
	[AWSVPN_STAT_RX_PACKETS] = { "packets", "rx_packets", true },
	[AWSVPN_STAT_RX_BYTES] = { "bytes", "rx_bytes", true },
	[AWSVPN_STAT_TX_PACKETS] = { "packets", "tx_packets", true },
	[AWSVPN_STAT_TX_BYTES] = { "bytes", "tx_bytes", true },
	[AWSVPN_STAT_RX_REPLAY] = { "replay", "rx_replay", false },
	[AWSVPN_STAT_RX_AUTH_FAIL] = { "auth-fail", "rx_auth_fail", false },
	[AWSVPN_STAT_RX_BAD_TRAILER] = { "bad-trailer", "rx_bad_trailer", false },
	[AWSVPN_STAT_RX_NO_SA] = { "no-sa", "rx_no_sa", false },
	[AWSVPN_STAT_RX_ERRORS] = { "errors", "rx_errors", false },
	[AWSVPN_STAT_TX_NO_SA] = { "no-sa", "tx_no_sa", false },
	[AWSVPN_STAT_TX_SEQ_EXHAUSTED] = { "seq-exhausted", "tx_seq_exhausted", false },
	[AWSVPN_STAT_TX_ERRORS] = { "errors", "tx_errors", false },
	[AWSVPN_STAT_TX_DF_RESET] = { "df-reset", "tx_df_reset", false },
	[AWSVPN_STAT_TX_FRAGMENTED] = { "fragmented", "tx_fragmented", false },
	[AWSVPN_STAT_TX_FRAGMENTS] = { "fragments", "tx_fragments", false },
	[AWSVPN_STAT_TX_ICMP] = { "icmp-sent", "tx_icmp", false },
	[AWSVPN_STAT_MSS_CLAMPED] = { "mss-clamped", "mss_clamped", false },
	[AWSVPN_STAT_NAT_KEEPALIVE_TX] = { "keepalive-tx", "nat_keepalive_tx", false },
	[AWSVPN_STAT_NAT_KEEPALIVE_RX] = { "keepalive-rx", "nat_keepalive_rx", false },
};

/* Order of the counters on the text rx: and tx: lines; 0 ends a line. */
static const int rx_line[] = {
	AWSVPN_STAT_RX_PACKETS, AWSVPN_STAT_RX_BYTES, AWSVPN_STAT_RX_REPLAY,
	AWSVPN_STAT_RX_AUTH_FAIL, AWSVPN_STAT_RX_BAD_TRAILER,
	AWSVPN_STAT_RX_NO_SA, AWSVPN_STAT_RX_ERRORS, 0
};

static const int tx_line[] = {
	AWSVPN_STAT_TX_PACKETS, AWSVPN_STAT_TX_BYTES, AWSVPN_STAT_TX_NO_SA,
	AWSVPN_STAT_TX_SEQ_EXHAUSTED, AWSVPN_STAT_TX_ERRORS, 0
};

/* Fragmentation before encryption, and what was sent instead. */
static const int frag_line[] = {
	AWSVPN_STAT_TX_DF_RESET, AWSVPN_STAT_TX_FRAGMENTED,
	AWSVPN_STAT_TX_FRAGMENTS, AWSVPN_STAT_TX_ICMP, 0
};

static const int tcp_line[] = { AWSVPN_STAT_MSS_CLAMPED, 0 };

static const int nat_line[] = {
	AWSVPN_STAT_NAT_KEEPALIVE_TX, AWSVPN_STAT_NAT_KEEPALIVE_RX, 0
};

/* Name of an enum value, or "unknown(N)" from a newer kernel. */
static const char *enum_name(const struct name_map *map, int v, char *buf,
			     size_t size)
{
	const char *name = map_name(map, v);

	if (name)
		return name;
	snprintf(buf, size, "unknown(%d)", v);
	return buf;
}

#define ENUM_NAME(map, v)	enum_name(map, v, (char[24]){ 0 }, 24)

static const char *ipv4_str(uint32_t be, char *buf)
{
	struct in_addr a = { .s_addr = be };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

#define IPV4_STR(be)	ipv4_str(be, (char[INET_ADDRSTRLEN]){ 0 })

/* Text output */

static void print_bytes(uint64_t b)
{
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	double v = b;
	int i = -1;

	if (b < 1024) {
		printf("%" PRIu64 " B", b);
		return;
	}
	while (v >= 1024 && i < (int)ARRAY_SIZE(units) - 1) {
		v /= 1024;
		i++;
	}
	printf("%.2f %s", v, units[i]);
}

static void print_stat_line(const char *indent, const char *label,
			    const struct awsvpn_stats *st, const int *line)
{
	bool first = true;

	for (; *line; line++) {
		const struct stat_desc *s = &stat_desc[*line];

		if (!(st->has & BIT(*line)))
			continue;
		if (first)
			printf("%s%s: ", indent, label);
		else
			printf(", ");
		if (s->count_first)
			printf("%" PRIu64 " %s", st->v[*line], s->text);
		else
			printf("%s %" PRIu64, s->text, st->v[*line]);
		first = false;
	}
	if (!first)
		putchar('\n');
}

/* Inner packets or bytes through @sa, what its limits count. */
static uint64_t sa_count(const struct awsvpn_sa *sa, bool bytes)
{
	bool out = sa->dir == AWSVPN_DIR_OUT;

	if (bytes)
		return sa->st.v[out ? AWSVPN_STAT_TX_BYTES : AWSVPN_STAT_RX_BYTES];
	return sa->st.v[out ? AWSVPN_STAT_TX_PACKETS : AWSVPN_STAT_RX_PACKETS];
}

static void print_limit(bool *first, const char *name, uint64_t limit,
			const char *unit, uint64_t used, bool time)
{
	printf("%s%s %" PRIu64 "%s", *first ? "    limits: " : ", ", name,
	       limit, unit);
	if (used >= limit)
		printf(" (reached)");
	else if (time)
		printf(" (in %" PRIu64 "s)", limit - used);
	else
		printf(" (%" PRIu64 " left)", limit - used);
	*first = false;
}

/* "limits: time-hard 3600s (in 3597s), packets-soft 5 (reached), ..." */
static void print_limits_text(const struct awsvpn_sa *sa)
{
	uint64_t age = sa->age, bytes = sa_count(sa, true);
	uint64_t packets = sa_count(sa, false);
	bool first = true;

	if (sa->has & BIT(AWSVPN_SA_A_TIME_SOFT))
		print_limit(&first, "time-soft", sa->time_soft, "s", age, true);
	if (sa->has & BIT(AWSVPN_SA_A_TIME_HARD))
		print_limit(&first, "time-hard", sa->time_hard, "s", age, true);
	if (sa->has & BIT(AWSVPN_SA_A_BYTES_SOFT))
		print_limit(&first, "bytes-soft", sa->bytes_soft, "", bytes,
			    false);
	if (sa->has & BIT(AWSVPN_SA_A_BYTES_HARD))
		print_limit(&first, "bytes-hard", sa->bytes_hard, "", bytes,
			    false);
	if (sa->has & BIT(AWSVPN_SA_A_PACKETS_SOFT))
		print_limit(&first, "packets-soft", sa->packets_soft, "",
			    packets, false);
	if (sa->has & BIT(AWSVPN_SA_A_PACKETS_HARD))
		print_limit(&first, "packets-hard", sa->packets_hard, "",
			    packets, false);
	if (!first)
		putchar('\n');
}

static void print_sa_text(const struct awsvpn_sa *sa)
{
	printf("  sa");
	if (sa->has & BIT(AWSVPN_SA_A_DIR))
		printf(" %s", ENUM_NAME(dir_names, sa->dir));
	if (sa->has & BIT(AWSVPN_SA_A_SPI))
		printf(" spi 0x%08x", sa->spi);
	if (sa->has & BIT(AWSVPN_SA_A_ENC))
		printf(" %s", ENUM_NAME(enc_names, sa->enc));
	if ((sa->has & BIT(AWSVPN_SA_A_INTEG)) && sa->integ != AWSVPN_INTEG_NONE)
		printf(" %s", ENUM_NAME(integ_names, sa->integ));
	if (sa->has & BIT(AWSVPN_SA_A_STATE))
		printf(" %s", ENUM_NAME(sa_state_names, sa->state));
	if (sa->has & BIT(AWSVPN_SA_A_REPLAY_WINDOW))
		printf(" window %u", sa->replay_window);
	if (sa->has & BIT(AWSVPN_SA_A_SEQ))
		printf(" seq %u", sa->seq);
	if (sa->has & BIT(AWSVPN_SA_A_AGE))
		printf(" age %us", sa->age);
	if ((sa->has & BIT(AWSVPN_SA_A_SOFT_EXPIRED)) && sa->soft_expired)
		printf(" soft-expired");
	putchar('\n');
	if (sa->has & BIT(AWSVPN_SA_A_ACTIVATE_ON_RX))
		printf("    activate: on-first-rx spi 0x%08x\n",
		       sa->activate_on_rx);
	print_limits_text(sa);
	printf("    key: (hidden)\n");
	if (sa->has & BIT(AWSVPN_SA_A_CRYPTO_DRIVER))
		printf("    crypto: %s\n", sa->driver);
	print_stat_line("    ", "rx", &sa->st, rx_line);
	print_stat_line("    ", "tx", &sa->st, tx_line);
}

/* Outbound SAs first, then inbound, in kernel order within each. */
static bool sa_in_pass(const struct awsvpn_sa *sa, int pass)
{
	bool out = (sa->has & BIT(AWSVPN_SA_A_DIR)) &&
		   sa->dir == AWSVPN_DIR_OUT;

	return pass == 0 ? out : !out;
}

/* "latest rx: 1.2 s ago"; the kernel leaves the attribute out for never. */
static void print_latest(const char *what, const struct awsvpn_dev *d, int attr,
			 uint64_t ms)
{
	if (d->has & BIT(attr))
		printf("  latest %s: %" PRIu64 ".%" PRIu64 " s ago\n", what,
		       ms / 1000, ms % 1000 / 100);
	else
		printf("  latest %s: never\n", what);
}

static void print_dev_text(const struct awsvpn_dev *d)
{
	const char *p;
	size_t i;
	int pass;

	/* Device names are not trusted to be free of terminal controls. */
	printf("interface: ");
	for (p = d->ifname; *p; p++)
		putchar(iscntrl((unsigned char)*p) ? '?' : *p);
	putchar('\n');
	if (d->has & BIT(AWSVPN_A_LOCAL))
		printf("  local: %s\n", IPV4_STR(d->local));
	if (d->has & BIT(AWSVPN_A_REMOTE))
		printf("  remote: %s\n", IPV4_STR(d->remote));
	/* "up", or "down (why)"; an older module sends neither. */
	if (d->has & BIT(AWSVPN_A_CARRIER)) {
		printf("  carrier: %s", d->carrier ? "up" : "down");
		if (!d->carrier && (d->has & BIT(AWSVPN_A_CARRIER_REASON)))
			printf(" (%s)", ENUM_NAME(carrier_reason_names,
						  d->carrier_reason));
		putchar('\n');
	}
	if (d->has & BIT(AWSVPN_A_ENCAP)) {
		printf("  encap: %s", ENUM_NAME(encap_names, d->encap));
		if (d->encap == AWSVPN_ENCAP_UDP &&
		    (d->has & BIT(AWSVPN_A_LOCAL_PORT)) &&
		    (d->has & BIT(AWSVPN_A_REMOTE_PORT)))
			printf(" %u -> %u", d->local_port, d->remote_port);
		putchar('\n');
	}
	if ((d->has & BIT(AWSVPN_A_SOCKET)) && d->encap == AWSVPN_ENCAP_UDP)
		printf("  socket: %s\n", ENUM_NAME(socket_names, d->socket));
	if (d->has & BIT(AWSVPN_A_DF_POLICY))
		printf("  df: %s\n", ENUM_NAME(df_names, d->df));
	if (d->has & BIT(AWSVPN_A_MSS_MODE)) {
		if (d->mss_mode == AWSVPN_MSS_FIXED &&
		    (d->has & BIT(AWSVPN_A_MSS)))
			printf("  mss: %u\n", d->mss);
		else
			printf("  mss: %s\n",
			       d->mss_mode == AWSVPN_MSS_FIXED ? "fixed" :
			       ENUM_NAME(mss_mode_names, d->mss_mode));
	}
	if (d->has & BIT(AWSVPN_A_REPLAY_WINDOW))
		printf("  replay-window: %u\n", d->replay_window);
	if (d->has & BIT(AWSVPN_A_MTU)) {
		printf("  mtu: %u", d->mtu);
		if (d->has & BIT(AWSVPN_A_MTU_MODE))
			printf(" (%s)", ENUM_NAME(mtu_mode_names, d->mtu_mode));
		putchar('\n');
	}
	if (d->has & BIT(AWSVPN_A_OUTER_MTU)) {
		if (d->outer_mtu)
			printf("  outer-mtu: %u\n", d->outer_mtu);
		else
			printf("  outer-mtu: auto\n");
	}
	if (d->has & BIT(AWSVPN_A_OUTER_DF))
		printf("  outer-df: %s\n", ENUM_NAME(outer_df_names, d->outer_df));
	if (d->has & BIT(AWSVPN_A_NAT_KEEPALIVE)) {
		if (d->nat_keepalive)
			printf("  nat-keepalive: %us\n", d->nat_keepalive);
		else
			printf("  nat-keepalive: off\n");
	}
	/* 0 is "none", the usual case: not worth a line. */
	if ((d->has & BIT(AWSVPN_A_IF_ID)) && d->if_id)
		printf("  if-id: %u\n", d->if_id);
	/* Off is the default: a line only when on. */
	if ((d->has & BIT(AWSVPN_A_PARALLEL)) && d->parallel)
		printf("  parallel: on\n");
	if ((d->st.has & BIT(AWSVPN_STAT_RX_BYTES)) &&
	    (d->st.has & BIT(AWSVPN_STAT_TX_BYTES))) {
		printf("  transfer: ");
		print_bytes(d->st.v[AWSVPN_STAT_RX_BYTES]);
		printf(" received, ");
		print_bytes(d->st.v[AWSVPN_STAT_TX_BYTES]);
		printf(" sent\n");
	}
	print_latest("rx", d, AWSVPN_A_LAST_RX_MS, d->last_rx_ms);
	print_latest("tx", d, AWSVPN_A_LAST_TX_MS, d->last_tx_ms);
	print_stat_line("  ", "rx", &d->st, rx_line);
	print_stat_line("  ", "tx", &d->st, tx_line);
	print_stat_line("  ", "frag", &d->st, frag_line);
	print_stat_line("  ", "tcp", &d->st, tcp_line);
	print_stat_line("  ", "nat", &d->st, nat_line);

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < d->n_sa; i++)
			if (sa_in_pass(&d->sa[i], pass))
				print_sa_text(&d->sa[i]);
}

/* JSON output */

static void print_stats_json(struct json *j, const struct awsvpn_stats *st)
{
	int t;

	json_begin(j, "stats", '{');
	for (t = 1; t <= AWSVPN_STAT_MAX; t++)
		if ((st->has & BIT(t)) && stat_desc[t].json)
			json_u64(j, stat_desc[t].json, st->v[t]);
	json_end(j, '}');
}

/* Only the limits the SA has; an empty object for none. */
static void print_limits_json(struct json *j, const struct awsvpn_sa *sa)
{
	json_begin(j, "limits", '{');
	if (sa->has & BIT(AWSVPN_SA_A_TIME_SOFT))
		json_u64(j, "time_soft", sa->time_soft);
	if (sa->has & BIT(AWSVPN_SA_A_TIME_HARD))
		json_u64(j, "time_hard", sa->time_hard);
	if (sa->has & BIT(AWSVPN_SA_A_BYTES_SOFT))
		json_u64(j, "bytes_soft", sa->bytes_soft);
	if (sa->has & BIT(AWSVPN_SA_A_BYTES_HARD))
		json_u64(j, "bytes_hard", sa->bytes_hard);
	if (sa->has & BIT(AWSVPN_SA_A_PACKETS_SOFT))
		json_u64(j, "packets_soft", sa->packets_soft);
	if (sa->has & BIT(AWSVPN_SA_A_PACKETS_HARD))
		json_u64(j, "packets_hard", sa->packets_hard);
	json_end(j, '}');
}

static void print_sa_json(struct json *j, const struct awsvpn_sa *sa)
{
	json_begin(j, NULL, '{');
	if (sa->has & BIT(AWSVPN_SA_A_DIR))
		json_str(j, "dir", ENUM_NAME(dir_names, sa->dir));
	if (sa->has & BIT(AWSVPN_SA_A_SPI))
		json_u64(j, "spi", sa->spi);
	if (sa->has & BIT(AWSVPN_SA_A_ENC))
		json_str(j, "enc", ENUM_NAME(enc_names, sa->enc));
	if (!(sa->has & BIT(AWSVPN_SA_A_INTEG)) ||
	    sa->integ == AWSVPN_INTEG_NONE)
		json_null(j, "integ");
	else
		json_str(j, "integ", ENUM_NAME(integ_names, sa->integ));
	if (sa->has & BIT(AWSVPN_SA_A_STATE))
		json_str(j, "state", ENUM_NAME(sa_state_names, sa->state));
	if (sa->has & BIT(AWSVPN_SA_A_REPLAY_WINDOW))
		json_u64(j, "replay_window", sa->replay_window);
	if (sa->has & BIT(AWSVPN_SA_A_SEQ))
		json_u64(j, "seq", sa->seq);
	if (sa->has & BIT(AWSVPN_SA_A_AGE))
		json_u64(j, "age", sa->age);
	if (sa->has & BIT(AWSVPN_SA_A_SOFT_EXPIRED))
		json_bool(j, "soft_expired", sa->soft_expired);
	if (sa->has & BIT(AWSVPN_SA_A_ACTIVATE_ON_RX))
		json_u64(j, "activate_on_rx", sa->activate_on_rx);
	if (sa->has & BIT(AWSVPN_SA_A_CRYPTO_DRIVER))
		json_str(j, "crypto", sa->driver);
	print_limits_json(j, sa);
	print_stats_json(j, &sa->st);
	json_end(j, '}');
}

static void print_dev_json(struct json *j, const struct awsvpn_dev *d)
{
	size_t i;
	int pass;

	json_begin(j, NULL, '{');
	json_str(j, "ifname", d->ifname);
	if (d->has & BIT(AWSVPN_A_IFINDEX))
		json_u64(j, "ifindex", d->ifindex);
	if (d->has & BIT(AWSVPN_A_LOCAL))
		json_str(j, "local", IPV4_STR(d->local));
	if (d->has & BIT(AWSVPN_A_REMOTE))
		json_str(j, "remote", IPV4_STR(d->remote));
	if (d->has & BIT(AWSVPN_A_CARRIER))
		json_bool(j, "carrier", d->carrier);
	if (d->has & BIT(AWSVPN_A_CARRIER_REASON))
		json_str(j, "carrier_reason",
			 ENUM_NAME(carrier_reason_names, d->carrier_reason));
	if (d->has & BIT(AWSVPN_A_ENCAP))
		json_str(j, "encap", ENUM_NAME(encap_names, d->encap));
	if (d->has & BIT(AWSVPN_A_SOCKET))
		json_str(j, "socket", ENUM_NAME(socket_names, d->socket));
	if (d->has & BIT(AWSVPN_A_LOCAL_PORT))
		json_u64(j, "local_port", d->local_port);
	if (d->has & BIT(AWSVPN_A_REMOTE_PORT))
		json_u64(j, "remote_port", d->remote_port);
	if (d->has & BIT(AWSVPN_A_DF_POLICY))
		json_str(j, "df", ENUM_NAME(df_names, d->df));
	if (d->has & BIT(AWSVPN_A_MSS_MODE)) {
		if (d->mss_mode == AWSVPN_MSS_FIXED &&
		    (d->has & BIT(AWSVPN_A_MSS)))
			json_u64(j, "mss", d->mss);
		else
			json_str(j, "mss",
				 d->mss_mode == AWSVPN_MSS_FIXED ? "fixed" :
				 ENUM_NAME(mss_mode_names, d->mss_mode));
	}
	if (d->has & BIT(AWSVPN_A_REPLAY_WINDOW))
		json_u64(j, "replay_window", d->replay_window);
	if (d->has & BIT(AWSVPN_A_MTU))
		json_u64(j, "mtu", d->mtu);
	if (d->has & BIT(AWSVPN_A_MTU_MODE))
		json_str(j, "mtu_mode", ENUM_NAME(mtu_mode_names, d->mtu_mode));
	if (d->has & BIT(AWSVPN_A_OUTER_MTU)) {
		if (d->outer_mtu)
			json_u64(j, "outer_mtu", d->outer_mtu);
		else
			json_str(j, "outer_mtu", "auto");
	}
	if (d->has & BIT(AWSVPN_A_OUTER_DF))
		json_str(j, "outer_df", ENUM_NAME(outer_df_names, d->outer_df));
	if (d->has & BIT(AWSVPN_A_NAT_KEEPALIVE))
		json_u64(j, "nat_keepalive", d->nat_keepalive);
	/* Always there, so that scripts need not test for it; 0 = none. */
	json_u64(j, "if_id", d->if_id);
	if (d->has & BIT(AWSVPN_A_PARALLEL))
		json_bool(j, "parallel", d->parallel);
	if (d->has & BIT(AWSVPN_A_LAST_RX_MS))
		json_u64(j, "last_rx_ms", d->last_rx_ms);
	else
		json_null(j, "last_rx_ms");
	if (d->has & BIT(AWSVPN_A_LAST_TX_MS))
		json_u64(j, "last_tx_ms", d->last_tx_ms);
	else
		json_null(j, "last_tx_ms");
	print_stats_json(j, &d->st);

	json_begin(j, "sas", '[');
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < d->n_sa; i++)
			if (sa_in_pass(&d->sa[i], pass))
				print_sa_json(j, &d->sa[i]);
	json_end(j, ']');
	json_end(j, '}');
}

int cmd_show(int argc, char **argv)
{
	struct awsvpn_dev_list list = { NULL, 0 };
	const char *dev = NULL;
	struct awsvpn_nl ctx;
	bool json = false;
	size_t i;
	int ret;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			json = true;
		} else if (argv[i][0] == '-') {
			err_msg("show: unknown option '%s'", argv[i]);
			help_hint("show");
			return 1;
		} else if (dev) {
			err_msg("show: unexpected argument '%s'", argv[i]);
			help_hint("show");
			return 1;
		} else {
			dev = argv[i];
			if (check_ifname("show", dev))
				return 1;
		}
	}

	if (awsvpn_nl_open(&ctx))
		return 1;
	ret = awsvpn_dev_get(&ctx, dev, &list);
	awsvpn_nl_close(&ctx);
	if (ret) {
		awsvpn_dev_list_free(&list);
		return 1;
	}

	if (json) {
		struct json j = { .f = stdout };

		json_begin(&j, NULL, '[');
		for (i = 0; i < list.n; i++)
			print_dev_json(&j, &list.dev[i]);
		json_end(&j, ']');
	} else {
		for (i = 0; i < list.n; i++) {
			if (i)
				putchar('\n');
			print_dev_text(&list.dev[i]);
		}
	}
	awsvpn_dev_list_free(&list);

	if (fflush(stdout) || ferror(stdout)) {
		err_msg("show: cannot write output: %s", strerror(errno));
		return 1;
	}
	return 0;
}
