/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel-awsvpn: the kernel_ipsec_t implementation.
 */
#ifndef KERNEL_AWSVPN_IPSEC_H_
#define KERNEL_AWSVPN_IPSEC_H_

#include <kernel/kernel_ipsec.h>

/* NULL if the awsvpn module cannot be reached (charon then logs it). */
kernel_ipsec_t *kernel_awsvpn_ipsec_create(void);

#endif
