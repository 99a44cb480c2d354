#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "hypervisor/process.hpp"
#include "test_support.hpp"

using namespace minions;
using namespace minions::hv;

namespace {

pid_t parent_of(pid_t pid) {
    auto stat = hvtest::read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    char state = 0;
    int ppid = 0;
    std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid);
    return ppid;
}

}  // namespace

TEST(ProcessStartTime, IsKnownForALiveProcessAndZeroForNone) {
    EXPECT_GT(process_start_time(::getpid()), 0u);
    EXPECT_EQ(process_start_time(0), 0u);
    EXPECT_EQ(process_start_time(-5), 0u);
    EXPECT_EQ(process_start_time(4194304 + 1), 0u);  // above pid_max
}

TEST(ProcessStartTime, ParsesAfterTheLastParenthesisOfTheCommandName) {
    hvtest::TempDir dir;
    // A command name with ") " in it would shift every field for a naive parser.
    auto odd = dir / "a) b (c";
    std::filesystem::create_symlink("/bin/sleep", odd);
    auto process = spawn_detached({odd.string(), "30"}, dir / "log");
    EXPECT_GT(process.start_time, 0u);
    EXPECT_EQ(process_start_time(process.pid), process.start_time);
    EXPECT_TRUE(process_alive(process));
    kill_hard(process);
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
}

TEST(ProcessAlive, IsTrueOnlyWhenPidAndStartTimeBothMatch) {
    Process self{::getpid(), process_start_time(::getpid())};
    EXPECT_TRUE(process_alive(self));
    // The same PID with another start time is a recycled PID: not our VMM.
    Process recycled{self.pid, self.start_time + 1};
    EXPECT_FALSE(process_alive(recycled));
    // An unknown start time proves nothing, so it is not treated as ours.
    EXPECT_FALSE(process_alive(Process{self.pid, 0}));
    EXPECT_FALSE(process_alive(Process{}));
}

TEST(SpawnDetached, RunsTheProgramReparentedInItsOwnSession) {
    hvtest::TempDir dir;
    auto process = spawn_detached({"/bin/sleep", "30"}, dir / "vmm.log");
    ASSERT_TRUE(process_alive(process));
    EXPECT_NE(parent_of(process.pid), ::getpid()) << "the daemon must not be the VMM's parent";
    EXPECT_NE(::getsid(process.pid), ::getsid(0));
    kill_hard(process);
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
    EXPECT_FALSE(process_alive(process));
}

TEST(SpawnDetached, AppendsOutputToTheLogAndReadsStdinFromDevNull) {
    hvtest::TempDir dir;
    auto log = dir / "vmm.log";
    hvtest::write_file(log, "earlier\n");
    auto process = spawn_detached({"/bin/cat"}, log);  // stdin is /dev/null: exits at once
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
    auto echo = spawn_detached({"/bin/echo", "hello from the vmm"}, log);
    EXPECT_TRUE(wait_gone(echo, std::chrono::seconds(5)));
    EXPECT_TRUE(hvtest::eventually([&] { return hvtest::read_file(log) == "earlier\nhello from the vmm\n"; }))
        << hvtest::read_file(log);
    EXPECT_EQ(log_tail(log, 4), "vmm\n");
}

TEST(SpawnDetached, DoesNotLeakTheCallersDescriptors) {
    hvtest::TempDir dir;
    int leaked = ::open("/dev/null", O_RDONLY);  // not CLOEXEC on purpose
    ASSERT_GE(leaked, 0);
    auto process = spawn_detached({"/bin/sleep", "30"}, dir / "vmm.log");
    std::error_code ec;
    EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(process.pid) + "/fd/" + std::to_string(leaked), ec));
    ::close(leaked);
    kill_hard(process);
    wait_gone(process, std::chrono::seconds(5));
}

TEST(SpawnDetached, FailsClearlyWhenTheProgramCannotRun) {
    hvtest::TempDir dir;
    try {
        spawn_detached({(dir / "no-such-vmm").string()}, dir / "vmm.log");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::HypervisorFailed);
        EXPECT_NE(std::string(e.what()).find("no-such-vmm"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
    }
}

TEST(FindProgram, SearchesPathForBareNamesOnly) {
    EXPECT_EQ(find_program("sleep").filename(), "sleep");
    EXPECT_EQ(find_program("/bin/sleep"), "/bin/sleep");
    EXPECT_TRUE(find_program("/no/such/program").empty());
    EXPECT_TRUE(find_program("no-such-program-anywhere").empty());
}
