"""Every example under Examples/ runs, against the real models and (for the HTTP ones) the real
binary, so that none goes stale: the Swift programs, the Python SDK and LangChain scripts, and
the curl scripts."""

import json
import os
import subprocess
import sys
import time

import httpx

from conftest import ROOT, SHIPPED_KEY, clean_environment, free_port

RELEASE = ROOT / ".build/release"
PYTHON_EXAMPLES = ROOT / "Examples/python"
CURL_EXAMPLES = ROOT / "Examples/curl"


def node_environment(server):
    return clean_environment(CYXWIZ_BASE_URL=f"{server.base_url}/v1", CYXWIZ_API_KEY=SHIPPED_KEY)


def run(command, env=None, stdin=None, timeout=120):
    result = subprocess.run(command, capture_output=True, text=True, env=env, input=stdin, timeout=timeout, cwd=ROOT)
    assert result.returncode == 0, f"{command}: {result.stderr}\n{result.stdout}"
    return result.stdout


def test_semantic_search_ranks_the_plant_documents_first():
    out = run([str(RELEASE / "SemanticSearch"), str(ROOT / "models/all-MiniLM-L6-v2"), "How do I keep my houseplants alive?"])
    ranked = [line.split("  ", 1)[1] for line in out.splitlines()[1:]]
    assert len(ranked) == 6
    assert {ranked[0], ranked[1]} == {
        "Most indoor plants die from overwatering rather than from neglect.",
        "Water succulents sparingly and give them plenty of direct sunlight.",
    }


def test_chat_holds_a_multi_turn_conversation():
    out = run([str(RELEASE / "Chat"), str(ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"), "--temperature", "0"],
              stdin="What is the capital of France?\nAnd of Italy?\n")
    turns = [line for line in out.splitlines() if line.startswith("assistant> ")]
    assert len(turns) == 2, out
    assert "Paris" in turns[0]
    # The second question only makes sense with the first turn in context.
    assert "Rome" in turns[1], out


def test_embedded_server_serves_the_openai_api_from_a_configuration_built_in_code():
    from openai import OpenAI

    port = free_port()
    process = subprocess.Popen([str(RELEASE / "EmbeddedServer"), str(port), str(ROOT / "models")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        assert "listening on http://127.0.0.1:" in process.stdout.readline()
        client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="embedded-example-key", max_retries=0)
        assert sorted(model.id for model in client.models.list()) == ["assistant", "embedder"]
        answer = client.chat.completions.create(model="assistant", messages=[{"role": "user", "content": "Hi"}], max_tokens=8)
        assert answer.choices[0].message.content
        assert len(client.embeddings.create(model="embedder", input="a sentence").data[0].embedding) == 384
        assert httpx.get(f"http://127.0.0.1:{port}/v1/models").status_code == 401
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0


def test_python_sdk_examples(server):
    env = node_environment(server)
    assert "Paris" in run([sys.executable, str(PYTHON_EXAMPLES / "chat.py"), "What is the capital of France?"], env=env)
    streamed = subprocess.run([sys.executable, str(PYTHON_EXAMPLES / "streaming.py")], capture_output=True, text=True, env=env, timeout=120)
    assert streamed.returncode == 0, streamed.stderr
    assert streamed.stdout.strip() and "tokens streamed" in streamed.stderr
    ranking = run([sys.executable, str(PYTHON_EXAMPLES / "embeddings.py")], env=env).splitlines()
    assert "384 dimensions" in ranking[0]
    assert "plants" in ranking[1] or "succulents" in ranking[1]


def test_langchain_example(server):
    out = run([sys.executable, str(PYTHON_EXAMPLES / "langchain_chat.py"), "Swift"], env=node_environment(server))
    answer, streamed = out.split("--- streamed:\n")
    assert answer.strip()
    # Temperature 0: the streamed run says the same.
    assert streamed.strip() == answer.strip()


def test_curl_scripts_one_per_endpoint(server):
    env = node_environment(server)
    models = json.loads(run(["bash", str(CURL_EXAMPLES / "models.sh")], env=env))
    assert {m["id"] for m in models["data"]} == {"smollm2-135m-instruct", "smollm2-135m", "all-minilm-l6-v2"}
    assert json.loads(run(["bash", str(CURL_EXAMPLES / "model.sh")], env=env))["id"] == "smollm2-135m-instruct"
    chat = json.loads(run(["bash", str(CURL_EXAMPLES / "chat.sh")], env=env))
    assert "Paris" in chat["choices"][0]["message"]["content"]
    events = [line for line in run(["bash", str(CURL_EXAMPLES / "chat-stream.sh")], env=env).splitlines() if line.startswith("data: ")]
    assert events[-1] == "data: [DONE]" and json.loads(events[-2][6:])["usage"]["completion_tokens"] > 0
    completion = json.loads(run(["bash", str(CURL_EXAMPLES / "completions.sh")], env=env))
    assert completion["object"] == "text_completion" and completion["choices"][0]["text"]
    embeddings = json.loads(run(["bash", str(CURL_EXAMPLES / "embeddings.sh")], env=env))
    assert [len(item["embedding"]) for item in embeddings["data"]] == [384, 384]
    error = run(["bash", str(CURL_EXAMPLES / "errors.sh")], env=env)
    assert "HTTP 404" in error and json.loads(error.split("\nHTTP")[0])["error"]["code"] == "model_not_found"


def test_a_downstream_package_uses_the_library_as_a_dependency():
    """Examples/Downstream depends on this repository by path and uses only the public API
    (`make downstream` builds it, as `make test` does)."""
    binary = ROOT / "Examples/Downstream/.build/debug/Downstream"
    assert binary.exists(), "build it first: make downstream"
    out = run([str(binary), str(ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf")], timeout=300)
    assert "prompt tokens: " in out and out.split("answer: ", 1)[1].strip()
