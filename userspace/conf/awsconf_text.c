// SPDX-License-Identifier: GPL-2.0
/*
 * The AWS "Generic" text download: prose, and per tunnel a block
 * "IPSec Tunnel #N" with sections "#1:" .. "#4:" of "  - Key : value"
 * lines.  Prose and keys not known here are ignored.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "awsconf_int.h"

enum { SUB_NONE, SUB_OUTSIDE, SUB_INSIDE, SUB_OTHER };

struct text_key {
	unsigned int section;	/* #N:, 0 = any */
	int sub;		/* under "Outside/Inside IP Addresses", or -1 */
	const char *key;	/* white space collapsed, no trailing dots */
	enum conf_field field;
};

static const struct text_key text_keys[] = {
	{ 0, -1, "IKE version", F_IKE_VER },
	{ 1, -1, "Authentication Method", F_AUTH_METHOD },
	{ 1, -1, "Pre-Shared Key", F_PSK },
	{ 1, -1, "Authentication Algorithm", F_IKE_INTEG },
	{ 1, -1, "Encryption Algorithm", F_IKE_ENC },
	{ 1, -1, "Lifetime", F_IKE_LIFE },
	{ 1, -1, "Phase 1 Negotiation Mode", F_IKE_MODE },
	{ 1, -1, "Diffie-Hellman", F_IKE_DH },
	{ 2, -1, "Protocol", F_ESP_PROTO },
	{ 2, -1, "Authentication Algorithm", F_ESP_INTEG },
	{ 2, -1, "Encryption Algorithm", F_ESP_ENC },
	{ 2, -1, "Lifetime", F_ESP_LIFE },
	{ 2, -1, "Mode", F_ESP_MODE },
	{ 2, -1, "Perfect Forward Secrecy", F_PFS },
	{ 0, -1, "DPD Interval", F_DPD_INT },
	{ 0, -1, "DPD Retries", F_DPD_RET },
	{ 0, -1, "TCP MSS Adjustment", F_MSS },
	{ 0, -1, "Clear Don't Fragment Bit", F_CLEAR_DF },
	{ 0, -1, "Fragmentation", F_FRAG },
	{ 3, SUB_OUTSIDE, "Customer Gateway", F_CGW_OUT },
	{ 3, SUB_OUTSIDE, "Virtual Private Gateway", F_AWS_OUT },
	{ 3, SUB_OUTSIDE, "Transit Gateway", F_AWS_OUT },
	{ 3, SUB_INSIDE, "Customer Gateway", F_CGW_IN },
	{ 3, SUB_INSIDE, "Virtual Private Gateway", F_AWS_IN },
	{ 3, SUB_INSIDE, "Transit Gateway", F_AWS_IN },
	{ 3, -1, "Tunnel interface MTU", F_MTU },
	{ 4, -1, "Customer Gateway ASN", F_CGW_ASN },
	{ 4, -1, "Virtual Private Gateway ASN", F_AWS_ASN },
	{ 4, -1, "Transit Gateway ASN", F_AWS_ASN },
	{ 4, -1, "Neighbor IP Address", F_BGP_NEIGH },
	{ 4, -1, "Neighbor Hold Time", F_BGP_HOLD },
	{ 4, -1, "Next hop", F_NEXT_HOP },
};

static bool starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !strncasecmp(s, prefix, n);
}

/* "Pre-Shared  Key ......" -> "Pre-Shared Key"; false if too long. */
static bool norm_key(const char *s, size_t len, char *out, size_t size)
{
	size_t n = 0;
	bool space = false;

	while (len && (isspace((unsigned char)s[len - 1]) || s[len - 1] == '.'))
		len--;
	for (; len; s++, len--) {
		if (isspace((unsigned char)*s)) {
			space = n > 0;
			continue;
		}
		if (n + 2 >= size)
			return false;
		if (space)
			out[n++] = ' ';
		space = false;
		out[n++] = *s;
	}
	out[n] = '\0';
	return true;
}

static int lookup(unsigned int section, int sub, const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(text_keys) / sizeof(text_keys[0]); i++) {
		const struct text_key *k = &text_keys[i];

		if ((k->section && k->section != section) ||
		    (k->sub >= 0 && k->sub != sub) || strcasecmp(k->key, key))
			continue;
		return (int)k->field;
	}
	return -1;
}

/* "IPSec Tunnel #2" (any case of "ipsec"): the number, else 0. */
static unsigned int tunnel_header(const char *s, size_t len)
{
	unsigned int n = 0;
	size_t i = strlen("ipsec tunnel #");

	if (!starts(s, len, "ipsec tunnel #") || i == len)
		return 0;
	for (; i < len; i++) {
		if (!isdigit((unsigned char)s[i]) || n > 1000)
			return 0;
		n = n * 10 + (unsigned int)(s[i] - '0');
	}
	return n ? n : 1001;
}

int conf_parse_text(struct conf_ctx *c, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *s, *colon;
	unsigned int line = 0, tunnel = 0, section = 0, n;
	char loc[CONF_LOC_MAX], key[64];
	size_t l;
	int sub = SUB_NONE, f;

	while (conf_next_line(&p, end, &s, &l)) {
		line++;
		snprintf(loc, sizeof(loc), "%s:%u", c->name, line);

		n = tunnel_header(s, l);
		if (n) {
			if (conf_tunnel(c, n, loc))
				return -1;
			tunnel = n;
			section = 0;
			sub = SUB_NONE;
			continue;
		}
		if (l >= 3 && s[0] == '#' && isdigit((unsigned char)s[1]) &&
		    s[2] == ':') {
			section = (unsigned int)(s[1] - '0');
			sub = SUB_NONE;
			continue;
		}
		if (starts(s, l, "Outside IP Addresses")) {
			sub = SUB_OUTSIDE;
			continue;
		}
		if (starts(s, l, "Inside IP Addresses")) {
			sub = SUB_INSIDE;
			continue;
		}
		if (starts(s, l, "Inside IPv6 Addresses")) {
			sub = SUB_OTHER;
			continue;
		}
		colon = memchr(s, ':', l);
		if (!tunnel && colon && starts(s, l, "Your VPN Connection ID")) {
			if (conf_set_id(c, colon + 1, (size_t)(s + l - colon - 1), loc))
				return -1;
			continue;
		}
		/* "- Key : value" */
		if (!tunnel || !colon || l < 2 || s[0] != '-' ||
		    !isspace((unsigned char)s[1]))
			continue;
		if (!norm_key(s + 1, (size_t)(colon - s - 1), key, sizeof(key)))
			continue;
		f = lookup(section, sub, key);
		if (f < 0)
			continue;
		if (conf_set(c, tunnel, (enum conf_field)f, colon + 1,
			     (size_t)(s + l - colon - 1), loc))
			return -1;
	}
	snprintf(c->end, sizeof(c->end), "%s:%u", c->name, line);
	return 0;
}
