// minionsd killed with SIGKILL at every fault point of every mutating
// operation (MINIONS_FAULT): after the next activation no orphan remains, no
// VM is lost or half-made, no address is handed out twice, and VMs that were
// running still run under the same VMM. A last test reads the lifecycle's
// sources and fails if any fault point there is not exercised here.
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "service_fixture.hpp"

namespace minions::test {
namespace {
namespace fs = std::filesystem;

struct Crash {
    std::string fault;      // MINIONS_FAULT point
    std::string operation;  // what the test asks for
};

std::ostream& operator<<(std::ostream& out, const Crash& c) { return out << c.fault; }

class DaemonKilled : public ServiceTest, public ::testing::WithParamInterface<Crash> {
protected:
    void TearDown() override {
        restart_daemon_with({});
        ServiceTest::TearDown();
    }
};

TEST_P(DaemonKilled, LeavesNoOrphanNoLostVmAndKeepsRunningVms) {
    const Crash& crash = GetParam();
    create("keep");
    int64_t keep_pid = i64(get_vm("keep").at("Pid"));
    create("src");
    const std::string src_id = str(get_vm("src").at("Id"));
    if (crash.operation == "rename" || crash.operation == "start") stop("src");

    restart_daemon_with({{"MINIONS_FAULT", crash.fault}});
    Outcome outcome;
    if (crash.operation == "create") outcome = try_create("fresh");
    else if (crash.operation == "copy")
        outcome = call_vm("src", "Copy", [](sdbus::MethodCall& m) { m << std::string("fresh") << std::string() << false; });
    else if (crash.operation == "rename")
        outcome = call_vm("src", "Rename", [](sdbus::MethodCall& m) { m << std::string("fresh") << false; });
    else if (crash.operation == "destroy")
        outcome = call_vm("src", "Destroy", [](sdbus::MethodCall& m) { m << false; });
    else if (crash.operation == "restart")
        outcome = call_vm("src", "Restart", [](sdbus::MethodCall& m) { m << false; });
    else if (crash.operation == "start")
        outcome = call_vm("src", "Start", [](sdbus::MethodCall& m) { m << false; });
    else if (crash.operation == "stop")
        outcome = call_vm("src", "Stop", [](sdbus::MethodCall& m) { m << true << uint32_t{5} << false; });
    EXPECT_FALSE(outcome.ok) << "the daemon was meant to die at " << crash.fault;
    EXPECT_FALSE(daemon_pid().has_value());

    restart_daemon_with({});  // activation runs the start-up reconciliation
    expect_consistent();
    auto keep = get_vm("keep");
    EXPECT_EQ(str(keep.at("Status")), "running");
    EXPECT_EQ(i64(keep.at("Pid")), keep_pid);

    // Each operation ends entirely done or entirely undone.
    if (crash.operation == "create" || crash.operation == "copy") {
        Outcome fresh = try_get_vm("fresh");
        EXPECT_EQ(fresh.error_name, "org.minions.Error.NotFound")
            << "fresh survived as " << (fresh.ok ? str(get_vm("fresh").at("Status")) : fresh.error_name);
        EXPECT_TRUE(try_get_vm("src").ok);
    } else if (crash.operation == "rename") {
        bool renamed = try_get_vm("fresh").ok, kept = try_get_vm("src").ok;
        EXPECT_NE(renamed, kept) << "exactly one of the names must exist";
        EXPECT_EQ(renamed, crash.fault == "rename:after-commit");
    } else if (crash.operation == "destroy") {
        // The record goes in one step: before it, the VM is still there; after it, nothing of it is.
        EXPECT_EQ(try_get_vm("src").ok, crash.fault == "destroy:before-commit");
    } else if (crash.operation == "restart") {
        EXPECT_EQ(str(get_vm("src").at("Status")), "running");  // the VMM lives on and is re-adopted
        EXPECT_FALSE(fs::exists(run_dir() / src_id / "held-for-copy"));
    } else if (crash.operation == "start") {
        EXPECT_EQ(str(get_vm("src").at("Status")), "stopped");  // an interrupted start is rolled back
    } else if (crash.operation == "stop") {
        EXPECT_THAT(str(get_vm("src").at("Status")), ::testing::AnyOf("running", "stopped"));
    }
    if (crash.operation == "copy") {
        // A source frozen or paused for the copy is released by reconcile.
        EXPECT_EQ(str(get_vm("src").at("Status")), "running");
        EXPECT_FALSE(fs::exists(run_dir() / src_id / "held-for-copy")) << "the source was left held";
    }
    // And the system is usable again: the names can be taken.
    EXPECT_TRUE(try_create("after").ok);
}

// Create, copy and start share boot(); its points carry the operation's name.
const std::vector<std::string> kBootPoints = {"before-tap", "after-tap",   "after-spawn",   "after-launch",
                                              "after-guest", "before-running"};

std::vector<Crash> every_crash() {
    std::vector<Crash> crashes = {
        {"create:after-record", "create"},     {"create:after-copy", "create"},
        {"create:during-flush", "create"},     {"copy:after-record", "copy"},
        {"copy:while-held", "copy"},           {"copy:after-copy", "copy"},
        {"copy:during-flush", "copy"},         {"stop:after-stopping", "stop"},
        {"stop:after-power-button", "stop"},   {"stop:before-release", "stop"},
        {"restart:after-restarting", "restart"}, {"restart:before-reboot", "restart"},
        {"restart:after-reboot", "restart"},   {"rename:before-commit", "rename"},
        {"rename:after-commit", "rename"},     {"destroy:before-commit", "destroy"},
        {"destroy:after-commit", "destroy"},
    };
    for (const char* op : {"create", "copy", "start"})
        for (const auto& point : kBootPoints) crashes.push_back({std::string(op) + ":" + point, op});
    return crashes;
}

INSTANTIATE_TEST_SUITE_P(EveryStep, DaemonKilled, ::testing::ValuesIn(every_crash()),
                         [](const ::testing::TestParamInfo<Crash>& param_info) {
                             std::string name = param_info.param.fault;
                             for (char& c : name)
                                 if (c == ':' || c == '-') c = '_';
                             return name;
                         });

// Every fault_point(...) in the lifecycle, literal ("op:step") or in boot()
// (op + ":step", for each operation that boots), is one of the crashes above.
TEST(FaultPoints, EveryFaultPointInTheSourceIsExercised) {
    std::set<std::string> exercised;
    for (const Crash& crash : every_crash()) exercised.insert(crash.fault);
    std::set<std::string> in_source;
    std::set<std::string> booting_ops, boot_steps;
    const std::regex literal(R"re(fault_point\("([a-z]+:[a-z-]+)"\))re");
    const std::regex in_boot(R"re(fault_point\(op \+ ":([a-z-]+)"\))re");
    const std::regex boot_call(R"re(boot\(vm, [^;]*"([a-z]+)")re");
    for (const auto& entry : fs::directory_iterator(fs::path(MINIONS_SOURCE_DIR) / "service/lifecycle")) {
        if (entry.path().extension() != ".cpp") continue;
        std::ifstream in(entry.path());
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it)
            in_source.insert((*it)[1]);
        for (std::sregex_iterator it(text.begin(), text.end(), in_boot), end; it != end; ++it)
            boot_steps.insert((*it)[1]);
        for (std::sregex_iterator it(text.begin(), text.end(), boot_call), end; it != end; ++it)
            booting_ops.insert((*it)[1]);
    }
    EXPECT_EQ(booting_ops, (std::set<std::string>{"copy", "create", "start"}));
    EXPECT_EQ(boot_steps, std::set<std::string>(kBootPoints.begin(), kBootPoints.end()));
    for (const auto& op : booting_ops)
        for (const auto& step : boot_steps) in_source.insert(op + ":" + step);
    ASSERT_GT(in_source.size(), 20u) << "the source scan found too little; did the pattern change?";
    for (const auto& point : in_source) EXPECT_TRUE(exercised.contains(point)) << point << " is never crashed at";
    for (const auto& point : exercised) EXPECT_TRUE(in_source.contains(point)) << point << " is not in the source";
}

TEST_F(ServiceTest, RestartingTheDaemonNeverStopsRunningVms) {
    create("web");
    int64_t pid = i64(get_vm("web").at("Pid"));
    kill_daemon(SIGTERM);
    EXPECT_EQ(str(get_vm("web").at("Status")), "running");  // this call re-activates minionsd
    EXPECT_EQ(i64(get_vm("web").at("Pid")), pid);
    Outcome o = call_vm("web", "Restart", [](sdbus::MethodCall& m) { m << false; });
    EXPECT_TRUE(o.ok) << o.error_message;  // the re-adopted VM is fully managed
}

TEST_F(ServiceTest, SigtermLetsARunningOperationFinishAndReplyBeforeExiting) {
    // A slow reboot in the double: the restart is surely running when SIGTERM arrives.
    restart_daemon_with({{"MINIONS_CH_DOUBLE_REBOOT_MS", "3000"}});
    create("web");
    Outcome restarted;
    std::thread restarter([&] { restarted = call_vm("web", "Restart", [](sdbus::MethodCall& m) { m << false; }); });
    for (int i = 0; i < 200 && str(get_vm("web").at("Status")) != "restarting"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_EQ(str(get_vm("web").at("Status")), "restarting");
    const auto pid = daemon_pid();
    ASSERT_TRUE(pid);
    ::kill(*pid, SIGTERM);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(::kill(*pid, 0), 0) << "minionsd exited with an operation still running";
    // A call that arrives meanwhile is refused, not lost.
    Outcome late = call_vm("web", "Stop", [](sdbus::MethodCall& m) { m << true << uint32_t{0} << false; });
    EXPECT_EQ(late.error_name, "org.minions.Error.Unavailable") << late.error_message;
    restarter.join();
    EXPECT_TRUE(restarted.ok) << restarted.error_name << ": " << restarted.error_message;
    for (int i = 0; i < 200 && ::kill(*pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_NE(::kill(*pid, 0), 0) << "minionsd did not exit once the restart was done";
    restart_daemon_with({});
    EXPECT_EQ(str(get_vm("web").at("Status")), "running");  // re-activated; the VM kept its VMM
}

TEST_F(ServiceTest, AVmmThatDiesOnItsOwnIsShownAsError) {
    create("web");
    int64_t pid = i64(get_vm("web").at("Pid"));
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    const auto killed = std::chrono::steady_clock::now();
    std::string status;
    for (int i = 0; i < 1000 && status != "error"; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        status = str(get_vm("web").at("Status"));
    }
    EXPECT_EQ(status, "error");
    // Seen through the VMM's pidfd, not at the next 2 s sweep.
    EXPECT_LT(std::chrono::steady_clock::now() - killed, std::chrono::milliseconds(1000));
    EXPECT_FALSE(link_exists("tap-web"));
    Outcome started = call_vm("web", "Start", [](sdbus::MethodCall& m) { m << false; });
    EXPECT_TRUE(started.ok) << started.error_message;
    EXPECT_EQ(str(get_vm("web").at("Status")), "running");
}

}  // namespace
}  // namespace minions::test
