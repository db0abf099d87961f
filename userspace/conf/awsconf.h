/* SPDX-License-Identifier: GPL-2.0 */
/*
 * awsconf: one AWS Site-to-Site VPN connection, read from what AWS hands
 * the customer (the "Generic" text download or the XML
 * CustomerGatewayConfiguration) or from awsvpn's own connection file.
 *
 * The parser fills a struct awsvpn_vpn completely or fails: a partial
 * parse never reaches the caller.  The result holds pre-shared keys, so
 * awsconf_free() wipes it.
 */
#ifndef AWSVPN_AWSCONF_H
#define AWSVPN_AWSCONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#define AWSCONF_TUNNELS		2
#define AWSCONF_PSK_MAX		128	/* AWS: 8..64 characters */
#define AWSCONF_PROPOSALS_MAX	1024	/* strongSwan proposal string */
#define AWSCONF_ID_MAX		64

enum awsconf_format {
	AWSCONF_FMT_TEXT = 1,	/* AWS "Generic" download */
	AWSCONF_FMT_XML,	/* <vpn_connection> ... */
	AWSCONF_FMT_NATIVE,	/* awsvpn's own file, see Documentation */
};

struct awsconf_tunnel {
	/* outside (public) addresses: the customer gateway's as registered
	 * with AWS, and the AWS endpoint, which identifies the tunnel */
	struct in_addr cgw_outside;
	struct in_addr aws_outside;
	/* inside /30: AWS uses network+1, the customer network+2 */
	struct in_addr inside_net;
	struct in_addr cgw_inside;
	struct in_addr aws_inside;
	unsigned int inside_prefix;		/* 30 */

	char psk[AWSCONF_PSK_MAX + 1];

	unsigned int ike_version;		/* 1 or 2 */
	/* strongSwan proposal lists ("aes256gcm16-prfsha384-ecp384,..."):
	 * from a download, every AWS-accepted suite strongest first (AWS
	 * picks the lowest it accepts from what is offered); the
	 * download's own algorithms are checked to be known and are
	 * always included */
	char ike_proposals[AWSCONF_PROPOSALS_MAX];
	char esp_proposals[AWSCONF_PROPOSALS_MAX];
	unsigned int ike_lifetime;		/* seconds, 900..28800 */
	unsigned int esp_lifetime;		/* seconds, 900..3600 */
	unsigned int dpd_interval;		/* seconds, 0 = off */
	unsigned int dpd_retries;
	unsigned int mtu;			/* 0 = not given */
	unsigned int mss;			/* 0 = not given */
	bool clear_df;				/* "Clear Don't Fragment Bit" */
	bool frag_before_encryption;

	/* routing: BGP (has_bgp) or static (next hop = aws_inside) */
	bool has_bgp;
	uint32_t cgw_asn;
	uint32_t aws_asn;
	struct in_addr bgp_neighbor;		/* = aws_inside */
	unsigned int bgp_hold_time;		/* seconds */
};

struct awsvpn_vpn {
	enum awsconf_format format;
	char id[AWSCONF_ID_MAX + 1];		/* "vpn-0123...", may be "" */
	struct awsconf_tunnel tunnel[AWSCONF_TUNNELS];
};

/*
 * Parse @path (text, XML or native, detected from the content).  On
 * failure returns -1 and writes one line to @err (no newline) naming the
 * file, the line or element, and what is wrong; @vpn is then wiped.  Never
 * writes a pre-shared key into @err.
 */
int awsconf_parse_file(const char *path, struct awsvpn_vpn *vpn,
		       char *err, size_t errlen);
int awsconf_parse_buf(const char *name, const char *buf, size_t len,
		      struct awsvpn_vpn *vpn, char *err, size_t errlen);

/* Write @vpn as a native connection file (includes the PSKs: the caller
 * opens @f on a mode-600 file). */
int awsconf_write_native(FILE *f, const struct awsvpn_vpn *vpn);

/* Wipe the keys (explicit_bzero) and the rest. */
void awsconf_free(struct awsvpn_vpn *vpn);

#endif
