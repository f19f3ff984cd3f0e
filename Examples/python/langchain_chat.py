"""LangChain's ChatOpenAI against the node: a prompt template piped into the model, then the
same chain streamed.

    .venv/bin/python Examples/python/langchain_chat.py "Swift"
"""
import sys

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI

from _node import API_KEY, BASE_URL, CHAT_MODEL

llm = ChatOpenAI(base_url=BASE_URL, api_key=API_KEY, model=CHAT_MODEL, temperature=0, max_tokens=64)
prompt = ChatPromptTemplate.from_messages([
    ("system", "You explain things to a beginner in two sentences."),
    ("user", "What is {topic}?"),
])
chain = prompt | llm | StrOutputParser()
topic = sys.argv[1] if len(sys.argv) > 1 else "Swift"
print(chain.invoke({"topic": topic}))
print("--- streamed:")
for piece in chain.stream({"topic": topic}):
    print(piece, end="", flush=True)
print()
