// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libawsvpn: the module's events (multicast group "events").
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "awsvpn_nl.h"

/* Big enough for a burst of SA events while the reader is busy. */
#define EVENTS_RCVBUF	(1 << 20)

/* Join events group @id on @nl's socket; @nl records it once joined. */
static int join_events(struct awsvpn_nl *nl, int id)
{
	int ret;

	if (id <= 0)
		return -ENOENT;
	ret = nl_socket_add_membership(nl->sk, id);
	if (ret == -NLE_PERM)
		return -EPERM;
	if (ret < 0)
		return -EIO;
	nl->events_group = id;
	return 0;
}

int awsvpn_nl_subscribe(struct awsvpn_nl *nl)
{
	if (nl->events_group <= 0)
		return -ENOENT;
	/* Events are not answers to requests: no sequence numbers. */
	nl_socket_disable_seq_check(nl->sk);
	nl_socket_set_buffer_size(nl->sk, EVENTS_RCVBUF, 0);
	/* Beyond net.core.rmem_max where allowed (CAP_NET_ADMIN). */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUFFORCE,
		   &(int){ EVENTS_RCVBUF }, sizeof(int));
	return join_events(nl, nl->events_group);
}

int awsvpn_nl_watch_module(struct awsvpn_nl *nl)
{
	int grp = genl_ctrl_resolve_grp(nl->sk, "nlctrl", "notify");

	if (grp < 0)
		return -ENOENT;
	return nl_socket_add_membership(nl->sk, grp) < 0 ? -EIO : 0;
}

/* @a holds exactly the string @s, NUL included. */
static bool attr_is(const struct nlattr *a, const char *s)
{
	size_t len = strlen(s) + 1;

	return a && (size_t)nla_len(a) == len && !memcmp(nla_data(a), s, len);
}

int awsvpn_nl_module_event(struct awsvpn_nl *nl, struct nl_msg *msg)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *g[CTRL_ATTR_MCAST_GRP_MAX + 1];
	const struct nlmsghdr *h = nlmsg_hdr(msg);
	const struct genlmsghdr *gh;
	struct nlattr *grp;
	int rem, id = 0, ret;

	if (h->nlmsg_type != GENL_ID_CTRL ||
	    genlmsg_parse((struct nlmsghdr *)h, 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !attr_is(tb[CTRL_ATTR_FAMILY_NAME], AWSVPN_GENL_NAME))
		return AWSVPN_MODULE_NONE;
	gh = nlmsg_data(h);
	if (gh->cmd == CTRL_CMD_DELFAMILY) {
		nl->events_group = 0;
		return AWSVPN_MODULE_UNLOADED;
	}
	if (gh->cmd != CTRL_CMD_NEWFAMILY)
		return AWSVPN_MODULE_NONE;
	if (tb[CTRL_ATTR_FAMILY_ID] && nla_len(tb[CTRL_ATTR_FAMILY_ID]) >= 2)
		nl->family = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS]) {
		nla_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS], rem) {
			if (nla_parse_nested(g, CTRL_ATTR_MCAST_GRP_MAX, grp,
					     NULL) < 0 ||
			    !g[CTRL_ATTR_MCAST_GRP_ID] ||
			    nla_len(g[CTRL_ATTR_MCAST_GRP_ID]) < 4 ||
			    !attr_is(g[CTRL_ATTR_MCAST_GRP_NAME],
				     AWSVPN_MCGRP_EVENTS))
				continue;
			id = nla_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
		}
	}
	ret = join_events(nl, id);
	return ret ? ret : AWSVPN_MODULE_LOADED;
}

int awsvpn_nl_follow(struct awsvpn_nl *events, const struct awsvpn_nl *req)
{
	int ret;

	if (events->generation == req->generation)
		return 0;
	/* Not followed until joined: the next call tries again. */
	ret = join_events(events, req->events_group);
	if (ret)
		return ret;
	events->generation = req->generation;
	events->family = req->family;
	return 1;
}

int awsvpn_event_parse(struct nl_msg *msg, struct awsvpn_nl_event *e)
{
	struct nlattr *tb[AWSVPN_A_MAX + 1], *sa[AWSVPN_SA_A_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *a;

	memset(e, 0, sizeof(*e));
	if (gh->cmd != AWSVPN_CMD_EVENT ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, AWSVPN_A_MAX, NULL) < 0 ||
	    !tb[AWSVPN_A_EVENT] || nla_len(tb[AWSVPN_A_EVENT]) < 1)
		return -EPROTO;

	e->event = nla_get_u8(tb[AWSVPN_A_EVENT]);
	a = tb[AWSVPN_A_IFNAME];
	if (a && nla_len(a) > 0) {
		size_t len = strnlen(nla_data(a), nla_len(a));

		if (len >= sizeof(e->ifname))
			len = sizeof(e->ifname) - 1;
		memcpy(e->ifname, nla_data(a), len);
	}
	a = tb[AWSVPN_A_IFINDEX];
	if (a && nla_len(a) >= 4)
		e->ifindex = nla_get_u32(a);
	a = tb[AWSVPN_A_EVENT_REASON];
	if (a && nla_len(a) >= 1)
		e->reason = nla_get_u8(a);
	a = tb[AWSVPN_A_EVENT_COUNT];
	if (a && nla_len(a) >= 8) {
		e->count = nla_get_u64(a);
		e->has_count = true;
	}
	if (tb[AWSVPN_A_SA] &&
	    !nla_parse_nested(sa, AWSVPN_SA_A_MAX, tb[AWSVPN_A_SA], NULL)) {
		a = sa[AWSVPN_SA_A_DIR];
		if (a && nla_len(a) >= 1)
			e->dir = nla_get_u8(a);
		a = sa[AWSVPN_SA_A_SPI];
		if (a && nla_len(a) >= 4) {
			e->spi = nla_get_u32(a);
			e->has_sa = true;
		}
	}
	return 0;
}
