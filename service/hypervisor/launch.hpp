#pragma once
// Steps every driver's launch shares: the VM's files made the VMM's own, the
// kernel and TAP opened for it, the VMM's own log beside the serial log,
// handing the new process to the caller before anything waits, and waiting
// for the control API to answer while watching that the process has not died.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/unique_fd.hpp"
#include "hypervisor/hypervisor.hpp"

namespace minions::hv {

// serial.log -> serial.vmm.log: the VMM's stdout and stderr.
std::filesystem::path vmm_log_path(const LaunchSpec& spec);

// Creates the socket directory and removes the given stale sockets a dead
// VMM left behind (a VMM refuses to bind over them). With `spec.as`, hands
// the VM's own files to the VMM's user: its directory and socket directory
// (0700), disk and console log (0600). Nothing else is made reachable.
void prepare_vm_files(const LaunchSpec& spec, std::initializer_list<const char*> sockets);

// What a VMM is given open instead of by path, so that its user needs no
// access to the shared kernel directory and no CAP_NET_ADMIN or
// /dev/net/tun for its TAP. They are its descriptors 3, 4 and 5, named on
// its command line as below.
struct HandedFiles {
    UniqueFd kernel, initramfs, tap;
    static constexpr const char* kKernel = "/proc/self/fd/3";
    static constexpr const char* kInitramfs = "/proc/self/fd/4";
    static constexpr int kTapFd = 5;
    std::vector<int> fds() const { return {kernel.get(), initramfs.get(), tap.get()}; }
};
HandedFiles open_handed_files(const LaunchSpec& spec);

// spawn_detached as `spec.as` with `files`, then `on_spawned` (if set) with
// the new process. If it throws, the process is killed (and gone) before
// the exception propagates.
Process spawn_vmm(const std::vector<std::string>& argv, const LaunchSpec& spec, const HandedFiles& files,
                  const std::function<void(const Process&)>& on_spawned);

// Calls `probe` until it returns true. If the process exits first, or the
// deadline passes (the process is then killed), throws Error{HypervisorFailed}
// with the tail of the VMM's log.
void wait_ready(const Process& process, const std::filesystem::path& log, std::chrono::milliseconds timeout,
                const std::string& program, const std::function<bool()>& probe);

}  // namespace minions::hv
