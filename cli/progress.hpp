#pragma once
// A one-line phase display on stderr while a long call runs: a side thread
// asks for the VM's status every 100 ms and, once the operation is under way
// (past polkit: the VM is creating, starting, restarting or stopping),
// rewrites the line with \r.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "api.hpp"

namespace minions::cli {

class ProgressDisplay {
public:
    // `vm` is polled through `api` (its own instance, in the side thread);
    // an empty `vm` shows only the label and the elapsed time, from the start.
    ProgressDisplay(std::unique_ptr<Api> api, std::string label, std::string vm);
    ~ProgressDisplay();  // stops and clears the line
    ProgressDisplay(const ProgressDisplay&) = delete;
    ProgressDisplay& operator=(const ProgressDisplay&) = delete;

private:
    void run();

    std::unique_ptr<Api> api_;
    std::string label_;
    std::string vm_;
    std::atomic<bool> done_{false};
    std::thread thread_;
};

// Progress only for a person watching: never with --json, never when stdout
// or stderr is not a terminal.
bool progress_wanted(bool json);

}  // namespace minions::cli
