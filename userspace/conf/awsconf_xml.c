// SPDX-License-Identifier: GPL-2.0
/*
 * The XML form, CustomerGatewayConfiguration: <vpn_connection id="...">
 * with two <ipsec_tunnel> elements.  libxml2 reads it without network
 * access, DTDs or entity expansion; a document with a DOCTYPE or entity
 * references is refused.  Elements not known here are ignored.
 */
#define _GNU_SOURCE		/* explicit_bzero */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "awsconf_int.h"

static const struct {
	const char *path;	/* below <ipsec_tunnel> */
	enum conf_field field;
} xml_paths[] = {
	{ "customer_gateway/tunnel_outside_address/ip_address", F_CGW_OUT },
	{ "customer_gateway/tunnel_inside_address/ip_address", F_CGW_IN },
	{ "customer_gateway/tunnel_inside_address/network_cidr", F_CGW_IN_CIDR },
	{ "customer_gateway/tunnel_inside_address/network_mask", F_CGW_IN_MASK },
	{ "customer_gateway/bgp/asn", F_CGW_ASN },
	{ "customer_gateway/bgp/hold_time", F_BGP_HOLD },
	{ "vpn_gateway/tunnel_outside_address/ip_address", F_AWS_OUT },
	{ "vpn_gateway/tunnel_inside_address/ip_address", F_AWS_IN },
	{ "vpn_gateway/tunnel_inside_address/network_cidr", F_AWS_IN_CIDR },
	{ "vpn_gateway/tunnel_inside_address/network_mask", F_AWS_IN_MASK },
	{ "vpn_gateway/bgp/asn", F_AWS_ASN },
	{ "vpn_gateway/bgp/hold_time", F_BGP_HOLD_AWS },
	{ "ike/authentication_protocol", F_IKE_INTEG },
	{ "ike/encryption_protocol", F_IKE_ENC },
	{ "ike/lifetime", F_IKE_LIFE },
	{ "ike/perfect_forward_secrecy", F_IKE_DH },
	{ "ike/mode", F_IKE_MODE },
	{ "ike/pre_shared_key", F_PSK },
	{ "ipsec/protocol", F_ESP_PROTO },
	{ "ipsec/authentication_protocol", F_ESP_INTEG },
	{ "ipsec/encryption_protocol", F_ESP_ENC },
	{ "ipsec/lifetime", F_ESP_LIFE },
	{ "ipsec/perfect_forward_secrecy", F_PFS },
	{ "ipsec/mode", F_ESP_MODE },
	{ "ipsec/clear_df_bit", F_CLEAR_DF },
	{ "ipsec/fragmentation_before_encryption", F_FRAG },
	{ "ipsec/tcp_mss_adjustment", F_MSS },
	{ "ipsec/dead_peer_detection/interval", F_DPD_INT },
	{ "ipsec/dead_peer_detection/retries", F_DPD_RET },
};

static void xml_loc(struct conf_ctx *c, xmlNode *node, const char *path,
		    char *loc, size_t size)
{
	/* a very long file name or path is cut short */
	if (snprintf(loc, size, "%s:%ld: %s", c->name, xmlGetLineNo(node),
		     path) >= (int)size)
		loc[size - 1] = '\0';
}

static bool has_elements(xmlNode *node)
{
	xmlNode *k;

	for (k = node->children; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

/* The elements below @node; @rel is @node's path below <ipsec_tunnel>. */
static int walk(struct conf_ctx *c, unsigned int n, xmlNode *node,
		const char *abs, const char *rel)
{
	char a[CONF_LOC_MAX], r[CONF_LOC_MAX], loc[CONF_LOC_MAX];
	xmlChar *text;
	xmlNode *k;
	size_t i;
	int ret;

	for (k = node->children; k; k = k->next) {
		if (k->type == XML_ENTITY_REF_NODE) {
			xml_loc(c, node, abs, loc, sizeof(loc));
			return conf_error(c, loc, "entity references are not allowed");
		}
		if (k->type != XML_ELEMENT_NODE)
			continue;
		snprintf(a, sizeof(a), "%s/%s", abs, (const char *)k->name);
		snprintf(r, sizeof(r), "%s%s%s", rel, *rel ? "/" : "",
			 (const char *)k->name);
		if (has_elements(k)) {
			if (walk(c, n, k, a, r))
				return -1;
			continue;
		}
		for (i = 0; i < sizeof(xml_paths) / sizeof(xml_paths[0]); i++)
			if (!strcmp(xml_paths[i].path, r))
				break;
		if (i == sizeof(xml_paths) / sizeof(xml_paths[0]))
			continue;
		if (k->children && k->children->type == XML_ENTITY_REF_NODE) {
			xml_loc(c, k, a, loc, sizeof(loc));
			return conf_error(c, loc, "entity references are not allowed");
		}
		xml_loc(c, k, a, loc, sizeof(loc));
		text = xmlNodeGetContent(k);
		if (!text)
			return conf_error(c, loc, "out of memory");
		ret = conf_set(c, n, xml_paths[i].field, (const char *)text,
			       strlen((const char *)text), loc);
		explicit_bzero(text, strlen((const char *)text));
		xmlFree(text);
		if (ret)
			return -1;
	}
	return 0;
}

/* Wipe every text node (the pre-shared keys) before the tree is freed. */
static void wipe(xmlNode *node)
{
	for (; node; node = node->next) {
		if ((node->type == XML_TEXT_NODE ||
		     node->type == XML_CDATA_SECTION_NODE) && node->content)
			explicit_bzero(node->content,
				       strlen((const char *)node->content));
		wipe(node->children);
	}
}

static int parse_doc(struct conf_ctx *c, xmlDoc *doc)
{
	xmlNode *root = xmlDocGetRootElement(doc), *k;
	char path[CONF_LOC_MAX], loc[CONF_LOC_MAX];
	unsigned int n = 0;
	xmlChar *id;
	int ret;

	if (doc->intSubset || doc->extSubset)
		return conf_error(c, c->name, "a DOCTYPE is not allowed in a VPN connection");
	if (!root || strcmp((const char *)root->name, "vpn_connection"))
		return conf_error(c, c->name, "the root element is <%.32s>, not <vpn_connection>",
				  root ? (const char *)root->name : "");
	snprintf(c->end, sizeof(c->end), "%s:%ld: /vpn_connection", c->name,
		 xmlGetLineNo(root));
	id = xmlGetProp(root, (const xmlChar *)"id");
	if (id) {
		ret = conf_set_id(c, (const char *)id, strlen((const char *)id),
				  c->end);
		xmlFree(id);
		if (ret)
			return -1;
	}
	for (k = root->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)k->name, "ipsec_tunnel"))
			continue;
		n++;
		snprintf(path, sizeof(path), "/vpn_connection/ipsec_tunnel[%u]", n);
		xml_loc(c, k, path, loc, sizeof(loc));
		if (conf_tunnel(c, n, loc) || walk(c, n, k, path, ""))
			return -1;
	}
	return 0;
}

int conf_parse_xml(struct conf_ctx *c, const char *buf, size_t len)
{
	const xmlError *e;
	char msg[200];
	size_t n;
	xmlDoc *doc;
	int ret;

	doc = xmlReadMemory(buf, (int)len, c->name, NULL,
			    XML_PARSE_NONET | XML_PARSE_NODICT |
			    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		e = xmlGetLastError();
		snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "");
		/*
		 * libxml2 quotes the bytes of bad UTF-8 on a line of their own
		 * ("...encoding !\nBytes: 0x.."): they could be part of a key
		 */
		if (strstr(msg, "Bytes:"))
			*strstr(msg, "Bytes:") = '\0';
		n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		snprintf(c->end, sizeof(c->end), "%s:%d", c->name, e ? e->line : 0);
		ret = conf_error(c, c->end, "not well-formed XML: %s", msg);
		xmlResetLastError();
		return ret;
	}
	ret = parse_doc(c, doc);
	wipe(doc->children);
	xmlFreeDoc(doc);
	return ret;
}
