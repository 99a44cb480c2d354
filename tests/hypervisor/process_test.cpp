#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <latch>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/unique_fd.hpp"
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

// Launches that hang never return, so a test cannot kill what they started
// by pid: their children are still forks of this test binary, in a session
// of their own. SIGKILL ends the hang (the parents then see EOF).
void kill_stuck_launch_children() {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        pid_t pid = std::atoi(entry.path().filename().c_str());
        if (pid <= 0 || pid == ::getpid() || ::getsid(pid) == ::getsid(0)) continue;
        if (std::filesystem::read_symlink(entry.path() / "exe", ec) == self) ::kill(pid, SIGKILL);
    }
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

TEST(SpawnDetached, ConcurrentLaunchesDoNotHoldEachOthersPipes) {
    // Each launch's children used to inherit the other launches' go-pipe
    // write ends, so two VMMs each waited for an EOF the other one held.
    constexpr int kThreads = 8;
    constexpr int kRounds = 30;
    hvtest::TempDir dir;
    std::atomic<int> round{0};
    std::atomic<bool> give_up{false};
    auto rounds = std::async(std::launch::async, [&] {
        for (; round < kRounds && !give_up; ++round) {
            std::latch start(kThreads);
            std::vector<Process> started(kThreads);
            std::vector<std::thread> threads;
            for (int i = 0; i < kThreads; ++i)
                threads.emplace_back([&, i] {
                    start.arrive_and_wait();
                    try {
                        started[i] = spawn_detached({"/bin/sleep", "0.2"}, dir / ("vmm" + std::to_string(i) + ".log"));
                    } catch (const Error& e) {
                        ADD_FAILURE() << e.what();
                    }
                });
            for (auto& thread : threads) thread.join();
            for (const auto& process : started) {
                kill_hard(process);
                wait_gone(process, std::chrono::seconds(5));
            }
        }
    });
    if (rounds.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
        ADD_FAILURE() << "concurrent launches hung in round " << round + 1 << " of " << kRounds;
        give_up = true;
        // The stuck children also hold the runner's stdout: end them all.
        for (int tries = 0; rounds.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready; ++tries) {
            if (tries == 100) std::abort();  // crash rather than hang the runner
            kill_stuck_launch_children();
        }
    }
    EXPECT_NO_THROW(rounds.get());
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

namespace {

struct StatSample {
    char state = '?';
    unsigned long flags = 0;
};

StatSample sample_stat(pid_t pid) {
    auto stat = hvtest::read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    StatSample out;
    if (close == std::string::npos) return out;
    int ppid = 0, pgrp = 0, session = 0, tty = 0, tpgid = 0;
    std::sscanf(stat.c_str() + close + 1, " %c %d %d %d %d %d %lu", &out.state, &ppid, &pgrp, &session,
                &tty, &tpgid, &out.flags);
    return out;
}

}  // namespace

// A SIGKILLed process with much memory stays in state R for a while as the
// kernel frees it; restart's settle once found such a VMM "alive" and
// recorded the VM running.
TEST(ProcessAlive, IsFalseForAProcessOnItsWayOut) {
    constexpr size_t kMemory = size_t{2} << 30;
    constexpr unsigned long kExiting = 0x4;
    bool saw_exiting = false;
    for (int attempt = 0; attempt < 5 && !saw_exiting; ++attempt) {
        int ready[2];
        ASSERT_EQ(::pipe(ready), 0);
        pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            void* memory = ::mmap(nullptr, kMemory, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
            ::write(ready[1], memory == MAP_FAILED ? "n" : "y", 1);
            for (;;) ::pause();
        }
        ::close(ready[1]);
        char answer = 0;
        ASSERT_EQ(::read(ready[0], &answer, 1), 1);
        ::close(ready[0]);
        ASSERT_EQ(answer, 'y');
        Process process{child, process_start_time(child)};
        ASSERT_TRUE(process_alive(process));
        ASSERT_EQ(::kill(child, SIGKILL), 0);
        for (;;) {
            auto stat = sample_stat(child);
            bool alive = process_alive(process);
            if (stat.state == 'Z' || stat.state == '?') break;
            // Until the child handles the signal it is still, truly, alive.
            if ((stat.flags & kExiting) == 0) continue;
            saw_exiting = true;
            EXPECT_FALSE(alive) << "state " << stat.state << " flags " << std::hex << stat.flags;
        }
        EXPECT_FALSE(process_alive(process));
        ::waitpid(child, nullptr, 0);
    }
    // Without this the loop above may have proved nothing.
    EXPECT_TRUE(saw_exiting) << "never caught the child between SIGKILL and zombie";
}

namespace {

// "Name:\tvalue" of /proc/<pid>/status.
std::string status_field(pid_t pid, const std::string& name) {
    std::istringstream in(hvtest::read_file("/proc/" + std::to_string(pid) + "/status"));
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(name + ":", 0) == 0) {
            auto value = line.substr(name.size() + 1);
            auto first = value.find_first_not_of(" \t");
            if (first == std::string::npos) return std::string();
            return value.substr(first, value.find_last_not_of(" \t") + 1 - first);
        }
    return "";
}

// A uid of the block minionsd uses by default, and nobody's group.
const Credentials kVmmUser{1879113731, 65534, {65534}};

}  // namespace

TEST(SpawnDetached, DropsToItsOwnUserWithNoCapabilityLeft) {
    ASSERT_EQ(::geteuid(), 0u) << "the drop is tested as root, as minionsd runs";
    hvtest::TempDir dir;
    auto process = spawn_detached({"/bin/sleep", "30"}, dir / "vmm.log", {kVmmUser, {}});
    ASSERT_TRUE(process_alive(process));
    EXPECT_EQ(status_field(process.pid, "Uid"), "1879113731\t1879113731\t1879113731\t1879113731");
    EXPECT_EQ(status_field(process.pid, "Gid"), "65534\t65534\t65534\t65534");
    EXPECT_EQ(status_field(process.pid, "Groups"), "65534");
    EXPECT_EQ(status_field(process.pid, "CapPrm"), "0000000000000000");
    EXPECT_EQ(status_field(process.pid, "CapEff"), "0000000000000000");
    EXPECT_EQ(status_field(process.pid, "CapAmb"), "0000000000000000");
    EXPECT_EQ(status_field(process.pid, "NoNewPrivs"), "1");
    kill_hard(process);
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
}

TEST(SpawnDetached, RefusesRootAsTheVmmsOwnUser) {
    hvtest::TempDir dir;
    EXPECT_THROW(spawn_detached({"/bin/true"}, dir / "vmm.log", {Credentials{0, 65534, {}}, {}}), Error);
    EXPECT_THROW(spawn_detached({"/bin/true"}, dir / "vmm.log", {Credentials{1879113731, 0, {}}, {}}), Error);
}

// The program is opened before the drop: its user needs no way to it (a
// build tree in a private home, here a 0700 directory of root's).
TEST(SpawnDetached, RunsAProgramItsUserCouldNotReach) {
    ASSERT_EQ(::geteuid(), 0u);
    hvtest::TempDir dir;
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
    std::filesystem::copy_file("/bin/sleep", dir / "vmm");
    std::filesystem::permissions(dir / "vmm", std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                                 std::filesystem::perms::others_exec |
                                                 std::filesystem::perms::others_read);
    auto process = spawn_detached({(dir / "vmm").string(), "30"}, dir / "vmm.log", {kVmmUser, {}});
    EXPECT_TRUE(process_alive(process)) << hvtest::read_file(dir / "vmm.log");
    kill_hard(process);
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
    // So is a script, whose interpreter opens it again as /dev/fd/N.
    hvtest::write_file(dir / "vmm.sh", "#!/bin/sh\necho script ran as $(id -u)\n");
    std::filesystem::permissions(dir / "vmm.sh", std::filesystem::perms::owner_all |
                                                    std::filesystem::perms::others_exec |
                                                    std::filesystem::perms::others_read);
    auto script = spawn_detached({(dir / "vmm.sh").string()}, dir / "vmm.log", {kVmmUser, {}});
    EXPECT_TRUE(wait_gone(script, std::chrono::seconds(5)));
    EXPECT_TRUE(hvtest::eventually([&] {
        return hvtest::read_file(dir / "vmm.log").find("script ran as 1879113731\n") != std::string::npos;
    })) << hvtest::read_file(dir / "vmm.log");
}

// Handed descriptors become 3, 4, ... in order, and no other is inherited.
TEST(SpawnDetached, HandsTheGivenDescriptorsAsThreeFourAndFive) {
    hvtest::TempDir dir;
    hvtest::write_file(dir / "a", "first");
    hvtest::write_file(dir / "b", "second");
    UniqueFd a(::open((dir / "a").c_str(), O_RDONLY | O_CLOEXEC));
    UniqueFd b(::open((dir / "b").c_str(), O_RDONLY | O_CLOEXEC));
    // Not CLOEXEC and not handed; numbered clear of 3-5.
    UniqueFd stray(::fcntl(a.get(), F_DUPFD, 100));
    ASSERT_GE(stray.get(), 100);
    const std::string probe = "cat <&3; echo; cat <&5; echo; for n in 4 " + std::to_string(stray.get()) +
                              "; do [ -e /proc/$$/fd/$n ] && echo open $n; done; echo end";
    auto process = spawn_detached({"/bin/sh", "-c", probe}, dir / "vmm.log", {std::nullopt, {a.get(), -1, b.get()}});
    EXPECT_TRUE(wait_gone(process, std::chrono::seconds(5)));
    EXPECT_TRUE(hvtest::eventually([&] { return hvtest::read_file(dir / "vmm.log") == "first\nsecond\nend\n"; }))
        << hvtest::read_file(dir / "vmm.log");
}
