#!/usr/bin/env bash
# Sets up a Debian 12 machine and runs the whole test suite:
#   1. the unit tests built with AddressSanitizer + UBSan,
#   2. every test (unit, bus, e2e) in a normal build with warnings as errors.
# Needs root (TAP devices, network namespaces, a private system bus).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
jobs=$(nproc)

echo "== unit tests under ASan/UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMINIONS_WERROR=ON -DMINIONS_SANITIZE=ON >/dev/null
cmake --build build-asan --target minions-unit-tests -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -L '^unit$' --output-on-failure -j"$jobs"

echo "== full suite"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINIONS_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure "$@"
