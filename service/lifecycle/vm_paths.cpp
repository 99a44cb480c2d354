#include "vm_paths.hpp"

namespace minions::lifecycle {

VmPaths paths_for(const Config& config, const std::string& vm_id) {
    VmPaths p;
    p.dir = config.vms_dir / vm_id;
    p.rootfs = p.dir / "rootfs.ext4";
    p.serial_log = p.dir / "serial.log";
    p.socket_dir = config.run_dir / vm_id;
    return p;
}

std::filesystem::path base_image(const Config& config) { return config.image_dir / "base.ext4"; }

hv::LaunchSpec launch_spec(const Config& config, const Vm& vm) {
    VmPaths p = paths_for(config, vm.id);
    hv::LaunchSpec spec;
    spec.vm_id = vm.id;
    spec.name = vm.name;
    spec.cpus = vm.cpus;
    spec.memory_mb = vm.memory_mb;
    spec.kernel = config.kernel_dir / "vmlinuz";
    spec.initramfs = config.kernel_dir / "initrd.img";
    spec.cmdline = kGuestCmdline;
    spec.rootfs = p.rootfs;
    spec.tap = tap_name(vm.name);
    spec.mac = vm.mac;
    spec.cid = vm.cid;
    spec.socket_dir = p.socket_dir;
    spec.serial_log = p.serial_log;
    return spec;
}

}  // namespace minions::lifecycle
