#pragma once
// A VM as the a{sv} dictionary GetVm and ListVms return: the org.minions.VM
// property names, plus "Path".
#include <map>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "core/vm.hpp"

namespace minions::bus {

inline constexpr const char* kVmPathPrefix = "/org/minions/vm/";
inline std::string vm_object_path(const std::string& id) { return kVmPathPrefix + id; }

std::map<std::string, sdbus::Variant> vm_properties(const Vm& vm);
// The property names whose values differ between two versions of a VM.
std::vector<std::string> changed_properties(const Vm& before, const Vm& after);

}  // namespace minions::bus
