#pragma once
// The command line the double accepts: the subset of cloud-hypervisor's flags
// minionsd passes, in both "--flag value" and "--flag=value" forms. Anything
// else is refused the way cloud-hypervisor's parser refuses it (exit 2).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ch_double {

struct Options {
    std::filesystem::path api_socket;
    std::optional<std::filesystem::path> kernel;  // absent: the VM is not created
    std::filesystem::path initramfs;
    std::string cmdline;
    std::vector<std::filesystem::path> disks;
    uint32_t boot_vcpus = 1;
    uint64_t memory_bytes = 512ull << 20;
    std::vector<std::string> nets;  // "tap=...,mac=..." kept as given
    std::string net_tap, net_mac;   // of the first --net
    std::optional<int> net_fd;      // its fd=, when the TAP was handed open
    std::optional<uint32_t> vsock_cid;
    std::filesystem::path vsock_socket;
    std::string serial_mode = "null";
    std::filesystem::path serial_file;
    std::string console_mode = "tty";
    std::filesystem::path agent_socket;  // --x-agent-socket: forward vsock port 1024 here
};

// Throws UsageError with clap-like wording; main() prints it and exits 2.
struct UsageError {
    std::string message;
};

Options parse_options(const std::vector<std::string>& args);

}  // namespace ch_double
