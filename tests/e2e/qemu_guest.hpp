#pragma once
// One real guest under QEMU (TCG) for a test: a fresh copy of the base
// image, a bridge and TAP, and the launch spec minionsd would build. The test
// process moves into an unnamed network namespace of its own before any
// thread exists, so the bridge, the TAP, QEMU and ping all live there and no
// packet to the guest's address leaves it.
#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "agent/agent_client.hpp"
#include "guest_files.hpp"
#include "hypervisor/qemu_driver.hpp"

namespace minions::e2e {

// Generous: a TCG boot takes seconds, more while other builds share the cores.
inline constexpr std::chrono::milliseconds kBootTimeout{120000};

// Where the guest sits; each test program has its own, so they may run at once.
struct GuestLayout {
    const char* bridge;
    const char* subnet;    // gateway/prefix, e.g. "10.77.0.1/24"
    const char* guest_ip;  // in `subnet`
    const char* tap;
    const char* vm_id;
};

class QemuGuestTest : public ::testing::Test {
protected:
    explicit QemuGuestTest(GuestLayout layout) : layout_(layout) {}

    static void SetUpTestSuite();
    // Skips without the guest files; prepares disk, bridge, TAP and spec_ (no launch).
    void SetUp() override;
    void TearDown() override;  // kills the VMM, removes the TAP and the files

    agent::Client agent(std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
    std::string console() const;  // the end of the serial log

    GuestLayout layout_;
    GuestFiles files_ = guest_files();
    std::filesystem::path dir_;
    hv::LaunchSpec spec_;
    hv::QemuDriver driver_{"qemu-system-x86_64", "tcg"};
    hv::Process process_;

private:
    static inline std::string netns_error_;
};

}  // namespace minions::e2e
