// Many callers at once, each on a connection of its own, against the real
// minionsd on a private bus with real polkitd and the Cloud Hypervisor double:
// every create of distinct names succeeds with distinct resources, creates of
// one name have exactly one winner, copies of one source never leak, and a
// mix of operations on different VMs leaves a store, VMM processes, TAPs and
// directories that agree.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "many_callers.hpp"
#include "service_fixture.hpp"

namespace minions::test {
namespace {
using namespace std::chrono_literals;

constexpr const char* kAlreadyExists = "org.minions.Error.AlreadyExists";
constexpr const char* kBusy = "org.minions.Error.Busy";

std::string describe(const Outcome& o) { return o.ok ? "ok" : o.error_name + ": " + o.error_message; }

class ManyCallers : public ServiceTest {};

TEST_F(ManyCallers, TwentyCreatesOfDistinctNamesAllSucceedWithDistinctResources) {
    constexpr int kVms = 20;
    auto created = all_at_once(kVms, [](int i) { return create_vm("many-" + std::to_string(i)); });
    for (int i = 0; i < kVms; ++i) EXPECT_TRUE(created[i].ok) << "many-" << i << ": " << describe(created[i]);
    std::set<std::string> ips, macs, taps;
    std::set<uint32_t> cids;
    std::vector<std::string> paths;
    for (const auto& vm : list_vms()) {
        EXPECT_EQ(str(vm.at("Status")), "running") << str(vm.at("Name"));
        ips.insert(str(vm.at("Ip")));
        macs.insert(str(vm.at("Mac")));
        taps.insert(str(vm.at("Tap")));
        cids.insert(u32(vm.at("Cid")));
        paths.push_back("/org/minions/vm/" + str(vm.at("Id")));
    }
    EXPECT_EQ(ips.size(), static_cast<std::size_t>(kVms));
    EXPECT_EQ(macs.size(), static_cast<std::size_t>(kVms));
    EXPECT_EQ(taps.size(), static_cast<std::size_t>(kVms));
    EXPECT_EQ(cids.size(), static_cast<std::size_t>(kVms));
    expect_consistent();

    auto destroyed = all_at_once(static_cast<int>(paths.size()),
                                 [&](int i) { return vm_method(paths[i], "Destroy", no_interaction); });
    for (const auto& o : destroyed) EXPECT_TRUE(o.ok) << describe(o);
    EXPECT_TRUE(list_vms().empty());
    expect_consistent();
}

TEST_F(ManyCallers, TenCreatesOfOneNameHaveExactlyOneWinner) {
    auto outcomes = all_at_once(10, [](int) { return create_vm("same"); });
    int won = 0;
    for (const auto& o : outcomes) {
        if (o.ok) ++won;
        else EXPECT_EQ(o.error_name, kAlreadyExists) << describe(o);
    }
    EXPECT_EQ(won, 1);
    EXPECT_EQ(list_vms().size(), 1u);
    EXPECT_EQ(str(get_vm("same").at("Status")), "running");
    expect_consistent();
}

TEST_F(ManyCallers, FiveCopiesOfOneSourceAtOnceLeakNothing) {
    std::string source = create("source");
    // The source's lock serializes its copies: one copies, the others are
    // told at once that the source is busy, and nothing is half-made.
    auto outcomes = all_at_once(5, [&](int i) {
        return vm_method(source, "Copy", [i](sdbus::MethodCall& m) {
            m << "copy-" + std::to_string(i) << std::string() << false;
        });
    });
    std::size_t copies = 0;
    for (const auto& o : outcomes) {
        if (o.ok) ++copies;
        else EXPECT_EQ(o.error_name, kBusy) << describe(o);
    }
    EXPECT_GE(copies, 1u);
    EXPECT_EQ(list_vms().size(), 1 + copies);
    EXPECT_EQ(str(get_vm("source").at("Status")), "running");
    expect_consistent();
}

// create/destroy/rename/restart interleaved on different VMs, each worker on
// VMs of its own, for a bounded time; then everything must agree.
TEST_F(ManyCallers, InterleavedOperationsOnDifferentVmsLeaveAConsistentHost) {
    constexpr int kWorkers = 4;
    constexpr auto kFor = 60s;
    const auto until = std::chrono::steady_clock::now() + kFor;
    std::atomic<int> operations{0};
    auto outcomes = all_at_once(kWorkers, [&](int w) {
        const std::string base = "mix" + std::to_string(w);
        for (int round = 0; std::chrono::steady_clock::now() < until; ++round) {
            const std::string name = base + "-" + std::to_string(round % 2);
            const std::string renamed = base + "-r";
            Outcome o = create_vm(name);
            if (!o.ok) return o;
            const std::string path = find_on_own_connection(name);
            for (const auto& [method, args] :
                 std::vector<std::pair<std::string, std::function<void(sdbus::MethodCall&)>>>{
                     {"Restart", no_interaction},
                     {"Stop", [](sdbus::MethodCall& m) { m << true << uint32_t{5} << false; }},
                     {"Rename", [&](sdbus::MethodCall& m) { m << renamed << false; }},
                     {"Destroy", no_interaction}}) {
                o = vm_method(path, method, args);
                if (!o.ok) {
                    o.error_message = method + " of " + name + ": " + o.error_message;
                    return o;
                }
                ++operations;
            }
        }
        return Outcome{true, {}, {}};
    }, kFor + 240s);
    for (const auto& o : outcomes) EXPECT_TRUE(o.ok) << describe(o);
    EXPECT_GT(operations.load(), kWorkers * 4);
    EXPECT_TRUE(list_vms().empty());
    expect_consistent();
}

}  // namespace
}  // namespace minions::test
