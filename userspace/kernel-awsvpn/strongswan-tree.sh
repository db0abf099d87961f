#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# strongswan-tree.sh CACHE [VERSION [SUITE]]
#
# Prints the path of a configured strongSwan source tree matching the
# charon on this machine (or VERSION, a Debian version such as
# 5.9.8-5+deb12u6, from SUITE such as bookworm or trixie), making it first
# if needed.  Debian ships no strongSwan headers, so the plugin compiles
# against the Debian source package: it is fetched with apt through a
# private configuration under CACHE (the system's sources are not read or
# changed), unpacked with its Debian patches, and configured once with the
# options that decide the layout of the structures a plugin sees
# (--enable-mediation adds members to daemon_t).  Only the upstream
# versions the plugin was written for are accepted: the kernel-ipsec ABI
# changes between strongSwan releases.
set -euo pipefail

SUPPORTED="5.9.8 6.0.1"
cache=$(realpath -m "$1")
want=${2:-}
suite=${3:-}

die() { echo "kernel-awsvpn: $*" >&2; exit 1; }

if [ -z "$want" ]; then
	want=$(dpkg-query -W -f='${Version}' libstrongswan 2>/dev/null) ||
		die "strongSwan (Debian package libstrongswan) is not installed"
fi
upstream=${want#*:}
upstream=${upstream%%-*}
case " $SUPPORTED " in
*" $upstream "*) ;;
*) die "strongSwan $upstream is not supported (the plugin knows the ABI of: $SUPPORTED)" ;;
esac
if [ -z "$suite" ]; then
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$suite" ] || die "cannot tell the Debian release (/etc/os-release)"
fi

tree="$cache/strongswan-$upstream"
if [ -f "$tree/.configured" ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$cache"
exec 7> "$cache/.lock"
flock 7
if [ -f "$tree/.configured" ]; then
	echo "$tree"
	exit 0
fi

apt="$cache/apt-$suite"
mkdir -p "$apt/etc/sources.list.d" "$apt/etc/preferences.d" "$apt/etc/apt.conf.d" \
	"$apt/lists/partial" "$apt/cache/archives/partial" "$cache/src"
key=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$apt/etc/sources.list" <<-SRC
	deb-src [signed-by=$key] http://deb.debian.org/debian $suite main
	deb-src [signed-by=$key] http://deb.debian.org/debian $suite-updates main
	deb-src [signed-by=$key] http://deb.debian.org/debian-security $suite-security main
SRC
APT=(-o "Dir::Etc=$apt/etc" -o "Dir::Etc::sourcelist=$apt/etc/sources.list"
	-o "Dir::Etc::sourceparts=$apt/etc/sources.list.d"
	-o "Dir::Etc::preferencesparts=$apt/etc/preferences.d"
	-o "Dir::Etc::parts=$apt/etc/apt.conf.d"
	-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
	-o "APT::Sandbox::User=root" -o "Acquire::Languages=none")

echo "kernel-awsvpn: fetching the strongSwan $upstream source package ($suite)" >&2
apt-get "${APT[@]}" update -qq >&2 || die "apt-get update (private configuration in $apt) failed"
# The exact Debian revision first; a mirror may lack it (security
# updates move), and any revision of the same upstream release has the
# same headers.
mapfile -t versions < <(apt-cache "${APT[@]}" showsrc strongswan 2>/dev/null |
	sed -n 's/^Version: //p' | sort -u -r -V)
try=()
for v in "$want" "${versions[@]}"; do
	[ "${v%%-*}" = "$upstream" ] || [ "$v" = "$want" ] || continue
	case " ${try[*]} " in *" $v "*) ;; *) try+=("$v") ;; esac
done
rm -rf "$cache/src"
mkdir -p "$cache/src"
got=
for v in "${try[@]}"; do
	if (cd "$cache/src" && apt-get "${APT[@]}" source -qq "strongswan=$v" >&2 2>&1); then
		got=$v
		break
	fi
	echo "kernel-awsvpn: source package strongswan $v not available, trying another revision" >&2
	rm -rf "$cache/src"/*
done
[ -n "$got" ] || die "cannot fetch the source of strongSwan $upstream from $suite"
rm -rf "$tree"
mv "$cache/src/strongswan-$upstream" "$tree"
rm -rf "$cache/src"

echo "kernel-awsvpn: configuring strongSwan $got (headers only)" >&2
# Only what changes structure layouts matters: mediation (daemon_t) and
# the IKE versions (both on by default).  gmp and capabilities are
# switched to variants needing no -dev packages; neither shows in a header
# a plugin uses.
(cd "$tree" && ./configure -q --enable-mediation --disable-gmp \
	--with-capabilities=native > "$tree/configure.out" 2>&1) ||
	{ tail -n 20 "$tree/configure.out" >&2; die "configure of strongSwan $upstream failed"; }
echo "$got" > "$tree/.debian-version"
touch "$tree/.configured"
echo "$tree"
