#!/usr/bin/env bash
# Boot to agent ready under QEMU/TCG: raw QEMU (same argv, clock stops at the
# guest's rcS line on the serial console) against minions (QEMU driver launch +
# agent health answer), alternating, in one run. Root (netns, bridge, TAP).
#
# Usage: tests/e2e/bench_boot.sh [--build DIR] [--runs N] [--cpus N] [--memory MiB]
#   --build DIR  build tree to use (default: build); the script builds the
#                minions-boot-bench and guest-image targets in it first
set -euo pipefail
cd "$(dirname "$0")/../.."

build=build
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build="${2:?}"; shift 2 ;;
        --runs|--cpus|--memory) args+=("$1" "${2:?}"); shift 2 ;;
        -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench_boot: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "bench_boot: needs root (network namespace, TAP)" >&2; exit 1; }

cmake --build "$build" --target minions-boot-bench guest-image -j"$(nproc)" >&2
echo "machine: $(nproc) cores, $(uname -r), $(qemu-system-x86_64 --version | head -n1)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/tests/e2e/minions-boot-bench" "${args[@]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
