// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn: configure awsvpn tunnel devices over generic netlink.
 */
#define _GNU_SOURCE	/* setns() */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#ifndef AWSVPN_VERSION
#define AWSVPN_VERSION "unknown"
#endif

const char *err_context;
bool err_hide_words;

const char *err_word(const char *word)
{
	return err_hide_words ? "(not shown)" : word;
}

void err_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("awsvpn: ", stderr);
	if (err_context)
		fprintf(stderr, "%s: ", err_context);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * @netns: the command may run in another network namespace (-n).  Only the
 * device commands, which need nothing of a namespace but their netlink
 * socket; "up" and its kin start daemons that also want the namespace's
 * /etc/netns files and sysfs, which "ip netns exec" sets up.
 */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	bool netns;
} commands[] = {
	{ "show", cmd_show, true },
	{ "showconf", cmd_showconf, true },
	{ "set", cmd_set, true },
	{ "setconf", cmd_setconf, true },
	{ "sa", cmd_sa, true },
	{ "monitor", cmd_monitor, true },
	{ "up", cmd_up, false },
	{ "down", cmd_down, false },
	{ "status", cmd_status, false },
	{ "convert", cmd_convert, false },
};

#define NETNS_RUN_DIR	"/run/netns"

/*
 * Enter network namespace @ns before any socket is opened, as "ip -n"
 * does: a name made by "ip netns add", or the path of a namespace file
 * (/proc/PID/ns/net).  Spares scripts the second program (and the sysfs
 * remount) of "ip netns exec NS awsvpn ...".
 */
static int enter_netns(const char *ns)
{
	char buf[sizeof(NETNS_RUN_DIR) + NAME_MAX + 1];
	const char *path = buf;
	int fd, err;

	if (ns[0] == '/') {
		path = ns;
	} else if (!ns[0] || strchr(ns, '/') || !strcmp(ns, ".") ||
		   !strcmp(ns, "..") || strlen(ns) > NAME_MAX) {
		err_msg("-n: invalid network namespace name '%s' (a name from 'ip netns add', or an absolute path)",
			ns);
		return RC_USAGE;
	} else {
		snprintf(buf, sizeof(buf), NETNS_RUN_DIR "/%s", ns);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT && ns[0] != '/')
			err_msg("-n: no network namespace '%s' (see 'ip netns list')",
				ns);
		else
			err_msg("-n: cannot open %s: %s", path, strerror(err));
		return RC_ERR;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = errno;
		close(fd);
		if (err == EINVAL)
			err_msg("-n: %s is not a network namespace", path);
		else
			err_msg("-n: cannot enter network namespace %s: %s",
				path, strerror(err));
		return RC_ERR;
	}
	close(fd);
	return RC_OK;
}

static int do_help(int argc, char **argv)
{
	if (argc < 2) {
		help_usage(stdout);
		return 0;
	}
	if (argc > 2) {
		err_msg("help: unexpected argument '%s'", argv[2]);
		help_short(stderr);
		return RC_USAGE;
	}
	if (help_topic(stdout, argv[1])) {
		err_msg("help: unknown command '%s'", argv[1]);
		help_short(stderr);
		return RC_USAGE;
	}
	return RC_OK;
}

int main(int argc, char **argv)
{
	const char *cmd, *netns = NULL;
	size_t i;
	int ret;

	if (argc >= 2 && (!strcmp(argv[1], "-n") ||
			  !strcmp(argv[1], "--netns"))) {
		if (argc < 3) {
			err_msg("%s: a network namespace name is missing",
				argv[1]);
			help_short(stderr);
			return RC_USAGE;
		}
		netns = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2) {
		help_short(stderr);
		return RC_USAGE;
	}
	cmd = argv[1];
	if (netns) {
		for (i = 0; i < ARRAY_SIZE(commands); i++)
			if (!strcmp(commands[i].name, cmd))
				break;
		if (i < ARRAY_SIZE(commands) && !commands[i].netns) {
			err_msg("-n: only for show, showconf, set, setconf, sa and monitor; run 'ip netns exec %s awsvpn %s ...' for '%s'",
				netns, cmd, cmd);
			return RC_USAGE;
		}
		/* Help, the version and unknown words need no namespace. */
		if (i < ARRAY_SIZE(commands)) {
			ret = enter_netns(netns);
			if (ret)
				return ret;
		}
	}

	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h"))
		return do_help(1, argv + 1);
	if (!strcmp(cmd, "help"))
		return do_help(argc - 1, argv + 1);
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		if (argc > 2) {
			err_msg("%s: unexpected argument '%s'", cmd, argv[2]);
			return RC_USAGE;
		}
		printf("awsvpn %s (netlink API version %d)\n", AWSVPN_VERSION,
		       AWSVPN_GENL_VERSION);
		return RC_OK;
	}

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, cmd))
			continue;
		if (help_wanted(argc - 2, argv + 2)) {
			help_topic(stdout, cmd);
			return RC_OK;
		}
		return commands[i].run(argc - 1, argv + 1);
	}

	err_msg("unknown command '%s'", cmd);
	help_short(stderr);
	return RC_USAGE;
}
