// The real `minions` binary with nothing behind it: remote mode against a
// minions-rest whose bus has no minionsd, local mode against a bare bus.
// Same output either way; exit codes from the table.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rest/rest_server_fixture.hpp"

using namespace minions::test;
using nlohmann::json;

namespace {

class CliBinary : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        bus_ = new BareBus();
        server_ = new RestServer({"--bus", bus_->address()}, {{"MINIONS_API_KEY", "tok"}});
    }
    static void TearDownTestSuite() {
        delete server_;
        delete bus_;
    }
    static ProcessResult minions(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
        args.insert(args.begin(), kCliBinary);
        env.emplace("HOME", "/nonexistent");  // no user config file, no SSH key
        env.emplace("MINIONS_API_KEY", "");
        return run_process(args, env);
    }
    static BareBus* bus_;
    static RestServer* server_;
};

BareBus* CliBinary::bus_ = nullptr;
RestServer* CliBinary::server_ = nullptr;

void expect_error_json(const ProcessResult& r) {
    auto body = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.out << r.err;
    EXPECT_EQ(body.size(), 1u);
    EXPECT_TRUE(body["error"].is_string());
}

}  // namespace

TEST_F(CliBinary, RemoteWrongTokenExits4WithAHint) {
    auto r = minions({"--host", server_->url(), "--token", "wrong", "list"});
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(r.err.find("error: missing or wrong bearer token"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("hint:"), std::string::npos);
}

TEST_F(CliBinary, RemoteWrongTokenWithJsonIsAnErrorObject) {
    auto r = minions({"list", "--json", "--host", server_->url(), "--token", "wrong"});
    EXPECT_EQ(r.exit_code, 4);
    expect_error_json(r);
    EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(CliBinary, RemoteTokenFromEnvironmentIsUsed) {
    auto r = minions({"--json", "--host", server_->url(), "info", "web"}, {{"MINIONS_API_KEY", "tok"}});
    EXPECT_EQ(r.exit_code, 1);  // past the token; no service behind the bridge
    expect_error_json(r);
    EXPECT_NE(r.out.find("org.minions.Manager"), std::string::npos) << r.out;
}

TEST_F(CliBinary, LocalModeWithoutTheServiceExits1AndSaysSo) {
    auto r = minions({"list"}, {{"DBUS_SYSTEM_BUS_ADDRESS", bus_->address()}});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("org.minions.Manager"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("hint: is the minions service installed and running?"), std::string::npos) << r.err;
}

TEST_F(CliBinary, RemoteModeWithoutTheServiceBehindTheBridgeSaysWhichPartIsMissing) {
    auto r = minions({"--host", server_->url(), "--token", "tok", "list"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("org.minions.Manager) is not available"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("hint: minions-rest answers but minionsd behind it does not"), std::string::npos) << r.err;
}

TEST_F(CliBinary, LocalAndRemoteJsonErrorsHaveTheSameShape) {
    auto local = minions({"--json", "info", "web"}, {{"DBUS_SYSTEM_BUS_ADDRESS", bus_->address()}});
    auto remote = minions({"--json", "--host", server_->url(), "--token", "tok", "info", "web"});
    EXPECT_EQ(local.exit_code, remote.exit_code);
    expect_error_json(local);
    expect_error_json(remote);
}

TEST_F(CliBinary, UnreachableHostExits1) {
    auto r = minions({"--host", "http://127.0.0.1:1", "--token", "t", "list"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("cannot reach"), std::string::npos) << r.err;
}

TEST_F(CliBinary, UsageErrorExits2) {
    EXPECT_EQ(minions({"rename", "a"}).exit_code, 2);
    EXPECT_EQ(minions({"frobnicate"}).exit_code, 2);
}

TEST_F(CliBinary, MissingSshKeyFileIsAnInvalidArgument) {
    auto r = minions({"--host", server_->url(), "--token", "tok", "create", "web", "--ssh-key", "/nonexistent.pub"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("/nonexistent.pub"), std::string::npos) << r.err;
}
