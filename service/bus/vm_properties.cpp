#include "vm_properties.hpp"

namespace minions::bus {

std::map<std::string, sdbus::Variant> vm_properties(const Vm& vm) {
    return {
        {"Path", sdbus::Variant(sdbus::ObjectPath(vm_object_path(vm.id)))},
        {"Id", sdbus::Variant(vm.id)},
        {"Name", sdbus::Variant(vm.name)},
        {"Status", sdbus::Variant(std::string(to_string(vm.status)))},
        {"Ip", sdbus::Variant(vm.ip)},
        {"Cpus", sdbus::Variant(vm.cpus)},
        {"MemoryMb", sdbus::Variant(vm.memory_mb)},
        {"Pid", sdbus::Variant(static_cast<int64_t>(vm.pid))},
        {"Cid", sdbus::Variant(vm.cid)},
        {"Mac", sdbus::Variant(vm.mac)},
        {"Tap", sdbus::Variant(tap_name(vm.name))},
        {"Hypervisor", sdbus::Variant(vm.hypervisor)},
        {"CreatedAt", sdbus::Variant(vm.created_at)},
    };
}

std::vector<std::string> changed_properties(const Vm& before, const Vm& after) {
    std::vector<std::string> names;
    if (before.name != after.name) {
        names.push_back("Name");
        names.push_back("Tap");
    }
    if (before.status != after.status) names.push_back("Status");
    if (before.ip != after.ip) names.push_back("Ip");
    if (before.cpus != after.cpus) names.push_back("Cpus");
    if (before.memory_mb != after.memory_mb) names.push_back("MemoryMb");
    if (before.pid != after.pid) names.push_back("Pid");
    return names;
}

}  // namespace minions::bus
