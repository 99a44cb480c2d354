// minionsd killed with SIGKILL at each step of create, copy, rename, destroy
// and restart (MINIONS_FAULT): after the next activation no orphan remains, no
// VM is lost or half-made, no address is handed out twice, and VMs that were
// running still run under the same VMM.
#include <fstream>
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

// ch-double processes of this suite, by the VM id in their socket path.
std::set<std::string> vmm_ids(const fs::path& run_dir) {
    std::set<std::string> ids;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::ifstream in(entry.path() / "cmdline");
        std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmdline.find("ch-double") == std::string::npos) continue;
        auto at = cmdline.find(run_dir.string() + "/");
        if (at == std::string::npos) continue;
        ids.insert(cmdline.substr(at + run_dir.string().size() + 1, 16));
    }
    return ids;
}

std::set<std::string> dir_names(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
    return names;
}

class DaemonKilled : public ServiceTest, public ::testing::WithParamInterface<Crash> {
protected:
    void TearDown() override {
        restart_daemon_with({});
        ServiceTest::TearDown();
    }

    // The whole state agrees with itself after the crash and the restart.
    void expect_consistent() {
        auto vms = list_vms();
        std::set<std::string> ids, running_ids, ips, taps;
        for (const auto& vm : vms) {
            std::string id = str(vm.at("Id"));
            ids.insert(id);
            EXPECT_TRUE(ips.insert(str(vm.at("Ip"))).second) << "duplicate address " << str(vm.at("Ip"));
            std::string status = str(vm.at("Status"));
            EXPECT_THAT(status, ::testing::AnyOf("running", "stopped", "error")) << str(vm.at("Name"));
            if (status == "running") {
                running_ids.insert(id);
                taps.insert("tap-" + str(vm.at("Name")));
            }
            EXPECT_TRUE(fs::exists(vms_dir() / id / "rootfs.ext4")) << "lost the disk of " << str(vm.at("Name"));
        }
        EXPECT_EQ(dir_names(vms_dir()), ids) << "orphan or missing VM directories";
        std::set<std::string> runtime = dir_names(run_dir());
        for (const auto& name : runtime) EXPECT_TRUE(running_ids.contains(name)) << "orphan socket dir " << name;
        auto links = links_with_prefix("tap-");
        EXPECT_EQ(std::set<std::string>(links.begin(), links.end()), taps) << "orphan or missing TAPs";
        EXPECT_EQ(vmm_ids(run_dir()), running_ids) << "orphan or missing VMM processes";
    }
};

TEST_P(DaemonKilled, LeavesNoOrphanNoLostVmAndKeepsRunningVms) {
    const Crash& crash = GetParam();
    create("keep");
    int64_t keep_pid = i64(get_vm("keep").at("Pid"));
    create("src");
    if (crash.operation == "rename") stop("src");

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
        EXPECT_TRUE(try_get_vm("src").ok) << "the record is removed last";
    } else if (crash.operation == "restart") {
        EXPECT_EQ(str(get_vm("src").at("Status")), "running");  // the VMM lives on and is re-adopted
    }
    // And the system is usable again: the names can be taken.
    EXPECT_TRUE(try_create("after").ok);
}

INSTANTIATE_TEST_SUITE_P(
    EveryStep, DaemonKilled,
    ::testing::Values(Crash{"create:after-record", "create"}, Crash{"create:after-copy", "create"},
                      Crash{"create:after-tap", "create"}, Crash{"create:after-launch", "create"},
                      Crash{"copy:after-record", "copy"}, Crash{"copy:after-copy", "copy"},
                      Crash{"copy:after-tap", "copy"}, Crash{"copy:after-launch", "copy"},
                      Crash{"rename:before-commit", "rename"}, Crash{"rename:after-commit", "rename"},
                      Crash{"destroy:before-commit", "destroy"}, Crash{"restart:after-reboot", "restart"}),
    [](const ::testing::TestParamInfo<Crash>& param_info) {
        std::string name = param_info.param.fault;
        for (char& c : name)
            if (c == ':' || c == '-') c = '_';
        return name;
    });

TEST_F(ServiceTest, RestartingTheDaemonNeverStopsRunningVms) {
    create("web");
    int64_t pid = i64(get_vm("web").at("Pid"));
    kill_daemon(SIGTERM);
    EXPECT_EQ(str(get_vm("web").at("Status")), "running");  // this call re-activates minionsd
    EXPECT_EQ(i64(get_vm("web").at("Pid")), pid);
    Outcome o = call_vm("web", "Restart", [](sdbus::MethodCall& m) { m << false; });
    EXPECT_TRUE(o.ok) << o.error_message;  // the re-adopted VM is fully managed
}

TEST_F(ServiceTest, AVmmThatDiesOnItsOwnIsShownAsError) {
    create("web");
    int64_t pid = i64(get_vm("web").at("Pid"));
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    std::string status;
    for (int i = 0; i < 100 && status != "error"; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        status = str(get_vm("web").at("Status"));
    }
    EXPECT_EQ(status, "error");
    EXPECT_FALSE(link_exists("tap-web"));
    Outcome started = call_vm("web", "Start", [](sdbus::MethodCall& m) { m << false; });
    EXPECT_TRUE(started.ok) << started.error_message;
    EXPECT_EQ(str(get_vm("web").at("Status")), "running");
}

}  // namespace
}  // namespace minions::test
