#!/usr/bin/env bash
# POST /v1/embeddings: vectors for two sentences (as floats; "encoding_format": "base64" gives
# little-endian float32 in base64, as the Python SDK asks by default).
set -euo pipefail
source "$(dirname "$0")/_node.sh"
curl -sS --fail-with-body "$BASE_URL/embeddings" \
  -H "Authorization: Bearer $API_KEY" -H "Content-Type: application/json" \
  -d '{
    "model": "'"$EMBEDDING_MODEL"'",
    "input": ["The weather is lovely today.", "It is sunny outside."],
    "encoding_format": "float"
  }'
echo
