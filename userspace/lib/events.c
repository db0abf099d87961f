// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libawsvpn: the module's events (multicast group "events").
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "awsvpn_nl.h"

/* Big enough for a burst of SA events while the reader is busy. */
#define EVENTS_RCVBUF	(1 << 20)

int awsvpn_nl_subscribe(struct awsvpn_nl *nl)
{
	int ret;

	if (nl->events_group <= 0)
		return -ENOENT;
	/* Events are not answers to requests: no sequence numbers. */
	nl_socket_disable_seq_check(nl->sk);
	nl_socket_set_buffer_size(nl->sk, EVENTS_RCVBUF, 0);
	/* Beyond net.core.rmem_max where allowed (CAP_NET_ADMIN). */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUFFORCE,
		   &(int){ EVENTS_RCVBUF }, sizeof(int));
	ret = nl_socket_add_membership(nl->sk, nl->events_group);
	if (ret == -NLE_PERM)
		return -EPERM;
	return ret < 0 ? -EIO : 0;
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
