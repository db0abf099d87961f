// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn down NAME: remove what "awsvpn up" recorded, and nothing else.
 */
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "conn/conn.h"

int cmd_down(int argc, char **argv)
{
	struct conn_state s;
	vici_conn_t *vc = NULL;
	int rc, lock;

	if (help_wanted(argc, argv))
		return help_topic(stdout, "down");
	if (argc != 2 || argv[1][0] == '-') {
		err_msg("down: which connection? awsvpn down NAME");
		help_hint("down");
		return RC_USAGE;
	}
	if (conn_name_check(argv[1]))
		return RC_USAGE;
	lock = conn_lock();
	if (lock < 0)
		return 1;
	rc = conn_state_read(argv[1], &s);
	if (rc) {
		if (rc > 0)
			err_msg("down: no connection '%s' was brought up here (no %s/%s)",
				argv[1], CONN_STATE_DIR, argv[1]);
		conn_unlock(lock);
		return 1;
	}
	if (s.loaded) {
		vc = vici_open(s.vici);
		if (!vc)
			err_msg("down: charon's connections %s and %s stay loaded; the devices go",
				s.t[0].ike, s.t[1].ike);
	}
	rc = conn_teardown(&s, vc);
	conn_unlock(lock);
	if (vc)
		vici.disconnect(vc);
	if (rc) {
		err_msg("down: %s only partly removed; its record %s/%s is kept",
			s.name, CONN_STATE_DIR, s.name);
		return 1;
	}
	printf("%s is down\n", s.name);
	return 0;
}
