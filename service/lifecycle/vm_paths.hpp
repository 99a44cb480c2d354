#pragma once
// Where a VM's files live. Everything is keyed by the VM's immutable id, never
// its name, so a rename touches only the database row.
#include <filesystem>

#include "core/config.hpp"
#include "core/vm.hpp"
#include "hypervisor/hypervisor.hpp"

namespace minions::lifecycle {

// Guest kernel command line; the initramfs mounts /dev/vda as root.
inline constexpr const char* kGuestCmdline = "console=ttyS0 root=/dev/vda rw panic=-1";

struct VmPaths {
    std::filesystem::path dir;         // <vms_dir>/<id>
    std::filesystem::path rootfs;      // <dir>/rootfs.ext4
    std::filesystem::path serial_log;  // <dir>/serial.log
    std::filesystem::path socket_dir;  // <run_dir>/<id>
};

VmPaths paths_for(const Config& config, const std::string& vm_id);
std::filesystem::path base_image(const Config& config);
hv::LaunchSpec launch_spec(const Config& config, const Vm& vm);

}  // namespace minions::lifecycle
