#!/usr/bin/env python3
"""A tiny SentencePiece BPE model with byte fallback, as Llama 2 and Mistral use, written as a
metadata-only GGUF (`tokenizer.ggml.model = llama`), plus what two independent references make
of the committed corpus: `sentencepiece` itself, and Python `tokenizers` built from the same
vocabulary as Hugging Face converts Llama tokenizers (BPE with byte fallback, merges ordered by
score). The script fails if the two disagree.

  .venv/bin/python Scripts/make-spm-fixture.py --corpus Tests/NodeInferenceTests/Fixtures/tokenizer/corpus.json \
      --out .cache/fixtures/spm
"""

import argparse
import io
import json
import pathlib

import sentencepiece as spm
from gguf import GGUFWriter
from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers

TEXT = """The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.
In 2024, 1,234 people visited the café; naïve visitors paid $5.50 each! Don't they'll we're.
def main():\n    print("hello, world")\n    return 0\nSome words repeat: token tokens tokenizer tokenization.
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(TEXT.splitlines() * 30), model_writer=model, model_type="bpe", vocab_size=400,
        byte_fallback=True, character_coverage=1.0, split_digits=True, allow_whitespace_only_pieces=True,
        remove_extra_whitespaces=False, normalization_rule_name="identity", unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        minloglevel=2)
    processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
    size = processor.get_piece_size()
    pieces = [processor.id_to_piece(i) for i in range(size)]
    scores = [processor.get_score(i) for i in range(size)]
    types = []
    for i in range(size):
        if processor.is_unknown(i):
            types.append(2)
        elif processor.is_control(i):
            types.append(3)
        elif processor.is_byte(i):
            types.append(6)
        else:
            types.append(1)

    writer = GGUFWriter(str(out / "spm.gguf"), "llama")
    writer.add_tokenizer_model("llama")
    writer.add_token_list(pieces)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(True)
    writer.add_add_space_prefix(True)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    # The Hugging Face conversion: every piece that splits into two pieces gives a merge,
    # ordered by the merged piece's score (highest first).
    vocab = {piece: i for i, piece in enumerate(pieces)}
    merges = []
    for piece, index in vocab.items():
        for cut in range(1, len(piece)):
            left, right = piece[:cut], piece[cut:]
            if left in vocab and right in vocab:
                merges.append((left, right, scores[index], vocab[left], vocab[right]))
    merges.sort(key=lambda m: (-m[2], m[3], m[4]))
    hf = Tokenizer(models.BPE(vocab=vocab, merges=[(a, b) for a, b, *_ in merges], unk_token=pieces[0],
                              byte_fallback=True, fuse_unk=True))
    hf.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    hf.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                    decoders.Strip(" ", 1, 0)])
    hf.add_special_tokens([AddedToken(pieces[i], special=True, normalized=False) for i in (0, 1, 2)])

    cases = []
    for text in json.loads(pathlib.Path(args.corpus).read_text())["strings"]:
        ids = processor.encode(text) if text else []
        hf_ids = hf.encode(text, add_special_tokens=False).ids if text else []
        if ids != hf_ids:
            raise SystemExit(f"sentencepiece and tokenizers disagree on {text!r}: {ids} vs {hf_ids}")
        cases.append({"text": text, "ids": ids, "decoded": processor.decode(ids)})
    (out / "reference.json").write_text(json.dumps({"cases": cases}, ensure_ascii=False, indent=0))
    print(f"{size} pieces, {len(cases)} strings agree -> {out}")


if __name__ == "__main__":
    main()
