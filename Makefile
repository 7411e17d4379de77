# Convenience wrapper around meson/ninja. See README.md.
BUILD ?= build
ASAN_BUILD ?= build-asan
V6LAB = $(BUILD)/src/v6lab/v6lab

DEB_PACKAGES = meson ninja-build pkg-config gcc clang libclang-rt-14-dev \
	libpcap-dev libmnl-dev libjansson-dev libsqlite3-dev \
	iproute2 tcpdump tshark python3-scapy radvd ndisc6 procps \
	libnetfilter-queue-dev iptables socat iputils-ping \
	nftables conntrack curl python3-pyftpdlib \
	qemu-system-x86 busybox-static kmod cpio \
	libmicrohttpd-dev sqlite3 git chromium

.PHONY: all deps npm-deps build test run asan fuzz bench clean

all: build

deps:
	@command -v apt-get >/dev/null || { echo "make deps: needs Debian's apt-get"; exit 1; }
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_ARGS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: deps npm-deps build
	tests/run-all $(BUILD)

# playwright-core for the browser test of v6lab serve (tests/web).
npm-deps:
	@if [ ! -d tests/web/node_modules/playwright-core ] && command -v npm >/dev/null; then \
		cd tests/web && npm ci --no-audit --no-fund --loglevel=error; \
	fi

# The main job: the IPv6 core suite against the local Linux kernel, as a host
# and as a router, in network namespaces (needs root).
run: deps build
	$(V6LAB) run --suite core --type host --out out/latest-host
	$(V6LAB) run --suite core --type router --out out/latest-router

asan:
	[ -f $(ASAN_BUILD)/build.ninja ] || meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(ASAN_BUILD)
	meson test -C $(ASAN_BUILD) --suite unit --print-errorlogs

fuzz:
	tests/fuzz/run-all 30

bench: build
	bench/run

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
