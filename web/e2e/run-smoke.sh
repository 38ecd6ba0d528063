#!/usr/bin/env bash
# End to end, on this machine only: a fresh demo data directory, a real `pingan serve`, the
# built console under `vite preview` (with its /api proxy), then e2e/smoke.mjs in chromium.
#
#   e2e/run-smoke.sh PINGAN_BINARY [SHOTS_DIR]
#
# Needs `npm ci` done in web/ and /usr/bin/chromium (Debian package `chromium`). Ports: API
# 127.0.0.1:${API_PORT:-18080}, console 127.0.0.1:${WEB_PORT:-14173}. Everything started here
# is stopped on exit.
set -euo pipefail
bin=$(realpath "${1:?pingan binary}")
shots=${2:-${SHOTS:-/tmp/pingan-shots}}
api_port=${API_PORT:-18080}
web_port=${WEB_PORT:-14173}
here=$(cd "$(dirname "$0")" && pwd)
web=$(dirname "$here")
work=$(mktemp -d /tmp/pingan-e2e.XXXXXX)
server_pid=
preview_pid=

cleanup() {
  [ -n "$preview_pid" ] && kill "$preview_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() {  # URL, seconds
  for _ in $(seq 1 "$(($2 * 10))"); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2
  return 1
}

"$here/demo-data.sh" "$bin" "$work/data" > "$work/demo-data.log" 2>&1
"$bin" serve --data-dir "$work/data" --listen "127.0.0.1:$api_port" > "$work/serve.log" 2>&1 &
server_pid=$!
wait_for "http://127.0.0.1:$api_port/healthz" 30
PINGAN_API="http://127.0.0.1:$api_port" node "$here/seed.mjs"

cd "$web"
[ -f dist/index.html ] || npm run build
PINGAN_API="http://127.0.0.1:$api_port" ./node_modules/.bin/vite preview --strictPort --port "$web_port" > "$work/preview.log" 2>&1 &
preview_pid=$!
wait_for "http://127.0.0.1:$web_port/" 30

CONSOLE_URL="http://127.0.0.1:$web_port/" PINGAN_API="http://127.0.0.1:$api_port" SHOTS="$shots" \
  node "$here/smoke.mjs"
