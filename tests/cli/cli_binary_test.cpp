// The real `minions` binary with nothing behind it: remote mode against a
// minions-rest whose bus has no minionsd, local mode against a bare bus.
// Same output either way; exit codes from the table.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "contract/contract.hpp"
#include "minions/version.hpp"
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

// A --json failure is an Error of docs/openapi.yaml: {"error", "code"}, nothing else.
void expect_error_json(const ProcessResult& r) {
    auto body = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.out << r.err;
    EXPECT_TRUE(contract::expect_schema("Error", r.out)) << "stderr: " << r.err;
}

}  // namespace

TEST_F(CliBinary, RemoteWrongTokenExits9WithAHint) {
    auto r = minions({"--host", server_->url(), "--token", "wrong", "list"});
    EXPECT_EQ(r.exit_code, 9);
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(r.err.find("error: missing or wrong bearer token"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("hint:"), std::string::npos);
}

TEST_F(CliBinary, RemoteWrongTokenWithJsonIsAnErrorObject) {
    auto r = minions({"list", "--json", "--host", server_->url(), "--token", "wrong"});
    EXPECT_EQ(r.exit_code, 9);
    expect_error_json(r);
    EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(CliBinary, RemoteTokenFromEnvironmentIsUsed) {
    auto r = minions({"--json", "--host", server_->url(), "info", "web"}, {{"MINIONS_API_KEY", "tok"}});
    EXPECT_EQ(r.exit_code, 10);  // past the token; no service behind the bridge: unavailable
    expect_error_json(r);
    EXPECT_NE(r.out.find("org.minions.Manager"), std::string::npos) << r.out;
}

TEST_F(CliBinary, LocalModeWithoutTheServiceExits10AndSaysSo) {
    auto r = minions({"list"}, {{"DBUS_SYSTEM_BUS_ADDRESS", bus_->address()}});
    EXPECT_EQ(r.exit_code, 10);
    EXPECT_NE(r.err.find("org.minions.Manager"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("hint: is the minions service installed and running?"), std::string::npos) << r.err;
}

TEST_F(CliBinary, RemoteModeWithoutTheServiceBehindTheBridgeSaysWhichPartIsMissing) {
    auto r = minions({"--host", server_->url(), "--token", "tok", "list"});
    EXPECT_EQ(r.exit_code, 10);
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

TEST_F(CliBinary, UnreachableHostIsUnavailableWithAHintAboutTheUrl) {
    auto r = minions({"--host", "http://127.0.0.1:1", "--token", "t", "list"});
    EXPECT_EQ(r.exit_code, 10);
    EXPECT_NE(r.err.find("cannot reach"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("hint: check the URL given with --host"), std::string::npos) << r.err;
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

TEST_F(CliBinary, UnknownCommandSuggestsTheClosestAndExits2) {
    auto r = minions({"strat", "web"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(r.err.find("error: unknown command 'strat'; did you mean 'start'?"), std::string::npos) << r.err;
}

TEST_F(CliBinary, HelpOfACommandShowsItsOptionsAndTheGlobalOnes) {
    auto r = minions({"help", "create"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("--cpus"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--token-file"), std::string::npos) << r.out;
}

namespace {

// A token file in a fresh directory, with the given mode.
std::string token_file(const std::string& token, mode_t mode) {
    char dir_template[] = "/tmp/minions-token-XXXXXX";
    if (!mkdtemp(dir_template)) return "";
    std::string path = std::string(dir_template) + "/token";
    std::ofstream(path) << token << "\n";
    ::chmod(path.c_str(), mode);
    return path;
}

}  // namespace

TEST_F(CliBinary, RemoteTokenFromATokenFileIsUsed) {
    auto path = token_file("tok", 0600);
    auto r = minions({"--host", server_->url(), "--token-file", path, "list"});
    EXPECT_EQ(r.exit_code, 10) << r.err;  // past the token; no service behind the bridge
    EXPECT_EQ(r.err.find("bearer token"), std::string::npos) << r.err;
    std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST_F(CliBinary, ATokenFileOthersCanReadIsRefusedBeforeAnyRequest) {
    auto path = token_file("tok", 0644);
    auto r = minions({"--host", "http://127.0.0.1:1", "--token-file", path, "list"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("run: chmod 600 " + path), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("cannot reach"), std::string::npos) << r.err;
    auto json_form = minions({"--json", "--host", "http://127.0.0.1:1", "--token-file", path, "list"});
    EXPECT_EQ(json::parse(json_form.out)["code"], "invalid_argument") << json_form.out;
    std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST_F(CliBinary, VersionWithoutTheServicePrintsTheClientsVersionAndTheError) {
    auto r = minions({"version"}, {{"DBUS_SYSTEM_BUS_ADDRESS", bus_->address()}});
    EXPECT_EQ(r.exit_code, 10);
    EXPECT_EQ(r.out, std::string("client: minions ") + minions::kVersion + "\n");
    EXPECT_NE(r.err.find("error: the minions service (org.minions.Manager) is not available"), std::string::npos)
        << r.err;
}

TEST_F(CliBinary, VersionWithJsonWithoutTheServiceIsAnErrorObjectAndTheClientOnStderr) {
    auto r = minions({"version", "--json"}, {{"DBUS_SYSTEM_BUS_ADDRESS", bus_->address()}});
    EXPECT_EQ(r.exit_code, 10);
    auto body = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.out;
    EXPECT_EQ(body["code"], "unavailable");
    EXPECT_TRUE(body["error"].is_string());
    expect_error_json(r);
    EXPECT_EQ(r.err, std::string("client: minions ") + minions::kVersion + "\n");
}

TEST_F(CliBinary, VersionOfAnUnreachableHostExitsUnavailable) {
    auto r = minions({"--host", "http://127.0.0.1:1", "version"});
    EXPECT_EQ(r.exit_code, 10);
    EXPECT_EQ(r.out, std::string("client: minions ") + minions::kVersion + "\n");
}

TEST_F(CliBinary, RemoteVersionIsTheClientsAndWhatGetApiAnswers) {
    auto api = json::parse(http({"GET", server_->url("/api"), std::nullopt, {"Authorization: Bearer tok"}}).body,
                           nullptr, false);
    auto r = minions({"--json", "--host", server_->url(), "--token", "tok", "version"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    auto body = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.out;
    EXPECT_EQ(body["client"], (json{{"version", minions::kVersion}}));
    EXPECT_EQ(body["server"], api);
    EXPECT_TRUE(body["server"]["api_version"].is_string()) << r.out;
    EXPECT_TRUE(body["server"]["version"].is_string()) << r.out;

    auto human = minions({"--host", server_->url(), "--token", "tok", "version"});
    EXPECT_EQ(human.exit_code, 0);
    EXPECT_NE(human.out.find("server: " + api.value("version", "?") + " (API " + api.value("api_version", "?") + ")"),
              std::string::npos)
        << human.out;
}
