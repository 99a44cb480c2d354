#include "vm_locks.hpp"

#include "core/error.hpp"

namespace minions::lifecycle {

VmLocks::Guard VmLocks::acquire(const std::string& id, const std::string& name, const std::string& operation) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = held_.emplace(id, operation);
    if (!inserted)
        throw Error(Errc::Busy, "VM '" + name + "' is busy (" + it->second + " in progress); try again when it is done");
    return Guard(*this, id);
}

VmLocks::Guard VmLocks::acquire_within(const std::string& id, const std::string& name, const std::string& operation,
                                       std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    released_.wait_for(lock, timeout, [&] { return !held_.contains(id); });
    auto [it, inserted] = held_.emplace(id, operation);
    if (!inserted)
        throw Error(Errc::Busy, "VM '" + name + "' is busy (" + it->second + " in progress); try again when it is done");
    return Guard(*this, id);
}

bool VmLocks::busy(const std::string& id) const {
    std::lock_guard lock(mutex_);
    return held_.contains(id);
}

void VmLocks::release(const std::string& id) {
    {
        std::lock_guard lock(mutex_);
        held_.erase(id);
    }
    released_.notify_all();
}

}  // namespace minions::lifecycle
