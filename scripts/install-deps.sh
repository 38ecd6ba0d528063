#!/usr/bin/env bash
# Installs the Debian 12 packages Pingan needs to build, test and run (chromium and the CJK
# fonts: the console's browser tests; Node.js comes with the machine, see web/README.md). Idempotent: when
# everything is present it only checks and returns, so `make run` / `make test` stay fast.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache make pkg-config git curl jq
  libboost-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libsodium-dev
  libcli11-dev libspdlog-dev libfmt-dev
  libosmium2-dev libprotozero-dev zlib1g-dev libbz2-dev libexpat1-dev
  libproj-dev proj-data coinor-libcbc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format-16
  chromium fonts-noto-cjk
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
