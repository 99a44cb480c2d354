#pragma once
// freeze/thaw of the guest's filesystems (FIFREEZE/FITHAW) for consistent
// disk snapshots. A watchdog thaws on its own once the deadline passes, so a
// host that dies mid-snapshot never leaves the guest frozen; thaw is idempotent.
// The freeze request that last (re)armed it owns it: cancelling that request
// thaws at once, so a freeze the host gave up on never outlives the host's wait.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "calls.hpp"
#include "context.hpp"

namespace minions::agent {

class Freezer {
public:
    explicit Freezer(const Context& ctx);
    ~Freezer();
    Freezer(const Freezer&) = delete;
    Freezer& operator=(const Freezer&) = delete;

    // Freezes (or, when already frozen, extends the deadline) on behalf of
    // `call`; thaws again if `call` was cancelled meanwhile. Result: {"frozen": [mounts]}.
    nlohmann::json freeze(std::chrono::milliseconds auto_thaw, const Call& call);
    // Result: {"thawed": [mounts]}, empty when nothing was frozen.
    nlohmann::json thaw();
    // Thaws if the freeze request `id` owns the freeze; true when it did.
    bool cancel(uint64_t id);

private:
    std::vector<std::string> thaw_locked(const std::string& reason);
    void watchdog();

    const Context& ctx_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<std::string> frozen_;  // mount points, in freeze order
    bool is_frozen_ = false;
    std::optional<uint64_t> owner_;  // id of the freeze request that last armed it
    std::chrono::steady_clock::time_point deadline_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace minions::agent
