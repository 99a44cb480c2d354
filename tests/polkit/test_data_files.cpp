// The installed data files agree with the code: the default configuration
// is the built-in one, the polkit policy declares exactly the actions the
// code asks about and opens none to everyone, and both ways of starting
// minionsd run the same program.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/config.hpp"
#include "polkit/authority.hpp"

namespace minions {
namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in) << path;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> all_matches(const std::string& text, const std::string& pattern) {
    std::vector<std::string> found;
    std::regex re(pattern);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
        found.push_back((*it)[1]);
    return found;
}

TEST(DataFiles, DefaultConfigurationIsTheBuiltInOne) {
    Config file = Config::load(MINIONS_SOURCE_DIR "/data/minionsd.conf");
    Config built_in;
    EXPECT_EQ(file.state_dir, built_in.state_dir);
    EXPECT_EQ(file.vms_dir, built_in.vms_dir);
    EXPECT_EQ(file.kernel_dir, built_in.kernel_dir);
    EXPECT_EQ(file.image_dir, built_in.image_dir);
    EXPECT_EQ(file.run_dir, built_in.run_dir);
    EXPECT_EQ(file.bridge, built_in.bridge);
    EXPECT_EQ(file.subnet.to_string(), built_in.subnet.to_string());
    EXPECT_EQ(file.netns, built_in.netns);
    EXPECT_EQ(file.dns, built_in.dns);
    EXPECT_EQ(file.hypervisor, built_in.hypervisor);
    EXPECT_EQ(file.accel, built_in.accel);
    EXPECT_EQ(file.qemu_binary, built_in.qemu_binary);
    EXPECT_EQ(file.cloud_hypervisor_binary, built_in.cloud_hypervisor_binary);
    EXPECT_EQ(file.default_cpus, built_in.default_cpus);
    EXPECT_EQ(file.default_memory_mb, built_in.default_memory_mb);
    EXPECT_EQ(file.max_cpus, built_in.max_cpus);
    EXPECT_EQ(file.max_memory_mb, built_in.max_memory_mb);
    EXPECT_EQ(file.agent_ready_timeout, built_in.agent_ready_timeout);
    EXPECT_EQ(file.stop_timeout, built_in.stop_timeout);
    EXPECT_EQ(file.exec_timeout, built_in.exec_timeout);
}

TEST(DataFiles, PolicyDeclaresExactlyTheActionsTheCodeUses) {
    std::string policy = slurp(MINIONS_SOURCE_DIR "/polkit/org.minions.policy");
    auto declared = all_matches(policy, R"re(<action id="([^"]+)")re");
    std::set<std::string> expected;
    for (auto id : {actions::kRead, actions::kCreate, actions::kPower, actions::kRename, actions::kCopy,
                    actions::kDestroy, actions::kExec})
        expected.emplace(id);
    EXPECT_EQ(std::set<std::string>(declared.begin(), declared.end()), expected);
    EXPECT_EQ(declared.size(), expected.size());
}

TEST(DataFiles, PolicyOpensNoActionToEveryone) {
    std::string policy = slurp(MINIONS_SOURCE_DIR "/polkit/org.minions.policy");
    auto defaults = all_matches(policy, R"re(<allow_(?:any|inactive|active)>([^<]*)<)re");
    EXPECT_EQ(defaults.size(), 21u);
    for (const auto& value : defaults) EXPECT_TRUE(value == "auth_admin" || value == "auth_admin_keep") << value;
}

TEST(DataFiles, ActivationAndUnitRunTheSameProgram) {
    std::string unit = slurp(MINIONS_BINARY_DIR "/data/minionsd.service");
    std::string activation = slurp(MINIONS_BINARY_DIR "/data/org.minions.Manager.service");
    auto exec_start = all_matches(unit, R"re(\nExecStart=(\S+))re");
    auto exec = all_matches(activation, R"re(\nExec=(\S+))re");
    ASSERT_EQ(exec_start.size(), 1u);
    ASSERT_EQ(exec.size(), 1u);
    EXPECT_EQ(exec_start[0], exec[0]);
    EXPECT_NE(unit.find("\nBusName=org.minions.Manager\n"), std::string::npos);
    EXPECT_NE(activation.find("\nSystemdService=minionsd.service\n"), std::string::npos);
    EXPECT_NE(unit.find("\nKillMode=process\n"), std::string::npos);
}

}  // namespace
}  // namespace minions
