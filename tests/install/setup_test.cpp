// scripts/minions-setup: the plan --dry-run prints (and that it changes
// nothing), --undo's plan and its refusal while VMs exist, and a real run in
// a network namespace of its own: twice (the second does nothing), then --undo.
#include <gtest/gtest.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <fstream>

#include "install/run.hpp"

namespace minions::test {
namespace {
namespace fs = std::filesystem;

const std::string kSetup = std::string(MINIONS_SOURCE_DIR) + "/scripts/minions-setup";
const std::string kBuildImage = std::string(MINIONS_SOURCE_DIR) + "/guest/build-image.sh";

bool group_exists(const std::string& name) { return ::getgrnam(name.c_str()) != nullptr; }
bool user_exists(const std::string& name) { return ::getpwnam(name.c_str()) != nullptr; }
bool netns_exists(const std::string& name) { return fs::exists("/run/netns/" + name); }
bool have_program(const std::string& name) { return run({"sh", "-c", "command -v " + name}).exit_code == 0; }

class Setup : public ::testing::Test {
protected:
    void SetUp() override {
        work_ = make_temp_dir("minions-setup-test-");
        tag_ = std::to_string(::getpid() % 100000);
        group_ = "mst-" + tag_;
        vmm_user_ = "mst-vm-" + tag_;
        netns_ = "minions-setup-test-" + tag_;
        bridge_ = "mst" + tag_;
        config_ = work_ / "minionsd.conf";
        write_config("");
    }
    void TearDown() override {
        if (netns_exists(netns_)) run({"ip", "netns", "del", netns_});
        if (user_exists(vmm_user_)) run({"userdel", vmm_user_});
        if (group_exists(group_)) run({"groupdel", group_});
        std::error_code ignored;
        fs::remove_all(work_, ignored);
    }

    void write_config(const std::string& netns) {
        std::ofstream(config_) << "# test\n[paths]\nstate_dir = " << p("lib") << "\nvms_dir = " << p("lib/vms")
                               << "\nkernel_dir = " << p("lib/kernel") << "\nimage_dir = " << p("lib/images")
                               << "\nrun_dir = " << p("run") << "\n\n[network]\nbridge = " << bridge_
                               << "\nsubnet = 10.123.0.1/24\nnetns = " << netns << "\n\n[hypervisor]\nvmm_user = "
                               << vmm_user_ << "\n\n[vm]\ndefault_cpus = 1\n";
    }
    std::string p(const std::string& relative) const { return (work_ / relative).string(); }

    RunResult setup(std::vector<std::string> args) {
        std::vector<std::string> argv{"bash", kSetup, "--config", config_.string(), "--group", group_, "--netns", netns_};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv);
    }

    std::vector<std::string> dir_plan(const std::string& mark) const {
        return {mark + "install -d -m 0711 " + p("lib"), mark + "install -d -m 0711 " + p("lib/vms"),
                mark + "install -d -m 0755 " + p("lib/kernel"), mark + "install -d -m 0755 " + p("lib/images"),
                mark + "install -d -m 0711 " + p("run")};
    }
    std::string useradd_plan(const std::string& mark) const {
        return mark + "useradd --system --user-group --no-create-home --home-dir /nonexistent --shell "
                      "/usr/sbin/nologin --comment minions\\ VMMs " + vmm_user_;
    }

    fs::path work_;
    fs::path config_;
    std::string tag_, group_, vmm_user_, netns_, bridge_;
};

TEST_F(Setup, DryRunPlansEveryStepInTheConfiguredNamespaceAndChangesNothing) {
    ASSERT_FALSE(group_exists(group_));
    ASSERT_FALSE(netns_exists(netns_));
    std::string before = read_text(config_);

    auto r = setup({"--dry-run", "--agent", "/bin/true", "--build-image", kBuildImage, "--image-cache", p("cache")});
    ASSERT_EQ(r.exit_code, 0) << r.output;

    std::vector<std::string> expected{"[dry-run] groupadd --system " + group_, useradd_plan("[dry-run] ")};
    for (auto& line : dir_plan("[dry-run] ")) expected.push_back(line);
    for (const std::string& line : std::vector<std::string>{
             "[dry-run] bash " + kBuildImage + " --kernel-dir " + p("lib/kernel") + " --image-dir " +
                 p("lib/images") + " --agent /bin/true --cache " + p("cache"),
             // The configuration names no namespace: setup picks one and records it there.
             "[dry-run] set [network] netns = " + netns_ + " in " + config_.string(),
             "[dry-run] ip netns add " + netns_,
             "[dry-run] ip -n " + netns_ + " link set lo up",
             "[dry-run] ip -n " + netns_ + " link add " + bridge_ + " type bridge",
             "[dry-run] ip -n " + netns_ + " addr add 10.123.0.1/24 dev " + bridge_,
             "[dry-run] ip -n " + netns_ + " link set " + bridge_ + " up",
             "minions-setup: done (dry run: nothing changed)",
         })
        expected.push_back(line);
    EXPECT_EQ(lines_of(r.output), expected) << r.output;

    EXPECT_EQ(read_text(config_), before);
    EXPECT_FALSE(fs::exists(p("lib")));
    EXPECT_FALSE(fs::exists(p("run")));
    EXPECT_FALSE(group_exists(group_));
    EXPECT_FALSE(netns_exists(netns_));
}

TEST_F(Setup, DryRunUsesTheNamespaceTheConfigurationNames) {
    write_config(netns_ + "-x");
    auto r = setup({"--dry-run", "--no-image"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find("set [network]"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("[dry-run] ip netns add " + netns_ + "-x\n"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("build-image"), std::string::npos) << r.output;
}

// --host-network is only ever planned here, never run.
TEST_F(Setup, HostNetworkDryRunPlansBridgeForwardingAndNat) {
    write_config(netns_);
    std::string before = read_text(config_);
    auto r = setup({"--dry-run", "--no-image", "--host-network"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto lines = lines_of(r.output);
    std::vector<std::string> expected{"[dry-run] groupadd --system " + group_, useradd_plan("[dry-run] ")};
    for (auto& line : dir_plan("[dry-run] ")) expected.push_back(line);
    expected.push_back("[dry-run] set [network] netns =  in " + config_.string());
    expected.push_back("[dry-run] ip link add " + bridge_ + " type bridge");
    expected.push_back("[dry-run] ip addr add 10.123.0.1/24 dev " + bridge_);
    expected.push_back("[dry-run] ip link set " + bridge_ + " up");
    if (read_text("/proc/sys/net/ipv4/ip_forward") != "1\n")
        expected.push_back("[dry-run] sysctl -q -w net.ipv4.ip_forward=1");
    ASSERT_GE(lines.size(), expected.size()) << r.output;
    EXPECT_EQ(std::vector<std::string>(lines.begin(), lines.begin() + expected.size()), expected) << r.output;

    std::vector<std::string> nat(lines.begin() + expected.size(), lines.end() - 1);
    if (have_program("nft")) {
        EXPECT_NE(r.output.find("[dry-run] nft add table ip minions\n"), std::string::npos) << r.output;
        EXPECT_NE(r.output.find("ip saddr 10.123.0.0/24 ip daddr \\!= 10.123.0.0/24 masquerade\n"), std::string::npos)
            << r.output;
    } else if (have_program("iptables")) {
        EXPECT_EQ(nat, std::vector<std::string>{"[dry-run] iptables -t nat -A POSTROUTING -s 10.123.0.0/24 \\! -d "
                                                "10.123.0.0/24 -j MASQUERADE"})
            << r.output;
    }
    EXPECT_EQ(lines.back(), "minions-setup: done (dry run: nothing changed)");
    EXPECT_EQ(read_text(config_), before);
}

TEST_F(Setup, UndoDryRunPlansRemovalAndRefusesWhileVmsExist) {
    for (const auto& dir : {"lib/vms", "lib/kernel", "lib/images", "run"}) fs::create_directories(work_ / dir);
    for (const auto& file : {"lib/kernel/vmlinuz", "lib/kernel/initrd.img", "lib/images/base.ext4"})
        std::ofstream(work_ / file) << "x";
    std::ofstream(work_ / "lib/.minions-setup") << "group=" << group_ << "\n";

    auto r = setup({"--dry-run", "--undo"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::vector<std::string> expected{
        "[dry-run] rm -f " + p("lib/kernel/vmlinuz"), "[dry-run] rm -f " + p("lib/kernel/initrd.img"),
        "[dry-run] rm -f " + p("lib/images/base.ext4"), "[dry-run] rm -f " + p("lib/.minions-setup"),
        // Directories that would be empty only after the plan are kept: a dry
        // run cannot know; only vms_dir and run_dir are empty now.
        "[dry-run] rmdir " + p("lib/vms"), "[dry-run] rmdir " + p("run"),
        "minions-setup: undone (dry run: nothing changed)"};
    EXPECT_EQ(lines_of(r.output), expected) << r.output;
    EXPECT_TRUE(fs::exists(p("lib/kernel/vmlinuz")));

    fs::create_directories(work_ / "lib/vms/0123456789abcdef");
    r = setup({"--dry-run", "--undo"});
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("still holds VMs"), std::string::npos) << r.output;
}

TEST_F(Setup, RealRunInANamespaceIsIdempotentAndUndone) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    // A network namespace of our own around it all: nothing reaches the host's.
    auto in_netns = [&](std::vector<std::string> args) {
        std::vector<std::string> argv{"unshare", "--net", "--", "bash", kSetup, "--config", config_.string(),
                                      "--group", group_, "--netns", netns_, "--no-image"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv);
    };
    auto first = in_netns({});
    ASSERT_EQ(first.exit_code, 0) << first.output;
    EXPECT_TRUE(group_exists(group_));
    EXPECT_TRUE(netns_exists(netns_));
    for (const auto& dir : {"lib", "lib/vms", "lib/kernel", "lib/images", "run"}) EXPECT_TRUE(fs::is_directory(p(dir)));
    // The VMMs pass through to their own VM's directory; nobody may list it.
    EXPECT_EQ(fs::status(p("lib/vms")).permissions(),
              fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    EXPECT_TRUE(user_exists(vmm_user_));
    EXPECT_NE(read_text(config_).find("\nnetns = " + netns_ + "\n"), std::string::npos) << read_text(config_);
    auto addr = run({"ip", "-n", netns_, "-o", "addr", "show", "dev", bridge_});
    EXPECT_NE(addr.output.find(" 10.123.0.1/24 "), std::string::npos) << addr.output;
    auto link = run({"ip", "-n", netns_, "link", "show", bridge_});
    EXPECT_NE(link.output.find(",UP"), std::string::npos) << link.output;

    auto second = in_netns({});
    ASSERT_EQ(second.exit_code, 0) << second.output;
    EXPECT_EQ(second.output, "minions-setup: done\n");

    auto undo = in_netns({"--undo"});
    ASSERT_EQ(undo.exit_code, 0) << undo.output;
    EXPECT_FALSE(netns_exists(netns_));
    EXPECT_FALSE(group_exists(group_));
    EXPECT_FALSE(user_exists(vmm_user_));
    EXPECT_FALSE(group_exists(vmm_user_));
    EXPECT_FALSE(fs::exists(p("lib")));
    EXPECT_FALSE(fs::exists(p("run")));
    EXPECT_NE(read_text(config_).find("\nnetns = \n"), std::string::npos) << read_text(config_);
    EXPECT_NE(read_text(config_).find("\ndefault_cpus = 1\n"), std::string::npos) << read_text(config_);
}

}  // namespace
}  // namespace minions::test
