#pragma once
// freeze/thaw of the guest's filesystems (FIFREEZE/FITHAW) for consistent
// disk snapshots. A watchdog thaws on its own once the deadline passes, so a
// host that dies mid-snapshot never leaves the guest frozen; thaw is idempotent.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "context.hpp"

namespace minions::agent {

class Freezer {
public:
    explicit Freezer(const Context& ctx);
    ~Freezer();
    Freezer(const Freezer&) = delete;
    Freezer& operator=(const Freezer&) = delete;

    // Freezes (or, when already frozen, extends the deadline). Result: {"frozen": [mounts]}.
    nlohmann::json freeze(std::chrono::milliseconds auto_thaw);
    // Result: {"thawed": [mounts]}, empty when nothing was frozen.
    nlohmann::json thaw();

private:
    std::vector<std::string> thaw_locked(const std::string& reason);
    void watchdog();

    const Context& ctx_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<std::string> frozen_;  // mount points, in freeze order
    bool is_frozen_ = false;
    std::chrono::steady_clock::time_point deadline_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace minions::agent
