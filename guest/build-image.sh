#!/usr/bin/env bash
# Builds the minions guest from Debian packages only (no debootstrap, no loop
# mounts, no chroot):
#   KERNEL_DIR/vmlinuz     Debian's cloud kernel (linux-image-cloud-amd64)
#   KERNEL_DIR/initrd.img  busybox initramfs: loads the virtio modules, mounts
#                          /dev/vda, switch_root to its /sbin/init
#   IMAGE_DIR/base.ext4    sparse 2 GiB ext4: busybox userland, busybox init,
#                          /usr/sbin/minions-agent (respawned), dropbear SSH
#                          (keys only), the guest's modules + modules.dep
#
# Kernel command line the hypervisor drivers pass:
#   console=ttyS0 root=/dev/vda rw panic=-1
#
# Usage: build-image.sh --kernel-dir DIR --image-dir DIR --agent PATH [--cache DIR]
# Idempotent: when the packages, the agent, this script and guest/image/ are
# unchanged since the last build into the same directories, it does nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
files="$here/image"
kernel_dir="" image_dir="" agent="" cache="/var/cache/minions/guest-build"
image_size="2G"

die() { echo "build-image: $*" >&2; exit 1; }
log() { echo "build-image: $*" >&2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --kernel-dir) kernel_dir="${2:?}"; shift 2 ;;
        --image-dir) image_dir="${2:?}"; shift 2 ;;
        --agent) agent="${2:?}"; shift 2 ;;
        --cache) cache="${2:?}"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[ -n "$kernel_dir" ] && [ -n "$image_dir" ] && [ -n "$agent" ] ||
    die "--kernel-dir, --image-dir and --agent are required (see --help)"
[ -f "$agent" ] || die "agent binary '$agent' not found; build it first: cmake --build build --target minions-agent"
for tool in apt-get apt-cache dpkg-deb mkfs.ext4 cpio gzip readelf sha256sum; do
    command -v "$tool" >/dev/null || die "'$tool' is missing; run scripts/deps.sh"
done

# --- What goes in, pinned to the versions apt would fetch now -------------
kernel_pkg="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')"
[ -n "$kernel_pkg" ] || die "linux-image-cloud-amd64 is unknown to apt; run apt-get update"
# dropbear-bin is dynamic: its libraries come from their Debian packages too.
packages=("$kernel_pkg" busybox-static dropbear-bin libc6 libcrypt1 libtomcrypt1 libtommath1 libgmp10 zlib1g)
declare -A version
while read -r p v; do version[$p]="$v"; done < <(apt-cache policy "${packages[@]}" |
    awk '/^[^ ]/{sub(/:(amd64)?$/, "", $1); p=$1} /Candidate:/{print p, $2}')
for p in "${packages[@]}"; do
    [ -n "${version[$p]:-}" ] && [ "${version[$p]}" != "(none)" ] || die "no candidate version of $p; run apt-get update"
done

stamp="$( {
    for p in "${packages[@]}"; do echo "$p=${version[$p]}"; done
    echo "size=$image_size"
    sha256sum "$0" "$agent"
    find "$files" -type f -print0 | sort -z | xargs -0 sha256sum | sed "s|$files||"
    find "$files" -type f -perm -u+x | sed "s|$files||" | sort
} | sha256sum | cut -d' ' -f1)"

if [ -f "$kernel_dir/vmlinuz" ] && [ -f "$kernel_dir/initrd.img" ] && [ -f "$image_dir/base.ext4" ] &&
   [ "$(cat "$kernel_dir/.build-stamp" 2>/dev/null)" = "$stamp" ] &&
   [ "$(cat "$image_dir/.build-stamp" 2>/dev/null)" = "$stamp" ]; then
    log "up to date ($kernel_dir, $image_dir)"
    exit 0
fi

# --- Download (cached per package and version) -----------------------------
mkdir -p "$cache/debs"
deb_of() {  # prints the cached .deb of package $1, downloading it when missing
    local dir="$cache/debs/$1/${version[$1]//:/%3a}"
    if ! compgen -G "$dir/*.deb" >/dev/null; then
        log "downloading $1 ${version[$1]}"
        rm -rf "$dir.part" && mkdir -p "$dir.part"
        (cd "$dir.part" && apt-get download -q=2 "$1=${version[$1]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
        compgen -G "$dir.part/*.deb" >/dev/null || die "apt-get download $1=${version[$1]} failed"
        rm -rf "$dir" && mv "$dir.part" "$dir"
    fi
    compgen -G "$dir/*.deb" | head -n1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/minions-guest.XXXXXX")"
trap 'rm -rf "$work"' EXIT
kernel="$work/kernel" root="$work/root" initrd="$work/initrd"
mkdir -p "$kernel" "$root" "$initrd"

dpkg-deb -x "$(deb_of "$kernel_pkg")" "$kernel"
for p in busybox-static dropbear-bin libc6 libcrypt1 libtomcrypt1 libtommath1 libgmp10 zlib1g; do
    dpkg-deb -x "$(deb_of "$p")" "$root"
done
rm -rf "$root"/usr/share/{doc,man,lintian,info,locale} "$root"/usr/lib/x86_64-linux-gnu/gconv

kver="$(basename "$(compgen -G "$kernel/lib/modules/*" | head -n1)")"
[ -n "$kver" ] && [ -f "$kernel/boot/vmlinuz-$kver" ] || die "no kernel found in $kernel_pkg"
moddir="$kernel/lib/modules/$kver"

# --- Kernel modules in dependency order -----------------------------------
# The .deb has no modules.dep (and the host may lack kmod), so read each
# module's own `depends=` from its .modinfo section and order them depth-first.
declare -A module_path  # name (with _) -> path relative to $moddir
while IFS= read -r f; do
    name="${f##*/}"; name="${name%.ko}"
    module_path[${name//-/_}]="${f#"$moddir/"}"
done < <(find "$moddir" -name '*.ko')

declare -A seen
ordered=()
visit() {
    local name="${1//-/_}" dep deps
    [ -z "${seen[$name]:-}" ] || return 0
    seen[$name]=1
    if [ -z "${module_path[$name]:-}" ]; then
        grep -q "/$name.ko\$" "$moddir/modules.builtin" 2>/dev/null || grep -q "/${1}.ko\$" "$moddir/modules.builtin" ||
            die "kernel $kver has no module or built-in '$1'"
        return 0  # built in: nothing to load
    fi
    deps="$(readelf -p .modinfo "$moddir/${module_path[$name]}" | sed -n 's/.*depends=//p')"
    for dep in ${deps//,/ }; do visit "$dep"; done
    ordered+=("${module_path[$name]}")
}
# What the root disk and the host link need; ext4 and its helpers only when
# they are modules (Debian's cloud kernel has ext4 built in).
for m in virtio_ring virtio virtio_pci virtio_blk virtio_net virtio_console \
         vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport \
         crc16 mbcache jbd2 crc32c_generic ext4; do
    visit "$m"
done
initrd_modules=("${ordered[@]}")
# The root also gets what acpid needs to see the ACPI power button.
for m in button evdev; do visit "$m"; done
log "kernel $kver; initrd modules: $(printf '%s ' "${initrd_modules[@]##*/}")"

# --- initramfs -------------------------------------------------------------
mkdir -p "$initrd"/{bin,dev,etc,proc,sys,newroot,lib/modules}
cp "$root/bin/busybox" "$initrd/bin/busybox"
install -m 0755 "$files/init" "$initrd/init"
for m in "${initrd_modules[@]}"; do
    install -D -m 0644 "$moddir/$m" "$initrd/lib/modules/$m"
done
printf '%s\n' "${initrd_modules[@]}" > "$initrd/etc/initrd-modules"
mknod -m 600 "$initrd/dev/console" c 5 1
(cd "$initrd" && find . -print0 | LC_ALL=C sort -z | cpio --quiet -o -0 -H newc -R 0:0) | gzip -6 > "$work/initrd.img"

# --- root filesystem -------------------------------------------------------
# busybox applets as symlinks wherever busybox puts them, never over a real
# program from another package.
while IFS= read -r applet; do
    [ -e "$root/$applet" ] || [ -L "$root/$applet" ] || { mkdir -p "$root/$(dirname "$applet")"; ln -s /bin/busybox "$root/$applet"; }
done < <("$root/bin/busybox" --list-full)

mkdir -p "$root"/{proc,sys,dev,run,tmp,mnt,root/.ssh,etc/init.d,etc/dropbear,var/log,home}
chmod 0700 "$root/root" "$root/root/.ssh"
chmod 1777 "$root/tmp"
ln -sfn /run "$root/var/run"
install -m 0755 "$agent" "$root/usr/sbin/minions-agent"
install -m 0644 "$files/inittab" "$root/etc/inittab"
install -m 0755 "$files/rcS" "$root/etc/init.d/rcS"
cp -a "$files/acpi" "$root/etc/acpi"
echo minions > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' > "$root/etc/hosts"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' > "$root/etc/group"
# '*': no password can ever match, so root gets in by SSH key only.
printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' > "$root/etc/shadow"
chmod 0600 "$root/etc/shadow"
echo /bin/sh > "$root/etc/shells"
printf 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n' > "$root/etc/profile"
: > "$root/etc/resolv.conf"

# The guest can modprobe what it needs later: the modules plus a modules.dep
# (written with the guest's own busybox depmod, which runs on the host).
for m in "${ordered[@]}"; do
    install -D -m 0644 "$moddir/$m" "$root/lib/modules/$kver/$m"
done
cp "$moddir/modules.builtin" "$moddir/modules.order" "$root/lib/modules/$kver/"
"$root/bin/busybox" depmod -b "$root" "$kver"
printf '%s\n' vsock vmw_vsock_virtio_transport virtio_console virtio_net button evdev > "$root/etc/modules"

# Every program must find its libraries inside the image.
for bin in "$root/usr/sbin/dropbear" "$root/usr/bin/dropbearkey" "$root/usr/sbin/minions-agent"; do
    for lib in $(readelf -d "$bin" 2>/dev/null | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
        compgen -G "$root/lib/x86_64-linux-gnu/$lib" >/dev/null || compgen -G "$root/usr/lib/x86_64-linux-gnu/$lib" >/dev/null ||
            die "${bin#"$root"} needs $lib, which no packaged library provides in the image"
    done
done

# Sparse image filled straight from the staging tree (no loop mount), made
# beside its final name so publishing it is a rename.
mkdir -p "$kernel_dir" "$image_dir"
image_tmp="$image_dir/.base.ext4.tmp"
trap 'rm -rf "$work" "$image_tmp"' EXIT
rm -f "$image_tmp"
truncate -s "$image_size" "$image_tmp"
mkfs.ext4 -q -F -L minions-root -E root_owner=0:0 -d "$root" "$image_tmp"

# --- Publish: each file renamed into place, stamps last --------------------
rm -f "$kernel_dir/.build-stamp" "$image_dir/.build-stamp"
cp "$kernel/boot/vmlinuz-$kver" "$kernel_dir/.vmlinuz.tmp" && mv "$kernel_dir/.vmlinuz.tmp" "$kernel_dir/vmlinuz"
mv "$work/initrd.img" "$kernel_dir/.initrd.img.tmp" && mv "$kernel_dir/.initrd.img.tmp" "$kernel_dir/initrd.img"
echo "$kver" > "$kernel_dir/kernel-release"
mv "$image_tmp" "$image_dir/base.ext4"
echo "$stamp" > "$kernel_dir/.build-stamp"
echo "$stamp" > "$image_dir/.build-stamp"
log "built $kernel_dir/{vmlinuz,initrd.img} and $image_dir/base.ext4 (kernel $kver)"
