#!/usr/bin/env python3
"""HTTP benchmark of an OpenAI-compatible server: time to first token, per-stream decode
rate, aggregate decode rate at several numbers of concurrent streams, embeddings throughput
and latency, and the server's resident memory.

Works against any OpenAI-compatible base URL (ours, llama-server, vLLM), so two servers are
measured by the same code:

    Scripts/bench-server.py --base-url http://127.0.0.1:8080/v1 --api-key KEY \
        --chat-model smollm2-135m-instruct --embedding-model all-minilm-l6-v2

or, for our binary, let the script start it on a free loopback port and stop it afterwards:

    Scripts/bench-server.py --serve .build/release/cyxwiz-api --config config.toml

Every figure is the median of --repetitions runs, with the spread (min–max). Streams ask
for `max_tokens` tokens of a story; a rate counts the tokens the server reports in `usage`
(or, if it does not report usage, one token per content chunk).
Every stream repeats one prompt, which a server with a prompt cache (ours, llama-server)
answers without a prefill; `--fresh-prompts` makes each one new, so time to first token
includes the prompt's prefill.
"""
import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid

import httpx

from serverprocess import rss_mb, start_server

STORY = "Write a long story about a lighthouse keeper who finds a message in a bottle. Describe every day of the week in detail."
WORDS = ("river mill daughter boats evening lantern harbour keeper message bottle morning winter "
         "garden letter window bridge market singer candle forest meadow station").split()


def sentence(index, words):
    return " ".join(WORDS[(index * 7 + k * 3) % len(WORDS)] for k in range(words))


async def stream_once(client, url, headers, model, max_tokens, fresh):
    # A fresh prompt starts with a token never sent before, so no prompt cache can serve it
    # (a shared system prompt ahead of it still can, as in a new conversation).
    content = f"({uuid.uuid4().hex[:8]}) {STORY}" if fresh else STORY
    body = {"model": model, "stream": True, "max_tokens": max_tokens, "temperature": 0,
            "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": content}]}
    start = time.perf_counter()
    first = None
    chunks = 0
    usage_tokens = None
    async with client.stream("POST", url + "/chat/completions", headers=headers, json=body) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            event = json.loads(line[6:])
            if event.get("usage"):
                usage_tokens = event["usage"].get("completion_tokens")
            for choice in event.get("choices") or []:
                if (choice.get("delta") or {}).get("content"):
                    chunks += 1
                    if first is None:
                        first = time.perf_counter()
    end = time.perf_counter()
    tokens = usage_tokens if usage_tokens is not None else chunks
    first = first or end
    return {"ttft": first - start, "tokens": tokens, "decode_seconds": max(1e-9, end - first), "total": end - start}


async def concurrent(url, headers, model, streams, max_tokens, fresh=False):
    limits = httpx.Limits(max_connections=streams + 4)
    async with httpx.AsyncClient(timeout=600, limits=limits) as client:
        start = time.perf_counter()
        results = await asyncio.gather(*(stream_once(client, url, headers, model, max_tokens, fresh) for _ in range(streams)))
        wall = time.perf_counter() - start
    tokens = sum(r["tokens"] for r in results)
    return {"aggregate": tokens / wall, "tokens": tokens,
            "per_stream": statistics.median(r["tokens"] / r["decode_seconds"] for r in results),
            "ttft": statistics.median(r["ttft"] for r in results)}


def embed(url, headers, model, batch, words, repetitions):
    inputs = [sentence(i, words) for i in range(batch)]
    rates, singles = [], []
    with httpx.Client(timeout=600) as client:
        def post(payload):
            response = client.post(url + "/embeddings", headers=headers,
                                   json={"model": model, "input": payload, "encoding_format": "float"})
            response.raise_for_status()
            return response.json()
        post(inputs)  # warm-up
        for _ in range(repetitions):
            start = time.perf_counter()
            post(inputs)
            rates.append(batch / (time.perf_counter() - start))
        for i in range(repetitions * 4):
            start = time.perf_counter()
            post(sentence(i + batch, words))
            singles.append((time.perf_counter() - start) * 1000)
    return rates, singles


def summary(values, unit, digits=1):
    return f"median {statistics.median(values):.{digits}f} {unit}  (min {min(values):.{digits}f}, max {max(values):.{digits}f}, n={len(values)})"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="an OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1")
    parser.add_argument("--serve", metavar="BIN", help="start this cyxwiz-api binary on a free port instead")
    parser.add_argument("--config", default="config.toml", help="with --serve: the configuration")
    parser.add_argument("--api-key", default=os.environ.get("CYXWIZ_API_KEY", "cyxwiz-local-dev-key"))
    parser.add_argument("--chat-model", default="smollm2-135m-instruct", help="'' skips the streams")
    parser.add_argument("--embedding-model", default="all-minilm-l6-v2", help="'' skips embeddings")
    parser.add_argument("--pid", type=int, help="the server's process id, to report its resident memory")
    parser.add_argument("--streams", default="1,4,8,16", help="concurrent stream counts ('': none)")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--fresh-prompts", action="store_true",
                        help="a prompt never seen before per stream, so time to first token includes its prefill "
                             "(by default every stream repeats one prompt, which a prompt cache serves)")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--words", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if bool(args.base_url) == bool(args.serve):
        parser.error("give exactly one of --base-url and --serve")

    process = None
    url = args.base_url.rstrip("/") if args.base_url else None
    if args.serve:
        process, url = start_server(args.serve, args.config)
        args.pid = process.pid
    headers = {"Authorization": f"Bearer {args.api_key}"}
    report = {"base_url": url, "load_before": os.getloadavg(), "streams": {}}
    try:
        # '' skips the chat part (an embeddings-only server such as `llama-server --embeddings`).
        counts = [int(s) for s in args.streams.split(",") if s] if args.chat_model else []
        if counts:
            asyncio.run(concurrent(url, headers, args.chat_model, 1, 16))  # warm-up
        for streams in counts:
            runs = [asyncio.run(concurrent(url, headers, args.chat_model, streams, args.max_tokens, args.fresh_prompts)) for _ in range(args.repetitions)]
            report["streams"][streams] = runs
            if not args.json:
                print(f"{streams:>2} streams: aggregate {summary([r['aggregate'] for r in runs], 'tok/s')}")
                print(f"            per stream {summary([r['per_stream'] for r in runs], 'tok/s')}")
                print(f"            time to first token {summary([r['ttft'] * 1000 for r in runs], 'ms', 0)}"
                      f"  tokens per stream ~{statistics.median(r['tokens'] for r in runs) / streams:.0f}")
        if args.embedding_model:
            rates, singles = embed(url, headers, args.embedding_model, args.batch, args.words, args.repetitions)
            report["embeddings"] = {"sentences_per_second": rates, "single_ms": singles}
            if not args.json:
                print(f"embeddings, batches of {args.batch} sentences of {args.words} words: {summary(rates, 'sentences/s')}")
                print(f"embeddings, one sentence: {summary(singles, 'ms', 2)}")
        if args.pid:
            report["rss_mb"] = rss_mb(args.pid)
            if not args.json and report["rss_mb"] is not None:
                print(f"server resident memory after the runs: {report['rss_mb']:.0f} MB")
        report["load_after"] = os.getloadavg()
        if args.json:
            print(json.dumps(report))
        else:
            print("load average before: %.2f %.2f %.2f" % report["load_before"])
            print("load average after:  %.2f %.2f %.2f" % report["load_after"])
    finally:
        if process:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
