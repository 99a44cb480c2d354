#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hypervisor/exit_watcher.hpp"
#include "hypervisor/process.hpp"
#include "test_support.hpp"

using namespace minions::hv;
using namespace std::chrono_literals;

namespace {

// What on_exit reported, for the test thread to wait on.
class Exits {
public:
    ExitWatcher::OnExit callback() {
        return [this](const std::string& key, const Process& process) {
            std::lock_guard lock(mutex_);
            seen_.emplace_back(key, process);
            changed_.notify_all();
        };
    }

    // True once `count` exits have been reported, false at the deadline.
    bool wait_for_count(std::size_t count, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return seen_.size() >= count; });
    }

    std::vector<std::pair<std::string, Process>> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::pair<std::string, Process>> seen_;
};

// VMM stand-ins: detached like real VMMs, so not our children.
class Sleepers {
public:
    ~Sleepers() {
        for (const auto& process : started_) kill_hard(process);
        for (const auto& process : started_) wait_gone(process, 5s);
    }
    Process start(const char* seconds = "30") {
        started_.push_back(spawn_detached({"/bin/sleep", seconds}, dir_ / "vmm.log"));
        return started_.back();
    }

private:
    hvtest::TempDir dir_;
    std::vector<Process> started_;
};

// A deadlock would otherwise hang the runner in the watcher's destructor.
void or_abort(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "%s\n", what);
    std::abort();
}

}  // namespace

TEST(ExitWatcher, AKilledProcessIsReportedAtOnce) {
    Sleepers sleepers;
    Exits exits;
    ExitWatcher watcher(exits.callback());
    auto process = sleepers.start();
    watcher.watch("vm-1", process);
    auto killed = std::chrono::steady_clock::now();
    kill_hard(process);
    ASSERT_TRUE(exits.wait_for_count(1, 500ms));
    EXPECT_LT(std::chrono::steady_clock::now() - killed, 500ms);
    auto seen = exits.seen();
    EXPECT_EQ(seen[0].first, "vm-1");
    EXPECT_EQ(seen[0].second.pid, process.pid);
    EXPECT_EQ(seen[0].second.start_time, process.start_time);
}

TEST(ExitWatcher, AProcessUnwatchedBeforeItDiesIsNotReported) {
    Sleepers sleepers;
    Exits exits;
    ExitWatcher watcher(exits.callback());
    auto process = sleepers.start();
    watcher.watch("vm-1", process);
    watcher.unwatch("vm-1");
    kill_hard(process);
    ASSERT_TRUE(wait_gone(process, 5s));
    EXPECT_FALSE(exits.wait_for_count(1, 300ms));
    EXPECT_NO_THROW(watcher.unwatch("never-watched"));
}

TEST(ExitWatcher, AProcessAlreadyGoneIsReportedPromptly) {
    Sleepers sleepers;
    Exits exits;
    ExitWatcher watcher(exits.callback());
    auto process = sleepers.start("0");
    ASSERT_TRUE(wait_gone(process, 5s));
    watcher.watch("exited", process);
    watcher.watch("never-existed", Process{4194304 + 1, 12345});  // above pid_max
    watcher.watch("unknown", Process{});
    ASSERT_TRUE(exits.wait_for_count(3, 500ms));
    std::set<std::string> keys;
    for (const auto& [key, p] : exits.seen()) keys.insert(key);
    EXPECT_EQ(keys, (std::set<std::string>{"exited", "never-existed", "unknown"}));
}

TEST(ExitWatcher, ARecycledPidIsReportedAsGoneNotWatched) {
    Sleepers sleepers;
    Exits exits;
    ExitWatcher watcher(exits.callback());
    // A live process with another start time is what a recycled pid looks like.
    auto stranger = sleepers.start();
    Process ours{stranger.pid, stranger.start_time + 1};
    watcher.watch("vm-1", ours);
    ASSERT_TRUE(exits.wait_for_count(1, 500ms));
    EXPECT_TRUE(process_alive(stranger));
    EXPECT_EQ(exits.seen()[0].second.start_time, ours.start_time);
    // The stranger's death is not ours to report, nor a second call.
    kill_hard(stranger);
    ASSERT_TRUE(wait_gone(stranger, 5s));
    EXPECT_FALSE(exits.wait_for_count(2, 300ms));
}

TEST(ExitWatcher, AWatchReplacesTheEarlierOneOfItsKey) {
    Sleepers sleepers;
    Exits exits;
    ExitWatcher watcher(exits.callback());
    auto first = sleepers.start();
    auto second = sleepers.start();
    watcher.watch("vm-1", first);
    watcher.watch("vm-1", second);
    kill_hard(first);
    ASSERT_TRUE(wait_gone(first, 5s));
    EXPECT_FALSE(exits.wait_for_count(1, 300ms));
    kill_hard(second);
    ASSERT_TRUE(exits.wait_for_count(1, 500ms));
    EXPECT_EQ(exits.seen()[0].second.pid, second.pid);
}

TEST(ExitWatcher, FiftyProcessesAtOnceAreAllReportedOnce) {
    constexpr int kCount = 50;
    Sleepers sleepers;
    Exits exits;
    ExitWatcher watcher(exits.callback());
    std::vector<Process> processes;
    for (int i = 0; i < kCount; ++i) {
        processes.push_back(sleepers.start());
        watcher.watch("vm-" + std::to_string(i), processes.back());
    }
    for (const auto& process : processes) kill_hard(process);
    ASSERT_TRUE(exits.wait_for_count(kCount, 2s)) << exits.seen().size() << " reported";
    EXPECT_FALSE(exits.wait_for_count(kCount + 1, 300ms)) << "at most once per watch";
    std::set<std::string> keys;
    for (const auto& [key, process] : exits.seen()) {
        keys.insert(key);
        EXPECT_EQ(process.pid, processes[std::stoi(key.substr(3))].pid) << key;
    }
    EXPECT_EQ(keys.size(), static_cast<std::size_t>(kCount));
}

TEST(ExitWatcher, UnwatchAndWatchFromInsideOnExitDoNotDeadlock) {
    Sleepers sleepers;
    auto later = sleepers.start();
    std::atomic<ExitWatcher*> self{nullptr};
    std::atomic<bool> returned{false};
    Exits exits;
    auto record = exits.callback();
    ExitWatcher watcher([&](const std::string& key, const Process& process) {
        record(key, process);
        if (key != "first") return;
        self.load()->unwatch("first");
        self.load()->watch("second", later);  // e.g. a restart's new VMM
        returned = true;
    });
    self = &watcher;
    watcher.watch("first", Process{});  // gone: reported at once
    or_abort(hvtest::eventually([&] { return returned.load(); }, 5s), "unwatch inside on_exit deadlocked");
    kill_hard(later);
    ASSERT_TRUE(exits.wait_for_count(2, 500ms)) << "the watch made inside on_exit works";
    EXPECT_EQ(exits.seen()[1].first, "second");
}

TEST(ExitWatcher, UnwatchReturnsOnlyOnceARunningOnExitHasFinished) {
    std::atomic<bool> entered{false}, finished{false};
    ExitWatcher watcher([&](const std::string&, const Process&) {
        entered = true;
        std::this_thread::sleep_for(300ms);
        finished = true;
    });
    watcher.watch("vm-1", Process{});
    ASSERT_TRUE(hvtest::eventually([&] { return entered.load(); }, 5s));
    watcher.unwatch("vm-1");
    EXPECT_TRUE(finished) << "on_exit was still running after unwatch() returned";
}

TEST(ExitWatcher, DestructionWithPendingWatchesIsCleanAndFinal) {
    Sleepers sleepers;
    std::vector<Process> processes{sleepers.start(), sleepers.start(), sleepers.start()};
    std::atomic<int> calls{0};
    {
        ExitWatcher watcher([&](const std::string&, const Process&) { ++calls; });
        for (std::size_t i = 0; i < processes.size(); ++i) watcher.watch("vm-" + std::to_string(i), processes[i]);
    }
    for (const auto& process : processes) kill_hard(process);
    for (const auto& process : processes) EXPECT_TRUE(wait_gone(process, 5s));
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(calls, 0) << "no on_exit after the destructor returned";
}
