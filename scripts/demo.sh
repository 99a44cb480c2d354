#!/usr/bin/env bash
# Sets up a Debian 12 machine, builds minions and shows what it built.
# (Booting a demo VM arrives with the service.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
