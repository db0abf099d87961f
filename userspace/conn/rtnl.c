// SPDX-License-Identifier: GPL-2.0
/*
 * Links, addresses and routes of a connection, through libnl-route.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "common.h"
#include "conn/conn.h"

static struct nl_sock *rtnl_sock(void)
{
	static struct nl_sock *sk;

	if (sk)
		return sk;
	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE)) {
		err_msg("rtnetlink: cannot open a socket");
		nl_socket_free(sk);
		sk = NULL;
	}
	return sk;
}

int rtnl_dev_add(const char *name)
{
	struct nl_sock *sk = rtnl_sock();
	struct rtnl_link *link;
	int err;

	if (!sk)
		return -1;
	link = rtnl_link_alloc();
	if (!link)
		return -1;
	rtnl_link_set_name(link, name);
	err = rtnl_link_set_type(link, "awsvpn");
	if (!err)
		err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	if (err) {
		err_msg("cannot create device %s: %s%s", name, nl_geterror(err),
			err == -NLE_OPNOTSUPP || err == -NLE_INVAL ?
			" (is awsvpn.ko loaded? modprobe awsvpn)" : "");
		return -1;
	}
	return 0;
}

int rtnl_dev_del(const char *name)
{
	struct nl_sock *sk = rtnl_sock();
	struct rtnl_link *link;
	int err;

	if (!sk)
		return -1;
	link = rtnl_link_alloc();
	if (!link)
		return -1;
	rtnl_link_set_name(link, name);
	err = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	if (err && err != -NLE_NODEV && err != -NLE_OBJ_NOTFOUND) {
		err_msg("cannot delete device %s: %s", name, nl_geterror(err));
		return -1;
	}
	return 0;
}

/* The kind of link @name ("awsvpn"), "" if it has none, NULL if none exists. */
const char *rtnl_dev_kind(const char *name, char *buf, size_t len)
{
	struct nl_sock *sk = rtnl_sock();
	struct rtnl_link *link = NULL;
	const char *type;

	if (!sk || rtnl_link_get_kernel(sk, 0, name, &link))
		return NULL;
	type = rtnl_link_get_type(link);
	snprintf(buf, len, "%s", type ? type : "");
	rtnl_link_put(link);
	return buf;
}

int rtnl_dev_up(const char *name)
{
	struct nl_sock *sk = rtnl_sock();
	struct rtnl_link *link = NULL, *change;
	int err;

	if (!sk)
		return -1;
	err = rtnl_link_get_kernel(sk, 0, name, &link);
	if (!err) {
		change = rtnl_link_alloc();
		rtnl_link_set_flags(change, IFF_UP);
		err = rtnl_link_change(sk, link, change, 0);
		rtnl_link_put(change);
		rtnl_link_put(link);
	}
	if (err) {
		err_msg("cannot set %s up: %s", name, nl_geterror(err));
		return -1;
	}
	return 0;
}

int rtnl_addr_add4(const char *dev, struct in_addr a, unsigned int plen)
{
	struct nl_sock *sk = rtnl_sock();
	struct rtnl_addr *addr;
	struct nl_addr *local;
	int ifindex = if_nametoindex(dev), err;

	if (!sk || !ifindex)
		return -1;
	addr = rtnl_addr_alloc();
	local = nl_addr_build(AF_INET, &a, sizeof(a));
	if (!addr || !local) {
		rtnl_addr_put(addr);
		nl_addr_put(local);
		return -1;
	}
	nl_addr_set_prefixlen(local, plen);
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_local(addr, local);
	err = rtnl_addr_add(sk, addr, NLM_F_CREATE | NLM_F_EXCL);
	nl_addr_put(local);
	rtnl_addr_put(addr);
	if (err) {
		err_msg("cannot add %s/%u to %s: %s", inet_ntoa(a), plen, dev,
			nl_geterror(err));
		return -1;
	}
	return 0;
}

/*
 * Add (@add) or delete a static route to @prefix with @metric: over @dev,
 * or with @dev NULL an "unreachable" one.  Deleting what is not there is
 * no error.
 */
static int route4(bool add, const char *prefix, const char *dev,
		  uint32_t metric)
{
	struct nl_sock *sk = rtnl_sock();
	struct rtnl_route *route;
	struct rtnl_nexthop *nh;
	struct nl_addr *dst = NULL;
	int ifindex = dev ? (int)if_nametoindex(dev) : 0, err;

	if (!sk || (dev && !ifindex))
		return -1;
	err = nl_addr_parse(prefix, AF_INET, &dst);
	if (err) {
		err_msg("bad prefix '%s'", prefix);
		return -1;
	}
	route = rtnl_route_alloc();
	rtnl_route_set_family(route, AF_INET);
	rtnl_route_set_dst(route, dst);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
	rtnl_route_set_priority(route, metric);
	if (dev) {
		nh = rtnl_route_nh_alloc();
		rtnl_route_nh_set_ifindex(nh, ifindex);
		rtnl_route_add_nexthop(route, nh);
	} else {
		rtnl_route_set_type(route, RTN_UNREACHABLE);
	}
	err = add ? rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_EXCL) :
		    rtnl_route_delete(sk, route, 0);
	rtnl_route_put(route);
	nl_addr_put(dst);
	if (!add && err == -NLE_OBJ_NOTFOUND)
		err = 0;
	if (err) {
		err_msg("cannot %s route %s%s%s metric %u: %s",
			add ? "add" : "delete", dev ? "" : "unreachable ",
			prefix, dev ? " dev " : "", metric, nl_geterror(err));
		return -1;
	}
	return 0;
}

int rtnl_route_add4(const char *prefix, const char *dev, uint32_t metric)
{
	return route4(true, prefix, dev, metric);
}

int rtnl_unreachable4(bool add, const char *prefix, uint32_t metric)
{
	return route4(add, prefix, NULL, metric);
}

/* net.ipv4.conf.DEV.KEY = VALUE */
int sysctl_dev_set(const char *dev, const char *key, const char *value)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", dev, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err_msg("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	n = write(fd, value, strlen(value));
	close(fd);
	if (n != (ssize_t)strlen(value)) {
		err_msg("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
