/* SPDX-License-Identifier: GPL-2.0 */
/*
 * awsconf internals: the three readers (text, XML, native) hand every
 * value they find to conf_set() with its location; conf_finish() checks
 * the whole connection and builds the proposals.
 */
#ifndef AWSVPN_AWSCONF_INT_H
#define AWSVPN_AWSCONF_INT_H

#include "awsconf.h"

#define __conf_printf(a, b)	__attribute__((format(printf, a, b)))

#define CONF_LOC_MAX	160

/* The per-tunnel values a reader can find. */
enum conf_field {
	F_CGW_OUT,
	F_AWS_OUT,
	F_CGW_IN,		/* a.b.c.d or a.b.c.d/len */
	F_AWS_IN,
	F_CGW_IN_CIDR,		/* XML: network_cidr */
	F_AWS_IN_CIDR,
	F_CGW_IN_MASK,		/* XML: network_mask */
	F_AWS_IN_MASK,
	F_PSK,
	F_AUTH_METHOD,
	F_IKE_VER,
	F_IKE_MODE,
	F_IKE_ENC,
	F_IKE_INTEG,
	F_IKE_DH,
	F_IKE_LIFE,
	F_ESP_PROTO,
	F_ESP_MODE,
	F_ESP_ENC,
	F_ESP_INTEG,
	F_PFS,
	F_ESP_LIFE,
	F_IKE_PROP,		/* native only */
	F_ESP_PROP,		/* native only */
	F_DPD_INT,
	F_DPD_RET,
	F_MTU,
	F_MSS,
	F_CLEAR_DF,
	F_FRAG,
	F_ROUTING,		/* native: bgp | static */
	F_CGW_ASN,
	F_AWS_ASN,
	F_BGP_NEIGH,
	F_BGP_HOLD,
	F_BGP_HOLD_AWS,		/* XML: vpn_gateway/bgp/hold_time */
	F_NEXT_HOP,
	F_MAX
};

struct conf_tun {
	bool present;
	char where[CONF_LOC_MAX];	/* the tunnel's header */
	uint64_t seen;			/* bit per enum conf_field */
	char loc[F_MAX][CONF_LOC_MAX];
	/* algorithms named by a download (enum conf_alg values) */
	int ike_enc, ike_integ, ike_dh, esp_enc, esp_integ, pfs;
	/* inside prefix lengths as given, -1 = not given */
	int in_len[2], in_cidr[2], in_mask[2];
	int routing;			/* 0, ROUTE_BGP or ROUTE_STATIC */
	struct in_addr next_hop;
};

#define ROUTE_BGP	1
#define ROUTE_STATIC	2

struct conf_ctx {
	const char *name;
	enum awsconf_format fmt;
	struct awsvpn_vpn *vpn;
	char *err;
	size_t errlen;
	bool failed;
	bool id_seen;
	char end[CONF_LOC_MAX];		/* end of input, for "missing" */
	struct conf_tun t[AWSCONF_TUNNELS];
};

/* Record the first error; later ones are dropped.  Returns -1. */
int conf_error(struct conf_ctx *c, const char *loc, const char *fmt, ...)
	__conf_printf(3, 4);

/* Start tunnel @n (1-based) at @loc; a third tunnel or one given twice is
 * an error. */
int conf_tunnel(struct conf_ctx *c, unsigned int n, const char *loc);

/* Tunnel @n's @field is @val (not NUL-terminated: @len bytes), found at
 * @loc.  Checked at once. */
int conf_set(struct conf_ctx *c, unsigned int n, enum conf_field field,
	     const char *val, size_t len, const char *loc);

int conf_set_id(struct conf_ctx *c, const char *val, size_t len,
		const char *loc);

/* Native file key of @field, NULL for download-only fields. */
const char *conf_native_key(enum conf_field field);
int conf_native_field(const char *key, size_t len);

/* Trim ASCII white space at both ends of [*s, *s + *len). */
void conf_trim(const char **s, size_t *len);

/* The next line of [*p, end), trimmed, into *s and *len; false at the end. */
bool conf_next_line(const char **p, const char *end, const char **s,
		    size_t *len);

int conf_parse_text(struct conf_ctx *c, const char *buf, size_t len);
int conf_parse_xml(struct conf_ctx *c, const char *buf, size_t len);
int conf_parse_native(struct conf_ctx *c, const char *buf, size_t len);

#endif
