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

test: deps
	@$(MAKE) --no-print-directory dev fuzz
	@ctest --preset dev
	@./tools/skipped-tests.sh
	@ctest --preset fuzz

demo: deps
	@$(MAKE) --no-print-directory release
	@echo "Claim line: billed 250.00, fee schedule 130.00, deductible left 50.00, copay 25.00, coinsurance 20%, out-of-pocket left 6000.00"
	@./build/bin/covenant run vm/examples/claim_payout.s --u64 25000,13000,5000,2500,2000,600000

bench: deps
	@$(MAKE) --no-print-directory release
	@./build/bin/covenant-bench
	@./build/bin/covenant-ledger-bench

clean:
	rm -rf build
