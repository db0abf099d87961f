// SPDX-License-Identifier: GPL-2.0
/*
 * awsconf: format detection, the values every reader hands in (checked
 * as they arrive), the checks over a whole connection, and freeing.
 */
#define _GNU_SOURCE		/* explicit_bzero, memmem */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "awsconf_int.h"
#include "awsconf_prop.h"

#define CONF_FILE_MAX	(1024 * 1024)

enum ftype {
	T_OUTSIDE,	/* public or private unicast IPv4 */
	T_ADDR,		/* IPv4 */
	T_INSIDE,	/* IPv4, optionally /len */
	T_CIDR,		/* prefix length */
	T_MASK,		/* dotted netmask */
	T_PSK,
	T_WORD,		/* must be @word */
	T_IKEVER,
	T_ENC,
	T_INTEG,
	T_DH1,
	T_DH2,
	T_NUM,		/* min..max, optional unit */
	T_BOOL,
	T_FRAG,
	T_PROP_IKE,
	T_PROP_ESP,
	T_ROUTING,
};

struct field_def {
	const char *key;	/* native file key, NULL: downloads only */
	const char *label;	/* AWS's name, for downloads */
	enum ftype type;
	unsigned long min, max;
	const char *word;
};

static const struct field_def fields[F_MAX] = {
	[F_CGW_OUT] = { "cgw-outside", "Customer Gateway outside address", T_OUTSIDE },
	[F_AWS_OUT] = { "aws-outside", "Virtual Private Gateway outside address", T_OUTSIDE },
	[F_CGW_IN] = { "cgw-inside", "Customer Gateway inside address", T_INSIDE },
	[F_AWS_IN] = { "aws-inside", "Virtual Private Gateway inside address", T_INSIDE },
	[F_CGW_IN_CIDR] = { NULL, "network_cidr", T_CIDR },
	[F_AWS_IN_CIDR] = { NULL, "network_cidr", T_CIDR },
	[F_CGW_IN_MASK] = { NULL, "network_mask", T_MASK },
	[F_AWS_IN_MASK] = { NULL, "network_mask", T_MASK },
	[F_PSK] = { "psk", "Pre-Shared Key", T_PSK },
	[F_AUTH_METHOD] = { NULL, "Authentication Method", T_WORD, 0, 0, "pre-shared key" },
	[F_IKE_VER] = { "ike-version", "IKE version", T_IKEVER },
	[F_IKE_MODE] = { NULL, "Phase 1 Negotiation Mode", T_WORD, 0, 0, "main" },
	[F_IKE_ENC] = { NULL, "IKE Encryption Algorithm", T_ENC },
	[F_IKE_INTEG] = { NULL, "IKE Authentication Algorithm", T_INTEG },
	[F_IKE_DH] = { NULL, "IKE Diffie-Hellman group", T_DH1 },
	[F_IKE_LIFE] = { "ike-lifetime", "IKE Lifetime", T_NUM, 900, 28800 },
	[F_ESP_PROTO] = { NULL, "IPSec Protocol", T_WORD, 0, 0, "esp" },
	[F_ESP_MODE] = { NULL, "IPSec Mode", T_WORD, 0, 0, "tunnel" },
	[F_ESP_ENC] = { NULL, "IPSec Encryption Algorithm", T_ENC },
	[F_ESP_INTEG] = { NULL, "IPSec Authentication Algorithm", T_INTEG },
	[F_PFS] = { NULL, "Perfect Forward Secrecy", T_DH2 },
	[F_ESP_LIFE] = { "esp-lifetime", "IPSec Lifetime", T_NUM, 900, 3600 },
	[F_IKE_PROP] = { "ike-proposals", "ike-proposals", T_PROP_IKE },
	[F_ESP_PROP] = { "esp-proposals", "esp-proposals", T_PROP_ESP },
	[F_DPD_INT] = { "dpd-interval", "DPD Interval", T_NUM, 0, 3600 },
	[F_DPD_RET] = { "dpd-retries", "DPD Retries", T_NUM, 0, 100 },
	[F_MTU] = { "mtu", "Tunnel interface MTU", T_NUM, 576, 1446 },
	[F_MSS] = { "mss", "TCP MSS Adjustment", T_NUM, 536, 1406 },
	[F_CLEAR_DF] = { "clear-df", "Clear Don't Fragment Bit", T_BOOL },
	[F_FRAG] = { "frag-before-encryption", "Fragmentation", T_FRAG },
	[F_ROUTING] = { "routing", "routing", T_ROUTING },
	[F_CGW_ASN] = { "bgp-cgw-asn", "Customer Gateway ASN", T_NUM, 1, 4294967294UL },
	[F_AWS_ASN] = { "bgp-aws-asn", "Virtual Private Gateway ASN", T_NUM, 1, 4294967294UL },
	[F_BGP_NEIGH] = { "bgp-neighbor", "Neighbor IP Address", T_ADDR },
	[F_BGP_HOLD] = { "bgp-hold-time", "Neighbor Hold Time", T_NUM, 3, 65535 },
	[F_BGP_HOLD_AWS] = { NULL, "vpn_gateway hold_time", T_NUM, 3, 65535 },
	[F_NEXT_HOP] = { NULL, "Next hop", T_ADDR },
};

#define BIT(f)	(1ULL << (f))

const char *conf_native_key(enum conf_field field)
{
	return fields[field].key;
}

int conf_native_field(const char *key, size_t len)
{
	int i;

	for (i = 0; i < F_MAX; i++)
		if (fields[i].key && strlen(fields[i].key) == len &&
		    !memcmp(fields[i].key, key, len))
			return i;
	return -1;
}

static const char *label(const struct conf_ctx *c, enum conf_field f)
{
	return c->fmt == AWSCONF_FMT_NATIVE ? fields[f].key : fields[f].label;
}

void conf_trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

bool conf_next_line(const char **p, const char *end, const char **s,
		    size_t *len)
{
	const char *eol;

	if (*p >= end)
		return false;
	eol = memchr(*p, '\n', (size_t)(end - *p));
	if (!eol)
		eol = end;
	*s = *p;
	*len = (size_t)(eol - *p);
	*p = eol + 1;
	conf_trim(s, len);
	return true;
}

int conf_error(struct conf_ctx *c, const char *loc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->failed)
		return -1;
	c->failed = true;
	n = snprintf(c->err, c->errlen, "%s: ", loc);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* A value for an error message: printable, at most 40 characters. */
static const char *shown(const char *s, size_t len, char *buf, size_t size)
{
	size_t i, n = len < size - 1 ? len : size - 1;

	if (n > 40)
		n = 40;
	for (i = 0; i < n; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[n] = '\0';
	return buf;
}

int conf_tunnel(struct conf_ctx *c, unsigned int n, const char *loc)
{
	struct conf_tun *t;

	if (n < 1 || n > AWSCONF_TUNNELS)
		return conf_error(c, loc, "tunnel %u: a VPN connection has exactly two tunnels (1 and 2)", n);
	t = &c->t[n - 1];
	if (t->present)
		return conf_error(c, loc, "tunnel %u given twice (first at %s)", n, t->where);
	t->present = true;
	snprintf(t->where, sizeof(t->where), "%s", loc);
	return 0;
}

int conf_set_id(struct conf_ctx *c, const char *val, size_t len,
		const char *loc)
{
	char b[48];
	size_t i;

	conf_trim(&val, &len);
	if (c->id_seen)
		return conf_error(c, loc, "connection id given twice");
	c->id_seen = true;
	if (len > AWSCONF_ID_MAX)
		return conf_error(c, loc, "connection id longer than %d characters", AWSCONF_ID_MAX);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)val[i]) && val[i] != '-' && val[i] != '_')
			return conf_error(c, loc, "connection id '%s' is not like vpn-0123456789abcdef0",
					  shown(val, len, b, sizeof(b)));
	memcpy(c->vpn->id, val, len);
	c->vpn->id[len] = '\0';
	return 0;
}

static int parse_ipv4(const char *s, size_t len, struct in_addr *a)
{
	char b[INET_ADDRSTRLEN];

	if (len >= sizeof(b))
		return -1;
	memcpy(b, s, len);
	b[len] = '\0';
	return inet_pton(AF_INET, b, a) == 1 ? 0 : -1;
}

static bool word_is(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && !strncasecmp(s, w, len);
}

/* "28800", "28800 seconds", "1379 bytes" */
static int parse_num(const char *s, size_t len, unsigned long long *v)
{
	static const char *const units[] = { "seconds", "second", "secs",
					     "sec", "s", "bytes" };
	size_t i = 0, u;

	*v = 0;
	if (!len || !isdigit((unsigned char)s[0]))
		return -1;
	for (; i < len && isdigit((unsigned char)s[i]); i++) {
		*v = *v * 10 + (unsigned long long)(s[i] - '0');
		if (*v > 0xffffffffULL)
			return -1;
	}
	while (i < len && isblank((unsigned char)s[i]))
		i++;
	if (i == len)
		return 0;
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++)
		if (word_is(s + i, len - i, units[u]))
			return 0;
	return -1;
}

static int parse_bool(const char *s, size_t len, bool *b)
{
	static const char *const yes[] = { "yes", "true", "enabled", "on" };
	static const char *const no[] = { "no", "false", "disabled", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (word_is(s, len, yes[i])) {
			*b = true;
			return 0;
		}
		if (word_is(s, len, no[i])) {
			*b = false;
			return 0;
		}
	}
	return -1;
}

static bool psk_ok(const char *s, size_t len)
{
	size_t i;

	if (len < 8 || len > 64 || s[0] == '0')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_')
			return false;
	return true;
}

static int mask_len(struct in_addr m)
{
	uint32_t v = ntohl(m.s_addr);
	int n = 0;

	while (v & 0x80000000U) {
		v <<= 1;
		n++;
	}
	return v ? -1 : n;
}

static bool outside_ok(struct in_addr a)
{
	uint32_t v = ntohl(a.s_addr);

	return v >> 24 != 0 && v >> 24 != 127 && v >> 16 != 0xa9fe &&
	       v < 0xe0000000U;
}

static const char *const alg_hint[] = {
	"is unknown (AWS: aes-128-cbc, aes-256-cbc, aes-128-gcm-16, aes-256-gcm-16)",
	"is unknown (AWS: sha1, sha2-256, sha2-384, sha2-512)",
	"is not a DH group AWS accepts (2, 14-24)",
	"is not a DH group AWS accepts (2, 5, 14-24)",
};

/* Where a download's algorithm (T_ENC .. T_DH2) goes. */
static int *alg_slot(struct conf_tun *t, enum conf_field f)
{
	switch (f) {
	case F_IKE_ENC:
		return &t->ike_enc;
	case F_IKE_INTEG:
		return &t->ike_integ;
	case F_IKE_DH:
		return &t->ike_dh;
	case F_ESP_ENC:
		return &t->esp_enc;
	case F_ESP_INTEG:
		return &t->esp_integ;
	default:
		return &t->pfs;
	}
}

/* Where a T_NUM field other than an ASN goes. */
static unsigned int *num_field(struct awsconf_tunnel *at, enum conf_field f)
{
	switch (f) {
	case F_IKE_LIFE:
		return &at->ike_lifetime;
	case F_ESP_LIFE:
		return &at->esp_lifetime;
	case F_DPD_INT:
		return &at->dpd_interval;
	case F_DPD_RET:
		return &at->dpd_retries;
	case F_MTU:
		return &at->mtu;
	case F_MSS:
		return &at->mss;
	default:
		return &at->bgp_hold_time;
	}
}

/* Which of the in_len/in_cidr/in_mask slots: 0 customer, 1 AWS. */
static int side(enum conf_field f)
{
	return f == F_AWS_IN || f == F_AWS_IN_CIDR || f == F_AWS_IN_MASK;
}

int conf_set(struct conf_ctx *c, unsigned int n, enum conf_field f,
	     const char *val, size_t len, const char *loc)
{
	const struct field_def *d = &fields[f];
	struct conf_tun *t = &c->t[n - 1];
	struct awsconf_tunnel *at = &c->vpn->tunnel[n - 1];
	const char *name = label(c, f);
	unsigned long long num;
	struct in_addr a;
	const char *slash;
	char b[48];
	int v;
	bool yes;

	conf_trim(&val, &len);
	if (t->seen & BIT(f))
		return conf_error(c, loc, "%s given twice in tunnel %u (first at %s)",
				  name, n, t->loc[f]);
	t->seen |= BIT(f);
	snprintf(t->loc[f], sizeof(t->loc[f]), "%s", loc);
	if (!len)
		return conf_error(c, loc, "%s: no value", name);

	switch (d->type) {
	case T_OUTSIDE:
	case T_ADDR:
		if (parse_ipv4(val, len, &a))
			return conf_error(c, loc, "%s '%s' is not an IPv4 address",
					  name, shown(val, len, b, sizeof(b)));
		if (d->type == T_OUTSIDE && !outside_ok(a))
			return conf_error(c, loc, "%s '%s' is not a usable outside address",
					  name, shown(val, len, b, sizeof(b)));
		if (f == F_CGW_OUT)
			at->cgw_outside = a;
		else if (f == F_AWS_OUT)
			at->aws_outside = a;
		else if (f == F_BGP_NEIGH)
			at->bgp_neighbor = a;
		else
			t->next_hop = a;
		return 0;
	case T_INSIDE:
		slash = memchr(val, '/', len);
		if (parse_ipv4(val, slash ? (size_t)(slash - val) : len, &a))
			return conf_error(c, loc, "%s '%s' is not an IPv4 address",
					  name, shown(val, len, b, sizeof(b)));
		if (slash) {
			if (parse_num(slash + 1, len - (size_t)(slash + 1 - val), &num) ||
			    num > 32 || !isdigit((unsigned char)val[len - 1]))
				return conf_error(c, loc, "%s '%s': bad prefix length",
						  name, shown(val, len, b, sizeof(b)));
			t->in_len[side(f)] = (int)num;
		}
		if (side(f))
			at->aws_inside = a;
		else
			at->cgw_inside = a;
		return 0;
	case T_CIDR:
		if (parse_num(val, len, &num) || num > 32)
			return conf_error(c, loc, "%s '%s' is not a prefix length",
					  name, shown(val, len, b, sizeof(b)));
		t->in_cidr[side(f)] = (int)num;
		return 0;
	case T_MASK:
		if (parse_ipv4(val, len, &a) || mask_len(a) < 0)
			return conf_error(c, loc, "%s '%s' is not a netmask",
					  name, shown(val, len, b, sizeof(b)));
		t->in_mask[side(f)] = mask_len(a);
		return 0;
	case T_PSK:
		/* never show the value */
		if (!psk_ok(val, len))
			return conf_error(c, loc, "%s is not a valid AWS pre-shared key (8 to 64 letters, digits, '.' or '_', not starting with 0)",
					  name);
		memcpy(at->psk, val, len);
		at->psk[len] = '\0';
		return 0;
	case T_WORD:
		if (!word_is(val, len, d->word))
			return conf_error(c, loc, "%s '%s' is not supported (AWS uses '%s')",
					  name, shown(val, len, b, sizeof(b)), d->word);
		return 0;
	case T_IKEVER:
		if (word_is(val, len, "ikev1") || word_is(val, len, "1"))
			at->ike_version = 1;
		else if (word_is(val, len, "ikev2") || word_is(val, len, "2"))
			at->ike_version = 2;
		else
			return conf_error(c, loc, "%s '%s' is not IKEv1 or IKEv2",
					  name, shown(val, len, b, sizeof(b)));
		return 0;
	case T_ENC:
	case T_INTEG:
	case T_DH1:
	case T_DH2:
		if (d->type == T_ENC)
			v = alg_enc(val, len);
		else if (d->type == T_INTEG)
			v = alg_integ(val, len);
		else
			v = alg_dh(val, len);
		if (v < 0 || (d->type >= T_DH1 && !alg_dh_ok(v, d->type == T_DH2)))
			return conf_error(c, loc, "%s '%s' %s", name,
					  shown(val, len, b, sizeof(b)),
					  alg_hint[d->type - T_ENC]);
		*alg_slot(t, f) = v;
		return 0;
	case T_NUM:
		if (parse_num(val, len, &num))
			return conf_error(c, loc, "%s '%s' is not a number",
					  name, shown(val, len, b, sizeof(b)));
		if (num < d->min || num > d->max)
			return conf_error(c, loc, "%s %llu out of range %lu..%lu",
					  name, num, d->min, d->max);
		if (f == F_CGW_ASN || f == F_AWS_ASN) {
			*(f == F_CGW_ASN ? &at->cgw_asn : &at->aws_asn) = (uint32_t)num;
			return 0;
		}
		if ((f == F_BGP_HOLD || f == F_BGP_HOLD_AWS) &&
		    at->bgp_hold_time && at->bgp_hold_time != num)
			return conf_error(c, loc, "hold_time %llu differs from the other gateway's %u",
					  num, at->bgp_hold_time);
		*num_field(at, f) = (unsigned int)num;
		return 0;
	case T_BOOL:
	case T_FRAG:
		if (d->type == T_FRAG && word_is(val, len, "before encryption"))
			yes = true;
		else if (d->type == T_FRAG && word_is(val, len, "after encryption"))
			yes = false;
		else if (parse_bool(val, len, &yes))
			return conf_error(c, loc, "%s '%s' is not %s",
					  name, shown(val, len, b, sizeof(b)),
					  d->type == T_FRAG ? "'before encryption', yes or no" : "enabled/disabled (yes/no)");
		if (f == F_CLEAR_DF)
			at->clear_df = yes;
		else
			at->frag_before_encryption = yes;
		return 0;
	case T_PROP_IKE:
	case T_PROP_ESP:
		if (len >= AWSCONF_PROPOSALS_MAX)
			return conf_error(c, loc, "%s longer than %d characters",
					  name, AWSCONF_PROPOSALS_MAX - 1);
		memcpy(f == F_IKE_PROP ? at->ike_proposals : at->esp_proposals,
		       val, len);
		(f == F_IKE_PROP ? at->ike_proposals : at->esp_proposals)[len] = '\0';
		return 0;
	case T_ROUTING:
		if (word_is(val, len, "bgp"))
			t->routing = ROUTE_BGP;
		else if (word_is(val, len, "static"))
			t->routing = ROUTE_STATIC;
		else
			return conf_error(c, loc, "%s '%s' is not bgp or static",
					  name, shown(val, len, b, sizeof(b)));
		return 0;
	}
	return 0;
}

static int missing(struct conf_ctx *c, unsigned int n, enum conf_field f,
		   const char *what)
{
	return conf_error(c, c->t[n - 1].where, "tunnel %u: %s%s missing", n,
			  what, label(c, f));
}

/* The inside /30 of tunnel @n. */
static int check_inside(struct conf_ctx *c, unsigned int n)
{
	struct conf_tun *t = &c->t[n - 1];
	struct awsconf_tunnel *at = &c->vpn->tunnel[n - 1];
	static const enum conf_field in[2][3] = {
		{ F_CGW_IN, F_CGW_IN_CIDR, F_CGW_IN_MASK },
		{ F_AWS_IN, F_AWS_IN_CIDR, F_AWS_IN_MASK },
	};
	uint32_t net, mask = 0xfffffffcU;
	int s, len, k, given[3];

	for (s = 0; s < 2; s++) {
		given[0] = t->in_len[s];
		given[1] = t->in_cidr[s];
		given[2] = t->in_mask[s];
		len = -1;
		for (k = 0; k < 3; k++) {
			if (given[k] < 0)
				continue;
			if (len >= 0 && given[k] != len)
				return conf_error(c, t->loc[in[s][k]], "%s: prefix lengths /%d and /%d disagree",
						  label(c, in[s][0]), len, given[k]);
			len = given[k];
		}
		if (len < 0)
			return conf_error(c, t->loc[in[s][0]], "%s has no prefix length (AWS uses a /30)",
					  label(c, in[s][0]));
		if (len != 30)
			return conf_error(c, t->loc[in[s][0]], "%s: the inside network is a /%d, AWS uses a /30",
					  label(c, in[s][0]), len);
	}
	at->inside_prefix = 30;
	net = ntohl(at->cgw_inside.s_addr) & mask;
	at->inside_net.s_addr = htonl(net);
	if ((ntohl(at->aws_inside.s_addr) & mask) != net)
		return conf_error(c, t->loc[F_AWS_IN], "%s is not in the customer gateway's /30",
				  label(c, F_AWS_IN));
	if (net >> 16 != 0xa9fe)
		return conf_error(c, t->loc[F_CGW_IN], "%s: the inside /30 must be in 169.254.0.0/16",
				  label(c, F_CGW_IN));
	if ((net & 0xffff00ffU) == 0xa9fe0000U && ((net >> 8) & 0xff) <= 5)
		goto reserved;
	if (net == 0xa9fea9fcU)
		goto reserved;
	if (ntohl(at->aws_inside.s_addr) != net + 1)
		return conf_error(c, t->loc[F_AWS_IN], "%s must be the first address of the /30 (network + 1)",
				  label(c, F_AWS_IN));
	if (ntohl(at->cgw_inside.s_addr) != net + 2)
		return conf_error(c, t->loc[F_CGW_IN], "%s must be the second address of the /30 (network + 2)",
				  label(c, F_CGW_IN));
	return 0;
reserved:
	return conf_error(c, t->loc[F_CGW_IN], "%s: the inside /30 is one AWS reserves (169.254.0.0/30 ... 169.254.5.0/30, 169.254.169.252/30)",
			  label(c, F_CGW_IN));
}

static int check_routing(struct conf_ctx *c, unsigned int n)
{
	const uint64_t bgp = BIT(F_CGW_ASN) | BIT(F_AWS_ASN) | BIT(F_BGP_NEIGH) |
			     BIT(F_BGP_HOLD) | BIT(F_BGP_HOLD_AWS);
	struct conf_tun *t = &c->t[n - 1];
	struct awsconf_tunnel *at = &c->vpn->tunnel[n - 1];

	if (t->routing == ROUTE_STATIC && (t->seen & bgp))
		return conf_error(c, t->loc[F_ROUTING], "routing is static but the tunnel has BGP settings");
	at->has_bgp = t->routing == ROUTE_BGP || (t->seen & bgp);
	if (!at->has_bgp) {
		if ((t->seen & BIT(F_NEXT_HOP)) &&
		    t->next_hop.s_addr != at->aws_inside.s_addr)
			return conf_error(c, t->loc[F_NEXT_HOP], "Next hop is not the Virtual Private Gateway inside address");
		return 0;
	}
	if (t->seen & BIT(F_NEXT_HOP))
		return conf_error(c, t->loc[F_NEXT_HOP], "a static Next hop in a tunnel with BGP settings");
	if (!(t->seen & BIT(F_CGW_ASN)))
		return missing(c, n, F_CGW_ASN, "BGP incomplete: ");
	if (!(t->seen & BIT(F_AWS_ASN)))
		return missing(c, n, F_AWS_ASN, "BGP incomplete: ");
	if (!(t->seen & (BIT(F_BGP_HOLD) | BIT(F_BGP_HOLD_AWS))))
		return missing(c, n, F_BGP_HOLD, "BGP incomplete: ");
	/* the XML form has no neighbour: it is AWS's inside address */
	if (!(t->seen & BIT(F_BGP_NEIGH))) {
		if (c->fmt != AWSCONF_FMT_XML)
			return missing(c, n, F_BGP_NEIGH, "BGP incomplete: ");
		at->bgp_neighbor = at->aws_inside;
	}
	if (at->bgp_neighbor.s_addr != at->aws_inside.s_addr)
		return conf_error(c, t->loc[F_BGP_NEIGH], "%s is not the Virtual Private Gateway inside address",
				  label(c, F_BGP_NEIGH));
	return 0;
}

static int check_proposals(struct conf_ctx *c, unsigned int n)
{
	struct conf_tun *t = &c->t[n - 1];
	struct awsconf_tunnel *at = &c->vpn->tunnel[n - 1];
	char why[256];

	if (c->fmt != AWSCONF_FMT_NATIVE) {
		if (t->ike_enc && alg_is_gcm(t->ike_enc) && at->ike_version == 1)
			return conf_error(c, t->loc[F_IKE_ENC], "AES-GCM for the IKE SA needs IKEv2 (strongSwan's IKEv1 has no AEAD)");
		if (alg_build_proposals(at->ike_version, at->ike_proposals,
					at->esp_proposals, AWSCONF_PROPOSALS_MAX))
			return conf_error(c, t->where, "tunnel %u: proposals do not fit", n);
		return 0;
	}
	if (alg_check_proposals(at->ike_proposals, false, at->ike_version,
				why, sizeof(why)))
		return conf_error(c, t->loc[F_IKE_PROP], "ike-proposals: %s", why);
	if (alg_check_proposals(at->esp_proposals, true, at->ike_version,
				why, sizeof(why)))
		return conf_error(c, t->loc[F_ESP_PROP], "esp-proposals: %s", why);
	return 0;
}

static int finish_tunnel(struct conf_ctx *c, unsigned int n)
{
	static const enum conf_field required[] = {
		F_CGW_OUT, F_AWS_OUT, F_CGW_IN, F_AWS_IN, F_PSK,
		F_IKE_VER, F_IKE_PROP, F_ESP_PROP,
	};
	struct conf_tun *t = &c->t[n - 1];
	struct awsconf_tunnel *at = &c->vpn->tunnel[n - 1];
	size_t i, nreq = c->fmt == AWSCONF_FMT_NATIVE ? 8 : 5;

	if (!t->present)
		return conf_error(c, c->end, "tunnel %u missing (a VPN connection has two tunnels; is the file truncated?)", n);
	for (i = 0; i < nreq; i++)
		if (!(t->seen & BIT(required[i])))
			return missing(c, n, required[i], "");
	if (!(t->seen & BIT(F_IKE_VER)))
		at->ike_version = 1;	/* AWS's generic file: main mode */
	if (!(t->seen & BIT(F_IKE_LIFE)))
		at->ike_lifetime = 28800;
	if (!(t->seen & BIT(F_ESP_LIFE)))
		at->esp_lifetime = 3600;
	if (!(t->seen & BIT(F_DPD_INT)))
		at->dpd_interval = 10;
	if (!(t->seen & BIT(F_DPD_RET)))
		at->dpd_retries = 3;
	if (!(t->seen & BIT(F_CLEAR_DF)))
		at->clear_df = true;
	if (!(t->seen & BIT(F_FRAG)))
		at->frag_before_encryption = true;
	if (check_inside(c, n) || check_routing(c, n) || check_proposals(c, n))
		return -1;
	return 0;
}

static int conf_finish(struct conf_ctx *c)
{
	struct awsconf_tunnel *a = &c->vpn->tunnel[0], *b = &c->vpn->tunnel[1];
	unsigned int n;

	for (n = 1; n <= AWSCONF_TUNNELS; n++)
		if (finish_tunnel(c, n))
			return -1;
	if (a->aws_outside.s_addr == b->aws_outside.s_addr)
		return conf_error(c, c->t[1].loc[F_AWS_OUT], "tunnel 2 has the same AWS outside address as tunnel 1");
	if (a->inside_net.s_addr == b->inside_net.s_addr)
		return conf_error(c, c->t[1].loc[F_CGW_IN], "tunnel 2 has the same inside /30 as tunnel 1");
	/*
	 * One connection routes one way (AWS sets it per connection): a
	 * mix is a hand edit or a download cut before tunnel 2's BGP part.
	 */
	if (a->has_bgp != b->has_bgp)
		return conf_error(c, c->t[a->has_bgp ? 1 : 0].where, "tunnel %d has BGP settings and tunnel %d none: both tunnels of a connection route the same way (is the file truncated?)",
				  a->has_bgp ? 1 : 2, a->has_bgp ? 2 : 1);
	if (a->has_bgp && a->cgw_asn != b->cgw_asn)
		return conf_error(c, c->t[1].loc[F_CGW_ASN], "tunnel 2's customer ASN %u differs from tunnel 1's %u (one gateway is one BGP speaker)",
				  b->cgw_asn, a->cgw_asn);
	return 0;
}

/* First meaningful line looks like "[tunnel N]" or "key = value". */
static bool looks_native(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *s;
	size_t l, i = 0;

	while (conf_next_line(&p, end, &s, &l)) {
		if (!l || s[0] == '#')
			continue;
		if (s[0] == '[')
			return true;
		while (i < l && (islower((unsigned char)s[i]) || s[i] == '-'))
			i++;
		while (i < l && isblank((unsigned char)s[i]))
			i++;
		return i > 0 && i < l && s[i] == '=';
	}
	return false;
}

static bool has(const char *buf, size_t len, const char *s)
{
	return memmem(buf, len, s, strlen(s)) != NULL;
}

int awsconf_parse_buf(const char *name, const char *buf, size_t len,
		      struct awsvpn_vpn *vpn, char *err, size_t errlen)
{
	struct conf_ctx *c;
	size_t i = 0, t;
	int ret;

	memset(vpn, 0, sizeof(*vpn));
	if (errlen)
		err[0] = '\0';
	/* a UTF-8 byte order mark, as Windows editors write: not content */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
		buf += 3;
		len -= 3;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	c->name = name;
	c->vpn = vpn;
	c->err = err;
	c->errlen = errlen;
	for (t = 0; t < AWSCONF_TUNNELS; t++)
		for (i = 0; i < 2; i++)
			c->t[t].in_len[i] = c->t[t].in_cidr[i] = c->t[t].in_mask[i] = -1;

	for (i = 0; i < len && isspace((unsigned char)buf[i]); i++)
		;
	if (memchr(buf, '\0', len)) {
		ret = conf_error(c, name, "binary data, not a VPN connection file");
	} else if (i < len && buf[i] == '<') {
		c->fmt = AWSCONF_FMT_XML;
		ret = conf_parse_xml(c, buf, len);
	} else if (looks_native(buf, len)) {
		c->fmt = AWSCONF_FMT_NATIVE;
		ret = conf_parse_native(c, buf, len);
	} else if (has(buf, len, "IPSec Tunnel #") || has(buf, len, "IPsec Tunnel #")) {
		c->fmt = AWSCONF_FMT_TEXT;
		ret = conf_parse_text(c, buf, len);
	} else {
		ret = conf_error(c, name, "not a VPN connection file (no <vpn_connection>, no \"IPSec Tunnel #1\", no [tunnel 1])");
	}
	if (!ret && !c->failed)
		ret = conf_finish(c);
	if (ret || c->failed) {
		if (!c->failed)
			conf_error(c, name, "cannot be parsed");
		explicit_bzero(vpn, sizeof(*vpn));
		ret = -1;
	} else {
		vpn->format = c->fmt;
	}
	explicit_bzero(c, sizeof(*c));
	free(c);
	return ret;
}

int awsconf_parse_file(const char *path, struct awsvpn_vpn *vpn,
		       char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	ssize_t r;
	int fd, ret;

	memset(vpn, 0, sizeof(*vpn));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > CONF_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes",
			 path, CONF_FILE_MAX);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	while (len < (size_t)st.st_size) {
		r = read(fd, buf + len, (size_t)st.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len != (size_t)st.st_size) {
		snprintf(err, errlen, "%s: read error", path);
		ret = -1;
	} else {
		buf[len] = '\0';
		ret = awsconf_parse_buf(path, buf, len, vpn, err, errlen);
	}
	explicit_bzero(buf, (size_t)st.st_size + 1);
	free(buf);
	return ret;
}

void awsconf_free(struct awsvpn_vpn *vpn)
{
	explicit_bzero(vpn, sizeof(*vpn));
}
