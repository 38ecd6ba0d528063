#!/usr/bin/env bash
# Builds the console (web/dist) when its sources changed: `npm ci` when package-lock.json is
# newer than the installed packages, `npm run build` (type check + Vite) when anything the
# build reads is newer than dist/index.html. Quiet and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/../web"
if ! command -v npm > /dev/null; then
  echo "build-web: npm not found; Node.js 20.19 or later is needed for the console" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "build-web: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
stamp=dist/index.html
if [ -f "$stamp" ] && [ -z "$(find src public index.html package.json package-lock.json vite.config.ts tsconfig.json -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
echo "build-web: npm run build"
npm run build --silent
touch "$stamp"
