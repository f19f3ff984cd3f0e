#!/usr/bin/env python3
"""What Python's `tokenizers` makes of the committed corpus: token ids from a GGUF file's own
vocabulary (Scripts/gguf_tokenizer.py), and the pieces of every pre-tokenizer we implement.

  .venv/bin/python Scripts/reference_tokenizer.py --model models/SmolLM2-135M-Instruct.Q4_1.gguf \
      --corpus Tests/NodeInferenceTests/Fixtures/tokenizer/corpus.json --out .cache/reference/tokenizer.json
"""

import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from gguf_tokenizer import from_gguf, pre_tokenizer  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

# Our names (PreTokenizer cases) to GGUF `tokenizer.ggml.pre` names.
PRE_TOKENIZERS = {"gpt2": "gpt-2", "smollm": "smollm", "llama3": "llama-bpe", "qwen2": "qwen2"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--hf", action="append", default=[], help="a folder with a tokenizer.json to compare too")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    corpus = json.loads(pathlib.Path(args.corpus).read_text())["strings"]
    tokenizer = from_gguf(args.model)
    result = {"model": pathlib.Path(args.model).name, "cases": [], "splits": {}}
    for text in corpus:
        special = tokenizer.encode(text, add_special_tokens=False).ids
        # Special-token text as plain text: encode without the added tokens' splitting.
        tokenizer.encode_special_tokens = True
        plain = tokenizer.encode(text, add_special_tokens=False).ids
        tokenizer.encode_special_tokens = False
        result["cases"].append({
            "text": text, "ids": special, "plain_ids": plain,
            "decoded": tokenizer.decode(special, skip_special_tokens=False),
        })
    for ours, gguf_name in PRE_TOKENIZERS.items():
        splitter = pre_tokenizer(gguf_name)
        # ByteLevel maps bytes to its alphabet; keep only the offsets to recover the pieces.
        result["splits"][ours] = [
            [text[start:end] for _, (start, end) in splitter.pre_tokenize_str(text)] for text in corpus
        ]
    result["folders"] = {}
    for folder in args.hf:
        hf = Tokenizer.from_file(str(pathlib.Path(folder) / "tokenizer.json"))
        result["folders"][pathlib.Path(folder).name] = [
            {"text": text, "ids": hf.encode(text, add_special_tokens=True).ids} for text in corpus
        ]
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=0))
    print(f"{len(corpus)} strings -> {out}")


if __name__ == "__main__":
    main()
