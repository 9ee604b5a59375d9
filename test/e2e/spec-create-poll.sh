#!/usr/bin/env bash
# The spec's own create-then-poll loop (bodhi-responses-api.md), unchanged but for the
# variables: no ?model= on the poll, exactly as the spec shows it.
set -euo pipefail
BASE=${BASE:-http://localhost:1135}
MODEL=${MODEL:-your-responses-alias}
BACKGROUND=${BACKGROUND:-false}
POLL_INTERVAL=${POLL_INTERVAL:-2}
MAX_POLLS=${MAX_POLLS:-100}

# 1. Create a response. The body is forwarded as-is to the upstream provider.
RESP_ID=$(curl -sf -X POST "$BASE/v1/responses" \
  -H "Authorization: Bearer $BODHI_TOKEN" \
  -H "Content-Type: application/json" \
  -d '{
    "model": "'"$MODEL"'",
    "input": "Plan a 3-day Tokyo itinerary.",
    "background": '"$BACKGROUND"'
  }' | jq -r '.id')

echo "Created response: $RESP_ID"

# 2. Poll until done.
polls=0
while :; do
  STATUS=$(curl -sf "$BASE/v1/responses/$RESP_ID" \
    -H "Authorization: Bearer $BODHI_TOKEN" | jq -r '.status')
  echo "Status: $STATUS"
  case "$STATUS" in
    completed|failed|cancelled) break ;;
  esac
  polls=$((polls + 1))
  [ "$polls" -lt "$MAX_POLLS" ] || { echo "gave up after $polls polls" >&2; exit 1; }
  sleep "$POLL_INTERVAL"
done

# 3. Fetch the final result.
curl -sf "$BASE/v1/responses/$RESP_ID" \
  -H "Authorization: Bearer $BODHI_TOKEN" | jq -c '.output'
