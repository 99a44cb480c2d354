#!/usr/bin/env bash
# D-Bus call benchmark: minionsd against libvirt-dbus, same bus, same client.
#
#   bench/dbus_bench.sh [--build DIR] [--rounds R] [--calls N] [--clients C]
#                       [--restart-calls N] [--max-seconds S] [--keep]
#                       [--callgrind FILE]
#
# Sets up, in this order, and removes again on exit:
#   - the project's polkit files in /usr/share/polkit-1/actions and
#     /etc/polkit-1/rules.d (shared with concurrently running test suites by
#     the same flock + holder-pid protocol as tests/polkit/private_bus.cpp);
#   - a private system bus with a real polkitd (scripts/private-bus.sh);
#   - minionsd (as root) with the Cloud Hypervisor test double, the real
#     guest agent behind it, its network in a namespace of its own, and 10
#     running VMs vm0..vm9 (MINIONS_CH_DOUBLE_REBOOT_MS=0: a restart costs
#     only what the control plane does);
#   - libvirt-dbus --system (as user libvirtdbus, as its bus policy wants)
#     on the same bus; its /org/libvirt/Test object is libvirt's in-process
#     Test driver (test:///default), given 9 more running domains so it
#     also lists 10.
# Then, for each scenario, R rounds alternating minions and libvirt-dbus,
# each round sequential (1 client, N calls) and concurrent (C clients with a
# connection each, N calls in all), every call timed by
# minions-dbus-bench. The table shows the median over rounds.
#
# --callgrind FILE runs minionsd under valgrind's callgrind instead and only
# profiles the reads (sequential ListVms and GetVm, instrumentation switched
# on for those calls alone), then writes the profile to FILE: where minionsd
# spends its CPU time per read (callgrind_annotate FILE). No table then.
#
# Needs root, a build with -DMINIONS_BUILD_BENCH=ON (target
# minions-dbus-bench-all) and libvirt-dbus (scripts/deps.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/.." && pwd)
build=$source_dir/build-bench
rounds=3
calls=2000
clients=4
restart_calls=200
max_seconds=20
keep=0
callgrind_out=

while [[ $# -gt 0 ]]; do
  case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --calls) calls=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --restart-calls) restart_calls=$2; shift 2 ;;
    --max-seconds) max_seconds=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --callgrind) callgrind_out=$(realpath -m "$2"); shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--rounds R] [--calls N] [--clients C] [--restart-calls N] [--max-seconds S] [--keep] [--callgrind FILE]" >&2; exit 2 ;;
  esac
done
((clients >= 1 && clients <= 10)) || { echo "$0: --clients must be 1..10 (one VM per restarting client)" >&2; exit 2; }

[[ $(id -u) == 0 ]] || { echo "$0: needs root (polkit files, private bus, network namespace)" >&2; exit 1; }
client=$build/bench/minions-dbus-bench
minionsd=$build/service/daemon/minionsd
ch_double=$build/tests/ch-double/ch-double
agent=$build/guest/agent/minions-agent
for f in "$client" "$minionsd" "$ch_double" "$agent"; do
  [[ -x $f ]] || { echo "$0: $f missing; cmake --build $build --target minions-dbus-bench-all" >&2; exit 1; }
done
libvirt_dbus=/usr/sbin/libvirt-dbus
[[ -x $libvirt_dbus ]] || { echo "$0: $libvirt_dbus missing (scripts/deps.sh)" >&2; exit 1; }
getent passwd libvirtdbus >/dev/null || { echo "$0: user libvirtdbus missing (reinstall libvirt-dbus)" >&2; exit 1; }

root=$(mktemp -d /tmp/minions-dbus-bench-XXXXXX)
chmod 0755 "$root"
bus_dir=$root/bus
netns=minions-bench$$
results=$root/results.txt
minionsd_pid=
libvirt_pid=
polkit_held=0

log() { printf '== %s\n' "$*" >&2; }

# --- polkit files: the test harness's protocol, so a test suite finishing
# meanwhile does not remove them from under us (and we not from under it).
polkit_lock=/tmp/minions-test-polkit.lock
polkit_holders=/tmp/minions-test-polkit.holders
polkit_files=("$source_dir/polkit/org.minions.policy:/usr/share/polkit-1/actions/org.minions.policy"
              "$source_dir/polkit/50-org.minions.rules:/etc/polkit-1/rules.d/50-org.minions.rules")
polkit_acquire() {
  (
    flock 9
    mkdir -p "$polkit_holders"
    : >"$polkit_holders/$$"
    for pair in "${polkit_files[@]}"; do
      install -D -m 0644 "${pair%%:*}" "${pair#*:}"
    done
  ) 9>>"$polkit_lock"
  polkit_held=1
}
polkit_release() {
  ((polkit_held)) || return 0
  polkit_held=0
  (
    flock 9
    rm -f "$polkit_holders/$$"
    others=0
    for holder in "$polkit_holders"/*; do
      [[ -e $holder ]] || continue
      if kill -0 "$(basename "$holder")" 2>/dev/null; then others=1; else rm -f "$holder"; fi
    done
    if ((others == 0)); then
      for pair in "${polkit_files[@]}"; do rm -f "${pair#*:}"; done
    fi
  ) 9>>"$polkit_lock"
}

# stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL.
stop_pid() {
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
  set +e
  stop_pid "$minionsd_pid"
  stop_pid "$libvirt_pid"
  # The VMMs (ch-double) and their agents are detached from minionsd on
  # purpose; they are ours if their command line names our directory.
  local p
  for p in /proc/[0-9]*; do
    [[ ${p#/proc/} == "$$" ]] && continue
    if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF "$root/"; then kill -9 "${p#/proc/}" 2>/dev/null; fi
  done
  ip netns delete "$netns" 2>/dev/null
  "$source_dir/scripts/private-bus.sh" stop "$bus_dir" 2>/dev/null
  polkit_release
  if ((keep)); then echo "kept $root" >&2; else rm -rf "$root"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- bus and polkitd
polkit_acquire
"$source_dir/scripts/private-bus.sh" start "$bus_dir"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$bus_dir/system_bus_socket

# --- minionsd
mkdir -p "$root"/{state,vms,kernel,images,run}
echo "bench kernel" >"$root/kernel/vmlinuz"
echo "bench initramfs" >"$root/kernel/initrd.img"
mkfs.ext4 -q -F "$root/images/base.ext4" 64M
cat >"$root/minionsd.conf" <<EOF
[paths]
state_dir = $root/state
vms_dir = $root/vms
kernel_dir = $root/kernel
image_dir = $root/images
run_dir = $root/run

[network]
bridge = mbr0
subnet = 10.214.0.1/24
netns = $netns
dns = 10.214.0.1

[hypervisor]
hypervisor = cloud-hypervisor
cloud_hypervisor_binary = $ch_double

[vm]
default_memory_mb = 256

[timeouts]
agent_ready_timeout = 20
stop_timeout = 10
exec_timeout = 20
EOF
log "starting minionsd${callgrind_out:+ under callgrind}"
under=()
if [[ -n $callgrind_out ]]; then
  command -v valgrind >/dev/null || { echo "$0: --callgrind needs valgrind" >&2; exit 1; }
  under=(valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$root/callgrind.out")
fi
# setsid execs in place here (a background job is no group leader), so $! is minionsd (or valgrind).
MINIONS_CH_DOUBLE_AGENT=$agent MINIONS_CH_DOUBLE_REBOOT_MS=0 \
  setsid "${under[@]}" "$minionsd" --config "$root/minionsd.conf" </dev/null >"$root/minionsd.log" 2>&1 &
minionsd_pid=$!

# wait_name NAME [SECONDS]: until NAME has an owner on the bus (default 10 s).
wait_name() {
  local i
  for i in $(seq $((${2:-10} * 10))); do
    [[ $(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s "$1" 2>/dev/null) == "b true" ]] && return 0
    sleep 0.1
  done
  echo "$0: $1 did not appear on the bus" >&2
  return 1
}
wait_name org.minions.Manager ${callgrind_out:+60} || { cat "$root/minionsd.log" >&2; exit 1; }

log "creating vm0..vm9"
vm_paths=()
for i in $(seq 0 9); do
  path=$(busctl --system --timeout=120 call org.minions.Manager /org/minions org.minions.Manager \
           Create suusb "vm$i" 1 256 "" false | awk '{print $2}' | tr -d '"')
  vm_paths+=("$path")
done

if [[ -n $callgrind_out ]]; then
  log "profiling $calls sequential ListVms and $calls GetVm calls"
  callgrind_control -i on "$minionsd_pid" >/dev/null
  "$client" --calls "$calls" --warmup 0 --max-seconds 600 --label list/minions/callgrind \
    --dest org.minions.Manager --path /org/minions --iface org.minions.Manager --method ListVms
  "$client" --calls "$calls" --warmup 0 --max-seconds 600 --label get/minions/callgrind \
    --dest org.minions.Manager --path /org/minions --iface org.minions.Manager --method GetVm --arg s:vm5
  # Dump now: at exit valgrind may outlast stop_pid's patience.
  callgrind_control -d "$minionsd_pid" >/dev/null
  callgrind_control -i off "$minionsd_pid" >/dev/null
  dump=$(ls -S "$root"/callgrind.out* | head -1)
  cp "$dump" "$callgrind_out"
  echo "profile: $callgrind_out (callgrind_annotate --inclusive=yes $callgrind_out)"
  exit 0
fi

# --- libvirt-dbus
log "starting libvirt-dbus (Test driver)"
setpriv --reuid=libvirtdbus --regid=libvirtdbus --init-groups "$libvirt_dbus" --system \
  </dev/null >"$root/libvirt-dbus.log" 2>&1 &
libvirt_pid=$!
wait_name org.libvirt || { cat "$root/libvirt-dbus.log" >&2; exit 1; }
lv=/org/libvirt/Test
# test:///default starts with one running domain, "test"; add vm1..vm9.
for i in $(seq 1 9); do
  busctl --system call org.libvirt $lv org.libvirt.Connect DomainCreateXML su \
    "<domain type='test'><name>vm$i</name><memory unit='MiB'>256</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>" 0 >/dev/null
done
lv_domains=$(busctl --system call org.libvirt $lv org.libvirt.Connect ListDomains u 0 | awk '{print $2}')
[[ $lv_domains == 10 ]] || { echo "$0: libvirt Test driver lists $lv_domains domains, want 10" >&2; exit 1; }
lv_vm5=$(busctl --system call org.libvirt $lv org.libvirt.Connect DomainLookupByName s vm5 | awk '{print $2}' | tr -d '"')
lv_paths=()
for i in $(seq 1 9) 1; do
  lv_paths+=("$(busctl --system call org.libvirt $lv org.libvirt.Connect DomainLookupByName s "vm$i" | awk '{print $2}' | tr -d '"')")
done

# Reply sizes, for the reader (busctl's text rendering, not wire bytes).
{
  echo "payload minions ListVms: $(busctl --system call org.minions.Manager /org/minions org.minions.Manager ListVms | wc -c) chars"
  echo "payload libvirt ListDomains: $(busctl --system call org.libvirt $lv org.libvirt.Connect ListDomains u 0 | wc -c) chars"
  echo "payload minions GetVm: $(busctl --system call org.minions.Manager /org/minions org.minions.Manager GetVm s vm5 | wc -c) chars"
  echo "payload libvirt Domain GetAll: $(busctl --system call org.libvirt "$lv_vm5" org.freedesktop.DBus.Properties GetAll s org.libvirt.Domain | wc -c) chars"
} >"$root/payloads.txt"

# bench SCENARIO SIDE CLIENTS CALLS WARMUP -- client args...
bench() {
  local scenario=$1 side=$2 n=$3 total=$4 warmup=$5
  shift 6
  local line
  if ! line=$("$client" --clients "$n" --calls "$total" --warmup "$warmup" --max-seconds "$max_seconds" \
                --label "$scenario/$side" "$@" 2>>"$root/errors.txt"); then
    echo "$0: $scenario/$side with $n clients had errors:" >&2
    tail -5 "$root/errors.txt" >&2
  fi
  echo "$line" | tee -a "$results" >&2
}

m=(--dest org.minions.Manager)
l=(--dest org.libvirt)
restart_paths=()
for i in $(seq 0 $((clients - 1))); do restart_paths+=(--path "${vm_paths[$i]}"); done
lv_reboot_paths=()
for i in $(seq 0 $((clients - 1))); do lv_reboot_paths+=(--path "${lv_paths[$i]}"); done

for round in $(seq "$rounds"); do
  log "round $round/$rounds"
  for n in 1 "$clients"; do
    bench list minions "$n" "$calls" 100 -- "${m[@]}" --path /org/minions --iface org.minions.Manager --method ListVms
    bench list libvirt "$n" "$calls" 100 -- "${l[@]}" --path $lv --iface org.libvirt.Connect --method ListDomains --arg u:0
    bench get minions "$n" "$calls" 100 -- "${m[@]}" --path /org/minions --iface org.minions.Manager --method GetVm --arg s:vm5
    bench get libvirt "$n" "$calls" 100 -- "${l[@]}" --path "$lv_vm5" --iface org.freedesktop.DBus.Properties --method GetAll --arg s:org.libvirt.Domain
  done
  for n in 1 "$clients"; do
    bench restart minions "$n" "$restart_calls" 2 -- "${m[@]}" "${restart_paths[@]}" --iface org.minions.VM --method Restart --arg b:false
    bench restart libvirt "$n" "$restart_calls" 2 -- "${l[@]}" "${lv_reboot_paths[@]}" --iface org.libvirt.Domain --method Reboot --arg u:0
  done
done

# --- where a read's server time goes: building the reply (see serialize_bench.cpp)
serialize=$build/bench/minions-serialize-bench
if [[ -x $serialize ]]; then
  log "reply serialisation micro-benchmark"
  "$serialize" --benchmark_min_time=0.3 2>&1 | grep -E '^(Benchmark|-|ListVms|GetVm|Empty)'
fi

# --- the table: median over rounds of each figure
cat "$root/payloads.txt"
echo "libvirt-dbus worker threads: $(ls /proc/"$libvirt_pid"/task | wc -l) threads in the process; minionsd: $(ls /proc/"$minionsd_pid"/task | wc -l)"
awk -v clients="$clients" '
  function kv(field,   p) { p = index(field, "="); return substr(field, p + 1) }
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    split(kv($1), ls, "/"); scenario = ls[1]; side = ls[2]; n = kv($2)
    key = scenario SUBSEP n
    if (!(key in seen)) { seen[key] = 1; order[++count] = key }
    rate[key, side] = rate[key, side] " " kv($6)
    p50[key, side] = p50[key, side] " " kv($7)
    p99[key, side] = p99[key, side] " " kv($9)
    err[key, side] += kv($4)
    runs[key, side]++
    calls[key, side] += kv($3)
  }
  END {
    name["list"] = "ListVms / ListDomains (10 each)"
    name["get"] = "GetVm / Domain GetAll"
    name["restart"] = "Restart (polkit) / Reboot (Test driver)"
    printf "| minions / libvirt-dbus call | clients | minions calls/s | libvirt calls/s | ratio | minions p50 ms | libvirt p50 ms | ratio | minions p99 ms | libvirt p99 ms | ratio | errors m/l |\n"
    printf "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    for (i = 1; i <= count; i++) {
      key = order[i]; split(key, k, SUBSEP)
      mr = median(rate[key, "minions"]); lr = median(rate[key, "libvirt"])
      m5 = median(p50[key, "minions"]) / 1000; l5 = median(p50[key, "libvirt"]) / 1000
      m9 = median(p99[key, "minions"]) / 1000; l9 = median(p99[key, "libvirt"]) / 1000
      printf "| %s | %s | %.0f | %.0f | %.2f | %.3f | %.3f | %.2f | %.3f | %.3f | %.2f | %d/%d |\n",
        name[k[1]], k[2], mr, lr, (lr > 0 ? mr / lr : 0), m5, l5, (l5 > 0 ? m5 / l5 : 0),
        m9, l9, (l9 > 0 ? m9 / l9 : 0), err[key, "minions"], err[key, "libvirt"]
    }
  }' "$results"
echo "(ratio = minions / libvirt-dbus: above 1 is better for calls/s, below 1 is better for latency; median of $rounds rounds)"
