#!/usr/bin/env python3
"""Independent numpy implementation of a sentence-transformers BERT encoder, for checking ours.

Weights come through the `safetensors` package, token ids through Python `tokenizers`
(truncated to max_seq_length as sentence-transformers does, overriding tokenizer.json's own
truncation and padding); arithmetic is float64, and the batch runs padded with an attention
mask (ours runs packed, so the two also check each other's batching).

  .venv/bin/python Scripts/reference_bert.py --model models/all-MiniLM-L6-v2 \
      --corpus Tests/NodeInferenceTests/Fixtures/embeddings/corpus.json --out .cache/reference/minilm.json
"""

import argparse
import json
import math
import pathlib

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from tokenizers import Tokenizer

QUICKSTART = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]


class Encoder:
    def __init__(self, folder):
        folder = pathlib.Path(folder)
        self.config = json.loads((folder / "config.json").read_text())
        self.w = {k: v.astype(np.float64) for k, v in load_file(str(folder / "model.safetensors")).items()}
        self.max_length = json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_length)
        modules = json.loads((folder / "modules.json").read_text())
        self.normalize = any(m["type"].endswith("Normalize") for m in modules)

    def norm(self, x, name):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.config["layer_norm_eps"]) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def linear(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def embed(self, texts):
        encodings = [self.tokenizer.encode(t.strip()) for t in texts]
        ids = [e.ids for e in encodings]
        B, T = len(ids), max(len(i) for i in ids)
        heads = self.config["num_attention_heads"]
        d = self.config["hidden_size"] // heads
        tokens = np.zeros((B, T), dtype=np.int64)
        mask = np.zeros((B, T))
        for b, seq in enumerate(ids):
            tokens[b, :len(seq)], mask[b, :len(seq)] = seq, 1
        x = (self.w["embeddings.word_embeddings.weight"][tokens] + self.w["embeddings.position_embeddings.weight"][:T][None]
             + self.w["embeddings.token_type_embeddings.weight"][0][None, None])
        x = self.norm(x, "embeddings.LayerNorm")
        bias = (1 - mask)[:, None, None, :] * -1e9
        for i in range(self.config["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            split = lambda y: y.reshape(B, T, heads, d).transpose(0, 2, 1, 3)
            q, k, v = (split(self.linear(x, p + f"attention.self.{n}")) for n in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(B, T, -1)
            x = self.norm(x + self.linear(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = self.linear(x, p + "intermediate.dense")
            h = 0.5 * h * (1 + erf(h / math.sqrt(2)))
            x = self.norm(x + self.linear(h, p + "output.dense"), p + "output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        if self.normalize:
            pooled /= np.maximum(np.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12)
        return ids, pooled


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    encoder = Encoder(args.model)
    texts = json.loads(pathlib.Path(args.corpus).read_text())["inputs"]
    ids, vectors = encoder.embed(texts)
    _, quick = encoder.embed(QUICKSTART)
    similarities = [float(quick[0] @ quick[1]), float(quick[0] @ quick[2]), float(quick[1] @ quick[2])]
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "max_seq_length": encoder.max_length, "quickstart_similarities": similarities,
        "cases": [{"text": t, "ids": i, "embedding": v.tolist()} for t, i, v in zip(texts, ids, vectors)],
    }, ensure_ascii=False))
    print(f"{len(texts)} inputs; quickstart similarities {[round(s, 4) for s in similarities]}")


if __name__ == "__main__":
    main()
