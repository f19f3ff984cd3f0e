"""The libFuzzer harness (Sources/cyxwiz-fuzz), built normally, replays the seed inputs of
every target: the harness builds, finds its inputs, and each seed parses (a broken seed would
make a fuzzing run start from nothing)."""

import os
import subprocess

import pytest

from conftest import BINARY, ROOT

HARNESS = BINARY.parent / "cyxwiz-fuzz"
FIXTURES = ROOT / ".cache" / "fixtures"
TEMPLATES = ROOT.parent / "shared" / "chat-templates"

SEEDS = {
    "gguf": [FIXTURES / "spm" / "spm.gguf", ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"],
    "safetensors": [FIXTURES / "tiny-qwen2" / "model.safetensors", ROOT / "models" / "all-MiniLM-L6-v2" / "model.safetensors"],
    "tokenizer": [FIXTURES / "tiny-llama" / "tokenizer.json", FIXTURES / "tiny-qwen2" / "tokenizer.json"],
    "config-json": [FIXTURES / "tiny-llama" / "config.json", FIXTURES / "tiny-qwen2" / "config.json"],
    "template": sorted(TEMPLATES.glob("*.jinja")),
    "request": sorted((ROOT / "Tests/NodeInferenceTests/Fixtures/openai").glob("*request*.json")),
}


@pytest.mark.parametrize("target", sorted(SEEDS))
def test_every_seed_of_a_target_parses(target):
    seeds = SEEDS[target]
    assert seeds and all(seed.exists() for seed in seeds), seeds
    env = dict(os.environ, CYXWIZ_FUZZ_FOLDER=str(FIXTURES / "tiny-llama"))
    run = subprocess.run([str(HARNESS), target, *map(str, seeds)], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"{target}: {len(seeds)} inputs, {len(seeds)} parsed, 0 refused"


def test_config_toml_is_read_and_bad_input_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"[@]\n")
    run = subprocess.run([str(HARNESS), "toml", str(ROOT / "config.toml"), str(bad)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "toml: 2 inputs, 1 parsed, 1 refused", run.stdout + run.stderr


def test_a_harness_without_a_target_says_how_to_use_it():
    run = subprocess.run([str(HARNESS)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "usage: cyxwiz-fuzz" in run.stderr
