#!/usr/bin/env bash
# Installs every build, test and runtime dependency of minions from Debian's
# archive. Idempotent: packages already present are skipped without touching apt.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  libsdbus-c++-dev libsdbus-c++-bin libsystemd-dev
  libpolkit-gobject-1-dev libpistache-dev nlohmann-json3-dev
  libsqlite3-dev libcurl4-openssl-dev libcli11-dev libnl-3-dev libnl-route-3-dev
  googletest libgtest-dev libgmock-dev
  # runtime: bus, authorization, VMs and their networks
  dbus polkitd qemu-system-x86 iproute2 iputils-ping e2fsprogs cpio
  # guest image inputs are downloaded as .debs by guest/build-image.sh
  dpkg-dev xz-utils zstd
  # tests and benchmarks
  sqlite3 wrk libvirt-dbus util-linux procps psmisc curl
  libbenchmark-dev valgrind
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
