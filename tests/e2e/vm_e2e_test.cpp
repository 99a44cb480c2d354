// One real guest under QEMU (TCG), driven by the pieces minionsd is made of:
// the QEMU driver, the bridge/TAP code and the agent client, in a network
// namespace of the test's own (qemu_guest.hpp): no 10.77.0.x packet leaves it.
//
// The Cloud Hypervisor side of the same sequence has no real guest to boot;
// it is covered against tests/ch-double by tests/hypervisor (driver: launch,
// reboot in the same VMM, power button, kill) and tests/service (minionsd with
// the real agent: network, authorized_keys, exec, restart uptime, stop).

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/agent_client.hpp"
#include "core/subnet.hpp"
#include "hypervisor/process.hpp"
#include "qemu_guest.hpp"
#include "net/net.hpp"
#include "polkit/private_bus.hpp"

namespace minions {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* kSubnet = "10.77.0.1/24";
constexpr const char* kGuestIp = "10.77.0.2";
constexpr const char* kKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl e2e@minions";
using e2e::kBootTimeout;

class QemuVmTest : public e2e::QemuGuestTest {
protected:
    QemuVmTest() : QemuGuestTest({"mbr0", kSubnet, kGuestIp, "tap-e2e", "e2e"}) {}

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
    // The agent applies its saved address again at start; minionsd re-applies it too, so does this test.
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
