#include "vm.hpp"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

namespace minions {
namespace {

// One table for both directions, so the spellings cannot drift apart.
constexpr std::array<std::pair<VmStatus, std::string_view>, 7> kStatusNames{{
    {VmStatus::Creating, "creating"},
    {VmStatus::Starting, "starting"},
    {VmStatus::Running, "running"},
    {VmStatus::Restarting, "restarting"},
    {VmStatus::Stopping, "stopping"},
    {VmStatus::Stopped, "stopped"},
    {VmStatus::Error, "error"},
}};

}  // namespace

std::string_view to_string(VmStatus status) {
    for (const auto& [value, text] : kStatusNames)
        if (value == status) return text;
    return "error";  // unreachable for a valid enum value
}

std::optional<VmStatus> parse_status(std::string_view text) {
    for (const auto& [value, name] : kStatusNames)
        if (name == text) return value;
    return std::nullopt;
}

std::string tap_name(std::string_view vm_name) { return "tap-" + std::string(vm_name); }

void to_json(nlohmann::json& j, const Vm& vm) {
    // The seed's six keys first, then the fields this project adds.
    j = nlohmann::json{
        {"name", vm.name},
        {"status", std::string(to_string(vm.status))},
        {"ip", vm.ip},
        {"cpus", vm.cpus},
        {"memory_mb", vm.memory_mb},
        {"pid", vm.pid == 0 ? nlohmann::json(nullptr) : nlohmann::json(vm.pid)},
        {"id", vm.id},
        {"vsock_cid", vm.cid},
        {"mac", vm.mac},
        {"tap", tap_name(vm.name)},
        {"hypervisor", vm.hypervisor},
        {"created_at", vm.created_at},
    };
}

}  // namespace minions
