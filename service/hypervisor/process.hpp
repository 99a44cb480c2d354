#pragma once
// Starting a VMM detached from minionsd and recognising it later. The VMM is
// double-forked into its own session and re-parented to init, so the daemon
// never has to reap it and a daemon restart leaves it running.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hypervisor/hypervisor.hpp"

namespace minions::hv {

// How a VMM is started beyond its command line.
struct SpawnOptions {
    // Set: the VMM drops to these before exec (no capabilities left, no new
    // privileges). Unset: it keeps the caller's.
    std::optional<Credentials> as;
    // Open descriptors the VMM gets as 3, 4, 5, ... in this order (the
    // caller keeps its own); -1 leaves that number closed.
    std::vector<int> fds;
};
inline constexpr std::size_t kMaxHandedFds = 8;

// Runs argv[0] (a path, no PATH search, no shell) with stdin on /dev/null and
// stdout+stderr appended to `log`. The program is opened before the drop to
// `options.as`, so that user needs no access to the directories leading to
// it. Returns the VMM's pid and start time. Throws Error{HypervisorFailed}
// if the program cannot be executed.
Process spawn_detached(const std::vector<std::string>& argv, const std::filesystem::path& log,
                       const SpawnOptions& options = {});

// Waits until the process is gone (or a zombie); false if still alive at the deadline.
bool wait_gone(const Process& process, std::chrono::milliseconds timeout);

// SIGKILL, only if `process` is still the process we started.
void kill_hard(const Process& process);

// The last `max_bytes` of a log file, for error messages ("" if unreadable).
std::string log_tail(const std::filesystem::path& log, std::size_t max_bytes = 2048);

// Resolves a program name the way execvp would (PATH search for bare names);
// empty if not found or not executable.
std::filesystem::path find_program(const std::filesystem::path& program);

}  // namespace minions::hv
