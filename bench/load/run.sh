#!/usr/bin/env bash
# Starts a throw-away pingan server, then measures POST /api/incidents latency at a fixed
# offered load with pingan_load. Usage: bench/load/run.sh [PINGAN] [PINGAN_LOAD] [load options]
# e.g. bench/load/run.sh build/pingan build/bench/pingan_load --rate 1000 --duration 20
# SERVE_ARGS="--threads 1" passes options to pingan serve.
set -euo pipefail
pingan=${1:-build/pingan}
load=${2:-build/bench/pingan_load}
shift 2 || true
dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
echo "load-test-pass" | "$pingan" user add --data-dir "$dir" --username li --role dispatcher >/dev/null
"$pingan" serve --data-dir "$dir" --listen 127.0.0.1:0 ${SERVE_ARGS:-} >"$dir/serve.out" 2>"$dir/serve.err" &
server=$!
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/serve.out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "${port:-}" ] || { cat "$dir/serve.err"; exit 1; }
"$load" --port "$port" --user li --password load-test-pass "$@"
