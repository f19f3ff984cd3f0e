#!/usr/bin/env python3
"""Independent numpy implementation of the Llama-family forward pass, for checking ours.

Weights come from a GGUF file (read and dequantized by the `gguf` package) or a Hugging Face
folder (config.json + safetensors, parsed here); arithmetic is float64. For each
prompt it writes the logits at every position and a greedy continuation with the top-2
margin of every step:

  .venv/bin/python Scripts/reference_llama.py --model models/SmolLM2-135M-Instruct.Q4_1.gguf \
      --out .cache/reference/smollm2 [--continuation 32]
  .venv/bin/python Scripts/reference_llama.py --hf .cache/fixtures/tiny-llama --out .cache/reference/tiny-llama

Output: <out>/reference.json (prompts, token ids, greedy tokens, margins) and
<out>/prompt-<i>.f32 (little-endian float32 logits, positions x vocabulary).
"""

import argparse
import json
import pathlib
import sys

import numpy as np
from tokenizers import Tokenizer
from gguf import GGUFReader
from gguf.quants import dequantize

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from gguf_tokenizer import field, from_gguf  # noqa: E402

PROMPTS = [
    "The capital of France is",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "def fibonacci(n):\n    if n <",
    "Once upon a time, in a small village, there lived",
]
# Longer than one prompt chunk (64 positions), so that the chunked prefill and its attention
# across chunks are checked too: the real model only (~94 tokens), as the tiny models' 256
# positions hold fewer characters than this in their small vocabulary.
LONG_PROMPTS = [
    "The history of the printing press begins in the fifteenth century, when Johannes Gutenberg combined movable metal type, "
    "oil-based inks and a wooden screw press into a system that could produce books far faster than any scribe. Within fifty "
    "years, presses were running in more than two hundred cities across Europe, and the price of a book fell sharply. Pamphlets, "
    "maps and calendars followed, and so did arguments about who should be allowed to print them. Historians still disagree about",
]


def read_safetensors(path):
    """name -> float64 array, for F32/F16/BF16 tensors (BF16 has no numpy dtype)."""
    raw = pathlib.Path(path).read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + size])
    data = raw[8 + size:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        chunk = data[begin:end]
        if info["dtype"] == "BF16":
            values = (np.frombuffer(chunk, "<u2").astype("<u4") << 16).view("<f4")
        else:
            values = np.frombuffer(chunk, {"F32": "<f4", "F16": "<f2"}[info["dtype"]])
        out[name] = values.astype(np.float64).reshape(info["shape"])
    return out


HF_TO_GGUF = {
    "input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output", "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
}


class HFModel:
    """A Hugging Face folder, exposed with the GGUF model's attributes and tensor names."""

    def __init__(self, folder):
        folder = pathlib.Path(folder)
        config = json.loads((folder / "config.json").read_text())
        index = folder / "model.safetensors.index.json"
        files = sorted(set(json.loads(index.read_text())["weight_map"].values())) if index.exists() else ["model.safetensors"]
        hf = {}
        for file in files:
            hf.update(read_safetensors(folder / file))
        self.layers = config["num_hidden_layers"]
        self.dim = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads", self.heads)
        self.head_dim = config.get("head_dim", self.dim // self.heads)
        self.rope_dim = self.head_dim
        self.base = config.get("rope_theta", 10000.0)
        self.eps = config.get("rms_norm_eps", 1e-6)
        self.neox = True
        self.scaling = config.get("rope_scaling")
        self.w = {"token_embd.weight": hf["model.embed_tokens.weight"], "output_norm.weight": hf["model.norm.weight"]}
        for name, value in hf.items():
            if name.startswith("model.layers."):
                _, _, layer, rest = name.split(".", 3)
                module, kind = rest.rsplit(".", 1)
                self.w[f"blk.{layer}.{HF_TO_GGUF[module]}.{kind}"] = value
        self.output = hf.get("lm_head.weight", self.w["token_embd.weight"])

    norm = lambda self, x, w: Model.norm(self, x, w)
    logits = lambda self, ids: Model.logits(self, ids)
    rope = lambda self, x, p: Model.rope(self, x, p)

    def inverse_frequencies(self):
        inv = self.base ** (-np.arange(0, self.rope_dim, 2) / self.rope_dim)
        kind = (self.scaling or {}).get("rope_type", (self.scaling or {}).get("type"))
        if kind == "linear":
            inv = inv / self.scaling["factor"]
        elif kind == "llama3":
            s = self.scaling
            factor, low, high, original = s["factor"], s["low_freq_factor"], s["high_freq_factor"], s["original_max_position_embeddings"]
            wavelength = 2 * np.pi / inv
            scaled = np.where(wavelength > original / low, inv / factor, inv)
            smooth = (original / wavelength - low) / (high - low)
            smoothed = (1 - smooth) * scaled / factor + smooth * scaled
            medium = (wavelength >= original / high) & (wavelength <= original / low)
            inv = np.where(medium, smoothed, scaled)
        return inv


class Model:
    def inverse_frequencies(self):
        return self.base ** (-2.0 * np.arange(self.rope_dim // 2) / self.rope_dim)

    def __init__(self, path):
        reader = GGUFReader(path)
        arch = field(reader, "general.architecture")
        get = lambda key, default=None: field(reader, f"{arch}.{key}") if field(reader, f"{arch}.{key}") is not None else default
        self.layers = get("block_count")
        self.dim = get("embedding_length")
        self.heads = get("attention.head_count")
        self.kv_heads = get("attention.head_count_kv", self.heads)
        self.head_dim = self.dim // self.heads
        self.rope_dim = get("rope.dimension_count", self.head_dim)
        self.base = get("rope.freq_base", 10000.0)
        self.eps = get("attention.layer_norm_rms_epsilon", 1e-5)
        self.neox = arch == "qwen2"
        self.w = {}
        for t in reader.tensors:
            values = dequantize(t.data, t.tensor_type)
            self.w[t.name] = np.asarray(values, dtype=np.float64).reshape([int(d) for d in t.shape[::-1]])
        self.output = self.w.get("output.weight", self.w["token_embd.weight"])

    def norm(self, x, weight):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * weight

    def rope(self, x, positions):
        # x: (T, heads, head_dim)
        pairs = self.rope_dim // 2
        inv = self.inverse_frequencies()
        angle = positions[:, None] * inv[None, :]
        cos, sin = np.cos(angle)[:, None, :], np.sin(angle)[:, None, :]
        out = x.copy()
        if self.neox:
            a, b = x[..., :pairs], x[..., pairs:2 * pairs]
            out[..., :pairs], out[..., pairs:2 * pairs] = a * cos - b * sin, a * sin + b * cos
        else:
            a, b = x[..., 0:2 * pairs:2], x[..., 1:2 * pairs:2]
            out[..., 0:2 * pairs:2], out[..., 1:2 * pairs:2] = a * cos - b * sin, a * sin + b * cos
        return out

    def logits(self, ids):
        T = len(ids)
        positions = np.arange(T, dtype=np.float64)
        x = self.w["token_embd.weight"][ids]
        mask = np.triu(np.full((T, T), -np.inf), k=1)
        group = self.heads // self.kv_heads
        for i in range(self.layers):
            p = f"blk.{i}."
            h = self.norm(x, self.w[p + "attn_norm.weight"])
            q = h @ self.w[p + "attn_q.weight"].T + self.w.get(p + "attn_q.bias", 0)
            k = h @ self.w[p + "attn_k.weight"].T + self.w.get(p + "attn_k.bias", 0)
            v = h @ self.w[p + "attn_v.weight"].T + self.w.get(p + "attn_v.bias", 0)
            q = self.rope(q.reshape(T, self.heads, self.head_dim), positions)
            k = self.rope(k.reshape(T, self.kv_heads, self.head_dim), positions)
            v = v.reshape(T, self.kv_heads, self.head_dim)
            k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
            scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(self.head_dim) + mask
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            attention = np.einsum("hts,shd->thd", scores, v).reshape(T, -1)
            x = x + attention @ self.w[p + "attn_output.weight"].T
            h = self.norm(x, self.w[p + "ffn_norm.weight"])
            gate = h @ self.w[p + "ffn_gate.weight"].T
            up = h @ self.w[p + "ffn_up.weight"].T
            x = x + (gate / (1 + np.exp(-gate)) * up) @ self.w[p + "ffn_down.weight"].T
        return self.norm(x, self.w["output_norm.weight"]) @ self.output.T


def main():
    parser = argparse.ArgumentParser()
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="a GGUF file")
    source.add_argument("--hf", help="a Hugging Face folder (config.json, safetensors, tokenizer.json)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--continuation", type=int, default=32)
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.model:
        tokenizer, model = from_gguf(args.model), Model(args.model)
    else:
        tokenizer, model = Tokenizer.from_file(str(pathlib.Path(args.hf) / "tokenizer.json")), HFModel(args.hf)
    entries = []
    for index, prompt in enumerate(PROMPTS + (LONG_PROMPTS if args.model else [])):
        ids = tokenizer.encode(prompt, add_special_tokens=False).ids
        logits = model.logits(ids)
        logits.astype("<f4").tofile(out / f"prompt-{index}.f32")
        sequence, margins = list(ids), []
        for _ in range(args.continuation):
            last = model.logits(sequence)[-1]
            top2 = np.sort(last)[-2:]
            margins.append(float(top2[1] - top2[0]))
            sequence.append(int(np.argmax(last)))
        entries.append({
            "prompt": prompt, "ids": ids, "greedy": sequence[len(ids):], "margins": margins,
            "greedy_text": tokenizer.decode(sequence[len(ids):], skip_special_tokens=False),
        })
        print(f"prompt {index}: {len(ids)} tokens -> {entries[-1]['greedy_text']!r}")
    (out / "reference.json").write_text(json.dumps({"vocabulary": model.output.shape[0], "prompts": entries}, indent=1))


if __name__ == "__main__":
    main()
