#!/usr/bin/env python3
"""Generates tiny random-weight Hugging Face checkpoints for unit tests (never committed):

  <out>/tiny-llama  llama, tied embeddings, llama3 RoPE scaling, F32/F16/BF16 tensors,
                    sharded in two files with model.safetensors.index.json
  <out>/tiny-qwen2  qwen2, q/k/v biases, separate lm_head, linear RoPE scaling, one file

Both share a byte-level BPE tokenizer.json trained here with Python's `tokenizers` (Llama-3
split, NFC normalizer, ChatML special tokens). Deterministic.

  .venv/bin/python Scripts/make-tiny-models.py --out .cache/fixtures
"""

import argparse
import json
import pathlib
import struct

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
TEXT = """The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.
In 2024, 1,234 people visited the café; naïve visitors paid $5.50 each! Don't they'll we're.
def main():\n    print("hello, world")\n    return 0\n日本語のテキスト、中文字符、한국어. Ελληνικά и русский.
""" * 20


def save_safetensors(path, tensors):
    """Writes the safetensors format by hand, so BF16 needs no torch."""
    header, blobs, offset = {}, [], 0
    for name, (dtype, array) in tensors.items():
        if dtype == "BF16":
            raw = (np.asarray(array, dtype="<f4").view("<u4") >> 16).astype("<u2").tobytes()
        else:
            raw = np.asarray(array, dtype={"F32": "<f4", "F16": "<f2"}[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def stored(dtype, array):
    """The values as the file stores them (what the reference must compute with)."""
    if dtype == "BF16":
        return ((np.asarray(array, dtype="<f4").view("<u4") >> 16) << 16).view("<f4")
    return np.asarray(array, dtype={"F32": "<f4", "F16": "<f2"}[dtype]).astype("<f4")


def train_tokenizer(folder):
    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_SPLIT), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator([TEXT], trainer=trainer)
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "bos_token": None, "eos_token": "<|im_end|>", "add_bos_token": False,
    }))
    return tokenizer.get_vocab_size()


def make(folder, model_type, vocab, rng, shards, dtypes, biases, tied, rope_scaling):
    folder.mkdir(parents=True, exist_ok=True)
    dim, ffn, layers, heads, kv_heads = 64, 128, 2, 4, 2
    head_dim = dim // heads
    config = {
        "model_type": model_type, "hidden_size": dim, "intermediate_size": ffn, "num_hidden_layers": layers,
        "num_attention_heads": heads, "num_key_value_heads": kv_heads, "max_position_embeddings": 256,
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "vocab_size": vocab, "tie_word_embeddings": tied,
        "rope_scaling": rope_scaling,
    }
    (folder / "config.json").write_text(json.dumps(config, indent=1))
    tensors = {}

    def add(name, shape, kind, scale=0.08):
        values = (1 + rng.normal(0, 0.1, shape)) if kind == "norm" else rng.normal(0, scale, shape)
        tensors[name] = (dtypes.get(name.split(".")[-2], "F32"), values.astype("<f4"))

    add("model.embed_tokens.weight", (vocab, dim), "w", 0.5)
    for i in range(layers):
        p = f"model.layers.{i}."
        add(p + "input_layernorm.weight", (dim,), "norm")
        add(p + "self_attn.q_proj.weight", (heads * head_dim, dim), "w")
        add(p + "self_attn.k_proj.weight", (kv_heads * head_dim, dim), "w")
        add(p + "self_attn.v_proj.weight", (kv_heads * head_dim, dim), "w")
        add(p + "self_attn.o_proj.weight", (dim, heads * head_dim), "w")
        if biases:
            add(p + "self_attn.q_proj.bias", (heads * head_dim,), "w", 0.2)
            add(p + "self_attn.k_proj.bias", (kv_heads * head_dim,), "w", 0.2)
            add(p + "self_attn.v_proj.bias", (kv_heads * head_dim,), "w", 0.2)
        add(p + "post_attention_layernorm.weight", (dim,), "norm")
        add(p + "mlp.gate_proj.weight", (ffn, dim), "w")
        add(p + "mlp.up_proj.weight", (ffn, dim), "w")
        add(p + "mlp.down_proj.weight", (dim, ffn), "w")
    add("model.norm.weight", (dim,), "norm")
    if not tied:
        add("lm_head.weight", (vocab, dim), "w", 0.5)

    names = list(tensors)
    if shards == 1:
        save_safetensors(folder / "model.safetensors", tensors)
    else:
        half = len(names) // 2
        parts = {"model-00001-of-00002.safetensors": names[:half], "model-00002-of-00002.safetensors": names[half:]}
        for file, members in parts.items():
            save_safetensors(folder / file, {n: tensors[n] for n in members})
        index = {"metadata": {}, "weight_map": {n: f for f, members in parts.items() for n in members}}
        (folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    rng = np.random.default_rng(7)
    for name in ("tiny-llama", "tiny-qwen2"):
        (out / name).mkdir(parents=True, exist_ok=True)
    vocab = train_tokenizer(out / "tiny-llama")
    for file in ("tokenizer.json", "tokenizer_config.json"):
        (out / "tiny-qwen2" / file).write_bytes((out / "tiny-llama" / file).read_bytes())
    make(out / "tiny-llama", "llama", vocab, rng, shards=2,
         dtypes={"q_proj": "BF16", "k_proj": "BF16", "v_proj": "F16", "o_proj": "F16"},
         biases=False, tied=True,
         rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                       "original_max_position_embeddings": 64})
    make(out / "tiny-qwen2", "qwen2", vocab, rng, shards=1, dtypes={"gate_proj": "F16"},
         biases=True, tied=False, rope_scaling={"type": "linear", "factor": 2.0})
    print(f"tiny models in {out} (vocabulary {vocab})")


if __name__ == "__main__":
    main()
