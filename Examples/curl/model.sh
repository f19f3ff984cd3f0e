#!/usr/bin/env bash
# GET /v1/models/{id}: one model (default: the chat model).
set -euo pipefail
source "$(dirname "$0")/_node.sh"
curl -sS --fail-with-body "$BASE_URL/models/${1:-$CHAT_MODEL}" -H "Authorization: Bearer $API_KEY"
echo
