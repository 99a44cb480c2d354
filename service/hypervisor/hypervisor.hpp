#pragma once
// One interface over the hypervisors minionsd drives. A driver spawns one VMM
// process per VM, detached from the daemon (own session, output into the
// serial log) so it outlives a daemon restart, and speaks the VMM's control
// API over the VM's socket directory. Failures throw Error{HypervisorFailed}.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include "agent/agent_client.hpp"

namespace minions {
struct Config;
}

namespace minions::hv {

// Whom a VMM runs as: its own uid, a group, supplementary groups (kvm).
struct Credentials {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

struct LaunchSpec {
    std::string vm_id;
    std::string name;
    uint32_t cpus = 2;
    uint32_t memory_mb = 1024;
    std::filesystem::path kernel;
    std::filesystem::path initramfs;
    std::string cmdline;
    std::filesystem::path rootfs;
    std::string tap;
    std::string mac;
    uint32_t cid = 0;
    std::filesystem::path socket_dir;  // per-VM directory for API and agent sockets
    std::filesystem::path serial_log;
    // Set: the VMM runs as this user, which then owns the VM's directory,
    // disk, console log and sockets. Unset: it keeps minionsd's privileges.
    std::optional<Credentials> as;
};

// A VMM process, identified so that a recycled PID is never mistaken for it.
struct Process {
    pid_t pid = 0;
    uint64_t start_time = 0;  // field 22 of /proc/<pid>/stat
};

uint64_t process_start_time(pid_t pid);  // 0 if no such process
bool process_alive(const Process& process);

class Hypervisor {
public:
    virtual ~Hypervisor() = default;
    virtual std::string_view kind() const = 0;  // "qemu" or "cloud-hypervisor"

    // Starts the VMM and returns once its control API answers. `on_spawned`
    // (if set) is called as soon as the process exists, before anything
    // waits on it, so the caller records its identity before a crash could
    // lose it. If on_spawned throws, the VMM is killed and the exception
    // propagates. A launch that fails later has still called on_spawned: its
    // VMM has then exited or been killed.
    virtual Process launch(const LaunchSpec& spec, const std::function<void(const Process&)>& on_spawned) = 0;
    // For callers with nothing to record early. Drivers declare
    // `using Hypervisor::launch;` so their override does not hide it.
    Process launch(const LaunchSpec& spec) { return launch(spec, {}); }
    // Hard reset of the guest inside the same VMM process.
    virtual void reboot(const LaunchSpec& spec) = 0;
    // ACPI power button: asks the guest to shut down.
    virtual void power_button(const LaunchSpec& spec) = 0;
    // Ends the VMM: API shutdown, then SIGKILL if it lingers past `grace`.
    virtual void kill(const LaunchSpec& spec, const Process& process,
                      std::chrono::milliseconds grace = std::chrono::seconds(3)) = 0;
    virtual void pause(const LaunchSpec& spec) = 0;
    virtual void resume(const LaunchSpec& spec) = 0;
    // The VMM's own view ({"state": "Running" | "Paused" | ..., ...}).
    virtual nlohmann::json info(const LaunchSpec& spec) = 0;
    // Where the guest agent of this VM is reached.
    virtual agent::Endpoint agent_endpoint(const LaunchSpec& spec) const = 0;
};

std::unique_ptr<Hypervisor> make_qemu(const Config& config);
std::unique_ptr<Hypervisor> make_cloud_hypervisor(const Config& config);
// "auto" prefers Cloud Hypervisor when its binary is found on PATH, else QEMU.
std::unique_ptr<Hypervisor> make_hypervisor(const Config& config);

}  // namespace minions::hv
