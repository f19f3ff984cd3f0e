"""Docs/deploy/nginx-cyxwiz.conf, run as shipped on loopback: two real nodes behind nginx with
TLS terminated in front (a self-signed certificate made here). Only the nodes' addresses, the
listening ports and the certificate paths are replaced."""

import pathlib
import shutil
import subprocess
import time

import httpx
import pytest
from openai import OpenAI

from conftest import ROOT, SHIPPED_CONFIG, SHIPPED_KEY, RunningServer, free_port

CONF = ROOT / "Docs/deploy/nginx-cyxwiz.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nginx")
    nodes = [RunningServer(SHIPPED_CONFIG), RunningServer(SHIPPED_CONFIG)]
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(folder / "node.key"), "-out", str(folder / "node.crt")], check=True, capture_output=True)
    https, http = free_port(), free_port()
    text = CONF.read_text()
    replacements = {
        "server 10.0.0.11:8080": f"server 127.0.0.1:{nodes[0].port}",
        "server 10.0.0.12:8080": f"server 127.0.0.1:{nodes[1].port}",
        "listen 443 ssl;": f"listen 127.0.0.1:{https} ssl;",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "/etc/ssl/certs/cyxwiz.crt": str(folder / "node.crt"),
        "/etc/ssl/private/cyxwiz.key": str(folder / "node.key"),
    }
    for old, new in replacements.items():
        assert old in text, f"{CONF} no longer has '{old}'"
        text = text.replace(old, new)
    (folder / "cyxwiz.conf").write_text(text)
    # A main file as Debian's nginx.conf has it, with paths a user may write.
    (folder / "nginx.conf").write_text(f"""
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/cyxwiz.conf;
}}
""")
    check = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"https://127.0.0.1:{https}"
    deadline = time.monotonic() + 10
    while True:
        try:
            httpx.get(f"{base}/health", verify=False, timeout=1)
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, (folder / "error.log").read_text()
            time.sleep(0.1)
    yield {"base": base, "http": f"http://127.0.0.1:{http}", "nodes": nodes, "folder": folder}
    process.terminate()
    process.wait(timeout=10)
    for node in nodes:
        node.stop()


def client(proxy):
    return OpenAI(base_url=f"{proxy['base']}/v1", api_key=SHIPPED_KEY, max_retries=0,
                  http_client=httpx.Client(verify=False, timeout=60))


def test_plain_http_is_redirected_to_https(proxy):
    response = httpx.get(f"{proxy['http']}/v1/models")
    assert response.status_code == 301 and response.headers["location"].startswith("https://")


def test_the_sdk_works_through_tls_and_requests_reach_both_nodes(proxy):
    sdk = client(proxy)
    for _ in range(6):
        assert sdk.chat.completions.create(
            model="smollm2-135m-instruct", messages=[{"role": "user", "content": "Hi"}], max_tokens=4).choices[0].message.content
    assert len(sdk.embeddings.create(model="all-minilm-l6-v2", input="a sentence").data[0].embedding) == 384
    served = [sum("path=/v1/chat/completions" in line for line in node.output().splitlines()) for node in proxy["nodes"]]
    assert sum(served) == 6 and min(served) >= 1, served


def test_streams_are_not_buffered_by_the_proxy(proxy):
    # A completion that runs for seconds, tokens banned from ending it: unbuffered, its chunks
    # arrive one by one as they are generated; a buffering proxy would deliver them in bursts
    # of a buffer's worth (4–8 KiB, dozens of chunks at once).
    arrivals = []
    for _ in client(proxy).completions.create(
            model="smollm2-135m", prompt="Once upon a time", max_tokens=300, temperature=0.9,
            logit_bias={"0": -100, "2": -100}, stream=True):
        arrivals.append(time.monotonic())
    assert len(arrivals) >= 200
    burst = max(sum(1 for t in arrivals if start <= t < start + 0.002) for start in arrivals)
    assert burst < 10, f"{burst} chunks arrived within 2 ms: the stream was buffered"


def test_errors_keep_the_openai_envelope_and_the_request_id(proxy):
    import openai

    with pytest.raises(openai.NotFoundError) as caught:
        client(proxy).chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "Hi"}],
                                              extra_headers={"x-request-id": "through-nginx-1"})
    assert caught.value.code == "model_not_found"
    assert caught.value.response.headers["x-request-id"] == "through-nginx-1"
