#pragma once
// Steps every driver's launch shares: a clean socket directory, the VMM's own
// log beside the serial log, handing the new process to the caller before
// anything waits, and waiting for the control API to answer while watching
// that the process has not died.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "hypervisor/hypervisor.hpp"

namespace minions::hv {

// serial.log -> serial.vmm.log: the VMM's stdout and stderr.
std::filesystem::path vmm_log_path(const LaunchSpec& spec);

// Creates the socket directory and removes the given stale sockets a dead
// VMM left behind (a VMM refuses to bind over them).
void prepare_socket_dir(const LaunchSpec& spec, std::initializer_list<const char*> sockets);

// spawn_detached, then `on_spawned` (if set) with the new process. If it
// throws, the process is killed (and gone) before the exception propagates.
Process spawn_vmm(const std::vector<std::string>& argv, const std::filesystem::path& log,
                  const std::function<void(const Process&)>& on_spawned);

// Calls `probe` until it returns true. If the process exits first, or the
// deadline passes (the process is then killed), throws Error{HypervisorFailed}
// with the tail of the VMM's log.
void wait_ready(const Process& process, const std::filesystem::path& log, std::chrono::milliseconds timeout,
                const std::string& program, const std::function<bool()>& probe);

}  // namespace minions::hv
