# The two commands: `make serve` and `make test`. Both install what is missing first
# (Debian packages, the Python test environment, the models), then build in release mode.

SHELL := /bin/bash
comma := ,
.DEFAULT_GOAL := help

# CPU tuning goes on the command line, never into Package.swift (unsafeFlags would stop other
# packages from depending on this one). Swift's baseline x86-64 code has no AVX at all; haswell
# means any AVX2+FMA CPU, Intel or AMD. Override with `make serve CPU=native`.
CPU ?= haswell
# The package's AVX2 trait: the integer kernels on AVX2's byte multiply-adds. It needs a CPU
# flag with AVX2 (haswell, znver3, native on such a machine), so it is left off for the CPUs
# below that lack it; set TRAITS= by hand for any other such CPU.
NO_AVX2_CPUS := x86-64 x86-64-v2 generic core2 nehalem westmere sandybridge ivybridge btver2 bdver1 bdver2
TRAITS ?= $(if $(filter $(NO_AVX2_CPUS),$(CPU)),,AVX2)
CONFIG ?= config.toml
SWIFT_FLAGS := -c release -Xswiftc -target-cpu -Xswiftc $(CPU) $(if $(TRAITS),--traits $(TRAITS))
VENV := .venv
PYTHON := $(VENV)/bin/python
BIN := .build/release/cyxwiz-api

.PHONY: help serve test bench soak fuzz setup system-deps venv models reference build build-tests docs kernels downstream swift-tests e2e-tests clean

help:
	@echo "make serve   set up, build, and start the server on $(CONFIG)"
	@echo "make test    set up, build, and run every test"
	@echo "make bench   set up, build, and print the runtime and HTTP benchmarks (Docs/Performance.md)"
	@echo "make soak    set up, build, and run the 10-minute load and soak test (Docs/Testing.md)"
	@echo "make fuzz    set up, build with libFuzzer, and fuzz the parsers (FUZZ_SECONDS per target)"
	@echo "(CPU=$(CPU) TRAITS=$(TRAITS) CONFIG=$(CONFIG) can be overridden: make serve CPU=native)"

serve: setup build
	$(BIN) serve --config $(CONFIG)

test: setup build-tests docs kernels downstream swift-tests e2e-tests

# Benchmarks print numbers; they are not tests. Run them on a quiet machine.
bench: setup build
	$(BIN) bench --model models/SmolLM2-135M-Instruct.Q4_1.gguf --parallel 4,8,16
	$(BIN) bench --model models/all-MiniLM-L6-v2
	$(PYTHON) Scripts/bench-server.py --serve $(BIN) --config $(CONFIG)

# Mixed traffic beyond capacity for SOAK_SECONDS after a 2-minute warm-up; prints the report
# and fails on a crash, a 5xx other than 503 shedding, or idle memory growing more than 5%.
SOAK_SECONDS ?= 600
soak: setup build
	cd Scripts && ../$(PYTHON) soak.py --serve ../$(BIN) --config ../$(CONFIG) --duration $(SOAK_SECONDS) --warmup 120

fuzz: setup reference
	CPU=$(CPU) Scripts/fuzz

setup: system-deps venv models

system-deps:
	@Scripts/install-system-deps

venv: $(VENV)/.requirements

$(VENV)/.requirements: Scripts/requirements.txt
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r Scripts/requirements.txt
	@cp Scripts/requirements.txt $@

models: venv
	@Scripts/fetch-models --python $(PYTHON)

# Outputs of the independent numpy implementation that the Swift tests compare against.
# Tiny random-weight checkpoints made by a script (never committed), for the Hugging Face path.
TINY := .cache/fixtures/tiny-llama/config.json
REFERENCE := .cache/reference/smollm2/reference.json
TOKENIZER_REFERENCE := .cache/reference/tokenizer.json
TINY_REFERENCES := .cache/reference/tiny-llama/reference.json .cache/reference/tiny-qwen2/reference.json
SPM_REFERENCE := .cache/fixtures/spm/reference.json
EMBEDDING_REFERENCE := .cache/reference/minilm.json
TEMPLATE_REFERENCE := .cache/reference/templates.json
# The ten real chat templates live in the shared folder beside the checkout (as CI lays it out).
TEMPLATES := ../shared/chat-templates
reference: $(REFERENCE) $(TOKENIZER_REFERENCE) $(TINY_REFERENCES) $(SPM_REFERENCE) $(EMBEDDING_REFERENCE) $(TEMPLATE_REFERENCE)

$(TEMPLATES)/index.json:
	@echo "error: $(TEMPLATES) is missing: the chat-template corpus is expected in shared/ beside this checkout" >&2
	@exit 1

$(TEMPLATE_REFERENCE): $(TEMPLATES)/index.json Scripts/reference_templates.py Tests/NodeInferenceTests/Fixtures/templates/conversations.json $(wildcard $(TEMPLATES)/*) $(wildcard Tests/NodeInferenceTests/Fixtures/templates/features/*) | venv
	$(PYTHON) Scripts/reference_templates.py --templates $(TEMPLATES) --extra Tests/NodeInferenceTests/Fixtures/templates/features \
		--conversations Tests/NodeInferenceTests/Fixtures/templates/conversations.json --out $@

$(EMBEDDING_REFERENCE): Scripts/reference_bert.py Tests/NodeInferenceTests/Fixtures/embeddings/corpus.json | venv models
	$(PYTHON) Scripts/reference_bert.py --model models/all-MiniLM-L6-v2 \
		--corpus Tests/NodeInferenceTests/Fixtures/embeddings/corpus.json --out $@

$(SPM_REFERENCE): Scripts/make-spm-fixture.py Tests/NodeInferenceTests/Fixtures/tokenizer/corpus.json | venv
	$(PYTHON) Scripts/make-spm-fixture.py --corpus Tests/NodeInferenceTests/Fixtures/tokenizer/corpus.json --out $(dir $@)

$(TINY): Scripts/make-tiny-models.py | venv
	$(PYTHON) Scripts/make-tiny-models.py --out .cache/fixtures

.cache/reference/tiny-%/reference.json: $(TINY) Scripts/reference_llama.py
	$(PYTHON) Scripts/reference_llama.py --hf .cache/fixtures/tiny-$* --out $(dir $@) --continuation 16

$(TOKENIZER_REFERENCE): Scripts/reference_tokenizer.py Scripts/gguf_tokenizer.py Tests/NodeInferenceTests/Fixtures/tokenizer/corpus.json $(TINY) | venv models
	$(PYTHON) Scripts/reference_tokenizer.py --model models/SmolLM2-135M-Instruct.Q4_1.gguf \
		--hf .cache/fixtures/tiny-llama --corpus Tests/NodeInferenceTests/Fixtures/tokenizer/corpus.json --out $@

$(REFERENCE): Scripts/reference_llama.py Scripts/gguf_tokenizer.py | venv models
	$(PYTHON) Scripts/reference_llama.py --model models/SmolLM2-135M-Instruct.Q4_1.gguf --out $(dir $@)

build:
	swift build $(SWIFT_FLAGS) --product cyxwiz-api

# One configuration for the binary and the tests, so the graph is compiled once.
build-tests:
	swift build $(SWIFT_FLAGS) --build-tests

# Every public symbol of NodeInference documented, and the DocC catalogue built without
# warnings (.build/docs/NodeInference.doccarchive), from the release build's modules.
docs: build-tests
	Scripts/check-docs

# The kernels' loops call no standard-library SIMD generics (the optimizer's inlining of them
# is fragile; a call costs decoding a third of its speed). Reads the objects, no timing.
kernels: build-tests
	Scripts/check-kernels $(if $(filter AVX2,$(subst $(comma), ,$(TRAITS))),--avx2)

# A separate package depending on this one by path: the library builds as a dependency (a
# debug build: it checks the package, not the speed). Tests/e2e/test_examples.py runs it.
# SwiftPM re-plans a build when the root package's files change but not when a file is added
# to a path dependency: the old source list stays in the build description (debug.yaml) and
# the build fails on the missing names. Removing it makes SwiftPM plan anew (a second or two).
downstream:
	rm -f Examples/Downstream/.build/debug.yaml
	swift build --package-path Examples/Downstream

swift-tests: build-tests reference
	swift test $(SWIFT_FLAGS) --skip-build

e2e-tests: build-tests venv models
	CYXWIZ_BIN=$(BIN) $(PYTHON) -m pytest Tests/e2e

clean:
	rm -rf .build Examples/Downstream/.build
