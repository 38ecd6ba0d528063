#!/usr/bin/env bash
# Starts a throw-away pingan server with JT/T 808 on, measures durable GPS fixes per second with
# jt808_load, then checks that a unit shows a position and prints the bytes of track files the
# server stored. Usage: bench/load/jt808_run.sh [PINGAN] [JT808_LOAD] [load options]
# e.g. bench/load/jt808_run.sh build/pingan build/bench/jt808_load --terminals 1000 --window 8
# SERVE_ARGS="--threads 1" passes options to pingan serve; DATA_DIR=... keeps the data in that
# new directory instead of a temporary one that is removed. Exits 1 when the generator saw an
# error or no acknowledged fix, or when the sample unit shows no position afterwards.
set -euo pipefail
pingan=${1:-build/pingan}
load=${2:-build/bench/jt808_load}
shift 2 || true
if [ -n "${DATA_DIR:-}" ]; then
  dir=$DATA_DIR
  mkdir -p "$dir"
  cleanup() { kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; }
else
  dir=$(mktemp -d)
  cleanup() { kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
fi
trap cleanup EXIT
# The server holds one descriptor per terminal.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# Baseline: how many small synced appends a second this disk takes. The server syncs once per
# group commit, so fixes per second over this is roughly the fixes each commit carries. Other
# work on the machine moves both figures; the script prints the load average beside them.
syncs_per_s=$(dd if=/dev/zero of="$dir/sync-probe" bs=4k count=200 oflag=dsync 2>&1 |
  sed -n 's/.* copied, \([0-9.]*\) s.*/\1/p' | awk '{ printf "%.0f", 200 / $1 }')
rm -f "$dir/sync-probe"
password=jt808-load-pass
echo "$password" |
  "$pingan" user add --data-dir "$dir" --username li --role station_chief >/dev/null
"$pingan" serve --data-dir "$dir" --listen 127.0.0.1:0 --jt808-listen 127.0.0.1:0 ${SERVE_ARGS:-} \
  >"$dir/serve.out" 2>"$dir/serve.err" &
server=$!
for _ in $(seq 100); do
  banner=$(cat "$dir/serve.out")
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$banner")
  jt808_port=$(sed -n 's/.*JT\/T 808 on 127\.0\.0\.1:\([0-9]*\).*/\1/p' <<<"$banner")
  [ -n "$port" ] && [ -n "$jt808_port" ] && break
  sleep 0.1
done
[ -n "${port:-}" ] && [ -n "${jt808_port:-}" ] || { cat "$dir/serve.err"; exit 1; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }
ticks_before=$(cpu_ticks)
status=0
out=$("$load" --http-port "$port" --jt808-port "$jt808_port" --user li --password "$password" \
  "$@") || status=$?
grep -v "^reproduce:" <<<"$out" || true
echo "reproduce: $0 $pingan $load $*"

server_cpu_s=$(awk -v t="$(($(cpu_ticks) - ticks_before))" -v hz="$(getconf CLK_TCK)" \
  'BEGIN { printf "%.2f", t / hz }')
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) after the run;" \
  "server CPU $server_cpu_s s (setup included); disk: $syncs_per_s synced 4 KiB appends/s"
fixes_per_s=$(sed -n 's/.*"fixes_per_s": \([0-9]*\).*/\1/p' <<<"$out")
if [ -n "$fixes_per_s" ] && [ "${syncs_per_s:-0}" -gt 0 ]; then
  ratio=$(awk -v f="$fixes_per_s" -v s="$syncs_per_s" 'BEGIN { printf "%.1f", f / s }')
  echo "ratio to the disk baseline: $ratio fixes per synced append" \
    "(roughly the fixes one group commit carries)"
fi

# The last acknowledged fix of a terminal must be its unit's position.
unit=$(sed -n 's/.*"sample_unit_id": \([0-9]*\).*/\1/p' <<<"$out")
[ -n "$unit" ] || { echo "jt808_run: no sample unit in the generator's output" >&2; exit 1; }
session=$(curl -sf -X POST "http://127.0.0.1:$port/api/session" \
  -H 'Content-Type: application/json' -d "{\"username\": \"li\", \"password\": \"$password\"}")
token=$(sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' <<<"$session")
unit_json=$(curl -sf "http://127.0.0.1:$port/api/units/$unit" -H "Authorization: Bearer $token")
position=$(sed -n 's/.*"position": *\({[^}]*}\).*/\1/p' <<<"$unit_json")
if [ -z "$position" ]; then
  echo "jt808_run: unit $unit has no position: $unit_json" >&2
  exit 1
fi
echo "unit $unit position: $position"
# 24 bytes a record, after a 24-byte header per day file (docs/track_format.md).
track_bytes=$(cat "$dir"/tracks/*.trk 2>/dev/null | wc -c)
files=$(find "$dir/tracks" -name '*.trk' | wc -l)
echo "tracks: $(du -sh "$dir/tracks" | cut -f1) on disk, $track_bytes bytes in $files day" \
  "file(s), $(((track_bytes - 24 * files) / 24)) records"
exit "$status"
