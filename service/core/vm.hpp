#pragma once
// The VM record: what the store keeps and every interface shows.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace minions {

// Stop's timeout_s on D-Bus that means "the service's configured default"
// (org.minions.VM.xml); 0 with force kills at once.
inline constexpr uint32_t kStopTimeoutDefault = UINT32_MAX;

// Logs' max_bytes on D-Bus: 0 means the default window; more than the
// limit is InvalidArgument (the whole window is held in memory and sent in
// one message).
inline constexpr std::size_t kDefaultLogBytes = 64 * 1024;
inline constexpr std::size_t kMaxLogBytes = 8 * 1024 * 1024;

// The longest exec timeout a caller may ask for (as for the configuration's).
inline constexpr std::chrono::seconds kMaxExecTimeout{24 * 3600};

enum class VmStatus { Creating, Starting, Running, Restarting, Stopping, Stopped, Error };

std::string_view to_string(VmStatus status);
std::optional<VmStatus> parse_status(std::string_view text);

struct Vm {
    std::string id;    // immutable; names the VM's directory and D-Bus object
    std::string name;  // user-visible, changes on rename
    VmStatus status = VmStatus::Creating;
    std::string ip;    // dotted quad, kept for the VM's whole life
    uint32_t cid = 0;  // vsock context id, >= 3
    std::string mac;   // derived from cid
    uint32_t cpus = 2;
    uint32_t memory_mb = 1024;
    int64_t pid = 0;              // hypervisor process while it runs, else 0
    uint64_t pid_start_time = 0;  // /proc/<pid>/stat start time, defeats PID reuse
    std::string hypervisor;       // "qemu" or "cloud-hypervisor"
    std::string created_at;       // RFC 3339, UTC
};

// The TAP device of a VM: "tap-" + name, within the kernel's 15 characters.
std::string tap_name(std::string_view vm_name);

// The seed's VM object (name, status, ip, cpus, memory_mb, pid) plus id,
// vsock_cid, mac, tap, hypervisor and created_at. `pid` is null when not running.
void to_json(nlohmann::json& j, const Vm& vm);

}  // namespace minions
