// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn status [NAME] [--json]: per tunnel what charon says (IKE and
 * CHILD SA state, age, next rekey), what the device says (carrier,
 * counters) and, with BGP, what FRR says of the neighbour.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "conn/conn.h"

struct tunnel_status {
	struct swan_info sw;
	bool charon_ok;
	bool dev_ok;
	struct awsvpn_dev dev;
	char bgp[24];			/* "" without BGP */
};

static void collect(const struct conn_state *s, vici_conn_t *vc,
		    struct awsvpn_nl *nl, int i, struct tunnel_status *ts)
{
	const struct conn_tunnel *t = &s->t[i];
	struct awsvpn_dev_list list = { 0 };

	memset(ts, 0, sizeof(*ts));
	ts->charon_ok = vc && !swan_query(vc, t->ike, &ts->sw);
	if (nl && !awsvpn_dev_get(nl, t->dev, &list) && list.n == 1) {
		ts->dev = list.dev[0];
		ts->dev.sa = NULL;	/* not kept past the list */
		ts->dev.n_sa = 0;
		ts->dev_ok = true;
	}
	awsvpn_dev_list_free(&list);
	if (s->has_bgp && frr_neighbor_state(s, t->aws_inside, ts->bgp,
					     sizeof(ts->bgp)))
		snprintf(ts->bgp, sizeof(ts->bgp), "unknown");
}

/* charon's SPI (hex, "c1a2b3c4") the way awsvpn prints SPIs: "0xc1a2b3c4". */
static const char *spi_str(const char *hex, char *buf, size_t size)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(hex, &end, 16);
	if (!*hex || *end || errno || v > UINT32_MAX)
		return hex;
	return fmt_spi(buf, size, v);
}

#define SPI(hex)	spi_str(hex, (char[12]){ 0 }, 12)

static const char *reason_str(int r)
{
	const char *name = map_name(carrier_reason_names, r);

	return name ? name : "unknown";
}

/* The module's own carrier (AWSVPN_A_CARRIER), "unknown" without a device. */
static const char *carrier_str(const struct tunnel_status *ts)
{
	if (!ts->dev_ok)
		return "unknown";
	return ts->dev.carrier ? "up" : "down";
}

static void print_text(const struct conn_state *s, int i,
		       const struct tunnel_status *ts)
{
	const struct conn_tunnel *t = &s->t[i];
	const struct swan_info *w = &ts->sw;
	char aws[INET_ADDRSTRLEN], in[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &t->aws_outside, aws, sizeof(aws));
	inet_ntop(AF_INET, &t->cgw_inside, in, sizeof(in));
	printf("  tunnel %d: %s  AWS %s  inside %s  if-id %u\n", i + 1, t->dev,
	       aws, in, t->if_id);
	if (!ts->charon_ok)
		printf("    IKE: charon not reachable\n");
	else if (!w->found)
		printf("    IKE: down (no IKE SA)\n");
	else if (w->ike_established >= 0)
		printf("    IKE: %s, up %ld s, rekey in %ld s, peer %s%s\n",
		       w->ike_state, w->ike_established, w->ike_rekey,
		       w->remote, w->nat ? ", NAT-T" : "");
	else
		printf("    IKE: %s, peer %s\n", w->ike_state, w->remote);
	if (ts->charon_ok && w->child)
		printf("    CHILD SA: %s, age %ld s, rekey in %ld s, expires in %ld s, %s, spi in %s out %s\n",
		       w->child_state, w->child_installed, w->child_rekey,
		       w->child_life, w->suite, SPI(w->spi_in), SPI(w->spi_out));
	else if (ts->charon_ok)
		printf("    CHILD SA: none installed\n");
	if (ts->dev_ok && !ts->dev.carrier &&
	    (ts->dev.has & BIT(AWSVPN_A_CARRIER_REASON)))
		printf("    carrier: down (%s)\n",
		       reason_str(ts->dev.carrier_reason));
	else
		printf("    carrier: %s\n", carrier_str(ts));
	if (ts->dev_ok)
		printf("    traffic: rx %llu bytes %llu packets, tx %llu bytes %llu packets\n",
		       (unsigned long long)ts->dev.st.v[AWSVPN_STAT_RX_BYTES],
		       (unsigned long long)ts->dev.st.v[AWSVPN_STAT_RX_PACKETS],
		       (unsigned long long)ts->dev.st.v[AWSVPN_STAT_TX_BYTES],
		       (unsigned long long)ts->dev.st.v[AWSVPN_STAT_TX_PACKETS]);
	else
		printf("    device: missing\n");
	if (s->has_bgp)
		printf("    BGP: %s\n", ts->bgp);
}

static void print_json(struct json *j, const struct conn_state *s, int i,
		       const struct tunnel_status *ts)
{
	const struct conn_tunnel *t = &s->t[i];
	const struct swan_info *w = &ts->sw;
	char buf[INET_ADDRSTRLEN];

	json_begin(j, NULL, '{');
	json_u64(j, "tunnel", i + 1);
	json_str(j, "device", t->dev);
	json_u64(j, "if_id", t->if_id);
	inet_ntop(AF_INET, &t->aws_outside, buf, sizeof(buf));
	json_str(j, "aws_outside", buf);
	inet_ntop(AF_INET, &t->cgw_inside, buf, sizeof(buf));
	json_str(j, "inside", buf);
	if (ts->charon_ok)
		json_str(j, "ike_state", w->found ? w->ike_state : "DOWN");
	else
		json_null(j, "ike_state");
	if (ts->charon_ok && w->found) {
		if (w->ike_established >= 0)
			json_u64(j, "ike_established", w->ike_established);
		if (w->ike_rekey >= 0)
			json_u64(j, "ike_rekey_in", w->ike_rekey);
		json_str(j, "peer", w->remote);
		json_bool(j, "nat", w->nat);
	}
	if (ts->charon_ok && w->child) {
		json_str(j, "child_state", w->child_state);
		json_u64(j, "child_age", w->child_installed);
		json_u64(j, "child_rekey_in", w->child_rekey);
		json_u64(j, "child_expires_in", w->child_life);
		json_str(j, "suite", w->suite);
		json_str(j, "spi_in", SPI(w->spi_in));
		json_str(j, "spi_out", SPI(w->spi_out));
	} else {
		json_null(j, "child_state");
	}
	json_str(j, "carrier", carrier_str(ts));
	if (ts->dev_ok && (ts->dev.has & BIT(AWSVPN_A_CARRIER_REASON)))
		json_str(j, "carrier_reason",
			 reason_str(ts->dev.carrier_reason));
	if (ts->dev_ok) {
		json_u64(j, "rx_bytes", ts->dev.st.v[AWSVPN_STAT_RX_BYTES]);
		json_u64(j, "rx_packets", ts->dev.st.v[AWSVPN_STAT_RX_PACKETS]);
		json_u64(j, "tx_bytes", ts->dev.st.v[AWSVPN_STAT_TX_BYTES]);
		json_u64(j, "tx_packets", ts->dev.st.v[AWSVPN_STAT_TX_PACKETS]);
	}
	if (s->has_bgp)
		json_str(j, "bgp", ts->bgp);
	json_end(j, '}');
}

static int status_one(const char *name, bool json, struct json *j)
{
	struct tunnel_status ts[AWSCONF_TUNNELS];
	struct awsvpn_nl nl;
	struct conn_state s;
	vici_conn_t *vc;
	bool nl_ok;
	int i, rc;

	rc = conn_state_read(name, &s);
	if (rc) {
		if (rc > 0)
			err_msg("status: no connection '%s' is up here", name);
		return 1;
	}
	vc = vici_open(s.vici);
	nl_ok = !awsvpn_nl_open(&nl);
	for (i = 0; i < AWSCONF_TUNNELS; i++)
		collect(&s, vc, nl_ok ? &nl : NULL, i, &ts[i]);
	if (nl_ok)
		awsvpn_nl_close(&nl);
	if (vc)
		vici.disconnect(vc);

	if (json) {
		json_begin(j, NULL, '{');
		json_str(j, "name", s.name);
		json_str(j, "file", s.file);
		json_str(j, "routing", s.has_bgp ? "bgp" : "static");
		json_begin(j, "tunnels", '[');
		for (i = 0; i < AWSCONF_TUNNELS; i++)
			print_json(j, &s, i, &ts[i]);
		json_end(j, ']');
		json_end(j, '}');
	} else {
		printf("%s: %s, %s routing\n", s.name, s.file,
		       s.has_bgp ? "BGP" : "static");
		for (i = 0; i < AWSCONF_TUNNELS; i++)
			print_text(&s, i, &ts[i]);
	}
	return 0;
}

int cmd_status(int argc, char **argv)
{
	struct json j = { .f = stdout };
	const char *name = NULL;
	bool json = false;
	struct dirent *de;
	int i, rc = 0, n = 0;
	DIR *d;

	if (help_wanted(argc, argv))
		return help_topic(stdout, "status");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			json = true;
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else {
			err_msg("status: unexpected '%s'", argv[i]);
			help_hint("status");
			return RC_USAGE;
		}
	}
	if (name && conn_name_check(name))
		return RC_USAGE;
	if (json)
		json_begin(&j, NULL, '[');
	if (name) {
		rc = status_one(name, json, &j);
	} else {
		d = opendir(CONN_STATE_DIR);
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.' || strchr(de->d_name, '.'))
				continue;
			if (n++ && !json)
				printf("\n");
			rc |= status_one(de->d_name, json, &j);
		}
		if (d)
			closedir(d);
		if (!n && !json)
			printf("no connection is up (awsvpn up FILE)\n");
	}
	if (json) {
		json_end(&j, ']');
		fputc('\n', stdout);
	}
	return rc;
}
