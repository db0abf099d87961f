// SPDX-License-Identifier: GPL-2.0
/*
 * Algorithms: the names AWS downloads use, the strongSwan proposal
 * strings awsvpn offers, and the check of proposal strings in a native
 * file.  Only what AWS accepts is known here.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "awsconf_prop.h"

struct alg_name {
	const char *name;	/* normalised: lower case, no - _ . or space */
	int alg;
};

static const struct alg_name enc_names[] = {
	{ "aes128cbc", ALG_AES128 },
	{ "aes128", ALG_AES128 },
	{ "aes256cbc", ALG_AES256 },
	{ "aes256", ALG_AES256 },
	{ "aes128gcm16", ALG_AES128GCM },
	{ "aes128gcm", ALG_AES128GCM },
	{ "aes256gcm16", ALG_AES256GCM },
	{ "aes256gcm", ALG_AES256GCM },
	{ NULL, 0 }
};

/* "hmac" is dropped before the lookup. */
static const struct alg_name integ_names[] = {
	{ "sha1", ALG_SHA1 },
	{ "sha196", ALG_SHA1 },
	{ "sha2256", ALG_SHA256 },
	{ "sha2256128", ALG_SHA256 },
	{ "sha256", ALG_SHA256 },
	{ "sha256128", ALG_SHA256 },
	{ "sha2384", ALG_SHA384 },
	{ "sha2384192", ALG_SHA384 },
	{ "sha384", ALG_SHA384 },
	{ "sha384192", ALG_SHA384 },
	{ "sha2512", ALG_SHA512 },
	{ "sha2512256", ALG_SHA512 },
	{ "sha512", ALG_SHA512 },
	{ "sha512256", ALG_SHA512 },
	{ NULL, 0 }
};

/* Normalise @s into @out; false if it does not fit. */
static bool normalise(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (strchr("-_. \t", s[i]))
			continue;
		if (n + 1 >= outlen)
			return false;
		out[n++] = (char)tolower((unsigned char)s[i]);
	}
	out[n] = '\0';
	return true;
}

static int lookup(const struct alg_name *map, const char *s)
{
	for (; map->name; map++)
		if (!strcmp(map->name, s))
			return map->alg;
	return -1;
}

int alg_enc(const char *s, size_t len)
{
	char n[32];

	if (!normalise(s, len, n, sizeof(n)))
		return -1;
	return lookup(enc_names, n);
}

int alg_integ(const char *s, size_t len)
{
	char n[32];

	if (!normalise(s, len, n, sizeof(n)))
		return -1;
	return lookup(integ_names, strncmp(n, "hmac", 4) ? n : n + 4);
}

/* "Group 2", "Diffie-Hellman Group 14", "group2", "DH group 20", "20" */
int alg_dh(const char *s, size_t len)
{
	static const char *const prefixes[] = { "diffiehellman", "dh", "group" };
	char n[48], *p;
	size_t i;
	int g = 0;

	if (!normalise(s, len, n, sizeof(n)))
		return -1;
	p = n;
	for (i = 0; i < 3; i++)
		if (!strncmp(p, prefixes[i], strlen(prefixes[i])))
			p += strlen(prefixes[i]);
	if (!*p || strlen(p) > 2)
		return -1;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		g = g * 10 + (*p - '0');
	}
	return g;
}

static const struct {
	int group;
	const char *name;
} dh_names[] = {
	{ 2, "modp1024" }, { 5, "modp1536" }, { 14, "modp2048" },
	{ 15, "modp3072" }, { 16, "modp4096" }, { 17, "modp6144" },
	{ 18, "modp8192" }, { 19, "ecp256" }, { 20, "ecp384" },
	{ 21, "ecp521" }, { 22, "modp1024s160" }, { 23, "modp2048s224" },
	{ 24, "modp2048s256" },
};

#define N_DH	(sizeof(dh_names) / sizeof(dh_names[0]))

/*
 * The groups offered when the file names none, strongest first by security
 * strength.  AWS picks the lowest proposal it accepts whatever the order
 * (aws-facts.md), so a weak group offered is the group used: 2, 5 and 22
 * (1024/1536-bit) and 23, 24 (small subgroups) are not offered.
 */
static const int dh_order[] = { 21, 18, 20, 17, 16, 19, 15, 14 };

bool alg_dh_ok(int group, bool pfs)
{
	if (group == 2 || (group >= 14 && group <= 24))
		return true;
	return pfs && group == 5;
}

static const char *dh_name(int group)
{
	size_t i;

	for (i = 0; i < N_DH; i++)
		if (dh_names[i].group == group)
			return dh_names[i].name;
	return NULL;
}

bool alg_is_gcm(int enc)
{
	return enc == ALG_AES128GCM || enc == ALG_AES256GCM;
}

/* Append to @buf; false once it is full. */
static bool add(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	if (n + strlen(s) >= size)
		return false;
	memcpy(buf + n, s, strlen(s) + 1);
	return true;
}

/* One proposal: @head then every accepted DH group, strongest first. */
static bool add_proposal(char *buf, size_t size, const char *head, bool pfs)
{
	size_t i;
	bool ok = true;

	if (*buf)
		ok = add(buf, size, ",");
	ok = ok && add(buf, size, head);
	for (i = 0; i < sizeof(dh_order) / sizeof(dh_order[0]); i++) {
		if (!alg_dh_ok(dh_order[i], pfs))
			continue;
		ok = ok && add(buf, size, "-") &&
		     add(buf, size, dh_name(dh_order[i]));
	}
	return ok;
}

/* No SHA1 by default either, for the same reason as the groups. */
#define INTEG_ALL	"sha512-sha384-sha256"
#define PRF_ALL		"prfsha512-prfsha384-prfsha256"

int alg_build_proposals(unsigned int ike_version, char *ike, char *esp,
			size_t size)
{
	bool ok = true;

	ike[0] = esp[0] = '\0';
	/* strongSwan's IKEv1 has no AEAD for the IKE SA */
	if (ike_version == 2) {
		ok = add_proposal(ike, size, "aes256gcm16-" PRF_ALL, false) &&
		     add_proposal(ike, size, "aes128gcm16-" PRF_ALL, false);
	}
	ok = ok && add_proposal(ike, size, "aes256-" INTEG_ALL, false) &&
	     add_proposal(ike, size, "aes128-" INTEG_ALL, false);
	ok = ok && add_proposal(esp, size, "aes256gcm16", true) &&
	     add_proposal(esp, size, "aes128gcm16", true) &&
	     add_proposal(esp, size, "aes256-" INTEG_ALL, true) &&
	     add_proposal(esp, size, "aes128-" INTEG_ALL, true);
	return ok ? 0 : -1;
}

enum tok_kind { TOK_CBC, TOK_GCM, TOK_INTEG, TOK_PRF, TOK_DH };

static const struct {
	const char *name;
	enum tok_kind kind;
} tokens[] = {
	{ "aes128", TOK_CBC }, { "aes256", TOK_CBC },
	{ "aes128gcm16", TOK_GCM }, { "aes256gcm16", TOK_GCM },
	{ "sha1", TOK_INTEG }, { "sha256", TOK_INTEG },
	{ "sha384", TOK_INTEG }, { "sha512", TOK_INTEG },
	{ "prfsha1", TOK_PRF }, { "prfsha256", TOK_PRF },
	{ "prfsha384", TOK_PRF }, { "prfsha512", TOK_PRF },
};

/* Kind of token [s, s + len), or -1; *group for DH tokens. */
static int token_kind(const char *s, size_t len, int *group)
{
	size_t i;

	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		if (strlen(tokens[i].name) == len &&
		    !memcmp(tokens[i].name, s, len))
			return tokens[i].kind;
	for (i = 0; i < N_DH; i++)
		if (strlen(dh_names[i].name) == len &&
		    !memcmp(dh_names[i].name, s, len)) {
			*group = dh_names[i].group;
			return TOK_DH;
		}
	return -1;
}

/* One proposal [s, s + len). */
static int check_one(const char *s, size_t len, bool esp,
		     unsigned int ike_version, char *why, size_t n)
{
	unsigned int count[TOK_DH + 1] = { 0 };
	const char *p = s, *end = s + len, *dash;
	int kind, group = 0;

	if (!len) {
		snprintf(why, n, "empty proposal");
		return -1;
	}
	while (p <= end) {
		dash = memchr(p, '-', (size_t)(end - p));
		if (!dash)
			dash = end;
		kind = token_kind(p, (size_t)(dash - p), &group);
		if (kind < 0) {
			snprintf(why, n, "unknown algorithm '%.*s' (AWS accepts aes128, aes256, aes128gcm16, aes256gcm16, sha1, sha256, sha384, sha512, prfsha*, modp/ecp DH groups 2, %s14-24)",
				 (int)(dash - p > 32 ? 32 : dash - p), p,
				 esp ? "5, " : "");
			return -1;
		}
		if (kind == TOK_DH && !alg_dh_ok(group, esp)) {
			snprintf(why, n, "'%.*s' (DH group %d) is not accepted by AWS in phase %d",
				 (int)(dash - p), p, group, esp ? 2 : 1);
			return -1;
		}
		count[kind]++;
		p = dash + 1;
	}
	if (!count[TOK_CBC] && !count[TOK_GCM]) {
		snprintf(why, n, "proposal '%.*s' has no encryption algorithm",
			 (int)(len > 48 ? 48 : len), s);
		return -1;
	}
	if (count[TOK_CBC] && count[TOK_GCM]) {
		snprintf(why, n, "proposal mixes AES-GCM with AES-CBC (write them as two proposals)");
		return -1;
	}
	if (!count[TOK_DH]) {
		snprintf(why, n, "proposal '%.*s' has no DH group (%s)",
			 (int)(len > 48 ? 48 : len), s,
			 esp ? "AWS requires PFS" : "required");
		return -1;
	}
	if (esp && count[TOK_PRF]) {
		snprintf(why, n, "a PRF has no place in an ESP proposal");
		return -1;
	}
	if (count[TOK_CBC] && !count[TOK_INTEG]) {
		snprintf(why, n, "AES-CBC needs an integrity algorithm (sha1, sha256, sha384, sha512)");
		return -1;
	}
	if (count[TOK_GCM] && count[TOK_INTEG]) {
		snprintf(why, n, "AES-GCM takes no integrity algorithm%s",
			 esp ? "" : " (give a PRF, e.g. prfsha256)");
		return -1;
	}
	if (!esp && count[TOK_GCM] && ike_version == 1) {
		snprintf(why, n, "strongSwan cannot use AES-GCM for an IKEv1 SA: use AES-CBC with an integrity algorithm");
		return -1;
	}
	if (!esp && count[TOK_GCM] && !count[TOK_PRF]) {
		snprintf(why, n, "AES-GCM for the IKE SA needs a PRF (prfsha256, prfsha384, prfsha512, prfsha1)");
		return -1;
	}
	return 0;
}

int alg_check_proposals(const char *s, bool esp, unsigned int ike_version,
			char *why, size_t n)
{
	const char *comma;

	for (;;) {
		comma = strchr(s, ',');
		if (check_one(s, comma ? (size_t)(comma - s) : strlen(s), esp,
			      ike_version, why, n))
			return -1;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}
