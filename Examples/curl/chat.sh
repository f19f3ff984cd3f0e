#!/usr/bin/env bash
# POST /v1/chat/completions: one answer, as one JSON object.
set -euo pipefail
source "$(dirname "$0")/_node.sh"
curl -sS --fail-with-body "$BASE_URL/chat/completions" \
  -H "Authorization: Bearer $API_KEY" -H "Content-Type: application/json" \
  -d '{
    "model": "'"$CHAT_MODEL"'",
    "messages": [{"role": "user", "content": "What is the capital of France?"}],
    "max_tokens": 32,
    "temperature": 0
  }'
echo
