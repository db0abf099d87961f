// SPDX-License-Identifier: GPL-2.0
/*
 * Help texts of the connection commands: up, down, status.
 */
#include <string.h>

#include "common.h"
#include "conn/conn.h"

static void help_up(FILE *f)
{
	fputs("Usage: awsvpn up FILE [--name NAME] [--local ADDR] [--vici URI]\n"
	      "                 [--route PREFIX]... [--advertise PREFIX]...\n"
	      "                 [--timeout SECONDS] [--vtysh COMMAND] [--no-frr]\n"
	      "\n"
	      "Bring up both tunnels of an AWS Site-to-Site VPN connection from\n"
	      "FILE: AWS's configuration download (vendor \"Generic\" text, or the\n"
	      "XML CustomerGatewayConfiguration of describe-vpn-connections) or an\n"
	      "awsvpn connection file (see 'awsvpn convert').  The file is checked\n"
	      "whole first: a file that is not understood creates nothing.\n"
	      "\n"
	      "Creates devices NAME0 and NAME1 (tunnel 1 and 2) with free interface\n"
	      "IDs and the customer side of each inside /30, loads one connection\n"
	      "per tunnel and its pre-shared key into the running charon over vici\n"
	      "(the keys never appear in argv or in a file of ours), initiates both\n"
	      "and waits until both CHILD_SAs are installed.  charon must have the\n"
	      "kernel-awsvpn plugin.  What was made is recorded in\n"
	      CONN_STATE_DIR "/NAME for 'awsvpn down NAME'.\n"
	      "\n"
	      "  --name NAME        connection name, 1-14 letters, digits, - or _;\n"
	      "                     default: the VPN connection ID, shortened to\n"
	      "                     vpn- and its last 8 characters\n"
	      "  --local ADDR       this gateway's own outside address, when it is\n"
	      "                     behind a NAT (AWS still sees the registered one)\n"
	      "  --vici URI         charon's vici socket (default " VICI_DEFAULT_URI ")\n"
	      "  --route PREFIX     static routing: route PREFIX over both tunnels,\n"
	      "                     tunnel 1 preferred (metric 100, tunnel 2 200);\n"
	      "                     a tunnel without a usable SA loses its carrier\n"
	      "                     and its route is skipped; with both down,\n"
	      "                     PREFIX is unreachable (metric 1000), never sent\n"
	      "                     in the clear (repeatable)\n"
	      "  --advertise PREFIX BGP: announce PREFIX to AWS, and nothing else\n"
	      "                     (repeatable)\n"
	      "  --timeout SECONDS  how long to wait for the tunnels (default 60)\n"
	      "  --vtysh COMMAND    how to run FRR's vtysh (default \"vtysh\")\n"
	      "  --no-frr           BGP: only write the FRR configuration\n"
	      "\n"
	      "BGP: with a BGP section in FILE, the bgpd configuration for both AWS\n"
	      "neighbours (hold time 30 s, keepalive 10 s) is written to\n"
	      CONN_STATE_DIR "/NAME.frr.conf and applied with 'vtysh -f' when FRR\n"
	      "runs; otherwise apply it yourself once FRR runs.\n"
	      "\n"
	      "Up again on a connection that is up changes nothing, unless charon\n"
	      "lost its connections (restarted): they are loaded and started again.\n"
	      "\n"
	      "Exit status: 0 both tunnels up (or NAME was up already); 1 nothing\n"
	      "was made (bad file, charon or the module missing; what was made\n"
	      "before a failure is removed again); 2 bad option or argument\n"
	      "(nothing read or made); 3 configured, but a tunnel is not up within\n"
	      "the timeout: charon's reason is printed and charon keeps trying.\n", f);
}

static void help_down(FILE *f)
{
	fputs("Usage: awsvpn down NAME\n"
	      "\n"
	      "Remove what 'awsvpn up' made for NAME, and only that: the tunnels'\n"
	      "SAs (AWS is told), charon's connections and keys, the BGP neighbours\n"
	      "and networks it added to FRR, and the devices with their addresses\n"
	      "and routes.\n", f);
}

static void help_status(FILE *f)
{
	fputs("Usage: awsvpn status [NAME] [--json]\n"
	      "\n"
	      "Per tunnel of every connection brought up with 'awsvpn up' (or of\n"
	      "NAME): the IKE SA's state, age and next rekey, the CHILD SA's age,\n"
	      "next rekey, suite and SPIs (0x%08x, as 'show' prints them), the device's\n"
	      "carrier and counters, and with BGP the neighbour's state in FRR.\n", f);
}

int help_conn_topic(FILE *f, const char *topic)
{
	if (!strcmp(topic, "up"))
		help_up(f);
	else if (!strcmp(topic, "down"))
		help_down(f);
	else if (!strcmp(topic, "status"))
		help_status(f);
	else
		return -1;
	return 0;
}
