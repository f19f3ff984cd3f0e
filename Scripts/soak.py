#!/usr/bin/env python3
"""Load and soak test of cyxwiz-api: mixed traffic at and beyond capacity for a bounded time,
on loopback, with a report of what was served, what failed and how, latency percentiles and
the server's resident memory over time.

    Scripts/soak.py --serve .build/release/cyxwiz-api --config config.toml --duration 600

The script starts the binary on a free port with a configuration derived from --config: the
same models, a short waiting line (`max_queued_requests`, --queue) so that traffic beyond
capacity must be shed with 503, and a second key ("flood") limited to --flood-rpm requests a
minute, driven harder than that, so that its excess must be refused with 429.

Traffic (--clients threads, each picking at random, weights in MIX): chat streamed and not,
text completions, embeddings (1 to 32 inputs), streams dropped by the client after a few
chunks, bad requests (malformed JSON, unknown model, out-of-range parameters, wrong types);
plus the flood key's tokenize calls. Every answer is classified by status and error code.

Memory: the server's RSS is sampled every --sample seconds. The figure that matters is RSS
with the server idle: after the warm-up (--warmup seconds of the same traffic) the clients
pause until no sequence runs, and RSS is read; at the end likewise. Growth between the two
beyond --max-growth (5%) fails the run, as do a crash, a 5xx other than the 503 of shedding,
a failed connection while the server runs, or an overload that never showed a 503.

Exit status 0 when every check passed; the report is printed, and written as JSON with --json.
"""
import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict

import httpx

from serverprocess import rss_mb, start_server

MIX = {
    "chat_stream": 30,
    "chat": 15,
    "completion": 15,
    "embeddings": 15,
    "stream_dropped": 10,
    "bad_request": 15,
}
TOPICS = ("a lighthouse", "the river mill", "a winter market", "a train station at night", "a garden letter",
          "the harbour at dawn", "a forest meadow", "a candle maker")
# A long shared system prompt (about 200 tokens): requests that carry it reuse its cached keys
# and values (the prefix cache, 64-token chunks), so that cache is filled, hit and evicted too.
SYSTEM = ("You are the harbour-master's assistant in a small fishing town. Answer in plain words, "
          "briefly, and never invent tide times. " * 6).strip()
WORDS = "river mill daughter boats evening lantern harbour keeper message bottle morning winter garden".split()


def percentiles(values):
    if not values:
        return {}
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    return {"n": len(values), "p50": pick(0.50), "p90": pick(0.90), "p99": pick(0.99), "max": ordered[-1]}


class Soak:
    def __init__(self, base, key, flood_key, models):
        self.base = base
        self.key = key
        self.flood_key = flood_key
        self.chat_model, self.completion_model, self.embedding_model = models
        self.lock = threading.Lock()
        self.outcomes = Counter()  # (kind, status, code)
        self.latency = defaultdict(list)  # kind -> seconds, for answered requests
        self.first_token = []  # time to first content chunk of streams
        self.connection_errors = Counter()
        self.stop = threading.Event()
        self.paused = threading.Event()
        self.busy = 0  # requests in flight (to find idle moments)
        self.backoff = threading.local()  # seconds this client thread waits before its next request

    def record(self, kind, status, code, seconds=None, retry_after=None):
        if status in (429, 503):
            # As the OpenAI SDKs do: wait what Retry-After says (capped, with jitter) before the
            # next request, so that shedding is measured against clients that back off.
            try:
                wait = min(float(retry_after or 1), 5.0)
            except ValueError:
                wait = 1.0
            self.backoff.wait = wait * random.uniform(0.5, 1.5)
        with self.lock:
            self.outcomes[(kind, status, code)] += 1
            if seconds is not None and status < 500:
                self.latency[kind].append(seconds)

    @staticmethod
    def code_of(response):
        try:
            return response.json()["error"]["code"]
        except Exception:
            return None

    def headers(self, key=None):
        return {"Authorization": f"Bearer {key or self.key}"}

    # ---- the kinds of traffic ----
    def chat_body(self, rng, stream, max_tokens):
        messages = [{"role": "user", "content": f"Tell me about {rng.choice(TOPICS)}."}]
        if rng.random() < 0.5:
            messages.insert(0, {"role": "system", "content": SYSTEM})
        body = {"model": self.chat_model, "max_tokens": max_tokens, "temperature": rng.choice([0, 0.7, 1.0]),
                "messages": messages}
        if stream:
            body |= {"stream": True, "stream_options": {"include_usage": True}}
        return body

    def stream(self, client, rng, kind, drop_after=None):
        body = self.chat_body(rng, True, rng.randint(16, 96))
        start = time.perf_counter()
        first = None
        with client.stream("POST", self.base + "/chat/completions", json=body, headers=self.headers()) as response:
            if response.status_code != 200:
                response.read()
                return self.record(kind, response.status_code, self.code_of(response), time.perf_counter() - start,
                                   response.headers.get("retry-after"))
            chunks = 0
            ended = "incomplete"
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                if line == "data: [DONE]":
                    ended = None
                    break
                event = json.loads(line[6:])
                if "error" in event:
                    ended = event["error"].get("code")
                    break
                if first is None and any((c.get("delta") or {}).get("content") for c in event.get("choices") or []):
                    first = time.perf_counter() - start
                chunks += 1
                if drop_after is not None and chunks >= drop_after:
                    ended = "dropped by client"
                    break
        if first is not None and drop_after is None:
            with self.lock:
                self.first_token.append(first)
        self.record(kind, 200, ended, time.perf_counter() - start)

    def post(self, client, kind, path, body, key=None, raw=None, root=False):
        """POSTs to the API (`/v1` + path), or with `root` to the server's own path."""
        url = (self.base[: -len("/v1")] if root else self.base) + path
        start = time.perf_counter()
        if raw is not None:
            response = client.post(url, content=raw, headers=self.headers(key) | {"Content-Type": "application/json"})
        else:
            response = client.post(url, json=body, headers=self.headers(key))
        self.record(kind, response.status_code, self.code_of(response) if response.status_code != 200 else None,
                    time.perf_counter() - start, response.headers.get("retry-after"))

    def bad_request(self, client, rng):
        choice = rng.randrange(6)
        chat = self.chat_body(rng, False, 8)
        if choice == 0:
            return self.post(client, "bad_request", "/chat/completions", None, raw=b'{"model": "x", "messages": [')
        if choice == 1:
            return self.post(client, "bad_request", "/chat/completions", chat | {"model": "no-such-model"})
        if choice == 2:
            return self.post(client, "bad_request", "/chat/completions", chat | {"temperature": 7})
        if choice == 3:
            return self.post(client, "bad_request", "/chat/completions", chat | {"messages": "not a list"})
        if choice == 4:
            return self.post(client, "bad_request", "/embeddings", {"model": self.embedding_model, "input": [[-1]]})
        return self.post(client, "bad_request", "/completions", {"model": self.completion_model, "prompt": "x", "n": 99})

    def one(self, client, rng, kind):
        if kind == "chat_stream":
            self.stream(client, rng, kind)
        elif kind == "stream_dropped":
            self.stream(client, rng, kind, drop_after=rng.randint(1, 6))
        elif kind == "chat":
            self.post(client, kind, "/chat/completions", self.chat_body(rng, False, rng.randint(8, 64)))
        elif kind == "completion":
            self.post(client, kind, "/completions", {"model": self.completion_model, "max_tokens": rng.randint(8, 64),
                                                     "prompt": rng.choice(["", SYSTEM + " "]) + f"The story of {rng.choice(TOPICS)} begins",
                                                     "n": rng.choice([1, 1, 2])})
        elif kind == "embeddings":
            count = rng.choice([1, 1, 4, 16, 32])
            texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 24))) for _ in range(count)]
            self.post(client, kind, "/embeddings", {"model": self.embedding_model, "input": texts})
        else:
            self.bad_request(client, rng)

    def client_loop(self, seed):
        rng = random.Random(seed)
        kinds, weights = zip(*MIX.items())
        with httpx.Client(timeout=120) as client:
            while not self.stop.is_set():
                if self.paused.is_set():
                    time.sleep(0.05)
                    continue
                kind = rng.choices(kinds, weights)[0]
                with self.lock:
                    self.busy += 1
                try:
                    self.backoff.wait = 0
                    self.one(client, rng, kind)
                except httpx.HTTPError as error:
                    with self.lock:
                        self.connection_errors[f"{kind}: {type(error).__name__}"] += 1
                finally:
                    with self.lock:
                        self.busy -= 1
                time.sleep(getattr(self.backoff, "wait", 0))

    def flood_loop(self, seed):
        """The flood key: tokenize calls as fast as they are answered, far past its limit."""
        rng = random.Random(seed)
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                if self.paused.is_set():
                    time.sleep(0.05)
                    continue
                try:
                    self.post(client, "flood", "/tokenize", {"model": self.completion_model, "prompt": rng.choice(TOPICS)},
                              key=self.flood_key, root=True)
                except httpx.HTTPError as error:
                    with self.lock:
                        self.connection_errors[f"flood: {type(error).__name__}"] += 1
                time.sleep(0.05)


def metric(root, name, headers):
    text = httpx.get(root + "/metrics", headers=headers, timeout=10).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def idle_rss(soak, root, pid, timeout=120):
    """Pauses the clients, waits until nothing runs, and reads the server's RSS."""
    soak.paused.set()
    deadline = time.time() + timeout
    while time.time() < deadline:
        with soak.lock:
            busy = soak.busy
        if busy == 0 and metric(root, "cyxwiz_active_sequences", soak.headers()) == 0 \
                and metric(root, "cyxwiz_queued_requests", soak.headers()) == 0:
            break
        time.sleep(0.2)
    time.sleep(1)
    value = rss_mb(pid)
    kv = metric(root, "cyxwiz_kv_cache_bytes", soak.headers()) / 2**20
    soak.paused.clear()
    return value, kv


def derived_config(path, queue, flood_rpm):
    text = open(path).read()
    lines = []
    for line in text.splitlines():
        if line.strip().startswith("max_queued_requests"):
            continue
        lines.append(line)
        if line.strip() == "[api]":
            lines.append(f"max_queued_requests = {queue}")
    text = "\n".join(lines) + f'\n\n[api.keys.flood]\nkey = "soak-flood-key"\nmax_requests_per_minute = {flood_rpm}\n'
    base_dir = os.path.dirname(os.path.abspath(path))
    # Relative model paths stay relative to the original file's folder.
    text = text.replace('path = "models/', f'path = "{base_dir}/models/')
    handle = tempfile.NamedTemporaryFile("w", suffix=".toml", prefix="soak-", delete=False)
    handle.write(text)
    handle.close()
    return handle.name


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", required=True, metavar="BIN", help="the cyxwiz-api binary to start")
    parser.add_argument("--config", default="config.toml")
    parser.add_argument("--api-key", default="cyxwiz-local-dev-key")
    parser.add_argument("--duration", type=float, default=600, help="seconds of soak after the warm-up")
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--clients", type=int, default=48, help="concurrent clients (capacity: max_sequences + the queue)")
    parser.add_argument("--queue", type=int, default=8, help="max_queued_requests of the server under test")
    parser.add_argument("--flood-rpm", type=int, default=120)
    parser.add_argument("--sample", type=float, default=10, help="seconds between RSS samples")
    parser.add_argument("--max-growth", type=float, default=0.05)
    parser.add_argument("--models", default="smollm2-135m-instruct,smollm2-135m,all-minilm-l6-v2",
                        help="chat, completion and embedding model ids")
    parser.add_argument("--json", help="also write the report here")
    args = parser.parse_args()

    config = derived_config(args.config, args.queue, args.flood_rpm)
    log = tempfile.NamedTemporaryFile(prefix="soak-server-", suffix=".log", delete=False)
    process, base = start_server(args.serve, config, log=log)
    root = base[: -len("/v1")]
    soak = Soak(base, args.api_key, "soak-flood-key", args.models.split(","))
    samples = []
    started = time.time()
    threads = [threading.Thread(target=soak.client_loop, args=(seed,), daemon=True) for seed in range(args.clients)]
    threads += [threading.Thread(target=soak.flood_loop, args=(10_000 + seed,), daemon=True) for seed in range(2)]
    for thread in threads:
        thread.start()

    def sample_until(end):
        while time.time() < end and process.poll() is None:
            samples.append((round(time.time() - started), rss_mb(process.pid)))
            time.sleep(min(args.sample, max(0.0, end - time.time())))

    sample_until(started + args.warmup)
    warm, warm_kv = idle_rss(soak, root, process.pid)
    soak_start = time.time()
    with soak.lock:
        soak.outcomes.clear(), soak.latency.clear(), soak.first_token.clear()
    sample_until(soak_start + args.duration)
    soak_seconds = time.time() - soak_start
    crashed = process.poll() is not None
    final, final_kv = (None, None) if crashed else idle_rss(soak, root, process.pid)
    soak.stop.set()
    for thread in threads:
        thread.join(timeout=130)
    exit_status = None
    if not crashed:
        process.terminate()
        exit_status = process.wait(timeout=60)

    # ---- the report ----
    outcomes = soak.outcomes
    served = sum(n for (kind, status, code), n in outcomes.items() if status == 200)
    shed = sum(n for (kind, status, code), n in outcomes.items() if status == 503)
    limited = sum(n for (kind, status, code), n in outcomes.items() if status == 429)
    faults = {f"{kind} {status} {code}": n for (kind, status, code), n in outcomes.items() if status >= 500 and status != 503}
    # 5xx other than shedding, connections failing while the server ran, and a wrong answer to
    # a bad request (one that was not refused with a 4xx) are failures.
    wrong_bad = {f"{status} {code}": n for (kind, status, code), n in outcomes.items()
                 if kind == "bad_request" and not (400 <= status < 500 or status == 503)}
    growth = None if crashed else (final - warm) / warm
    checks = {
        "no crash": not crashed,
        "exit status 0 on SIGTERM": exit_status == 0,
        "no 5xx but 503 shedding": not faults,
        "no failed connections": not soak.connection_errors,
        "bad requests get a 4xx": not wrong_bad,
        "overload shed with 503": shed > 0,
        "flood key limited with 429": limited > 0,
        f"idle memory within {args.max_growth:.0%} of warm-up": growth is not None and growth <= args.max_growth,
    }
    report = {
        "command": " ".join(sys.argv),
        "duration_s": round(soak_seconds), "warmup_s": args.warmup, "clients": args.clients, "queue": args.queue,
        "requests": sum(outcomes.values()), "served_200": served, "shed_503": shed, "rate_limited_429": limited,
        "throughput_rps": round(sum(outcomes.values()) / soak_seconds, 1),
        "outcomes": {f"{kind} {status} {code}": n for (kind, status, code), n in sorted(outcomes.items(), key=str)},
        "faults": faults, "connection_errors": dict(soak.connection_errors), "bad_requests_not_refused": wrong_bad,
        "latency_s": {kind: {k: round(v, 3) if isinstance(v, float) else v for k, v in percentiles(values).items()}
                      for kind, values in sorted(soak.latency.items())},
        "time_to_first_token_s": {k: round(v, 3) if isinstance(v, float) else v for k, v in percentiles(soak.first_token).items()},
        "rss_idle_after_warmup_mb": warm, "rss_idle_at_end_mb": final,
        "kv_cache_idle_mb": [warm_kv, final_kv],
        "rss_growth": None if growth is None else round(growth, 4),
        "rss_samples_mb": [(t, round(v)) for t, v in samples if v is not None],
        "server_log": log.name,
        "checks": checks,
    }
    print(f"soak: {report['duration_s']} s after {args.warmup:.0f} s of warm-up, {args.clients} clients + 2 flood, queue {args.queue}")
    print(f"requests {report['requests']} ({report['throughput_rps']}/s): {served} answered 200, {shed} shed 503, {limited} limited 429")
    print("outcomes (kind status code):")
    for name, n in report["outcomes"].items():
        print(f"  {n:7d}  {name}")
    print("latency of answered requests (s):")
    for kind, p in report["latency_s"].items():
        print(f"  {kind:15s} n={p['n']:6d}  p50 {p['p50']:.3f}  p90 {p['p90']:.3f}  p99 {p['p99']:.3f}  max {p['max']:.3f}")
    if report["time_to_first_token_s"]:
        p = report["time_to_first_token_s"]
        print(f"  {'first token':15s} n={p['n']:6d}  p50 {p['p50']:.3f}  p90 {p['p90']:.3f}  p99 {p['p99']:.3f}  max {p['max']:.3f}")
    print("resident memory (MB) every %gs: %s" % (args.sample, " ".join(f"{v}" for t, v in report["rss_samples_mb"])))
    if growth is not None:
        print(f"idle RSS after warm-up {warm:.1f} MB, at the end {final:.1f} MB: {growth:+.2%} "
              f"(KV memory held idle, the prefix cache: {warm_kv:.1f} / {final_kv:.1f} MB)")
    if soak.connection_errors:
        print(f"connection errors: {dict(soak.connection_errors)}")
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
