// A guest flooding its serial console costs the host bounded disk and
// minionsd bounded memory: the log is rotated as it grows, and Logs reads
// only the window asked for.
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

}  // namespace
}  // namespace minions::test
