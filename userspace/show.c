// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn show [DEV] [dump] [-s|--verbose] [-j|--json] [--prometheus]
 *
 * Replies are first collected into plain structures, so that nothing is
 * printed when a request fails halfway and every output format shares one
 * parser.  Formats: text for people (quiet: settings at their defaults and
 * zero counters left out; -s: everything), JSON, "dump" (tab-separated
 * lines for scripts) and the Prometheus text exposition format.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	[AWSVPN_STAT_TX_PARALLEL] = { "tx", "tx_parallel", true },
	[AWSVPN_STAT_RX_PARALLEL] = { "rx", "rx_parallel", true },
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

/* Packets whose crypto a parallel worker ran (the rest: inline). */
static const int par_line[] = {
	AWSVPN_STAT_TX_PARALLEL, AWSVPN_STAT_RX_PARALLEL, 0
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

struct show {
	enum { F_TEXT, F_JSON, F_DUMP, F_PROM } fmt;
	bool verbose;		/* text: every setting and counter */
	int64_t now;		/* ms since the epoch, when the reply came */
};

/* Text output */

/* Device names are not trusted to be free of terminal controls. */
static void put_name(const char *name)
{
	for (; *name; name++)
		putchar(iscntrl((unsigned char)*name) ? '?' : *name);
}

/* "  label: " in bold on a terminal. */
static void label(int indent, const char *name)
{
	printf("%*s%s%s%s: ", indent, "", col(C_BOLD), name, col(C_RESET));
}

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

/*
 * "  rx: 12 packets, 1.2 KiB bytes, replay 3" - every counter of the line
 * with -s, else those that are not 0 (no line when all are).  Drops that
 * happened are red on a terminal.
 */
static void print_stat_line(const struct show *o, const char *indent,
			    const char *name, const struct awsvpn_stats *st,
			    const int *line)
{
	bool first = true;

	for (; *line; line++) {
		const struct stat_desc *s = &stat_desc[*line];
		uint64_t v = st->v[*line];
		bool drop = !s->count_first && v;

		if (!(st->has & BIT(*line)) || (!o->verbose && !v))
			continue;
		if (first)
			label(strlen(indent), name);
		else
			printf(", ");
		if (s->count_first)
			printf("%" PRIu64 " %s", v, s->text);
		else
			printf("%s%s %" PRIu64 "%s", drop ? col(C_RED) : "",
			       s->text, v, drop ? col(C_RESET) : "");
		first = false;
	}
	if (!first)
		putchar('\n');
}

/*
 * "auto"'s four measured costs, ns per packet (0: not measured), in the
 * order the text, JSON and Prometheus forms all list them.
 */
static const struct cost {
	int attr;		/* AWSVPN_A_{TX,RX}_{CRYPT,HOP}_NS */
	size_t off;		/* its uint32_t in struct awsvpn_dev */
	const char *json;	/* JSON key */
	const char *dir;	/* text: "tx"/"rx" */
	const char *prom_dir;	/* Prometheus label: "out"/"in" */
	const char *part;	/* "crypto" (the AEAD) or "hop" (the hand-off) */
} costs[] = {
	{ AWSVPN_A_TX_CRYPT_NS, offsetof(struct awsvpn_dev, tx_crypt_ns),
	  "tx_crypt_ns", "tx", "out", "crypto" },
	{ AWSVPN_A_TX_HOP_NS, offsetof(struct awsvpn_dev, tx_hop_ns),
	  "tx_hop_ns", "tx", "out", "hop" },
	{ AWSVPN_A_RX_CRYPT_NS, offsetof(struct awsvpn_dev, rx_crypt_ns),
	  "rx_crypt_ns", "rx", "in", "crypto" },
	{ AWSVPN_A_RX_HOP_NS, offsetof(struct awsvpn_dev, rx_hop_ns),
	  "rx_hop_ns", "rx", "in", "hop" },
};

static uint32_t cost_ns(const struct awsvpn_dev *d, const struct cost *c)
{
	return *(const uint32_t *)((const char *)d + c->off);
}

/* A measured cost, "2.1 us" ("-": not measured). */
static void print_ns(uint32_t ns)
{
	if (!ns)
		printf("-");
	else if (ns < 1000)
		printf("%u ns", ns);
	else
		printf("%.1f us", ns / 1000.0);
}

/*
 * "  cost: tx crypto 2.1 us, hop 4.3 us; rx crypto 1.9 us, hop 3.8 us" -
 * what "auto" decides with (parallel on and auto), once measured or -s.
 */
static void print_costs(const struct show *o, const struct awsvpn_dev *d)
{
	bool any = false;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(costs); k++) {
		if (!(d->has & BIT(costs[k].attr)))
			return;
		any |= cost_ns(d, &costs[k]) != 0;
	}
	if (!any && !o->verbose)
		return;
	label(2, "cost");
	for (k = 0; k < ARRAY_SIZE(costs); k++) {
		if (!strcmp(costs[k].part, "crypto"))
			printf("%s%s crypto ", k ? "; " : "", costs[k].dir);
		else
			printf(", %s ", costs[k].part);
		print_ns(cost_ns(d, &costs[k]));
	}
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
	char d[96];

	if (*first)
		label(4, "limits");
	printf("%s%s %" PRIu64 "%s", *first ? "" : ", ", name, limit, unit);
	if (used >= limit) {
		printf(" (reached)");
	} else if (time) {
		fmt_duration(d, sizeof(d), limit - used);
		printf(" (in %s)", d);
	} else {
		printf(" (%" PRIu64 " left)", limit - used);
	}
	*first = false;
}

/*
 * "limits: time-hard 3600s (in 59 minutes, 57 seconds), packets-soft 5
 * (reached), ..." - the values as "sa add ... limit" takes them.
 */
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

/*
 *   sa out spi 0x00001001 aes128-gcm16 active seq 7
 *     activate: on-first-rx spi 0x00002001
 *     limits: ...
 *     age: 1 minute, 35 seconds
 *     key: (hidden)                   (-s)
 *     crypto: seqiv(rfc4106(...))     (-s)
 *     tx: 7 packets, 6740 bytes
 */
static void print_sa_text(const struct show *o, const struct awsvpn_sa *sa)
{
	char d[96];

	printf("  %ssa%s", col(C_BOLD_YELLOW), col(C_RESET));
	if (sa->has & BIT(AWSVPN_SA_A_DIR))
		printf(" %s", ENUM_NAME(dir_names, sa->dir));
	if (sa->has & BIT(AWSVPN_SA_A_SPI))
		printf(" spi %s%s%s", col(C_YELLOW), SPI_STR(sa->spi),
		       col(C_RESET));
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
	if ((sa->has & BIT(AWSVPN_SA_A_SOFT_EXPIRED)) && sa->soft_expired)
		printf(" soft-expired");
	putchar('\n');
	if (sa->has & BIT(AWSVPN_SA_A_ACTIVATE_ON_RX)) {
		label(4, "activate");
		printf("on-first-rx spi %s\n", SPI_STR(sa->activate_on_rx));
	}
	print_limits_text(sa);
	if (sa->has & BIT(AWSVPN_SA_A_AGE)) {
		fmt_duration(d, sizeof(d), sa->age);
		label(4, "age");
		printf("%s\n", d);
	}
	if (o->verbose) {
		label(4, "key");
		printf("(hidden)\n");
		if (sa->has & BIT(AWSVPN_SA_A_CRYPTO_DRIVER)) {
			label(4, "crypto");
			printf("%s\n", sa->driver);
		}
	}
	print_stat_line(o, "    ", "rx", &sa->st, rx_line);
	print_stat_line(o, "    ", "tx", &sa->st, tx_line);
}

/* Outbound SAs first, then inbound, in kernel order within each. */
static bool sa_in_pass(const struct awsvpn_sa *sa, int pass)
{
	bool out = (sa->has & BIT(AWSVPN_SA_A_DIR)) &&
		   sa->dir == AWSVPN_DIR_OUT;

	return pass == 0 ? out : !out;
}

/* "latest rx: 1 minute, 3 seconds ago"; absent (never): -s only. */
static void print_latest(const struct show *o, const char *what,
			 const struct awsvpn_dev *d, int attr, uint64_t ms)
{
	char buf[96];

	if (!(d->has & BIT(attr)) && !o->verbose)
		return;
	label(2, what);
	if (!(d->has & BIT(attr))) {
		printf("never\n");
	} else if (ms < 1000) {
		printf("just now\n");
	} else {
		fmt_duration(buf, sizeof(buf), ms / 1000);
		printf("%s ago\n", buf);
	}
}

/* A setting: shown with -s, or when @show (not at its default). */
#define SETTING(d, attr, show)	\
	(((d)->has & BIT(attr)) && (o->verbose || (show)))

static void print_dev_text(const struct show *o, const struct awsvpn_dev *d)
{
	bool udp = d->encap == AWSVPN_ENCAP_UDP;
	size_t i;
	int pass;

	printf("%sinterface%s: %s", col(C_BOLD_GREEN), col(C_RESET),
	       col(C_GREEN));
	put_name(d->ifname);
	printf("%s\n", col(C_RESET));
	if (SETTING(d, AWSVPN_A_LOCAL, d->local)) {
		label(2, "local");
		printf("%s%s\n", IPV4_STR(d->local),
		       d->local ? "" : " (from the route)");
	}
	if (d->has & BIT(AWSVPN_A_REMOTE)) {
		label(2, "remote");
		printf("%s%s\n", IPV4_STR(d->remote),
		       d->remote ? "" : " (unset)");
	}
	/* "up", or "down (why)"; an older module sends neither. */
	if (d->has & BIT(AWSVPN_A_CARRIER)) {
		label(2, "carrier");
		printf("%s%s%s", col(d->carrier ? C_GREEN : C_RED),
		       d->carrier ? "up" : "down", col(C_RESET));
		if (!d->carrier && (d->has & BIT(AWSVPN_A_CARRIER_REASON)))
			printf(" (%s)", ENUM_NAME(carrier_reason_names,
						  d->carrier_reason));
		putchar('\n');
	}
	if (d->has & BIT(AWSVPN_A_ENCAP)) {
		label(2, "encap");
		printf("%s\n", ENUM_NAME(encap_names, d->encap));
	}
	if (SETTING(d, AWSVPN_A_LOCAL_PORT,
		    udp && d->local_port != AWSVPN_PORT_DEFAULT)) {
		label(2, "local-port");
		printf("%u\n", d->local_port);
	}
	if (SETTING(d, AWSVPN_A_REMOTE_PORT,
		    udp && d->remote_port != AWSVPN_PORT_DEFAULT)) {
		label(2, "remote-port");
		printf("%u\n", d->remote_port);
	}
	if ((d->has & BIT(AWSVPN_A_SOCKET)) && udp) {
		label(2, "socket");
		printf("%s\n", ENUM_NAME(socket_names, d->socket));
	}
	if (SETTING(d, AWSVPN_A_NAT_KEEPALIVE,
		    udp && d->nat_keepalive != AWSVPN_NAT_KEEPALIVE_DEFAULT)) {
		label(2, "nat-keepalive");
		if (d->nat_keepalive)
			printf("%us\n", d->nat_keepalive);
		else
			printf("off\n");
	}
	if (SETTING(d, AWSVPN_A_DF_POLICY, d->df != AWSVPN_DF_CLEAR)) {
		label(2, "df");
		printf("%s\n", ENUM_NAME(df_names, d->df));
	}
	if (SETTING(d, AWSVPN_A_MSS_MODE, d->mss_mode != AWSVPN_MSS_AUTO)) {
		label(2, "mss");
		if (d->mss_mode == AWSVPN_MSS_FIXED)
			printf("%u\n", d->mss);
		else
			printf("%s\n", ENUM_NAME(mss_mode_names, d->mss_mode));
	}
	if (SETTING(d, AWSVPN_A_REPLAY_WINDOW,
		    d->replay_window != AWSVPN_REPLAY_WINDOW_DEFAULT)) {
		label(2, "replay-window");
		printf("%u\n", d->replay_window);
	}
	if (d->has & BIT(AWSVPN_A_MTU)) {
		label(2, "mtu");
		printf("%u", d->mtu);
		if (d->has & BIT(AWSVPN_A_MTU_MODE))
			printf(" (%s)", ENUM_NAME(mtu_mode_names, d->mtu_mode));
		putchar('\n');
	}
	if (SETTING(d, AWSVPN_A_OUTER_MTU, d->outer_mtu)) {
		label(2, "outer-mtu");
		if (d->outer_mtu)
			printf("%u\n", d->outer_mtu);
		else
			printf("auto\n");
	}
	if (SETTING(d, AWSVPN_A_OUTER_DF, d->outer_df != AWSVPN_OUTER_DF_SET)) {
		label(2, "outer-df");
		printf("%s\n", ENUM_NAME(outer_df_names, d->outer_df));
	}
	if (SETTING(d, AWSVPN_A_IF_ID, d->if_id)) {
		label(2, "if-id");
		printf("%u\n", d->if_id);
	}
	if (SETTING(d, AWSVPN_A_PARALLEL,
		    d->parallel != AWSVPN_PARALLEL_AUTO)) {
		label(2, "parallel");
		printf("%s\n", ENUM_NAME(parallel_names, d->parallel));
	}
	if ((d->st.has & BIT(AWSVPN_STAT_RX_BYTES)) &&
	    (d->st.has & BIT(AWSVPN_STAT_TX_BYTES)) &&
	    (o->verbose || d->st.v[AWSVPN_STAT_RX_BYTES] ||
	     d->st.v[AWSVPN_STAT_TX_BYTES])) {
		label(2, "transfer");
		print_bytes(d->st.v[AWSVPN_STAT_RX_BYTES]);
		printf(" received, ");
		print_bytes(d->st.v[AWSVPN_STAT_TX_BYTES]);
		printf(" sent\n");
	}
	print_latest(o, "latest rx", d, AWSVPN_A_LAST_RX_MS, d->last_rx_ms);
	print_latest(o, "latest tx", d, AWSVPN_A_LAST_TX_MS, d->last_tx_ms);
	print_stat_line(o, "  ", "rx", &d->st, rx_line);
	print_stat_line(o, "  ", "tx", &d->st, tx_line);
	print_stat_line(o, "  ", "frag", &d->st, frag_line);
	print_stat_line(o, "  ", "tcp", &d->st, tcp_line);
	print_stat_line(o, "  ", "nat", &d->st, nat_line);
	print_stat_line(o, "  ", "workers", &d->st, par_line);
	print_costs(o, d);

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < d->n_sa; i++)
			if (sa_in_pass(&d->sa[i], pass))
				print_sa_text(o, &d->sa[i]);
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

/* A key the JSON always has: its value if the kernel sent it, else null. */
#define JSON_OR_NULL(put, j, key, has, ...)		\
	do {						\
		if (has)				\
			put(j, key, __VA_ARGS__);	\
		else					\
			json_null(j, key);		\
	} while (0)

/* A time @ms_ago before the reply as a UTC string, or null. */
static void json_ago(struct json *j, const struct show *o, const char *key,
		     bool has, uint64_t ms_ago)
{
	char buf[40];

	if (!has) {
		json_null(j, key);
		return;
	}
	fmt_utc(buf, sizeof(buf), o->now - (int64_t)ms_ago);
	json_str(j, key, buf);
}

static void print_sa_json(struct json *j, const struct show *o,
			  const struct awsvpn_sa *sa)
{
	json_begin(j, NULL, '{');
	JSON_OR_NULL(json_str, j, "dir", sa->has & BIT(AWSVPN_SA_A_DIR),
		     ENUM_NAME(dir_names, sa->dir));
	JSON_OR_NULL(json_spi, j, "spi", sa->has & BIT(AWSVPN_SA_A_SPI),
		     sa->spi);
	JSON_OR_NULL(json_str, j, "enc", sa->has & BIT(AWSVPN_SA_A_ENC),
		     ENUM_NAME(enc_names, sa->enc));
	if (!(sa->has & BIT(AWSVPN_SA_A_INTEG)) ||
	    sa->integ == AWSVPN_INTEG_NONE)
		json_null(j, "integ");
	else
		json_str(j, "integ", ENUM_NAME(integ_names, sa->integ));
	JSON_OR_NULL(json_str, j, "state", sa->has & BIT(AWSVPN_SA_A_STATE),
		     ENUM_NAME(sa_state_names, sa->state));
	JSON_OR_NULL(json_u64, j, "replay_window",
		     sa->has & BIT(AWSVPN_SA_A_REPLAY_WINDOW),
		     sa->replay_window);
	JSON_OR_NULL(json_u64, j, "seq", sa->has & BIT(AWSVPN_SA_A_SEQ),
		     sa->seq);
	JSON_OR_NULL(json_u64, j, "age", sa->has & BIT(AWSVPN_SA_A_AGE),
		     sa->age);
	json_ago(j, o, "installed", sa->has & BIT(AWSVPN_SA_A_AGE),
		 sa->age * 1000ULL);
	JSON_OR_NULL(json_bool, j, "soft_expired",
		     sa->has & BIT(AWSVPN_SA_A_SOFT_EXPIRED), sa->soft_expired);
	JSON_OR_NULL(json_spi, j, "activate_on_rx",
		     sa->has & BIT(AWSVPN_SA_A_ACTIVATE_ON_RX),
		     sa->activate_on_rx);
	JSON_OR_NULL(json_str, j, "crypto",
		     sa->has & BIT(AWSVPN_SA_A_CRYPTO_DRIVER), sa->driver);
	print_limits_json(j, sa);
	print_stats_json(j, &sa->st);
	json_end(j, '}');
}

static void print_dev_json(struct json *j, const struct show *o,
			   const struct awsvpn_dev *d)
{
	size_t i, k;
	int pass;

	json_begin(j, NULL, '{');
	json_str(j, "ifname", d->ifname);
	JSON_OR_NULL(json_u64, j, "ifindex", d->has & BIT(AWSVPN_A_IFINDEX),
		     d->ifindex);
	JSON_OR_NULL(json_str, j, "local", d->has & BIT(AWSVPN_A_LOCAL),
		     IPV4_STR(d->local));
	JSON_OR_NULL(json_str, j, "remote", d->has & BIT(AWSVPN_A_REMOTE),
		     IPV4_STR(d->remote));
	JSON_OR_NULL(json_bool, j, "carrier", d->has & BIT(AWSVPN_A_CARRIER),
		     d->carrier);
	if (d->has & BIT(AWSVPN_A_CARRIER_REASON))
		json_str(j, "carrier_reason",
			 ENUM_NAME(carrier_reason_names, d->carrier_reason));
	else
		json_null(j, "carrier_reason");
	JSON_OR_NULL(json_str, j, "encap", d->has & BIT(AWSVPN_A_ENCAP),
		     ENUM_NAME(encap_names, d->encap));
	JSON_OR_NULL(json_str, j, "socket", d->has & BIT(AWSVPN_A_SOCKET),
		     ENUM_NAME(socket_names, d->socket));
	JSON_OR_NULL(json_u64, j, "local_port",
		     d->has & BIT(AWSVPN_A_LOCAL_PORT), d->local_port);
	JSON_OR_NULL(json_u64, j, "remote_port",
		     d->has & BIT(AWSVPN_A_REMOTE_PORT), d->remote_port);
	JSON_OR_NULL(json_str, j, "df", d->has & BIT(AWSVPN_A_DF_POLICY),
		     ENUM_NAME(df_names, d->df));
	/* mss: the fixed value, else null; mss_mode says which. */
	if (d->has & BIT(AWSVPN_A_MSS_MODE)) {
		json_str(j, "mss_mode",
			 d->mss_mode == AWSVPN_MSS_FIXED ? "fixed" :
			 ENUM_NAME(mss_mode_names, d->mss_mode));
		if (d->mss_mode == AWSVPN_MSS_FIXED &&
		    (d->has & BIT(AWSVPN_A_MSS)))
			json_u64(j, "mss", d->mss);
		else
			json_null(j, "mss");
	}
	JSON_OR_NULL(json_u64, j, "replay_window",
		     d->has & BIT(AWSVPN_A_REPLAY_WINDOW), d->replay_window);
	JSON_OR_NULL(json_u64, j, "mtu", d->has & BIT(AWSVPN_A_MTU), d->mtu);
	JSON_OR_NULL(json_str, j, "mtu_mode", d->has & BIT(AWSVPN_A_MTU_MODE),
		     ENUM_NAME(mtu_mode_names, d->mtu_mode));
	/* 0 = auto: from the route to remote. */
	JSON_OR_NULL(json_u64, j, "outer_mtu", d->has & BIT(AWSVPN_A_OUTER_MTU),
		     d->outer_mtu);
	JSON_OR_NULL(json_str, j, "outer_df", d->has & BIT(AWSVPN_A_OUTER_DF),
		     ENUM_NAME(outer_df_names, d->outer_df));
	JSON_OR_NULL(json_u64, j, "nat_keepalive",
		     d->has & BIT(AWSVPN_A_NAT_KEEPALIVE), d->nat_keepalive);
	/* Always there, so that scripts need not test for it; 0 = none. */
	json_u64(j, "if_id", d->if_id);
	/* true for "on" and "auto" (it was on/off before "auto" came) */
	JSON_OR_NULL(json_bool, j, "parallel", d->has & BIT(AWSVPN_A_PARALLEL),
		     d->parallel != AWSVPN_PARALLEL_OFF);
	JSON_OR_NULL(json_str, j, "parallel_mode",
		     d->has & BIT(AWSVPN_A_PARALLEL),
		     ENUM_NAME(parallel_names, d->parallel));
	/* "auto"'s measured costs, ns per packet; 0 = not measured */
	for (k = 0; k < ARRAY_SIZE(costs); k++)
		JSON_OR_NULL(json_u64, j, costs[k].json,
			     d->has & BIT(costs[k].attr),
			     cost_ns(d, &costs[k]));
	JSON_OR_NULL(json_u64, j, "last_rx_ms",
		     d->has & BIT(AWSVPN_A_LAST_RX_MS), d->last_rx_ms);
	json_ago(j, o, "last_rx", d->has & BIT(AWSVPN_A_LAST_RX_MS),
		 d->last_rx_ms);
	JSON_OR_NULL(json_u64, j, "last_tx_ms",
		     d->has & BIT(AWSVPN_A_LAST_TX_MS), d->last_tx_ms);
	json_ago(j, o, "last_tx", d->has & BIT(AWSVPN_A_LAST_TX_MS),
		 d->last_tx_ms);
	print_stats_json(j, &d->st);

	json_begin(j, "sas", '[');
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < d->n_sa; i++)
			if (sa_in_pass(&d->sa[i], pass))
				print_sa_json(j, o, &d->sa[i]);
	json_end(j, ']');
	json_end(j, '}');
}

/*
 * "dump": one tab-separated line per device and per SA, for scripts;
 * every field always there, in a fixed order (Documentation/awsvpn.rst).
 * Values are as "set" and "sa add" take them where they have a keyword.
 *
 * DEV device LOCAL REMOTE CARRIER CARRIER-REASON ENCAP LOCAL-PORT
 *	REMOTE-PORT SOCKET NAT-KEEPALIVE DF MSS REPLAY-WINDOW MTU MTU-MODE
 *	OUTER-MTU OUTER-DF IF-ID PARALLEL LAST-RX-MS LAST-TX-MS
 *	then the 21 device counters in enum awsvpn_stat order
 * DEV sa DIR SPI ENC INTEG STATE WINDOW SEQ AGE SOFT-EXPIRED ACTIVATE
 *	TIME-SOFT TIME-HARD BYTES-SOFT BYTES-HARD PACKETS-SOFT PACKETS-HARD
 *	CRYPTO then the 10 SA counters of dump_sa_stats
 */
static const int dump_sa_stats[] = {
	AWSVPN_STAT_RX_PACKETS, AWSVPN_STAT_RX_BYTES, AWSVPN_STAT_RX_REPLAY,
	AWSVPN_STAT_RX_AUTH_FAIL, AWSVPN_STAT_RX_BAD_TRAILER,
	AWSVPN_STAT_RX_ERRORS, AWSVPN_STAT_TX_PACKETS, AWSVPN_STAT_TX_BYTES,
	AWSVPN_STAT_TX_SEQ_EXHAUSTED, AWSVPN_STAT_TX_ERRORS,
};

/* A name in a tab-separated line: no tab, newline or control character. */
static void dump_name(const char *name)
{
	put_name(name);
}

static void dump_ms(bool has, uint64_t ms)
{
	if (has)
		printf("\t%" PRIu64, ms);
	else
		printf("\tnever");
}

static void print_dev_dump(const struct awsvpn_dev *d)
{
	size_t i;
	int t, pass;

	dump_name(d->ifname);
	printf("\tdevice\t%s", IPV4_STR(d->local));
	printf("\t%s\t%s\t%s", IPV4_STR(d->remote), d->carrier ? "up" : "down",
	       ENUM_NAME(carrier_reason_names, d->carrier_reason));
	printf("\t%s\t%u\t%u\t%s\t%u\t%s", ENUM_NAME(encap_names, d->encap),
	       d->local_port, d->remote_port,
	       ENUM_NAME(socket_names, d->socket), d->nat_keepalive,
	       ENUM_NAME(df_names, d->df));
	if (d->mss_mode == AWSVPN_MSS_FIXED)
		printf("\t%u", d->mss);
	else
		printf("\t%s", ENUM_NAME(mss_mode_names, d->mss_mode));
	printf("\t%u\t%u\t%s", d->replay_window, d->mtu,
	       ENUM_NAME(mtu_mode_names, d->mtu_mode));
	if (d->outer_mtu)
		printf("\t%u", d->outer_mtu);
	else
		printf("\tauto");
	printf("\t%s\t%u\t%s", ENUM_NAME(outer_df_names, d->outer_df),
	       d->if_id, ENUM_NAME(parallel_names, d->parallel));
	dump_ms(d->has & BIT(AWSVPN_A_LAST_RX_MS), d->last_rx_ms);
	dump_ms(d->has & BIT(AWSVPN_A_LAST_TX_MS), d->last_tx_ms);
	for (t = 1; t <= AWSVPN_STAT_MAX; t++)
		printf("\t%" PRIu64, d->st.v[t]);
	putchar('\n');

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < d->n_sa; i++) {
			const struct awsvpn_sa *sa = &d->sa[i];
			size_t k;

			if (!sa_in_pass(sa, pass))
				continue;
			dump_name(d->ifname);
			printf("\tsa\t%s\t%s\t%s\t%s\t%s",
			       ENUM_NAME(dir_names, sa->dir), SPI_STR(sa->spi),
			       ENUM_NAME(enc_names, sa->enc),
			       sa->integ ? ENUM_NAME(integ_names, sa->integ) :
					   "none",
			       ENUM_NAME(sa_state_names, sa->state));
			printf("\t%u\t%u\t%u\t%s", sa->replay_window, sa->seq,
			       sa->age, sa->soft_expired ? "yes" : "no");
			if (sa->has & BIT(AWSVPN_SA_A_ACTIVATE_ON_RX))
				printf("\t%s", SPI_STR(sa->activate_on_rx));
			else
				printf("\tnone");
			printf("\t%u\t%u\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
			       "\t%" PRIu64 "\t",
			       sa->time_soft, sa->time_hard, sa->bytes_soft,
			       sa->bytes_hard, sa->packets_soft,
			       sa->packets_hard);
			dump_name(sa->driver[0] ? sa->driver : "unknown");
			for (k = 0; k < ARRAY_SIZE(dump_sa_stats); k++)
				printf("\t%" PRIu64, sa->st.v[dump_sa_stats[k]]);
			putchar('\n');
		}
	}
}

/*
 * Prometheus text exposition format (version 0.0.4): per device, the
 * tunnel state, every counter, the MTU, the times of the latest packets
 * and the number of SAs.  Labels: device, and netns when the tool runs in
 * a named network namespace (ip netns), so that one collector per
 * namespace never clashes.
 */

/* Name of the network namespace we are in, from /run/netns; or "". */
static void netns_name(char *buf, size_t size)
{
	struct stat self, st;
	struct dirent *de;
	char path[300];
	DIR *d;

	buf[0] = '\0';
	if (stat("/proc/self/ns/net", &self))
		return;
	d = opendir("/run/netns");
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		if (!stat(path, &st) && st.st_ino == self.st_ino &&
		    st.st_dev == self.st_dev) {
			snprintf(buf, size, "%s", de->d_name);
			break;
		}
	}
	closedir(d);
}

/* A label value: backslash, double quote and newline escaped. */
static void prom_label_value(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
}

struct prom {
	const struct awsvpn_dev_list *list;
	char netns[256];
};

static void prom_family(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* "NAME{device="..",netns=".."[,EXTRA]} " */
static void prom_sample(const struct prom *p, const char *name,
			const struct awsvpn_dev *d, const char *extra)
{
	printf("%s{device=\"", name);
	prom_label_value(d->ifname);
	printf("\"");
	if (p->netns[0]) {
		printf(",netns=\"");
		prom_label_value(p->netns);
		printf("\"");
	}
	printf("%s%s} ", extra ? "," : "", extra ? extra : "");
}

/* "auto"'s measured costs, in seconds; no sample for one not measured. */
static void prom_costs(const struct prom *p,
		       const struct awsvpn_dev_list *list)
{
	char extra[64];
	size_t i, k;

	prom_family("awsvpn_parallel_cost_seconds", "gauge",
		    "What parallel auto decides with, per packet: its AEAD (part crypto) and handing it to a crypto worker (part hop); moving averages; absent: not measured.");
	for (i = 0; i < list->n; i++) {
		const struct awsvpn_dev *d = &list->dev[i];

		for (k = 0; k < ARRAY_SIZE(costs); k++) {
			if (!cost_ns(d, &costs[k]))
				continue;
			snprintf(extra, sizeof(extra), "dir=\"%s\",part=\"%s\"",
				 costs[k].prom_dir, costs[k].part);
			prom_sample(p, "awsvpn_parallel_cost_seconds", d, extra);
			printf("%.9f\n", cost_ns(d, &costs[k]) / 1e9);
		}
	}
}

/* CloudWatch's names for what the device counts (help texts). */
static const struct {
	int stat;
	const char *help;
} prom_stats[] = {
	{ AWSVPN_STAT_RX_BYTES, "Inner bytes received from the tunnel, after decryption. CloudWatch TunnelDataOut (bytes AWS sent into the tunnel) counts the same traffic from AWS's side." },
	{ AWSVPN_STAT_TX_BYTES, "Inner bytes sent into the tunnel, before encryption. CloudWatch TunnelDataIn (bytes AWS received from the tunnel) counts the same traffic from AWS's side." },
	{ AWSVPN_STAT_RX_PACKETS, "Inner packets received from the tunnel (decrypted and delivered)." },
	{ AWSVPN_STAT_TX_PACKETS, "Inner packets sent into the tunnel (ESP packets handed to the IP stack)." },
	{ AWSVPN_STAT_RX_REPLAY, "Received ESP dropped: replayed or too old sequence number." },
	{ AWSVPN_STAT_RX_AUTH_FAIL, "Received ESP dropped: integrity check (ICV) failed." },
	{ AWSVPN_STAT_RX_BAD_TRAILER, "Received ESP dropped: bad padding or next header after decryption." },
	{ AWSVPN_STAT_RX_NO_SA, "Received ESP dropped: SA expired (or NAT-T ESP with an unknown SPI)." },
	{ AWSVPN_STAT_RX_ERRORS, "Received ESP dropped: malformed, truncated, out of memory." },
	{ AWSVPN_STAT_TX_NO_SA, "Packets dropped: no active outbound SA to send with." },
	{ AWSVPN_STAT_TX_SEQ_EXHAUSTED, "Packets dropped: the outbound SA used up its sequence numbers." },
	{ AWSVPN_STAT_TX_ERRORS, "Packets dropped: no route, no remote, out of memory, crypto error." },
	{ AWSVPN_STAT_TX_DF_RESET, "Inner IPv4 packets whose DF bit was cleared (df clear)." },
	{ AWSVPN_STAT_TX_FRAGMENTED, "Inner packets fragmented before encryption." },
	{ AWSVPN_STAT_TX_FRAGMENTS, "Fragments made by fragmenting before encryption." },
	{ AWSVPN_STAT_TX_ICMP, "ICMP fragmentation-needed / packet-too-big messages sent because of the MTU." },
	{ AWSVPN_STAT_MSS_CLAMPED, "TCP SYN / SYN-ACK packets whose MSS option was lowered." },
	{ AWSVPN_STAT_NAT_KEEPALIVE_TX, "NAT keepalives sent (encap udp)." },
	{ AWSVPN_STAT_NAT_KEEPALIVE_RX, "NAT keepalives received (encap udp)." },
	{ AWSVPN_STAT_TX_PARALLEL, "Packets a parallel crypto worker encrypted (parallel on/auto; the rest: inline)." },
	{ AWSVPN_STAT_RX_PARALLEL, "ESP packets a parallel crypto worker decrypted (parallel on/auto; the rest: inline)." },
};

/*
 * A "latest packet" gauge: the Unix time of last_rx_ms or last_tx_ms
 * (@attr); no sample for a device that never had one.
 */
static void prom_last(const struct prom *p, const struct show *o,
		      const struct awsvpn_dev_list *list, const char *name,
		      const char *help, int attr)
{
	size_t i;

	prom_family(name, "gauge", help);
	for (i = 0; i < list->n; i++) {
		const struct awsvpn_dev *d = &list->dev[i];
		uint64_t ago;

		if (!(d->has & BIT(attr)))
			continue;
		ago = attr == AWSVPN_A_LAST_RX_MS ? d->last_rx_ms :
						   d->last_tx_ms;
		prom_sample(p, name, d, NULL);
		printf("%.3f\n", (o->now - (int64_t)ago) / 1000.0);
	}
}

static void print_prometheus(const struct show *o,
			     const struct awsvpn_dev_list *list)
{
	struct prom p = { .list = list };
	char name[64], extra[96];
	size_t i, k, s;
	int dir, st;

	netns_name(p.netns, sizeof(p.netns));

	prom_family("awsvpn_tunnel_state", "gauge",
		    "1 while the tunnel can carry traffic (carrier: remote set and an active outbound SA that has not expired), else 0. CloudWatch TunnelState is AWS's view of the same tunnel.");
	for (i = 0; i < list->n; i++) {
		prom_sample(&p, "awsvpn_tunnel_state", &list->dev[i], NULL);
		printf("%u\n", list->dev[i].carrier);
	}
	prom_family("awsvpn_carrier_reason", "gauge",
		    "Why the tunnel has carrier or not: 1 for the current reason (ok, no-remote, no-sa, expired).");
	for (i = 0; i < list->n; i++) {
		for (k = 0; carrier_reason_names[k].name; k++) {
			snprintf(extra, sizeof(extra), "reason=\"%s\"",
				 carrier_reason_names[k].name);
			prom_sample(&p, "awsvpn_carrier_reason", &list->dev[i],
				    extra);
			printf("%d\n", carrier_reason_names[k].value ==
				       list->dev[i].carrier_reason);
		}
	}
	for (s = 0; s < ARRAY_SIZE(prom_stats); s++) {
		int t = prom_stats[s].stat;

		snprintf(name, sizeof(name), "awsvpn_%s_total",
			 stat_desc[t].json);
		prom_family(name, "counter", prom_stats[s].help);
		for (i = 0; i < list->n; i++) {
			prom_sample(&p, name, &list->dev[i], NULL);
			printf("%" PRIu64 "\n", list->dev[i].st.v[t]);
		}
	}
	prom_family("awsvpn_mtu_bytes", "gauge",
		    "The device MTU: the largest inner packet sent without fragmenting.");
	for (i = 0; i < list->n; i++) {
		prom_sample(&p, "awsvpn_mtu_bytes", &list->dev[i], NULL);
		printf("%u\n", list->dev[i].mtu);
	}
	prom_last(&p, o, list, "awsvpn_last_rx_timestamp_seconds",
		  "Unix time of the latest packet received from the tunnel (absent: never).",
		  AWSVPN_A_LAST_RX_MS);
	prom_last(&p, o, list, "awsvpn_last_tx_timestamp_seconds",
		  "Unix time of the latest packet sent into the tunnel (absent: never).",
		  AWSVPN_A_LAST_TX_MS);
	prom_family("awsvpn_sas", "gauge",
		    "Security associations of the device by direction and state (active, pending, retired, expired).");
	for (i = 0; i < list->n; i++) {
		const struct awsvpn_dev *d = &list->dev[i];

		for (dir = AWSVPN_DIR_IN; dir <= AWSVPN_DIR_OUT; dir++) {
			for (st = 0; sa_state_names[st].name; st++) {
				unsigned int n = 0;

				for (k = 0; k < d->n_sa; k++)
					n += d->sa[k].dir == dir &&
					     d->sa[k].state ==
						sa_state_names[st].value;
				snprintf(extra, sizeof(extra),
					 "dir=\"%s\",state=\"%s\"",
					 map_name(dir_names, dir),
					 sa_state_names[st].name);
				prom_sample(&p, "awsvpn_sas", d, extra);
				printf("%u\n", n);
			}
		}
	}
	prom_costs(&p, list);
}

/* Choose output format @fmt; false if another one was chosen already. */
static bool pick_fmt(struct show *o, unsigned int fmt)
{
	if (o->fmt != F_TEXT && o->fmt != fmt)
		return false;
	o->fmt = fmt;
	return true;
}

int cmd_show(int argc, char **argv)
{
	struct awsvpn_dev_list list = { NULL, 0 };
	struct show o = { .fmt = F_TEXT };
	const char *pos[3], *dev = NULL;
	bool clash = false;
	int i, npos = 0;
	struct awsvpn_nl ctx;
	size_t k;
	int ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			clash |= !pick_fmt(&o, F_JSON);
		} else if (!strcmp(argv[i], "--prometheus")) {
			clash |= !pick_fmt(&o, F_PROM);
		} else if (!strcmp(argv[i], "-s") ||
			   !strcmp(argv[i], "--verbose")) {
			o.verbose = true;
		} else if (argv[i][0] == '-') {
			err_msg("show: unknown option '%s'", argv[i]);
			help_hint("show");
			return RC_USAGE;
		} else if (npos == ARRAY_SIZE(pos)) {
			break;
		} else {
			pos[npos++] = argv[i];
		}
	}
	/* [DEV] [dump]: a lone "dump" is the format ("show dump dump" for a
	 * device named dump).
	 */
	if (npos && !strcmp(pos[npos - 1], "dump")) {
		clash |= !pick_fmt(&o, F_DUMP);
		npos--;
	}
	if (i < argc || npos > 1) {
		err_msg("show: unexpected argument '%s'",
			i < argc ? argv[i] : pos[1]);
		help_hint("show");
		return RC_USAGE;
	}
	if (clash) {
		err_msg("show: one output format only (--json, dump or --prometheus)");
		help_hint("show");
		return RC_USAGE;
	}
	if (npos) {
		dev = pos[0];
		if (check_ifname("show", dev))
			return RC_USAGE;
	}

	if (awsvpn_nl_open(&ctx))
		return RC_ERR;
	ret = awsvpn_dev_get(&ctx, dev, &list);
	awsvpn_nl_close(&ctx);
	if (ret) {
		awsvpn_dev_list_free(&list);
		return RC_ERR;
	}
	o.now = now_ms();
	color_init();

	if (o.fmt == F_JSON) {
		struct json j = { .f = stdout };

		json_begin(&j, NULL, '[');
		for (k = 0; k < list.n; k++)
			print_dev_json(&j, &o, &list.dev[k]);
		json_end(&j, ']');
	} else if (o.fmt == F_DUMP) {
		for (k = 0; k < list.n; k++)
			print_dev_dump(&list.dev[k]);
	} else if (o.fmt == F_PROM) {
		print_prometheus(&o, &list);
	} else {
		for (k = 0; k < list.n; k++) {
			if (k)
				putchar('\n');
			print_dev_text(&o, &list.dev[k]);
		}
	}
	awsvpn_dev_list_free(&list);

	if (fflush(stdout) || ferror(stdout)) {
		err_msg("show: cannot write output: %s", strerror(errno));
		return RC_ERR;
	}
	return RC_OK;
}
