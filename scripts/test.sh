#!/usr/bin/env bash
# Sets up a Debian 12 machine and runs the whole test suite:
#   1. the unit tests built with AddressSanitizer + UBSan,
#   2. every fuzz target for about 30 s (clang, libFuzzer, ASan + UBSan),
#   3. the unit and bus tests built with ThreadSanitizer,
#   4. every test (unit, bus, e2e) in a normal build with warnings as errors
#      (e2e ones serially).
# Needs root (TAP devices, network namespaces, a private system bus).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
jobs=$(nproc)

# ctest_all BUILD_DIR ARGS...: ctest, then a failure for every test that
# skipped itself (GTEST_SKIP: no root, no QEMU, no guest image...). On the
# machine this script sets up every test can run, so a skip means something
# it needs went missing, and that must not pass unnoticed.
ctest_all() {
  local dir=$1 status=0
  shift
  local junit
  junit=$(mktemp /tmp/minions-ctest-XXXXXX.xml)
  ctest --test-dir "$dir" --output-junit "$junit" "$@" || status=$?
  local skipped
  skipped=$(sed -n 's/.*<testcase name="\([^"]*\)".*status="notrun".*/\1/p' "$junit")
  rm -f "$junit"
  if [[ -n $skipped ]]; then
    echo "these tests skipped themselves; everything they need is installed by this script:" >&2
    echo "$skipped" | sed 's/^/  /' >&2
    return 1
  fi
  return "$status"
}

echo "== unit tests under ASan/UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMINIONS_WERROR=ON -DMINIONS_SANITIZE=ON >/dev/null
cmake --build build-asan --target minions-unit-tests -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest_all build-asan -L '^unit$' --output-on-failure -j"$jobs"

echo "== fuzz targets, about 30 s each (docs/FUZZING.md)"
# Every parser a stranger feeds (guest agent frames and answers, QMP, Cloud
# Hypervisor replies, raw HTTP requests to the bridge, the configuration,
# names and SSH keys) under libFuzzer with ASan+UBSan, from its seed corpus;
# any crash, leak, timeout or out-of-memory fails the stage.
fuzz_start=$SECONDS
bash scripts/fuzz.sh --short
echo "fuzz stage: $((SECONDS - fuzz_start)) s"

echo "== unit and bus tests under ThreadSanitizer"
# Unit and bus suites: the real minionsd, minions-rest, CLI, agent and
# hypervisor double, all built with TSan, with real polkitd and dbus-daemon.
# Left out: the DaemonKilled crash points (kill -9 at 35 steps; they test
# recovery, not threads, and would double the stage's time).
# Every instrumented process logs its reports into one directory (a file
# tsan.<program>.<pid> each), also the programs tests start. The directory
# is world-writable: test children run as other users. The reports decide,
# not the exit codes (exitcode=0): tsan_check fails the stage on every
# report but those entirely inside the third-party libraries
# tests/tsan.supp names.
tsan_start=$SECONDS
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINIONS_WERROR=ON -DMINIONS_SANITIZE=thread >/dev/null
cmake --build build-tsan --target minions-unit-tests minions-bus-tests -j"$jobs"

# tsan_check DIR: prints every report in DIR's logs that is not entirely
# inside a "#third-party: MODULE" of tests/tsan.supp (for each access of the
# report, the first frame outside the TSan runtime lies in such a module),
# and anything else TSan logged (FATAL, ...); fails if there is any.
tsan_check() {
  local modules
  modules=$(sed -n 's/^#third-party: *\([^ ]*\).*/\1/p' tests/tsan.supp | tr '\n' ' ')
  compgen -G "$1/tsan.*" >/dev/null || { echo "ThreadSanitizer: no reports"; return 0; }
  awk -v modules="$modules" '
    BEGIN { n = split(modules, list, " "); for (i = 1; i <= n; i++) third[list[i]] = 1 }
    function finish() {
      if (inside && (naccess == 0 || ours > 0)) { printf "--- %s\n==================\n%s", FILENAME, text; kept++ }
      else if (inside) ignored++
      inside = 0
    }
    FNR == 1 && inside { finish() }
    /^==================$/ {
      if (inside) finish(); else { inside = 1; text = ""; kind = ""; naccess = 0; ours = 0; want = 0 }
      next
    }
    !inside {
      # Between reports: the count TSan prints at exit is fine, anything else is not.
      if ($0 !~ /^ThreadSanitizer: reported [0-9]+ warnings$/ && $0 != "") { printf "--- %s\n%s\n", FILENAME, $0; other++ }
      next
    }
    {
      text = text $0 "\n"
      if ($0 ~ /^WARNING: ThreadSanitizer:/) { kind = $0; next }
      if ($0 ~ /^  [A-Z]/) {
        # A stack heading: the accesses of a data race; for other kinds of
        # report, every stack but locations and creation stacks.
        if (kind ~ /data race/) want = ($0 ~ /^  (Read|Write|Atomic|Previous)/)
        else want = ($0 !~ /Location is|created (at|by)/)
        if (want) naccess++
        next
      }
      if (want && $0 ~ /^    #[0-9]+ /) {
        if ($0 ~ /libsanitizer|\(libtsan\.so/) next
        want = 0
        module = $0; sub(/.*\(/, "", module); sub(/\+0x[0-9a-f]+\)$/, "", module); sub(/.*\//, "", module)
        if (!(module in third)) ours++
      }
    }
    END {
      if (inside) finish()
      printf "ThreadSanitizer: %d reports entirely inside third-party libraries (ignored), %d others, %d other messages\n", ignored, kept, other
      exit (kept + other > 0)
    }' "$1"/tsan.*
}

tsan_logs=$(mktemp -d /tmp/minions-tsan-XXXXXX)
chmod 1777 "$tsan_logs"
rm -rf build-tsan/tsan-reports
# A copy beside the logs: test children run as users who may not be able to
# read the checkout (a clone in a 0700 directory).
cp tests/tsan.supp "$tsan_logs/suppressions"
chmod 0644 "$tsan_logs/suppressions"
tsan_options="suppressions=$tsan_logs/suppressions halt_on_error=0 exitcode=0 second_deadlock_stack=1"
tsan_options+=" log_path=$tsan_logs/tsan log_exe_name=1"
tsan_status=0
TSAN_OPTIONS=$tsan_options ctest_all build-tsan -L '^(unit|bus)$' -E '^EveryStep/DaemonKilled' \
  --output-on-failure -j"$jobs" || tsan_status=1
if ! tsan_check "$tsan_logs" >"$tsan_logs/check.txt"; then
  tsan_status=1
  mkdir -p build-tsan/tsan-reports
  cp "$tsan_logs"/* build-tsan/tsan-reports/
  cat "$tsan_logs/check.txt" >&2
  echo "(all of ThreadSanitizer's logs: build-tsan/tsan-reports)" >&2
else
  cat "$tsan_logs/check.txt"
fi
rm -rf "$tsan_logs"
echo "ThreadSanitizer stage: $((SECONDS - tsan_start)) s"
[[ $tsan_status -eq 0 ]] || { echo "ThreadSanitizer stage failed" >&2; exit 1; }

echo "== full suite"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINIONS_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
# Unit and bus tests side by side, as under TSan; the e2e tests (real QEMU
# guests under TCG, the demo) one at a time, each having both cores.
ctest_all build -LE '^e2e$' --output-on-failure -j"$jobs" "$@"
ctest_all build -L '^e2e$' --output-on-failure "$@"
