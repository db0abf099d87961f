# SPDX-License-Identifier: GPL-2.0
#
#   make               build awsvpn.ko for the running kernel (or KDIR=...) and the tool
#   make plugin        the strongSwan charon plugin kernel-awsvpn (part of
#                      "make" when strongSwan is installed)
#   make install       install them (module under extra/, then depmod), the
#                      man pages, bash completion and systemd units; every
#                      path under DESTDIR=... (then no depmod), PREFIX=/usr/local
#   make uninstall     remove what "make install" installed (not /etc/awsvpn)
#   make dkms-install  register the module with DKMS (/usr/src/awsvpn-VERSION),
#                      build and install it for the running kernel; DKMS
#                      rebuilds it for every kernel installed later
#   make dkms-uninstall  remove it from DKMS, every kernel
#   make deb           Debian packages awsvpn-dkms, awsvpn-tools and
#                      strongswan-plugin-awsvpn in build/deb (DEBDIR=...)
#   make check         run the whole selftest suite in QEMU on Debian 6.1 and 6.12
#   make check-debug   the suite on a 6.12 kernel with KASAN, lockdep, kmemleak...
#                      (built from linux-source-6.12 once, then cached)
#   make demo          build, boot a VM and show a tunnel working
#   make bench         throughput and latency of awsvpn vs xfrmi and WireGuard in one VM;
#                      knobs (environment or make arguments): BENCH_CPUS="1 4",
#                      BENCH_QUICK=1, BENCH_KINDS, BENCH_SUITES, BENCH_REPS,
#                      BENCH_TIME...; see Documentation/benchmark.rst
#
# One version for all of it: the file VERSION.
VERSION := $(shell cat $(CURDIR)/VERSION)
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=
DEBDIR ?= $(CURDIR)/build/deb

# The charon plugin is built when this machine has strongSwan's libcharon.
HAVE_CHARON := $(wildcard /usr/lib/ipsec/libcharon.so.0)

# What DKMS and the awsvpn-dkms package get: the module's sources only.
# DKMS_SOURCETREE, DKMS_TREE, DKMS_INSTALLTREE: another place than /usr/src,
# /var/lib/dkms and /lib/modules (dkms --sourcetree, --dkmstree,
# --installtree; the tests build for a kernel the host does not run);
# DKMS_FLAGS: more dkms options (--kernelsourcedir DIR, --no-depmod).
DKMS_SOURCETREE ?= /usr/src
DKMS_SRC := $(DKMS_SOURCETREE)/awsvpn-$(VERSION)
DKMS := dkms $(if $(DKMS_TREE),--dkmstree $(DKMS_TREE)) \
	$(if $(filter-out /usr/src,$(DKMS_SOURCETREE)),--sourcetree $(DKMS_SOURCETREE)) \
	$(if $(DKMS_INSTALLTREE),--installtree $(DKMS_INSTALLTREE)) $(DKMS_FLAGS)

all: module tool $(if $(HAVE_CHARON),plugin)

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tool:
	$(MAKE) -C userspace VERSION=$(VERSION)

plugin:
	$(MAKE) -C userspace/kernel-awsvpn VERSION=$(VERSION)

install: install-module install-tool $(if $(HAVE_CHARON),install-plugin)

# With DESTDIR the module goes into that tree and depmod is left to
# whoever installs it there.
install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=extra modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

install-tool: tool
	$(MAKE) -C userspace install VERSION=$(VERSION) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

install-plugin: plugin
	$(MAKE) -C userspace/kernel-awsvpn install VERSION=$(VERSION) DESTDIR=$(DESTDIR)

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/extra/awsvpn.ko*
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C userspace uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C userspace/kernel-awsvpn uninstall DESTDIR=$(DESTDIR)

# The source tree DKMS builds from, as the awsvpn-dkms package ships it.
dkms-src:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	install -d $(DESTDIR)$(DKMS_SRC)/kernel/uapi
	install -m 0644 Kbuild VERSION $(DESTDIR)$(DKMS_SRC)/
	install -m 0644 kernel/*.c kernel/*.h $(DESTDIR)$(DKMS_SRC)/kernel/
	install -m 0644 kernel/uapi/*.h $(DESTDIR)$(DKMS_SRC)/kernel/uapi/
	sed 's/@VERSION@/$(VERSION)/' dkms.conf > $(DESTDIR)$(DKMS_SRC)/dkms.conf
	chmod 0644 $(DESTDIR)$(DKMS_SRC)/dkms.conf

# Again after a change of the sources: this version is removed from DKMS
# first, so that it is built anew.  Another version registered earlier
# stays until "dkms remove awsvpn/OLD --all" (the packages do that).
dkms-install:
	-$(DKMS) remove -m awsvpn -v $(VERSION) --all > /dev/null 2>&1
	$(MAKE) dkms-src DESTDIR=
	$(DKMS) add -m awsvpn -v $(VERSION)
	$(DKMS) build -m awsvpn -v $(VERSION) -k $(KVER)
	$(DKMS) install -m awsvpn -v $(VERSION) -k $(KVER)

dkms-uninstall:
	-$(DKMS) remove -m awsvpn -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

deb:
	packaging/mkdeb $(DEBDIR)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		rm -f kernel/*.o kernel/.*.cmd *.ko *.mod* Module.symvers modules.order
	$(MAKE) -C userspace clean
	$(MAKE) -C userspace/kernel-awsvpn clean

check:
	selftests/vm/run-suite

check-debug:
	selftests/vm/run-debug

demo:
	selftests/vm/run-demo

bench:
	selftests/vm/run-demo bench.sh

.PHONY: all module tool plugin install install-module install-tool install-plugin \
	uninstall dkms-src dkms-install dkms-uninstall deb clean check check-debug \
	demo bench
