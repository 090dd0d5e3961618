# The two set-up commands of the README, plus conveniences.
#   make run    install what is missing, build, start Apiary
#   make test   install what is missing, build with -Werror and
#               ASan+UBSan, run every test (unit, black-box, fuzz smoke)
JOBS ?= 2
BUILD ?= build
TESTBUILD ?= build-test
FUZZBUILD ?= build-fuzz

.PHONY: run test build bench clean deps-run deps-test fuzz

deps-run:
	@scripts/deps.sh run
	@scripts/webdeps.sh
deps-test:
	@scripts/deps.sh test
	@scripts/webdeps.sh

build: deps-run
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: build
	-scripts/geodata.sh $(CURDIR)/var/geo
	$(BUILD)/apiary demo --data-dir $(CURDIR)/var

test: deps-test
	cmake -S . -B $(TESTBUILD) -G Ninja -DAP_WERROR=ON \
	    -DAP_SANITIZE=address,undefined >/dev/null
	cmake --build $(TESTBUILD) -j $(JOBS)
	CC=clang cmake -S . -B $(FUZZBUILD) -G Ninja -DAP_FUZZ=ON -DAP_WERROR=ON \
	    -DAP_BENCH=OFF >/dev/null
	cmake --build $(FUZZBUILD) -j $(JOBS)
	ctest --test-dir $(FUZZBUILD) --output-on-failure -L fuzz
	AP_REQUIRE_CLIENTS=1 ASAN_OPTIONS=detect_leaks=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --test-dir $(TESTBUILD) --output-on-failure -j $(JOBS)

bench: build
	@echo "benchmarks: see docs/PERFORMANCE.md for each command"

clean:
	rm -rf $(BUILD) $(TESTBUILD) $(FUZZBUILD)
