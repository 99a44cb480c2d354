#include "core/config.hpp"
#include "core/error.hpp"
#include "hypervisor/hypervisor.hpp"
#include "hypervisor/process.hpp"

namespace minions::hv {

std::unique_ptr<Hypervisor> make_hypervisor(const Config& config) {
    if (config.hypervisor == "qemu") return make_qemu(config);
    if (config.hypervisor == "cloud-hypervisor") return make_cloud_hypervisor(config);
    if (config.hypervisor == "auto") {
        // Cloud Hypervisor is the design's first choice; QEMU is the fallback
        // because Debian packages it.
        if (!find_program(config.cloud_hypervisor_binary).empty()) return make_cloud_hypervisor(config);
        return make_qemu(config);
    }
    throw Error{Errc::InvalidArgument,
                "unknown hypervisor '" + config.hypervisor + "' (use auto, qemu or cloud-hypervisor)"};
}

}  // namespace minions::hv
