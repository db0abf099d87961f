// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn up FILE: both tunnels of an AWS VPN connection from its download.
 *
 * Everything is checked before anything is made (the file, the options,
 * the names, charon and its plugin); what is then made is recorded in the
 * state file step by step, so a failure rolls back exactly that and a
 * crash leaves a record "awsvpn down" can use.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "conn/conn.h"

#define UP_TIMEOUT_DEFAULT	60

struct up_opts {
	const char *file, *name, *local, *vici, *vtysh;
	unsigned int timeout;
	bool no_frr;
	int n_routes, n_adv;
	const char *routes[CONN_ROUTES_MAX];
	const char *adv[CONN_ROUTES_MAX];
};

/* "10.0.0.0/16" into its address and prefix length; -1 if it is not one. */
static int prefix_parse(const char *p, struct in_addr *a, unsigned int *plen)
{
	char buf[32], *slash, *end;
	unsigned long len;

	if (snprintf(buf, sizeof(buf), "%s", p) >= (int)sizeof(buf))
		return -1;
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	len = strtoul(slash + 1, &end, 10);
	if (!slash[1] || *end || len > 32 || inet_pton(AF_INET, buf, a) != 1)
		return -1;
	*plen = len;
	return 0;
}

/* "10.0.0.0/16": an IPv4 network with its prefix length, host bits clear. */
static int check_prefix(const char *opt, const char *p)
{
	struct in_addr a;
	unsigned int len;

	if (prefix_parse(p, &a, &len))
		goto bad;
	if (len < 32 && (ntohl(a.s_addr) & (0xffffffffu >> len))) {
		err_msg("%s %s: host bits set (the network is %s/%u?)", opt, p,
			inet_ntoa((struct in_addr){ htonl(ntohl(a.s_addr) &
						  ~(0xffffffffu >> len)) }), len);
		return -1;
	}
	return 0;
bad:
	err_msg("%s '%s': not an IPv4 prefix like 10.1.0.0/16", opt, p);
	return -1;
}

static int up_parse_args(int argc, char **argv, struct up_opts *o)
{
	static const struct option lopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "local", required_argument, NULL, 'l' },
		{ "vici", required_argument, NULL, 'v' },
		{ "route", required_argument, NULL, 'r' },
		{ "advertise", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "vtysh", required_argument, NULL, 'V' },
		{ "no-frr", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	struct in_addr a;
	uint32_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout = UP_TIMEOUT_DEFAULT;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->name = optarg;
			break;
		case 'l':
			if (inet_pton(AF_INET, optarg, &a) != 1) {
				err_msg("up: --local '%s': not an IPv4 address", optarg);
				return -1;
			}
			o->local = optarg;
			break;
		case 'v':
			o->vici = optarg;
			break;
		case 'V':
			o->vtysh = optarg;
			break;
		case 'N':
			o->no_frr = true;
			break;
		case 'r':
		case 'a':
			if (check_prefix(c == 'r' ? "--route" : "--advertise", optarg))
				return -1;
			if ((c == 'r' ? o->n_routes : o->n_adv) >= CONN_ROUTES_MAX) {
				err_msg("up: at most %d of each --route and --advertise",
					CONN_ROUTES_MAX);
				return -1;
			}
			if (c == 'r')
				o->routes[o->n_routes++] = optarg;
			else
				o->adv[o->n_adv++] = optarg;
			break;
		case 't':
			if (parse_u32(optarg, false, &v) || !v || v > 3600) {
				err_msg("up: --timeout '%s': seconds, 1 to 3600", optarg);
				return -1;
			}
			o->timeout = v;
			break;
		default:
			err_msg("up: unknown or incomplete option '%s'", argv[optind - 1]);
			help_hint("up");
			return -1;
		}
	}
	if (optind != argc - 1) {
		err_msg("up: %s", optind >= argc ? "which file? awsvpn up FILE" :
			"one FILE only");
		help_hint("up");
		return -1;
	}
	o->file = argv[optind];
	return 0;
}

/* Lowest interface IDs no awsvpn device of this namespace uses. */
static int pick_if_ids(struct awsvpn_nl *nl, struct conn_state *s)
{
	struct awsvpn_dev_list list = { 0 };
	uint32_t id = 1;
	size_t i;
	int t, err;

	err = awsvpn_dev_get(nl, NULL, &list);
	if (err)
		return -1;
	for (t = 0; t < AWSCONF_TUNNELS; t++) {
again:
		for (i = 0; i < list.n; i++) {
			if ((list.dev[i].has & BIT(AWSVPN_A_IF_ID)) &&
			    list.dev[i].if_id == id) {
				id++;
				goto again;
			}
		}
		s->t[t].if_id = id++;
	}
	awsvpn_dev_list_free(&list);
	return 0;
}

static int set_if_id(struct awsvpn_nl *nl, const struct conn_tunnel *t)
{
	struct nl_msg *msg = awsvpn_nl_req(AWSVPN_CMD_SET_DEVICE, 0);

	if (!msg)
		return -1;
	nla_put_string(msg, AWSVPN_A_IFNAME, t->dev);
	nla_put_u32(msg, AWSVPN_A_IF_ID, t->if_id);
	return awsvpn_nl_run(nl, msg, NULL, NULL, "%s: setting if-id %u",
			     t->dev, t->if_id) ? -1 : 0;
}

/* The devices: created, interface IDs, inside addresses, up, routes. */
static int make_devices(struct conn_state *s, const struct up_opts *o,
			const struct awsvpn_vpn *vpn)
{
	struct awsvpn_nl nl;
	int i, r, err;

	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		if (rtnl_dev_add(s->t[i].dev))
			return -1;
		s->t[i].created = true;
		if (conn_state_write(s))
			return -1;
	}
	err = awsvpn_nl_open(&nl);
	if (err) {
		err_msg("cannot talk to the awsvpn module: %s", strerror(-err));
		return -1;
	}
	err = pick_if_ids(&nl, s);
	for (i = 0; !err && i < AWSCONF_TUNNELS; i++)
		err = set_if_id(&nl, &s->t[i]);
	awsvpn_nl_close(&nl);
	if (err || conn_state_write(s))
		return -1;

	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		const struct awsconf_tunnel *at = &vpn->tunnel[i];

		/*
		 * A route over a device without carrier (no SA, or the peer
		 * declared dead) is skipped, so the other tunnel's route wins.
		 */
		if (sysctl_dev_set(s->t[i].dev, "ignore_routes_with_linkdown", "1") ||
		    /*
		     * Loose: AWS may answer over the tunnel our route does
		     * not prefer (it picks its own), which strict reverse
		     * path filtering (some distributions' default) drops.
		     */
		    sysctl_dev_set(s->t[i].dev, "rp_filter", "2") ||
		    rtnl_addr_add4(s->t[i].dev, at->cgw_inside, at->inside_prefix) ||
		    rtnl_dev_up(s->t[i].dev))
			return -1;
	}
	for (r = 0; r < o->n_routes; r++) {
		for (i = 0; i < AWSCONF_TUNNELS; i++)
			if (rtnl_route_add4(o->routes[r], s->t[i].dev,
					    CONN_METRIC_BASE * (i + 1)))
				return -1;
		/*
		 * With both tunnels down both routes are skipped: without
		 * this one the prefix would follow the default route, in
		 * the clear.  Local senders get EHOSTUNREACH, forwarded
		 * packets an ICMP host unreachable.  Recorded first: unlike
		 * the routes over the devices it outlives them, so an up
		 * killed right after adding it must leave it to down.
		 */
		snprintf(s->routes[s->n_routes++], sizeof(s->routes[0]), "%s",
			 o->routes[r]);
		if (conn_state_write(s) ||
		    rtnl_unreachable4(true, o->routes[r], CONN_METRIC_FALLBACK))
			return -1;
	}
	return conn_state_write(s);
}

/* Undo what @s records (devices take their addresses and routes along). */
int conn_teardown(struct conn_state *s, vici_conn_t *vc)
{
	char kind[32];
	int i, err = 0;

	if (s->loaded && vc)
		swan_unload(vc, s);
	else if (s->loaded)
		err = -1;
	if (s->has_bgp)
		frr_remove(s);
	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		if (!s->t[i].created)
			continue;
		if (rtnl_dev_kind(s->t[i].dev, kind, sizeof(kind)) &&
		    strcmp(kind, "awsvpn")) {
			err_msg("%s is no longer an awsvpn device: left alone",
				s->t[i].dev);
			continue;
		}
		if (rtnl_dev_del(s->t[i].dev))
			err = -1;
	}
	/* after the devices: no moment with only the default route left */
	for (i = 0; i < s->n_routes; i++)
		if (rtnl_unreachable4(false, s->routes[i], CONN_METRIC_FALLBACK))
			err = -1;
	if (!err)
		err = conn_state_remove(s);
	return err;
}

static int already_up(const struct conn_state *old, const char *name)
{
	char kind[32];
	int i;

	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		if (!rtnl_dev_kind(old->t[i].dev, kind, sizeof(kind))) {
			err_msg("up: %s has a record (%s/%s) but its device %s is gone: run 'awsvpn down %s' first",
				name, CONN_STATE_DIR, name, old->t[i].dev, name);
			return -1;
		}
	}
	return 0;
}

/*
 * Up again on a connection that is up: the devices are there, but charon
 * may have been restarted since and lost the connections (they live in
 * its memory only).  Load them again from @vpn and start them, so that a
 * second "up" (or "systemctl reload awsvpn@NAME") repairs the tunnels.
 */
static int up_again(const struct up_opts *o, const struct awsvpn_vpn *vpn,
		    struct conn_state *old, const char *name, int *lock)
{
	vici_conn_t *vc = NULL;
	int has = 1, rc, i;

	if (already_up(old, name))
		return 1;
	if (old->loaded) {
		vc = vici_open(o->vici ? o->vici : old->vici);
		if (!vc)
			return 1;
		has = swan_has_conns(vc, old);
	}
	if (has) {
		if (vc)
			vici.disconnect(vc);
		if (has < 0)
			return 1;
		printf("%s is already up (%s, %s); nothing changed ('awsvpn down %s' first to bring it up anew)\n",
		       name, old->t[0].dev, old->t[1].dev, name);
		return 0;
	}
	/* the record's devices and addresses must be the file's tunnels */
	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		if (vpn->tunnel[i].aws_outside.s_addr != old->t[i].aws_outside.s_addr ||
		    vpn->tunnel[i].aws_inside.s_addr != old->t[i].aws_inside.s_addr ||
		    vpn->tunnel[i].cgw_inside.s_addr != old->t[i].cgw_inside.s_addr) {
			err_msg("up: %s was brought up from another connection than %s (tunnel %d differs): 'awsvpn down %s' first",
				name, o->file, i + 1, name);
			vici.disconnect(vc);
			return 1;
		}
	}
	printf("%s: its devices are there but charon lost its connections (restarted?): loading them again\n",
	       name);
	rc = swan_load(vc, vpn, old, o->local);
	vici.disconnect(vc);
	if (rc)
		return 1;
	fflush(stdout);
	conn_unlock(*lock);
	*lock = -1;
	if (swan_initiate(old, o->timeout))
		return 3;
	printf("%s is up\n", name);
	return 0;
}

static int check_names(const struct conn_state *s)
{
	char kind[32];
	int i;

	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		if (rtnl_dev_kind(s->t[i].dev, kind, sizeof(kind))) {
			err_msg("up: device %s exists already and is not %s's: pick another --name",
				s->t[i].dev, s->name);
			return -1;
		}
	}
	return 0;
}

/*
 * A --route that covers an AWS outside address would carry IKE and ESP to
 * that endpoint into the tunnels themselves once one is up.
 */
static int check_routes(const struct up_opts *o, const struct awsvpn_vpn *vpn)
{
	char aws[INET_ADDRSTRLEN];
	struct in_addr net;
	unsigned int plen;
	uint32_t mask;
	int r, i;

	for (r = 0; r < o->n_routes; r++) {
		if (prefix_parse(o->routes[r], &net, &plen))
			return -1;
		mask = plen ? htonl(~0U << (32 - plen)) : 0;
		for (i = 0; i < AWSCONF_TUNNELS; i++) {
			if ((vpn->tunnel[i].aws_outside.s_addr & mask) != net.s_addr)
				continue;
			inet_ntop(AF_INET, &vpn->tunnel[i].aws_outside, aws,
				  sizeof(aws));
			err_msg("up: --route %s covers tunnel %d's AWS endpoint %s: IKE and ESP to it would be routed into the tunnels",
				o->routes[r], i + 1, aws);
			return -1;
		}
	}
	return 0;
}

static void state_init(struct conn_state *s, const struct up_opts *o,
		       const struct awsvpn_vpn *vpn, const char *name)
{
	int i;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (!realpath(o->file, s->file))
		snprintf(s->file, sizeof(s->file), "%s", o->file);
	snprintf(s->vici, sizeof(s->vici), "%s", o->vici ? o->vici : VICI_DEFAULT_URI);
	if (o->vtysh)
		snprintf(s->vtysh, sizeof(s->vtysh), "%s", o->vtysh);
	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		struct conn_tunnel *t = &s->t[i];

		snprintf(t->dev, sizeof(t->dev), "%s%d", name, i);
		snprintf(t->ike, sizeof(t->ike), "%s-t%d", name, i + 1);
		t->aws_outside = vpn->tunnel[i].aws_outside;
		t->aws_inside = vpn->tunnel[i].aws_inside;
		t->cgw_inside = vpn->tunnel[i].cgw_inside;
	}
	for (i = 0; i < o->n_adv; i++)
		snprintf(s->adv[s->n_adv++], sizeof(s->adv[0]), "%s", o->adv[i]);
}

static int up(const struct up_opts *o, struct awsvpn_vpn *vpn)
{
	char name[CONN_NAME_MAX + 1];
	struct conn_state s, old;
	vici_conn_t *vc;
	int rc, lock;

	if (o->name)
		snprintf(name, sizeof(name), "%.*s", CONN_NAME_MAX, o->name);
	else
		conn_default_name(vpn, name, sizeof(name));
	if (conn_name_check(o->name ? o->name : name))
		return 1;
	if (check_routes(o, vpn))
		return 1;
	if (!vpn->tunnel[0].has_bgp && o->n_adv) {
		err_msg("up: --advertise needs BGP, and %s has no BGP section (static routing: use --route)",
			o->file);
		return 1;
	}

	lock = conn_lock();
	if (lock < 0)
		return 1;
	rc = conn_state_read(name, &old);
	if (rc <= 0) {
		if (!rc)
			rc = up_again(o, vpn, &old, name, &lock);
		else
			rc = 1;
		conn_unlock(lock);
		return rc;
	}

	state_init(&s, o, vpn, name);
	if (check_names(&s)) {
		conn_unlock(lock);
		return 1;
	}
	vc = vici_open(o->vici);
	if (!vc || swan_plugin_check(vc)) {
		if (vc)
			vici.disconnect(vc);
		conn_unlock(lock);
		return 1;
	}

	if (conn_state_write(&s) || make_devices(&s, o, vpn))
		goto rollback;
	if (swan_load(vc, vpn, &s, o->local)) {
		s.loaded = true;	/* whatever got in comes out */
		goto rollback;
	}
	s.loaded = true;
	if (conn_state_write(&s))
		goto rollback;
	if (vpn->tunnel[0].has_bgp) {
		if (frr_write(vpn, &s) || conn_state_write(&s))
			goto rollback;
		if (!o->no_frr && frr_apply(&s) < 0)
			goto rollback;
		if (conn_state_write(&s))
			goto rollback;
	} else if (!o->n_routes) {
		printf("static routing: no --route given, so nothing is routed over the tunnels yet\n");
	}
	printf("%s: devices %s (if-id %u) and %s (if-id %u), %d route(s)\n",
	       s.name, s.t[0].dev, s.t[0].if_id, s.t[1].dev, s.t[1].if_id,
	       s.n_routes);
	fflush(stdout);
	/* all is made and recorded: others need not wait for IKE */
	conn_unlock(lock);

	rc = swan_initiate(&s, o->timeout);
	vici.disconnect(vc);
	if (rc) {
		err_msg("up: %s is configured, and charon keeps trying the tunnel(s) that are not up; 'awsvpn status %s' shows them, 'awsvpn down %s' removes everything",
			s.name, s.name, s.name);
		return 3;
	}
	printf("%s is up\n", s.name);
	return 0;

rollback:
	err_msg("up: %s failed; removing what was made", s.name);
	conn_teardown(&s, vc);
	vici.disconnect(vc);
	conn_unlock(lock);
	return 1;
}

int cmd_up(int argc, char **argv)
{
	struct awsvpn_vpn vpn;
	struct up_opts o;
	struct stat st;
	char err[512];
	int rc;

	if (help_wanted(argc, argv))
		return help_topic(stdout, "up");
	if (up_parse_args(argc, argv, &o))
		return RC_USAGE;
	if (o.name && conn_name_check(o.name))
		return RC_USAGE;
	if (!stat(o.file, &st) && (st.st_mode & 077))
		err_msg("warning: %s holds pre-shared keys and others may read it: chmod 600 %s",
			o.file, o.file);
	if (awsconf_parse_file(o.file, &vpn, err, sizeof(err))) {
		err_msg("%s", err);
		return 1;
	}
	rc = up(&o, &vpn);
	awsconf_free(&vpn);
	return rc;
}
