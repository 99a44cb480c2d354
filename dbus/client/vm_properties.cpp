#include "vm_properties.hpp"

#include <cstdint>
#include <vector>

namespace minions::client {
namespace {

template <typename T>
T value_or(const PropertyMap& properties, const std::string& key, T fallback) {
    auto it = properties.find(key);
    if (it == properties.end() || !it->second.containsValueOfType<T>()) return fallback;
    return it->second.get<T>();
}

nlohmann::json json_from_variant(const sdbus::Variant& v) {
    const std::string type = v.peekValueType();
    if (type == "s" || type == "o" || type == "g") {
        if (type == "o") return std::string(v.get<sdbus::ObjectPath>());
        if (type == "g") return std::string(v.get<sdbus::Signature>());
        return v.get<std::string>();
    }
    if (type == "b") return v.get<bool>();
    if (type == "y") return v.get<uint8_t>();
    if (type == "n") return v.get<int16_t>();
    if (type == "q") return v.get<uint16_t>();
    if (type == "i") return v.get<int32_t>();
    if (type == "u") return v.get<uint32_t>();
    if (type == "x") return v.get<int64_t>();
    if (type == "t") return v.get<uint64_t>();
    if (type == "d") return v.get<double>();
    if (type == "as") return v.get<std::vector<std::string>>();
    return nullptr;
}

}  // namespace

Vm vm_from_properties(const PropertyMap& properties) {
    Vm vm;
    vm.id = value_or<std::string>(properties, "Id", "");
    vm.name = value_or<std::string>(properties, "Name", "");
    vm.status = parse_status(value_or<std::string>(properties, "Status", "")).value_or(VmStatus::Error);
    vm.ip = value_or<std::string>(properties, "Ip", "");
    vm.cpus = value_or<uint32_t>(properties, "Cpus", vm.cpus);
    vm.memory_mb = value_or<uint32_t>(properties, "MemoryMb", vm.memory_mb);
    vm.pid = value_or<int64_t>(properties, "Pid", 0);
    vm.cid = value_or<uint32_t>(properties, "Cid", 0);
    vm.mac = value_or<std::string>(properties, "Mac", "");
    vm.hypervisor = value_or<std::string>(properties, "Hypervisor", "");
    vm.created_at = value_or<std::string>(properties, "CreatedAt", "");
    return vm;
}

nlohmann::json vm_json_from_properties(const PropertyMap& properties) {
    nlohmann::json j = vm_from_properties(properties);
    // The service knows the TAP name; prefer it over the derived one.
    if (auto tap = value_or<std::string>(properties, "Tap", ""); !tap.empty()) j["tap"] = tap;
    return j;
}

nlohmann::json json_from_variant_map(const PropertyMap& properties) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [key, value] : properties) {
        nlohmann::json converted = json_from_variant(value);
        if (!converted.is_null()) j[key] = std::move(converted);
    }
    return j;
}

}  // namespace minions::client
