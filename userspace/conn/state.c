// SPDX-License-Identifier: GPL-2.0
/*
 * What "up" made, in /run/awsvpn/NAME: the record "down" undoes.  It holds
 * names and addresses only, never a key.  /run goes with a reboot, as do
 * the devices and charon's runtime connections it describes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "conn/conn.h"

/* 0 if @name is a valid connection name; else -1, saying why if @loud. */
static int name_check(const char *name, bool loud)
{
	size_t i, n = strlen(name);

	if (!n || n > CONN_NAME_MAX) {
		if (loud)
			err_msg("connection name '%s': 1 to %d characters (its devices are NAME0 and NAME1)",
				name, CONN_NAME_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)name[i]) && !strchr("-_", name[i])) {
			if (loud)
				err_msg("connection name '%s': only letters, digits, '-' and '_'",
					name);
			return -1;
		}
	}
	if (name[0] == '-') {
		if (loud)
			err_msg("connection name '%s' must not start with '%c'",
				name, name[0]);
		return -1;
	}
	return 0;
}

int conn_name_check(const char *name)
{
	return name_check(name, true);
}

int conn_name_check_quiet(const char *name)
{
	return name_check(name, false);
}

/*
 * "vpn-0a1b2c3d4e5f60718" is too long for an interface name: its last
 * eight characters keep it recognisable ("vpn-e5f60718" + "0").
 */
void conn_default_name(const struct awsvpn_vpn *vpn, char *buf, size_t len)
{
	size_t n = strlen(vpn->id);

	if (!n)
		snprintf(buf, len, "awsvpn");
	else if (n <= CONN_NAME_MAX)
		snprintf(buf, len, "%s", vpn->id);
	else
		snprintf(buf, len, "vpn-%s", vpn->id + n - 8);
}

/*
 * One up or down at a time (/run/awsvpn/.lock): two units starting at
 * boot would otherwise pick the same interface IDs, or both decide a
 * router bgp is theirs.  The lock goes with the descriptor.
 */
static int state_dir_make(void)
{
	if (mkdir(CONN_STATE_DIR, 0700) && errno != EEXIST) {
		err_msg("cannot create %s: %s", CONN_STATE_DIR, strerror(errno));
		return -1;
	}
	return 0;
}

int conn_lock(void)
{
	int fd;

	if (state_dir_make())
		return -1;
	fd = open(CONN_STATE_DIR "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		err_msg("cannot lock %s/.lock: %s", CONN_STATE_DIR, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

void conn_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* @path in CONN_STATE_DIR (made if missing), created or emptied, for writing. */
FILE *conn_file_create(const char *path, mode_t mode)
{
	FILE *f;
	int fd;

	if (state_dir_make())
		return NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		err_msg("cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

int conn_state_path(const char *name, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%s", CONN_STATE_DIR, name) >= (int)len ? -1 : 0;
}

int conn_state_write(const struct conn_state *s)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int i;

	conn_state_path(s->name, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = conn_file_create(tmp, 0600);
	if (!f)
		return -1;
	fprintf(f, "# awsvpn up: what \"awsvpn down %s\" removes\n", s->name);
	fprintf(f, "name %s\nfile %s\nvici %s\nloaded %d\n", s->name, s->file,
		s->vici, s->loaded);
	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		const struct conn_tunnel *t = &s->t[i];
		char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &t->aws_outside, a, sizeof(a));
		inet_ntop(AF_INET, &t->aws_inside, b, sizeof(b));
		inet_ntop(AF_INET, &t->cgw_inside, c, sizeof(c));
		fprintf(f, "tunnel %d %s %u %s %s %s %s %d\n", i + 1, t->dev,
			t->if_id, t->ike, a, b, c, t->created);
	}
	for (i = 0; i < s->n_routes; i++)
		fprintf(f, "route %s\n", s->routes[i]);
	if (s->has_bgp)
		fprintf(f, "bgp %u %d %d %s\n", s->cgw_asn, s->frr_applied,
			s->frr_made_router, s->frr_conf);
	for (i = 0; i < s->n_adv; i++)
		fprintf(f, "advertise %s\n", s->adv[i]);
	if (s->vtysh[0])
		fprintf(f, "vtysh %s\n", s->vtysh);
	if (fclose(f) || rename(tmp, path)) {
		err_msg("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int state_line(struct conn_state *s, char *key, char *rest)
{
	char dev[IFNAMSIZ + 1], ike[sizeof(s->t[0].ike)];
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN];
	int idx, created, loaded, applied, made;
	unsigned int if_id, asn;
	struct conn_tunnel *t;

	if (!strcmp(key, "name"))
		return snprintf(s->name, sizeof(s->name), "%s", rest) >= (int)sizeof(s->name);
	if (!strcmp(key, "file"))
		return snprintf(s->file, sizeof(s->file), "%s", rest) >= (int)sizeof(s->file);
	if (!strcmp(key, "vici"))
		return snprintf(s->vici, sizeof(s->vici), "%s", rest) >= (int)sizeof(s->vici);
	if (!strcmp(key, "vtysh"))
		return snprintf(s->vtysh, sizeof(s->vtysh), "%s", rest) >= (int)sizeof(s->vtysh);
	if (!strcmp(key, "loaded")) {
		if (sscanf(rest, "%d", &loaded) != 1)
			return -1;
		s->loaded = loaded;
		return 0;
	}
	if (!strcmp(key, "tunnel")) {
		if (sscanf(rest, "%d %15s %u %31s %15s %15s %15s %d", &idx, dev,
			   &if_id, ike, a, b, c, &created) != 8 ||
		    idx < 1 || idx > AWSCONF_TUNNELS)
			return -1;
		t = &s->t[idx - 1];
		str_copy(t->dev, sizeof(t->dev), dev);
		str_copy(t->ike, sizeof(t->ike), ike);
		t->if_id = if_id;
		t->created = created;
		if (!inet_pton(AF_INET, a, &t->aws_outside) ||
		    !inet_pton(AF_INET, b, &t->aws_inside) ||
		    !inet_pton(AF_INET, c, &t->cgw_inside))
			return -1;
		return 0;
	}
	if (!strcmp(key, "route")) {
		if (s->n_routes >= CONN_ROUTES_MAX)
			return -1;
		str_copy(s->routes[s->n_routes++], sizeof(s->routes[0]), rest);
		return 0;
	}
	if (!strcmp(key, "advertise")) {
		if (s->n_adv >= CONN_ROUTES_MAX)
			return -1;
		str_copy(s->adv[s->n_adv++], sizeof(s->adv[0]), rest);
		return 0;
	}
	if (!strcmp(key, "bgp")) {
		char path[PATH_MAX];

		if (sscanf(rest, "%u %d %d %4095s", &asn, &applied, &made, path) != 4)
			return -1;
		s->has_bgp = true;
		s->cgw_asn = asn;
		s->frr_applied = applied;
		s->frr_made_router = made;
		str_copy(s->frr_conf, sizeof(s->frr_conf), path);
		return 0;
	}
	return -1;
}

/* 0; 1 if there is no state for @name; -1 on a damaged file. */
int conn_state_read(const char *name, struct conn_state *s)
{
	char path[PATH_MAX], line[PATH_MAX + 64];
	int lineno = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	if (conn_state_path(name, path, sizeof(path)))
		return 1;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 1;
		err_msg("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *key = line, *rest;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		rest = strchr(line, ' ');
		if (rest)
			*rest++ = '\0';
		if (!rest || state_line(s, key, rest)) {
			err_msg("%s:%d: damaged state line", path, lineno);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	if (strcmp(s->name, name)) {
		err_msg("%s: names connection '%s', not '%s'", path, s->name, name);
		return -1;
	}
	return 0;
}

int conn_state_remove(const struct conn_state *s)
{
	char path[PATH_MAX];

	conn_state_path(s->name, path, sizeof(path));
	if (unlink(path) && errno != ENOENT) {
		err_msg("cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
