// configure_network and set_hostname are kept on the guest's disk and applied
// again when the agent starts, as after a reboot begun inside the guest.
#include <gtest/gtest.h>

#include <fstream>

#include "agent/agent_fixture.hpp"

namespace minions::agent::testing {
namespace {

TEST_F(AgentTest, TheNetworkIsSavedAndAppliedAgainAtStart) {
    GuestNetwork net;
    net.address = "10.77.0.5";
    net.prefix = 24;
    net.gateway = "10.77.0.1";
    net.dns = {"10.77.0.1"};
    client().configure_network(net);
    const auto saved = nlohmann::json::parse(read_file(sandbox() / "etc/minions/network.json"));
    EXPECT_EQ(saved["address"], "10.77.0.5");

    std::filesystem::remove_all(sandbox() / ".record");
    restart_agent();
    const auto applied = nlohmann::json::parse(recorded("network.json"));
    EXPECT_EQ(applied["address"], "10.77.0.5");
    EXPECT_EQ(applied["prefix"], 24);
    EXPECT_EQ(applied["gateway"], "10.77.0.1");
    EXPECT_EQ(recorded("resolv.conf"), "# written by minions-agent\nnameserver 10.77.0.1\n");
}

TEST_F(AgentTest, TheHostnameIsSavedAndAppliedAgainAtStart) {
    client().set_hostname("web-01");
    EXPECT_EQ(read_file(sandbox() / "etc/hostname"), "web-01\n");
    std::filesystem::remove_all(sandbox() / ".record");
    restart_agent();
    EXPECT_EQ(client().status()["hostname"], "web-01");
}

TEST_F(AgentTest, NothingSavedMeansNothingAppliedAtStart) {
    restart_agent();
    EXPECT_EQ(recorded("network.json"), "");
    EXPECT_EQ(recorded("hostname"), "");
}

TEST_F(AgentTest, ABrokenSavedNetworkDoesNotStopTheAgent) {
    std::filesystem::create_directories(sandbox() / "etc/minions");
    std::ofstream(sandbox() / "etc/minions/network.json") << "{\"address\": \"not an address\"}";
    restart_agent();
    EXPECT_EQ(client().health()["ok"], true);
    EXPECT_EQ(recorded("network.json"), "");
}

}  // namespace
}  // namespace minions::agent::testing
