// Every operation and rule of the seed, through the real minionsd on a private
// bus, against the Cloud Hypervisor test double.
#include <arpa/inet.h>

#include <atomic>
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
using ::testing::HasSubstr;

constexpr const char* kKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@minions";

std::string read(const fs::path& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

double agent_uptime(ServiceTest& t, const std::string& name) {
    std::map<std::string, sdbus::Variant> status;
    Outcome o = t.call_vm(name, "AgentStatus", {}, [&](sdbus::MethodReply& r) { r >> status; });
    EXPECT_TRUE(o.ok) << o.error_message;
    return static_cast<double>(status.at("uptime_s").get<int64_t>());
}

class Lifecycle : public ServiceTest {};

TEST_F(Lifecycle, CreateBootsARunningVmWithAddressTapAndKey) {
    sdbus::ObjectPath path = create("web", kKey);
    auto vm = get_vm("web");
    EXPECT_EQ(str(vm.at("Status")), "running");
    EXPECT_EQ(vm.at("Path").get<sdbus::ObjectPath>(), path);
    EXPECT_THAT(str(vm.at("Ip")), ::testing::StartsWith("10.213.0."));
    EXPECT_NE(str(vm.at("Ip")), "10.213.0.1");  // the gateway is never handed out
    EXPECT_GT(i64(vm.at("Pid")), 0);
    EXPECT_GE(u32(vm.at("Cid")), 3u);
    EXPECT_EQ(u32(vm.at("Cpus")), 2u);
    EXPECT_EQ(u32(vm.at("MemoryMb")), 1024u);
    EXPECT_EQ(str(vm.at("Hypervisor")), "cloud-hypervisor");
    EXPECT_TRUE(link_exists("tap-web"));
    std::string id = str(vm.at("Id"));
    EXPECT_EQ(read(sandbox_of(id) / "root/.ssh/authorized_keys"), std::string(kKey) + "\n");
    std::string network = read(sandbox_of(id) / ".record/network.json");
    EXPECT_THAT(network, HasSubstr(str(vm.at("Ip"))));
    EXPECT_EQ(property(path, "Status"), "running");
}

TEST_F(Lifecycle, CreateRefusesInvalidTakenAndOversizedRequests) {
    create("web");
    Outcome taken = try_create("web");
    EXPECT_EQ(taken.error_name, "org.minions.Error.AlreadyExists");
    for (std::string bad : {"", "twelve-chars", "../x", "-lead", "a b", "x;rm"}) {
        Outcome o = try_create(bad);
        EXPECT_EQ(o.error_name, "org.minions.Error.InvalidName") << bad;
    }
    EXPECT_EQ(try_create("big", 0, 999999).error_name, "org.minions.Error.InvalidArgument");
    EXPECT_EQ(try_create("keyed", 0, 0, "not a key").error_name, "org.minions.Error.InvalidArgument");
    EXPECT_EQ(list_vms().size(), 1u);  // nothing half-made stays behind
}

TEST_F(Lifecycle, GetOfAnUnknownVmIsNotFound) {
    Outcome o = try_get_vm("nosuch");
    EXPECT_EQ(o.error_name, "org.minions.Error.NotFound");
    EXPECT_THAT(o.error_message, HasSubstr("nosuch"));
}

TEST_F(Lifecycle, TwoConcurrentCreatesGetDifferentAddressesAndCids) {
    Outcome a, b;
    std::thread first([&] { a = try_create("alpha"); });
    std::thread second([&] { b = try_create("beta"); });
    first.join();
    second.join();
    ASSERT_TRUE(a.ok) << a.error_message;
    ASSERT_TRUE(b.ok) << b.error_message;
    auto x = get_vm("alpha"), y = get_vm("beta");
    EXPECT_NE(str(x.at("Ip")), str(y.at("Ip")));
    EXPECT_NE(u32(x.at("Cid")), u32(y.at("Cid")));
    EXPECT_NE(str(x.at("Mac")), str(y.at("Mac")));
}

TEST_F(Lifecycle, ListIsAnsweredWhileACreateIsInFlight) {
    restart_daemon_with({{"MINIONS_CH_DOUBLE_BOOT_MS", "1500"}});
    std::atomic<bool> done = false;
    Outcome created;
    std::thread creator([&] {
        created = try_create("slow");
        done = true;
    });
    std::set<std::string> seen;
    while (!done) {
        auto start = std::chrono::steady_clock::now();
        for (const auto& vm : list_vms())
            if (str(vm.at("Name")) == "slow") seen.insert(str(vm.at("Status")));
        EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    }
    creator.join();
    ASSERT_TRUE(created.ok) << created.error_message;
    // List saw the VM before the create returned: it was answered mid-operation.
    EXPECT_TRUE(seen.contains("creating") || seen.contains("starting")) << "statuses seen: " << seen.size();
    restart_daemon_with({});
}

TEST_F(Lifecycle, RestartRebootsTheGuestInTheSameVmmAndKeepsTheAddress) {
    create("web");
    auto before = get_vm("web");
    std::this_thread::sleep_for(std::chrono::milliseconds(2200));
    double uptime_before = agent_uptime(*this, "web");
    ASSERT_GE(uptime_before, 2.0);
    Outcome o = call_vm("web", "Restart", [](sdbus::MethodCall& m) { m << false; });
    ASSERT_TRUE(o.ok) << o.error_message;
    auto after = get_vm("web");
    EXPECT_EQ(str(after.at("Status")), "running");
    EXPECT_EQ(str(after.at("Ip")), str(before.at("Ip")));
    EXPECT_EQ(i64(after.at("Pid")), i64(before.at("Pid")));  // no new VMM
    EXPECT_LT(agent_uptime(*this, "web"), uptime_before);    // the guest really rebooted
}

TEST_F(Lifecycle, RestartIsRefusedUnlessRunning) {
    create("web");
    stop("web");
    Outcome o = call_vm("web", "Restart", [](sdbus::MethodCall& m) { m << false; });
    EXPECT_EQ(o.error_name, "org.minions.Error.InvalidState");
    EXPECT_THAT(o.error_message, HasSubstr("must be running"));
    EXPECT_EQ(str(get_vm("web").at("Status")), "stopped");
}

TEST_F(Lifecycle, RestartFailureOfTheHypervisorApiRestoresRunningAndReportsIt) {
    create("web");
    std::string id = str(get_vm("web").at("Id"));
    std::ofstream(api_socket_of(id).string() + ".faults") << "fail vm.reboot\n";
    Outcome o = call_vm("web", "Restart", [](sdbus::MethodCall& m) { m << false; });
    EXPECT_EQ(o.error_name, "org.minions.Error.HypervisorFailed");
    EXPECT_EQ(str(get_vm("web").at("Status")), "running");
}

TEST_F(Lifecycle, RestartOfACrashedVmmFailsAndSaysSo) {
    create("web");
    std::string id = str(get_vm("web").at("Id"));
    std::ofstream(api_socket_of(id).string() + ".faults") << "die vm.reboot\n";
    Outcome o = call_vm("web", "Restart", [](sdbus::MethodCall& m) { m << false; });
    EXPECT_EQ(o.error_name, "org.minions.Error.HypervisorFailed");
    // A dead VMM is never shown as running: the restart itself says error.
    EXPECT_EQ(str(get_vm("web").at("Status")), "error");
    EXPECT_EQ(i64(get_vm("web").at("Pid")), 0);
    EXPECT_FALSE(link_exists("tap-web"));
}

TEST_F(Lifecycle, AVmmKilledDuringARestartLeavesTheVmInErrorAtOnce) {
    create("web");
    const auto pid = static_cast<pid_t>(i64(get_vm("web").at("Pid")));
    Outcome restarted;
    std::thread restarter([&] { restarted = call_vm("web", "Restart", [](sdbus::MethodCall& m) { m << false; }); });
    for (int i = 0; i < 200 && str(get_vm("web").at("Status")) != "restarting"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(str(get_vm("web").at("Status")), "restarting");
    const auto killed = std::chrono::steady_clock::now();
    ::kill(pid, SIGKILL);
    restarter.join();
    // The boot wait stops as soon as the VMM is gone, not after agent_ready_timeout.
    EXPECT_LT(std::chrono::steady_clock::now() - killed, std::chrono::seconds(3));
    EXPECT_FALSE(restarted.ok);
    EXPECT_EQ(str(get_vm("web").at("Status")), "error");
}

TEST_F(Lifecycle, StopThenStartKeepsTheAddressAndRemovesTheTapMeanwhile) {
    create("web");
    std::string ip = str(get_vm("web").at("Ip"));
    stop("web");
    auto stopped = get_vm("web");
    EXPECT_EQ(str(stopped.at("Status")), "stopped");
    EXPECT_EQ(i64(stopped.at("Pid")), 0);
    EXPECT_FALSE(link_exists("tap-web"));
    Outcome again = call_vm("web", "Stop", [](sdbus::MethodCall& m) { m << false << uint32_t{0} << false; });
    EXPECT_EQ(again.error_name, "org.minions.Error.InvalidState");
    Outcome o = call_vm("web", "Start", [](sdbus::MethodCall& m) { m << false; });
    ASSERT_TRUE(o.ok) << o.error_message;
    auto started = get_vm("web");
    EXPECT_EQ(str(started.at("Status")), "running");
    EXPECT_EQ(str(started.at("Ip")), ip);
    EXPECT_TRUE(link_exists("tap-web"));
}

TEST_F(Lifecycle, StopOfAGuestIgnoringThePowerButtonTimesOutUnlessForced) {
    restart_daemon_with({{"MINIONS_CH_DOUBLE_IGNORE_POWER_BUTTON", "1"}});
    create("deaf");
    Outcome o = call_vm("deaf", "Stop", [](sdbus::MethodCall& m) { m << false << uint32_t{1} << false; });
    EXPECT_EQ(o.error_name, "org.minions.Error.Timeout");
    EXPECT_THAT(o.error_message, HasSubstr("--force"));
    EXPECT_EQ(str(get_vm("deaf").at("Status")), "running");
    Outcome forced = call_vm("deaf", "Stop", [](sdbus::MethodCall& m) { m << true << uint32_t{1} << false; });
    EXPECT_TRUE(forced.ok) << forced.error_message;
    EXPECT_EQ(str(get_vm("deaf").at("Status")), "stopped");
    restart_daemon_with({});
}

TEST_F(Lifecycle, RenameIsRefusedWhileRunning) {
    create("web");
    Outcome o = call_vm("web", "Rename", [](sdbus::MethodCall& m) { m << std::string("api") << false; });
    EXPECT_EQ(o.error_name, "org.minions.Error.InvalidState");
    EXPECT_THAT(o.error_message, HasSubstr("must be stopped"));
}

TEST_F(Lifecycle, RenameIsRefusedOntoAnExistingOrInvalidName) {
    create("web");
    create("api");
    stop("web");
    Outcome taken = call_vm("web", "Rename", [](sdbus::MethodCall& m) { m << std::string("api") << false; });
    EXPECT_EQ(taken.error_name, "org.minions.Error.AlreadyExists");
    Outcome invalid = call_vm("web", "Rename", [](sdbus::MethodCall& m) { m << std::string("no/slash") << false; });
    EXPECT_EQ(invalid.error_name, "org.minions.Error.InvalidName");
    Outcome missing = call_vm("nosuch", "Rename", [](sdbus::MethodCall& m) { m << std::string("x") << false; });
    EXPECT_EQ(missing.error_name, "org.minions.Error.NotFound");
}

TEST_F(Lifecycle, RenameOfAStoppedVmMovesEverythingAndKeepsTheObjectPath) {
    sdbus::ObjectPath path = create("web");
    std::string ip = str(get_vm("web").at("Ip"));
    stop("web");
    Outcome o = call_vm("web", "Rename", [](sdbus::MethodCall& m) { m << std::string("api") << false; });
    ASSERT_TRUE(o.ok) << o.error_message;
    EXPECT_EQ(try_get_vm("web").error_name, "org.minions.Error.NotFound");
    auto renamed = get_vm("api");
    EXPECT_EQ(renamed.at("Path").get<sdbus::ObjectPath>(), path);
    EXPECT_EQ(property(path, "Name"), "api");
    EXPECT_EQ(str(renamed.at("Tap")), "tap-api");
    EXPECT_EQ(str(renamed.at("Ip")), ip);
    ASSERT_TRUE(call_vm("api", "Start", [](sdbus::MethodCall& m) { m << false; }).ok);
    EXPECT_TRUE(link_exists("tap-api"));
    EXPECT_FALSE(link_exists("tap-web"));
}

TEST_F(Lifecycle, CopyOfARunningVmFreezesItAndBootsAnIndependentVm) {
    create("web");
    auto source = get_vm("web");
    sdbus::ObjectPath copy_path;
    Outcome o = call_vm(
        "web", "Copy", [](sdbus::MethodCall& m) { m << std::string("web-staging") << std::string(kKey) << false; },
        [&](sdbus::MethodReply& r) { r >> copy_path; });
    ASSERT_TRUE(o.ok) << o.error_message;
    auto copy = get_vm("web-staging");
    EXPECT_EQ(copy.at("Path").get<sdbus::ObjectPath>(), copy_path);
    EXPECT_EQ(str(copy.at("Status")), "running");
    EXPECT_NE(str(copy.at("Ip")), str(source.at("Ip")));
    EXPECT_NE(u32(copy.at("Cid")), u32(source.at("Cid")));
    EXPECT_NE(str(copy.at("Mac")), str(source.at("Mac")));
    EXPECT_EQ(u32(copy.at("Cpus")), u32(source.at("Cpus")));
    EXPECT_EQ(u32(copy.at("MemoryMb")), u32(source.at("MemoryMb")));
    EXPECT_TRUE(link_exists("tap-web-staging"));
    // The source was frozen for the copy and thawed after it.
    std::string freeze_log = read(sandbox_of(str(source.at("Id"))) / ".record/freeze.log");
    EXPECT_THAT(freeze_log, HasSubstr("freeze"));
    EXPECT_THAT(freeze_log, HasSubstr("thaw"));
    EXPECT_EQ(str(get_vm("web").at("Status")), "running");
    // The copy's disk is a consistent ext4 file of its own.
    std::string copy_disk = (vms_dir() / str(copy.at("Id")) / "rootfs.ext4").string();
    EXPECT_EQ(run_as(root_identity(), {"e2fsck", "-fn", copy_disk}).exit_code, 0);
    EXPECT_EQ(read(sandbox_of(str(copy.at("Id"))) / "root/.ssh/authorized_keys"), std::string(kKey) + "\n");
}

TEST_F(Lifecycle, CopyWithoutANameUsesTheFirstSixCharactersAndCopySuffix) {
    create("database");
    stop("database");
    Outcome o = call_vm("database", "Copy", [](sdbus::MethodCall& m) { m << std::string() << std::string() << false; });
    ASSERT_TRUE(o.ok) << o.error_message;
    EXPECT_EQ(str(get_vm("databa-copy").at("Status")), "running");
    Outcome again = call_vm("database", "Copy", [](sdbus::MethodCall& m) { m << std::string() << std::string() << false; });
    EXPECT_EQ(again.error_name, "org.minions.Error.AlreadyExists");
}

TEST_F(Lifecycle, CopyOfAnUnknownVmIsNotFoundAndOfABadNameInvalid) {
    create("web");
    Outcome bad = call_vm("web", "Copy", [](sdbus::MethodCall& m) { m << std::string("way-too-long-name") << std::string() << false; });
    EXPECT_EQ(bad.error_name, "org.minions.Error.InvalidName");
    EXPECT_EQ(list_vms().size(), 1u);
}

TEST_F(Lifecycle, DestroyRemovesTheVmItsTapAndItsFiles) {
    create("web");
    std::string id = str(get_vm("web").at("Id"));
    Outcome o = call_vm("web", "Destroy", [](sdbus::MethodCall& m) { m << false; });
    ASSERT_TRUE(o.ok) << o.error_message;
    EXPECT_EQ(try_get_vm("web").error_name, "org.minions.Error.NotFound");
    EXPECT_FALSE(link_exists("tap-web"));
    EXPECT_FALSE(fs::exists(vms_dir() / id));
    EXPECT_FALSE(fs::exists(run_dir() / id));
}

TEST_F(Lifecycle, ExecRunsThroughTheAgentAndReturnsItsExitCodeAndOutput) {
    create("web");
    int32_t code = -1;
    std::string out, err;
    Outcome o = call_vm(
        "web", "Exec",
        [](sdbus::MethodCall& m) { m << std::string("sh") << std::vector<std::string>{"-c", "echo hi; echo oops >&2; exit 3"} << uint32_t{10} << false; },
        [&](sdbus::MethodReply& r) { r >> code >> out >> err; });
    ASSERT_TRUE(o.ok) << o.error_message;
    EXPECT_EQ(code, 3);
    EXPECT_EQ(out, "hi\n");
    EXPECT_EQ(err, "oops\n");
}

TEST_F(Lifecycle, AnExecTimeoutOverADayIsAnInvalidArgument) {
    create("web");
    Outcome o = call_vm("web", "Exec", [](sdbus::MethodCall& m) {
        m << std::string("true") << std::vector<std::string>{} << uint32_t{24 * 3600 + 1} << false;
    });
    EXPECT_EQ(o.error_name, "org.minions.Error.InvalidArgument") << o.error_message;
    EXPECT_THAT(o.error_message, HasSubstr("at most 86400 s"));
}

TEST_F(Lifecycle, LogsReturnTheSerialConsole) {
    create("web");
    std::string id = str(get_vm("web").at("Id"));
    std::ofstream(vms_dir() / id / "serial.log", std::ios::app) << "line the test appended\n";
    std::string log;
    Outcome o = call_vm("web", "Logs", [](sdbus::MethodCall& m) { m << uint32_t{0}; }, [&](sdbus::MethodReply& r) { r >> log; });
    ASSERT_TRUE(o.ok) << o.error_message;
    EXPECT_THAT(log, HasSubstr("booting"));  // what the double's guest prints
    EXPECT_TRUE(log.ends_with("line the test appended\n")) << log;
    std::string tail;
    o = call_vm("web", "Logs", [](sdbus::MethodCall& m) { m << uint32_t{9}; }, [&](sdbus::MethodReply& r) { r >> tail; });
    ASSERT_TRUE(o.ok) << o.error_message;
    EXPECT_EQ(tail, "appended\n");
}

// A guest writes any bytes it likes to its console; a D-Bus string must be
// UTF-8. Invalid bytes become U+FFFD, a character cut by the window is dropped.
TEST_F(Lifecycle, LogsOfAConsoleWithInvalidUtf8AreValidText) {
    create("web");
    std::string id = str(get_vm("web").at("Id"));
    std::ofstream(vms_dir() / id / "serial.log", std::ios::app | std::ios::binary) << "\xe2\x82\xac bad:\xff\xfe end";
    auto logs = [&](uint32_t max_bytes) {
        std::string log;
        Outcome o = call_vm("web", "Logs", [&](sdbus::MethodCall& m) { m << max_bytes; },
                            [&](sdbus::MethodReply& r) { r >> log; });
        EXPECT_TRUE(o.ok) << o.error_name << ": " << o.error_message;
        return log;
    };
    EXPECT_TRUE(logs(0).ends_with("\xe2\x82\xac bad:\xef\xbf\xbd\xef\xbf\xbd end"));
    // The last 13 bytes start inside the euro sign: its tail is dropped.
    EXPECT_EQ(logs(13), " bad:\xef\xbf\xbd\xef\xbf\xbd end");
}

TEST_F(Lifecycle, LogsRefuseAWindowOverTheLimitAndTheDaemonLivesOn) {
    create("web");
    Outcome o = call_vm("web", "Logs", [](sdbus::MethodCall& m) { m << uint32_t{34000000}; });
    EXPECT_EQ(o.error_name, "org.minions.Error.InvalidArgument");
    EXPECT_THAT(o.error_message, HasSubstr("at most 8388608"));
    std::string log;
    o = call_vm("web", "Logs", [](sdbus::MethodCall& m) { m << uint32_t{8 << 20}; }, [&](sdbus::MethodReply& r) { r >> log; });
    EXPECT_TRUE(o.ok) << o.error_name << ": " << o.error_message;
    EXPECT_THAT(log, HasSubstr("booting"));
}

TEST_F(Lifecycle, ASecondOperationOnABusyVmIsRefusedClearly) {
    create("web");
    std::string id = str(get_vm("web").at("Id"));
    std::ofstream(api_socket_of(id).string() + ".faults") << "hang vm.reboot\n";
    Outcome first;
    std::thread restarter([&] { first = call_vm("web", "Restart", [](sdbus::MethodCall& m) { m << false; }); });
    for (int i = 0; i < 100 && str(get_vm("web").at("Status")) != "restarting"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(str(get_vm("web").at("Status")), "restarting");
    Outcome second = call_vm("web", "Rename", [](sdbus::MethodCall& m) { m << std::string("api") << false; });
    EXPECT_EQ(second.error_name, "org.minions.Error.Busy");
    EXPECT_THAT(second.error_message, HasSubstr("restart"));
    Outcome polite = call_vm("web", "Stop", [](sdbus::MethodCall& m) { m << false << uint32_t{0} << false; });
    EXPECT_EQ(polite.error_name, "org.minions.Error.Busy");
    fs::remove(api_socket_of(id).string() + ".faults");
    // A forced stop cancels the hung operation instead of waiting behind it.
    auto started = std::chrono::steady_clock::now();
    Outcome forced = call_vm("web", "Stop", [](sdbus::MethodCall& m) { m << true << uint32_t{0} << false; });
    EXPECT_TRUE(forced.ok) << forced.error_message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    restarter.join();
    EXPECT_EQ(first.error_name, "org.minions.Error.HypervisorFailed");
    EXPECT_EQ(str(get_vm("web").at("Status")), "stopped");
}

}  // namespace
}  // namespace minions::test
