#!/usr/bin/env bash
# A private D-Bus system bus with a real polkitd, for tests and the demo on
# machines without systemd or a running system bus.
#
#   private-bus.sh start DIR          bus + polkitd, state kept in DIR
#   private-bus.sh stop DIR           stop both (DIR itself is left alone)
#   private-bus.sh env DIR            print the export line for the bus
#   private-bus.sh polkitd-start DIR  (re)start only polkitd
#   private-bus.sh polkitd-stop DIR   stop only polkitd (tests: "polkit is gone")
#
# The bus uses a copy of the distribution's system.conf: listens on
# DIR/system_bus_socket, runs as root (so activated services run as root, as
# under systemd), activates services from DIR/services without the setuid
# helper, and adds DIR/bus.d, which starts with the project's bus policy; drop
# more *.conf files there and call ReloadConfig.
#
# polkitd reads actions only from /usr/share/polkit-1/actions and rules only
# from /etc/polkit-1/rules.d and /usr/share/polkit-1/rules.d. When DIR/polkit
# exists (the caller creates it before `start`), polkitd runs in a mount
# namespace of its own in which DIR/polkit/actions is
# /usr/share/polkit-1/actions, DIR/polkit/rules.d is /etc/polkit-1/rules.d and
# /usr/share/polkit-1/rules.d is empty: it sees exactly the files put there,
# and the host's files are neither read nor touched (tests use this). Without
# DIR/polkit, polkitd reads the host's directories, where the caller installs
# what it needs (the demo does).
set -euo pipefail

usage() { echo "usage: $0 start|stop|env|polkitd-start|polkitd-stop DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2
[[ $dir == /* ]] || { echo "$0: DIR must be an absolute path: $dir" >&2; exit 2; }
# DIR ends up inside a sed replacement and an XML file.
[[ $dir != *[\#\&\\\<\>\"]* ]] || { echo "$0: unsupported character in DIR: $dir" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
policy=$here/../data/org.minions.Manager.conf
system_conf=/usr/share/dbus-1/system.conf
polkitd=/usr/lib/polkit-1/polkitd
socket=$dir/system_bus_socket
address=unix:path=$socket

# polkit_owned PID: org.freedesktop.PolicyKit1 is owned by process PID (not
# by a polkitd that was just killed and whose connection the bus has not yet
# dropped).
polkit_owned() {
  local owner
  owner=$(DBUS_SYSTEM_BUS_ADDRESS=$address dbus-send --system --print-reply=literal \
    --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetConnectionUnixProcessID \
    string:org.freedesktop.PolicyKit1 2>/dev/null) || return 1
  [[ $owner =~ ([0-9]+)[[:space:]]*$ && ${BASH_REMATCH[1]} == "$1" ]]
}

# alive PID: running, not merely a zombie waiting for init to reap it.
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

# kill_pidfile FILE: stop the process named in FILE and wait for it to exit.
kill_pidfile() {
  local file=$1 pid i
  [[ -s $file ]] || return 0
  pid=$(<"$file")
  if kill "$pid" 2>/dev/null; then
    for i in $(seq 50); do alive "$pid" || break; sleep 0.05; done
    if alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$file"
}

# name_owned: somebody owns org.freedesktop.PolicyKit1 on the private bus.
name_owned() {
  DBUS_SYSTEM_BUS_ADDRESS=$address dbus-send --system --print-reply=literal \
    --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
    string:org.freedesktop.PolicyKit1 2>/dev/null | grep -q true
}

# polkit_view: the command prefix that runs polkitd with DIR/polkit as its
# configuration (see the top), or nothing when DIR/polkit does not exist.
# Mounts made in that namespace never reach the host's (private propagation).
polkit_view=()
private_polkit() {
  local view=$dir/polkit target
  [[ -d $view ]] || return 0
  mkdir -p "$view/actions" "$view/rules.d" "$view/empty"
  # polkitd reads them as its own user.
  chmod 0755 "$view" "$view/actions" "$view/rules.d" "$view/empty"
  for target in /usr/share/polkit-1/actions /etc/polkit-1/rules.d /usr/share/polkit-1/rules.d; do
    [[ -d $target ]] || { echo "$0: $target missing (reinstall polkitd)" >&2; exit 1; }
  done
  # sh -c SCRIPT sh VIEW polkitd ARGS...: the view comes in as $1, polkitd
  # and its arguments follow.
  polkit_view=(unshare --mount --propagation private -- sh -c '
    v=$1; shift
    mount --bind "$v/actions" /usr/share/polkit-1/actions &&
    mount --bind "$v/rules.d" /etc/polkit-1/rules.d &&
    mount --bind "$v/empty" /usr/share/polkit-1/rules.d &&
    exec "$@"' sh "$view")
}

start_polkitd() {
  kill_pidfile "$dir/polkitd.pid"
  private_polkit
  local attempt i pid
  # The bus may not have seen the old polkitd go yet; a new one asking for
  # the name before that gives up at once. Wait for the name, and retry.
  for i in $(seq 50); do name_owned || break; sleep 0.1; done
  for attempt in 1 2 3; do
    # polkitd drops to its own user; it only needs the bus address. Every
    # wrapper execs, so $! is polkitd's pid.
    DBUS_SYSTEM_BUS_ADDRESS=$address setsid "${polkit_view[@]}" "$polkitd" --no-debug \
      </dev/null >>"$dir/polkitd.log" 2>&1 &
    echo $! >"$dir/polkitd.pid"
    pid=$(<"$dir/polkitd.pid")
    for i in $(seq 100); do
      polkit_owned "$pid" && return 0
      alive "$pid" || break
      sleep 0.1
    done
    echo "$0: polkitd (attempt $attempt) did not come up; retrying" >>"$dir/polkitd.log"
    kill_pidfile "$dir/polkitd.pid"
    sleep 0.3
  done
  echo "$0: polkitd did not come up; see $dir/polkitd.log" >&2
  exit 1
}

start_bus() {
  mkdir -p "$dir/services" "$dir/bus.d"
  # The socket must be reachable by polkitd and by the ordinary users tests run as.
  chmod 0755 "$dir" "$dir/services" "$dir/bus.d"
  cp "$policy" "$dir/bus.d/org.minions.Manager.conf"
  sed -e "s#<listen>[^<]*</listen>#<listen>$address</listen>#" \
      -e "s#<pidfile>[^<]*</pidfile>#<pidfile>$dir/dbus.pid</pidfile>#" \
      -e "s#<includedir>system.d</includedir>#<includedir>/usr/share/dbus-1/system.d</includedir>#" \
      -e "s#<standard_system_servicedirs/>#<servicedir>$dir/services</servicedir>#" \
      -e "/<user>[^<]*<\/user>/d" \
      -e "/<servicehelper>/d" \
      -e "s#</busconfig>#  <includedir>$dir/bus.d</includedir>\n</busconfig>#" \
      "$system_conf" >"$dir/system.conf"
  rm -f "$socket" "$dir/dbus.pid"
  # Forks; the pid file is written before dbus-daemon returns.
  dbus-daemon --config-file="$dir/system.conf" --fork
  local i
  for i in $(seq 50); do [[ -S $socket ]] && return 0; sleep 0.1; done
  echo "$0: dbus-daemon did not create $socket" >&2
  exit 1
}

case $cmd in
  start)
    [[ -x $polkitd ]] || { echo "$0: $polkitd missing (apt-get install polkitd)" >&2; exit 1; }
    getent passwd polkitd >/dev/null || { echo "$0: user polkitd missing (reinstall polkitd)" >&2; exit 1; }
    mkdir -p "$dir"
    start_bus
    start_polkitd
    ;;
  stop)
    kill_pidfile "$dir/polkitd.pid"
    kill_pidfile "$dir/dbus.pid"
    rm -f "$socket"
    ;;
  env)
    printf 'export DBUS_SYSTEM_BUS_ADDRESS=%q\n' "$address"
    ;;
  polkitd-start) start_polkitd ;;
  polkitd-stop) kill_pidfile "$dir/polkitd.pid" ;;
  *) usage ;;
esac
