// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn: configure awsvpn tunnel devices over generic netlink.
 */
#include <stdarg.h>
#include <string.h>

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

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "show", cmd_show },
	{ "showconf", cmd_showconf },
	{ "set", cmd_set },
	{ "setconf", cmd_setconf },
	{ "sa", cmd_sa },
	{ "monitor", cmd_monitor },
	{ "up", cmd_up },
	{ "down", cmd_down },
	{ "status", cmd_status },
	{ "convert", cmd_convert },
};

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
	const char *cmd;
	size_t i;

	if (argc < 2) {
		help_short(stderr);
		return RC_USAGE;
	}
	cmd = argv[1];

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
