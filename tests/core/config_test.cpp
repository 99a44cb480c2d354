#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include "core/config.hpp"
#include "core/error.hpp"

namespace minions {
namespace {

using namespace std::chrono_literals;

// The InvalidArgument message for `text`, or "" when it parses.
std::string rejection(const std::string& text) {
    try {
        Config::parse(text, "test.conf");
        return "";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::InvalidArgument);
        return e.what();
    }
}

TEST(Config, EmptyTextGivesTheDocumentedDefaults) {
    Config c = Config::parse("");
    EXPECT_EQ(c.state_dir, "/var/lib/minions");
    EXPECT_EQ(c.state_db(), "/var/lib/minions/state.db");
    EXPECT_EQ(c.vms_dir, "/var/lib/minions/vms");
    EXPECT_EQ(c.kernel_dir, "/var/lib/minions/kernel");
    EXPECT_EQ(c.image_dir, "/var/lib/minions/images");
    EXPECT_EQ(c.run_dir, "/run/minions");
    EXPECT_EQ(c.bridge, "br0");
    EXPECT_EQ(c.subnet.to_string(), "10.0.0.1/16");
    EXPECT_EQ(c.netns, "");
    EXPECT_EQ(c.dns, "10.0.0.1");
    EXPECT_EQ(c.hypervisor, "auto");
    EXPECT_EQ(c.accel, "auto");
    EXPECT_EQ(c.qemu_binary, "qemu-system-x86_64");
    EXPECT_EQ(c.cloud_hypervisor_binary, "cloud-hypervisor");
    EXPECT_EQ(c.vmm_user, "minions-vm");
    EXPECT_EQ(c.vmm_uid_base, 1879113728u);
    EXPECT_EQ(c.default_cpus, 2u);
    EXPECT_EQ(c.default_memory_mb, 1024u);
    EXPECT_EQ(c.max_cpus, 8u);
    EXPECT_EQ(c.max_memory_mb, 16384u);
    EXPECT_EQ(c.agent_ready_timeout, 120s);
    EXPECT_EQ(c.stop_timeout, 30s);
    EXPECT_EQ(c.exec_timeout, 60s);
    EXPECT_EQ(c.auth_timeout, 300s);
}

TEST(Config, ReadsEveryKey) {
    Config c = Config::parse(R"(
[paths]
state_dir = /srv/m
vms_dir = /srv/m/vms
kernel_dir = /srv/m/kernel
image_dir = /srv/m/images
run_dir = /srv/run

[network]
bridge = mbr0
subnet = 192.168.50.1/24
netns = minions-test
dns = 1.1.1.1

[hypervisor]
hypervisor = qemu
accel = tcg
qemu_binary = /opt/qemu/bin/qemu-system-x86_64
cloud_hypervisor_binary = /opt/ch/cloud-hypervisor
vmm_user = vmms
vmm_uid_base = 3000000

[vm]
default_cpus = 1
default_memory_mb = 256
max_cpus = 4
max_memory_mb = 2048

[timeouts]
agent_ready_timeout = 10
stop_timeout = 5
exec_timeout = 7
auth_timeout = 9
)");
    EXPECT_EQ(c.state_dir, "/srv/m");
    EXPECT_EQ(c.vms_dir, "/srv/m/vms");
    EXPECT_EQ(c.kernel_dir, "/srv/m/kernel");
    EXPECT_EQ(c.image_dir, "/srv/m/images");
    EXPECT_EQ(c.run_dir, "/srv/run");
    EXPECT_EQ(c.bridge, "mbr0");
    EXPECT_EQ(c.subnet.to_string(), "192.168.50.1/24");
    EXPECT_EQ(c.netns, "minions-test");
    EXPECT_EQ(c.dns, "1.1.1.1");
    EXPECT_EQ(c.hypervisor, "qemu");
    EXPECT_EQ(c.accel, "tcg");
    EXPECT_EQ(c.qemu_binary, "/opt/qemu/bin/qemu-system-x86_64");
    EXPECT_EQ(c.cloud_hypervisor_binary, "/opt/ch/cloud-hypervisor");
    EXPECT_EQ(c.vmm_user, "vmms");
    EXPECT_EQ(c.vmm_uid_base, 3000000u);
    EXPECT_EQ(c.default_cpus, 1u);
    EXPECT_EQ(c.default_memory_mb, 256u);
    EXPECT_EQ(c.max_cpus, 4u);
    EXPECT_EQ(c.max_memory_mb, 2048u);
    EXPECT_EQ(c.agent_ready_timeout, 10s);
    EXPECT_EQ(c.stop_timeout, 5s);
    EXPECT_EQ(c.exec_timeout, 7s);
    EXPECT_EQ(c.auth_timeout, 9s);
}

TEST(Config, IgnoresCommentsBlankLinesAndSpacing) {
    Config c = Config::parse("# a comment\n\n  ; another\n[vm]   \n\tdefault_cpus=3  \r\n");
    EXPECT_EQ(c.default_cpus, 3u);
}

TEST(Config, UnknownKeyNamesFileLineAndKey) {
    EXPECT_EQ(rejection("[vm]\ndefault_cpus = 2\nturbo = yes\n"), "test.conf:3: unknown key 'turbo' in section [vm]");
}

TEST(Config, KeyInTheWrongSectionIsUnknown) {
    EXPECT_EQ(rejection("[paths]\nbridge = br1\n"), "test.conf:2: unknown key 'bridge' in section [paths]");
}

TEST(Config, UnknownSectionNamesItsLine) {
    EXPECT_NE(rejection("\n[storage]\n").find("test.conf:2: unknown section [storage]"), std::string::npos);
}

TEST(Config, KeyBeforeAnySectionIsRejected) {
    EXPECT_EQ(rejection("bridge = br0\n"), "test.conf:1: key 'bridge' appears before any [section]");
}

TEST(Config, LineWithoutEqualsIsRejected) { EXPECT_EQ(rejection("[vm]\ndefault_cpus 2\n"), "test.conf:2: expected 'key = value'"); }

TEST(Config, UnclosedSectionHeaderIsRejected) { EXPECT_NE(rejection("[vm\n").find("test.conf:1:"), std::string::npos); }

TEST(Config, DuplicateKeyIsRejected) {
    EXPECT_EQ(rejection("[vm]\nmax_cpus = 4\nmax_cpus = 6\n"),
              "test.conf:3: duplicate key 'max_cpus' (first set on line 2)");
}

TEST(Config, NonNumericCountNamesLineAndKey) {
    EXPECT_EQ(rejection("[vm]\ndefault_cpus = two\n"),
              "test.conf:2: bad value for 'default_cpus': expected a whole number from 1 to 256, got 'two'");
}

TEST(Config, ZeroAndNegativeCountsAreRejected) {
    EXPECT_NE(rejection("[vm]\nmax_cpus = 0\n").find("test.conf:2:"), std::string::npos);
    EXPECT_NE(rejection("[vm]\nmax_cpus = -1\n").find("test.conf:2:"), std::string::npos);
    EXPECT_NE(rejection("[vm]\nmax_cpus = 4x\n").find("test.conf:2:"), std::string::npos);
}

TEST(Config, BadTimeoutIsRejected) {
    EXPECT_NE(rejection("[timeouts]\nstop_timeout = 30s\n").find("test.conf:2: bad value for 'stop_timeout'"),
              std::string::npos);
    EXPECT_NE(rejection("[timeouts]\nexec_timeout = 0\n"), "");
}

TEST(Config, BadSubnetIsRejectedWithTheReason) {
    std::string why = rejection("[network]\nsubnet = 10.0.0.1/31\n");
    EXPECT_NE(why.find("test.conf:2: bad value for 'subnet'"), std::string::npos);
    EXPECT_NE(why.find("from 1 to 30"), std::string::npos);
}

TEST(Config, BadDnsAddressIsRejected) {
    EXPECT_NE(rejection("[network]\ndns = dns.example\n").find("test.conf:2: bad value for 'dns'"), std::string::npos);
}

TEST(Config, OverlongBridgeNameIsRejected) {
    EXPECT_NE(rejection("[network]\nbridge = abcdefghijklmnop\n").find("test.conf:2:"), std::string::npos);
}

TEST(Config, EmptyNetnsMeansHostNamespace) { EXPECT_EQ(Config::parse("[network]\nnetns =\n").netns, ""); }

TEST(Config, NetnsWithSlashIsRejected) {
    EXPECT_NE(rejection("[network]\nnetns = ../x\n").find("test.conf:2:"), std::string::npos);
}

TEST(Config, UnknownHypervisorListsTheChoices) {
    EXPECT_EQ(rejection("[hypervisor]\nhypervisor = firecracker\n"),
              "test.conf:2: bad value for 'hypervisor': expected one of auto, qemu, cloud-hypervisor, got 'firecracker'");
}

TEST(Config, EmptyVmmUserKeepsVmmsPrivileged) { EXPECT_EQ(Config::parse("[hypervisor]\nvmm_user =\n").vmm_user, ""); }

// Every VMM uid (base + CID 3..65535) stays below 2^31 and above the
// regular and system users.
TEST(Config, VmmUidBaseOutsideItsRangeIsRejected) {
    EXPECT_NE(rejection("[hypervisor]\nvmm_uid_base = 1000\n").find("at least 65536"), std::string::npos);
    EXPECT_NE(rejection("[hypervisor]\nvmm_uid_base = 2147418113\n").find("test.conf:2:"), std::string::npos);
    EXPECT_EQ(Config::parse("[hypervisor]\nvmm_uid_base = 2147418112\n").vmm_uid_base, 2147418112u);
    EXPECT_NE(rejection("[hypervisor]\nvmm_user = a/b\n"), "");
}

TEST(Config, UnknownAccelIsRejected) { EXPECT_NE(rejection("[hypervisor]\naccel = hvf\n"), ""); }

TEST(Config, RelativeDirectoryIsRejected) {
    EXPECT_EQ(rejection("[paths]\nstate_dir = var/lib\n"),
              "test.conf:2: bad value for 'state_dir': expected an absolute path, got 'var/lib'");
}

TEST(Config, EmptyBinaryIsRejected) { EXPECT_NE(rejection("[hypervisor]\nqemu_binary =\n"), ""); }

TEST(Config, DefaultAboveMaximumIsRejectedOnTheLaterLine) {
    EXPECT_EQ(rejection("[vm]\nmax_cpus = 4\ndefault_cpus = 6\n"), "test.conf:3: default_cpus (6) exceeds max_cpus (4)");
}

TEST(Config, DefaultMemoryAboveMaximumIsRejected) {
    EXPECT_NE(rejection("[vm]\nmax_memory_mb = 512\n").find("default_memory_mb (1024) exceeds max_memory_mb (512)"),
              std::string::npos);
}

class ConfigFile : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/minions-config-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
};

TEST_F(ConfigFile, LoadReadsTheFile) {
    std::ofstream(dir_ / "minions.conf") << "[network]\nbridge = br7\n";
    EXPECT_EQ(Config::load(dir_ / "minions.conf").bridge, "br7");
}

TEST_F(ConfigFile, LoadErrorsNameTheFile) {
    std::ofstream(dir_ / "minions.conf") << "[network]\nbridge = br7\nbogus = 1\n";
    try {
        Config::load(dir_ / "minions.conf");
        FAIL() << "expected InvalidArgument";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), (dir_ / "minions.conf").string() + ":3: unknown key 'bogus' in section [network]");
    }
}

TEST_F(ConfigFile, MissingFileIsAnError) {
    try {
        Config::load(dir_ / "absent.conf");
        FAIL() << "expected InvalidArgument";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::InvalidArgument);
        EXPECT_NE(std::string(e.what()).find("absent.conf"), std::string::npos);
    }
}

}  // namespace
}  // namespace minions
