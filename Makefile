# SPDX-License-Identifier: GPL-2.0
#
#   make               build awsvpn.ko for the running kernel (or KDIR=...) and the tool
#   make plugin        the strongSwan charon plugin kernel-awsvpn (part of
#                      "make" when strongSwan is installed)
#   make install       install them (module under extra/, then depmod)
#   make check         run the whole selftest suite in QEMU on Debian 6.1 and 6.12
#   make check-debug   the suite on a 6.12 kernel with KASAN, lockdep, kmemleak...
#                      (built from linux-source-6.12 once, then cached)
#   make demo          build, boot a VM and show a tunnel working
#   make bench         throughput and latency of awsvpn vs xfrmi and WireGuard in one VM;
#                      knobs (environment or make arguments): BENCH_CPUS="1 4",
#                      BENCH_QUICK=1, BENCH_KINDS, BENCH_SUITES, BENCH_REPS,
#                      BENCH_TIME...; see Documentation/benchmark.rst
#
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local

# The charon plugin is built when this machine has strongSwan's libcharon.
HAVE_CHARON := $(wildcard /usr/lib/ipsec/libcharon.so.0)

all: module tool $(if $(HAVE_CHARON),plugin)

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tool:
	$(MAKE) -C userspace

plugin:
	$(MAKE) -C userspace/kernel-awsvpn

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(KVER)
	$(MAKE) -C userspace install PREFIX=$(PREFIX)
	$(if $(HAVE_CHARON),$(MAKE) -C userspace/kernel-awsvpn install)

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

.PHONY: all module tool plugin install clean check check-debug demo bench
