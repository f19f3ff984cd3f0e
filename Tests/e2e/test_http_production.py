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
