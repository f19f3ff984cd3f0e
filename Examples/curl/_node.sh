# Sourced by the other scripts: where the node is (what `make serve` listens on by default).
BASE_URL="${CYXWIZ_BASE_URL:-http://127.0.0.1:8080/v1}"
API_KEY="${CYXWIZ_API_KEY:-cyxwiz-local-dev-key}"
CHAT_MODEL="${CYXWIZ_CHAT_MODEL:-smollm2-135m-instruct}"
COMPLETION_MODEL="${CYXWIZ_COMPLETION_MODEL:-smollm2-135m}"
EMBEDDING_MODEL="${CYXWIZ_EMBEDDING_MODEL:-all-minilm-l6-v2}"
