"""The official `openai` package against the real server: model listing, errors, auth."""

import httpx
import openai
import pytest
from openai import AsyncOpenAI, OpenAI

from conftest import SHIPPED_KEY

SHIPPED_IDS = {"smollm2-135m-instruct", "smollm2-135m", "all-minilm-l6-v2"}


def client(server, key=SHIPPED_KEY) -> OpenAI:
    return OpenAI(base_url=f"{server.base_url}/v1", api_key=key, max_retries=0)


def test_lists_the_three_shipped_models(server):
    models = client(server).models.list()
    assert {model.id for model in models.data} == SHIPPED_IDS
    for model in models.data:
        assert model.object == "model"
        assert model.created > 0
        assert model.owned_by


def test_retrieves_one_model(server):
    model = client(server).models.retrieve("smollm2-135m-instruct")
    assert model.id == "smollm2-135m-instruct"
    assert model.object == "model"


def test_unknown_model_is_not_found_error(server):
    with pytest.raises(openai.NotFoundError) as caught:
        client(server).models.retrieve("gpt-4o")
    error = caught.value
    assert error.status_code == 404
    assert error.code == "model_not_found"
    assert error.param == "model"
    assert error.type == "invalid_request_error"


def test_wrong_key_is_authentication_error(server):
    with pytest.raises(openai.AuthenticationError) as caught:
        client(server, key="not-the-key").models.list()
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert "not-the-key" not in str(caught.value.body)


def test_missing_key_is_401_in_openai_shape(server):
    response = httpx.get(f"{server.base_url}/v1/models")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["code"] == "invalid_api_key"
    assert body["error"]["param"] is None


def test_health_is_open(server):
    response = httpx.get(f"{server.base_url}/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_unknown_route_and_method_answer_in_openai_shape(server):
    headers = {"Authorization": f"Bearer {SHIPPED_KEY}"}
    response = httpx.get(f"{server.base_url}/v1/unknown", headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_url"
    response = httpx.delete(f"{server.base_url}/v1/models", headers=headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_request_id_is_echoed(server):
    headers = {"Authorization": f"Bearer {SHIPPED_KEY}", "x-request-id": "trace-42"}
    assert httpx.get(f"{server.base_url}/v1/models", headers=headers).headers["x-request-id"] == "trace-42"
    assert httpx.get(f"{server.base_url}/v1/models").headers["x-request-id"].startswith("req_")


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_async_client_lists_models(server):
    async_client = AsyncOpenAI(base_url=f"{server.base_url}/v1", api_key=SHIPPED_KEY, max_retries=0)
    models = await async_client.models.list()
    assert {model.id for model in models.data} == SHIPPED_IDS
    await async_client.close()
