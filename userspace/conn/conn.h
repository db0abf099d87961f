/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A whole AWS VPN connection on this gateway: "awsvpn up", "down" and
 * "status".  up reads the download (conf/awsconf.h), creates one device per
 * tunnel, hands both tunnels to charon over vici and records what it made
 * in a state file, so that down removes exactly that.
 */
#ifndef AWSVPN_CONN_H
#define AWSVPN_CONN_H

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "conf/awsconf.h"
#include "conn/vici.h"

#define CONN_STATE_DIR		"/run/awsvpn"
#define CONN_NAME_MAX		14	/* NAME0 must fit IFNAMSIZ */
#define CONN_ROUTES_MAX		32
#define CONN_METRIC_BASE	100	/* tunnel 1; tunnel 2 gets +100 */
/* --route when both tunnels are down: refused, not sent in the clear */
#define CONN_METRIC_FALLBACK	1000

struct conn_tunnel {
	char dev[IFNAMSIZ];
	uint32_t if_id;
	char ike[32];			/* charon connection and child name */
	struct in_addr aws_outside, aws_inside, cgw_inside;
	bool created;			/* the device exists (rollback) */
};

struct conn_state {
	char name[CONN_NAME_MAX + 1];
	char file[PATH_MAX];
	char vici[256];
	struct conn_tunnel t[AWSCONF_TUNNELS];
	bool loaded;			/* connections and keys are in charon */
	int n_routes;
	char routes[CONN_ROUTES_MAX][32];	/* each with its unreachable */
	/* BGP */
	bool has_bgp;
	uint32_t cgw_asn;
	char frr_conf[PATH_MAX];
	bool frr_applied;
	bool frr_made_router;		/* "router bgp ASN" was ours */
	int n_adv;
	char adv[CONN_ROUTES_MAX][32];	/* --advertise */
	char vtysh[256];		/* --vtysh: how to reach FRR */
};

/* Copy @src into @dst of @n bytes, cut if longer; always terminated. */
static inline void str_copy(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* rtnl.c */
int rtnl_dev_add(const char *name);
int rtnl_dev_del(const char *name);
const char *rtnl_dev_kind(const char *name, char *buf, size_t len);
int rtnl_dev_up(const char *name);
int rtnl_addr_add4(const char *dev, struct in_addr a, unsigned int plen);
int rtnl_route_add4(const char *prefix, const char *dev, uint32_t metric);
int rtnl_unreachable4(bool add, const char *prefix, uint32_t metric);
int sysctl_dev_set(const char *dev, const char *key, const char *value);

/* state.c */
int conn_state_path(const char *name, char *buf, size_t len);
int conn_state_write(const struct conn_state *s);
int conn_state_read(const char *name, struct conn_state *s);
int conn_state_remove(const struct conn_state *s);
int conn_name_check(const char *name);
int conn_name_check_quiet(const char *name);
FILE *conn_file_create(const char *path, mode_t mode);
int conn_lock(void);
void conn_unlock(int fd);
void conn_default_name(const struct awsvpn_vpn *vpn, char *buf, size_t len);

/* swanctl.c: the tunnels in charon */
int swan_plugin_check(vici_conn_t *c);
int swan_load(vici_conn_t *c, const struct awsvpn_vpn *vpn,
	      const struct conn_state *s, const char *local);
void swan_unload(vici_conn_t *c, const struct conn_state *s);
int swan_has_conns(vici_conn_t *c, const struct conn_state *s);
int swan_initiate(const struct conn_state *s, unsigned int timeout);

/* What charon says of a tunnel (swanctl --list-sas), for status */
struct swan_info {
	bool found;			/* an IKE SA exists */
	char ike_state[24];		/* ESTABLISHED, CONNECTING, ... */
	char remote[48];		/* host:port */
	bool nat;			/* a NAT was detected */
	long ike_established, ike_rekey;	/* seconds, -1 if unknown */
	bool child;			/* an installed CHILD_SA */
	char child_state[24];
	char spi_in[12], spi_out[12], suite[64];
	long child_installed, child_rekey, child_life;
	unsigned long long bytes_in, bytes_out;
};

int swan_query(vici_conn_t *c, const char *ike, struct swan_info *info);

/* frr.c */
int frr_write(const struct awsvpn_vpn *vpn, struct conn_state *s);
int frr_apply(struct conn_state *s);
void frr_remove(const struct conn_state *s);
int frr_neighbor_state(const struct conn_state *s, struct in_addr nbr,
		       char *buf, size_t len);

/* up.c: undo what @s records; @vc may be NULL (charon unreachable) */
int conn_teardown(struct conn_state *s, vici_conn_t *vc);

int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
