"""Production behaviour over a real socket: rate limits, CORS, logs without keys, concurrency."""

import concurrent.futures

import httpx
import openai
import pytest
from openai import OpenAI

from conftest import ROOT, SHIPPED_CONFIG, SHIPPED_KEY, RunningServer


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    folder = tmp_path_factory.mktemp("limited")
    (folder / "models").symlink_to(ROOT / "models")
    text = (SHIPPED_CONFIG.read_text()
            .replace("max_requests_per_minute = 0", "max_requests_per_minute = 4")
            .replace("max_tokens_per_minute = 0", "max_tokens_per_minute = 100000")
            .replace("cors_enabled = false", "cors_enabled = true")
            .replace("cors_origins = []", 'cors_origins = ["https://app.example"]'))
    config = folder / "config.toml"
    config.write_text(text)
    server = RunningServer(config)
    yield server
    server.stop()


def test_rate_limit_error_with_headers(limited):
    client = OpenAI(base_url=f"{limited.base_url}/v1", api_key=SHIPPED_KEY, max_retries=0)
    seen = []
    for _ in range(4):
        response = client.models.with_raw_response.list()
        seen.append(int(response.headers["x-ratelimit-remaining-requests"]))
        assert response.headers["x-ratelimit-limit-requests"] == "4"
        assert response.headers["x-ratelimit-limit-tokens"] == "100000"
    assert seen == [3, 2, 1, 0]
    with pytest.raises(openai.RateLimitError) as caught:
        client.models.list()
    assert caught.value.status_code == 429
    assert caught.value.code == "rate_limit_exceeded"
    assert 1 <= int(caught.value.response.headers["retry-after"]) <= 60


def test_cors_preflight_over_a_socket(limited):
    response = httpx.options(f"{limited.base_url}/v1/chat/completions", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert "Authorization" in response.headers["access-control-allow-headers"]
    denied = httpx.options(f"{limited.base_url}/v1/chat/completions", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in denied.headers


def test_concurrent_clients_all_served(server):
    client = OpenAI(base_url=f"{server.base_url}/v1", api_key=SHIPPED_KEY, max_retries=0)

    def ask(index):
        return client.chat.completions.create(
            model="smollm2-135m-instruct", messages=[{"role": "user", "content": f"Say {index}"}], max_tokens=6, seed=index)

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(ask, range(6)))
    assert all(r.choices[0].finish_reason in ("stop", "length") for r in results)


def test_request_log_lines_never_contain_the_key(limited):
    httpx.get(f"{limited.base_url}/v1/models", headers={"Authorization": f"Bearer {SHIPPED_KEY}"})
    httpx.get(f"{limited.base_url}/v1/models", headers={"Authorization": "Bearer some-wrong-key"})
    limited.stop()
    output = limited.output()
    assert "request" in output and "key-1" in output
    assert SHIPPED_KEY not in output and "some-wrong-key" not in output


def open_long_stream(port):
    """A raw socket streaming a completion that would run for thousands of tokens (end tokens
    banned), read until three events have arrived."""
    import socket

    body = ('{"model": "smollm2-135m", "prompt": "Once upon a time", "max_tokens": 4000, "temperature": 0.9, '
            '"logit_bias": {"2": -100, "0": -100}, "stream": true}').encode()
    request = (f"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SHIPPED_KEY}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    connection = socket.create_connection(("127.0.0.1", port))
    connection.sendall(request)
    received = b""
    while received.count(b"data: ") < 3:
        received += connection.recv(4096)
    return connection, received


def metric(server, name):
    text = httpx.get(f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {SHIPPED_KEY}"}).text
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_killing_a_streaming_client_frees_its_sequence(server):
    import time

    connection, received = open_long_stream(server.port)
    assert metric(server, "cyxwiz_active_sequences") == 1
    connection.close()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and metric(server, "cyxwiz_active_sequences") != 0:
        time.sleep(0.02)
    assert metric(server, "cyxwiz_active_sequences") == 0


def test_metrics_count_tokens_and_time_to_first_token(server):
    client = OpenAI(base_url=f"{server.base_url}/v1", api_key=SHIPPED_KEY, max_retries=0)
    before = metric(server, 'cyxwiz_completion_tokens_total{model="smollm2-135m-instruct"}') or 0
    response = client.chat.completions.create(model="smollm2-135m-instruct", messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
    after = metric(server, 'cyxwiz_completion_tokens_total{model="smollm2-135m-instruct"}')
    assert after - before == response.usage.completion_tokens
    assert metric(server, 'cyxwiz_time_to_first_token_seconds_count{model="smollm2-135m-instruct"}') >= 1


def test_sigterm_during_a_stream_ends_it_with_an_error_event_and_exits_0(tmp_path):
    import time

    (tmp_path / "models").symlink_to(ROOT / "models")
    config = tmp_path / "config.toml"
    config.write_text(SHIPPED_CONFIG.read_text().replace("[api]\n", "[api]\nshutdown_grace_seconds = 1\n", 1))
    running = RunningServer(config)
    connection, received = open_long_stream(running.port)
    started = time.monotonic()
    running.process.terminate()
    connection.settimeout(10)
    while True:
        chunk = connection.recv(65536)
        if not chunk:
            break
        received += chunk
    connection.close()
    assert running.process.wait(timeout=15) == 0
    assert time.monotonic() - started < 6
    events = [line for line in received.decode(errors="replace").split("\n") if line.startswith("data: ")]
    assert "server_shutting_down" in events[-1]


def test_a_streams_log_line_comes_at_its_end_with_tokens_and_time_to_first_token(server):
    client = OpenAI(base_url=f"{server.base_url}/v1", api_key=SHIPPED_KEY, max_retries=0)
    request_id = "log-line-check-7"
    stream = client.chat.completions.create(
        model="smollm2-135m-instruct", messages=[{"role": "user", "content": "Hi"}], max_tokens=5, stream=True,
        stream_options={"include_usage": True}, extra_headers={"x-request-id": request_id})
    usage = [chunk.usage for chunk in stream if chunk.usage][0]
    import time

    time.sleep(0.2)
    lines = [line for line in server.output().splitlines() if request_id in line]
    assert len(lines) == 1, lines
    line = lines[0]
    assert f"completion_tokens={usage.completion_tokens}" in line
    assert f"prompt_tokens={usage.prompt_tokens}" in line
    assert "ttft_ms=" in line and "stream=completed" in line and "caller=key-1" in line
    assert "model=smollm2-135m-instruct" in line and "status=200" in line


def test_a_client_closing_right_after_done_has_a_completed_stream(server):
    """Clients (the SDK among them) may close the connection the moment `[DONE]` arrives; that
    races with the end of the server's body and must not turn a whole answer into a cancelled one."""
    import socket
    import time

    body = ('{"model": "smollm2-135m", "prompt": "Hi", "max_tokens": 2, "temperature": 0, '
            '"stream": true}').encode()
    for attempt in range(12):
        request = (f"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SHIPPED_KEY}\r\n"
                   f"x-request-id: close-after-done-{attempt}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        connection = socket.create_connection(("127.0.0.1", server.port))
        connection.sendall(request)
        received = b""
        while b"data: [DONE]" not in received:
            chunk = connection.recv(4096)
            assert chunk, received
            received += chunk
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        connection.close()
    time.sleep(0.3)
    output = server.output().splitlines()
    for attempt in range(12):
        lines = [line for line in output if f"request_id=close-after-done-{attempt} " in line]
        assert len(lines) == 1 and "stream=completed" in lines[0], lines
