#pragma once
// minionsd's configuration: a small INI file (`key = value` lines in
// [sections], '#' comments). Every setting has a default; an unknown key or a
// bad value is an error naming the file, line and key.
#include <chrono>
#include <filesystem>
#include <string>

#include "subnet.hpp"

namespace minions {

struct Config {
    // [paths]
    std::filesystem::path state_dir = "/var/lib/minions";  // state.db lives here
    std::filesystem::path vms_dir = "/var/lib/minions/vms";
    std::filesystem::path kernel_dir = "/var/lib/minions/kernel";  // vmlinuz, initrd.img
    std::filesystem::path image_dir = "/var/lib/minions/images";   // base.ext4
    std::filesystem::path run_dir = "/run/minions";                // sockets

    // [network]
    std::string bridge = "br0";
    Subnet subnet = Subnet::parse("10.0.0.1/16");
    std::string netns;  // empty: host namespace; else created when missing
    std::string dns = "10.0.0.1";

    // [hypervisor]
    std::string hypervisor = "auto";  // auto | qemu | cloud-hypervisor
    std::string accel = "auto";       // auto | kvm | tcg (QEMU only)
    std::filesystem::path qemu_binary = "qemu-system-x86_64";
    std::filesystem::path cloud_hypervisor_binary = "cloud-hypervisor";
    // Each VMM runs as its own unprivileged user: uid vmm_uid_base + the VM's
    // vsock CID (unique among VMs), the group of vmm_user, plus kvm. Empty
    // vmm_user: VMMs keep minionsd's privileges. The default base leaves
    // every uid in 1879113731-1879179263, a block systemd leaves unused.
    std::string vmm_user = "minions-vm";
    unsigned vmm_uid_base = 1879113728;

    // [vm]
    unsigned default_cpus = 2;
    unsigned default_memory_mb = 1024;
    unsigned max_cpus = 8;
    unsigned max_memory_mb = 16384;
    // A VM's console log is rotated (copytruncate) past this size; the log
    // and the one rotated copy together hold at most about twice as much.
    unsigned console_log_max_mb = 4;

    // [timeouts]
    std::chrono::seconds agent_ready_timeout{120};
    std::chrono::seconds stop_timeout{30};
    std::chrono::seconds exec_timeout{60};
    // How long an interactive polkit check (a password prompt) may stay open.
    std::chrono::seconds auth_timeout{300};

    std::filesystem::path state_db() const { return state_dir / "state.db"; }

    // Throws Error{InvalidArgument} with "<file>:<line>: <what>".
    static Config load(const std::filesystem::path& file);
    static Config parse(const std::string& text, const std::string& origin = "<config>");
};

}  // namespace minions
