# User-facing verbs. `make test` and `make demo` install missing Debian packages first, so
# each is the only command needed on a fresh Debian 12 machine.
.PHONY: all deps release dev fuzz test demo bench clean

all: release

deps:
	@./tools/install-deps.sh

release:
	@cmake --preset release >/dev/null
	@cmake --build --preset release

dev:
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev

fuzz:
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz

# The Release `covenant` is built too: the Debug/Release replay test runs both builds.
test: deps
	@$(MAKE) --no-print-directory dev fuzz
	@cmake --preset release >/dev/null
	@cmake --build --preset release --target covenant
	@ctest --preset dev
	@./tools/skipped-tests.sh
	@ctest --preset fuzz

# The commercial PPO plan on a fresh node: checked, tested, deployed, a member enrolled and a
# claim adjudicated as signed transactions, then the node's ledger audited by re-executing
# them. Block times are fixed (the plan year is 2027), so the run is the same every time.
DEMO_NODE := build/demo-node
DEMO_MEMBER := 00000000000000000000000000000000000000000000000000000000000000a1
demo: deps
	@$(MAKE) --no-print-directory release
	@echo "== The commercial PPO plan (contracts/claims/commercial_ppo.cvn): gas bound of every entry, then its tests"
	@./build/bin/covenant check contracts/claims/commercial_ppo.cvn
	@./build/bin/covenant test contracts/claims/commercial_ppo.cvn | tail -1
	@echo "== A fresh node in $(DEMO_NODE); the plan deployed on it"
	@rm -rf $(DEMO_NODE)
	@./build/bin/covenant init $(DEMO_NODE) --time 1798761600000 >/dev/null
	@./build/bin/covenant deploy contracts/claims/commercial_ppo.cvn --node $(DEMO_NODE) --time 1798761600000
	@echo "== A member enrolled for 2027, then a claim adjudicated (colonoscopy and chest X-ray, 10 March 2027)"
	@./build/bin/covenant invoke CommercialPpo2027 enrol --node $(DEMO_NODE) --time 1798848000000 \
	  --args '{"member":"$(DEMO_MEMBER)","from":"2027-01-01","until":"2027-12-31"}'
	@./build/bin/covenant invoke CommercialPpo2027 adjudicate --node $(DEMO_NODE) --time 1804636800000 \
	  --args "$$(cat contracts/claims/commercial_ppo_claim.json)"
	@echo "== The same claim again: a duplicate (OA-18)"
	@./build/bin/covenant invoke CommercialPpo2027 adjudicate --node $(DEMO_NODE) --time 1804723200000 \
	  --args "$$(cat contracts/claims/commercial_ppo_claim.json)"
	@echo "== The node's ledger, audited (every transaction re-executed)"
	@./build/bin/covenant ledger verify $(DEMO_NODE)

bench: deps
	@$(MAKE) --no-print-directory release
	@./build/bin/covenant-bench
	@./build/bin/covenant-compile-bench
	@./build/bin/covenant-ledger-bench

clean:
	rm -rf build
