// SPDX-License-Identifier: GPL-2.0
/*
 * The two tunnels of a connection in charon, over vici: the pre-shared
 * keys (load-shared: they travel over charon's root-only socket, never
 * through argv or a file of ours), one connection per tunnel (load-conn),
 * initiate both at once, and unload.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "conn/conn.h"

/* Does @list of the reply @res (top level) hold all @n @items? */
static bool res_list_has_all(vici_res_t *res, const char *list,
			     const char *const *items, int n)
{
	bool in_list = false;
	int depth = 0, len, found = 0, i;
	char *v;

	for (;;) {
		switch (vici.parse(res)) {
		case VICI_PARSE_BEGIN_SECTION:
			depth++;
			break;
		case VICI_PARSE_END_SECTION:
			depth--;
			break;
		case VICI_PARSE_BEGIN_LIST:
			in_list = depth == 0 && !strcmp(vici.parse_name(res), list);
			break;
		case VICI_PARSE_LIST_ITEM:
			v = vici.parse_value(res, &len);
			for (i = 0; in_list && i < n; i++)
				if (items[i] && len == (int)strlen(items[i]) &&
				    !memcmp(v, items[i], len)) {
					found |= 1 << i;
					break;
				}
			break;
		case VICI_PARSE_END_LIST:
			in_list = false;
			break;
		case VICI_PARSE_KEY_VALUE:
			break;
		default:
			return found == (1 << n) - 1;
		}
	}
}

static bool res_list_has(vici_res_t *res, const char *list, const char *item)
{
	return res_list_has_all(res, list, &item, 1);
}

int swan_plugin_check(vici_conn_t *c)
{
	vici_res_t *res;
	bool ok;

	if (vici_call(c, vici.begin("stats"), "asking charon for its plugins", &res))
		return -1;
	ok = res_list_has(res, "plugins", "kernel-awsvpn");
	vici.free_res(res);
	if (!ok) {
		err_msg("charon has not loaded the kernel-awsvpn plugin: its SAs would not reach awsvpn devices (install it with 'make install' and restart strongSwan)");
		return -1;
	}
	return 0;
}

/* "a,b,c" as a vici list */
static void add_csv_list(vici_req_t *req, const char *key, const char *csv)
{
	const char *p = csv, *e;

	vici.begin_list(req, (char *)key);
	while (*p) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		if (e > p)
			vici.add_list_item(req, (void *)p, e - p);
		p = *e ? e + 1 : e;
	}
	vici.end_list(req);
}

static int load_shared(vici_conn_t *c, const struct awsconf_tunnel *at,
		       const struct conn_tunnel *t)
{
	char id[64], cgw[INET_ADDRSTRLEN], aws[INET_ADDRSTRLEN];
	vici_req_t *req = vici.begin("load-shared");

	snprintf(id, sizeof(id), "%s-psk", t->ike);
	inet_ntop(AF_INET, &at->cgw_outside, cgw, sizeof(cgw));
	inet_ntop(AF_INET, &at->aws_outside, aws, sizeof(aws));
	vici_kv(req, "id", id);
	vici_kv(req, "type", "IKE");
	vici_kv(req, "data", at->psk);
	vici.begin_list(req, "owners");
	vici.add_list_item(req, cgw, strlen(cgw));
	vici.add_list_item(req, aws, strlen(aws));
	vici.end_list(req);
	return vici_call(c, req, "loading the pre-shared key into charon", NULL);
}

/*
 * One tunnel as AWS wants it: PSK with the outside addresses as IDs, 0/0
 * selectors, the interface ID of its device, DPD that restarts (so a dead
 * tunnel loses its SAs, its device its carrier, and charon keeps trying),
 * keyingtries 0, no MOBIKE (AWS does not do it), AWS's replay window.
 * Rekeys start at 90% of the lifetime, with up to 5% of jitter, so that the
 * gateway rekeys before AWS's lifetimes run out.
 */
static int load_conn(vici_conn_t *c, const struct awsconf_tunnel *at,
		     const struct conn_tunnel *t, const char *local)
{
	char cgw[INET_ADDRSTRLEN], aws[INET_ADDRSTRLEN];
	vici_req_t *req = vici.begin("load-conn");

	inet_ntop(AF_INET, &at->cgw_outside, cgw, sizeof(cgw));
	inet_ntop(AF_INET, &at->aws_outside, aws, sizeof(aws));

	vici.begin_section(req, (char *)t->ike);
	vici_kvf(req, "version", "%u", at->ike_version);
	vici_list1(req, "local_addrs", local ? local : "%any");
	vici_list1(req, "remote_addrs", aws);
	add_csv_list(req, "proposals", at->ike_proposals);
	vici_kv(req, "mobike", "no");
	vici_kv(req, "keyingtries", "0");
	vici_kvf(req, "rekey_time", "%us", at->ike_lifetime * 9 / 10);
	vici_kvf(req, "over_time", "%us", at->ike_lifetime / 10);
	vici_kvf(req, "rand_time", "%us", at->ike_lifetime / 20);
	if (at->dpd_interval) {
		vici_kvf(req, "dpd_delay", "%us", at->dpd_interval);
		/* IKEv1 only; IKEv2 gives up after charon's retransmits */
		vici_kvf(req, "dpd_timeout", "%us",
			 at->dpd_interval * (at->dpd_retries ? at->dpd_retries : 3));
	}
	vici.begin_section(req, "local");
	vici_kv(req, "auth", "psk");
	vici_kv(req, "id", cgw);
	vici.end_section(req);
	vici.begin_section(req, "remote");
	vici_kv(req, "auth", "psk");
	vici_kv(req, "id", aws);
	vici.end_section(req);

	vici.begin_section(req, "children");
	vici.begin_section(req, (char *)t->ike);
	vici_list1(req, "local_ts", "0.0.0.0/0");
	vici_list1(req, "remote_ts", "0.0.0.0/0");
	add_csv_list(req, "esp_proposals", at->esp_proposals);
	vici_kv(req, "mode", "tunnel");
	vici_kvf(req, "if_id_in", "%u", t->if_id);
	vici_kvf(req, "if_id_out", "%u", t->if_id);
	vici_kvf(req, "rekey_time", "%us", at->esp_lifetime * 9 / 10);
	vici_kvf(req, "life_time", "%us", at->esp_lifetime);
	vici_kvf(req, "rand_time", "%us", at->esp_lifetime / 20);
	vici_kv(req, "replay_window", "1024");
	vici_kv(req, "dpd_action", at->dpd_interval ? "restart" : "clear");
	vici_kv(req, "close_action", "restart");
	vici.end_section(req);
	vici.end_section(req);
	vici.end_section(req);
	return vici_call(c, req, "loading the tunnel into charon", NULL);
}

int swan_load(vici_conn_t *c, const struct awsvpn_vpn *vpn,
	      const struct conn_state *s, const char *local)
{
	int i;

	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		if (load_shared(c, &vpn->tunnel[i], &s->t[i]) ||
		    load_conn(c, &vpn->tunnel[i], &s->t[i], local)) {
			err_msg("tunnel %d (%s) not loaded", i + 1, s->t[i].ike);
			return -1;
		}
	}
	return 0;
}

/* 1: charon has both tunnels' connections; 0: not both; -1: no answer. */
int swan_has_conns(vici_conn_t *c, const struct conn_state *s)
{
	const char *names[AWSCONF_TUNNELS];
	vici_res_t *res;
	bool all;
	int i;

	if (vici_call(c, vici.begin("get-conns"), "asking charon for its connections",
		      &res))
		return -1;
	for (i = 0; i < AWSCONF_TUNNELS; i++)
		names[i] = s->t[i].ike;
	all = res_list_has_all(res, "conns", names, AWSCONF_TUNNELS);
	vici.free_res(res);
	return all;
}

static void unload_one(vici_conn_t *c, const char *cmd, const char *key,
		       const char *name)
{
	vici_req_t *req = vici.begin((char *)cmd);
	vici_res_t *res;

	vici_kv(req, key, name);
	res = vici.submit(req, c);
	if (res)
		vici.free_res(res);
}

/*
 * Delete the tunnels' SAs (AWS is told), then the definitions and keys.
 * Errors are not fatal: what is already gone is fine.
 */
void swan_unload(vici_conn_t *c, const struct conn_state *s)
{
	char id[64];
	int i;

	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		vici_req_t *req = vici.begin("terminate");
		vici_res_t *res;

		vici_kv(req, "ike", s->t[i].ike);
		vici_kv(req, "timeout", "3000");
		vici_kv(req, "force", "yes");
		res = vici.submit(req, c);
		if (res)
			vici.free_res(res);
		unload_one(c, "unload-conn", "name", s->t[i].ike);
		snprintf(id, sizeof(id), "%s-psk", s->t[i].ike);
		unload_one(c, "unload-shared", "id", id);
	}
}

/* Initiating the tunnels in parallel, each on a vici connection of its own. */

#define LOG_KEEP	4

struct initiator {
	const struct conn_state *s;
	int idx;
	unsigned int timeout;
	pthread_t thread;
	bool ok;
	double secs;
	char errmsg[256];
	char log[LOG_KEEP][256];	/* charon's latest lines for this tunnel */
	int n_log;
	pthread_mutex_t lock;
};

static void on_log(void *user, char *name, vici_res_t *msg)
{
	struct initiator *in = user;
	char *text = vici.find_str(msg, "", "msg");
	char *level = vici.find_str(msg, "2", "level");

	(void)name;
	if (atoi(level) > 1 || !text[0])
		return;
	pthread_mutex_lock(&in->lock);
	if (in->n_log == LOG_KEEP) {
		memmove(in->log[0], in->log[1], sizeof(in->log[0]) * (LOG_KEEP - 1));
		in->n_log--;
	}
	str_copy(in->log[in->n_log++], sizeof(in->log[0]), text);
	pthread_mutex_unlock(&in->lock);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *initiate_one(void *arg)
{
	struct initiator *in = arg;
	const struct conn_tunnel *t = &in->s->t[in->idx];
	double t0 = now_s();
	vici_conn_t *c;
	vici_req_t *req;
	vici_res_t *res;

	c = vici.connect(in->s->vici[0] ? (char *)in->s->vici : VICI_DEFAULT_URI);
	if (!c) {
		snprintf(in->errmsg, sizeof(in->errmsg), "cannot connect to charon: %s",
			 strerror(errno));
		return NULL;
	}
	vici.reg(c, "control-log", on_log, in);
	req = vici.begin("initiate");
	vici_kv(req, "child", t->ike);
	vici_kv(req, "ike", t->ike);
	vici_kvf(req, "timeout", "%u", in->timeout * 1000);
	vici_kv(req, "init-limits", "no");
	vici_kv(req, "loglevel", "1");
	res = vici.submit(req, c);
	vici.reg(c, "control-log", NULL, NULL);
	in->secs = now_s() - t0;
	if (!res) {
		snprintf(in->errmsg, sizeof(in->errmsg), "no answer from charon: %s",
			 strerror(errno));
	} else {
		in->ok = !strcmp(vici.find_str(res, "", "success"), "yes");
		if (!in->ok)
			snprintf(in->errmsg, sizeof(in->errmsg), "%s",
				 vici.find_str(res, "failed", "errmsg"));
		vici.free_res(res);
	}
	vici.disconnect(c);
	return NULL;
}

/*
 * Initiate both tunnels and wait for both CHILD_SAs, at most @timeout
 * seconds.  0 if both are up; otherwise each failed tunnel is reported
 * with charon's reason and -1 returned (charon keeps trying them).
 */
int swan_initiate(const struct conn_state *s, unsigned int timeout)
{
	struct initiator in[AWSCONF_TUNNELS];
	bool tty = isatty(STDERR_FILENO);
	int i, j, failed = 0;

	memset(in, 0, sizeof(in));
	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		char aws[INET_ADDRSTRLEN];

		in[i].s = s;
		in[i].idx = i;
		in[i].timeout = timeout;
		pthread_mutex_init(&in[i].lock, NULL);
		inet_ntop(AF_INET, &s->t[i].aws_outside, aws, sizeof(aws));
		if (tty)
			fprintf(stderr, "awsvpn: tunnel %d: negotiating with %s...\n",
				i + 1, aws);
		if (pthread_create(&in[i].thread, NULL, initiate_one, &in[i])) {
			snprintf(in[i].errmsg, sizeof(in[i].errmsg),
				 "cannot start a thread");
			in[i].thread = 0;
		}
	}
	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		if (in[i].thread)
			pthread_join(in[i].thread, NULL);
		pthread_mutex_destroy(&in[i].lock);
		if (in[i].ok) {
			printf("tunnel %d: %s up in %.1f s\n", i + 1, s->t[i].dev,
			       in[i].secs);
			continue;
		}
		failed++;
		err_msg("tunnel %d (%s): not up after %.0f s: %s", i + 1,
			s->t[i].dev, in[i].secs, in[i].errmsg);
		for (j = 0; j < in[i].n_log; j++)
			fprintf(stderr, "  charon: %s\n", in[i].log[j]);
	}
	fflush(stdout);
	return failed ? -1 : 0;
}

/* Status: one IKE SA of list-sas, flattened into struct swan_info. */

struct query {
	struct swan_info *info;
	struct swan_info cand;		/* the child SA being read */
};

static long num(const char *v)
{
	return v && *v ? strtol(v, NULL, 10) : -1;
}

static void ike_kv(struct swan_info *i, const char *k, const char *v)
{
	if (!strcmp(k, "state"))
		str_copy(i->ike_state, sizeof(i->ike_state), v);
	else if (!strcmp(k, "remote-host"))
		str_copy(i->remote, sizeof(i->remote), v);
	else if (!strcmp(k, "remote-port"))
		snprintf(i->remote + strlen(i->remote),
			 sizeof(i->remote) - strlen(i->remote), ":%s", v);
	else if (!strcmp(k, "nat-any") || !strcmp(k, "nat-local") ||
		 !strcmp(k, "nat-remote"))
		i->nat |= !strcmp(v, "yes");
	else if (!strcmp(k, "established"))
		i->ike_established = num(v);
	else if (!strcmp(k, "rekey-time"))
		i->ike_rekey = num(v);
}

static void child_kv(struct swan_info *c, const char *k, const char *v)
{
	if (!strcmp(k, "state"))
		str_copy(c->child_state, sizeof(c->child_state), v);
	else if (!strcmp(k, "spi-in"))
		str_copy(c->spi_in, sizeof(c->spi_in), v);
	else if (!strcmp(k, "spi-out"))
		str_copy(c->spi_out, sizeof(c->spi_out), v);
	else if (!strcmp(k, "encr-alg"))
		str_copy(c->suite, sizeof(c->suite), v);
	else if (!strcmp(k, "encr-keysize") || !strcmp(k, "integ-alg") ||
		 !strcmp(k, "dh-group"))
		snprintf(c->suite + strlen(c->suite), sizeof(c->suite) - strlen(c->suite),
			 "%s%s", k[0] == 'e' ? "-" : "/", v);
	else if (!strcmp(k, "install-time"))
		c->child_installed = num(v);
	else if (!strcmp(k, "rekey-time"))
		c->child_rekey = num(v);
	else if (!strcmp(k, "life-time"))
		c->child_life = num(v);
	else if (!strcmp(k, "bytes-in"))
		c->bytes_in = strtoull(v, NULL, 10);
	else if (!strcmp(k, "bytes-out"))
		c->bytes_out = strtoull(v, NULL, 10);
}

/* The newest installed CHILD_SA wins (two exist during a rekey). */
static void child_done(struct swan_info *i, const struct swan_info *c)
{
	if (strcmp(c->child_state, "INSTALLED"))
		return;
	if (i->child && c->child_installed >= i->child_installed)
		return;
	i->child = true;
	memcpy(i->child_state, c->child_state, sizeof(i->child_state));
	memcpy(i->spi_in, c->spi_in, sizeof(i->spi_in));
	memcpy(i->spi_out, c->spi_out, sizeof(i->spi_out));
	memcpy(i->suite, c->suite, sizeof(i->suite));
	i->child_installed = c->child_installed;
	i->child_rekey = c->child_rekey;
	i->child_life = c->child_life;
	i->bytes_in = c->bytes_in;
	i->bytes_out = c->bytes_out;
}

static void on_list_sa(void *user, char *name, vici_res_t *res)
{
	struct query *q = user;
	char key[64], val[128], *v;
	int depth = 0, len;

	(void)name;
	q->info->found = true;
	for (;;) {
		switch (vici.parse(res)) {
		case VICI_PARSE_BEGIN_SECTION:
			depth++;
			if (depth == 3)
				memset(&q->cand, 0, sizeof(q->cand));
			break;
		case VICI_PARSE_END_SECTION:
			if (depth == 3)
				child_done(q->info, &q->cand);
			depth--;
			break;
		case VICI_PARSE_KEY_VALUE:
			snprintf(key, sizeof(key), "%s", vici.parse_name(res));
			v = vici.parse_value(res, &len);
			snprintf(val, sizeof(val), "%.*s", len, v);
			if (depth == 1)
				ike_kv(q->info, key, val);
			else if (depth == 3)
				child_kv(&q->cand, key, val);
			break;
		case VICI_PARSE_BEGIN_LIST:
		case VICI_PARSE_LIST_ITEM:
		case VICI_PARSE_END_LIST:
			break;
		default:
			return;
		}
	}
}

int swan_query(vici_conn_t *c, const char *ike, struct swan_info *info)
{
	struct query q = { .info = info };
	vici_req_t *req;
	int err;

	memset(info, 0, sizeof(*info));
	info->ike_established = info->ike_rekey = -1;
	info->child_installed = info->child_rekey = info->child_life = -1;
	if (vici.reg(c, "list-sa", on_list_sa, &q))
		return -1;
	req = vici.begin("list-sas");
	vici_kv(req, "ike", ike);
	vici_kv(req, "noblock", "yes");
	err = vici_call(c, req, "asking charon for the SAs", NULL);
	vici.reg(c, "list-sa", NULL, NULL);
	return err;
}
