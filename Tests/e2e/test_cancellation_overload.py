"""Disconnects, timeouts and overload, over real sockets: a client that goes away frees its
sequence, a request past `request_timeout_seconds` is stopped, a full line answers 503 with
`Retry-After`, and the OpenAI SDK's retries wait as told."""

import json
import socket
import threading
import time

import httpx
import openai
import pytest
from openai import OpenAI

from conftest import ROOT, SHIPPED_CONFIG, SHIPPED_KEY, RunningServer

# A completion that would run for thousands of tokens: both end tokens are banned.
ENDLESS = {"model": "smollm2-135m", "prompt": "Once upon a time", "temperature": 0.9, "logit_bias": {"2": -100, "0": -100}}
AUTH = {"Authorization": f"Bearer {SHIPPED_KEY}"}


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    """One request at a time per model, none waiting, 1.5 s per request."""
    folder = tmp_path_factory.mktemp("strict")
    (folder / "models").symlink_to(ROOT / "models")
    config = folder / "config.toml"
    config.write_text(SHIPPED_CONFIG.read_text().replace(
        "[api]\n", "[api]\nmax_queued_requests = 0\nrequest_timeout_seconds = 1.5\n", 1))
    server = RunningServer(config)
    yield server
    server.stop()


def metric(server, name):
    text = httpx.get(f"{server.base_url}/metrics", headers=AUTH).text
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def raw_request(port, body: dict) -> socket.socket:
    data = json.dumps(body).encode()
    connection = socket.create_connection(("127.0.0.1", port))
    connection.sendall((f"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SHIPPED_KEY}\r\n"
                        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data)
    return connection


def test_a_client_that_disconnects_before_a_whole_answer_frees_its_sequence():
    # A server of its own: the shared one's KV gauge also moves with other tests' requests and
    # its prefix cache.
    server = RunningServer(SHIPPED_CONFIG)
    try:
        assert (metric(server, 'cyxwiz_kv_cache_bytes{model="smollm2-135m"}') or 0) == 0
        connection = raw_request(server.port, {**ENDLESS, "max_tokens": 4000})
        assert wait_for(lambda: metric(server, "cyxwiz_active_sequences") == 1, 10)
        # Its cache grows as its prompt goes in (blocks are allocated on first write).
        assert wait_for(lambda: metric(server, 'cyxwiz_kv_cache_bytes{model="smollm2-135m"}') > 0, 5)
        connection.close()
        started = time.monotonic()
        assert wait_for(lambda: metric(server, "cyxwiz_active_sequences") == 0, 1.0)
        assert time.monotonic() - started < 1.0
        # Its KV cache went with it (the prompt is under one 64-token chunk, so nothing stays in
        # the prefix cache), and the log and metrics say the client left (nginx's 499).
        assert metric(server, 'cyxwiz_kv_cache_bytes{model="smollm2-135m"}') == 0
        assert wait_for(lambda: (metric(server, 'cyxwiz_http_requests_total{path="/v1/completions",status="499"}') or 0) >= 1, 2)
    finally:
        server.stop()


def test_the_server_still_answers_after_disconnects(server):
    client = OpenAI(base_url=f"{server.base_url}/v1", api_key=SHIPPED_KEY, max_retries=0)
    for _ in range(3):
        reply = client.completions.create(model="smollm2-135m", prompt="One, two,", max_tokens=3, temperature=0)
        assert reply.usage.completion_tokens >= 1


def test_a_whole_request_past_the_timeout_is_stopped_with_504(strict):
    client = OpenAI(base_url=f"{strict.base_url}/v1", api_key=SHIPPED_KEY, max_retries=0)
    started = time.monotonic()
    with pytest.raises(openai.InternalServerError) as caught:
        client.completions.create(**ENDLESS, max_tokens=4000)
    elapsed = time.monotonic() - started
    assert caught.value.status_code == 504
    assert caught.value.code == "request_timeout"
    assert 1.4 < elapsed < 5
    assert wait_for(lambda: metric(strict, "cyxwiz_active_sequences") == 0, 1)


def test_a_stream_past_the_timeout_ends_with_an_error_event(strict):
    events = []
    with httpx.stream("POST", f"{strict.base_url}/v1/completions", headers=AUTH, json={**ENDLESS, "max_tokens": 4000, "stream": True},
                      timeout=30) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(line[6:])
    assert len(events) > 2
    assert json.loads(events[-1])["error"]["code"] == "request_timeout"
    assert "[DONE]" not in events


def test_a_full_line_answers_503_with_retry_after(strict):
    busy = raw_request(strict.port, {**ENDLESS, "max_tokens": 4000, "stream": True})
    try:
        assert wait_for(lambda: metric(strict, "cyxwiz_active_sequences") == 1, 10)
        client = OpenAI(base_url=f"{strict.base_url}/v1", api_key=SHIPPED_KEY, max_retries=0)
        with pytest.raises(openai.InternalServerError) as caught:
            client.completions.create(model="smollm2-135m", prompt="Hello", max_tokens=2)
        assert caught.value.status_code == 503
        assert caught.value.code == "server_overloaded"
        assert caught.value.response.headers["retry-after"] == "1"
        # Embeddings have their own line and are not refused.
        assert client.embeddings.create(model="all-minilm-l6-v2", input="still here").data
    finally:
        busy.close()
    assert wait_for(lambda: metric(strict, "cyxwiz_active_sequences") == 0, 1)


def test_the_sdk_retries_after_the_time_retry_after_gives(strict):
    # A short generation holds the only place; the SDK's request is refused with 503 and
    # Retry-After: 1, and must wait that second (its own backoff would be under 0.5 s).
    holder = threading.Thread(target=lambda: httpx.post(
        f"{strict.base_url}/v1/completions", headers=AUTH, json={**ENDLESS, "max_tokens": 30}, timeout=30))
    holder.start()
    assert wait_for(lambda: metric(strict, "cyxwiz_active_sequences") == 1, 10)
    log = []
    hooks = {"request": [lambda request: log.append(("request", time.monotonic()))],
             "response": [lambda response: log.append((response.status_code, time.monotonic()))]}
    client = OpenAI(base_url=f"{strict.base_url}/v1", api_key=SHIPPED_KEY, max_retries=6,
                    http_client=httpx.Client(event_hooks=hooks))
    reply = client.completions.create(model="smollm2-135m", prompt="Hello", max_tokens=2)
    holder.join()
    assert reply.choices[0].text is not None
    statuses = [entry[0] for entry in log if entry[0] != "request"]
    assert statuses[0] == 503 and statuses[-1] == 200
    for index, entry in enumerate(log):
        if entry[0] == 503:
            assert log[index + 1][0] == "request"
            assert log[index + 1][1] - entry[1] >= 0.95
