"""Where the examples find the node: CYXWIZ_BASE_URL (default http://127.0.0.1:8080/v1, what
`make serve` listens on) and CYXWIZ_API_KEY (default: the shipped config.toml's key)."""
import os

BASE_URL = os.environ.get("CYXWIZ_BASE_URL", "http://127.0.0.1:8080/v1")
API_KEY = os.environ.get("CYXWIZ_API_KEY", "cyxwiz-local-dev-key")
CHAT_MODEL = os.environ.get("CYXWIZ_CHAT_MODEL", "smollm2-135m-instruct")
EMBEDDING_MODEL = os.environ.get("CYXWIZ_EMBEDDING_MODEL", "all-minilm-l6-v2")
