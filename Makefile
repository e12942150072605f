# l2sw — build, run and test. Every target works on a fresh Debian machine as
# root; `make test` installs what the tests need first.

GO      ?= go
BIN     := bin/l2sw
PKGS    := ./...
# Debian packages the end-to-end tests drive: namespaces and links (iproute2),
# hosts' tools (ping, arping, traceroute, tcpdump, socat), FHRP speakers
# (ucarp, keepalived), throughput (iperf3), the automation clients the CLI
# must satisfy (python3-textfsm, python3-netmiko), and tshark, which reads
# the switch's captures (EPC exports, `l2sw capture`) as a user would.
TEST_DEBS := iproute2 iputils-ping iputils-arping tcpdump ucarp keepalived \
	iperf3 traceroute socat python3-textfsm python3-netmiko tshark lldpd
# Open vSwitch's userspace datapath: an LACP peer independent of l2sw's on
# kernels without the bonding driver (e2e/etherchannel_test.go).
TEST_DEBS += openvswitch-switch ethtool
# The SHA-1 key exchange refusal is checked with OpenSSH's own client.
TEST_DEBS += openssh-client
FUZZTIME ?= 20s

.PHONY: all build run test test-deps unit bench bench-smoke fuzz vet lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/l2sw

# Build and start the switch on the embedded default config (four access
# ports GigabitEthernet0/1-0/4 on TAP devices l2sw1-l2sw4).
run: build
	./$(BIN) run

# Install the Debian packages the tests need (only those missing), then run
# every test: vet, lint, unit, differential, end-to-end (root), benchmarks
# once.
test: test-deps vet lint unit bench-smoke

# tshark's wireshark-common asks whether non-root users may capture: the
# answer (no) is given up front, so the install never waits on a question.
test-deps:
	@missing=""; for p in $(TEST_DEBS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" -ne 0 ]; then echo "make test-deps: run as root to install:$$missing" >&2; exit 1; fi; \
		echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

vet:
	$(GO) vet $(PKGS)

# staticcheck at a pinned version (go run fetches it from the module proxy;
# a version bump is a deliberate change), and go.mod/go.sum as `go mod tidy`
# leaves them: a missing or stale requirement fails here, not on a user's
# machine.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	$(GO) run $(STATICCHECK) $(PKGS)
	$(GO) mod tidy -diff

unit:
	$(GO) test -race -count=1 -timeout 40m $(PKGS)

# Every benchmark for one iteration: proves they run, not how fast.
bench-smoke:
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x -timeout 20m $(PKGS)

# The forwarding benchmarks whose numbers README reports.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./bench/ ./cam/ ./cef/ ./tcam/

# Run every fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf bin

# Side-by-side harness (root): l2sw, the Linux bridge and plain TAP-to-TAP
# and AF_PACKET copies (bench/tappump, bench/afpump) between two namespaces, measured in one run. A
# benchmark, not a test: never part of `make test`. See bench/README.md.
.PHONY: bench-e2e
bench-e2e:
	$(GO) build -o bin/tappump ./bench/tappump
	$(GO) build -o bin/afpump ./bench/afpump
	$(GO) build -o bin/pktgen ./bench/pktgen/cmd/pktgen
	-$(GO) build -o $(BIN) ./cmd/l2sw
	L2SW=$(BIN) TAPPUMP=bin/tappump AFPUMP=bin/afpump PKTGEN=bin/pktgen bench/e2e/run.sh $(SYSTEMS)
