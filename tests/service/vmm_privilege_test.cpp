// Least privilege for VMMs, through the real minionsd: each VM's VMM (the
// Cloud Hypervisor double here; QEMU in tests/e2e) runs as a uid of its own
// with no capability, owns its VM's files and nothing else, and cannot read
// another VM's disk.
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "polkit/private_bus.hpp"
#include "service_fixture.hpp"

namespace minions::test {
namespace {
namespace fs = std::filesystem;

constexpr uid_t kUidBase = 1879113728;  // minionsd.conf's default vmm_uid_base
constexpr gid_t kNogroup = 65534;       // the fixture's vmm_user is nobody

std::string status_field(pid_t pid, const std::string& name) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
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

std::string four(uint64_t id) {
    auto s = std::to_string(id);
    return s + "\t" + s + "\t" + s + "\t" + s;
}

class VmmPrivilege : public ServiceTest {};

TEST_F(VmmPrivilege, EachVmmRunsAsItsOwnUserWithNoCapability) {
    create("alpha");
    create("beta");
    auto a = get_vm("alpha");
    auto b = get_vm("beta");
    for (const auto& vm : {a, b}) {
        auto pid = static_cast<pid_t>(i64(vm.at("Pid")));
        uid_t uid = kUidBase + u32(vm.at("Cid"));
        EXPECT_EQ(status_field(pid, "Uid"), four(uid)) << str(vm.at("Name"));
        EXPECT_EQ(status_field(pid, "Gid"), four(kNogroup));
        EXPECT_EQ(status_field(pid, "CapPrm"), "0000000000000000");
        EXPECT_EQ(status_field(pid, "CapEff"), "0000000000000000");
        EXPECT_EQ(status_field(pid, "CapAmb"), "0000000000000000");
        EXPECT_EQ(status_field(pid, "NoNewPrivs"), "1");

        // It owns its VM's own files, and they are closed to everyone else.
        const fs::path dir = vms_dir() / str(vm.at("Id"));
        for (const auto& [path, mode] : std::vector<std::pair<fs::path, mode_t>>{
                 {dir, 0700}, {dir / "rootfs.ext4", 0600}, {dir / "serial.log", 0600},
                 {run_dir() / str(vm.at("Id")), 0700}}) {
            struct stat st {};
            ASSERT_EQ(::lstat(path.c_str(), &st), 0) << path;
            EXPECT_EQ(st.st_uid, uid) << path;
            EXPECT_EQ(st.st_mode & 07777, mode) << path;
        }
    }
    EXPECT_NE(u32(a.at("Cid")), u32(b.at("Cid")));
    // The VM still works: its agent answers through the double's vsock.
    EXPECT_TRUE(call_vm("alpha", "AgentStatus").ok);
}

TEST_F(VmmPrivilege, AVmmCannotReadAnotherVmsDisk) {
    create("alpha");
    create("beta");
    auto a = get_vm("alpha");
    auto b = get_vm("beta");
    Identity vmm_of_alpha{"vmm-alpha", kUidBase + u32(a.at("Cid")), kNogroup, {kNogroup}};
    const fs::path own_disk = vms_dir() / str(a.at("Id")) / "rootfs.ext4";
    const fs::path other_disk = vms_dir() / str(b.at("Id")) / "rootfs.ext4";
    // Its own disk it reads (so the refusal below is about permissions).
    auto own = run_as(vmm_of_alpha, {"head", "-c", "1", own_disk.string()});
    EXPECT_EQ(own.exit_code, 0) << own.err;
    auto other = run_as(vmm_of_alpha, {"head", "-c", "1", other_disk.string()});
    EXPECT_NE(other.exit_code, 0) << "alpha's VMM user read beta's disk";
    EXPECT_NE(other.err.find("Permission denied"), std::string::npos) << other.err;
    auto listing = run_as(vmm_of_alpha, {"ls", vms_dir().string()});
    EXPECT_NE(listing.exit_code, 0) << "the VM directories are listed: " << listing.out;
    auto state = run_as(vmm_of_alpha, {"head", "-c", "1", (root() / "state" / "state.db").string()});
    EXPECT_NE(state.exit_code, 0) << "a VMM user read minionsd's database";
}

// A stopped VM's files stay its own; a copy's files belong to the copy's
// own user, from its first boot.
TEST_F(VmmPrivilege, ACopyGetsItsOwnUserAndTheRestartedVmKeepsItsOwn) {
    create("alpha");
    stop("alpha");
    ASSERT_TRUE(call_vm("alpha", "Start", [](sdbus::MethodCall& m) { m << false; }).ok);
    auto a = get_vm("alpha");
    EXPECT_EQ(status_field(static_cast<pid_t>(i64(a.at("Pid"))), "Uid"), four(kUidBase + u32(a.at("Cid"))));
    Outcome copied = call_vm("alpha", "Copy", [](sdbus::MethodCall& m) {
        m << std::string("gamma") << std::string() << false;
    });
    ASSERT_TRUE(copied.ok) << copied.error_message;
    auto c = get_vm("gamma");
    uid_t uid = kUidBase + u32(c.at("Cid"));
    EXPECT_EQ(status_field(static_cast<pid_t>(i64(c.at("Pid"))), "Uid"), four(uid));
    struct stat st {};
    ASSERT_EQ(::stat((vms_dir() / str(c.at("Id")) / "rootfs.ext4").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, uid);
}

}  // namespace
}  // namespace minions::test
