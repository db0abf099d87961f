// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn convert IN OUT: read an AWS VPN connection download (text or
 * XML) or a connection file, and write it as an awsvpn connection file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "conf/awsconf.h"

static const char *format_name(enum awsconf_format f)
{
	switch (f) {
	case AWSCONF_FMT_TEXT: return "AWS generic text download";
	case AWSCONF_FMT_XML: return "AWS XML (CustomerGatewayConfiguration)";
	case AWSCONF_FMT_NATIVE: return "awsvpn connection file";
	}
	return "?";
}

/* The summary: addresses, IKE version and routing; never a key. */
static void summary(const char *in, const struct awsvpn_vpn *vpn)
{
	char a[4][INET_ADDRSTRLEN];
	const struct awsconf_tunnel *t;
	int i;

	printf("%s: %s%s%s\n", in, format_name(vpn->format),
	       vpn->id[0] ? ", connection " : "", vpn->id);
	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		t = &vpn->tunnel[i];
		inet_ntop(AF_INET, &t->cgw_outside, a[0], sizeof(a[0]));
		inet_ntop(AF_INET, &t->aws_outside, a[1], sizeof(a[1]));
		inet_ntop(AF_INET, &t->inside_net, a[2], sizeof(a[2]));
		inet_ntop(AF_INET, &t->aws_inside, a[3], sizeof(a[3]));
		printf("tunnel %d: outside %s -> %s, inside %s/%u, IKEv%u, ",
		       i + 1, a[0], a[1], a[2], t->inside_prefix,
		       t->ike_version);
		if (t->has_bgp)
			printf("BGP asn %u <-> %u (neighbor %s)\n",
			       (unsigned int)t->cgw_asn,
			       (unsigned int)t->aws_asn, a[3]);
		else
			printf("static (next hop %s)\n", a[3]);
	}
}

int cmd_convert(int argc, char **argv)
{
	struct awsvpn_vpn vpn;
	char err[512];
	FILE *f;
	int fd, ret;

	if (argc != 3) {
		err_msg("convert: expected IN OUT");
		help_hint("convert");
		return RC_USAGE;
	}
	if (!strcmp(argv[2], "-")) {
		err_msg("convert: OUT must be a file, not standard output: it holds the pre-shared keys");
		return RC_USAGE;
	}
	if (awsconf_parse_file(argv[1], &vpn, err, sizeof(err))) {
		err_msg("convert: %s", err);
		return 1;
	}
	fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		if (errno == EEXIST)
			err_msg("convert: %s exists; not overwritten", argv[2]);
		else
			err_msg("convert: %s: %s", argv[2], strerror(errno));
		awsconf_free(&vpn);
		return 1;
	}
	f = fchmod(fd, 0600) ? NULL : fdopen(fd, "w");
	if (!f)
		close(fd);
	ret = f ? awsconf_write_native(f, &vpn) : -1;
	if (f && fclose(f))
		ret = -1;
	if (ret) {
		err_msg("convert: cannot write %s", argv[2]);
		unlink(argv[2]);
		awsconf_free(&vpn);
		return 1;
	}
	summary(argv[1], &vpn);
	printf("wrote %s (mode 600: it holds the pre-shared keys)\n", argv[2]);
	awsconf_free(&vpn);
	return 0;
}
