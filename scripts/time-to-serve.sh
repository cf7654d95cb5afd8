#!/usr/bin/env bash
# Measures how long `npm start` takes until /health/live answers, then stops the server
# gracefully. `--clean` removes dist/ first (a first start: build included).
#   scripts/time-to-serve.sh [--clean]
# PORT, EMBEDDED_MONGO_PORT and EMBEDDED_MONGO_DATA default to values that do not disturb a
# server already running with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
export PORT="${PORT:-3999}" EMBEDDED_MONGO_PORT="${EMBEDDED_MONGO_PORT:-27999}"
export EMBEDDED_MONGO_DATA="${EMBEDDED_MONGO_DATA:-.change-relay/time-to-serve}"
if [[ "${1:-}" == "--clean" ]]; then rm -rf dist; fi
log="$(mktemp)"
start=$(date +%s%N)
setsid npm start > "$log" 2>&1 &
group=$!
until curl -sf "http://127.0.0.1:${PORT}/health/live" > /dev/null; do
  if ! kill -0 "$group" 2> /dev/null; then cat "$log"; exit 1; fi
  sleep 0.1
done
echo "serving after $(( ($(date +%s%N) - start) / 1000000 )) ms ($(grep -c 'Building' "$log" || true) build)"
kill -TERM -- "-$group"
wait "$group" 2> /dev/null || true
rm -f "$log"
