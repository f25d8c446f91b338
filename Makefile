# SPDX-License-Identifier: GPL-2.0
# vpin: long-term page pins and layout leases for files on stock kernels.
#
#   make            build the userspace and the module (for KVER, default:
#                   the running kernel, else every supported kernel installed)
#   make test       install what is missing, build, run every test
#   make fuzz       fuzz vpin in the test guest on both kernels (tests/fuzz),
#                   DURATION seconds each (default 600)
#   make bench      benchmarks in the test guest on both kernels (tests/bench)
#   make demo       install what is missing, build, show vpin in a test guest
#   make install    install pinctl, pind, pintop and the uapi header
#   make deb        build the Debian packages in build/deb (vpin-dkms,
#                   vpin-tools, libvpin1, libvpin-dev): see README.md
#   make debug-kernel  build the test guest's debug kernel (KASAN, KFENCE,
#                   lockdep: tests/vm/debug.config) in build/debug-kernel
#   make test-debug build it if needed, and vpin.ko for it, and run the guest
#                   suite on it (slow; not part of make test)
#
# The module itself is installed with DKMS, from the vpin-dkms package of
# make deb or by hand: see README.md.

SHELL := /bin/bash
BUILD := $(CURDIR)/build
PREFIX ?= /usr/local
CMAKE_BUILD_TYPE ?= RelWithDebInfo

supported := $(shell . tests/vm/kernels.sh; vpin_supported_releases)
running := $(shell uname -r)
ifneq ($(wildcard /lib/modules/$(running)/build/Makefile),)
KVER ?= $(running)
else
KVER ?= $(supported)
endif

all: user modules

setup:
	@scripts/setup

$(BUILD)/user/CMakeCache.txt:
	cmake -S . -B $(BUILD)/user -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX)

user: $(BUILD)/user/CMakeCache.txt
	cmake --build $(BUILD)/user -j$$(nproc)

modules:
	@test -n "$(KVER)" || { echo "no kernel headers installed: run scripts/setup"; exit 1; }
	@for k in $(KVER); do \
		echo "  MODULE  vpin.ko for $$k"; \
		scripts/build-module kmod $(BUILD)/kmod/$$k $$k || exit 1; \
	done

warn-module:
	@for k in $(KVER); do \
		scripts/build-module tests/kmod-warn $(BUILD)/kmod-warn/$$k $$k || exit 1; \
	done

# checkpatch.pl comes from the 6.12 kernel source package.
CHECKPATCH := $(BUILD)/checkpatch/scripts/checkpatch.pl
$(CHECKPATCH):
	@test -r /usr/src/linux-source-6.12.tar.xz || { echo "linux-source-6.12 is missing: run scripts/setup"; exit 1; }
	mkdir -p $(BUILD)/checkpatch
	tar -xJf /usr/src/linux-source-6.12.tar.xz -C $(BUILD)/checkpatch --strip-components=1 \
		--wildcards 'linux-source-6.12/scripts/checkpatch.pl' \
		'linux-source-6.12/scripts/spelling.txt' 'linux-source-6.12/scripts/const_structs.checkpatch'

# --strict, except for the trace event header, whose macro layout is the
# kernel's own convention.
CHECKPATCH_FLAGS := --no-tree --quiet --show-types --ignore FILE_PATH_CHANGES
checkpatch: $(CHECKPATCH)
	$(CHECKPATCH) $(CHECKPATCH_FLAGS) --strict \
		-f $$(git ls-files 'kmod/*.c' 'kmod/*.h' 'tests/kmod-warn/*.c' | grep -v '_trace\.h$$')
	$(CHECKPATCH) $(CHECKPATCH_FLAGS) -f $$(git ls-files 'kmod/*_trace.h')

test: setup
	@$(MAKE) -s all
	@tests/run-all

# Only what the demo uses, in a build of its own without the tests:
# pinctl, pind, pintop, and vpin.ko for the 6.12 kernel it boots.
demo:
	@scripts/setup --demo
	@$(MAKE) -s demo-build
	@VPIN_DEMO_BIN=$(BUILD)/demo/ctl tests/demo

demo-build:
	@mkdir -p $(BUILD)
	@echo "  BUILD   pinctl, pind, pintop"
	@{ test -f $(BUILD)/demo/CMakeCache.txt || cmake -S . -B $(BUILD)/demo \
		-DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) -DVPIN_BUILD_TESTS=OFF; } \
		> $(BUILD)/demo-build.log 2>&1 && \
	cmake --build $(BUILD)/demo -j$$(nproc) --target pinctl pind pintop vpin-preload \
		>> $(BUILD)/demo-build.log 2>&1 || { cat $(BUILD)/demo-build.log; exit 1; }
	@k=$$(. tests/vm/kernels.sh; vpin_header_release 6.12) && \
		echo "  MODULE  vpin.ko for $$k" && \
		scripts/build-module kmod $(BUILD)/kmod/$$k $$k

# The fuzzer in the test guest, DURATION seconds per kernel.
DURATION ?= 600
fuzz: setup
	@$(MAKE) -s all
	@tests/fuzz/vms $(DURATION)

# Benchmarks in the test guest, one kernel after the other (tests/bench/).
bench: setup
	@$(MAKE) -s all
	@tests/bench/run

dkms-check: setup modules
	tests/dkms-check

# The debug kernel: scripts/build-debug-kernel does nothing when it is up to
# date; tests/vm/kernels.sh finds its image and build tree.
DEBUG_KERNEL := $(BUILD)/debug-kernel
debug-kernel:
	@scripts/build-debug-kernel $(DEBUG_KERNEL)

test-debug: setup
	@$(MAKE) -s user debug-kernel
	@$(MAKE) -s modules KVER="$$(cat $(DEBUG_KERNEL)/release)"
	@tests/run-debug

install: user
	cmake --install $(BUILD)/user

# The Debian packages, from a copy of the tree (scripts/build-deb).
deb:
	@scripts/setup --deb
	@scripts/build-deb $(BUILD)/deb

deb-check: setup
	tests/deb-check

clean:
	rm -rf $(BUILD)

help:
	@sed -n '4,21s/^# \{0,1\}//p' Makefile

.PHONY: all setup user modules warn-module checkpatch test demo demo-build dkms-check install clean help
.PHONY: deb deb-check
.PHONY: fuzz bench
.PHONY: debug-kernel test-debug
