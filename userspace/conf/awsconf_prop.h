/* SPDX-License-Identifier: GPL-2.0 */
/*
 * awsconf algorithms: AWS download names and strongSwan proposals.
 */
#ifndef AWSVPN_AWSCONF_PROP_H
#define AWSVPN_AWSCONF_PROP_H

#include <stdbool.h>
#include <stddef.h>

enum conf_alg {
	ALG_NONE = 0,
	ALG_AES128,
	ALG_AES256,
	ALG_AES128GCM,
	ALG_AES256GCM,
	ALG_SHA1,
	ALG_SHA256,
	ALG_SHA384,
	ALG_SHA512,
};

/* A download's spelling ("aes-128-cbc", "hmac-sha1-96", "Group 2"), or -1. */
int alg_enc(const char *s, size_t len);
int alg_integ(const char *s, size_t len);
int alg_dh(const char *s, size_t len);	/* the group number, or -1 */

/* AWS accepts DH group @group in phase 1 (@pfs false) or as PFS group. */
bool alg_dh_ok(int group, bool pfs);
bool alg_is_gcm(int enc);

/* The AWS suites without SHA1 or weak groups, strongest first (strongSwan). */
int alg_build_proposals(unsigned int ike_version, char *ike, char *esp,
			size_t size);

/* Check a strongSwan proposal list; on error a reason in @why. */
int alg_check_proposals(const char *s, bool esp, unsigned int ike_version,
			char *why, size_t n);

#endif
