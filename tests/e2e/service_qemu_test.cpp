// The real minionsd with hypervisor = qemu booting the real guest (TCG), on
// the private bus of tests/service's fixture, its VM network inside the
// suite's own network namespace. Each test is its own process (a fresh bus,
// daemon and namespace); boots are few because each costs seconds under TCG.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/vm.hpp"
#include "guest_files.hpp"
#include "service/service_fixture.hpp"

namespace minions::test {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* kKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl owner@minions";
constexpr const char* kOtherKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIlDq5dbRXrlmuUZVPu7YAiW7ZL4wO5SqwvuFgT3aHxq copier@minions";
constexpr uint32_t kStopTimeoutS = 60;  // graceful power-off under TCG on a busy machine

struct ExecOutput {
    int32_t exit_code = -1;
    std::string out;
    std::string err;
};

class ServiceQemu : public ServiceTest {
public:
    static void SetUpTestSuite() {
        if (!e2e::missing_prerequisite(e2e::guest_files()).empty()) return;  // SetUp skips
        Options options;
        options.hypervisor = "qemu";
        options.guest_kernel_dir = e2e::guest_files().kernel_dir;
        options.guest_image_dir = e2e::guest_files().image_dir;
        options.subnet = "10.77.1.1/24";
        options.agent_ready_timeout_s = 120;
        options.memory_mb = 256;
        start_service(options);
    }
    static void TearDownTestSuite() {
        if (!root().empty()) ServiceTest::TearDownTestSuite();
    }

protected:
    void SetUp() override {
        std::string missing = e2e::missing_prerequisite(e2e::guest_files());
        if (!missing.empty()) GTEST_SKIP() << missing;
        ServiceTest::SetUp();
    }
    void TearDown() override {
        if (!root().empty()) ServiceTest::TearDown();
    }

    // One vCPU each: two guests share the 2-core machine in the copy test.
    void create_vm(const std::string& name, const std::string& key = kKey) {
        Outcome o = try_create(name, 1, 0, key);
        ASSERT_TRUE(o.ok) << o.error_name << ": " << o.error_message << "\n" << logs(name);
    }

    ExecOutput exec(const std::string& name, const std::string& command, const std::vector<std::string>& args = {}) {
        ExecOutput result;
        Outcome o = call_vm(
            name, "Exec", [&](sdbus::MethodCall& m) { m << command << args << uint32_t{30} << false; },
            [&](sdbus::MethodReply& r) { r >> result.exit_code >> result.out >> result.err; });
        EXPECT_TRUE(o.ok) << command << ": " << o.error_message;
        EXPECT_EQ(result.exit_code, 0) << command << ": " << result.err;
        return result;
    }

    std::string logs(const std::string& name) {
        std::string log;
        call_vm(name, "Logs", [](sdbus::MethodCall& m) { m << uint32_t{4096}; }, [&](sdbus::MethodReply& r) { r >> log; });
        return log;
    }

    int64_t guest_uptime(const std::string& name) {
        std::map<std::string, sdbus::Variant> status;
        Outcome o = call_vm(name, "AgentStatus", {}, [&](sdbus::MethodReply& r) { r >> status; });
        EXPECT_TRUE(o.ok) << o.error_message;
        return o.ok ? status.at("uptime_s").get<int64_t>() : -1;
    }

    Outcome graceful_stop(const std::string& name) {
        return call_vm(name, "Stop", [](sdbus::MethodCall& m) { m << false << kStopTimeoutS << false; });
    }

    Outcome start(const std::string& name) {
        return call_vm(name, "Start", [](sdbus::MethodCall& m) { m << false; });
    }

    // ping from the bridge's side, inside the suite's namespace (argv, no shell).
    CommandResult ping(const std::string& ip) {
        return run_as(root_identity(), {"ip", "netns", "exec", netns(), "ping", "-c", "3", "-W", "2", ip});
    }

    void expect_reachable(const std::string& name) {
        std::string ip = str(get_vm(name).at("Ip"));
        EXPECT_THAT(exec(name, "ip", {"-4", "addr", "show", "dev", "eth0"}).out, HasSubstr(ip + "/24")) << name;
        CommandResult r = ping(ip);
        EXPECT_EQ(r.exit_code, 0) << name << " at " << ip << ": " << r.out << r.err;
    }

    // A QEMU that exited may stay a zombie until init reaps it: that counts as gone.
    static bool process_exists(int64_t pid) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
        std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto end_of_name = stat.rfind(')');
        if (pid <= 0 || end_of_name == std::string::npos || end_of_name + 2 >= stat.size()) return false;
        char state = stat[end_of_name + 2];
        return state != 'Z' && state != 'X';
    }
};

TEST_F(ServiceQemu, CreateBootsARealGuestAndRestartRebootsItInTheSameQemu) {
    create_vm("web");
    auto vm = get_vm("web");
    EXPECT_EQ(str(vm.at("Status")), "running");
    EXPECT_EQ(str(vm.at("Hypervisor")), "qemu");
    EXPECT_THAT(str(vm.at("Ip")), ::testing::StartsWith("10.77.1."));
    EXPECT_TRUE(process_exists(i64(vm.at("Pid"))));
    EXPECT_TRUE(link_exists("tap-web"));
    // QEMU runs as the VM's own user (vmm_uid_base + CID, the fixture's
    // vmm_user nobody's group), with no capability, inside its own seccomp
    // filter (-sandbox: Seccomp 2 = filter mode), and still got its TAP.
    {
        std::ifstream in("/proc/" + std::to_string(i64(vm.at("Pid"))) + "/status");
        std::string status((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string uid = std::to_string(1879113728u + u32(vm.at("Cid")));
        EXPECT_THAT(status, HasSubstr("\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\n"));
        EXPECT_THAT(status, HasSubstr("\nGid:\t65534\t65534\t65534\t65534\n"));
        EXPECT_THAT(status, HasSubstr("\nCapEff:\t0000000000000000\n"));
        EXPECT_THAT(status, HasSubstr("\nCapPrm:\t0000000000000000\n"));
        EXPECT_THAT(status, HasSubstr("\nNoNewPrivs:\t1\n"));
        EXPECT_THAT(status, HasSubstr("\nSeccomp:\t2\n"));
    }
    // The agent answered, configured the address and wrote the caller's key.
    expect_reachable("web");
    EXPECT_EQ(exec("web", "cat", {"/root/.ssh/authorized_keys"}).out, std::string(kKey) + "\n");
    EXPECT_EQ(exec("web", "hostname").out, "web\n");

    // Restart: a new boot of the guest in the same QEMU, the address re-applied.
    std::string boot_id = exec("web", "cat", {"/proc/sys/kernel/random/boot_id"}).out;
    // The guest's uptime is whole seconds: let it grow past any boot's length first.
    int64_t uptime_before = guest_uptime("web");
    for (int i = 0; i < 30 && uptime_before < 12; ++i) {
        std::this_thread::sleep_for(1s);
        uptime_before = guest_uptime("web");
    }
    Outcome o = call_vm("web", "Restart", [](sdbus::MethodCall& m) { m << false; });
    ASSERT_TRUE(o.ok) << o.error_name << ": " << o.error_message << "\n" << logs("web");
    auto after = get_vm("web");
    EXPECT_EQ(str(after.at("Status")), "running");
    EXPECT_EQ(i64(after.at("Pid")), i64(vm.at("Pid")));
    EXPECT_EQ(str(after.at("Ip")), str(vm.at("Ip")));
    EXPECT_LT(guest_uptime("web"), uptime_before);
    EXPECT_NE(exec("web", "cat", {"/proc/sys/kernel/random/boot_id"}).out, boot_id);
    expect_reachable("web");
}

TEST_F(ServiceQemu, StopPowersTheGuestOffAndARenamedVmStartsAgainWithItsAddress) {
    create_vm("db");
    auto vm = get_vm("db");
    exec("db", "mkdir", {"/root/kept"});

    Outcome stopped = graceful_stop("db");
    ASSERT_TRUE(stopped.ok) << stopped.error_name << ": " << stopped.error_message << "\n" << logs("db");
    auto off = get_vm("db");
    EXPECT_EQ(str(off.at("Status")), "stopped");
    EXPECT_EQ(i64(off.at("Pid")), 0);
    EXPECT_FALSE(process_exists(i64(vm.at("Pid"))));
    EXPECT_FALSE(link_exists("tap-db"));
    EXPECT_THAT(logs("db"), HasSubstr("reboot: Power down"));  // the guest shut itself down
    // A cleanly shut down guest leaves a clean filesystem.
    fs::path disk = vms_dir() / str(vm.at("Id")) / "rootfs.ext4";
    CommandResult fsck = run_as(root_identity(), {"e2fsck", "-fn", disk.string()});
    EXPECT_EQ(fsck.exit_code, 0) << fsck.out << fsck.err;

    Outcome renamed = call_vm("db", "Rename", [](sdbus::MethodCall& m) { m << std::string("store") << false; });
    ASSERT_TRUE(renamed.ok) << renamed.error_message;
    EXPECT_EQ(try_get_vm("db").error_name, "org.minions.Error.NotFound");

    Outcome started = start("store");
    ASSERT_TRUE(started.ok) << started.error_name << ": " << started.error_message << "\n" << logs("store");
    auto on = get_vm("store");
    EXPECT_EQ(str(on.at("Status")), "running");
    EXPECT_EQ(str(on.at("Ip")), str(vm.at("Ip")));
    EXPECT_EQ(str(on.at("Id")), str(vm.at("Id")));
    EXPECT_NE(i64(on.at("Pid")), i64(vm.at("Pid")));
    EXPECT_TRUE(link_exists("tap-store"));
    EXPECT_FALSE(link_exists("tap-db"));
    expect_reachable("store");
    EXPECT_EQ(exec("store", "ls", {"-d", "/root/kept"}).out, "/root/kept\n");  // same disk
    EXPECT_EQ(exec("store", "hostname").out, "store\n");
}

TEST_F(ServiceQemu, CopyOfARunningVmIsAConsistentIndependentGuestAndDestroyRemovesBoth) {
    create_vm("src");
    auto source = get_vm("src");
    // Written just before the copy: the copy must see it (the source is frozen and synced).
    exec("src", "mkdir", {"/root/before-copy"});

    sdbus::ObjectPath copy_path;
    Outcome o = call_vm(
        "src", "Copy", [](sdbus::MethodCall& m) { m << std::string("dup") << std::string(kOtherKey) << false; },
        [&](sdbus::MethodReply& r) { r >> copy_path; });
    ASSERT_TRUE(o.ok) << o.error_name << ": " << o.error_message << "\n" << logs("dup");
    auto copy = get_vm("dup");
    EXPECT_EQ(str(copy.at("Status")), "running");
    EXPECT_NE(str(copy.at("Ip")), str(source.at("Ip")));
    EXPECT_NE(str(copy.at("Mac")), str(source.at("Mac")));
    EXPECT_NE(i64(copy.at("Pid")), i64(source.at("Pid")));
    EXPECT_EQ(str(get_vm("src").at("Status")), "running");

    expect_reachable("dup");
    expect_reachable("src");  // both answer: no address conflict, the source thawed
    EXPECT_EQ(exec("dup", "ls", {"-d", "/root/before-copy"}).out, "/root/before-copy\n");
    EXPECT_EQ(exec("dup", "cat", {"/root/.ssh/authorized_keys"}).out, std::string(kOtherKey) + "\n");
    EXPECT_EQ(exec("dup", "hostname").out, "dup\n");
    exec("src", "touch", {"/root/after-copy"});
    ExecOutput missing;
    call_vm(
        "dup", "Exec",
        [](sdbus::MethodCall& m) { m << std::string("ls") << std::vector<std::string>{"/root/after-copy"} << uint32_t{30} << false; },
        [&](sdbus::MethodReply& r) { r >> missing.exit_code >> missing.out >> missing.err; });
    EXPECT_NE(missing.exit_code, 0) << "the copy has a disk of its own";

    // The copy's disk, once its guest is down, passes a full check.
    Outcome stopped = graceful_stop("dup");
    ASSERT_TRUE(stopped.ok) << stopped.error_message;
    fs::path disk = vms_dir() / str(copy.at("Id")) / "rootfs.ext4";
    CommandResult fsck = run_as(root_identity(), {"e2fsck", "-fn", disk.string()});
    EXPECT_EQ(fsck.exit_code, 0) << fsck.out << fsck.err;

    for (const auto& [name, vm] : {std::pair{"dup", copy}, std::pair{"src", source}}) {
        Outcome destroyed = call_vm(name, "Destroy", [](sdbus::MethodCall& m) { m << false; });
        ASSERT_TRUE(destroyed.ok) << destroyed.error_message;
        EXPECT_EQ(try_get_vm(name).error_name, "org.minions.Error.NotFound");
        EXPECT_FALSE(process_exists(i64(vm.at("Pid"))));
        EXPECT_FALSE(link_exists(str(vm.at("Tap"))));
        EXPECT_FALSE(fs::exists(vms_dir() / str(vm.at("Id"))));
    }
    EXPECT_TRUE(list_vms().empty());
}

TEST_F(ServiceQemu, AForcedStopAfterAGracefulAttemptKeepsWhatTheGuestWrote) {
    create_vm("forced");
    // Without its power-button handler the guest ignores the button: the stop has to kill.
    exec("forced", "rm", {"/etc/acpi/PWRF/00000080"});
    // Written to the page cache only: ext4 would keep it there for up to 30 s.
    exec("forced", "sh", {"-c", "echo still-here > /root/written-before-stop"});
    const auto log_size = fs::exists(daemon_log()) ? fs::file_size(daemon_log()) : 0;
    // `minions stop --force` without --timeout: graceful first (flush, power
    // button), the configured stop_timeout (10 s here), a flush again, then the kill.
    Outcome stopped =
        call_vm("forced", "Stop", [](sdbus::MethodCall& m) { m << true << kStopTimeoutDefault << false; });
    ASSERT_TRUE(stopped.ok) << stopped.error_name << ": " << stopped.error_message;
    std::ifstream log(daemon_log());
    log.seekg(static_cast<std::streamoff>(log_size));
    std::string tail((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_THAT(tail, HasSubstr("no power-off within 10 s; killing its VMM")) << "the stop was meant to be forced";
    EXPECT_EQ(str(get_vm("forced").at("Status")), "stopped");

    Outcome started = start("forced");
    ASSERT_TRUE(started.ok) << started.error_name << ": " << started.error_message << "\n" << logs("forced");
    EXPECT_EQ(exec("forced", "cat", {"/root/written-before-stop"}).out, "still-here\n");
}

}  // namespace
}  // namespace minions::test
