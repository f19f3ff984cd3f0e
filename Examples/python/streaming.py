"""A streamed chat completion: tokens are printed as the node generates them, then the usage
that `stream_options={"include_usage": True}` adds in the last chunk.

    .venv/bin/python Examples/python/streaming.py "Write a haiku about a lighthouse."
"""
import sys

from openai import OpenAI

from _node import API_KEY, BASE_URL, CHAT_MODEL

client = OpenAI(base_url=BASE_URL, api_key=API_KEY)
prompt = sys.argv[1] if len(sys.argv) > 1 else "Write a haiku about a lighthouse."
stream = client.chat.completions.create(
    model=CHAT_MODEL,
    messages=[{"role": "user", "content": prompt}],
    max_tokens=96,
    stream=True,
    stream_options={"include_usage": True},
)
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        print(chunk.choices[0].delta.content, end="", flush=True)
    if chunk.usage:
        print(f"\n[{chunk.usage.completion_tokens} tokens streamed]", file=sys.stderr)
print()
