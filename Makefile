# aftercare — two commands: `make run` and `make test`.
JOBS ?= 2
DATA ?= ./data
BUILD_RELEASE := build/release
BUILD_TEST := build/test

# make test also installs chromium and playwright-core (the browser tests); make run needs neither.
.PHONY: deps deps-test build run test soak bench bench-kafka fuzz clean format

deps:
	@./scripts/install-deps.sh

deps-test:
	@./scripts/install-deps.sh --test

$(BUILD_RELEASE)/build.ninja $(BUILD_RELEASE)/Makefile:
	cmake -S . -B $(BUILD_RELEASE) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD_RELEASE)/Makefile
	cmake --build $(BUILD_RELEASE) -j$(JOBS) --target aftercare status_counts

run: build
	$(BUILD_RELEASE)/aftercare serve --data $(DATA)

$(BUILD_TEST)/Makefile:
	cmake -S . -B $(BUILD_TEST) -DCMAKE_BUILD_TYPE=Debug -DAFTERCARE_SANITIZE=ON

test: deps-test $(BUILD_TEST)/Makefile
	cmake --build $(BUILD_TEST) -j$(JOBS)
	cd $(BUILD_TEST) && ctest --output-on-failure -j$(JOBS) --timeout 600

# The crash loop with SOAK_KILLS SIGKILLs per log, on the release build so
# that many kills fit in minutes (make test runs it with 3, under ASan+UBSan).
SOAK_KILLS ?= 20
soak: deps $(BUILD_RELEASE)/Makefile
	cmake --build $(BUILD_RELEASE) -j$(JOBS) --target crash_loop_test aftercare
	AFTERCARE_SOAK_KILLS=$(SOAK_KILLS) $(BUILD_RELEASE)/tests/crash_loop_test

# Benchmarks run on the release build; they print figures (bench/README.md).
# Scenarios, baselines (PostgreSQL, nginx), Kafka mode, replay and memory: one table.
bench: $(BUILD_RELEASE)/Makefile
	./scripts/install-deps.sh --bench
	cmake --build $(BUILD_RELEASE) -j$(JOBS) --target aftercare log_append_bench loadgen make_log log_read_bench dispatch_bench webhook_sink
	$(BUILD_RELEASE)/bench/log_append_bench --appenders 64 --seconds 10
	./bench/run_all.sh $(BUILD_RELEASE)

# Kafka mode against the development broker (docs/kafka.md, bench/README.md).
bench-kafka: deps $(BUILD_RELEASE)/Makefile
	cmake --build $(BUILD_RELEASE) -j$(JOBS) --target aftercare log_append_bench loadgen
	./bench/kafka_bench.sh $(BUILD_RELEASE)

# libFuzzer targets (clang, ASan+UBSan), FUZZ_SECONDS each; corpora in fuzz/corpus.
FUZZ_SECONDS ?= 600
fuzz:
	./scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf build

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')
