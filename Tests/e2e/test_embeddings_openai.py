"""The official `openai` package against the real server and all-MiniLM-L6-v2."""

import json

import httpx
import numpy as np
import openai
import pytest
from openai import OpenAI

from conftest import ROOT, SHIPPED_KEY

MODEL = "all-minilm-l6-v2"


def client(server) -> OpenAI:
    return OpenAI(base_url=f"{server.base_url}/v1", api_key=SHIPPED_KEY, max_retries=0)


@pytest.fixture(scope="module")
def reference():
    return json.loads((ROOT / ".cache/reference/minilm.json").read_text())


def cosine(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_default_base64_and_float_give_the_reference_vectors(server, reference):
    cases = [c for c in reference["cases"] if c["text"].strip()][:12]
    texts = [c["text"] for c in cases]
    default = client(server).embeddings.create(model=MODEL, input=texts)  # the SDK asks for base64
    floats = client(server).embeddings.create(model=MODEL, input=texts, encoding_format="float")
    assert [d.index for d in default.data] == list(range(len(texts)))
    for case, a, b in zip(cases, default.data, floats.data):
        assert len(a.embedding) == 384
        assert np.allclose(a.embedding, b.embedding, atol=1e-7)
        assert cosine(a.embedding, case["embedding"]) >= 0.9999, case["text"]
    assert default.usage.prompt_tokens == sum(len(c["ids"]) for c in cases)
    assert default.usage.total_tokens == default.usage.prompt_tokens
    assert default.model == MODEL


def test_raw_base64_is_little_endian_float32(server):
    response = httpx.post(
        f"{server.base_url}/v1/embeddings",
        headers={"Authorization": f"Bearer {SHIPPED_KEY}"},
        json={"model": MODEL, "input": "hello", "encoding_format": "base64"},
    )
    import base64

    raw = base64.b64decode(response.json()["data"][0]["embedding"])
    values = np.frombuffer(raw, dtype="<f4")
    assert values.shape == (384,)
    assert abs(np.linalg.norm(values) - 1) < 1e-5


def test_dimensions_shorten_and_renormalise(server):
    full = client(server).embeddings.create(model=MODEL, input="A man is eating food.", encoding_format="float")
    short = client(server).embeddings.create(model=MODEL, input="A man is eating food.", dimensions=64)
    vector = np.asarray(short.data[0].embedding)
    assert vector.shape == (64,)
    assert abs(np.linalg.norm(vector) - 1) < 1e-5
    expected = np.asarray(full.data[0].embedding[:64])
    assert np.allclose(vector, expected / np.linalg.norm(expected), atol=1e-6)


def test_token_id_inputs(server):
    ids = json.loads((ROOT / ".cache/reference/minilm.json").read_text())["cases"][0]["ids"]
    by_text = client(server).embeddings.create(model=MODEL, input="The weather is lovely today.", encoding_format="float")
    by_ids = client(server).embeddings.create(model=MODEL, input=[ids[1:-1]], encoding_format="float")
    assert np.allclose(by_text.data[0].embedding, by_ids.data[0].embedding, atol=1e-6)


def test_over_long_input_is_truncated_and_reported(server):
    response = httpx.post(
        f"{server.base_url}/v1/embeddings",
        headers={"Authorization": f"Bearer {SHIPPED_KEY}"},
        json={"model": MODEL, "input": ["short", "word " * 400]},
    )
    assert response.status_code == 200
    assert response.headers["x-cyxwiz-truncated-inputs"] == "1"
    assert response.json()["usage"]["prompt_tokens"] == 3 + 256


@pytest.mark.parametrize("kwargs, param", [
    ({"model": "smollm2-135m-instruct", "input": "x"}, "model"),
    ({"model": MODEL, "input": []}, "input"),
    ({"model": MODEL, "input": "x", "dimensions": 385}, "dimensions"),
])
def test_errors_are_bad_request_errors(server, kwargs, param):
    with pytest.raises(openai.BadRequestError) as caught:
        client(server).embeddings.create(**kwargs)
    assert caught.value.status_code == 400
    assert caught.value.param == param


def test_unknown_model_is_not_found(server):
    with pytest.raises(openai.NotFoundError) as caught:
        client(server).embeddings.create(model="text-embedding-3-small", input="x")
    assert caught.value.code == "model_not_found"


def test_concurrent_requests_are_batched_and_each_gets_its_own_vectors(server, reference):
    """Requests that arrive together are encoded in one batch; each still gets the vectors of
    its own inputs, in order, equal to the reference."""
    from concurrent.futures import ThreadPoolExecutor

    cases = [c for c in reference["cases"] if c["text"].strip()][:12]
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        responses = list(pool.map(
            lambda case: client(server).embeddings.create(model=MODEL, input=[case["text"], "It is so sunny outside!"], encoding_format="float"),
            cases))
    sunny = client(server).embeddings.create(model=MODEL, input="It is so sunny outside!", encoding_format="float").data[0].embedding
    for case, response in zip(cases, responses):
        assert [d.index for d in response.data] == [0, 1]
        assert cosine(response.data[0].embedding, case["embedding"]) >= 0.9999, case["text"]
        assert cosine(response.data[1].embedding, sunny) > 0.99999
        assert response.usage.prompt_tokens == len(case["ids"]) + 8
