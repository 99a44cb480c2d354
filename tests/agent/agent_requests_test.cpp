// Every non-exec, non-file request, through the real client, against the real
// agent binary in host test mode.
#include <gtest/gtest.h>

#include <thread>

#include "agent/agent_fixture.hpp"
#include "core/error.hpp"

namespace minions::agent::testing {
namespace {

using namespace std::chrono_literals;

TEST_F(AgentTest, HealthReportsVersionAndUptime) {
    const auto h = client().health();
    EXPECT_EQ(h["ok"], true);
    ASSERT_TRUE(h["version"].is_string());
    EXPECT_FALSE(h["version"].get<std::string>().empty());
    ASSERT_TRUE(h["uptime_s"].is_number());
    EXPECT_GE(h["uptime_s"].get<double>(), 0.0);
}

TEST_F(AgentTest, ConfigureNetworkIsRecordedNotApplied) {
    GuestNetwork net;
    net.address = "10.77.0.5";
    net.prefix = 16;
    net.gateway = "10.77.0.1";
    net.dns = {"10.77.0.1", "9.9.9.9"};
    client().configure_network(net);

    const auto recorded_net = nlohmann::json::parse(recorded("network.json"));
    EXPECT_EQ(recorded_net["interface"], "eth0");
    EXPECT_EQ(recorded_net["address"], "10.77.0.5");
    EXPECT_EQ(recorded_net["prefix"], 16);
    EXPECT_EQ(recorded_net["gateway"], "10.77.0.1");
    EXPECT_EQ(recorded_net["dns"], nlohmann::json({"10.77.0.1", "9.9.9.9"}));
    const auto resolv = recorded("resolv.conf");
    EXPECT_NE(resolv.find("nameserver 10.77.0.1\n"), std::string::npos) << resolv;
    EXPECT_NE(resolv.find("nameserver 9.9.9.9\n"), std::string::npos) << resolv;
}

TEST_F(AgentTest, ConfigureNetworkRejectsABadAddress) {
    GuestNetwork net;
    net.address = "10.77.0.999";
    try {
        client().configure_network(net);
        FAIL() << "accepted a bad address";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::AgentFailed);
        EXPECT_NE(std::string(e.what()).find("10.77.0.999"), std::string::npos) << e.what();
    }
    EXPECT_EQ(recorded("network.json"), "");
}

TEST_F(AgentTest, ConfigureNetworkRejectsAPrefixOver32) {
    GuestNetwork net;
    net.address = "10.0.0.2";
    net.prefix = 33;
    EXPECT_THROW(client().configure_network(net), Error);
}

TEST_F(AgentTest, StatusFieldsArePresentAndSane) {
    const auto s = client().status();
    for (const char* key : {"uptime_s", "load1", "memory_total_kb", "memory_available_kb", "disk_total_kb",
                            "disk_free_kb", "hostname"}) {
        EXPECT_TRUE(s.contains(key)) << key;
    }
    EXPECT_GT(s["memory_total_kb"].get<uint64_t>(), 0u);
    EXPECT_LE(s["memory_available_kb"].get<uint64_t>(), s["memory_total_kb"].get<uint64_t>());
    EXPECT_GT(s["disk_total_kb"].get<uint64_t>(), 0u);
    EXPECT_LE(s["disk_free_kb"].get<uint64_t>(), s["disk_total_kb"].get<uint64_t>());
    EXPECT_GE(s["load1"].get<double>(), 0.0);
    // Confined, uptime is the agent's own (it restarts like a guest would), so 0 is fine.
    EXPECT_TRUE(s["uptime_s"].is_number_unsigned());
    EXPECT_FALSE(s["hostname"].get<std::string>().empty());
}

TEST_F(AgentTest, SyncSucceeds) { EXPECT_NO_THROW(client().sync()); }

TEST_F(AgentTest, FreezeAndThawAreRecordedAndThawTwiceIsSafe) {
    client().freeze();
    auto log = recorded("freeze.log");
    EXPECT_NE(log.find("freeze /\n"), std::string::npos) << log;
    client().thaw();
    EXPECT_NO_THROW(client().thaw());
    log = recorded("freeze.log");
    EXPECT_NE(log.find("thaw / (thaw)"), std::string::npos) << log;
    // Thawed once: the second thaw had nothing to do.
    EXPECT_EQ(log.find("thaw / (thaw)"), log.rfind("thaw / (thaw)")) << log;
}

TEST_F(AgentTest, FreezeThawsOnItsOwnAfterTheDeadline) {
    const auto r = client().call({{"op", "freeze"}, {"auto_thaw_ms", 200}});
    EXPECT_EQ(r["frozen"].front(), "/");
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (recorded("freeze.log").find("auto-thaw") == std::string::npos && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_NE(recorded("freeze.log").find("thaw / (auto-thaw)"), std::string::npos) << recorded("freeze.log");
    // Nothing left to thaw.
    EXPECT_TRUE(client().call({{"op", "thaw"}})["thawed"].empty());
}

TEST_F(AgentTest, SetHostnameIsRecordedAndReportedByStatus) {
    client().set_hostname("web-01");
    EXPECT_EQ(recorded("hostname"), "web-01\n");
    EXPECT_EQ(client().status()["hostname"], "web-01");
}

TEST_F(AgentTest, SetHostnameRejectsAnInvalidName) {
    for (const std::string& bad : std::vector<std::string>{"", "-web", "web_01", "a b", std::string(65, 'a')}) {
        EXPECT_THROW(client().set_hostname(bad), Error) << bad;
    }
    EXPECT_EQ(recorded("hostname"), "");
}

TEST_F(AgentTest, UnknownOpIsAgentFailed) {
    try {
        client().call({{"op", "reboot_the_moon"}});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::AgentFailed);
        EXPECT_NE(std::string(e.what()).find("unknown op 'reboot_the_moon'"), std::string::npos) << e.what();
    }
}

TEST_F(AgentTest, ConnectionsAreServedConcurrently) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> calls;
    std::atomic<int> ok{0};
    for (int i = 0; i < 4; ++i) {
        calls.emplace_back([&] {
            if (client().exec("sleep", {"0.5"}).exit_code == 0) ++ok;
        });
    }
    for (auto& t : calls) t.join();
    EXPECT_EQ(ok, 4);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1900ms);
}

}  // namespace
}  // namespace minions::agent::testing
