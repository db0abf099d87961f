// SPDX-License-Identifier: GPL-2.0
/*
 * Help texts.  Keyword lists come from the keyword tables, so a new keyword
 * documents itself.
 */
#include <string.h>

#include "common.h"

static void usage_lines(FILE *f)
{
	fputs("Usage: awsvpn show [DEV] [--json]\n"
	      "       awsvpn set DEV [KEYWORD VALUE]...\n"
	      "       awsvpn sa add DEV dir in|out spi SPI enc SUITE [integ ALG]\n"
	      "                     key-file FILE [replay-window N] [seq N]\n"
	      "                     [activate on-first-rx SPI_IN] [limit LIMIT N...]\n"
	      "       awsvpn sa del DEV dir in|out spi SPI\n"
	      "       awsvpn sa switch DEV spi SPI\n"
	      "       awsvpn monitor [--json] [DEV]\n"
	      "       awsvpn convert IN OUT\n"
	      "       awsvpn up FILE [--name NAME] [--route PREFIX]... [OPTIONS]\n"
	      "       awsvpn down NAME\n"
	      "       awsvpn status [NAME] [--json]\n"
	      "       awsvpn help [COMMAND]\n"
	      "       awsvpn --version\n", f);
}

/* For mistakes: the synopsis only. */
void help_short(FILE *f)
{
	usage_lines(f);
	fputs("Run 'awsvpn --help' for all keywords.\n", f);
}

void help_usage(FILE *f)
{
	usage_lines(f);
	fputs("\n"
	      "Configure awsvpn devices: one network device per AWS Site-to-Site\n"
	      "VPN tunnel, with ESP tunnel mode done in the kernel.  Keys are read\n"
	      "from files, never from the command line, and are never shown.\n"
	      "\n"
	      "Commands:\n"
	      "  show [DEV] [--json]       show all awsvpn devices, or only DEV\n"
	      "  set DEV [KEYWORD VALUE]...\n"
	      "                            change settings of DEV\n"
	      "  sa add DEV KEYWORD VALUE...\n"
	      "                            install a security association (SA)\n"
	      "  sa del DEV dir in|out spi SPI\n"
	      "                            remove a security association\n"
	      "  sa switch DEV spi SPI     make outbound SA SPI the one that sends\n"
	      "                            (rekey); the old one becomes retired\n"
	      "  monitor [--json] [DEV]    print SA and device events as they\n"
	      "                            happen (rekey, expiry, replay), until\n"
	      "                            interrupted\n"
	      "  convert IN OUT            read an AWS VPN connection download\n"
	      "                            (text or XML) and write it as an awsvpn\n"
	      "                            connection file OUT (mode 600)\n"
	      "  up FILE [OPTIONS]         both tunnels of an AWS VPN connection\n"
	      "                            from its configuration download, with\n"
	      "                            strongSwan; see 'awsvpn help up'\n"
	      "  down NAME                 remove what 'up' made\n"
	      "  status [NAME] [--json]    IKE, SA, carrier, traffic and BGP state\n"
	      "                            of each tunnel\n"
	      "  help [COMMAND]            this help, or details on COMMAND\n"
	      "  --version                 print the version\n"
	      "\n"
	      "Keywords of 'set' (settings not given stay unchanged):\n", f);
	kw_help(f, set_keywords);
	fputs("\nKeywords of 'sa add':\n", f);
	kw_help(f, sa_add_keywords);
	fputs("\nKeywords of 'sa del':\n", f);
	kw_help(f, sa_del_keywords);
	fputs("\nKeywords of 'sa switch':\n", f);
	kw_help(f, sa_switch_keywords);
	fputs("\nOptions of 'monitor':\n"
	      "  --json, -j                one JSON object per line\n", f);
	fputs("\nRun 'awsvpn help COMMAND' for details, e.g. 'awsvpn help sa'.\n",
	      f);
}

static void help_show(FILE *f)
{
	fputs("Usage: awsvpn show [DEV] [--json]\n"
	      "\n"
	      "Show settings, counters and security associations of the awsvpn\n"
	      "device DEV, or of every awsvpn device in the network namespace.\n"
	      "Counters are exact; only the 'transfer' line is rounded.  Keys are\n"
	      "never shown.\n"
	      "\n"
	      "  mtu: N (auto|fixed)       device MTU; auto follows suite, encap\n"
	      "                            and outer MTU, fixed was pinned\n"
	      "  outer-mtu: auto|N         auto: from the route to remote\n"
	      "  nat-keepalive: Ns|off     NAT keepalive interval (encap udp)\n"
	      "  if-id: N                  interface ID, only when set (not 0)\n"
	      "  parallel: on              parallel crypto, only when on\n"
	      "  frag: ...                 inner IPv4 DF bits reset, packets\n"
	      "                            fragmented before encryption, the\n"
	      "                            fragments made, ICMP frag-needed /\n"
	      "                            packet-too-big sent\n"
	      "  tcp: mss-clamped N        TCP SYNs whose MSS option was lowered\n"
	      "  nat: ...                  NAT keepalives sent, received\n"
	      "  latest rx: N.N s ago      time since the latest packet was\n"
	      "  latest tx: ...            received / sent, or never\n"
	      "Per SA: state (active, pending, retired: replaced by 'sa switch',\n"
	      "expired), age in seconds, soft-expired once a soft limit was hit,\n"
	      "activate (on-first-rx SPI), limits with what remains of each.\n"
	      "In JSON, \"mss\" and \"outer_mtu\" are a number, or a string (\"auto\",\n"
	      "\"off\"); \"nat_keepalive\" is in seconds, 0 = off; \"if_id\" is\n"
	      "always there, 0 = none.\n"
	      "\"last_rx_ms\"/\"last_tx_ms\" are milliseconds ago, null for never;\n"
	      "per SA \"age\" (s), \"soft_expired\", \"activate_on_rx\" (SPI) and\n"
	      "\"limits\" with the limits it has (time_soft, time_hard, bytes_soft,\n"
	      "bytes_hard, packets_soft, packets_hard).\n"
	      "\n"
	      "  --json, -j                print a JSON array with one object per\n"
	      "                            device, even for a single device\n"
	      "\n"
	      "Needs CAP_NET_ADMIN.\n", f);
}

static void help_set(FILE *f)
{
	fputs("Usage: awsvpn set DEV [KEYWORD VALUE]...\n"
	      "\n"
	      "Change settings of the awsvpn device DEV.  Settings not given stay\n"
	      "unchanged.  The kernel checks the whole request before changing\n"
	      "anything, so a rejected request changes nothing.\n"
	      "\n"
	      "Keywords:\n", f);
	kw_help(f, set_keywords);
	fputs("\n"
	      "Example:\n"
	      "  awsvpn set awsvpn0 local 192.0.2.2 remote 198.51.100.1\n"
	      "  awsvpn set awsvpn0 encap udp remote-port 4500 mss 1360\n"
	      "  awsvpn set awsvpn0 mtu 1400 outer-df set df keep\n"
	      "  awsvpn set awsvpn0 mtu auto outer-mtu 1400\n"
	      "  awsvpn set awsvpn0 if-id 42\n", f);
}

static void help_sa(FILE *f)
{
	fputs("Usage: awsvpn sa add DEV dir in|out spi SPI enc SUITE [integ ALG]\n"
	      "                     key-file FILE [replay-window N] [seq N]\n"
	      "                     [activate on-first-rx SPI_IN] [limit LIMIT N...]\n"
	      "       awsvpn sa del DEV dir in|out spi SPI\n"
	      "       awsvpn sa switch DEV spi SPI\n"
	      "\n"
	      "Install or remove an ESP security association (SA) of the awsvpn\n"
	      "device DEV.  The first outbound SA becomes the active one; later\n"
	      "ones wait, pending, until 'sa switch' (or their 'activate\n"
	      "on-first-rx' SPI receives).  An inbound SPI must be unique in the\n"
	      "network namespace, an outbound\n", f);
	fprintf(f,
		"SPI on the device.  At most %d inbound and %d outbound SAs.\n",
		AWSVPN_MAX_SA_IN, AWSVPN_MAX_SA_OUT);
	fputs("\nKeywords of 'sa add':\n", f);
	kw_help(f, sa_add_keywords);
	fputs("\nKeywords of 'sa del':\n", f);
	kw_help(f, sa_del_keywords);
	fputs("\nKeywords of 'sa switch':\n", f);
	kw_help(f, sa_switch_keywords);
	fputs("\n"
	      "Make-before-break rekey: add the new inbound SA, then the new\n"
	      "outbound SA (pending), switch to it once the peer has its inbound\n"
	      "SA ('sa switch', or 'activate on-first-rx' to wait for proof),\n"
	      "then delete the old pair.  The replaced outbound SA shows as\n"
	      "'retired' until deleted.  'awsvpn monitor' reports each step.\n", f);
	fputs("\n"
	      "Key file: the keys as hex digits (whitespace, newlines and a leading\n"
	      "0x are ignored): the encryption key, followed for CBC by the\n"
	      "integrity key.\n"
	      "  aes128-gcm16    20 bytes: 16-byte AES key + 4-byte salt (RFC 4106)\n"
	      "  aes256-gcm16    36 bytes: 32-byte AES key + 4-byte salt\n"
	      "  aes128          16 bytes AES key, then the integrity key\n"
	      "  aes256          32 bytes AES key, then the integrity key\n"
	      "  integrity key   sha1 20, sha2-256 32, sha2-384 48, sha2-512 64 bytes\n"
	      "Keep key files private (chmod 600); awsvpn warns otherwise.\n"
	      "\n"
	      "Example:\n"
	      "  awsvpn sa add awsvpn0 dir out spi 0x1000 enc aes128-gcm16 key-file out.key\n"
	      "  awsvpn sa add awsvpn0 dir in spi 0x2000 enc aes256 integ sha2-256 \\\n"
	      "         key-file - < in.key\n"
	      "  awsvpn sa del awsvpn0 dir in spi 0x2000\n"
	      "  awsvpn sa add awsvpn0 dir out spi 0x1001 enc aes128-gcm16 \\\n"
	      "         key-file new.key activate on-first-rx 0x2001 \\\n"
	      "         limit time-soft 3240 time-hard 3600\n"
	      "  awsvpn sa switch awsvpn0 spi 0x1001\n", f);
}

static void help_monitor(FILE *f)
{
	fputs("Usage: awsvpn monitor [--json] [DEV]\n"
	      "\n"
	      "Print the events of every awsvpn device in the network namespace,\n"
	      "or only of DEV, one line each as they happen, until interrupted\n"
	      "(SIGINT or SIGTERM end it with exit status 0).  Each line is\n"
	      "written out at once, so a pipe or file sees it immediately.\n"
	      "\n"
	      "  TIME DEV EVENT [in|out spi SPI] [reason REASON] [count N]\n"
	      "\n"
	      "TIME is local time, 2026-11-21T12:00:00.123.  EVENT is one of:\n"
	      "  sa-added, sa-deleted      an SA was installed or removed\n"
	      "  sa-switched               the SA is the new active outbound SA\n"
	      "  sa-soft-expire            a soft limit was reached: rekey now\n"
	      "                            (once per SA, with reason)\n"
	      "  sa-hard-expire            a hard limit was reached: the SA was\n"
	      "                            deleted; reason time, bytes, packets\n"
	      "                            or seq (sequence numbers used up)\n"
	      "  sa-first-rx               first authentic packet on an inbound SA\n"
	      "  dev-up, dev-down          the device went up or down\n"
	      "  replay, auth-fail         replayed packets or ICV failures, count\n"
	      "                            since the last such event (one a second\n"
	      "                            at most)\n"
	      "\n"
	      "  --json, -j                one JSON object per line: \"time\",\n"
	      "                            \"event\", \"ifname\", \"ifindex\" and,\n"
	      "                            where they apply, \"dir\", \"spi\"\n"
	      "                            (number), \"reason\", \"count\"\n"
	      "\n"
	      "Needs CAP_NET_ADMIN.\n", f);
}

static void help_convert(FILE *f)
{
	fputs("Usage: awsvpn convert IN OUT\n"
	      "\n"
	      "Read the VPN connection IN and write it to OUT as an awsvpn\n"
	      "connection file (Documentation/connection-file.rst).  IN is AWS's\n"
	      "\"Generic\" text download, the XML CustomerGatewayConfiguration of\n"
	      "describe-vpn-connections, or a connection file; the format is\n"
	      "recognised from the content.  Everything is checked first: two\n"
	      "tunnels, pre-shared keys, addresses and inside /30s, lifetimes,\n"
	      "algorithms, BGP or static routing.  A mistake is reported as one\n"
	      "line with the file and line (or XML element), and nothing is\n"
	      "written.\n"
	      "\n"
	      "OUT is created with mode 600 and never overwritten; it cannot be\n"
	      "'-': it holds the pre-shared keys, which are never printed.  The\n"
	      "proposals written are every suite AWS accepts, strongest first\n"
	      "(AWS takes the first it accepts); edit them in OUT to offer less.\n"
	      "Prints a summary: outside addresses, inside /30s, IKE version, BGP\n"
	      "ASNs or static routing of each tunnel.\n"
	      "\n"
	      "Example:\n"
	      "  awsvpn convert vpn-0a1b2c3d.txt /etc/awsvpn/aws.conf\n", f);
}

static void help_help(FILE *f)
{
	fputs("Usage: awsvpn help [COMMAND]\n"
	      "       awsvpn COMMAND --help\n"
	      "\n"
	      "Without COMMAND, list all commands and keywords; with it (show, set,\n"
	      "sa, monitor, convert, up, down, status, help), explain that\n"
	      "command.\n", f);
}

static const struct {
	const char *name;
	void (*print)(FILE *f);
} topics[] = {
	{ "show", help_show },
	{ "set", help_set },
	{ "sa", help_sa },
	{ "monitor", help_monitor },
	{ "convert", help_convert },
	{ "help", help_help },
};

int help_topic(FILE *f, const char *topic)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(topics); i++) {
		if (!strcmp(topics[i].name, topic)) {
			topics[i].print(f);
			return 0;
		}
	}
	return help_conn_topic(f, topic);
}

bool help_wanted(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

void help_hint(const char *topic)
{
	fprintf(stderr, "Try 'awsvpn help %s'.\n", topic);
}
