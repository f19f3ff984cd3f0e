"""A chat completion with the official OpenAI SDK, pointed at the node.

    .venv/bin/python Examples/python/chat.py "What is the capital of France?"
"""
import sys

from openai import OpenAI

from _node import API_KEY, BASE_URL, CHAT_MODEL

client = OpenAI(base_url=BASE_URL, api_key=API_KEY)
question = sys.argv[1] if len(sys.argv) > 1 else "What is the capital of France?"
response = client.chat.completions.create(
    model=CHAT_MODEL,
    messages=[{"role": "system", "content": "You answer in one sentence."}, {"role": "user", "content": question}],
    max_tokens=64,
    temperature=0,
)
print(response.choices[0].message.content)
print(f"[{response.usage.prompt_tokens} prompt tokens, {response.usage.completion_tokens} completion tokens, "
      f"finish_reason {response.choices[0].finish_reason}]", file=sys.stderr)
