# Pingan — the two commands a newcomer needs are `make run` and `make test`.
BUILD_DIR ?= build
DATA_DIR  ?= var/demo
LISTEN    ?= 127.0.0.1:8080
JOBS      ?= $(shell nproc)

.PHONY: all deps configure build web run serve test bench format format-check tidy clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake --preset release

build: configure web
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The console (web/dist), rebuilt only when its sources change.
web:
	@scripts/build-web.sh

# The living demo district; log in as demo / demo. Its data stays in $(DATA_DIR).
run: build
	$(BUILD_DIR)/pingan demo --data-dir $(DATA_DIR) --listen $(LISTEN)

# The platform without the demo, on an empty ledger in var/ (an admin password is printed).
serve: build
	$(BUILD_DIR)/pingan serve --data-dir var --listen $(LISTEN)

# Every test: unit, API over real sockets, crash/durability, the console in chromium against
# `pingan demo`, and a brief run of each benchmark.
test: build format-check
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900

bench: build
	$(BUILD_DIR)/bench/ledger_bench
	$(BUILD_DIR)/bench/engine_bench

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format-16 -i

format-check:
	@git ls-files '*.h' '*.cc' | xargs clang-format-16 --dry-run --Werror

tidy: configure
	@run-clang-tidy-16 -p $(BUILD_DIR) -quiet 'src/|tests/|bench/'

clean:
	rm -rf $(BUILD_DIR)
