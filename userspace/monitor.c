// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn monitor [--json] [DEV]
 *
 * Print the kernel's events (AWSVPN_CMD_EVENT on the "events" multicast
 * group) as they come, one line each, until killed.  Output is flushed
 * after every line so that a pipe or file sees each event at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "common.h"

/* Room for bursts: events are small, losing them is worse. */
#define MONITOR_RCVBUF	(1 << 20)

static const struct name_map event_names[] = {
	{ "sa-added", AWSVPN_EVENT_SA_ADDED },
	{ "sa-deleted", AWSVPN_EVENT_SA_DELETED },
	{ "sa-switched", AWSVPN_EVENT_SA_SWITCHED },
	{ "sa-soft-expire", AWSVPN_EVENT_SA_SOFT_EXPIRE },
	{ "sa-hard-expire", AWSVPN_EVENT_SA_HARD_EXPIRE },
	{ "sa-first-rx", AWSVPN_EVENT_SA_FIRST_RX },
	{ "dev-up", AWSVPN_EVENT_DEV_UP },
	{ "dev-down", AWSVPN_EVENT_DEV_DOWN },
	{ "replay", AWSVPN_EVENT_REPLAY },
	{ "auth-fail", AWSVPN_EVENT_AUTH_FAIL },
	{ NULL, 0 }
};

static const struct name_map reason_names[] = {
	{ "time", AWSVPN_EXPIRE_TIME },
	{ "bytes", AWSVPN_EXPIRE_BYTES },
	{ "packets", AWSVPN_EXPIRE_PACKETS },
	{ "seq", AWSVPN_EXPIRE_SEQ },
	{ NULL, 0 }
};

struct monitor {
	const char *dev;	/* only this device, or NULL */
	bool json;
	bool write_failed;
};

struct event {
	char time[40];
	char ifname[IFNAMSIZ];
	char event_buf[24], dir_buf[24], reason_buf[24];
	const char *event, *dir, *reason;
	uint32_t ifindex, spi;
	uint64_t count;
	bool has_ifindex, has_spi, has_count;
};

/* Local time with milliseconds, ISO 8601 without the zone. */
static void timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ld", ts.tv_nsec / 1000000);
}

/* Name of an enum value, or "unknown(N)" from a newer kernel. */
static const char *name_or_number(const struct name_map *map, int v,
				  char *buf, size_t size)
{
	const char *name = map_name(map, v);

	if (name)
		return name;
	snprintf(buf, size, "unknown(%d)", v);
	return buf;
}

static void print_text(const struct event *e)
{
	const char *p;

	printf("%s ", e->time);
	/* Device names are not trusted to be free of terminal controls. */
	for (p = e->ifname[0] ? e->ifname : "?"; *p; p++)
		putchar(*p <= ' ' || *p == 0x7f ? '?' : *p);
	printf(" %s", e->event);
	if (e->dir)
		printf(" %s", e->dir);
	if (e->has_spi)
		printf(" spi 0x%08x", e->spi);
	if (e->reason)
		printf(" reason %s", e->reason);
	if (e->has_count)
		printf(" count %" PRIu64, e->count);
	putchar('\n');
}

static void print_json(const struct event *e)
{
	struct json j = { .f = stdout, .compact = true };

	json_begin(&j, NULL, '{');
	json_str(&j, "time", e->time);
	json_str(&j, "event", e->event);
	json_str(&j, "ifname", e->ifname);
	if (e->has_ifindex)
		json_u64(&j, "ifindex", e->ifindex);
	if (e->dir)
		json_str(&j, "dir", e->dir);
	if (e->has_spi)
		json_u64(&j, "spi", e->spi);
	if (e->reason)
		json_str(&j, "reason", e->reason);
	if (e->has_count)
		json_u64(&j, "count", e->count);
	json_end(&j, '}');
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[AWSVPN_A_MAX + 1], *sa[AWSVPN_SA_A_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct monitor *m = arg;
	struct event e = { 0 };
	struct nlattr *a;

	if (gh->cmd != AWSVPN_CMD_EVENT ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, AWSVPN_A_MAX, NULL) < 0 ||
	    !tb[AWSVPN_A_EVENT] || nla_len(tb[AWSVPN_A_EVENT]) < 1)
		return NL_SKIP;

	a = tb[AWSVPN_A_IFNAME];
	if (a && nla_len(a) > 0) {
		size_t len = strnlen(nla_data(a), nla_len(a));

		if (len >= sizeof(e.ifname))
			len = sizeof(e.ifname) - 1;
		memcpy(e.ifname, nla_data(a), len);
	}
	if (m->dev && strcmp(m->dev, e.ifname))
		return NL_SKIP;

	timestamp(e.time, sizeof(e.time));
	e.event = name_or_number(event_names, nla_get_u8(tb[AWSVPN_A_EVENT]),
				 e.event_buf, sizeof(e.event_buf));
	a = tb[AWSVPN_A_IFINDEX];
	if (a && nla_len(a) >= 4) {
		e.ifindex = nla_get_u32(a);
		e.has_ifindex = true;
	}
	a = tb[AWSVPN_A_EVENT_REASON];
	if (a && nla_len(a) >= 1)
		e.reason = name_or_number(reason_names, nla_get_u8(a),
					  e.reason_buf, sizeof(e.reason_buf));
	a = tb[AWSVPN_A_EVENT_COUNT];
	if (a && nla_len(a) >= 8) {
		e.count = nla_get_u64(a);
		e.has_count = true;
	}
	if (tb[AWSVPN_A_SA] &&
	    !nla_parse_nested(sa, AWSVPN_SA_A_MAX, tb[AWSVPN_A_SA], NULL)) {
		a = sa[AWSVPN_SA_A_DIR];
		if (a && nla_len(a) >= 1)
			e.dir = name_or_number(dir_names, nla_get_u8(a),
					       e.dir_buf, sizeof(e.dir_buf));
		a = sa[AWSVPN_SA_A_SPI];
		if (a && nla_len(a) >= 4) {
			e.spi = nla_get_u32(a);
			e.has_spi = true;
		}
	}

	if (m->json)
		print_json(&e);
	else
		print_text(&e);
	if (fflush(stdout) || ferror(stdout)) {
		m->write_failed = true;
		return NL_STOP;
	}
	return NL_OK;
}

/*
 * Killing the monitor is how it ends: every line is already flushed, so
 * leave at once, with success.
 */
static void on_signal(int sig)
{
	(void)sig;
	_exit(0);
}

static int monitor_open(struct nl_sock **skp, struct monitor *m)
{
	struct nl_sock *sk;
	int family, grp, ret;

	sk = nl_socket_alloc();
	if (!sk) {
		err_msg("monitor: cannot allocate netlink socket: %s",
			strerror(ENOMEM));
		return -1;
	}
	ret = genl_connect(sk);
	if (ret < 0) {
		err_msg("monitor: cannot open netlink socket: %s",
			nl_geterror(ret));
		goto fail;
	}
	family = genl_ctrl_resolve(sk, AWSVPN_GENL_NAME);
	if (family == -NLE_OBJ_NOTFOUND) {
		err_msg("kernel module not loaded (modprobe awsvpn)");
		goto fail;
	}
	if (family < 0) {
		err_msg("monitor: cannot look up generic netlink family '%s': %s",
			AWSVPN_GENL_NAME, nl_geterror(family));
		goto fail;
	}
	grp = genl_ctrl_resolve_grp(sk, AWSVPN_GENL_NAME, AWSVPN_MCGRP_EVENTS);
	if (grp < 0) {
		err_msg("monitor: the awsvpn module has no '%s' multicast group (too old?): %s",
			AWSVPN_MCGRP_EVENTS, nl_geterror(grp));
		goto fail;
	}
	/* Events are not answers to requests: no sequence numbers. */
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, m);
	nl_socket_set_buffer_size(sk, MONITOR_RCVBUF, 0);
	ret = nl_socket_add_membership(sk, grp);
	if (ret < 0) {
		err_msg("monitor: cannot join multicast group '%s': %s%s",
			AWSVPN_MCGRP_EVENTS, nl_geterror(ret),
			ret == -NLE_PERM ? " (needs CAP_NET_ADMIN)" : "");
		goto fail;
	}
	*skp = sk;
	return 0;

fail:
	nl_socket_free(sk);
	return -1;
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor m = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct nl_sock *sk;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			m.json = true;
		} else if (argv[i][0] == '-') {
			err_msg("monitor: unknown option '%s'", argv[i]);
			help_hint("monitor");
			return 1;
		} else if (m.dev) {
			err_msg("monitor: unexpected argument '%s'", argv[i]);
			help_hint("monitor");
			return 1;
		} else {
			m.dev = argv[i];
			if (check_ifname("monitor", m.dev))
				return 1;
		}
	}

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed pipe is a write error below, not a silent death. */
	signal(SIGPIPE, SIG_IGN);

	if (monitor_open(&sk, &m))
		return 1;

	for (;;) {
		ret = nl_recvmsgs_default(sk);
		if (m.write_failed) {
			err_msg("monitor: cannot write output: %s",
				strerror(errno));
			break;
		}
		if (ret == -NLE_NOMEM) {
			/* ENOBUFS: the socket overflowed, events are lost. */
			err_msg("monitor: warning: events lost (receive buffer overflow)");
			continue;
		}
		if (ret < 0 && ret != -NLE_INTR && ret != -NLE_AGAIN) {
			err_msg("monitor: receive failed: %s", nl_geterror(ret));
			break;
		}
	}
	nl_socket_free(sk);
	return 1;
}
