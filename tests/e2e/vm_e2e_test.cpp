// One real guest under QEMU (TCG), driven by the pieces minionsd is made of:
// the QEMU driver, the bridge/TAP code and the agent client. The whole test
// process moves into a network namespace of its own first, so the bridge,
// the TAP, QEMU and ping all live there and no 10.77.0.x packet leaves it.
//
// The Cloud Hypervisor side of the same sequence has no real guest to boot;
// it is covered against tests/ch-double by tests/hypervisor (driver: launch,
// reboot in the same VMM, power button, kill) and tests/service (minionsd with
// the real agent: network, authorized_keys, exec, restart uptime, stop).
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/agent_client.hpp"
#include "core/error.hpp"
#include "core/subnet.hpp"
#include "guest_files.hpp"
#include "hypervisor/process.hpp"
#include "hypervisor/qemu_driver.hpp"
#include "net/net.hpp"
#include "polkit/private_bus.hpp"
#include "storage/rootfs_copy.hpp"

namespace minions {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* kBridge = "mbr0";
constexpr const char* kSubnet = "10.77.0.1/24";
constexpr const char* kGuestIp = "10.77.0.2";
constexpr const char* kTap = "tap-e2e";
constexpr const char* kKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl e2e@minions";
// Generous: a TCG boot takes seconds, more while other builds share the 2 cores.
constexpr auto kBootTimeout = std::chrono::milliseconds(120s);

class QemuVmTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        // Before any thread exists, and for every child (QEMU, ping) too. The
        // namespace has no name: it disappears with the last process in it.
        if (::geteuid() == 0 && ::unshare(CLONE_NEWNET) != 0) netns_error_ = std::strerror(errno);
    }

    void SetUp() override {
        std::string missing = e2e::missing_prerequisite(files_);
        if (!missing.empty()) GTEST_SKIP() << missing;
        ASSERT_TRUE(netns_error_.empty()) << "cannot create a network namespace: " << netns_error_;
        char tmpl[] = "/tmp/minions-e2e-XXXXXX";  // short: socket paths are limited to 108 bytes
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        storage::copy_rootfs(files_.base_image(), dir_ / "rootfs.ext4");
        net::ensure_bridge(kBridge, Subnet::parse(kSubnet));
        net::create_tap(kTap, kBridge);

        spec_.vm_id = "e2e";
        spec_.name = "e2e";
        spec_.cpus = 1;
        spec_.memory_mb = 256;
        spec_.kernel = files_.kernel();
        spec_.initramfs = files_.initramfs();
        spec_.cmdline = "console=ttyS0 root=/dev/vda rw panic=-1";  // what minionsd passes
        spec_.rootfs = dir_ / "rootfs.ext4";
        spec_.tap = kTap;
        spec_.mac = mac_for_cid(3);
        spec_.cid = 3;
        spec_.socket_dir = dir_ / "run";
        spec_.serial_log = dir_ / "serial.log";
    }

    void TearDown() override {
        if (process_.pid > 0 && hv::process_alive(process_)) {
            hv::kill_hard(process_);
            hv::wait_gone(process_, 5s);
        }
        if (dir_.empty()) return;
        try {
            net::delete_link(kTap);
        } catch (const Error&) {
            // The namespace goes away with this process anyway.
        }
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    agent::Client agent() { return agent::Client(driver_.agent_endpoint(spec_), 30s); }

    std::string console() { return hv::log_tail(spec_.serial_log, 4096); }

    // Runs a guest command through the agent; expects exit code 0.
    std::string guest(const std::string& command, const std::vector<std::string>& args = {}) {
        agent::ExecResult result = agent().exec(command, args, 30s);
        EXPECT_EQ(result.exit_code, 0) << command << ": " << result.stderr_text;
        return result.stdout_text;
    }

    void configure_guest_network() {
        agent::GuestNetwork network;
        network.address = kGuestIp;
        network.prefix = 24;
        network.gateway = Subnet::parse(kSubnet).gateway_string();
        agent().configure_network(network);
    }

    // ping from the bridge's side, inside this process's namespace (argv, no shell).
    test::CommandResult ping_guest() {
        return test::run_as(test::root_identity(), {"ping", "-c", "3", "-W", "2", kGuestIp});
    }

    static inline std::string netns_error_;
    e2e::GuestFiles files_ = e2e::guest_files();
    fs::path dir_;
    hv::LaunchSpec spec_;
    hv::QemuDriver driver_{"qemu-system-x86_64", "tcg"};
    hv::Process process_;
};

TEST_F(QemuVmTest, BootsReachesTheAgentPingsExecsRebootsAndPowersOff) {
    // Boot and the agent.
    process_ = driver_.launch(spec_);
    ASSERT_TRUE(hv::process_alive(process_));
    ASSERT_NO_THROW(agent().wait_ready(kBootTimeout)) << console();
    EXPECT_EQ(driver_.info(spec_)["state"], "Running");
    EXPECT_THAT(console(), HasSubstr("minions guest: rcS done"));

    // The guest's network, as create configures it, and ping from the host side.
    configure_guest_network();
    EXPECT_THAT(guest("ip", {"-4", "addr", "show", "dev", "eth0"}), HasSubstr(std::string(kGuestIp) + "/24"));
    test::CommandResult ping = ping_guest();
    EXPECT_EQ(ping.exit_code, 0) << ping.out << ping.err;
    EXPECT_THAT(ping.out, HasSubstr("3 received"));

    // root's authorized_keys, as create injects it, read back by the guest itself.
    agent().write_file("/root/.ssh/authorized_keys", std::string(kKey) + "\n", 0600);
    EXPECT_EQ(guest("cat", {"/root/.ssh/authorized_keys"}), std::string(kKey) + "\n");
    EXPECT_EQ(guest("stat", {"-c", "%a", "/root/.ssh/authorized_keys"}), "600\n");

    // The guest runs the kernel the image was built with.
    std::string uname = guest("uname", {"-a"});
    EXPECT_THAT(uname, HasSubstr("Linux"));
    EXPECT_THAT(uname, HasSubstr(e2e::kernel_release(files_)));

    // Reboot through QMP: same QEMU process, a new boot of the guest.
    std::string boot_id = guest("cat", {"/proc/sys/kernel/random/boot_id"});
    double agent_uptime = agent().health().at("uptime_s").get<double>();
    agent().sync();
    driver_.reboot(spec_);
    ASSERT_NO_THROW(agent().wait_ready(kBootTimeout)) << console();
    EXPECT_LT(agent().health().at("uptime_s").get<double>(), agent_uptime);
    EXPECT_NE(guest("cat", {"/proc/sys/kernel/random/boot_id"}), boot_id);
    EXPECT_TRUE(hv::process_alive(process_)) << "a reboot stays in the same QEMU process";
    EXPECT_EQ(driver_.info(spec_)["state"], "Running");
    // The address does not survive a reboot; minionsd re-applies it, so does this test.
    configure_guest_network();
    ping = ping_guest();
    EXPECT_EQ(ping.exit_code, 0) << ping.out << ping.err;
    // What was written before the reboot was flushed to the disk.
    EXPECT_EQ(guest("cat", {"/root/.ssh/authorized_keys"}), std::string(kKey) + "\n");

    // Graceful power-off: ACPI power button, acpid, poweroff, and QEMU exits.
    driver_.power_button(spec_);
    EXPECT_TRUE(hv::wait_gone(process_, 60s)) << console();
    EXPECT_THAT(console(), HasSubstr("reboot: Power down"));
}

}  // namespace
}  // namespace minions
