// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libawsvpn: device replies (AWSVPN_CMD_GET_DEVICE) into plain structures.
 * Attributes a newer or older module does not send are simply absent
 * (the "has" bitmaps); short attributes are ignored rather than trusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "awsvpn_nl.h"

static bool get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || nla_len(a) < 1)
		return false;
	*v = *(const uint8_t *)nla_data(a);
	return true;
}

static bool get_u16(const struct nlattr *a, uint16_t *v)
{
	if (!a || nla_len(a) < 2)
		return false;
	memcpy(v, nla_data(a), sizeof(*v));
	return true;
}

static bool get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || nla_len(a) < 4)
		return false;
	memcpy(v, nla_data(a), sizeof(*v));
	return true;
}

static bool get_u64(const struct nlattr *a, uint64_t *v)
{
	if (!a || nla_len(a) < 8)
		return false;
	memcpy(v, nla_data(a), sizeof(*v));
	return true;
}

#define GET(kind, tb, attr, dst, has)				\
	do {							\
		if (get_##kind((tb)[attr], &(dst)))		\
			(has) |= BIT(attr);			\
	} while (0)

static void parse_stats(const struct nlattr *nest, struct awsvpn_stats *st)
{
	struct nlattr *a;
	int rem;

	if (!nest)
		return;
	nla_for_each_nested(a, nest, rem) {
		int t = nla_type(a);

		if (t <= 0 || t > AWSVPN_STAT_MAX || nla_len(a) < 8)
			continue;
		memcpy(&st->v[t], nla_data(a), sizeof(st->v[t]));
		st->has |= BIT(t);
	}
}

static int parse_sa(struct nlattr *nest, struct awsvpn_sa *sa)
{
	struct nlattr *tb[AWSVPN_SA_A_MAX + 1];

	memset(sa, 0, sizeof(*sa));
	if (nla_parse_nested(tb, AWSVPN_SA_A_MAX, nest, NULL) < 0)
		return -EPROTO;
	GET(u8, tb, AWSVPN_SA_A_DIR, sa->dir, sa->has);
	GET(u32, tb, AWSVPN_SA_A_SPI, sa->spi, sa->has);
	GET(u8, tb, AWSVPN_SA_A_ENC, sa->enc, sa->has);
	GET(u8, tb, AWSVPN_SA_A_INTEG, sa->integ, sa->has);
	GET(u32, tb, AWSVPN_SA_A_REPLAY_WINDOW, sa->replay_window, sa->has);
	GET(u32, tb, AWSVPN_SA_A_SEQ, sa->seq, sa->has);
	GET(u8, tb, AWSVPN_SA_A_STATE, sa->state, sa->has);
	GET(u32, tb, AWSVPN_SA_A_AGE, sa->age, sa->has);
	GET(u8, tb, AWSVPN_SA_A_SOFT_EXPIRED, sa->soft_expired, sa->has);
	if (tb[AWSVPN_SA_A_CRYPTO_DRIVER]) {
		nla_strlcpy(sa->driver, tb[AWSVPN_SA_A_CRYPTO_DRIVER],
			    sizeof(sa->driver));
		sa->has |= BIT(AWSVPN_SA_A_CRYPTO_DRIVER);
	}
	GET(u32, tb, AWSVPN_SA_A_ACTIVATE_ON_RX, sa->activate_on_rx, sa->has);
	GET(u32, tb, AWSVPN_SA_A_TIME_SOFT, sa->time_soft, sa->has);
	GET(u32, tb, AWSVPN_SA_A_TIME_HARD, sa->time_hard, sa->has);
	GET(u64, tb, AWSVPN_SA_A_BYTES_SOFT, sa->bytes_soft, sa->has);
	GET(u64, tb, AWSVPN_SA_A_BYTES_HARD, sa->bytes_hard, sa->has);
	GET(u64, tb, AWSVPN_SA_A_PACKETS_SOFT, sa->packets_soft, sa->has);
	GET(u64, tb, AWSVPN_SA_A_PACKETS_HARD, sa->packets_hard, sa->has);
	parse_stats(tb[AWSVPN_SA_A_STATS], &sa->st);
	return 0;
}

static int parse_sas(struct nlattr *nest, struct awsvpn_dev *d)
{
	struct nlattr *a;
	size_t n = 0;
	int rem;

	if (!nest)
		return 0;
	nla_for_each_nested(a, nest, rem)
		n++;
	d->sa = calloc(n ? n : 1, sizeof(*d->sa));
	if (!d->sa)
		return -ENOMEM;
	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != AWSVPN_A_SA)
			continue;
		if (parse_sa(a, &d->sa[d->n_sa]))
			return -EPROTO;
		d->n_sa++;
	}
	return 0;
}

int awsvpn_dev_list_add(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[AWSVPN_A_MAX + 1];
	struct awsvpn_dev_list *l = arg;
	struct awsvpn_dev *d;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, AWSVPN_A_MAX, NULL) < 0)
		return -EPROTO;

	d = realloc(l->dev, (l->n + 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	l->dev = d;
	d = &l->dev[l->n++];
	memset(d, 0, sizeof(*d));

	if (tb[AWSVPN_A_IFNAME] && nla_len(tb[AWSVPN_A_IFNAME]) > 0) {
		size_t len = strnlen(nla_data(tb[AWSVPN_A_IFNAME]),
				     nla_len(tb[AWSVPN_A_IFNAME]));

		if (len >= sizeof(d->ifname))
			len = sizeof(d->ifname) - 1;
		memcpy(d->ifname, nla_data(tb[AWSVPN_A_IFNAME]), len);
		d->has |= BIT(AWSVPN_A_IFNAME);
	}
	GET(u32, tb, AWSVPN_A_IFINDEX, d->ifindex, d->has);
	GET(u32, tb, AWSVPN_A_LOCAL, d->local, d->has);
	GET(u32, tb, AWSVPN_A_REMOTE, d->remote, d->has);
	GET(u8, tb, AWSVPN_A_ENCAP, d->encap, d->has);
	GET(u16, tb, AWSVPN_A_LOCAL_PORT, d->local_port, d->has);
	GET(u16, tb, AWSVPN_A_REMOTE_PORT, d->remote_port, d->has);
	GET(u8, tb, AWSVPN_A_DF_POLICY, d->df, d->has);
	GET(u8, tb, AWSVPN_A_MSS_MODE, d->mss_mode, d->has);
	GET(u16, tb, AWSVPN_A_MSS, d->mss, d->has);
	GET(u32, tb, AWSVPN_A_REPLAY_WINDOW, d->replay_window, d->has);
	GET(u32, tb, AWSVPN_A_MTU, d->mtu, d->has);
	GET(u8, tb, AWSVPN_A_MTU_MODE, d->mtu_mode, d->has);
	GET(u32, tb, AWSVPN_A_OUTER_MTU, d->outer_mtu, d->has);
	GET(u8, tb, AWSVPN_A_OUTER_DF, d->outer_df, d->has);
	GET(u32, tb, AWSVPN_A_NAT_KEEPALIVE, d->nat_keepalive, d->has);
	GET(u8, tb, AWSVPN_A_SOCKET, d->socket, d->has);
	GET(u64, tb, AWSVPN_A_LAST_RX_MS, d->last_rx_ms, d->has);
	GET(u64, tb, AWSVPN_A_LAST_TX_MS, d->last_tx_ms, d->has);
	GET(u32, tb, AWSVPN_A_IF_ID, d->if_id, d->has);
	GET(u8, tb, AWSVPN_A_CARRIER, d->carrier, d->has);
	GET(u8, tb, AWSVPN_A_CARRIER_REASON, d->carrier_reason, d->has);
	GET(u8, tb, AWSVPN_A_PARALLEL, d->parallel, d->has);
	GET(u32, tb, AWSVPN_A_TX_CRYPT_NS, d->tx_crypt_ns, d->has);
	GET(u32, tb, AWSVPN_A_TX_HOP_NS, d->tx_hop_ns, d->has);
	GET(u32, tb, AWSVPN_A_RX_CRYPT_NS, d->rx_crypt_ns, d->has);
	GET(u32, tb, AWSVPN_A_RX_HOP_NS, d->rx_hop_ns, d->has);
	parse_stats(tb[AWSVPN_A_STATS], &d->st);
	return parse_sas(tb[AWSVPN_A_SAS], d);
}

void awsvpn_dev_list_free(struct awsvpn_dev_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->dev[i].sa);
	free(l->dev);
	l->dev = NULL;
	l->n = 0;
}

/*
 * Interrupted dumps are repeated at once: each one that fails saw a device
 * come or go, so only a namespace whose devices change faster than a dump
 * runs (thousands of devices a second) exhausts the tries.
 */
#define DUMP_TRIES	16

int awsvpn_dev_get(struct awsvpn_nl *nl, const char *ifname,
		   struct awsvpn_dev_list *list)
{
	struct nl_msg *msg;
	int ret, try = 0;

	do {
		memset(list, 0, sizeof(*list));
		msg = awsvpn_nl_req(AWSVPN_CMD_GET_DEVICE,
				    ifname ? 0 : NLM_F_DUMP);
		if (!msg)
			return -ENOMEM;
		if (ifname && nla_put_string(msg, AWSVPN_A_IFNAME, ifname) < 0) {
			nlmsg_free(msg);
			return -ENOMEM;
		}
		if (ifname)
			ret = awsvpn_nl_run(nl, msg, awsvpn_dev_list_add, list,
					    "cannot show %s", ifname);
		else
			ret = awsvpn_nl_run(nl, msg, awsvpn_dev_list_add, list,
					    "cannot list awsvpn devices");
		if (ret)
			awsvpn_dev_list_free(list);
	} while (ret == -EAGAIN && ++try < DUMP_TRIES);
	if (ret == -EAGAIN)
		awsvpn_nl_log("cannot list awsvpn devices: the list changed during each of %d dumps; try again",
			      DUMP_TRIES);
	return ret;
}

const struct awsvpn_sa *awsvpn_dev_find_sa(const struct awsvpn_dev *dev,
					   uint8_t dir, uint32_t spi)
{
	size_t i;

	for (i = 0; i < dev->n_sa; i++)
		if (dev->sa[i].dir == dir && dev->sa[i].spi == spi &&
		    (dev->sa[i].has & BIT(AWSVPN_SA_A_SPI)))
			return &dev->sa[i];
	return NULL;
}
