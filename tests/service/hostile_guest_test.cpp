// Hostile guests cost the host bounded disk, time and memory: a console
// flood is rotated as it grows and Logs reads only the window asked for; an
// agent that streams without end or never answers fails its call in time.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "service_fixture.hpp"

namespace minions::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr std::uint64_t MiB = 1 << 20;

class HostileGuest : public ServiceTest {
public:
    static void SetUpTestSuite() {
        Options options;
        options.console_log_max_mb = 1;
        start_service(options);
    }
};

std::uint64_t size_or_zero(const fs::path& file) {
    std::error_code ec;
    auto size = fs::file_size(file, ec);
    return ec ? 0 : size;
}

// Resident memory of `pid` in bytes (VmRSS of /proc/PID/status).
std::uint64_t rss_of(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    while (status >> key) {
        if (key == "VmRSS:") {
            std::uint64_t kib = 0;
            status >> kib;
            return kib * 1024;
        }
        status.ignore(4096, '\n');
    }
    return 0;
}

TEST_F(HostileGuest, AFloodedConsoleStaysBoundedAndLogsStayCheap) {
    create("flood");
    std::string id = str(get_vm("flood").at("Id"));
    const fs::path log = vms_dir() / id / "serial.log";
    const fs::path rotated = log.string() + ".1";
    auto pid = daemon_pid();
    ASSERT_TRUE(pid);
    const std::uint64_t rss_before = rss_of(*pid);

    // The guest's output as the VMM writes it: appended, about 1 MB/s, 8 s.
    int vmm = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    ASSERT_GE(vmm, 0);
    const std::string chunk = std::string(64 * 1024 - 1, 'f') + "\n";
    std::uint64_t written = 0, largest_log = 0, largest_rotated = 0;
    const auto until = std::chrono::steady_clock::now() + 8s;
    while (std::chrono::steady_clock::now() < until) {
        ASSERT_EQ(::write(vmm, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
        written += chunk.size();
        largest_log = std::max(largest_log, size_or_zero(log));
        largest_rotated = std::max(largest_rotated, size_or_zero(rotated));
        std::this_thread::sleep_for(62ms);
    }
    const std::string last = "the last line\n";
    ASSERT_EQ(::write(vmm, last.data(), last.size()), static_cast<ssize_t>(last.size()));
    ::close(vmm);

    EXPECT_GT(written, 7 * MiB);
    EXPECT_LE(largest_rotated, 1 * MiB);
    // The limit plus what arrives between two 2 s sweeps, with slack.
    EXPECT_LE(largest_log, 1 * MiB + 4 * MiB) << "the console log was not rotated";
    EXPECT_TRUE(fs::exists(rotated));

    // Logs: the newest bytes, across the rotated copy; many large windows
    // cost minionsd no lasting memory.
    for (int i = 0; i < 10; ++i) {
        std::string text;
        Outcome o = call_vm("flood", "Logs", [](sdbus::MethodCall& m) { m << uint32_t{8 * MiB}; },
                            [&](sdbus::MethodReply& r) { r >> text; });
        ASSERT_TRUE(o.ok) << o.error_name << ": " << o.error_message;
        EXPECT_TRUE(text.ends_with(last));
        EXPECT_LE(text.size(), 2 * MiB + 4 * MiB);
    }
    const std::uint64_t rss_after = rss_of(*pid);
    EXPECT_LT(rss_after, rss_before + 32 * MiB) << "minionsd grew from " << rss_before << " to " << rss_after;
    RecordProperty("rss_before", std::to_string(rss_before));
    RecordProperty("rss_after", std::to_string(rss_after));
}


// Guests whose agent misbehaves on purpose (tests/hypervisor/fake_agent.cpp,
// MINIONS_FAKE_AGENT_HOSTILE) after booting normally: each call to it ends
// in bounded time with an error, minionsd's memory stays where it was, and
// everyone else is still answered.
class HostileAgent : public ServiceTest {
protected:
    void boot_hostile(const std::string& name, const std::string& behaviour) {
        restart_daemon_with({{"MINIONS_CH_DOUBLE_AGENT", guest_program(FAKE_AGENT_PATH).string()}, {"MINIONS_FAKE_AGENT_HOSTILE", behaviour}});
        create(name);
    }
    void TearDown() override {
        ServiceTest::TearDown();
        restart_daemon_with({});
    }
};

struct Timed {
    Outcome outcome;
    std::chrono::duration<double> took;
};

template <typename F>
Timed timed(F&& call) {
    auto start = std::chrono::steady_clock::now();
    Outcome o = call();
    return {o, std::chrono::steady_clock::now() - start};
}

TEST_F(HostileAgent, AnAgentThatAnswersWithoutEndCostsBoundedTimeAndMemory) {
    boot_hostile("endless", "endless:status,exec");
    auto pid = daemon_pid();
    ASSERT_TRUE(pid);
    const std::uint64_t rss_before = rss_of(*pid);
    // AgentStatus has 10 s; the stream never forms a frame.
    auto status = timed([&] { return call_vm("endless", "AgentStatus"); });
    EXPECT_FALSE(status.outcome.ok);
    EXPECT_LT(status.took, 15s) << status.outcome.error_name << ": " << status.outcome.error_message;
    // An exec whose "output" never ends: the guest's 3 s limit and the
    // host's 10 s on top of it for the answer to arrive.
    auto exec = timed([&] {
        return call_vm("endless", "Exec", [](sdbus::MethodCall& m) {
            m << std::string("cat") << std::vector<std::string>{"/dev/zero"} << uint32_t{3} << false;
        });
    });
    EXPECT_FALSE(exec.outcome.ok);
    EXPECT_LT(exec.took, 17s) << exec.outcome.error_name << ": " << exec.outcome.error_message;
    const std::uint64_t rss_after = rss_of(*pid);
    EXPECT_LT(rss_after, rss_before + 16 * MiB) << "minionsd grew from " << rss_before << " to " << rss_after;
    RecordProperty("rss_before", std::to_string(rss_before));
    RecordProperty("rss_after", std::to_string(rss_after));
    // The daemon and the VM's other operations are fine.
    EXPECT_EQ(str(get_vm("endless").at("Status")), "running");
    EXPECT_TRUE(call_vm("endless", "Logs", [](sdbus::MethodCall& m) { m << uint32_t{4096}; }).ok);
}

TEST_F(HostileAgent, AnAgentThatNeverAnswersTimesOutAndHoldsNothing) {
    boot_hostile("silent", "silent:status");
    auto pid = daemon_pid();
    ASSERT_TRUE(pid);
    const std::uint64_t rss_before = rss_of(*pid);
    auto status = timed([&] { return call_vm("silent", "AgentStatus"); });
    EXPECT_FALSE(status.outcome.ok);
    EXPECT_EQ(status.outcome.error_name, "org.minions.Error.Timeout") << status.outcome.error_message;
    EXPECT_GE(status.took, 9s);
    EXPECT_LT(status.took, 15s);
    const std::uint64_t rss_after = rss_of(*pid);
    EXPECT_LT(rss_after, rss_before + 16 * MiB) << "minionsd grew from " << rss_before << " to " << rss_after;
    // Its lock is free again: a stop goes through at once.
    stop("silent", true);
    EXPECT_EQ(str(get_vm("silent").at("Status")), "stopped");
}

}  // namespace
}  // namespace minions::test
