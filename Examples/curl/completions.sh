#!/usr/bin/env bash
# POST /v1/completions: continue a plain-text prompt (the base-model endpoint).
set -euo pipefail
source "$(dirname "$0")/_node.sh"
curl -sS --fail-with-body "$BASE_URL/completions" \
  -H "Authorization: Bearer $API_KEY" -H "Content-Type: application/json" \
  -d '{
    "model": "'"$COMPLETION_MODEL"'",
    "prompt": "The capital of France is",
    "max_tokens": 12,
    "temperature": 0
  }'
echo
