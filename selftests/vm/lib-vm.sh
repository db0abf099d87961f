# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Host-side helpers shared by selftests/vm/run-suite and selftests/vm/run-demo.
#
# The host cannot load modules, so every kernel test runs in a throw-away
# QEMU guest (TCG; KVM is not usable here).  The guest boots a stock Debian
# kernel with a tiny busybox initramfs whose /init (selftests/vm/vm-init)
# mounts the host's / read-only over 9p, the repository read-write at the same
# path, and the cached module tree of that kernel, then switch_roots into the
# host root and runs one command.  Nothing is installed on the host except
# Debian packages the suite needs; guest kernels are only unpacked into a
# cache directory.
#
# Environment knobs (all optional):
#   AWSVPN_KERNELS       "ver1 ver2": kernel releases to use (default: newest
#                        Debian 6.1 and 6.12 kernels with an image in apt)
#   AWSVPN_TESTS         "00-smoke 10-foo": tests to run (default: all)
#   AWSVPN_VM_CACHE      cache of unpacked kernels (/var/cache/awsvpn-vm)
#   AWSVPN_VM_TIMEOUT    hard limit for one demo VM in seconds (2700; one
#                        bench VM: 14400, see run-demo)
#   AWSVPN_TEST_TIMEOUT  default per-test-file limit inside the guest (600)
#   AWSVPN_TIMEOUT_SCALE every file's limit times this (1)
#   AWSVPN_VM_CMDLINE    extra kernel command line arguments
#   AWSVPN_VM_MEM        guest memory (2048 MiB)
#   AWSVPN_VM_TCG        TCG threading of multi-vCPU guests (single; "multi")
#   AWSVPN_JOBS          concurrent VMs of run-suite (host CPUs)
#   AWSVPN_MODULE_SRC    directory holding Kbuild + kernel/ (default: repo);
#                        only for testing the harness itself
#   AWSVPN_NO_APT=1      never call apt-get (fail instead if something is missing)

set -eu

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$VM_DIR/../.." && pwd)
BUILD="$REPO/build"
CACHE=$(realpath -m "${AWSVPN_VM_CACHE:-/var/cache/awsvpn-vm}")
VM_TIMEOUT=${AWSVPN_VM_TIMEOUT:-2700}
# The debug kernel's build tree (selftests/vm/debug-kernel).
DEBUG_TREE="$CACHE/debug-build/linux-source-6.12"
NPROC=$(nproc 2>/dev/null || echo 2)

log()  { printf '==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Host packages: what the harness itself needs plus everything the guest
# runs, because the guest's userland *is* the host's root file system.
# The kernel headers are unpacked, not installed, so their run-time needs
# (what linux-kbuild-* and linux-compiler-gcc-12-x86 depend on: gcc-12,
# libelf, pahole for 6.12's module BTF) are listed here too.
HOST_PKGS="qemu-system-x86 busybox-static kmod xz-utils cpio gzip zstd coreutils
	gcc gcc-12 make libc6-dev bc pkg-config libnl-genl-3-dev libnl-3-dev
	libnl-route-3-dev libxml2-dev libelf1 libssl3 zlib1g pahole
	iproute2 iperf3 tcpdump tshark iptables nftables python3
	wireguard-tools procps util-linux iputils-ping ethtool netcat-openbsd
	jq conntrack dpkg-dev charon-systemd strongswan-swanctl python3-cryptography
	libstrongswan-standard-plugins frr dkms lintian man-db bash-builtins"

# strongSwan's and FRR's packages would start a charon and FRR's daemons
# on the host (and hold their ports); the tests start their own inside
# namespaces.  Masked before the first install, as a systemd unit mask:
# nothing else is changed.
mask_daemons() {
	local u
	for u in strongswan.service strongswan-starter.service frr.service; do
		[ -e "/etc/systemd/system/$u" ] && continue
		mkdir -p /etc/systemd/system
		ln -s /dev/null "/etc/systemd/system/$u"
	done
}

_apt_updated=
apt_update_once() {
	[ -n "$_apt_updated" ] && return 0
	log "apt-get update"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	_apt_updated=1
}

# pkg_installed PKG: true if dpkg says PKG is installed.
pkg_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# ensure_pkgs PKG...: install the missing ones (apt-get update only if needed).
ensure_pkgs() {
	local p missing=()
	for p in "$@"; do
		pkg_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "${AWSVPN_NO_APT:-0}" = 1 ] && die "missing packages: ${missing[*]}"
	[ "$(id -u)" = 0 ] || die "missing packages (need root to install): ${missing[*]}"
	case " ${missing[*]} " in
	*" charon-systemd "*|*" strongswan"*|*" libstrongswan"*|*" frr "*) mask_daemons ;;
	esac
	log "installing: ${missing[*]}"
	# Try without an update first (fast when the lists are fresh enough).
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >&2 2>/dev/null; then
		apt_update_once
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >&2
	fi
}

ensure_host_deps() {
	# shellcheck disable=SC2086  # word splitting of the list is intended
	ensure_pkgs $HOST_PKGS
}

# apt_has PKG: true if apt knows a candidate version of PKG.
apt_has() {
	local c
	c=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
	[ -n "$c" ] && [ "$c" != "(none)" ]
}

# image_pkg VER: the linux-image package that carries VER (signed or not).
image_pkg() {
	if apt_has "linux-image-$1"; then
		echo "linux-image-$1"
	elif apt_has "linux-image-$1-unsigned"; then
		echo "linux-image-$1-unsigned"
	else
		return 1
	fi
}

# newest_kernel REGEX: newest VER with linux-headers-VER matching ^REGEX$
# and a matching linux-image package.
newest_kernel() {
	local re=$1 v
	for v in $(apt-cache pkgnames linux-headers- 2>/dev/null |
			sed -n 's/^linux-headers-//p' | grep -E "^${re}\$" |
			sort -rV); do
		if image_pkg "$v" >/dev/null; then
			echo "$v"
			return 0
		fi
	done
	return 1
}

# pick_kernels: print the kernel releases to test, one per line.  The
# choice is remembered in $CACHE/kernels.pick together with the state of
# apt's package lists: while those do not change, apt is not asked again.
pick_kernels() {
	if [ -n "${AWSVPN_KERNELS:-}" ]; then
		printf '%s\n' $AWSVPN_KERNELS
		return 0
	fi
	local re v out=() tried_update= sig pick="$CACHE/kernels.pick"
	sig=$(stat -c '%n %Y %s' /var/lib/apt/lists/*Packages* 2>/dev/null | sha256sum | cut -c1-16)
	if [ -f "$pick" ] && [ "$(head -n 1 "$pick")" = "$sig" ]; then
		tail -n +2 "$pick"
		return 0
	fi
	for re in '6\.1\.0-[0-9]+-amd64' '6\.12\.[0-9]+\+deb12-amd64'; do
		v=$(newest_kernel "$re") || v=
		if [ -z "$v" ] && [ -z "$tried_update" ] && [ "${AWSVPN_NO_APT:-0}" != 1 ]; then
			# Fresh machine: package lists may be missing or stale.
			apt_update_once
			tried_update=1
			v=$(newest_kernel "$re") || v=
		fi
		[ -n "$v" ] || die "no Debian kernel matching $re found in apt (is bookworm-security enabled?)"
		out+=("$v")
	done
	printf '%s\n' "${out[@]}"
	if [ -z "$tried_update" ]; then
		mkdir -p "$CACHE"
		{ echo "$sig"; printf '%s\n' "${out[@]}"; } > "$pick.tmp" && mv "$pick.tmp" "$pick"
	fi
}

# apt_fetch DIR PKG...: download the .debs of PKG... (candidate versions)
# into DIR with "apt-get download"; nothing is installed.
apt_fetch() {
	local dir=$1
	shift
	mkdir -p "$dir"
	# apt drops privileges to _apt for downloads; let it write there.
	chmod 755 "$dir"
	chown _apt "$dir" 2>/dev/null || true
	[ "${AWSVPN_NO_APT:-0}" = 1 ] && die "need to download $* (AWSVPN_NO_APT=1)"
	(cd "$dir" && apt-get download -qq "$@" >&2) ||
		{ apt_update_once; (cd "$dir" && apt-get download -qq "$@" >&2); }
}

# header_pkgs VER: the packages whose contents make VER's module build
# directory: linux-headers-VER, the -common headers and the kbuild scripts
# it depends on (names taken from its Depends, which differ between 6.1's
# "linux-kbuild-6.1" and 6.12's "linux-kbuild-6.12.N+deb12").
header_pkgs() {
	local v=$1 deps
	deps=$(apt-cache show "linux-headers-$v" 2>/dev/null |
		sed -n 's/^Depends: //p' | head -n 1 | tr ',|' '\n\n' |
		awk '{print $1}')
	echo "linux-headers-$v"
	printf '%s\n' "$deps" | grep -E '^linux-(headers-.*-common|kbuild-)' || true
}

# ensure_headers VER: unpack VER's kernel headers into $CACHE/VER/headers,
# like the image: the .debs are downloaded and extracted, never installed
# (Debian's linux-headers depends on the image package, so installing them
# would install a kernel on the host).  The absolute paths Debian's packages
# use are pointed into the cache: the Makefile's include of the -common tree
# and the lib/modules build/source links.
ensure_headers() {
	local v=$1 root="$CACHE/$1/headers" tmp pkgs f d
	[ -f "$root/.unpacked" ] && return 0
	mapfile -t pkgs < <(header_pkgs "$v")
	if [ ${#pkgs[@]} -lt 3 ]; then
		apt_update_once
		mapfile -t pkgs < <(header_pkgs "$v")
	fi
	[ ${#pkgs[@]} -ge 3 ] || die "cannot find linux-headers-$v and its -common/kbuild packages in apt"
	log "fetching ${pkgs[*]}"
	tmp=$(mktemp -d "$CACHE/.dl.XXXXXX")
	apt_fetch "$tmp" "${pkgs[@]}"
	rm -rf "$root"
	mkdir -p "$root"
	for f in "$tmp"/*.deb; do
		dpkg -x "$f" "$root"
	done
	rm -rf "$tmp" "$root/usr/share/doc"
	d="$root/usr/src/linux-headers-$v"
	[ -f "$d/Makefile" ] || die "linux-headers-$v has no Makefile"
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$d/Makefile"
	grep -q "^include $root/" "$d/Makefile" ||
		die "unexpected $d/Makefile (no include of the -common tree)"
	if [ -d "$root/lib/modules/$v" ]; then
		ln -sfn "$d" "$root/lib/modules/$v/build"
		ln -sfn "$(sed -n "s|^include \(.*\)/Makefile\$|\1|p" "$d/Makefile")" \
			"$root/lib/modules/$v/source"
	fi
	# Every symlink must stay inside the cache (the kbuild links are relative).
	if find "$root" -type l -lname '/*' ! -lname "$root/*" | grep -q .; then
		die "absolute symlinks out of $root: $(find "$root" -type l -lname '/*' ! -lname "$root/*" | head -3)"
	fi
	touch "$root/.unpacked"
}

# kdir VER: kernel build directory for VER: $KDIR if set, else the headers
# unpacked in the cache (ensure_headers, done by prepare_kernel).
kdir() {
	local d=${KDIR:-$CACHE/$1/headers/usr/src/linux-headers-$1}
	[ -f "$d/Makefile" ] || die "no kernel headers in $d"
	echo "$d"
}

# ensure_image VER: unpack the Debian kernel image of VER into $CACHE/VER
# (kernel in boot/, modules in lib/modules/VER) and run depmod there.
ensure_image() {
	local v=$1 root="$CACHE/$1" pkg tmp
	if [ -f "$root/.unpacked" ]; then
		return 0
	fi
	pkg=$(image_pkg "$v") || { apt_update_once; pkg=$(image_pkg "$v"); } ||
		die "no linux-image package for $v"
	log "fetching $pkg"
	mkdir -p "$root"
	tmp=$(mktemp -d "$CACHE/.dl.XXXXXX")
	apt_fetch "$tmp" "$pkg"
	rm -rf "$root/boot" "$root/lib" "$root/etc" "$root/usr"
	dpkg -x "$tmp"/*.deb "$root"
	rm -rf "$tmp" "$root/usr/share/doc"
	[ -f "$root/boot/vmlinuz-$v" ] || die "$pkg has no boot/vmlinuz-$v"
	[ -d "$root/lib/modules/$v" ] || die "$pkg has no lib/modules/$v"
	depmod -b "$root" "$v"
	touch "$root/.unpacked"
}

# lock_cache / lock_build: serialise what needs it.  The cache lock is only
# held while a kernel is fetched/unpacked/initramfs'd; the build lock (one per
# repository: build/ is shared by its runs) for a whole run.
lock_cache() {
	mkdir -p "$CACHE"
	exec 8>"$CACHE/.lock"
	flock -n 8 || { log "waiting for $CACHE/.lock"; flock 8; }
}
lock_build() {
	mkdir -p "$BUILD"
	exec 9>"$BUILD/.lock"
	flock -n 9 || { log "another run in this repo holds $BUILD/.lock, waiting"; flock 9; }
}

# ensure_initramfs VER: busybox initramfs with the 9p/virtio modules of VER
# and selftests/vm/vm-init as /init.  Cached; rebuilt when any input changes.
ensure_initramfs() {
	local v=$1 root="$CACHE/$1" key out tmp m mods f
	out="$root/initramfs.cpio.gz"
	# Load order of the modules needed to reach the host's root over 9p
	# (absolute paths under $root); built-in ones are reported as
	# "builtin" and skipped.
	mods=$(modprobe -d "$root" -S "$v" -a --show-depends \
			virtio_pci 9pnet_virtio 9p overlay 2>/dev/null |
		awk '$1 == "insmod" {print $2}' | awk '!seen[$0]++')
	key=$( { cat "$VM_DIR/vm-init"; echo "$mods"; busybox 2>&1 | head -1; } |
		sha256sum | cut -d' ' -f1)
	if [ -f "$out" ] && [ "$(cat "$root/initramfs.key" 2>/dev/null)" = "$key" ]; then
		return 0
	fi
	log "building initramfs for $v"
	tmp=$(mktemp -d)
	mkdir -p "$tmp"/{bin,sbin,dev,proc,sys,newroot,modules}
	cp "$(command -v busybox)" "$tmp/bin/busybox"
	for m in $(busybox --list); do
		[ -e "$tmp/bin/$m" ] || ln -s busybox "$tmp/bin/$m"
	done
	: > "$tmp/modules/order"
	for m in $mods; do
		f=$(basename "$m")
		# Busybox insmod cannot read compressed modules.
		case "$f" in
		*.ko.xz)  xz -dc "$m" > "$tmp/modules/${f%.xz}"; f=${f%.xz} ;;
		*.ko.zst) zstd -dcq "$m" > "$tmp/modules/${f%.zst}"; f=${f%.zst} ;;
		*.ko.gz)  gzip -dc "$m" > "$tmp/modules/${f%.gz}"; f=${f%.gz} ;;
		*)        cp "$m" "$tmp/modules/$f" ;;
		esac
		echo "$f" >> "$tmp/modules/order"
	done
	install -m 755 "$VM_DIR/vm-init" "$tmp/init"
	(cd "$tmp" && find . -print0 | cpio --null -o -H newc --quiet) |
		gzip -1 > "$out.tmp"
	mv "$out.tmp" "$out"
	echo "$key" > "$root/initramfs.key"
	rm -rf "$tmp"
}

# make_checked LOG MAKEARGS...: run make with its output in LOG; print the
# tail of the log on failure and the warnings if any; fail in both cases.
make_checked() {
	local logf=$1
	shift
	mkdir -p "$BUILD"
	if ! make "$@" > "$logf" 2>&1; then
		sed 's/^/# /' "$logf" | tail -n 60
		return 1
	fi
	if grep -qi 'warning:' "$logf"; then
		grep -i -A3 'warning:' "$logf" | sed 's/^/# /'
		return 1
	fi
}

# build_tool: build userspace/awsvpn from scratch (-B: warnings of
# unchanged files are seen too).  Fails on an error or any warning.
build_tool() {
	make_checked "$BUILD/tool-build.log" -C "$REPO" -B tool
}

# build_plugin: the kernel-awsvpn strongSwan plugin for the charon on
# this host (its source tree cached in $CACHE/strongswan).  Fails on a
# build error or any warning.
build_plugin() {
	make_checked "$BUILD/plugin-build.log" -C "$REPO/userspace/kernel-awsvpn" \
		-B SS_CACHE="$CACHE/strongswan"
}

# install_plugin_check: "make install" of the plugin into a scratch root
# puts the plugin and its charon configuration where charon looks.
install_plugin_check() {
	local root="$BUILD/plugin-root"
	rm -rf "$root"
	make -C "$REPO/userspace/kernel-awsvpn" -s install DESTDIR="$root" \
		SS_CACHE="$CACHE/strongswan" > "$BUILD/plugin-install.log" 2>&1 &&
	test -f "$root/usr/lib/ipsec/plugins/libstrongswan-kernel-awsvpn.so" &&
	grep -q '^ *load = ' "$root/etc/strongswan.d/charon/kernel-awsvpn.conf"
}

# build_debs: "make deb" into build/deb (the plugin against the cached
# strongSwan tree).  Fails on a build error or any warning.
build_debs() {
	rm -rf "$BUILD/deb"
	make_checked "$BUILD/deb-build.log" -C "$REPO" deb DEBDIR="$BUILD/deb" \
		SS_CACHE="$CACHE/strongswan"
}

# dkms_build VER: DKMS builds and installs awsvpn.ko for VER from the
# awsvpn-dkms package of build/deb, as on a customer's machine, but with
# every tree of its own under build/VER/dkms (--sourcetree: the unpacked
# package's /usr/src, --dkmstree, --installtree) and VER's unpacked
# headers: the host's DKMS state, /usr/src and /lib/modules are not
# touched.  sign_file pointing nowhere keeps DKMS from making a signing key
# in /var/lib/dkms.  The module DKMS installed is left, uncompressed, as
# build/VER/dkms/awsvpn.ko for the package test in the guest.
dkms_build() {
	local v=$1 b="$BUILD/$1/dkms" k deb src ver ko
	k=$(kdir "$v")
	deb=$(ls "$BUILD"/deb/awsvpn-dkms_*_all.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "# no awsvpn-dkms package in build/deb"; return 1; }
	rm -rf "$b"
	mkdir -p "$b/pkg" "$b/tree" "$b/modules/$v"
	dpkg-deb -x "$deb" "$b/pkg" || return 1
	src=$(ls -d "$b"/pkg/usr/src/awsvpn-* 2>/dev/null | head -n 1)
	[ -n "$src" ] || { echo "# no /usr/src/awsvpn-* in $deb"; return 1; }
	ver=${src##*/awsvpn-}
	local dkms=(dkms --dkmstree "$b/tree" --sourcetree "$b/pkg/usr/src"
		--installtree "$b/modules" --kernelsourcedir "$k" --no-depmod)
	if ! { sign_file=/nonexistent "${dkms[@]}" add -m awsvpn -v "$ver" &&
	       sign_file=/nonexistent "${dkms[@]}" build -m awsvpn -v "$ver" -k "$v" &&
	       sign_file=/nonexistent "${dkms[@]}" install -m awsvpn -v "$ver" -k "$v"; } \
			> "$b/dkms.log" 2>&1; then
		sed 's/^/# /' "$b/dkms.log" | tail -n 30
		tail -n 30 "$b/tree/awsvpn/$ver/build/make.log" 2>/dev/null | sed 's/^/# /'
		return 1
	fi
	ko=$(find "$b/modules/$v" -name 'awsvpn.ko*' | head -n 1)
	case "$ko" in
	*.ko.xz)  xz -dc "$ko" > "$b/awsvpn.ko" ;;
	*.ko.zst) zstd -dcq "$ko" > "$b/awsvpn.ko" ;;
	*.ko.gz)  gzip -dc "$ko" > "$b/awsvpn.ko" ;;
	*.ko)     cp "$ko" "$b/awsvpn.ko" ;;
	*) echo "# dkms install left no awsvpn.ko in $b/modules/$v"; return 1 ;;
	esac
}

# build_module VER: copy the module sources into build/VER/src, build there
# against VER's headers (never in the repo, so kernels don't clobber each
# other), fail on errors and on any warning (compiler or modpost), then put
# awsvpn.ko at build/VER/awsvpn.ko and make build/VER/modroot: the cached
# module tree as a symlink farm plus extra/awsvpn.ko and fresh depmod
# indexes.  The guest uses that as /lib/modules/VER (the symlinks point into
# the cache, which the guest sees through the host root), so the shared cache
# is never modified and work trees can use it at the same time.
build_module() {
	local v=$1 k src="${AWSVPN_MODULE_SRC:-$REPO}" b="$BUILD/$1" logf mdir
	k=$(kdir "$v")
	logf="$b/module-build.log"
	rm -rf "$b/src" "$b/awsvpn.ko"
	mkdir -p "$b/src"
	# Sources only: a developer's in-tree build leaves objects of some
	# other kernel in kernel/, which must not leak into this build.
	(cd "$src" && tar -cf - --exclude='*.o' --exclude='.*.cmd' \
		--exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='*.a' --exclude='*.d' --exclude=modules.order \
		--exclude=Module.symvers --exclude='.*.swp' \
		Kbuild kernel $([ -f Makefile ] && echo Makefile) \
		$([ -f VERSION ] && echo VERSION)) |
		tar -C "$b/src" -xf - || return 1
	if ! make -C "$k" M="$b/src" -j"$NPROC" modules > "$logf" 2>&1; then
		sed 's/^/# /' "$logf" | tail -n 60
		return 1
	fi
	if grep -qi 'warning:' "$logf"; then
		grep -i -A3 'warning:' "$logf" | sed 's/^/# /'
		return 1
	fi
	[ -f "$b/src/awsvpn.ko" ] || { echo "# no awsvpn.ko produced"; return 1; }
	cp "$b/src/awsvpn.ko" "$b/awsvpn.ko" || return 1
	# Module tree for modprobe / rtnl autoload inside the guest.
	rm -rf "$b/modroot"
	mkdir -p "$b/modroot/lib/modules" || return 1
	cp -as "$CACHE/$v/lib/modules/$v" "$b/modroot/lib/modules/" || return 1
	mdir="$b/modroot/lib/modules/$v/extra"
	rm -f "$mdir"/awsvpn.ko*	# from caches of older harness versions
	install -D -m 644 "$b/awsvpn.ko" "$mdir/awsvpn.ko" || return 1
	# depmod replaces the index symlinks with new files (write + rename).
	depmod -b "$b/modroot" "$v" || return 1
}

# drop_module VER: make sure a stale awsvpn.ko is not used after a failed build.
drop_module() {
	rm -rf "$BUILD/$1/modroot" "$BUILD/$1/awsvpn.ko"
}

# tsc_khz_arg: "tsc_early_khz=N" with the host's TSC rate (constant TSC
# only), for the guest command line.
tsc_khz_arg() {
	grep -q '^flags.* constant_tsc' /proc/cpuinfo 2>/dev/null || return 0
	awk -F: '/^cpu MHz/ { printf "tsc_early_khz=%d", $2 * 1000 + 0.5; exit }' \
		/proc/cpuinfo
}

# vm_run VER SCRIPT [DIR [CPUS [TIMEOUT]]]: boot VER and run "bash SCRIPT"
# (a path inside the repo) as root in the guest, from the repo directory.
# DIR (default build/VER) receives console.log (kernel console), vm-output.log
# (the command's output), qemu.log and vm-rc.  With VM_STREAM=1 the output is
# also streamed to stdout.  CPUS vCPUs (1), TIMEOUT seconds ($VM_TIMEOUT).
# Returns the command's exit status; 255 if the VM crashed or timed out
# (details on stderr, including the console tail).
#
# Guests run on QEMU's single-threaded TCG unless AWSVPN_VM_TCG=multi (the
# benchmark).  With one host thread per vCPU, a vCPU can execute a stale
# translation of code another vCPU is patching with int3 (static keys, at
# boot and whenever UDP encapsulation, netfilter or xfrm flip one) and the
# guest oopses in the breakpoint handler.  Round-robin vCPUs on one thread
# still interleave (preemption, IPIs, async crypto on another CPU) but always
# see the patched text; such a VM uses one host core, which is also what the
# job pool charges it.  A one-vCPU guest gains nothing from the
# multi-threaded mode either, whose atomics go through slower helpers (one
# such guest double-faulted inside SLUB's cmpxchg16b with garbage flags).
vm_run() {
	local v=$1 script=$2 b=${3:-$BUILD/$1} cpus=${4:-1} tmo=${5:-$VM_TIMEOUT}
	local qpid rc cmdline tcg=${AWSVPN_VM_TCG:-single}
	local cons="$b/console.log" out="$b/vm-output.log" rcf="$b/vm-rc"
	mkdir -p "$b"
	rm -f "$rcf" "$cons"
	: > "$out"
	# Debug-friendly, fast-booting command line:
	#  - console on ttyS0 (logged to console.log), test output on ttyS1;
	#  - panic=-1 + -no-reboot: a panic ends QEMU at once;
	#  - mitigations=off: page-table isolation etc. are very slow under TCG;
	#  - rcu_expedited: netns teardown waits on RCU a lot;
	#  - hung-task and soft-lockup detectors report (not panic) faster;
	#  - kfence sampling (6.12 has KFENCE built in but disabled).
	#  - tsc_early_khz: TCG's TSC is the host's; a guest calibrating it
	#    against the PIT while the host is busy can get it 10 times wrong
	#    ("PIT calibration deviates from HPET"), and its clock, timers and
	#    timeouts then run 10 times fast (soft lockups, tests timing out
	#    after a fraction of their time).  The host knows the rate.
	cmdline="console=ttyS0 loglevel=5 panic=-1 panic_on_warn=0 $(tsc_khz_arg)
		softlockup_panic=0 mitigations=off rcupdate.rcu_expedited=1
		sysctl.kernel.hung_task_timeout_secs=60 kfence.sample_interval=100
		tsc=reliable no_timer_check i8042.noaux i8042.nokbd i8042.nopnp
		avm_repo=$REPO avm_kver=$v avm_cmd=$script avm_rc=$rcf
		avm_moddir=$BUILD/$v/modroot/lib/modules/$v ${AWSVPN_VM_CMDLINE:-}
		${VM_EXTRA_CMDLINE:-}"
	cmdline=$(echo $cmdline)	# fold whitespace
	timeout -k 10 "$tmo" qemu-system-x86_64 \
		-nodefaults -display none -no-reboot -no-user-config \
		-machine pc -accel tcg,thread=$tcg -cpu max \
		-smp "$cpus" -m "${AWSVPN_VM_MEM:-2048}" \
		-kernel "$CACHE/$v/boot/vmlinuz-$v" \
		-initrd "$CACHE/$v/initramfs.cpio.gz" \
		-append "$cmdline" \
		-serial "file:$cons" -serial "file:$out" \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-fsdev local,id=repo,path="$REPO",security_model=none,multidevs=remap \
		-device virtio-9p-pci,fsdev=repo,mount_tag=repo \
		</dev/null >"$b/qemu.log" 2>&1 &
	qpid=$!
	if [ "${VM_STREAM:-0}" = 1 ]; then
		# Stream the guest's output while QEMU runs.
		tail -n +1 -f --pid="$qpid" "$out" 2>/dev/null || true
	fi
	wait "$qpid" && rc=0 || rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		warn "$v: VM timed out after ${tmo}s"
	elif [ "$rc" != 0 ]; then
		warn "$v: qemu exited with status $rc"; cat "$b/qemu.log" >&2
	fi
	if [ -f "$rcf" ]; then
		return "$(cat "$rcf")"
	fi
	warn "$v: the VM did not complete (crash, panic or timeout); console tail:"
	tail -n 40 "$cons" 2>/dev/null | sed 's/^/    /' >&2 || true
	return 255
}

# vm_run_retry VER SCRIPT DIR CPUS TIMEOUT STARTED_RE: vm_run, booted once
# more when the VM died (status 255) before its output (DIR/vm-output.log)
# matched the extended regex STARTED_RE, i.e. before the first test result:
# a boot crash is not the test's fault, and TCG can still hit one.  The
# first attempt's logs are kept as DIR/*.boot1.log and DIR/retried says
# why.  A crash after the first result is never retried.
# AWSVPN_VM_FIRST_BOOT_CMDLINE adds kernel arguments to first attempts only
# (to show the retry working, e.g. "rdinit=/nonexistent" panics at boot).
vm_run_retry() {
	local v=$1 script=$2 b=$3 cpus=$4 tmo=$5 re=$6 rc f
	rm -f "$b/retried" "$b"/*.boot1.log
	VM_EXTRA_CMDLINE=${AWSVPN_VM_FIRST_BOOT_CMDLINE:-} \
		vm_run "$v" "$script" "$b" "$cpus" "$tmo" && rc=0 || rc=$?
	if [ "$rc" = 255 ] && ! grep -Eq -- "$re" "$b/vm-output.log" 2>/dev/null; then
		{
			printf 'the first boot died before its first result: '
			grep -Em1 'Kernel panic|Oops|BUG:|not syncing' "$b/console.log" 2>/dev/null ||
				echo "(no panic message; see console.boot1.log)"
		} > "$b/retried"
		for f in console vm-output qemu; do
			[ -f "$b/$f.log" ] && mv "$b/$f.log" "$b/$f.boot1.log"
		done
		warn "$v: $(cat "$b/retried"); booting once more"
		vm_run "$v" "$script" "$b" "$cpus" "$tmo" && rc=0 || rc=$?
	fi
	return "$rc"
}

# prepare_kernel VER: headers, image and initramfs for VER.  Call it as
# "bash lib-vm.sh prepare_kernel VER" where its status is tested: "set -e"
# is ignored inside functions called from an "if".
prepare_kernel() {
	lock_cache
	[ -n "${KDIR:-}" ] || ensure_headers "$1"
	ensure_image "$1"
	ensure_initramfs "$1"
}

# Executed rather than sourced: run the named function.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ $# -gt 0 ]; then
	"$@"
fi
