#!/usr/bin/env python3
"""Generates the dequantization fixtures: random blocks of each tensor type, dequantized by
the `gguf` package's numpy reference (gguf.quants.dequantize).

Writes Tests/NodeInferenceTests/Fixtures/quant/<TYPE>.bin (raw blocks) and <TYPE>.f32 (the
expected little-endian float32 values). Deterministic (fixed seed); run from the repository
root with the project's venv: .venv/bin/python Scripts/make-quant-fixtures.py
"""

import pathlib

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf.constants import GGML_QUANT_SIZES
from gguf.quants import dequantize

OUT = pathlib.Path(__file__).resolve().parents[1] / "Tests/NodeInferenceTests/Fixtures/quant"

# Byte offsets of the f16 fields (scales, mins) inside each block: random bytes there could be
# NaN or infinity, so they get finite values in a realistic range instead.
HALF_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
    T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
}


def blocks(qtype: T, count: int, rng: np.random.Generator) -> np.ndarray:
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    if qtype == T.F32:
        return rng.normal(0, 1, count * block_size).astype("<f4").view(np.uint8)
    if qtype == T.F16:
        return rng.normal(0, 1, count * block_size).astype("<f2").view(np.uint8)
    if qtype == T.BF16:
        values = rng.normal(0, 1, count * block_size).astype("<f4").view("<u4")
        return (values >> 16).astype("<u2").view(np.uint8)
    raw = rng.integers(0, 256, size=(count, type_size), dtype=np.uint8)
    for offset in HALF_FIELDS[qtype]:
        halves = (rng.uniform(0.001, 0.05, count) * rng.choice([-1, 1], count)).astype("<f2")
        raw[:, offset:offset + 2] = halves.view(np.uint8).reshape(count, 2)
    return raw.reshape(-1)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261125)
    types = [T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q4_K, T.Q5_K, T.Q6_K]
    for qtype in types:
        block_size, type_size = GGML_QUANT_SIZES[qtype]
        count = max(1, 1024 // block_size) if block_size > 1 else 256
        raw = blocks(qtype, count, rng)
        expected = dequantize(raw.reshape(1, -1), qtype).astype("<f4").reshape(-1)
        assert expected.size == count * block_size and np.isfinite(expected).all()
        (OUT / f"{qtype.name}.bin").write_bytes(raw.tobytes())
        (OUT / f"{qtype.name}.f32").write_bytes(expected.tobytes())
        print(f"{qtype.name}: {count} blocks, {expected.size} values")


if __name__ == "__main__":
    main()
