#!/usr/bin/env bash
# POST /v1/chat/completions with "stream": true: server-sent events, `data: {...}` per chunk,
# then the usage chunk and `data: [DONE]`. -N turns off curl's buffering.
set -euo pipefail
source "$(dirname "$0")/_node.sh"
curl -sS -N --fail-with-body "$BASE_URL/chat/completions" \
  -H "Authorization: Bearer $API_KEY" -H "Content-Type: application/json" \
  -d '{
    "model": "'"$CHAT_MODEL"'",
    "messages": [{"role": "user", "content": "Count from one to five."}],
    "max_tokens": 32,
    "temperature": 0,
    "stream": true,
    "stream_options": {"include_usage": true}
  }'
