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
	@ctest --preset fuzz

demo: deps
	@$(MAKE) --no-print-directory release
	@./build/bin/covenant run examples/claim_payout.s --mem-file examples/claim_payout.mem

bench: deps
	@$(MAKE) --no-print-directory release
	@./build/bin/covenant-bench

clean:
	rm -rf build
