#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/host/30-packages.sh - on the host, no VM: the Debian packages
# of "make deb" (AWSVPN_DEBDIR, as run-suite built them; else built here)
# pass lintian without an error and hold what they should; every man page
# renders without a warning and names every command and keyword the tool
# has; the bash completion completes commands, a device and keywords;
# the packaged units pass systemd-analyze; the packaged plugin loads;
# "make install/uninstall" with DESTDIR and "make dkms-install" with trees
# of their own.  AWSVPN_DEBDIR=none (run-suite without 80-packages): one
# skipped result.  TAP, "N passed, N failed".

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/lib-host.sh"

DEBDIR=${AWSVPN_DEBDIR:-}
if [ "$DEBDIR" = none ]; then
	echo "ok 1 - packages # SKIP not selected (80-packages is not in AWSVPN_TESTS)"
	echo "1 passed, 0 failed"
	exit 0
fi
VERSION=$(cat "$REPO/VERSION")
DEBVER=$VERSION-1
ARCH=$(dpkg --print-architecture)
CACHE=${AWSVPN_VM_CACHE:-/var/cache/awsvpn-vm}

if [ -z "$DEBDIR" ]; then
	DEBDIR=$T/deb
	make -s -C "$REPO" deb DEBDIR="$DEBDIR" SS_CACHE="$CACHE/strongswan" > "$T/deb.log" 2>&1
	result $? "make deb"
fi
DKMS=$DEBDIR/awsvpn-dkms_${DEBVER}_all.deb
TOOLS=$DEBDIR/awsvpn-tools_${DEBVER}_$ARCH.deb
PLUGIN=$DEBDIR/strongswan-plugin-awsvpn_${DEBVER}_$ARCH.deb
for d in "$DKMS" "$TOOLS" "$PLUGIN"; do
	check "$(basename "$d") built (version $DEBVER from VERSION)" test -f "$d"
done

# ---- lintian: no error (warnings are printed, and allowed)
if ! command -v lintian > /dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		lintian > "$T/apt.log" 2>&1
fi
lintian --pedantic "$DKMS" "$TOOLS" "$PLUGIN" > "$T/lintian.log" 2>&1
rc=$?
errors=$(grep -c '^E: ' "$T/lintian.log")
[ "$errors" = 0 ] && [ "$rc" = 0 ]
result $? "lintian: no errors ($errors errors, $(grep -c '^W: ' "$T/lintian.log") warnings)"
grep -E '^[EWIP]: ' "$T/lintian.log" | sed 's/^/# /'

# ---- contents
contents() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|'; }
has() {		# has DEB PATH...: every PATH is in DEB
	local deb=$1 p list
	shift
	list=$(contents "$deb")
	for p in "$@"; do
		printf '%s\n' "$list" | grep -qx -- "$p" || { echo "missing $p"; return 1; }
	done
}
check "awsvpn-dkms: the module's source and dkms.conf in /usr/src/awsvpn-$VERSION" \
	has "$DKMS" /usr/src/awsvpn-$VERSION/dkms.conf /usr/src/awsvpn-$VERSION/Kbuild \
	/usr/src/awsvpn-$VERSION/VERSION /usr/src/awsvpn-$VERSION/kernel/main.c \
	/usr/src/awsvpn-$VERSION/kernel/uapi/awsvpn.h \
	/usr/share/doc/awsvpn-dkms/copyright /usr/share/doc/awsvpn-dkms/changelog.Debian.gz
check "awsvpn-tools: tool, man pages, completion, units, docs" \
	has "$TOOLS" /usr/sbin/awsvpn /usr/share/man/man8/awsvpn.8.gz \
	/usr/share/man/man8/awsvpn-up.8.gz /usr/share/man/man5/awsvpn.conf.5.gz \
	/usr/share/bash-completion/completions/awsvpn \
	/lib/systemd/system/awsvpn@.service /lib/systemd/system/awsvpn-monitor.service \
	"/usr/lib/$(gcc -print-multiarch)/ip/link_awsvpn.so" \
	/usr/share/doc/awsvpn-tools/copyright /usr/share/doc/awsvpn-tools/changelog.Debian.gz
check "strongswan-plugin-awsvpn: plugin and its charon configuration" \
	has "$PLUGIN" /usr/lib/ipsec/plugins/libstrongswan-kernel-awsvpn.so \
	/etc/strongswan.d/charon/kernel-awsvpn.conf \
	/usr/share/doc/strongswan-plugin-awsvpn/copyright
check "awsvpn-dkms has nothing built (no .o, .ko)" \
	test -z "$(contents "$DKMS" | grep -E '\.(o|ko|mod|cmd)$')"
field() { dpkg-deb -f "$1" "$2"; }
check "awsvpn-dkms depends on dkms" grep -qw dkms <<< "$(field "$DKMS" Depends)"
check "awsvpn-dkms: postinst builds through DKMS, prerm removes this version" \
	sh -c "dpkg-deb --ctrl-tarfile '$DKMS' | tar -xOf - ./postinst | grep -q 'common.postinst awsvpn $VERSION\\|NAME=awsvpn' &&
	       dpkg-deb --ctrl-tarfile '$DKMS' | tar -xOf - ./prerm | grep -q 'dkms remove'"
check "awsvpn-tools depends on libnl (from dpkg-shlibdeps)" \
	grep -q 'libnl-genl-3-200' <<< "$(field "$TOOLS" Depends)"
dep=$(field "$PLUGIN" Depends)
ss=$(dpkg-query -W -f='${Version}' libstrongswan 2>/dev/null)
ss=${ss%%-*}
echo "$dep" | grep -q "strongswan-libcharon (>= $ss)" &&
	echo "$dep" | grep -q "strongswan-libcharon (<< " &&
	echo "$dep" | grep -q "charon-systemd | strongswan-charon"
result $? "strongswan-plugin-awsvpn depends on charon and its libcharon $ss only ($dep)"
check "the plugin's charon configuration is a conffile" \
	sh -c "dpkg-deb --ctrl-tarfile '$PLUGIN' | tar -xOf - ./conffiles | grep -qx /etc/strongswan.d/charon/kernel-awsvpn.conf"

# ---- unpacked: what they hold works
R=$T/root
mkdir -p "$R"
for d in "$DKMS" "$TOOLS" "$PLUGIN"; do
	dpkg-deb -x "$d" "$R"
done
A=$R/usr/sbin/awsvpn
out=$("$A" --version 2>&1)
[[ $out == "awsvpn $VERSION "* ]]
result $? "the packaged tool is version $VERSION ($out)"
check "dkms.conf: PACKAGE_VERSION $VERSION, builds awsvpn, autoinstall" \
	bash -c ". '$R/usr/src/awsvpn-$VERSION/dkms.conf' &&
		[ \"\$PACKAGE_NAME/\$PACKAGE_VERSION/\${BUILT_MODULE_NAME[0]}/\$AUTOINSTALL\" = awsvpn/$VERSION/awsvpn/yes ]"
check "the module's source says version $VERSION" \
	grep -qx "$VERSION" "$R/usr/src/awsvpn-$VERSION/VERSION"
check "the packaged plugin carries version $VERSION" \
	grep -qa "kernel-awsvpn %s" "$R/usr/lib/ipsec/plugins/libstrongswan-kernel-awsvpn.so"
check "the packaged plugin loads (its symbols resolve against charon's libraries)" \
	python3 -c 'import ctypes, sys; ctypes.CDLL(sys.argv[1]).kernel_awsvpn_plugin_create' \
	"$R/usr/lib/ipsec/plugins/libstrongswan-kernel-awsvpn.so"
check "the tool, ip's printer and the plugin are stripped" \
	sh -c "! file -L '$A' '$R'/usr/lib/*/ip/link_awsvpn.so '$R/usr/lib/ipsec/plugins/libstrongswan-kernel-awsvpn.so' | grep -q 'not stripped'"

# ---- man pages: render without a warning; every command and keyword
for m in "$R"/usr/share/man/man*/*.gz; do
	n=$(basename "$m" .gz)
	err=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$m" 2>&1 > "$T/$n.txt")
	[ -z "$err" ] && [ -s "$T/$n.txt" ]
	result $? "man $n renders without warnings${err:+ ($(echo "$err" | head -3 | tr '\n' ' '))}"
	! zgrep -q '@VERSION@' "$m" && grep -q "awsvpn $VERSION" "$T/$n.txt"
	result $? "man $n: version $VERSION filled in"
done
# The commands of the usage lines, the keywords of the help's tables.
cmds=$("$A" --help | awk '/^$/ { exit } { sub(/^Usage:/, ""); if ($1 == "awsvpn") print $2 }' | sort -u)
missing=
for c in $cmds; do
	grep -q "^ *awsvpn $c\\b" "$T/awsvpn.8.txt" || missing+=" $c"
done
[ -n "$cmds" ] && [ -z "$missing" ]
result $? "awsvpn(8) has every command of 'awsvpn --help' ($(echo $cmds))${missing:+; missing:$missing}"
kws=$("$A" --help | awk '/^Keywords of / { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }' | sort -u)
missing=
for k in $kws; do
	grep -q "^       $k\\b" "$T/awsvpn.8.txt" || missing+=" $k"
done
[ -n "$kws" ] && [ -z "$missing" ]
result $? "awsvpn(8) has every keyword of set and sa ($(echo $kws | wc -w))${missing:+; missing:$missing}"
missing=
for o in $("$A" help up | grep -o -- '--[a-z-]*' | sort -u); do
	grep -q -- "^       $o\\b" "$T/awsvpn-up.8.txt" || missing+=" $o"
done
[ -z "$missing" ]
result $? "awsvpn-up(8) has every option of 'awsvpn help up'${missing:+; missing:$missing}"
missing=
for k in $(sed -n 's/^\*\*\([a-z-]*\)\*\*.*/\1/p; s/^\([a-z][a-z-]*\)  .*/\1/p' "$REPO/Documentation/connection-file.rst" | sort -u); do
	grep -q "^       $k\\b" "$T/awsvpn.conf.5.txt" || missing+=" $k"
done
[ -z "$missing" ]
result $? "awsvpn.conf(5) has every key of connection-file.rst${missing:+; missing:$missing}"

# ---- bash completion, with a fake ip listing two awsvpn devices
# complete WORDS...: what completing the last word offers, one line.
complete_words() {
	bash -c '
		. "$1"
		ip() {
			case "$*" in
			"-o link show type awsvpn")
				printf "%s\n" "5: awsvpn0: <POINTOPOINT,NOARP> mtu 1446 qdisc noop state DOWN" \
					"9: tunnel-b@NONE: <POINTOPOINT,NOARP> mtu 1446" ;;
			"-n cgw -o link show type awsvpn")
				echo "7: awsvpn-ns: <POINTOPOINT,NOARP> mtu 1446" ;;
			"netns list")
				printf "%s\n" "cgw (id: 0)" "aws" ;;
			esac
		}
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_awsvpn
		echo "${COMPREPLY[*]}"' _ "$R/usr/share/bash-completion/completions/awsvpn" "$@" 2>&1
}
check "completion: the script loads in bash and registers for awsvpn" \
	bash -c ". '$R/usr/share/bash-completion/completions/awsvpn' && complete -p awsvpn | grep -q _awsvpn"
out=$(complete_words "$A" "")
missing=
for c in $cmds; do
	[[ " $out " == *" $c "* ]] || missing+=" $c"
done
[ -z "$missing" ]
result $? "completion: every command ($out)"
out=$(complete_words "$A" show "")
[ "$out" = "awsvpn0 tunnel-b dump" ]
result $? "completion: show <TAB> offers the awsvpn devices and dump ($out)"
out=$(complete_words "$A" show awsvpn0 "")
[ "$out" = "dump" ]
result $? "completion: show DEV <TAB> offers dump ($out)"
out=$(complete_words "$A" set aws)
[ "$out" = "awsvpn0" ]
result $? "completion: set aws<TAB> gives awsvpn0 ($out)"
out=$(complete_words "$A" -n "")
[ "$out" = "cgw aws" ]
result $? "completion: -n <TAB> offers the network namespaces ($out)"
out=$(complete_words "$A" -n cgw "")
[ "$out" = "show showconf set setconf sa monitor" ]
result $? "completion: -n NETNS <TAB> offers the commands -n takes ($out)"
out=$(complete_words "$A" -n cgw set "")
[ "$out" = "awsvpn-ns" ]
result $? "completion: -n NETNS set <TAB> offers that namespace's devices ($out)"
out=$(complete_words "$A" -n cgw set awsvpn-ns outer-d)
[ "$out" = "outer-df" ]
result $? "completion: -n NETNS set DEV: keywords as without -n ($out)"
out=$(complete_words "$A" set awsvpn0 outer-)
[ "$out" = "outer-mtu outer-df" ]
result $? "completion: set awsvpn0 outer-<TAB> gives the keywords ($out)"
out=$(complete_words "$A" set awsvpn0 outer-df "")
[ "$out" = "set clear inherit" ]
result $? "completion: a keyword's values ($out)"
out=$(complete_words "$A" set awsvpn0 mtu 1400 m)
[ "$out" = "mss" ]
result $? "completion: a keyword given is not offered again ($out)"
out=$(complete_words "$A" sa add awsvpn0 dir out enc "")
[ "$out" = "aes128-gcm16 aes256-gcm16 aes128 aes256" ]
result $? "completion: sa add ... enc <TAB> gives the suites ($out)"
out=$(complete_words "$A" sa add awsvpn0 dir out limit time-soft 3000 "")
[[ " $out " == *" time-hard "* && " $out " == *" key-file "* && " $out " != *" dir "* ]]
result $? "completion: sa add ... limit: the limits, then the other keywords ($out)"

# ---- the packaged units
U=$R/lib/systemd/system
check "awsvpn-monitor.service runs 'awsvpn monitor'" \
	grep -qx 'ExecStart=/usr/sbin/awsvpn monitor' "$U/awsvpn-monitor.service"
check "awsvpn@.service runs 'awsvpn up' on /etc/awsvpn/%i.conf" \
	grep -qx 'ExecStart=/usr/sbin/awsvpn up --name %i /etc/awsvpn/%i.conf' "$U/awsvpn@.service"
if command -v systemd-analyze > /dev/null; then
	mkdir -p "$T/units"
	for u in awsvpn@.service awsvpn-monitor.service; do
		sed "s|/usr/sbin/awsvpn|$A|; s|/sbin/modprobe|/bin/true|" "$U/$u" > "$T/units/$u"
		out=$(SYSTEMD_LOG_LEVEL=err systemd-analyze verify --man=no "$T/units/$u" 2>&1 |
			grep -v -e 'strongswan.service' -e 'frr.service' -e 'Unit .* not found')
		[ -z "$out" ]
		result $? "systemd-analyze verify $u: no complaint${out:+ ($out)}"
	done
fi

# ---- make install / uninstall with DESTDIR (tool and plugin; the module's
# part needs kernel headers: its commands are checked with make -n)
I=$T/inst
make -s -C "$REPO" install-tool DESTDIR="$I" PREFIX=/usr > "$T/inst.log" 2>&1
result $? "make install-tool DESTDIR=... PREFIX=/usr"
check "... tool, man pages, completion, both units, /etc/awsvpn under DESTDIR" \
	test -x "$I/usr/sbin/awsvpn" -a -f "$I/usr/share/man/man8/awsvpn.8" \
	-a -f "$I/usr/share/man/man5/awsvpn.conf.5" -a -f "$I/usr/share/man/man8/awsvpn-up.8" \
	-a -f "$I/usr/share/bash-completion/completions/awsvpn" \
	-a -f "$I/lib/systemd/system/awsvpn-monitor.service" -a -d "$I/etc/awsvpn"
make -s -C "$REPO/userspace/kernel-awsvpn" install DESTDIR="$I" \
	SS_CACHE="$CACHE/strongswan" >> "$T/inst.log" 2>&1
result $? "make install of the plugin (DESTDIR)"
make -s -C "$REPO" uninstall DESTDIR="$I" PREFIX=/usr KVER=none >> "$T/inst.log" 2>&1
left=$(cd "$I" && find . -type f)
[ -z "$left" ] && [ -d "$I/etc/awsvpn" ]
result $? "make uninstall DESTDIR=...: no file left, /etc/awsvpn kept${left:+ (left: $(echo $left))}"
# A stand-in kernel build directory: "modules" does nothing,
# "modules_install" says what it was given and installs a file into
# INSTALL_MOD_PATH when there is one (never into the host's /lib/modules).
mkdir -p "$T/kdir"
cat > "$T/kdir/Makefile" <<'EOF'
modules:
	@echo "modules M=$(M)"
modules_install:
	@echo "modules_install INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR)"
	$(if $(INSTALL_MOD_PATH),install -D -m 644 /dev/null $(INSTALL_MOD_PATH)/lib/modules/9.9.9/$(INSTALL_MOD_DIR)/awsvpn.ko)
EOF
out=$(make -C "$REPO" install-module DESTDIR="$T/stage" KDIR="$T/kdir" KVER=9.9.9 2>&1)
[ -f "$T/stage/lib/modules/9.9.9/extra/awsvpn.ko" ] && ! echo "$out" | grep -q depmod
result $? "make install-module DESTDIR=...: the module under DESTDIR (INSTALL_MOD_PATH), no depmod"
out=$(make -n -C "$REPO" install-module KDIR="$T/kdir" KVER=9.9.9 2>&1)
echo "$out" | grep -q 'INSTALL_MOD_PATH= INSTALL_MOD_DIR=extra' && echo "$out" | grep -qx 'depmod -a 9.9.9'
result $? "make install-module without DESTDIR: into /lib/modules, then depmod (make -n)"
out=$(make -n -C "$REPO" dkms-install KVER=9.9.9 DKMS_TREE=/t/d DKMS_SOURCETREE=/t/s \
	DKMS_INSTALLTREE=/t/i DKMS_FLAGS=--no-depmod 2>&1)
echo "$out" | grep -q "dkms --dkmstree /t/d --sourcetree /t/s --installtree /t/i --no-depmod install -m awsvpn -v $VERSION -k 9.9.9"
result $? "make dkms-install: add, build, install of awsvpn/$VERSION (trees of its own here)"
finish
