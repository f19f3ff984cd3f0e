"""The runtime commands of the binary on the real model: tokenize, generate, bench."""

import json
import pathlib
import subprocess
import sys

import pytest

from conftest import ROOT, run_binary

sys.path.insert(0, str(ROOT / "Scripts"))
from gguf_tokenizer import from_gguf  # noqa: E402

MODEL = str(ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf")


@pytest.fixture(scope="module")
def reference_tokenizer():
    return from_gguf(MODEL)


@pytest.mark.parametrize("text", ["The capital of France is", "a  1", "<|im_start|>user\nHi 👋<|im_end|>", "日本語 text\n\tx"])
def test_tokenize_matches_python_tokenizers(reference_tokenizer, text):
    result = run_binary("tokenize", "--model", MODEL, text)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == reference_tokenizer.encode(text, add_special_tokens=False).ids


def test_tokenize_reads_standard_input_and_no_special(reference_tokenizer):
    text = "text<|im_end|>more"
    result = subprocess.run(
        [str(ROOT / ".build/release/cyxwiz-api"), "tokenize", "--no-special", "--model", MODEL],
        input=text, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    reference_tokenizer.encode_special_tokens = True
    expected = reference_tokenizer.encode(text, add_special_tokens=False).ids
    reference_tokenizer.encode_special_tokens = False
    assert json.loads(result.stdout) == expected
    assert 2 not in json.loads(result.stdout)  # <|im_end|> is not produced from plain text


def test_generate_continues_fluently():
    result = run_binary("generate", "--model", MODEL, "--prompt", "The capital of France is", "--max-tokens", "16")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(" Paris")
    assert "generated, finish_reason" in result.stderr


def test_bench_prints_figures():
    result = run_binary("bench", "--model", MODEL, "--prompt-tokens", "32", "--gen-tokens", "8", "--repetitions", "2", "--json", timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [figure["test"] for figure in report["results"]] == ["pp32", "tg8"]
    assert all(figure["medianTokensPerSecond"] > 0 and len(figure["samples"]) == 2 for figure in report["results"])


@pytest.mark.parametrize("args, fragment", [
    (["tokenize", "--model", "/nonexistent.gguf", "x"], "cannot open"),
    (["generate", "--model", str(ROOT / "config.toml"), "--prompt", "x"], "not a GGUF file"),
    (["generate", "--model", MODEL, "--prompt", "x", "--max-tokens", "0"], "--max-tokens"),
])
def test_bad_model_files_and_options_are_one_line_errors(args, fragment):
    result = run_binary(*args)
    assert result.returncode != 0
    assert fragment in result.stderr, result.stderr


def test_embedding_bench_prints_figures():
    result = run_binary("bench", "--model", str(ROOT / "models/all-MiniLM-L6-v2"), "--batch", "4", "--repetitions", "2", "--json", timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [figure["test"] for figure in report["results"]] == ["embed-batch4", "embed-single"]


def test_template_command_renders_exactly_and_reports_errors(tmp_path):
    source = ROOT.parent / "shared/chat-templates/gemma-2.jinja"
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"messages": [{"role": "user", "content": "Hi"}], "tools": None, "add_generation_prompt": True,
                                "bos_token": "<bos>", "eos_token": "<eos>"}))
    result = run_binary("template", "--template", str(source), "--input", str(good))
    assert result.returncode == 0
    assert result.stdout == "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"messages": [{"role": "system", "content": "x"}], "add_generation_prompt": True}))
    result = run_binary("template", "--template", str(source), "--input", str(bad))
    assert result.returncode == 1
    assert result.stderr.strip() == "System role not supported"
    assert result.stdout == ""
