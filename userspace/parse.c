// SPDX-License-Identifier: GPL-2.0
/*
 * Command line values and the table-driven "keyword value" parser.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

#include "common.h"

const struct name_map dir_names[] = {
	{ "in", AWSVPN_DIR_IN },
	{ "out", AWSVPN_DIR_OUT },
	{ NULL, 0 }
};

const struct name_map enc_names[] = {
	{ "aes128-gcm16", AWSVPN_ENC_AES128_GCM16 },
	{ "aes256-gcm16", AWSVPN_ENC_AES256_GCM16 },
	{ "aes128", AWSVPN_ENC_AES128_CBC },
	{ "aes256", AWSVPN_ENC_AES256_CBC },
	{ NULL, 0 }
};

const struct name_map integ_names[] = {
	{ "sha1", AWSVPN_INTEG_SHA1 },
	{ "sha2-256", AWSVPN_INTEG_SHA2_256 },
	{ "sha2-384", AWSVPN_INTEG_SHA2_384 },
	{ "sha2-512", AWSVPN_INTEG_SHA2_512 },
	{ NULL, 0 }
};

const struct name_map encap_names[] = {
	{ "none", AWSVPN_ENCAP_NONE },
	{ "udp", AWSVPN_ENCAP_UDP },
	{ NULL, 0 }
};

const struct name_map socket_names[] = {
	{ "none", AWSVPN_SOCKET_NONE },
	{ "module", AWSVPN_SOCKET_MODULE },
	{ "adopted", AWSVPN_SOCKET_ADOPTED },
	{ NULL, 0 }
};

const struct name_map df_names[] = {
	{ "clear", AWSVPN_DF_CLEAR },
	{ "keep", AWSVPN_DF_KEEP },
	{ NULL, 0 }
};

const struct name_map mss_mode_names[] = {
	{ "auto", AWSVPN_MSS_AUTO },
	{ "off", AWSVPN_MSS_OFF },
	{ NULL, 0 }
};

const struct name_map outer_df_names[] = {
	{ "set", AWSVPN_OUTER_DF_SET },
	{ "clear", AWSVPN_OUTER_DF_CLEAR },
	{ "inherit", AWSVPN_OUTER_DF_INHERIT },
	{ NULL, 0 }
};

const struct name_map on_off_names[] = {
	{ "off", 0 },
	{ "on", 1 },
	{ NULL, 0 }
};

const struct name_map parallel_names[] = {
	{ "off", AWSVPN_PARALLEL_OFF },
	{ "on", AWSVPN_PARALLEL_ON },
	{ "auto", AWSVPN_PARALLEL_AUTO },
	{ NULL, 0 }
};

const struct name_map mtu_mode_names[] = {
	{ "auto", AWSVPN_MTU_AUTO },
	{ "fixed", AWSVPN_MTU_FIXED },
	{ NULL, 0 }
};

const struct name_map sa_state_names[] = {
	{ "active", AWSVPN_SA_STATE_ACTIVE },
	{ "pending", AWSVPN_SA_STATE_PENDING },
	{ "expired", AWSVPN_SA_STATE_EXPIRED },
	{ "retired", AWSVPN_SA_STATE_RETIRED },
	{ NULL, 0 }
};

/* Shared by show (the device's reason) and monitor (carrier events). */
const struct name_map carrier_reason_names[] = {
	{ "ok", AWSVPN_CARRIER_OK },
	{ "no-remote", AWSVPN_CARRIER_NO_REMOTE },
	{ "no-sa", AWSVPN_CARRIER_NO_SA },
	{ "expired", AWSVPN_CARRIER_EXPIRED },
	{ NULL, 0 }
};

int map_value(const struct name_map *map, const char *name)
{
	for (; map->name; map++)
		if (!strcmp(map->name, name))
			return map->value;
	return -1;
}

const char *map_name(const struct name_map *map, int value)
{
	for (; map->name; map++)
		if (map->value == value)
			return map->name;
	return NULL;
}

void map_list(FILE *f, const struct name_map *map, const char *sep)
{
	for (; map->name; map++)
		fprintf(f, "%s%s", map->name, map[1].name ? sep : "");
}

/* Strict unsigned 32-bit number: digits only, no sign, no spaces. */
int parse_u32(const char *s, bool allow_hex, uint32_t *out)
{
	unsigned long long v;
	int base = 10;
	char *end;

	if (allow_hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
		if (!isxdigit((unsigned char)*s))
			return -1;
	} else if (*s < '0' || *s > '9') {
		return -1;
	}

	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*out = v;
	return 0;
}

int parse_ipv4(const char *s, uint32_t *be)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*be = a.s_addr;
	return 0;
}

int check_ifname(const char *cmd, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	if (!len || len >= IFNAMSIZ || !strcmp(name, ".") ||
	    !strcmp(name, "..")) {
		err_msg("%s: invalid device name '%s'", cmd, err_word(name));
		return -1;
	}
	for (p = name; *p; p++) {
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p)) {
			err_msg("%s: invalid device name '%s'", cmd, err_word(name));
			return -1;
		}
	}
	return 0;
}

/* Generic keyword parsers. */

int kw_ipv4(struct kwctx *c, const struct keyword *kw, const char *arg,
	    uint64_t *val)
{
	uint32_t be;

	(void)c;
	if (parse_ipv4(arg, &be)) {
		err_msg("%s: invalid address '%s' (expected IPv4 dotted quad)",
			kw->name, err_word(arg));
		return KW_USAGE;
	}
	*val = be;
	return 0;
}

int kw_range(struct kwctx *c, const struct keyword *kw, const char *arg,
	     uint64_t *val)
{
	uint32_t v;

	(void)c;
	if (parse_u32(arg, kw->hex, &v) || v < kw->min || v > kw->max) {
		err_msg("%s: invalid value '%s' (expected %u..%u%s)",
			kw->name, err_word(arg), kw->min, kw->max,
			kw->hex ? ", decimal or 0x-hex" : "");
		return KW_USAGE;
	}
	*val = v;
	return 0;
}

int kw_enum(struct kwctx *c, const struct keyword *kw, const char *arg,
	    uint64_t *val)
{
	int v = map_value(kw->map, arg);
	const struct name_map *m;
	char list[128];
	size_t n = 0;

	(void)c;
	if (v < 0) {
		list[0] = '\0';
		for (m = kw->map; m->name && n < sizeof(list); m++)
			n += snprintf(list + n, sizeof(list) - n, "%s%s",
				      n ? ", " : "", m->name);
		err_msg("%s: invalid value '%s' (expected %s)", kw->name,
			err_word(arg), list);
		return KW_USAGE;
	}
	*val = v;
	return 0;
}

int kw_spi(struct kwctx *c, const struct keyword *kw, const char *arg,
	   uint64_t *val)
{
	uint32_t v;

	(void)c;
	if (parse_u32(arg, true, &v) || v < AWSVPN_SPI_MIN) {
		err_msg("%s: invalid SPI '%s' (expected %u..%u, decimal or 0x-hex)",
			kw->name, err_word(arg), AWSVPN_SPI_MIN, UINT32_MAX);
		return KW_USAGE;
	}
	*val = v;
	return 0;
}

int kw_string(struct kwctx *c, const struct keyword *kw, const char *arg,
	      uint64_t *val)
{
	(void)c;
	if (!*arg) {
		err_msg("%s: empty value", kw->name);
		return KW_USAGE;
	}
	*val = 0;
	return 0;
}

int kw_put(struct nl_msg *msg, const struct keyword *kw, uint64_t val)
{
	if (kw->put)
		return kw->put(msg, kw, val);

	switch (kw->type) {
	case KW_NONE:
		return 0;
	case KW_U8:
		return nla_put_u8(msg, kw->attr, val);
	case KW_U16:
		return nla_put_u16(msg, kw->attr, val);
	case KW_U32:
	case KW_BE32:	/* already in network order */
		return nla_put_u32(msg, kw->attr, val);
	}
	return -1;
}

const struct keyword *kw_find(const struct keyword *table,
				     const char *name)
{
	for (; table->name; table++)
		if (!strcmp(table->name, name))
			return table;
	return NULL;
}

/* "CMD: " for messages; nothing when c->cmd is "" (err_context says it). */
#define CMDP(c)	(c)->cmd, *(c)->cmd ? ": " : ""

/*
 * Consume every "keyword value..." of c->argv.  Each keyword may appear
 * once.  Parsed values are remembered for kw_get() and, if c->msg is set,
 * added to it as attributes.  Prints a message and returns KW_USAGE (or
 * KW_FAIL) on the first bad word.
 */
int kw_parse(struct kwctx *c)
{
	while (c->argc > 0) {
		const char *name = c->argv[0];
		const struct keyword *kw = kw_find(c->table, name);
		unsigned int idx;
		uint64_t val;
		const char *arg;
		int ret;

		if (!kw) {
			err_msg("%s%sunknown keyword '%s'", CMDP(c), err_word(name));
			if (c->topic)
				help_hint(c->topic);
			return KW_USAGE;
		}
		idx = kw - c->table;
		if (c->seen & BIT(idx)) {
			err_msg("%s%s'%s' given more than once", CMDP(c), name);
			return KW_USAGE;
		}
		if (c->argc < 2) {
			err_msg("%s%s'%s' needs a value (%s)", CMDP(c), name,
				kw->arg);
			return KW_USAGE;
		}
		arg = c->argv[1];
		c->argc -= 2;
		c->argv += 2;

		ret = kw->parse(c, kw, arg, &val);
		if (ret)
			return ret;

		c->seen |= BIT(idx);
		c->val[idx] = val;
		c->raw[idx] = arg;
		if (c->msg && kw_put(c->msg, kw, val) < 0) {
			err_msg("%s%srequest too large", CMDP(c));
			return KW_FAIL;
		}
	}
	return 0;
}

bool kw_get(const struct kwctx *c, const char *name, uint64_t *val,
	    const char **raw)
{
	const struct keyword *kw = kw_find(c->table, name);
	unsigned int idx;

	if (!kw)
		return false;
	idx = kw - c->table;
	if (!(c->seen & BIT(idx)))
		return false;
	if (val)
		*val = c->val[idx];
	if (raw)
		*raw = c->raw[idx];
	return true;
}

#define HELP_COL	28

void kw_help(FILE *f, const struct keyword *table)
{
	for (; table->name; table++) {
		const char *h = table->help;
		int n;

		n = fprintf(f, "  %s %s", table->name, table->arg);
		if (n >= HELP_COL) {
			fputc('\n', f);
			n = 0;
		}
		fprintf(f, "%*s", HELP_COL - n, "");
		for (; *h; h++) {
			fputc(*h, f);
			if (*h == '\n')
				fprintf(f, "%*s", HELP_COL, "");
		}
		fputc('\n', f);
	}
}
