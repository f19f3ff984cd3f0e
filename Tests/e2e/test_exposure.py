"""Secrets and exposure: keys never in logs or answers, loopback by default, a warning when
exposed without auth or run as root, headers and bodies capped."""

import os
import socket
import tomllib

import httpx
import pytest

from conftest import ROOT, SHIPPED_CONFIG, SHIPPED_KEY, RunningServer, clean_environment, free_port

SECRET_FROM_ENV = "sk-env-9f8e7d6c5b4a"
WRONG = "sk-wrong-0a1b2c3d4e5f"
IN_QUERY = "sk-query-feedface"


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    """The shipped config, its key replaced from the environment, logging at trace level
    (everything Hummingbird and the server can say)."""
    folder = tmp_path_factory.mktemp("exposure")
    (folder / "models").symlink_to(ROOT / "models")
    config = folder / "config.toml"
    config.write_text(SHIPPED_CONFIG.read_text())
    server = RunningServer(config, env=clean_environment(CYXWIZ_API_KEY=SECRET_FROM_ENV), extra_args=["--log-level", "trace"])
    yield server
    server.stop()


def test_keys_appear_in_no_log_line_answer_or_header(traced):
    answers = []
    base = traced.base_url
    for key in [SECRET_FROM_ENV, WRONG, f"{SECRET_FROM_ENV}x", SECRET_FROM_ENV[:-1]]:
        headers = {"Authorization": f"Bearer {key}", "x-request-id": "exposure-check"}
        answers.append(httpx.get(f"{base}/v1/models?api_key={IN_QUERY}", headers=headers))
        answers.append(httpx.post(f"{base}/v1/chat/completions", headers=headers, json={
            "model": "smollm2-135m-instruct", "max_tokens": 2, "messages": [{"role": "user", "content": "hi"}]}))
        answers.append(httpx.post(f"{base}/v1/embeddings", headers=headers, content=b"{not json"))
        answers.append(httpx.post(f"{base}/v1/nowhere", headers=headers, json={}))
    answers.append(httpx.get(f"{base}/v1/models", headers={"Authorization": f"Basic {SECRET_FROM_ENV}"}))
    answers.append(httpx.get(f"{base}/v1/models", headers={"Authorization": SECRET_FROM_ENV}))
    assert {a.status_code for a in answers} >= {200, 400, 401, 404}
    traced.stop()
    log = traced.output()
    assert "status=401" in log and "status=200" in log
    for secret in [SECRET_FROM_ENV, WRONG, IN_QUERY, SHIPPED_KEY, SECRET_FROM_ENV[:-1]]:
        assert secret not in log
        for answer in answers:
            assert secret not in answer.text
            assert all(secret not in value for value in answer.headers.values())


def test_the_shipped_config_listens_on_loopback_only():
    address = tomllib.loads(SHIPPED_CONFIG.read_text())["api"]["address"]
    assert address.rsplit(":", 1)[0] in ("127.0.0.1", "[::1]", "localhost")


@pytest.mark.parametrize("require_auth", [False, True])
def test_an_exposed_server_without_auth_warns_at_start(tmp_path, require_auth):
    (tmp_path / "models").symlink_to(ROOT / "models")
    config = tmp_path / "config.toml"
    config.write_text(SHIPPED_CONFIG.read_text().replace("require_auth = true", f"require_auth = {str(require_auth).lower()}"))
    server = RunningServer(config, address=f"0.0.0.0:{free_port()}")
    server.stop()
    warned = "SECURITY: listening on 0.0.0.0" in server.output()
    assert warned == (not require_auth), server.output()


def test_running_as_root_is_warned_about(server):
    server_log_has_it = "running as root" in server.output()
    assert server_log_has_it == (os.geteuid() == 0)


def raw(port, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


@pytest.mark.parametrize("request_bytes", [
    b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(20_000)) + b"\r\n",
    b"GET /health?" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
], ids=["one 100 KB header", "20000 headers", "a 200 KB URL"])
def test_oversized_header_blocks_are_refused_and_the_connection_closed(server, request_bytes):
    answer = raw(server.port, request_bytes)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert httpx.get(f"{server.base_url}/health").status_code == 200


def test_a_header_block_under_the_cap_is_served(server):
    answer = raw(server.port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + b"a" * 60_000 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 ")


@pytest.fixture(scope="module")
def impatient(tmp_path_factory):
    folder = tmp_path_factory.mktemp("impatient")
    (folder / "models").symlink_to(ROOT / "models")
    config = folder / "config.toml"
    config.write_text(SHIPPED_CONFIG.read_text().replace("[api]\n", "[api]\nidle_timeout_seconds = 1\n", 1))
    server = RunningServer(config)
    yield server
    server.stop()


def closed_within(connection, seconds) -> bool:
    connection.settimeout(seconds)
    try:
        while connection.recv(4096):
            pass
        return True
    except (socket.timeout, TimeoutError):
        return False
    except ConnectionResetError:
        return True


def test_a_client_sending_its_headers_too_slowly_is_disconnected(impatient):
    connection = socket.create_connection(("127.0.0.1", impatient.port))
    connection.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthor")
    assert closed_within(connection, 5)
    connection.close()


def test_an_idle_keep_alive_connection_is_closed(impatient):
    connection = socket.create_connection(("127.0.0.1", impatient.port))
    connection.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    connection.settimeout(5)
    assert connection.recv(4096).startswith(b"HTTP/1.1 200 ")
    assert closed_within(connection, 5)
    connection.close()


def test_a_generation_longer_than_the_idle_timeout_is_not_cut(impatient):
    answer = httpx.post(f"{impatient.base_url}/v1/completions", timeout=60,
                        headers={"Authorization": f"Bearer {SHIPPED_KEY}"},
                        json={"model": "smollm2-135m", "prompt": "Once upon a time", "max_tokens": 400,
                              "temperature": 0.9, "logit_bias": {"0": -100, "2": -100}})
    assert answer.status_code == 200
    assert answer.json()["usage"]["completion_tokens"] == 400
    assert answer.elapsed.total_seconds() > 1.2
