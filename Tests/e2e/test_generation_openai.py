"""The official `openai` package against chat and text completions on the real SmolLM2."""

import json

import httpx
import numpy as np
import openai
import pytest
from openai import AsyncOpenAI, OpenAI

from conftest import ROOT, SHIPPED_KEY

CHAT = "smollm2-135m-instruct"
TEXT = "smollm2-135m"


def client(server) -> OpenAI:
    return OpenAI(base_url=f"{server.base_url}/v1", api_key=SHIPPED_KEY, max_retries=0)


@pytest.fixture(scope="module")
def reference():
    return json.loads((ROOT / ".cache/reference/smollm2/reference.json").read_text())


def test_chat_non_streaming(server):
    response = client(server).chat.completions.create(
        model=CHAT, messages=[{"role": "user", "content": "What is the capital of France?"}], temperature=0, max_tokens=20)
    assert response.object == "chat.completion"
    assert response.id.startswith("chatcmpl-")
    assert response.choices[0].message.role == "assistant"
    assert "Paris" in response.choices[0].message.content
    assert response.choices[0].finish_reason == "stop"
    assert response.system_fingerprint.startswith("fp_")
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens


def test_chat_streaming_with_usage(server):
    stream = client(server).chat.completions.create(
        model=CHAT, messages=[{"role": "user", "content": "Count to three."}], max_tokens=12, seed=5, stream=True,
        stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(chunk.usage is None for chunk in chunks[:-1])
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text


def test_usage_counts_the_templated_prompt(server):
    response = httpx.post(f"{server.base_url}/tokenize", headers={"Authorization": f"Bearer {SHIPPED_KEY}"},
                          json={"model": CHAT, "messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": True})
    rendered = response.json()
    assert rendered["prompt"].endswith("<|im_start|>assistant\n")
    chat = client(server).chat.completions.create(model=CHAT, messages=[{"role": "user", "content": "Hi"}], max_tokens=1)
    assert chat.usage.prompt_tokens == rendered["count"]


def test_seed_makes_sampling_repeatable(server):
    def ask():
        return client(server).chat.completions.create(
            model=CHAT, messages=[{"role": "user", "content": "Write a word."}], temperature=0.8, seed=77, max_tokens=16).choices[0].message.content
    assert ask() == ask()


def test_temperature_zero_completion_is_the_greedy_reference(server, reference):
    prompt = reference["prompts"][3]
    response = client(server).completions.create(model=TEXT, prompt=prompt["ids"], temperature=0, max_tokens=16)
    expected = httpx.post(f"{server.base_url}/detokenize", headers={"Authorization": f"Bearer {SHIPPED_KEY}"},
                          json={"model": TEXT, "tokens": prompt["greedy"][:16]}).json()["prompt"]
    assert response.choices[0].text == expected


def test_completions_streaming_and_n(server):
    stream = client(server).completions.create(model=TEXT, prompt=["Hello", "One two"], max_tokens=4, n=2, seed=3, stream=True)
    texts = {}
    for chunk in stream:
        assert chunk.object == "text_completion"
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + choice.text
    assert sorted(texts) == [0, 1, 2, 3]


def test_echo_logprobs_match_the_numpy_reference(server, reference):
    """Teacher-forced prompt logprobs against log-softmax of the reference's logits.
    Tolerance 1e-3 nats: the logits agree within ~2e-6 of their range (about 30), so
    log-probabilities differ by well under 1e-3."""
    prompt = reference["prompts"][0]
    vocabulary = reference["vocabulary"]
    logits = np.fromfile(ROOT / ".cache/reference/smollm2/prompt-0.f32", dtype="<f4").reshape(-1, vocabulary).astype(np.float64)
    logsoftmax = logits - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True)) - logits.max(1, keepdims=True)
    response = client(server).completions.create(model=TEXT, prompt=prompt["ids"], echo=True, logprobs=3, max_tokens=1, temperature=0)
    logprobs = response.choices[0].logprobs
    ids = prompt["ids"]
    assert logprobs.token_logprobs[0] is None
    for position in range(1, len(ids)):
        expected = logsoftmax[position - 1, ids[position]]
        assert abs(logprobs.token_logprobs[position] - expected) < 1e-3, (position, logprobs.token_logprobs[position], expected)
    assert response.choices[0].text.startswith("The capital of France is")


def test_stop_sequence_split_across_tokens_never_leaks(server):
    stream = client(server).completions.create(model=TEXT, prompt="The capital of France is", temperature=0, max_tokens=20,
                                               stop=[".\n\nThe"], stream=True)
    text = "".join(choice.text for chunk in stream for choice in chunk.choices)
    assert text == " Paris"


def test_chat_logprobs_shape(server):
    response = client(server).chat.completions.create(
        model=CHAT, messages=[{"role": "user", "content": "Hi"}], max_tokens=3, logprobs=True, top_logprobs=2, temperature=0)
    content = response.choices[0].logprobs.content
    assert len(content) >= 1
    for item in content:
        assert item.logprob <= 0 and len(item.top_logprobs) == 2 and item.bytes is not None
        assert item.top_logprobs[0].logprob >= item.top_logprobs[1].logprob


@pytest.mark.parametrize("kwargs, param", [
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]}, "tools"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]}]}, "messages[0].content[0]"),
    ({"response_format": {"type": "json_object"}}, "response_format"),
    ({"temperature": 3}, "temperature"),
    ({"logit_bias": {"999999": 1}}, "logit_bias"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"top_logprobs": 3}, "top_logprobs"),
    ({"n": 99}, "n"),
    ({"model": "all-minilm-l6-v2"}, "model"),
])
def test_chat_refusals_name_the_parameter(server, kwargs, param):
    arguments = {"model": CHAT, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2, **kwargs}
    with pytest.raises(openai.BadRequestError) as caught:
        client(server).chat.completions.create(**arguments)
    assert caught.value.param == param


def test_prompt_past_the_context_is_context_length_exceeded(server):
    with pytest.raises(openai.BadRequestError) as caught:
        client(server).completions.create(model=TEXT, prompt=[28] * 9000, max_tokens=1)
    assert caught.value.code == "context_length_exceeded"


def test_template_exception_is_a_400_with_its_message(server, tmp_path):
    # SmolLM2's template raises nothing; a bad message structure still answers 400, not 500.
    response = httpx.post(f"{server.base_url}/v1/chat/completions", headers={"Authorization": f"Bearer {SHIPPED_KEY}"},
                          json={"model": CHAT, "messages": []})
    assert response.status_code == 400 and response.json()["error"]["param"] == "messages"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_async_streaming(server):
    async_client = AsyncOpenAI(base_url=f"{server.base_url}/v1", api_key=SHIPPED_KEY, max_retries=0)
    stream = await async_client.chat.completions.create(model=CHAT, messages=[{"role": "user", "content": "Hi"}], max_tokens=5, stream=True)
    pieces = [chunk async for chunk in stream]
    assert pieces[-1].choices[0].finish_reason in ("stop", "length")
    await async_client.close()


def test_tokenize_and_detokenize(server):
    headers = {"Authorization": f"Bearer {SHIPPED_KEY}"}
    tokens = httpx.post(f"{server.base_url}/tokenize", headers=headers, json={"model": TEXT, "prompt": "The capital of France is"}).json()
    assert tokens["tokens"] == [504, 3575, 282, 4649, 314] and tokens["count"] == 5 and tokens["max_model_len"] == 8192
    text = httpx.post(f"{server.base_url}/detokenize", headers=headers, json={"model": TEXT, "tokens": tokens["tokens"]}).json()
    assert text == {"prompt": "The capital of France is"}
    assert httpx.post(f"{server.base_url}/tokenize", json={"model": TEXT, "prompt": "x"}).status_code == 401


def test_a_repeated_system_prompt_is_served_from_the_prefix_cache(server):
    """The same conversation again is served whole from the prefix cache (all its prompt tokens
    in usage.prompt_tokens_details.cached_tokens) and answers exactly as the first time at
    temperature 0; another question after the same system prompt reuses that prompt's turn,
    through its end token."""
    system = "You are a careful assistant for a river mill. " * 13
    question = "Who counts the boats on the river?"
    messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    first = client(server).chat.completions.create(model=CHAT, messages=messages, max_tokens=12, temperature=0)
    second = client(server).chat.completions.create(model=CHAT, messages=messages, max_tokens=12, temperature=0)
    prompt = first.usage.prompt_tokens
    assert prompt > 128
    assert second.usage.prompt_tokens == prompt
    assert second.usage.prompt_tokens_details.cached_tokens == prompt
    assert second.choices[0].message.content == first.choices[0].message.content
    # Streaming reports it too, in the final usage chunk.
    other = [{"role": "system", "content": system}, {"role": "user", "content": "What does the mill grind?"}]
    chunks = list(client(server).chat.completions.create(
        model=CHAT, messages=other, max_tokens=4, temperature=0, stream=True, stream_options={"include_usage": True}))
    usage = chunks[-1].usage
    # Reused: up to the last piece end (after an end-of-turn token, or a multiple of 64) that
    # both prompts share, leaving a token to compute.
    def tokens(body):
        return httpx.post(f"{server.base_url}/tokenize", headers={"Authorization": f"Bearer {SHIPPED_KEY}"},
                          json={"model": CHAT, **body}).json()["tokens"]
    (end_of_turn,) = tokens({"prompt": "<|im_end|>", "add_special_tokens": False})
    old, new = tokens({"messages": messages, "add_generation_prompt": True}), tokens({"messages": other, "add_generation_prompt": True})
    shared = next(i for i, (a, b) in enumerate(zip(old, new)) if a != b)
    expected = max(p for p in range(1, min(shared, len(new) - 1) + 1) if p % 64 == 0 or new[p - 1] == end_of_turn)
    assert new[expected - 1] == end_of_turn
    assert usage.prompt_tokens_details.cached_tokens == expected


def test_the_prompts_of_one_completions_request_run_together_and_answer_as_alone(server):
    """A list of prompts is submitted at once (they share the batch); at temperature 0 each
    answers exactly as it does alone, and the cached prefix tokens of all of them are summed
    in usage.prompt_tokens_details.cached_tokens."""
    story = "The river ran past the mill, and the miller's daughter counted the boats. " * 6
    prompts = [story + "In the evening", "def fibonacci(n):", story + "At dawn the miller", "The capital of France is"]
    alone = [client(server).completions.create(model=TEXT, prompt=p, max_tokens=16, temperature=0).choices[0].text for p in prompts]
    together = client(server).completions.create(model=TEXT, prompt=prompts, max_tokens=16, temperature=0)
    assert [choice.text for choice in sorted(together.choices, key=lambda c: c.index)] == alone
    # The two story prompts were just prefilled: their whole 64-token chunks are reused.
    assert together.usage.prompt_tokens_details.cached_tokens >= 128
    streamed = list(client(server).completions.create(
        model=TEXT, prompt=prompts, max_tokens=16, temperature=0, stream=True, stream_options={"include_usage": True}))
    texts = [""] * len(prompts)
    for chunk in streamed:
        for choice in chunk.choices:
            texts[choice.index] += choice.text
    assert texts == alone
    assert streamed[-1].usage.prompt_tokens_details.cached_tokens >= 128
