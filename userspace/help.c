// SPDX-License-Identifier: GPL-2.0
/*
 * Help texts.  Keyword lists come from the keyword tables, so a new keyword
 * documents itself.
 */
#include <string.h>

#include "common.h"

static void usage_lines(FILE *f)
{
	fputs("Usage: awsvpn show [DEV] [-s|--verbose]\n"
	      "       awsvpn show [DEV] dump|--json|--prometheus\n"
	      "       awsvpn showconf DEV\n"
	      "       awsvpn set DEV [KEYWORD VALUE]...\n"
	      "       awsvpn setconf DEV FILE\n"
	      "       awsvpn sa add DEV dir in|out spi SPI enc SUITE [integ ALG]\n"
	      "                     key-file FILE [replay-window N] [seq N]\n"
	      "                     [activate on-first-rx SPI_IN] [limit LIMIT N...]\n"
	      "       awsvpn sa del DEV dir in|out spi SPI\n"
	      "       awsvpn sa switch DEV spi SPI\n"
	      "       awsvpn sa flush DEV [dir in|out]\n"
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
	      "  show [DEV] [dump] [-s] [--json | --prometheus]\n"
	      "                            show all awsvpn devices, or only DEV:\n"
	      "                            what matters (-s: everything), JSON,\n"
	      "                            tab-separated (dump) or metrics\n"
	      "  showconf DEV              print the settings of DEV for setconf\n"
	      "  set DEV [KEYWORD VALUE]...\n"
	      "                            change settings of DEV\n"
	      "  setconf DEV FILE          set every setting of DEV from FILE\n"
	      "                            (showconf's format); the ones FILE\n"
	      "                            leaves out return to their defaults\n"
	      "  sa add DEV KEYWORD VALUE...\n"
	      "                            install a security association (SA)\n"
	      "  sa del DEV dir in|out spi SPI\n"
	      "                            remove a security association\n"
	      "  sa switch DEV spi SPI     make outbound SA SPI the one that sends\n"
	      "                            (rekey); the old one becomes retired\n"
	      "  sa flush DEV [dir in|out] remove every SA of DEV (of a direction)\n"
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
	      "Before a command, -n NETNS (--netns) runs show, showconf, set,\n"
	      "setconf, sa or monitor in network namespace NETNS (a name from\n"
	      "'ip netns add', or a path such as /proc/PID/ns/net), as 'ip -n'.\n"
	      "\n"
	      "Exit status: 0 success, 1 failure (the kernel refused, no such\n"
	      "device, a file unreadable or wrong), 2 usage error (unknown command,\n"
	      "option or keyword, bad value, missing argument); 'up' also 3.\n"
	      "\n"
	      "Keywords of 'set' (settings not given stay unchanged):\n", f);
	kw_help(f, set_keywords);
	fputs("\nKeywords of 'sa add':\n", f);
	kw_help(f, sa_add_keywords);
	fputs("\nKeywords of 'sa del':\n", f);
	kw_help(f, sa_del_keywords);
	fputs("\nKeywords of 'sa switch':\n", f);
	kw_help(f, sa_switch_keywords);
	fputs("\nKeywords of 'sa flush':\n", f);
	kw_help(f, sa_flush_keywords);
	fputs("\nOptions of 'monitor':\n"
	      "  --json, -j                one JSON object per line\n", f);
	fputs("\nRun 'awsvpn help COMMAND' for details, e.g. 'awsvpn help sa'.\n",
	      f);
}

static void help_show(FILE *f)
{
	fputs("Usage: awsvpn show [DEV] [-s|--verbose]\n"
	      "       awsvpn show [DEV] dump\n"
	      "       awsvpn show [DEV] --json\n"
	      "       awsvpn show [DEV] --prometheus\n"
	      "\n"
	      "Show the awsvpn device DEV, or every awsvpn device of the network\n"
	      "namespace.  Keys are never shown.\n"
	      "\n"
	      "Text (the default) shows what matters: the remote, carrier, encap,\n"
	      "MTU, traffic, the settings that are not at their defaults and the\n"
	      "counters that are not 0; times read \"1 minute, 3 seconds ago\".\n"
	      "Colour only on a terminal, never with NO_COLOR set.  A line\n"
	      "\"LABEL: VALUE\" whose label is a keyword of 'set' has a value 'set'\n"
	      "takes (\"nat-keepalive: 20s\", \"mtu: 1446 (auto)\": the word in\n"
	      "parentheses is a remark, so \"mtu 1446\" would pin the MTU;\n"
	      "showconf writes \"mtu auto\" to keep it automatic).\n"
	      "\n"
	      "  -s, --verbose             every setting and every counter, also\n"
	      "                            those at 0, with each SA's key line and\n"
	      "                            crypto driver\n"
	      "  dump                      one tab-separated line per device and\n"
	      "                            per SA, every field always present, for\n"
	      "                            scripts (\"show dump dump\" for a device\n"
	      "                            named dump)\n"
	      "  --json, -j                a JSON array, one object per device\n"
	      "  --prometheus              metrics in the Prometheus text format\n"
	      "                            (awsvpn_tunnel_state, awsvpn_*_total,\n"
	      "                            ...), labelled device (and netns in a\n"
	      "                            named network namespace)\n"
	      "\n"
	      "Text lines:\n"
	      "  carrier: up|down (why)    why: no-remote, no-sa, expired\n"
	      "  mtu: N (auto|fixed)       device MTU; auto follows suite, encap\n"
	      "                            and outer MTU, fixed was pinned\n"
	      "  socket: module|adopted|none  the NAT-T socket (encap udp)\n"
	      "  transfer: ...             inner bytes received and sent, rounded\n"
	      "  latest rx: ... ago        time since the latest packet was\n"
	      "  latest tx: ... ago        received / sent (-s: never)\n"
	      "  rx:, tx:                  packets, bytes and drops\n"
	      "  frag: ...                 inner DF bits reset, packets fragmented\n"
	      "                            before encryption, fragments made, ICMP\n"
	      "                            frag-needed / packet-too-big sent\n"
	      "  tcp: mss-clamped N        TCP SYNs whose MSS option was lowered\n"
	      "  nat: ...                  NAT keepalives sent, received\n"
	      "  sa DIR spi SPI SUITE STATE [window N] seq N [soft-expired]\n"
	      "                            state: active, pending, retired (replaced\n"
	      "                            by 'sa switch'), expired; then activate,\n"
	      "                            limits (what remains of each) and age\n"
	      "\n"
	      "JSON: numbers are numbers, SPIs strings \"0x0000abcd\", times UTC\n"
	      "(\"2026-11-21T12:00:00.123Z\").  \"mss\" is the fixed value or null,\n"
	      "\"mss_mode\" auto, off or fixed; \"outer_mtu\" 0 = from the route;\n"
	      "\"nat_keepalive\" seconds, 0 = off; \"if_id\" 0 = none;\n"
	      "\"last_rx_ms\"/\"last_tx_ms\" milliseconds ago and \"last_rx\"/\n"
	      "\"last_tx\" the time, null for never; per SA \"age\" (s) and\n"
	      "\"installed\" (time), \"activate_on_rx\" (SPI), \"limits\".\n"
	      "Documentation/awsvpn.rst lists every field and the dump columns.\n"
	      "\n"
	      "Needs CAP_NET_ADMIN.\n", f);
}

static void help_showconf(FILE *f)
{
	fputs("Usage: awsvpn showconf DEV\n"
	      "       awsvpn setconf DEV FILE\n"
	      "\n"
	      "showconf prints every setting of the awsvpn device DEV, defaults\n"
	      "included, one \"KEYWORD VALUE\" line each in the words of 'set'.\n"
	      "SAs are not part of it (keys never leave the kernel), nor\n"
	      "socket-fd (a descriptor belongs to a process).\n"
	      "\n"
	      "setconf makes DEV's settings those of FILE ('-': standard input):\n"
	      "what FILE gives, and the default for every setting it leaves out,\n"
	      "as 'wg setconf' replaces a configuration.  FILE holds 'set'\n"
	      "keywords and values, any number per line; '#' starts a comment.\n"
	      "Everything is checked before anything changes, and the changes go\n"
	      "to the kernel as one request, which takes all or nothing.  Only\n"
	      "settings that differ from the device's are sent: unchanged outer\n"
	      "settings need no privilege over the outer namespace, and an\n"
	      "adopted NAT-T socket stays while encap, local and local-port do.\n"
	      "SAs are left alone.\n"
	      "\n"
	      "Example:\n"
	      "  awsvpn showconf awsvpn0 > awsvpn0.conf\n"
	      "  awsvpn setconf awsvpn0 awsvpn0.conf\n", f);
}

static void help_set(FILE *f)
{
	fputs("Usage: awsvpn set DEV [KEYWORD VALUE]...\n"
	      "\n"
	      "Change settings of the awsvpn device DEV.  Settings not given stay\n"
	      "unchanged ('setconf' replaces all of them).  The kernel checks the\n"
	      "whole request before changing anything, so a rejected request\n"
	      "changes nothing.  Values are those 'show' and 'showconf' print.\n"
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
	      "       awsvpn sa flush DEV [dir in|out]\n"
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
	fputs("\nKeywords of 'sa flush':\n", f);
	kw_help(f, sa_flush_keywords);
	fputs("\n"
	      "'sa flush' deletes the SAs one by one (outbound first), each with\n"
	      "its sa-deleted event; it is not atomic: an SA added meanwhile may\n"
	      "stay.  An SA that expires meanwhile is no error.\n", f);
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
	      "  awsvpn sa switch awsvpn0 spi 0x1001\n"
	      "  awsvpn sa flush awsvpn0\n", f);
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
	      "TIME is UTC, ISO 8601: 2026-11-21T12:00:00.123Z.  EVENT is one of:\n"
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
	      "  carrier-up, carrier-down  the device can (reason ok) or cannot\n"
	      "                            carry traffic (no-remote, no-sa, expired)\n"
	      "  module-unloaded, module-loaded\n"
	      "                            the awsvpn module went (every device\n"
	      "                            with it) or came back (an upgrade; the\n"
	      "                            monitor follows it); DEV reads \"-\"\n"
	      "\n"
	      "  --json, -j                one JSON object per line: \"time\",\n"
	      "                            \"event\", \"ifname\" and \"ifindex\" (not\n"
	      "                            for module events) and, where they\n"
	      "                            apply, \"dir\", \"spi\" (\"0x0000abcd\"),\n"
	      "                            \"reason\", \"count\"\n"
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
	      "proposals written are the suites AWS accepts, strongest first,\n"
	      "without SHA1 and DH groups 2, 5, 22-24: AWS picks the lowest it\n"
	      "accepts, so what is offered is what gets used.  Edit them in OUT\n"
	      "to offer less, or (tunnels restricted to them) the weak ones.\n"
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
	      "Without COMMAND, list all commands and keywords; with it (show,\n"
	      "showconf, set, setconf, sa, monitor, convert, up, down, status,\n"
	      "help), explain that command.\n", f);
}

static const struct {
	const char *name;
	void (*print)(FILE *f);
} topics[] = {
	{ "show", help_show },
	{ "showconf", help_showconf },
	{ "set", help_set },
	{ "setconf", help_showconf },
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
