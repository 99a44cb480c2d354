// The README's first command, scripts/demo.sh, end to end: deps, build (in a
// build tree of its own), install to a temp prefix, minions-setup, a private
// bus with polkitd, minionsd by bus activation, `minions create demo`, list,
// exec. It runs inside a network namespace (unshare --net) with temp state
// directories and its own network namespace name; afterwards
// `minions --json list` must show `demo` running. A second run must reuse it.
// The demo installs org.minions.policy into /usr/share/polkit-1/actions (the
// only place polkitd reads actions from; it cannot run in a mount namespace
// of its own here, as the network namespace it adds must be the host's): a
// HostFileGuard puts back exactly what was there before (and removes group
// `minions` again if minions-setup created it).
#include <grp.h>
#include <pwd.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

#include <memory>

#include "install/run.hpp"
#include "polkit/host_files.hpp"

namespace minions::test {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

std::string tail(const std::string& text, std::size_t bytes = 6000) {
    return text.size() <= bytes ? text : "…" + text.substr(text.size() - bytes);
}

class DemoEndToEnd : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the demo needs root";
        policy_guard_ = std::make_unique<HostFileGuard>(
            std::vector<fs::path>{"/usr/share/polkit-1/actions/org.minions.policy"});
        had_group_ = ::getgrnam("minions") != nullptr;
        had_vmm_user_ = ::getpwnam("minions-vm") != nullptr;
        work_ = make_temp_dir("minions-demo-e2e-");
        // polkitd runs as its own user and must reach the bus socket inside.
        fs::permissions(work_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
        netns_ = "minions-demo-e2e-" + std::to_string(::getpid());
        env_ = {
            {"MINIONS_DEMO_BUILD_DIR", std::string(MINIONS_BINARY_DIR) + "/tests/install/demo-build"},
            {"MINIONS_DEMO_PREFIX", (work_ / "usr").string()},
            {"MINIONS_DEMO_STATE_DIR", (work_ / "state").string()},
            {"MINIONS_DEMO_NETNS", netns_},
            {"MINIONS_DEMO_PRIVATE_BUS", "1"},
            {"MINIONS_DEMO_BUS_DIR", (work_ / "bus").string()},
        };
    }

    void TearDown() override {
        if (work_.empty()) return;
        // The VM, then the bus (minionsd leaves with it), then the namespace.
        pid_t vm_pid = 0;
        if (auto list = list_json(); list.is_array())
            for (const auto& vm : list)
                if (vm.value("name", "") == "demo") vm_pid = vm.value("pid", 0);
        minions({"destroy", "demo"});
        if (vm_pid > 0 && ::kill(vm_pid, 0) == 0) ::kill(vm_pid, SIGKILL);
        run({"bash", std::string(MINIONS_SOURCE_DIR) + "/scripts/private-bus.sh", "stop", (work_ / "bus").string()});
        run({"ip", "netns", "del", netns_});
        std::error_code ignored;
        fs::remove_all(work_, ignored);
        // minions-setup made group `minions`: it goes with the last holder.
        if (!had_group_ && ::getgrnam("minions")) HostFileGuard::record_account("group", "minions");
        // And the VMMs' user (its own group goes with it, or after it).
        if (!had_vmm_user_ && ::getpwnam("minions-vm")) {
            HostFileGuard::record_account("user", "minions-vm");
            HostFileGuard::record_account("group", "minions-vm");
        }
        policy_guard_.reset();  // after the demo's polkitd is gone
    }

    RunResult demo(const std::string& log_name) {
        return run({"unshare", "--net", "--", "bash", std::string(MINIONS_SOURCE_DIR) + "/scripts/demo.sh"}, env_,
                   work_ / log_name);
    }
    RunResult minions(std::vector<std::string> args) {
        args.insert(args.begin(), (work_ / "usr/bin/minions").string());
        return run(args, {{"DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + (work_ / "bus/system_bus_socket").string()}});
    }
    json list_json() {
        auto r = minions({"--json", "list"});
        return json::parse(r.output, nullptr, false);
    }

    std::unique_ptr<HostFileGuard> policy_guard_;
    bool had_group_ = true;
    bool had_vmm_user_ = true;
    fs::path work_;
    std::string netns_;
    std::map<std::string, std::string> env_;
};

TEST_F(DemoEndToEnd, ReadmeFirstCommandBootsDemoAndARerunReusesIt) {
    auto first = demo("demo-1.log");
    ASSERT_EQ(first.exit_code, 0) << tail(first.output);
    EXPECT_NE(first.output.find("\nLinux demo "), std::string::npos) << tail(first.output);  // exec uname -a
    EXPECT_NE(first.output.find("\ndemo: done in "), std::string::npos) << tail(first.output);

    auto list = list_json();
    ASSERT_TRUE(list.is_array()) << minions({"--json", "list"}).output;
    json vm;
    for (const auto& entry : list)
        if (entry.value("name", "") == "demo") vm = entry;
    ASSERT_TRUE(vm.is_object()) << list.dump(2);
    EXPECT_EQ(vm.value("status", ""), "running") << vm.dump(2);
    EXPECT_EQ(vm.value("memory_mb", 0), 512) << vm.dump(2);
    EXPECT_EQ(vm.value("hypervisor", ""), "qemu") << vm.dump(2);

    // The VM's TAP is in the demo's namespace; the namespace the demo ran in
    // (where its bus still runs) got nothing but its loopback.
    EXPECT_EQ(run({"ip", "-n", netns_, "link", "show", "tap-demo"}).exit_code, 0);
    std::string bus_pid = read_text(work_ / "bus/dbus.pid");
    while (!bus_pid.empty() && bus_pid.back() == '\n') bus_pid.pop_back();
    auto links = run({"nsenter", "--net=/proc/" + bus_pid + "/ns/net", "ip", "-o", "link", "show"});
    ASSERT_EQ(links.exit_code, 0) << links.output;
    auto lines = lines_of(links.output);
    ASSERT_EQ(lines.size(), 1u) << links.output;
    EXPECT_NE(lines[0].find(": lo:"), std::string::npos) << links.output;

    // Idempotent: the second run keeps the running VM.
    auto second = demo("demo-2.log");
    ASSERT_EQ(second.exit_code, 0) << tail(second.output);
    EXPECT_NE(second.output.find("VM demo exists and is running: reusing it"), std::string::npos)
        << tail(second.output);
    EXPECT_NE(second.output.find("\nLinux demo "), std::string::npos) << tail(second.output);
    auto again = list_json();
    ASSERT_TRUE(again.is_array());
    ASSERT_EQ(again.size(), 1u) << again.dump(2);
    EXPECT_EQ(again[0].value("status", ""), "running");
    EXPECT_EQ(again[0].value("pid", 0), vm.value("pid", -1)) << "the VM was not reused";
}

}  // namespace
}  // namespace minions::test
