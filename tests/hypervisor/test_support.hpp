#pragma once
// Shared by the hypervisor tests: a private temporary directory and the
// paths of the helper programs built with the tests.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "hypervisor/hypervisor.hpp"

namespace hvtest {

// Short paths: Unix socket paths are limited to 108 bytes.
class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/hvt-XXXXXX";
        path_ = ::mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Polls `condition` until true or `timeout`; returns its last value.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
}

// The VM every driver test launches, with all of its files under `dir`.
inline minions::hv::LaunchSpec launch_spec_in(const std::filesystem::path& dir) {
    minions::hv::LaunchSpec spec;
    spec.vm_id = "id-1";
    spec.name = "web";
    spec.cpus = 2;
    spec.memory_mb = 256;
    spec.kernel = dir / "vmlinuz";
    spec.initramfs = dir / "initrd.img";
    spec.cmdline = "console=ttyS0 root=/dev/vda rw";
    spec.rootfs = dir / "rootfs.ext4";
    // No TAP: a launch opens it, and unit tests make no network devices
    // (the bus and e2e suites do, inside a namespace of their own).
    spec.mac = "52:54:00:00:00:03";
    spec.cid = 3;
    spec.socket_dir = dir / "run";
    spec.serial_log = dir / "serial.log";
    return spec;
}

}  // namespace hvtest
