#include "vm_locks.hpp"

#include "core/error.hpp"

namespace minions::lifecycle {
namespace {

Error busy_error(const std::string& name, const std::string& operation) {
    return Error(Errc::Busy, "VM '" + name + "' is busy (" + operation + " in progress); try again when it is done");
}

}  // namespace

VmLocks::Guard VmLocks::acquire(const std::string& id, const std::string& name, const std::string& operation) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = held_.emplace(id, operation);
    if (!inserted)
        throw busy_error(name, it->second);
    return Guard(*this, id);
}

VmLocks::Guard VmLocks::acquire_within(const std::string& id, const std::string& name, const std::string& operation,
                                       std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    released_.wait_for(lock, timeout, [&] { return !held_.contains(id); });
    auto [it, inserted] = held_.emplace(id, operation);
    if (!inserted)
        throw busy_error(name, it->second);
    return Guard(*this, id);
}

void VmLocks::refuse_if_busy(const std::string& id, const std::string& name) const {
    std::lock_guard lock(mutex_);
    if (auto it = held_.find(id); it != held_.end()) throw busy_error(name, it->second);
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
