#!/usr/bin/env bash
# Installs every build, test and runtime dependency of minions from Debian's
# archive, and the contract tests' npm packages. Idempotent: what is already
# present is skipped without touching apt or npm.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  libsdbus-c++-dev libsdbus-c++-bin libsystemd-dev
  libpolkit-gobject-1-dev libpistache-dev nlohmann-json3-dev
  libsqlite3-dev libcurl4-openssl-dev libcli11-dev libnl-3-dev libnl-route-3-dev
  googletest libgtest-dev libgmock-dev
  # runtime: bus, authorization, VMs and their networks
  dbus polkitd qemu-system-x86 iproute2 iputils-ping e2fsprogs cpio
  # guest image inputs are downloaded as .debs by guest/build-image.sh
  dpkg-dev xz-utils zstd
  # tests and benchmarks
  sqlite3 wrk libvirt-dbus util-linux procps psmisc curl systemd
  libbenchmark-dev valgrind
  clang-14 libfuzzer-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
else
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The contract tests' npm packages (redocly lint, Ajv, yaml), pinned by
# tests/contract/package-lock.json, installed with `npm ci` into
# tests/contract/node_modules. Node.js 20.19 or later comes with the machine
# (Debian's nodejs 18 is too old for the pinned @redocly/cli). Skipped when
# node_modules was installed from the same lock file.
contract_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/contract"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "deps: node and npm (Node.js 20.19 or later) are needed for tests/contract" >&2
  exit 1
fi
lock_sum="$(sha256sum "$contract_dir/package-lock.json" | cut -d' ' -f1)"
stamp="$contract_dir/node_modules/.minions-lock-sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ]; then
  echo "deps: tests/contract/node_modules matches its package-lock.json"
else
  echo "deps: npm ci in tests/contract"
  (cd "$contract_dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$stamp"
fi
