// SPDX-License-Identifier: GPL-2.0
/*
 * awsvpn's own connection file (Documentation/connection-file.rst):
 * "# comment" lines, "id = ..." first, then "[tunnel 1]" and "[tunnel 2]"
 * sections of "key = value" lines.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "awsconf_int.h"

/* "[tunnel N]": N (1..99), else 0. */
static unsigned int section_number(const char *s, size_t len)
{
	const size_t pre = strlen("[tunnel ");
	unsigned int n = 0;
	size_t i;

	if (len < pre + 2 || len > pre + 3 || memcmp(s, "[tunnel ", pre) ||
	    s[len - 1] != ']')
		return 0;
	for (i = pre; i < len - 1; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		n = n * 10 + (unsigned int)(s[i] - '0');
	}
	return n;
}

int conf_parse_native(struct conf_ctx *c, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *s, *eq, *k;
	unsigned int line = 0, tunnel = 0, n;
	char loc[CONF_LOC_MAX];
	size_t l, kl;
	int f;

	while (conf_next_line(&p, end, &s, &l)) {
		line++;
		if (!l || s[0] == '#')
			continue;
		snprintf(loc, sizeof(loc), "%s:%u", c->name, line);
		if (s[0] == '[') {
			n = section_number(s, l);
			if (!n)
				return conf_error(c, loc, "unknown section (expected [tunnel 1] or [tunnel 2])");
			if (conf_tunnel(c, n, loc))
				return -1;
			tunnel = n;
			continue;
		}
		eq = memchr(s, '=', l);
		if (!eq)
			return conf_error(c, loc, "expected 'key = value', '[tunnel N]' or a '#' comment");
		k = s;
		kl = (size_t)(eq - s);
		conf_trim(&k, &kl);
		if (kl == 2 && !memcmp(k, "id", 2)) {
			if (tunnel)
				return conf_error(c, loc, "id belongs before [tunnel 1]");
			if (conf_set_id(c, eq + 1, (size_t)(s + l - eq - 1), loc))
				return -1;
			continue;
		}
		f = conf_native_field(k, kl);
		if (f < 0)
			return conf_error(c, loc, "unknown key '%.*s'",
					  (int)(kl > 32 ? 32 : kl), k);
		if (!tunnel)
			return conf_error(c, loc, "%s outside a [tunnel N] section",
					  conf_native_key((enum conf_field)f));
		if (conf_set(c, tunnel, (enum conf_field)f, eq + 1,
			     (size_t)(s + l - eq - 1), loc))
			return -1;
	}
	snprintf(c->end, sizeof(c->end), "%s:%u", c->name, line);
	return 0;
}

static void put_addr(FILE *f, const char *key, struct in_addr a,
		     unsigned int prefix)
{
	char b[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, b, sizeof(b));
	if (prefix)
		fprintf(f, "%s = %s/%u\n", key, b, prefix);
	else
		fprintf(f, "%s = %s\n", key, b);
}

int awsconf_write_native(FILE *f, const struct awsvpn_vpn *vpn)
{
	const struct awsconf_tunnel *t;
	unsigned int i;

	fputs("# awsvpn connection file (see Documentation/connection-file.rst).\n"
	      "# It holds the pre-shared keys: keep it mode 600.\n", f);
	if (vpn->id[0])
		fprintf(f, "id = %s\n", vpn->id);
	for (i = 0; i < AWSCONF_TUNNELS; i++) {
		t = &vpn->tunnel[i];
		fprintf(f, "\n[tunnel %u]\n", i + 1);
		put_addr(f, "cgw-outside", t->cgw_outside, 0);
		put_addr(f, "aws-outside", t->aws_outside, 0);
		put_addr(f, "cgw-inside", t->cgw_inside, t->inside_prefix);
		put_addr(f, "aws-inside", t->aws_inside, t->inside_prefix);
		fprintf(f, "psk = %s\n", t->psk);
		fprintf(f, "ike-version = %u\n", t->ike_version);
		fprintf(f, "ike-proposals = %s\n", t->ike_proposals);
		fprintf(f, "esp-proposals = %s\n", t->esp_proposals);
		fprintf(f, "ike-lifetime = %u\n", t->ike_lifetime);
		fprintf(f, "esp-lifetime = %u\n", t->esp_lifetime);
		fprintf(f, "dpd-interval = %u\n", t->dpd_interval);
		fprintf(f, "dpd-retries = %u\n", t->dpd_retries);
		if (t->mtu)
			fprintf(f, "mtu = %u\n", t->mtu);
		if (t->mss)
			fprintf(f, "mss = %u\n", t->mss);
		fprintf(f, "clear-df = %s\n", t->clear_df ? "yes" : "no");
		fprintf(f, "frag-before-encryption = %s\n",
			t->frag_before_encryption ? "yes" : "no");
		if (!t->has_bgp) {
			fputs("routing = static\n", f);
			continue;
		}
		fputs("routing = bgp\n", f);
		fprintf(f, "bgp-cgw-asn = %u\n", (unsigned int)t->cgw_asn);
		fprintf(f, "bgp-aws-asn = %u\n", (unsigned int)t->aws_asn);
		put_addr(f, "bgp-neighbor", t->bgp_neighbor, 0);
		fprintf(f, "bgp-hold-time = %u\n", t->bgp_hold_time);
	}
	fflush(f);
	return ferror(f) ? -1 : 0;
}
