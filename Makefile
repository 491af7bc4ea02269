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

demo: deps
	@$(MAKE) --no-print-directory release
	@echo "== The PPO Gold 2027 reimbursement plan: check (gas bound of every entry), tests, build"
	@./build/bin/covenant check contracts/examples/ppo_gold_2027.cvn
	@./build/bin/covenant test contracts/examples/ppo_gold_2027.cvn
	@./build/bin/covenant build contracts/examples/ppo_gold_2027.cvn -o build/ppo_gold_2027.cvm
	@echo "== A claim through the compiled plan (office visit, lab panel, chemotherapy drug without prior authorisation)"
	@./build/bin/covenant call build/ppo_gold_2027.cvm adjudicate --args "$$(cat contracts/examples/ppo_claim.json)"

bench: deps
	@$(MAKE) --no-print-directory release
	@./build/bin/covenant-bench
	@./build/bin/covenant-compile-bench
	@./build/bin/covenant-ledger-bench

clean:
	rm -rf build
