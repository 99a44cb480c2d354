#!/usr/bin/env bash
# Times `cp --sparse=always` against minions' copy_rootfs (through the
# minions-copy-bench CLI) on a 2 GiB sparse image holding ~200 MB of scattered
# data, alternating the two, on one filesystem. Prints medians and the ratio.
#
# Usage: bench_rootfs_copy.sh [--bin PATH/minions-copy-bench] [--dir DIR] [--runs N]
# Build the CLI first: cmake --build build --target minions-copy-bench
# Neither copy is on disk when the tool returns; the +sync columns add
# `sync FILE` (fsync) to each, the durable cost. minionsd pays the copy before
# the new VM boots and waits for the write-back only before it records the VM
# as running, so the write-back overlaps the boot.
set -euo pipefail

bin="" dir="/var/tmp" runs=5
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin="$2"; shift 2 ;;
        --dir) dir="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        *) echo "usage: $0 [--bin PATH] [--dir DIR] [--runs N]" >&2; exit 2 ;;
    esac
done
if [ -z "$bin" ]; then
    for candidate in build/tests/storage/minions-copy-bench build-net/tests/storage/minions-copy-bench; do
        [ -x "$candidate" ] && bin="$candidate" && break
    done
fi
[ -x "$bin" ] || { echo "minions-copy-bench not found; build it and pass --bin" >&2; exit 1; }

work="$(mktemp -d "$dir/minions-copy-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 200 chunks of 1 MiB spread over 2 GiB (one every ~10 MiB, shifted a little).
head -c $((1 << 20)) /dev/urandom > "$work/chunk"
truncate -s 2G "$work/base.ext4"
for i in $(seq 0 199); do
    dd if="$work/chunk" of="$work/base.ext4" bs=1M seek=$((i * 10 + i % 7)) conv=notrunc status=none
done
sync
echo "source: $(du -h --apparent-size "$work/base.ext4" | cut -f1) apparent, $(du -h "$work/base.ext4" | cut -f1) allocated, on $(df --output=fstype "$work" | tail -1)"

now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# One timed copy by either tool, under the same conditions: the source read
# into the page cache first, the copy checked with cmp, deleted and synced
# after. Prints "copy-ms copy+sync-ms".
timed_copy() {
    local tool="$1" out="$work/$1.ext4" t0 t1 t2
    cat "$work/base.ext4" > /dev/null
    t0=$(now)
    if [ "$tool" = cp ]; then cp --sparse=always "$work/base.ext4" "$out"; else "$bin" "$work/base.ext4" "$out" > "$work/method"; fi
    t1=$(now)
    sync "$out"
    t2=$(now)
    cmp -s "$work/base.ext4" "$out" || { echo "$tool: the copy differs from the source" >&2; exit 1; }
    rm -f "$out"; sync
    echo "$(ms "$t0" "$t1") $(ms "$t0" "$t2")"
}

cp_times=() cps_times=() minions_times=() ms_times=()
for run in $(seq 1 "$runs"); do
    # Alternate which tool goes first, so neither always follows the other.
    if [ $((run % 2)) = 1 ]; then order="cp minions"; else order="minions cp"; fi
    for tool in $order; do
        read -r copy_ms synced_ms < <(timed_copy "$tool")
        if [ "$tool" = cp ]; then cp_times+=("$copy_ms"); cps_times+=("$synced_ms")
        else minions_times+=("$copy_ms"); ms_times+=("$synced_ms"); fi
    done
    echo "run $run: cp ${cp_times[-1]} ms, cp+sync ${cps_times[-1]} ms, minions ($(cat "$work/method")) ${minions_times[-1]} ms, minions+sync ${ms_times[-1]} ms"
done

cp_med=$(printf '%s\n' "${cp_times[@]}" | median)
cps_med=$(printf '%s\n' "${cps_times[@]}" | median)
m_med=$(printf '%s\n' "${minions_times[@]}" | median)
ms_med=$(printf '%s\n' "${ms_times[@]}" | median)
echo "median: cp --sparse=always ${cp_med} ms, cp+sync ${cps_med} ms, minions ${m_med} ms, minions+sync ${ms_med} ms"
awk -v c="$cp_med" -v s="$cps_med" -v m="$m_med" -v n="$ms_med" \
    'BEGIN {printf "ratio cp/minions: %.2f, cp+sync/minions+sync: %.2f; above 1 means minions is faster\n", c / m, s / n}'
