# SPDX-License-Identifier: GPL-2.0
#
#   make               build awsvpn.ko for the running kernel (or KDIR=...) and the tool
#   make install       install both (module under extra/, then depmod)
#   make check         run the whole selftest suite in QEMU on Debian 6.1 and 6.12
#   make demo          build, boot a VM and show a tunnel working
#   make bench         throughput and latency of awsvpn vs xfrmi and WireGuard in one VM
#
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local

all: module tool

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tool:
	$(MAKE) -C userspace

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(KVER)
	$(MAKE) -C userspace install PREFIX=$(PREFIX)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		rm -f kernel/*.o kernel/.*.cmd *.ko *.mod* Module.symvers modules.order
	$(MAKE) -C userspace clean

check:
	selftests/vm/run-suite

demo:
	selftests/vm/run-demo

bench:
	selftests/vm/run-demo bench.sh

.PHONY: all module tool install clean check demo bench
