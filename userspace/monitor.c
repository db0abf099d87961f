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

#include "common.h"

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
	{ "carrier-up", AWSVPN_EVENT_CARRIER_UP },
	{ "carrier-down", AWSVPN_EVENT_CARRIER_DOWN },
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
	struct awsvpn_nl *nl;
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

/* UTC with milliseconds, ISO 8601: 2026-11-21T12:00:00.123Z. */
static void timestamp(char *buf, size_t size)
{
	fmt_utc(buf, size, now_ms());
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
	for (p = e->ifname[0] ? e->ifname : "-"; *p; p++)
		putchar(*p <= ' ' || *p == 0x7f ? '?' : *p);
	printf(" %s", e->event);
	if (e->dir)
		printf(" %s", e->dir);
	if (e->has_spi)
		printf(" spi %s", SPI_STR(e->spi));
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
	if (e->ifname[0])
		json_str(&j, "ifname", e->ifname);
	if (e->has_ifindex)
		json_u64(&j, "ifindex", e->ifindex);
	if (e->dir)
		json_str(&j, "dir", e->dir);
	if (e->has_spi)
		json_spi(&j, "spi", e->spi);
	if (e->reason)
		json_str(&j, "reason", e->reason);
	if (e->has_count)
		json_u64(&j, "count", e->count);
	json_end(&j, '}');
}

static int print_event(struct monitor *m, const struct event *e)
{
	if (m->json)
		print_json(e);
	else
		print_text(e);
	if (fflush(stdout) || ferror(stdout)) {
		m->write_failed = true;
		return NL_STOP;
	}
	return NL_OK;
}

/*
 * The module unloaded (every device gone) or loaded again (an upgrade):
 * said as events of no device, "module-unloaded" and "module-loaded", and
 * the monitor joins the new module's events group, whose id is new.
 */
static int on_module(struct monitor *m, struct nl_msg *msg)
{
	struct event e = { 0 };
	int ret;

	ret = awsvpn_nl_module_event(m->nl, msg);
	if (ret == AWSVPN_MODULE_NONE)
		return NL_SKIP;
	if (ret < 0)
		err_msg("monitor: warning: the awsvpn module was loaded again, but its '%s' group cannot be joined: %s",
			AWSVPN_MCGRP_EVENTS, strerror(-ret));
	timestamp(e.time, sizeof(e.time));
	e.event = ret == AWSVPN_MODULE_UNLOADED ? "module-unloaded" :
						 "module-loaded";
	return print_event(m, &e);
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct monitor *m = arg;
	struct awsvpn_nl_event ev;
	struct event e = { 0 };

	if (nlmsg_hdr(msg)->nlmsg_type != m->nl->family)
		return on_module(m, msg);
	if (awsvpn_event_parse(msg, &ev))
		return NL_SKIP;
	if (m->dev && strcmp(m->dev, ev.ifname))
		return NL_SKIP;

	timestamp(e.time, sizeof(e.time));
	memcpy(e.ifname, ev.ifname, sizeof(e.ifname));
	e.event = name_or_number(event_names, ev.event, e.event_buf,
				 sizeof(e.event_buf));
	e.ifindex = ev.ifindex;
	e.has_ifindex = ev.ifindex != 0;
	/* The reason's enum depends on the event. */
	if (ev.reason)
		e.reason = name_or_number(ev.event == AWSVPN_EVENT_CARRIER_UP ||
					  ev.event == AWSVPN_EVENT_CARRIER_DOWN ?
					  carrier_reason_names : reason_names,
					  ev.reason, e.reason_buf,
					  sizeof(e.reason_buf));
	e.count = ev.count;
	e.has_count = ev.has_count;
	if (ev.dir)
		e.dir = name_or_number(dir_names, ev.dir, e.dir_buf,
				       sizeof(e.dir_buf));
	e.spi = ev.spi;
	e.has_spi = ev.has_sa;
	return print_event(m, &e);
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

static int monitor_open(struct awsvpn_nl *nl, struct monitor *m)
{
	int ret;

	if (awsvpn_nl_open(nl))
		return -1;
	m->nl = nl;
	/* Without it the monitor still works, until the module reloads. */
	if (awsvpn_nl_watch_module(nl))
		err_msg("monitor: warning: cannot watch for module reloads (nlctrl's notify group)");
	ret = awsvpn_nl_subscribe(nl);
	if (ret == -ENOENT)
		err_msg("monitor: the awsvpn module has no '%s' multicast group (too old?)",
			AWSVPN_MCGRP_EVENTS);
	else if (ret)
		err_msg("monitor: cannot join multicast group '%s': %s%s",
			AWSVPN_MCGRP_EVENTS, strerror(-ret),
			ret == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
	if (ret) {
		awsvpn_nl_close(nl);
		return -1;
	}
	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, m);
	return 0;
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor m = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct awsvpn_nl nl;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			m.json = true;
		} else if (argv[i][0] == '-') {
			err_msg("monitor: unknown option '%s'", argv[i]);
			help_hint("monitor");
			return RC_USAGE;
		} else if (m.dev) {
			err_msg("monitor: unexpected argument '%s'", argv[i]);
			help_hint("monitor");
			return RC_USAGE;
		} else {
			m.dev = argv[i];
			if (check_ifname("monitor", m.dev))
				return RC_USAGE;
		}
	}

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed pipe is a write error below, not a silent death. */
	signal(SIGPIPE, SIG_IGN);

	if (monitor_open(&nl, &m))
		return RC_ERR;

	for (;;) {
		ret = nl_recvmsgs_default(nl.sk);
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
	awsvpn_nl_close(&nl);
	return RC_ERR;
}
