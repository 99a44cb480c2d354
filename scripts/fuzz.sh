#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, docs/FUZZING.md) in build-fuzz and runs
# every one of them, two at a time (-j), each on a scratch copy of its seed
# corpus: fuzz/corpus is only read, never written.
#
#   scripts/fuzz.sh --short              each target ~30 s (CI); the default
#   scripts/fuzz.sh --long [SECONDS]     each target SECONDS (default 3600)
#   options: -j N (targets at once, default 2), --runs N (also stop a target
#            after N executions), --no-build, --keep (keep the
#            scratch directory even when all passed), --out DIR (scratch
#            directory; default a new one under /tmp), then target names
#            (default: all of them)
#
# Exits non-zero when a target crashed, leaked, timed out (one input over
# 10 s) or ran out of memory (2 GiB), printing its reproducer's path. Prints
# one summary line per target: executions, executions per second, coverage
# (cov) and features (ft). Installs nothing: scripts/deps.sh brings clang-14
# and libfuzzer-14-dev.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"
all_targets=(agent_frame agent_dispatch agent_client qmp ch_api rest_request config names ssh_key)

seconds=30
runs=-1
jobs=2
do_build=1
keep=0
out=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --short) seconds=30 ;;
    --long)
      seconds=3600
      if [ $# -gt 1 ] && [[ "$2" =~ ^[0-9]+$ ]]; then seconds="$2"; shift; fi ;;
    -j) jobs="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --no-build) do_build=0 ;;
    --keep) keep=1 ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [ -d "$root/fuzz/corpus/$t" ] || { echo "fuzz.sh: no target '$t' (known: ${all_targets[*]})" >&2; exit 2; }
done

if [ "$do_build" = 1 ]; then
  for tool in clang-14 clang++-14; do
    command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool missing; run scripts/deps.sh" >&2; exit 1; }
  done
  if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMINIONS_BUILD_FUZZ=ON -DMINIONS_BUILD_TESTS=OFF -DMINIONS_SANITIZE=ON >/dev/null
  fi
  cmake --build "$build" --target minions-fuzz -j2 >/dev/null
fi

[ -n "$out" ] || out="$(mktemp -d /tmp/minions-fuzz.XXXXXX)"
mkdir -p "$out"
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, $jobs at a time, scratch $out"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run_target() {
  local t="$1" dir="$out/$1"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp "$root/fuzz/corpus/$t/"* "$dir/corpus/"
  local dict=()
  [ -f "$root/fuzz/dict/$t.dict" ] && dict=("-dict=$root/fuzz/dict/$t.dict")
  local rc=0
  "$build/fuzz/fuzz-$t" -max_total_time="$seconds" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "${dict[@]}" "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rc"
}

start=$SECONDS
running=0
for t in "${targets[@]}"; do
  run_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=0
printf '%-15s %12s %9s %7s %8s %s\n' target execs exec/s cov ft result
for t in "${targets[@]}"; do
  dir="$out/$t"
  rc="$(cat "$dir/rc" 2>/dev/null || echo 1)"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)"
  cov="$(grep -Eo 'cov: [0-9]+' "$dir/log" | tail -1 | cut -d' ' -f2)"
  ft="$(grep -Eo 'ft: [0-9]+' "$dir/log" | tail -1 | cut -d' ' -f2)"
  artifacts=("$dir"/artifacts/*)
  result=ok
  if [ "$rc" != 0 ] || [ -e "${artifacts[0]}" ]; then
    failed=1
    kind="$(grep -Eo 'ERROR: (libFuzzer: [a-z0-9 -]+|AddressSanitizer: [a-z-]+|LeakSanitizer: [a-z ]+)' "$dir/log" | head -1)"
    result="FAILED (${kind:-exit $rc})"
  fi
  printf '%-15s %12s %9s %7s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
echo "fuzz: $((SECONDS - start)) s in all"

if [ "$failed" != 0 ]; then
  for t in "${targets[@]}"; do
    for a in "$out/$t"/artifacts/*; do
      [ -e "$a" ] || continue
      echo "fuzz: $t: reproducer $a"
      echo "      reproduce: $build/fuzz/fuzz-$t $a   (log: $out/$t/log)"
    done
    if [ "$(cat "$out/$t/rc" 2>/dev/null || echo 1)" != 0 ] && ! compgen -G "$out/$t/artifacts/*" >/dev/null; then
      echo "fuzz: $t: failed without a reproducer; see $out/$t/log"
    fi
  done
  exit 1
fi
[ "$keep" = 1 ] || [ "$seconds" -gt 30 ] || rm -rf "$out"
exit 0
