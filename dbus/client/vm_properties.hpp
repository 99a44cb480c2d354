#pragma once
// The single conversion from D-Bus property maps (a{sv}) to the JSON the REST
// API and `--json` print. VM maps become the seed's VM object through the
// core's to_json, so the keys are defined in exactly one place (core/vm.hpp).
#include <map>
#include <string>

#include <nlohmann/json.hpp>
#include <sdbus-c++/Types.h>

#include "core/vm.hpp"

namespace minions::client {

using PropertyMap = std::map<std::string, sdbus::Variant>;

// Keys Id, Name, Status, Ip, Cpus, MemoryMb, Pid, Cid, Mac, Tap, Hypervisor,
// CreatedAt (Path and unknown keys are ignored); missing keys keep Vm's defaults.
Vm vm_from_properties(const PropertyMap& properties);
nlohmann::json vm_json_from_properties(const PropertyMap& properties);

// A generic map (the agent's status): basic types become JSON scalars, string
// arrays become arrays; other types are left out rather than guessed at.
nlohmann::json json_from_variant_map(const PropertyMap& properties);

}  // namespace minions::client
