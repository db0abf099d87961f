// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libawsvpn: the AWS suites' key sizes (kernel/uapi/awsvpn.h documents them).
 */
#include "awsvpn_nl.h"

size_t awsvpn_enc_key_len(int enc)
{
	switch (enc) {
	case AWSVPN_ENC_AES128_GCM16:
		return 16 + 4;
	case AWSVPN_ENC_AES256_GCM16:
		return 32 + 4;
	case AWSVPN_ENC_AES128_CBC:
		return 16;
	case AWSVPN_ENC_AES256_CBC:
		return 32;
	}
	return 0;
}

size_t awsvpn_integ_key_len(int integ)
{
	switch (integ) {
	case AWSVPN_INTEG_SHA1:
		return 20;
	case AWSVPN_INTEG_SHA2_256:
		return 32;
	case AWSVPN_INTEG_SHA2_384:
		return 48;
	case AWSVPN_INTEG_SHA2_512:
		return 64;
	}
	return 0;
}

bool awsvpn_enc_is_aead(int enc)
{
	return enc == AWSVPN_ENC_AES128_GCM16 || enc == AWSVPN_ENC_AES256_GCM16;
}
