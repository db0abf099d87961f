# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# selftests/lib-ike.sh - strongSwan peers for the IKE tests (6x files).
# Source after lib.sh.
#
# Two stock charon daemons (charon-systemd) run side by side, each in its
# own network namespace with its own strongswan.conf (STRONGSWAN_CONF) and
# vici socket under $T_TMP/<name>/, logging to $AWSVPN_OUT/<file>/<name>.log:
#
#   "aws" plays AWS: kernel-netlink (XFRM) with an xfrm interface per tunnel
#   "cgw" is the customer gateway: kernel-awsvpn, one awsvpn device per tunnel
#
#   ike_plugin_setup [SO]       make /usr/lib/ipsec/plugins hold the plugin
#                               (a bind mount: the host's / is read-only);
#                               SO: another build of it (a package's)
#   (esp_topology of lib.sh: ns cgw 192.0.2.1 -- ns aws 192.0.2.2, veth)
#   ike_charon NS NAME BACKEND [EXTRA]  start charon in NS; BACKEND is
#                               "awsvpn" or "xfrm"; EXTRA: more lines for
#                               the charon { } section
#   ike_stop NAME [SIG]         stop it (SIGTERM, or e.g. KILL)
#   ike_swanctl NAME ARGS...    swanctl against NAME's vici socket
#   ike_load NAME FILE          swanctl --load-all --file FILE
#   ike_log NAME                NAME's charon log
#   ike_conf FILE SIDE VER PROPOSALS CHILD...  a swanctl.conf (see there)
#   ike_sa_json NAME            swanctl --list-sas --raw, one JSON object
#                               per IKE SA (see ike_sas below)
#   ike_child_spis NAME CHILD   "spi-in spi-out" of the installed CHILD_SA
#                               named CHILD (hex, no 0x), or nothing
#   ike_child_field NAME CHILD KEY  a field (bytes-in, encr-alg, ...) of it
#   awsvpn_tunnel NS DEV IFID ADDR  awsvpn device for a tunnel, up
#   xfrm_tunnel NS DEV IFID ADDR    xfrm interface for a tunnel, up
#
# Tunnel inside addresses follow AWS: a /30 per tunnel, .1 AWS, .2 CGW.

IKE_PSK="correct-horse-battery-staple-awsvpn-test"
# Logs survive the VM (the vici sockets cannot live on the 9p share).
IKE_LOGS="$AWSVPN_OUT/$T_NAME"
mkdir -p "$IKE_LOGS"

ike_plugin_setup() {
	local so=${1:-$AWSVPN_SRC/userspace/kernel-awsvpn/libstrongswan-kernel-awsvpn.so}
	local d="$T_TMP/ipsec-plugins"

	[ -f "$so" ] || { echo "plugin not built: $so"; return 1; }
	if ! grep -q ' /usr/lib/ipsec/plugins ' /proc/mounts; then
		mkdir -p "$d" &&
		cp -a /usr/lib/ipsec/plugins/. "$d/" &&
		mount --bind "$d" /usr/lib/ipsec/plugins || return 1
		t_on_exit umount -l /usr/lib/ipsec/plugins
	fi
	cp "$so" /usr/lib/ipsec/plugins/libstrongswan-kernel-awsvpn.so
}

# The plugins both daemons need, from Debian's libstrongswan and
# libstrongswan-standard-plugins; the kernel backend goes first.
IKE_PLUGINS="socket-default vici random nonce openssl pem pkcs1 pkcs8 x509
	revocation constraints pubkey aes sha1 sha2 hmac gcm gmp kdf"

ike_charon() {
	local ns=$1 name=$2 backend=$3 extra=${4:-} d="$T_TMP/$2" load pid
	mkdir -p "$d"
	case "$backend" in
	awsvpn) load="kernel-awsvpn! kernel-netlink" ;;
	xfrm)	load="kernel-netlink!" ;;
	*)	echo "unknown backend $backend"; return 1 ;;
	esac
	rm -f "$IKE_LOGS/$name.log" "$d/vici"
	cat > "$d/strongswan.conf" <<-EOF
	charon-systemd {
	    journal {
	        default = -1
	    }
	}
	charon {
	    load_modular = no
	    load = $load $(echo $IKE_PLUGINS)
	    install_routes = no
	    install_virtual_ip = no
	    # Quick to give up on a dead peer (DPD tests), bounded waits; the
	    # first timeout stretched on a slow (debug) guest, where a peer
	    # can take seconds to answer IKE_AUTH (its SAs installed first).
	    retransmit_timeout = $(tscale 1.0)
	    retransmit_base = 1.4
	    retransmit_tries = 3
	    # A rekeyed inbound SA goes 1 s after the rekey (default 5 s):
	    # make-before-break is still tested, 60 rekeys take less time.
	    delete_rekeyed_delay = 1
	    filelog {
	        log {
	            path = $IKE_LOGS/$name.log
	            default = 1
	            knl = 2
	            ike = 2
	            cfg = 1
	            flush_line = yes
	            time_format = %H:%M:%S
	        }
	    }
	    plugins {
	        vici {
	            socket = unix://$d/vici
	        }
	    }
	$extra
	}
	swanctl {
	    load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey
	}
	EOF
	STRONGSWAN_CONF="$d/strongswan.conf" \
		ip netns exec "$ns" setsid charon-systemd </dev/null \
		>"$IKE_LOGS/$name.stdout" 2>&1 &
	pid=$!
	echo "$pid" > "$d/pid"
	t_on_exit ike_stop "$name" KILL
	wait_for 20 test -S "$d/vici" || {
		echo "charon $name did not open its vici socket"
		tail -n 30 "$IKE_LOGS/$name.log" "$IKE_LOGS/$name.stdout" 2>/dev/null
		return 1
	}
	# vici answers once the daemon is up.
	wait_for 20 ike_swanctl "$name" --stats >/dev/null 2>&1
}

ike_stop() {
	local d="$T_TMP/$1" pid
	pid=$(cat "$d/pid" 2>/dev/null) || return 0
	kill -"${2:-TERM}" "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$d/pid"
	return 0
}

# ike_swanctl NAME COMMAND ARGS...: the command's options follow it.
ike_swanctl() {
	local name=$1 cmd=$2
	shift 2
	STRONGSWAN_CONF="$T_TMP/$name/strongswan.conf" \
		timeout 60 swanctl "$cmd" --uri "unix://$T_TMP/$name/vici" "$@"
}

ike_load() {
	ike_swanctl "$1" --load-all --noprompt --file "$2"
}

ike_log() { cat "$IKE_LOGS/$1.log" 2>/dev/null; }

# ike_backtrace NAME: every thread's stack of NAME's charon (for hangs).
ike_backtrace() {
	local pid
	pid=$(cat "$T_TMP/$1/pid" 2>/dev/null) || return 0
	command -v gdb >/dev/null || return 0
	timeout 60 gdb -p "$pid" -batch -ex 'thread apply all bt' 2>/dev/null |
		grep -E '^(Thread|#)' | grep -v 'in ?? ()' | head -n 150
}

# swanctl --list-sas --raw as JSON lines: {"name": {...}} per IKE SA.
ike_sa_json() {
	ike_swanctl "$1" --list-sas --raw 2>/dev/null | python3 -c '
import json, re, sys
# --raw prints vici messages as "list-sa event {name {k=v ...}}".
def parse(tokens, i):
    out = {}
    key = None
    while i < len(tokens):
        t = tokens[i]
        if t == "}":
            return out, i + 1
        if t == "{":
            val, i = parse(tokens, i + 1)
            out[key] = val
            key = None
            continue
        if t == "[":
            lst = []
            i += 1
            while tokens[i] != "]":
                lst.append(tokens[i])
                i += 1
            out[key] = lst
            key = None
            i += 1
            continue
        if "=" in t:
            k, v = t.split("=", 1)
            out[k] = v
        else:
            key = t
        i += 1
    return out, i
for line in sys.stdin:
    m = re.match(r"^list-sa event (.*)$", line.strip())
    if not m:
        continue
    body = m.group(1).replace("{", " { ").replace("}", " } ")
    body = body.replace("[", " [ ").replace("]", " ] ")
    tokens = body.split()
    # The message is one brace pair around the IKE SAs.
    d, _ = parse(tokens[1:] if tokens and tokens[0] == "{" else tokens, 0)
    print(json.dumps(d))
'
}

# The installed CHILD_SA CHILD of NAME: "spi-in spi-out".
ike_child_spis() {
	ike_child_field "$1" "$2" spi-in spi-out
}

# ike_child_field NAME CHILD KEY...: values of the installed CHILD_SA
# named CHILD (the newest, if a rekey left several).
ike_child_field() {
	local name=$1 child=$2
	shift 2
	ike_sa_json "$name" | python3 -c '
import json, sys
child, keys = sys.argv[1], sys.argv[2:]
best = None
for line in sys.stdin:
    for ike in json.loads(line).values():
        for c in (ike.get("child-sas") or {}).values():
            if c.get("name") == child and c.get("state") == "INSTALLED":
                if best is None or int(c.get("install-time", 0)) <= int(best.get("install-time", 0)):
                    best = c
if best:
    print(" ".join(best.get(k, "") for k in keys))
' "$child" "$@"
}

# ike_conf FILE SIDE VERSION IKE_PROPOSALS [CHILD...]: a swanctl.conf (mode
# 600) for one IKE SA "t" between the namespaces.  Each CHILD is
# "name:esp_proposals:if_id[:ts]" (ts: both traffic selectors, default
# 0.0.0.0/0, as AWS has them); $IKE_CHILD_EXTRA (lines) goes into each
# child, $IKE_EXTRA into the connection.
ike_conf() {
	local f=$1 side=$2 ver=$3 prop=$4 me peer c name esp ifid ts
	shift 4
	if [ "$side" = cgw ]; then me=192.0.2.1 peer=192.0.2.2; else me=192.0.2.2 peer=192.0.2.1; fi
	{
		echo "connections { t {"
		echo "  version = $ver"
		[ "$ver" = 1 ] && echo "  aggressive = no"
		echo "  local_addrs = $me"
		echo "  remote_addrs = $peer"
		echo "  proposals = $prop"
		echo "  dpd_delay = 10s"
		echo "  rekey_time = 8h"
		[ -n "${IKE_EXTRA:-}" ] && echo "$IKE_EXTRA"
		echo "  local { auth = psk"; echo "    id = $me }"
		echo "  remote { auth = psk"; echo "    id = $peer }"
		echo "  children {"
		for c in "$@"; do
			IFS=: read -r name esp ifid ts <<< "$c"
			echo "    $name {"
			echo "      local_ts = ${ts:-0.0.0.0/0}"
			echo "      remote_ts = ${ts:-0.0.0.0/0}"
			echo "      esp_proposals = $esp"
			echo "      if_id_in = $ifid"
			echo "      if_id_out = $ifid"
			echo "      replay_window = 1024"
			echo "      rekey_time = 1h"
			echo "      dpd_action = clear"
			[ -n "${IKE_CHILD_EXTRA:-}" ] && echo "$IKE_CHILD_EXTRA"
			echo "    }"
		done
		echo "  }"
		echo "} }"
		echo "secrets { ike-t { id-a = 192.0.2.1"
		echo "  id-b = 192.0.2.2"
		echo "  secret = \"$IKE_PSK\" } }"
	} > "$f"
	chmod 600 "$f"
}

awsvpn_tunnel() {
	awsvpn_add "$2" "$1" &&
	command awsvpn -n "$1" set "$2" if-id "$3" &&
	ip -n "$1" addr add "$4/30" dev "$2" &&
	ip -n "$1" link set "$2" up
}

xfrm_tunnel() {
	ip -n "$1" link add "$2" type xfrm dev veth-aws if_id "$3" &&
	ip -n "$1" addr add "$4/30" dev "$2" &&
	ip -n "$1" link set "$2" up
}
