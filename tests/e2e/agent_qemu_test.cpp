// The agent protocol against the real guest under QEMU (TCG), where the agent
// is reached through a virtio-serial port: one byte stream per VM that QEMU
// hands to one host connection at a time. Overlapping calls each get their
// own answer, a call the host gave up on leaves nothing running in the guest,
// and a reboot begun inside the guest keeps the VM's address. The process
// moves into a network namespace of its own first: the bridge, the TAP, QEMU
// and ping live there, and no 10.77.2.x packet leaves it.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/agent_client.hpp"
#include "core/error.hpp"
#include "core/subnet.hpp"
#include "hypervisor/process.hpp"
#include "qemu_guest.hpp"
#include "net/net.hpp"

extern char** environ;

namespace minions {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr const char* kSubnet = "10.77.2.1/24";
constexpr const char* kGuestIp = "10.77.2.2";
using e2e::kBootTimeout;

// Exit code of `argv` (no shell), run in this process's network namespace.
int run(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid;
    if (::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class AgentOverSerial : public e2e::QemuGuestTest {
protected:
    AgentOverSerial() : QemuGuestTest({"mbr2", kSubnet, kGuestIp, "tap-agent-e2e", "agent-e2e"}) {}

    void SetUp() override {
        QemuGuestTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        process_ = driver_.launch(spec_);
        ASSERT_NO_THROW(agent().wait_ready(kBootTimeout, [this] { return hv::process_alive(process_); }))
            << console();
    }

    // stdout of a shell script in the guest.
    std::string sh(const std::string& script, std::chrono::milliseconds timeout = 60s) {
        return agent(timeout).exec("sh", {"-c", script}, 30s).stdout_text;
    }

    // "alive" or "gone": the process whose pid the guest wrote into `pid_file`.
    std::string guest_process(const std::string& pid_file) {
        return sh("p=$(cat " + pid_file + " 2>/dev/null); if [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null; "
                  "then echo alive; else echo gone; fi");
    }

};

// What exec B runs in the guest: output, a pid file, then a long sleep under that pid.
nlohmann::json sleeper(const std::string& pid_file) {
    return {{"op", "exec"},
            {"command", "sh"},
            {"args", {"-c", "echo B-output; echo $$ > " + pid_file + "; exec sleep 300"}},
            {"timeout_ms", 600000}};
}

// The defect as first seen: B, given up on while the guest ran it, answered C.
TEST_F(AgentOverSerial, ACallGivenUpOnIsKilledInTheGuestAndAnswersNobody) {
    EXPECT_THROW(agent(3s).call(sleeper("/tmp/b.pid")), Error);
    const auto start = Clock::now();
    EXPECT_EQ(sh("echo C-output"), "C-output\n");
    EXPECT_LT(Clock::now() - start, 20s) << "C waited behind B";
    EXPECT_EQ(sh("cat /tmp/b.pid >/dev/null && echo started"), "started\n");
    EXPECT_EQ(guest_process("/tmp/b.pid"), "gone\n") << "B outlived its cancel";
}

// Three at once: A long, B abandoned by its host while it waits its turn at
// the port, C quick. Each answer reaches its own caller; B runs nowhere.
TEST_F(AgentOverSerial, ThreeOverlappingExecsEachGetTheirOwnOutput) {
    auto a = std::async(std::launch::async, [this] { return sh("sleep 5; echo A-output"); });
    std::this_thread::sleep_for(1s);
    auto b = std::async(std::launch::async, [this] {
        try {
            agent(2s).call(sleeper("/tmp/b.pid"));
            return std::string("answered");
        } catch (const Error& e) {
            return std::string(e.what());
        }
    });
    auto c = std::async(std::launch::async, [this] {
        std::this_thread::sleep_for(3s);  // after B gave up
        return sh("echo C-output");
    });
    EXPECT_EQ(a.get(), "A-output\n");
    EXPECT_THAT(b.get(), HasSubstr("did not answer"));
    EXPECT_EQ(c.get(), "C-output\n");
    EXPECT_EQ(guest_process("/tmp/b.pid"), "gone\n") << "B runs after its host gave up";
    EXPECT_EQ(sh("ps | grep -c '[s]leep 300' || true"), "0\n") << sh("ps");
}

TEST_F(AgentOverSerial, AGuestThatRebootsItselfKeepsItsAddress) {
    agent::GuestNetwork network;
    network.address = kGuestIp;
    network.prefix = 24;
    network.gateway = Subnet::parse(kSubnet).gateway_string();
    agent().configure_network(network);
    agent().set_hostname("agent-e2e");
    ASSERT_EQ(run({"ping", "-q", "-c", "3", "-W", "2", kGuestIp}), 0) << "no ping before the reboot";
    const std::string boot_id = sh("cat /proc/sys/kernel/random/boot_id");

    // Detached, so the exec is answered before init takes the agent down.
    sh("(sleep 1; reboot) </dev/null >/dev/null 2>&1 &");
    std::string now = boot_id;
    const auto deadline = Clock::now() + kBootTimeout;
    while (now == boot_id && Clock::now() < deadline) {
        std::this_thread::sleep_for(2s);
        try {
            now = agent(5s).exec("cat", {"/proc/sys/kernel/random/boot_id"}, 3s).stdout_text;
        } catch (const Error&) {
            // Going down, or not up yet.
        }
    }
    ASSERT_NE(now, boot_id) << "the guest never came back from its reboot\n" << console();
    EXPECT_TRUE(hv::process_alive(process_)) << "a guest reboot stays in the same QEMU process";

    // Nobody configured the network again: the agent did, from the guest's disk.
    EXPECT_THAT(sh("ip -4 addr show dev eth0"), HasSubstr(std::string(kGuestIp) + "/24"));
    EXPECT_EQ(sh("hostname"), "agent-e2e\n");
    EXPECT_EQ(run({"ping", "-q", "-c", "3", "-W", "2", kGuestIp}), 0) << "no ping after the reboot\n" << console();
}

}  // namespace
}  // namespace minions
