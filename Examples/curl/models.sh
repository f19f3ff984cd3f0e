#!/usr/bin/env bash
# GET /v1/models: the models this node serves.
set -euo pipefail
source "$(dirname "$0")/_node.sh"
curl -sS --fail-with-body "$BASE_URL/models" -H "Authorization: Bearer $API_KEY"
echo
