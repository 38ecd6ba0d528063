#!/usr/bin/env bash
# The console end to end, as a newcomer gets it: `pingan demo` on a fresh data directory (the
# generated district, nothing from outside the repository), the built console served by the
# server itself at /, and e2e/smoke.mjs in Debian's chromium logged in as demo / demo.
#
#   e2e/run-demo.sh PINGAN_BINARY [SHOTS_DIR]
#
# Needs `npm ci` and `npm run build` done in web/ (scripts/build-web.sh) and /usr/bin/chromium.
# The server listens on a free port; everything started here is stopped on exit. Patrol plans
# are built and published as `admin` (its password is in the demo directory).
set -euo pipefail
bin=$(realpath "${1:?pingan binary}")
shots=${2:-${SHOTS:-/tmp/pingan-shots}}
here=$(cd "$(dirname "$0")" && pwd)
web=$(dirname "$here")
work=$(mktemp -d /tmp/pingan-e2e.XXXXXX)
server_pid=

cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

[ -f "$web/dist/index.html" ] || { echo "no console build in $web/dist: run scripts/build-web.sh" >&2; exit 1; }
# A fast district (20x) so a dispatched unit arrives within seconds.
"$bin" demo --data-dir "$work/demo" --listen 127.0.0.1:0 --speed 20 --web-root "$web/dist" \
  > "$work/demo.log" 2>&1 &
server_pid=$!
url=
for _ in $(seq 1 600); do
  url=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$work/demo.log" | head -1 | sed 's/listening on //') || true
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/demo.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "pingan demo did not start" >&2; cat "$work/demo.log" >&2; exit 1; }
# Let the district run a moment: units report positions, the first calls arrive.
sleep 3
grep -q 'DEMO MODE' "$work/demo.log" || { echo "no demo banner" >&2; exit 1; }
status=0
CONSOLE_URL="$url/" PINGAN_API="$url" PINGAN_DEMO=1 PINGAN_USER=demo PINGAN_PASSWORD=demo SHOTS="$shots" \
  PINGAN_PLANNER_USER=admin PINGAN_PLANNER_PASSWORD="$(cat "$work/demo/initial-admin-password")" \
  node "$here/smoke.mjs" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- pingan demo log (last 40 lines) ---" >&2
  tail -40 "$work/demo.log" >&2
fi
exit "$status"
