#!/usr/bin/env bash
# What a mistake looks like: OpenAI's error envelope, here a 404 for an unknown model.
# (Prints the body and the status; exits 0.)
set -euo pipefail
source "$(dirname "$0")/_node.sh"
curl -sS -w '\nHTTP %{http_code}\n' "$BASE_URL/chat/completions" \
  -H "Authorization: Bearer $API_KEY" -H "Content-Type: application/json" \
  -d '{"model": "no-such-model", "messages": [{"role": "user", "content": "Hi"}]}'
