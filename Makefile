# SPDX-License-Identifier: Apache-2.0
# A thin wrapper over meson + ninja. `make` builds build/tenant; `make check` and `make demo`
# first install what they need (scripts/deps.sh), so they work on a fresh Debian machine.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME  ?= 60
PREFIX     ?= /usr/local

.PHONY: all deps check check-cri demo demo-kubernetes install man clean format bench fuzz soak runc-suite

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	@command -v meson >/dev/null || { echo "meson is missing: run 'make deps' (or apt-get install meson ninja-build libsubid-dev)"; exit 1; }
	meson setup --prefix=$(PREFIX) $(BUILD)

$(ASAN_BUILD)/build.ninja:
	CC=clang meson setup -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug $(ASAN_BUILD)

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug $(FUZZ_BUILD)

# 1,000 sequential runs and 50 at once under ASan + UBSan; nothing may be left (tests/soak.sh)
soak: deps all $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	@tests/soak.sh

# libFuzzer targets (tests/fuzz), each for FUZZ_TIME seconds: make fuzz FUZZ_TIME=600
fuzz: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)
	@tests/fuzz/run.sh $(FUZZ_TIME)

# runc 1.1.5's own integration suite against tenant, as root and rootless (tests/runc-suite):
# an independent measure of runc parity, not part of check. RUNTIME=/usr/bin/runc for runc's.
RUNTIME ?= $(BUILD)/tenant
runc-suite: deps all
	@tests/runc-suite/run.sh $(RUNTIME)
	@tests/runc-suite/run.sh --rootless $(RUNTIME)

deps:
	@scripts/deps.sh

check: deps
	@tests/run.sh

demo: deps all
	@scripts/demo.sh

# The CRI suite alone (tests/cri: containerd 1.7 and 1.6, runc and tenant as runtime handlers,
# driven as the kubelet drives them); make check runs it too.
check-cri: deps all
	@tests/cri/suite.py | tee $(BUILD)/cri.tap; ! grep -q '^not ok' $(BUILD)/cri.tap

# Seed 004's pod (hostUsers: false) through containerd 1.7's CRI with tenant as the handler.
demo-kubernetes: deps all
	@tests/cri/suite.py --demo

bench: deps all
	@bench/subid-list.sh
	@bench/unshare.sh
	@bench/oci-run.sh
	@bench/shift.sh

install: all
	meson install -C $(BUILD)

# The manual pages are built into build/man (man -l build/man/tenant.1); make install installs them.
man: all
	@echo "man -l $(BUILD)/man/tenant.1"

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
