#!/usr/bin/env bash
# What the host has where minions, polkitd, dbus-daemon and systemd read their
# files: every entry (type, mode, owner, size, modification time, SHA-256)
# of the directories below, and the directories' own times (a file created
# and removed again changes them); and the user and group databases. Run before the first bus/e2e test and
# after the last (the ctest fixture host_files): the tests must leave all of
# it as they found it.
#
#   host_state.sh snapshot FILE   write the state to FILE
#   host_state.sh compare FILE    fail, showing the difference, unless the
#                                 state is still what FILE holds
set -euo pipefail

dirs=(
  /usr/share/polkit-1/actions /usr/share/polkit-1/rules.d /etc/polkit-1/rules.d
  /usr/share/dbus-1/system.d /usr/share/dbus-1/system-services /etc/dbus-1/system.d
  /lib/systemd/system /etc/systemd/system /usr/lib/tmpfiles.d /usr/lib/sysusers.d
  /etc/minions /var/lib/minions /run/minions /usr/libexec/minions /usr/share/minions
)

state() {
  local dir
  for dir in "${dirs[@]}"; do
    if [[ ! -e $dir ]]; then echo "absent $dir"; continue; fi
    # The directory itself, then its entries (not deeper: systemd's *.wants
    # directories are entries too).
    find "$dir" -maxdepth 1 -printf '%y %m %u:%g %s %T@ %p -> %l\n' | LC_ALL=C sort -k6
    find "$dir" -maxdepth 1 -type f -exec sha256sum {} + | LC_ALL=C sort -k2
  done
  # The accounts the tests create (ensure_user) must be gone again; only the
  # content counts (useradd and userdel rewrite the files).
  sha256sum /etc/passwd /etc/group
}

[[ $# -eq 2 ]] || { echo "usage: $0 snapshot|compare FILE" >&2; exit 2; }
case $1 in
  snapshot) state >"$2" ;;
  compare)
    if ! diff -u "$2" <(state) >"$2.diff"; then
      echo "the tests changed the host's files (- before, + after):" >&2
      cat "$2.diff" >&2
      exit 1
    fi
    echo "host files unchanged (${#dirs[@]} directories)"
    ;;
  *) echo "usage: $0 snapshot|compare FILE" >&2; exit 2 ;;
esac
