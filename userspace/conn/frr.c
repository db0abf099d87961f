// SPDX-License-Identifier: GPL-2.0
/*
 * BGP over the tunnels is FRR's job: up writes the bgpd configuration for
 * both AWS neighbours and applies it with vtysh when FRR runs; down takes
 * back exactly the neighbours and networks it added.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "conn/conn.h"

int frr_write(const struct awsvpn_vpn *vpn, struct conn_state *s)
{
	const struct awsconf_tunnel *t0 = &vpn->tunnel[0];
	char nbr[INET_ADDRSTRLEN], aws[INET_ADDRSTRLEN];
	FILE *f;
	int i;

	snprintf(s->frr_conf, sizeof(s->frr_conf), "%s/%s.frr.conf",
		 CONN_STATE_DIR, s->name);
	f = conn_file_create(s->frr_conf, 0644);
	if (!f)
		return -1;
	s->has_bgp = true;
	s->cgw_asn = t0->cgw_asn;
	fprintf(f, "! awsvpn up %s: BGP over both tunnels of %s\n", s->name,
		vpn->id[0] ? vpn->id : s->file);
	fprintf(f, "! apply to a running FRR with: vtysh -f %s\n", s->frr_conf);
	/*
	 * Policies of our own per neighbour, never a router-wide setting
	 * (the router may be the user's, peering with others): everything
	 * AWS sends comes in, only the --advertise prefixes go out.  FRR 8
	 * exchanges nothing with an eBGP neighbour that has no policy.
	 */
	for (i = 0; i < s->n_adv; i++)
		fprintf(f, "ip prefix-list awsvpn-%s-out seq %d permit %s\n",
			s->name, (i + 1) * 5, s->adv[i]);
	fprintf(f, "route-map awsvpn-%s-in permit 10\nexit\n", s->name);
	if (s->n_adv)
		fprintf(f, "route-map awsvpn-%s-out permit 10\n"
			" match ip address prefix-list awsvpn-%s-out\nexit\n",
			s->name, s->name);
	else
		fprintf(f, "route-map awsvpn-%s-out deny 10\nexit\n", s->name);
	fprintf(f, "router bgp %u\n", t0->cgw_asn);
	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		const struct awsconf_tunnel *t = &vpn->tunnel[i];
		unsigned int hold = t->bgp_hold_time ? t->bgp_hold_time : 30;

		inet_ntop(AF_INET, &t->bgp_neighbor, nbr, sizeof(nbr));
		inet_ntop(AF_INET, &t->aws_outside, aws, sizeof(aws));
		fprintf(f, " neighbor %s remote-as %u\n", nbr, t->aws_asn);
		fprintf(f, " neighbor %s description awsvpn %s tunnel %d (AWS %s)\n",
			nbr, s->name, i + 1, aws);
		/* AWS: hold time 30 s, keepalive 10 s */
		fprintf(f, " neighbor %s timers %u %u\n", nbr, hold / 3, hold);
		/* back soon after the tunnel is (default: 120 s later) */
		fprintf(f, " neighbor %s timers connect 10\n", nbr);
	}
	fprintf(f, " address-family ipv4 unicast\n");
	for (i = 0; i < s->n_adv; i++)
		fprintf(f, "  network %s\n", s->adv[i]);
	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		inet_ntop(AF_INET, &vpn->tunnel[i].bgp_neighbor, nbr, sizeof(nbr));
		fprintf(f, "  neighbor %s activate\n", nbr);
		fprintf(f, "  neighbor %s route-map awsvpn-%s-in in\n", nbr, s->name);
		fprintf(f, "  neighbor %s route-map awsvpn-%s-out out\n", nbr, s->name);
	}
	fprintf(f, " exit-address-family\nexit\n");
	if (fclose(f)) {
		err_msg("cannot write %s: %s", s->frr_conf, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Run vtysh (or what --vtysh says, split at spaces) with @args; its output
 * into @out (may be NULL), read to the end so that vtysh never dies of
 * SIGPIPE; *@cut (if given) says whether it did not fit.  The exit status,
 * or -1 if it could not run.
 */
static int vtysh_run_cut(const struct conn_state *s, const char *const *args,
			 char *out, size_t outlen, bool *cut)
{
	char cmd[sizeof(s->vtysh)], sink[256], *argv[64], *save = NULL, *w;
	int argc = 0, pipefd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "%s", s->vtysh[0] ? s->vtysh : "vtysh");
	for (w = strtok_r(cmd, " ", &save); w && argc < 40;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	while (*args && argc < 62)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (!pid) {
		close(pipefd[0]);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	if (cut)
		*cut = false;
	for (;;) {
		bool full = !out || got >= outlen - 1;

		n = read(pipefd[0], full ? sink : out + got,
			 full ? sizeof(sink) : outlen - 1 - got);
		if (n <= 0)
			break;
		if (!full)
			got += n;
		else if (out && cut)
			*cut = true;
	}
	if (out)
		out[got] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int vtysh_run(const struct conn_state *s, const char *const *args,
		     char *out, size_t outlen)
{
	return vtysh_run_cut(s, args, out, outlen, NULL);
}

/* Another connection's record (into @o) with BGP of @s's ASN in FRR. */
static bool frr_router_shared(const struct conn_state *s, struct conn_state *o)
{
	struct dirent *e;
	bool found = false;
	DIR *d = opendir(CONN_STATE_DIR);

	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strchr(e->d_name, '.') ||
		    !strcmp(e->d_name, s->name) ||
		    conn_name_check_quiet(e->d_name) ||
		    conn_state_read(e->d_name, o))
			continue;
		found = o->has_bgp && o->frr_applied && o->cgw_asn == s->cgw_asn;
	}
	if (d)
		closedir(d);
	return found;
}

/* 0 applied; 1 FRR not there (the user applies the file later). */
int frr_apply(struct conn_state *s)
{
	const char *probe[] = { "-c", "show bgp summary", NULL };
	const char *running[] = { "-c", "show running-config", NULL };
	const char *apply[] = { "-f", s->frr_conf, NULL };
	char out[65536], router[32];
	bool cut;
	int rc;

	/* fails without bgpd (vtysh says "bgpd is not running") */
	rc = vtysh_run(s, probe, out, sizeof(out));
	if (!rc)
		rc = vtysh_run_cut(s, running, out, sizeof(out), &cut);
	if (rc) {
		printf("BGP: FRR's bgpd is not reachable%s; apply %s with 'vtysh -f %s' once it runs\n",
		       rc == 127 ? " (no vtysh)" : "", s->frr_conf, s->frr_conf);
		return 1;
	}
	/*
	 * down removes the router too when it is not the user's; a
	 * configuration too long to read whole may hold it further on, so
	 * the router counts as the user's then.
	 */
	snprintf(router, sizeof(router), "\nrouter bgp %u\n", s->cgw_asn);
	s->frr_made_router = !cut && !strstr(out, router);
	/* vtysh -f goes on after a bad line: what got in comes out */
	s->frr_applied = true;
	rc = vtysh_run(s, apply, out, sizeof(out));
	if (rc) {
		out[strcspn(out, "\n")] = '\0';
		err_msg("BGP: vtysh -f %s failed: %s", s->frr_conf, out);
		return -1;
	}
	printf("BGP: neighbours of both tunnels added to FRR (%s)\n", s->frr_conf);
	return 0;
}

/*
 * Take back what up added: both neighbours, the --advertise networks, the
 * policies, and the router when up made it and no other connection uses
 * it (a later connection with the same ASN takes the router over).
 * The commands go through a file: vtysh's command line is limited.
 */
void frr_remove(const struct conn_state *s)
{
	char path[PATH_MAX], nbr[INET_ADDRSTRLEN];
	const char *args[] = { "-f", path, NULL };
	struct conn_state o;
	bool drop_router;
	FILE *f;
	int i;

	if (!s->frr_applied)
		goto conf;
	drop_router = s->frr_made_router && !frr_router_shared(s, &o);
	if (s->frr_made_router && !drop_router) {
		o.frr_made_router = true;
		conn_state_write(&o);
	}
	snprintf(path, sizeof(path), "%s/%s.frr-down.conf", CONN_STATE_DIR,
		 s->name);
	f = conn_file_create(path, 0600);
	if (!f)
		goto conf;
	if (drop_router) {
		fprintf(f, "no router bgp %u\n", s->cgw_asn);
	} else {
		fprintf(f, "router bgp %u\n", s->cgw_asn);
		for (i = 0; i < AWSCONF_TUNNELS; i++) {
			inet_ntop(AF_INET, &s->t[i].aws_inside, nbr, sizeof(nbr));
			fprintf(f, " no neighbor %s\n", nbr);
		}
		fprintf(f, " address-family ipv4 unicast\n");
		for (i = 0; i < s->n_adv; i++)
			fprintf(f, "  no network %s\n", s->adv[i]);
		fprintf(f, " exit-address-family\nexit\n");
	}
	fprintf(f, "no route-map awsvpn-%s-in\nno route-map awsvpn-%s-out\n",
		s->name, s->name);
	if (s->n_adv)
		fprintf(f, "no ip prefix-list awsvpn-%s-out\n", s->name);
	if (fclose(f))
		err_msg("cannot write %s: %s", path, strerror(errno));
	else if (vtysh_run(s, args, NULL, 0))
		err_msg("BGP: could not remove the neighbours from FRR (is it running?)");
	unlink(path);
conf:
	if (s->frr_conf[0] && unlink(s->frr_conf) && errno != ENOENT)
		err_msg("cannot remove %s: %s", s->frr_conf, strerror(errno));
}

/* "Established", "Active", ...; -1 if FRR does not answer. */
int frr_neighbor_state(const struct conn_state *s, struct in_addr nbr,
		       char *buf, size_t len)
{
	char addr[INET_ADDRSTRLEN], cmd[96], out[16384], *p, *e;
	const char *args[] = { "-c", cmd, NULL };

	inet_ntop(AF_INET, &nbr, addr, sizeof(addr));
	snprintf(cmd, sizeof(cmd), "show bgp neighbors %s json", addr);
	if (vtysh_run(s, args, out, sizeof(out)))
		return -1;
	p = strstr(out, "\"bgpState\":");
	if (!p)
		return -1;
	p = strchr(p + 11, '"');
	e = p ? strchr(p + 1, '"') : NULL;
	if (!e)
		return -1;
	snprintf(buf, len, "%.*s", (int)(e - p - 1), p + 1);
	return 0;
}
