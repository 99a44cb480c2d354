#!/usr/bin/env bash
# The README's first command. On a fresh Debian 12 machine, as root:
#   deps -> build -> install (prefix /usr) -> minions-setup -> system bus (or a
#   private one with polkitd) -> minionsd (QEMU/TCG, network namespace
#   minions-demo, 512 MiB VMs) -> `minions create demo` -> `minions list` ->
#   `minions exec demo -- uname -a`, then how long it all took.
# Idempotent: a re-run reuses a running `demo` VM (starts a stopped one,
# recreates a broken one). The host's network is never touched: the bridge,
# TAPs and VMs live in the network namespace.
#
# Knobs (environment), for tests and for trying it without touching /usr:
#   MINIONS_DEMO_BUILD_DIR    build tree (default: build)
#   MINIONS_DEMO_PREFIX       install prefix (default: /usr; configuration in
#                             /etc/minions for /usr, else PREFIX/etc/minions)
#   MINIONS_DEMO_STATE_DIR    put state, VMs, kernel, images and sockets under
#                             this directory instead of /var/lib/minions and /run/minions
#   MINIONS_DEMO_NETNS        network namespace (default: minions-demo)
#   MINIONS_DEMO_PRIVATE_BUS  1: use a private bus even if a system bus runs
#   MINIONS_DEMO_BUS_DIR      the private bus's directory (default: /run/minions-demo)
#   MINIONS_DEMO_SKIP_DEPS    1: do not run scripts/deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."
src="$(pwd)"
start_ns=$(date +%s%N)

build="${MINIONS_DEMO_BUILD_DIR:-build}"
prefix="${MINIONS_DEMO_PREFIX:-/usr}"
state="${MINIONS_DEMO_STATE_DIR:-}"
netns="${MINIONS_DEMO_NETNS:-minions-demo}"
bus_dir="${MINIONS_DEMO_BUS_DIR:-/run/minions-demo}"
if [ "$prefix" = /usr ]; then sysconfdir=/etc; else sysconfdir="$prefix/etc"; fi
config="$sysconfdir/minions/minionsd.conf"
minionsd="$prefix/libexec/minions/minionsd"
minions="$prefix/bin/minions"

step() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }
elapsed() { local ns=$(( $(date +%s%N) - $1 )); printf '%d.%01ds' $((ns / 1000000000)) $(( (ns / 100000000) % 10 )); }
[ "$(id -u)" = 0 ] || die "run me as root (I install packages and manage VMs)"

if [ "${MINIONS_DEMO_SKIP_DEPS:-0}" != 1 ]; then
    step "dependencies (apt)"
    bash scripts/deps.sh
fi

step "build ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build "$build" -j"$(nproc)" --target minionsd minions minions-rest minions-agent

# --- The bus: the running system bus, else a private one with polkitd ------
bus_ok() { dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId >/dev/null 2>&1; }
alive() { [ -n "$1" ] && [ -d "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
step "system bus"
if [ "${MINIONS_DEMO_PRIVATE_BUS:-0}" != 1 ] && bus_ok; then
    bus=system
    [ "$prefix" = /usr ] || die "a system bus is running: it only reads files installed under /usr; unset MINIONS_DEMO_PREFIX or set MINIONS_DEMO_PRIVATE_BUS=1"
    echo "using the running system bus"
else
    bus=private
    export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$bus_dir/system_bus_socket"
    if bus_ok; then
        alive "$(cat "$bus_dir/polkitd.pid" 2>/dev/null)" || bash scripts/private-bus.sh polkitd-start "$bus_dir"
        echo "reusing the private bus in $bus_dir"
    else
        bash scripts/private-bus.sh stop "$bus_dir"
        bash scripts/private-bus.sh start "$bus_dir"
        echo "started a private system bus and polkitd in $bus_dir"
    fi
fi

# A running minionsd is stopped so the next call starts the one installed now
# with the configuration written below. Its VMs keep running; the new daemon
# adopts them at start-up.
minionsd_pid() {
    dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.GetConnectionUnixProcessID string:org.minions.Manager 2>/dev/null | awk '{print $NF}' || true
}
pid="$(minionsd_pid)"
if [ -n "$pid" ]; then
    echo "stopping minionsd (pid $pid); its VMs keep running"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && die "minionsd (pid $pid) did not exit"
fi

step "install (prefix $prefix)"
cmake --install "$build" | grep -v 'Up-to-date:' || true

# polkitd reads actions only from /usr/share/polkit-1/actions: without the
# policy there, every check fails (root too).
actions=/usr/share/polkit-1/actions
if [ "$prefix" != /usr ] && ! cmp -s "$prefix/share/polkit-1/actions/org.minions.policy" "$actions/org.minions.policy"; then
    echo "polkitd reads only $actions: installing org.minions.policy there"
    install -D -m 0644 "$prefix/share/polkit-1/actions/org.minions.policy" "$actions/org.minions.policy"
fi

step "configure minionsd ($config)"
# key SECTION KEY VALUE: one line per key (minionsd refuses duplicates).
key() {
    awk -v want_s="$1" -v want_k="$2" -v value="$3" '
        function trim(s) { gsub(/^[ \t\r]+|[ \t\r]+$/, "", s); return s }
        { line = trim($0) }
        line ~ /^\[/ { if (s == want_s && !done) { print want_k " = " value; done = 1 }
                       s = trim(substr(line, 2, length(line) - 2)); print; next }
        s == want_s && line !~ /^[#;]/ && (i = index(line, "=")) && trim(substr(line, 1, i - 1)) == want_k {
            if (!done) print want_k " = " value; done = 1; next }
        { print }
        END { if (!done) { if (s != want_s) print "\n[" want_s "]"; print want_k " = " value } }' \
        "$config" > "$config.tmp" && mv "$config.tmp" "$config"
    printf '  [%s] %s = %s\n' "$1" "$2" "$3"
}
key hypervisor hypervisor qemu
key hypervisor accel tcg
key network netns "$netns"
key vm default_memory_mb 512
if [ -n "$state" ]; then
    key paths state_dir "$state/lib"
    key paths vms_dir "$state/lib/vms"
    key paths kernel_dir "$state/lib/kernel"
    key paths image_dir "$state/lib/images"
    key paths run_dir "$state/run"
fi

step "host setup (minions-setup)"
"$prefix/sbin/minions-setup" --config "$config"

if [ "$bus" = private ]; then
    # Bus activation: the private bus runs minionsd itself on the first call.
    # A wrapper keeps the daemon's log (the bus sends its output to /dev/null).
    mkdir -p "$bus_dir/services"
    cat > "$bus_dir/minionsd-demo" <<EOF
#!/bin/sh
exec $(printf '%q' "$minionsd") --config $(printf '%q' "$config") >>$(printf '%q' "$bus_dir/minionsd.log") 2>&1 </dev/null
EOF
    chmod 0755 "$bus_dir/minionsd-demo"
    printf '[D-BUS Service]\nName=org.minions.Manager\nExec=%s\nUser=root\n' "$bus_dir/minionsd-demo" \
        > "$bus_dir/services/org.minions.Manager.service"
    log="$bus_dir/minionsd.log"
else
    command -v systemctl >/dev/null && [ -d /run/systemd/system ] && systemctl daemon-reload
    log="journalctl -u minionsd"
fi
# The bus re-reads its policy and service files.
dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.ReloadConfig >/dev/null

step "VM demo"
vm_status() { "$minions" --json info demo 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p' | head -n1; }
create_start=$(date +%s%N)
status="$(vm_status || true)"
case "$status" in
    running) echo "VM demo exists and is running: reusing it" ;;
    stopped) echo "VM demo exists and is stopped: starting it"; "$minions" start demo ;;
    "") "$minions" create demo --memory 512 ;;
    *) echo "VM demo is '$status': destroying and recreating it"
       "$minions" destroy demo
       "$minions" create demo --memory 512 ;;
esac
vm_time="$(elapsed "$create_start")"
vm_ip="$("$minions" --json info demo 2>/dev/null | sed -n 's/.*"ip": *"\([0-9.]*\)".*/\1/p' | head -n1)"

step "minions list"
"$minions" list
step "minions exec demo -- uname -a"
"$minions" exec demo -- uname -a

ssh_key=""
for k in id_ed25519 id_ecdsa id_rsa; do [ -f "$HOME/.ssh/$k.pub" ] && { ssh_key="$HOME/.ssh/$k.pub"; break; }; done
if [ -n "$ssh_key" ]; then
    ssh_hint="ip netns exec $netns ssh root@${vm_ip:-IP}   (key: $ssh_key)"
else
    ssh_hint="no SSH key in ~/.ssh, so none was given to the VM (minions exec works without one)"
fi
cat <<EOF

demo: done in $(elapsed "$start_ns") (VM ready in $vm_time), host network untouched.
  The VM runs in network namespace '$netns': $ssh_hint
  minionsd's log:                              $log
EOF
if [ "$bus" = private ]; then
    echo "  Private bus; to use the CLI in another shell: export DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS"
    echo "  Remove the VM: $minions destroy demo; stop the bus (and minionsd with it): bash scripts/private-bus.sh stop $bus_dir"
fi
