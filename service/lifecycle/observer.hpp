#pragma once
// How the lifecycle tells its front ends (the D-Bus objects) that a VM
// appeared, changed or vanished, so they can emit ObjectManager and
// PropertiesChanged signals. Called from worker threads.
#include <string>

#include "core/vm.hpp"

namespace minions::lifecycle {

class Observer {
public:
    virtual ~Observer() = default;
    virtual void vm_added(const Vm& vm) = 0;
    virtual void vm_changed(const Vm& vm) = 0;
    virtual void vm_removed(const std::string& id) = 0;
};

}  // namespace minions::lifecycle
