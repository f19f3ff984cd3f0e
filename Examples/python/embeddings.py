"""Embeddings with the OpenAI SDK (which asks for base64 by default; the SDK decodes it), then
a ranking of documents for a query by cosine similarity.

    .venv/bin/python Examples/python/embeddings.py "How do I keep my houseplants alive?"
"""
import math
import sys

from openai import OpenAI

from _node import API_KEY, BASE_URL, EMBEDDING_MODEL

documents = [
    "Water succulents sparingly and give them plenty of direct sunlight.",
    "The central bank raised interest rates by a quarter of a percentage point.",
    "Most indoor plants die from overwatering rather than from neglect.",
    "The striker scored twice in the second half to win the match.",
]
query = sys.argv[1] if len(sys.argv) > 1 else "How do I keep my houseplants alive?"

client = OpenAI(base_url=BASE_URL, api_key=API_KEY)
response = client.embeddings.create(model=EMBEDDING_MODEL, input=documents + [query])
vectors = [item.embedding for item in response.data]


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


print(f"query: {query}  ({len(vectors[0])} dimensions, {response.usage.prompt_tokens} tokens)")
for score, document in sorted(((cosine(v, vectors[-1]), d) for v, d in zip(vectors, documents)), reverse=True):
    print(f"{score:.4f}  {document}")
