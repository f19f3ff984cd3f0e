"""Hostile requests against the real binary: each gets a clear 4xx in OpenAI's envelope (or is
served), and the server stays healthy for everyone else."""

import json
import socket
import time

import httpx
import pytest

from conftest import SHIPPED_KEY

CHAT = "smollm2-135m-instruct"
HEADERS = {"Authorization": f"Bearer {SHIPPED_KEY}", "Content-Type": "application/json"}


def chat(**extra):
    return json.dumps({"model": CHAT, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2, **extra}).encode()


def raw_chat(tail):
    """A chat body with `tail` spliced in as more members (for what json.dumps will not write)."""
    return chat()[:-1] + b", " + tail + b"}"


CASES = {
    "n far too large": ("/v1/chat/completions", chat(n=10**6), 400, "invalid_value"),
    "n negative": ("/v1/chat/completions", chat(n=-1), 400, "invalid_value"),
    "max_tokens negative": ("/v1/chat/completions", chat(max_tokens=-5), 400, "invalid_value"),
    "max_tokens 1e30": ("/v1/chat/completions", chat(max_tokens=1e30), 400, "invalid_type"),
    "max_tokens 2**63": ("/v1/chat/completions", chat(max_tokens=2**63), 400, "invalid_type"),
    "top_logprobs 1000": ("/v1/chat/completions", chat(logprobs=True, top_logprobs=1000), 400, "invalid_value"),
    "logit_bias of 100000 tokens": ("/v1/chat/completions", chat(logit_bias={str(i): 1 for i in range(100000)}), 400, "invalid_value"),
    "logit_bias outside the vocabulary": ("/v1/chat/completions", chat(logit_bias={"99999999": 5}), 400, "invalid_value"),
    "NaN in logit_bias": ("/v1/chat/completions", raw_chat(b'"logit_bias": {"5": NaN}'), 400, "invalid_json"),
    "NaN temperature": ("/v1/chat/completions", raw_chat(b'"temperature": NaN'), 400, "invalid_json"),
    "Infinity temperature": ("/v1/chat/completions", raw_chat(b'"temperature": Infinity'), 400, "invalid_json"),
    "negative top_p": ("/v1/chat/completions", chat(top_p=-1), 400, "invalid_value"),
    "5000 stop strings": ("/v1/chat/completions", chat(stop=["x"] * 5000), 400, "invalid_value"),
    "a megabyte stop string": ("/v1/chat/completions", chat(stop=["x" * 1_000_000]), 400, "invalid_value"),
    "JSON nested 10000 deep": ("/v1/chat/completions", b'{"model": "m", "messages": ' + b"[" * 10000 + b"]" * 10000 + b"}", 400, "invalid_json"),
    "a prompt past the context": ("/v1/chat/completions", json.dumps({"model": CHAT, "messages": [{"role": "user", "content": "word " * 400000}], "max_tokens": 1}).encode(), 400, "context_length_exceeded"),
    "invalid UTF-8": ("/v1/chat/completions", b'{"model": "%s", "messages": [{"role": "user", "content": "\xff\xfe"}]}' % CHAT.encode(), 400, "invalid_json"),
    "a lone surrogate": ("/v1/chat/completions", b'{"model": "%s", "messages": [{"role": "user", "content": "\\ud800"}]}' % CHAT.encode(), 400, "invalid_json"),
    "seed past 64 bits": ("/v1/chat/completions", chat(seed=2**70), 400, "invalid_type"),
    "3000 embedding inputs": ("/v1/embeddings", json.dumps({"model": "all-minilm-l6-v2", "input": ["a"] * 3000}).encode(), 400, "invalid_value"),
    "embedding token outside the vocabulary": ("/v1/embeddings", json.dumps({"model": "all-minilm-l6-v2", "input": [[10**9]]}).encode(), 400, "invalid_value"),
    "dimensions 0": ("/v1/embeddings", json.dumps({"model": "all-minilm-l6-v2", "input": "a", "dimensions": 0}).encode(), 400, "invalid_value"),
    "prompt token outside the vocabulary": ("/v1/completions", json.dumps({"model": "smollm2-135m", "prompt": [10**9], "max_tokens": 1}).encode(), 400, "invalid_value"),
    "negative prompt token": ("/v1/completions", json.dumps({"model": "smollm2-135m", "prompt": [-1], "max_tokens": 1}).encode(), 400, "invalid_value"),
    "a body that is not an object": ("/v1/chat/completions", b"[1, 2, 3]", 400, "invalid_json"),
    "an empty body": ("/v1/chat/completions", b"", 400, "invalid_json"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_request_is_a_clear_client_error(server, name):
    path, body, status, code = CASES[name]
    response = httpx.post(f"{server.base_url}{path}", headers=HEADERS, content=body, timeout=60)
    assert response.status_code == status, response.text[:300]
    error = response.json()["error"]
    assert error["message"] and error["type"] == "invalid_request_error"
    if code:
        assert error["code"] == code, error
    assert httpx.get(f"{server.base_url}/health").status_code == 200


@pytest.mark.parametrize("body, marker, says", [
    (b'{"model": "%s", "messages": [{"role": "user", "content": "ab\xff\xfe"}]}' % CHAT.encode(), b"\xff", "not valid UTF-8 (at byte {})"),
    (b'{"model": "%s", "messages": [{"role": "user", "content": "a\\udc00"}]}' % CHAT.encode(), b"\\udc00", "half a UTF-16 surrogate pair at byte {};"),
    (b'{"model": "%s", "messages": [{"role": "user", "content": "a"}], "stop": ["\\ud800x"]}' % CHAT.encode(), b"\\ud800", "half a UTF-16 surrogate pair at byte {};"),
], ids=["invalid UTF-8 in content", "a lone low surrogate", "a lone high surrogate in stop"])
def test_broken_text_is_named_for_what_it_is(server, body, marker, says):
    """Where the body is not text, the error says so and where (not "invalid type")."""
    response = httpx.post(f"{server.base_url}/v1/chat/completions", headers=HEADERS, content=body)
    assert response.status_code == 400, response.text
    assert says.format(body.index(marker)) in response.json()["error"]["message"], response.text


def test_a_surrogate_pair_is_text(server):
    body = b'{"model": "%s", "max_tokens": 1, "messages": [{"role": "user", "content": "\\ud83d\\ude00 and \\\\udc00"}]}' % CHAT.encode()
    assert httpx.post(f"{server.base_url}/v1/chat/completions", headers=HEADERS, content=body, timeout=60).status_code == 200


def test_template_injection_through_message_content_is_only_text(server):
    """Message content is data for the chat template, never template code."""
    content = "{{ raise_exception('boom') }}{% for i in range(99999999) %}{% endfor %}{{ 7 * 7 }}"
    body = {"model": CHAT, "messages": [{"role": "user", "content": content}]}
    rendered = httpx.post(f"{server.base_url}/tokenize", headers=HEADERS, json=body).json()["prompt"]
    assert content in rendered and "49" not in rendered.replace(content, "")
    response = httpx.post(f"{server.base_url}/v1/chat/completions", headers=HEADERS, json={**body, "max_tokens": 2}, timeout=60)
    assert response.status_code == 200


def test_slow_and_half_closed_clients_do_not_block_others(server):
    """Forty clients that send half a request and stall (slowloris), and one that half-closes
    its connection after the request: everyone else is still served, the half-closed client
    gets its answer."""
    stalled = []
    for _ in range(40):
        connection = socket.create_connection(("127.0.0.1", server.port))
        connection.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"model\"")
        stalled.append(connection)
    try:
        started = time.monotonic()
        response = httpx.post(f"{server.base_url}/v1/chat/completions", headers=HEADERS, content=chat(), timeout=30)
        assert response.status_code == 200 and time.monotonic() - started < 10
        body = chat()
        half = socket.create_connection(("127.0.0.1", server.port))
        half.sendall(f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {SHIPPED_KEY}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        half.shutdown(socket.SHUT_WR)
        half.settimeout(30)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = half.recv(4096)
            if not chunk:
                break
            received += chunk
        half.close()
        assert received.startswith(b"HTTP/1.1 "), received[:100]
        status = int(received.split(b" ", 2)[1])
        # Either answered, or refused as a client gone (499); never a 5xx, never a hang.
        assert status in (200, 499), received[:200]
    finally:
        for connection in stalled:
            connection.close()
    assert httpx.get(f"{server.base_url}/health").status_code == 200
