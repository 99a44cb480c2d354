#pragma once
// Serializes operations on one VM while letting different VMs proceed in
// parallel. A second operation on a busy VM is refused at once with
// Error{Busy} naming the operation in progress, rather than queueing behind a
// create or copy that may take minutes.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

namespace minions::lifecycle {

class VmLocks {
public:
    class Guard {
    public:
        Guard(VmLocks& owner, std::string id) : owner_(&owner), id_(std::move(id)) {}
        Guard(Guard&& other) noexcept : owner_(other.owner_), id_(std::move(other.id_)) { other.owner_ = nullptr; }
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;
        Guard& operator=(Guard&&) = delete;
        ~Guard() {
            if (owner_) owner_->release(id_);
        }

    private:
        VmLocks* owner_;
        std::string id_;
    };

    // Throws Error{Busy}: "VM '<name>' is busy (<operation in progress>); try again when it is done".
    Guard acquire(const std::string& id, const std::string& name, const std::string& operation);
    // Waits up to `timeout` for the VM to be free, then fails like acquire().
    Guard acquire_within(const std::string& id, const std::string& name, const std::string& operation,
                         std::chrono::milliseconds timeout);
    bool busy(const std::string& id) const;
    // Throws the Busy error acquire() would, without taking the lock: for
    // validation, which comes before polkit and so before the lock.
    void refuse_if_busy(const std::string& id, const std::string& name) const;

private:
    void release(const std::string& id);
    mutable std::mutex mutex_;
    std::condition_variable released_;
    std::map<std::string, std::string> held_;  // id -> operation
};

}  // namespace minions::lifecycle
