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

# The commercial PPO plan over 100,000 synthetic claims: checked and tested, then the claims
# (covenant gen-claims, a fixed seed) simulated through it onto a fresh node, where every
# adjudication is an entry on the ledger; the summary, an HTML report, and the ledger audited
# by re-executing every transaction. The same claims and results every run (the node's key is
# made fresh, so its signatures and the log differ).
DEMO_DIR := build/demo
demo: deps
	@$(MAKE) --no-print-directory release
	@echo "== The commercial PPO plan (contracts/claims/commercial_ppo.cvn): gas bound of every entry, then its tests"
	@./build/bin/covenant check contracts/claims/commercial_ppo.cvn
	@./build/bin/covenant test contracts/claims/commercial_ppo.cvn | tail -1
	@echo "== 100,000 synthetic claims of plan year 2026/27 (covenant gen-claims), and a fresh node"
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	@./build/bin/covenant gen-claims --n 100000 --seed 2027 --out $(DEMO_DIR)/claims.ndjson
	@./build/bin/covenant init $(DEMO_DIR)/node --time 1782864000000 >/dev/null
	@echo "== The claims through the plan onto the node: every adjudication an entry on its ledger"
	@./build/bin/covenant simulate --plan contracts/claims/commercial_ppo.cvn \
	  --claims $(DEMO_DIR)/claims.ndjson --node $(DEMO_DIR)/node --out $(DEMO_DIR)/results.ndjson
	@./build/bin/covenant report $(DEMO_DIR)/results.ndjson --html $(DEMO_DIR)/report.html
	@echo "== The node's ledger, audited (every transaction re-executed)"
	@./build/bin/covenant ledger verify $(DEMO_DIR)/node
	@echo "report: $(DEMO_DIR)/report.html"

bench: deps
	@$(MAKE) --no-print-directory release
	@./build/bin/covenant-bench
	@./build/bin/covenant-compile-bench
	@./build/bin/covenant-ledger-bench
	@./build/bin/covenant-simulate-bench
	@./build/bin/covenant-consent-bench

clean:
	rm -rf build
