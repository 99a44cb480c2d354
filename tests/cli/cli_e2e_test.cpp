// The `minions` binary end to end against the real minionsd on the private
// bus: every command in local mode (D-Bus) and remote mode (minions-rest),
// the same JSON from both, a wrong token, and progress shown on a terminal
// but not into a pipe.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>

#include "cli/terminal.hpp"
#include "contract/contract.hpp"
#include "minions/version.hpp"
#include "rest/rest_server_fixture.hpp"
#include "service/service_fixture.hpp"

namespace minions::test {
namespace {

using nlohmann::json;

const std::string kToken = "cli-e2e-token";
constexpr const char* kKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@minions";

enum class Mode { Local, Remote };

class CliEndToEnd : public ServiceTest, public ::testing::WithParamInterface<Mode> {
protected:
    static void SetUpTestSuite() {
        ServiceTest::SetUpTestSuite();
        server_ = new RestServer({"--bus", "system"}, {{"MINIONS_API_KEY", kToken}});
        key_file_ = root() / "id_test.pub";
        std::ofstream(key_file_) << kKey << "\n";
    }
    static void TearDownTestSuite() {
        delete server_;
        ServiceTest::TearDownTestSuite();
    }

    static std::vector<std::string> mode_args(Mode mode) {
        if (mode == Mode::Local) return {};
        return {"--host", server_->url(), "--token", kToken};
    }

    // `minions --json <args>` in the parameter's mode; stdout parsed.
    // The output is checked against docs/openapi.yaml: the command's own
    // schema on success, Error on failure.
    static std::pair<int, json> minions_json(Mode mode, std::vector<std::string> args) {
        auto command =
            std::find_if(args.begin(), args.end(), [](const std::string& a) { return a.rfind('-', 0) != 0; });
        std::string name = command == args.end() ? "" : *command;
        auto r = minions(mode, {"--json"}, std::move(args));
        auto parsed = json::parse(r.out, nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << "stdout: " << r.out << " stderr: " << r.err;
        if (auto schema = json_schema_of(name, r.exit_code, parsed); !schema.empty()) {
            EXPECT_TRUE(contract::expect_schema(schema, r.out))
                << "minions --json " << name << " (exit " << r.exit_code << "), stderr: " << r.err;
        }
        return {r.exit_code, parsed};
    }

    // components/schemas of docs/openapi.yaml that `minions --json <command>`
    // prints. exec passes the guest's exit code through, so there a failure
    // is known by its shape; `version` prints no API object.
    static std::string json_schema_of(const std::string& command, int exit_code, const json& out) {
        static const std::map<std::string, std::string> kSchemas{
            {"list", "VmList"},       {"info", "Vm"},         {"create", "Vm"},       {"start", "Vm"},
            {"stop", "Vm"},           {"restart", "Vm"},      {"cp", "Vm"},           {"rename", "Message"},
            {"destroy", "Message"},   {"exec", "ExecResult"}, {"status", "AgentStatus"}, {"logs", "Logs"},
        };
        if (command == "version") return "";
        if (command == "exec") return out.is_object() && out.contains("error") ? "Error" : "ExecResult";
        if (exit_code != 0) return "Error";
        auto schema = kSchemas.find(command);
        if (schema != kSchemas.end()) return schema->second;
        ADD_FAILURE() << "no schema known for minions --json " << command;
        return "";
    }

    static ProcessResult minions(Mode mode, std::vector<std::string> before, std::vector<std::string> args) {
        std::vector<std::string> argv{kCliBinary};
        argv.insert(argv.end(), before.begin(), before.end());
        auto extra = mode_args(mode);
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.insert(argv.end(), args.begin(), args.end());
        return run_process(argv, {{"HOME", root().string()}, {"MINIONS_API_KEY", ""}}, std::chrono::seconds(300));
    }

    static RestServer* server_;
    static std::filesystem::path key_file_;
};

RestServer* CliEndToEnd::server_ = nullptr;
std::filesystem::path CliEndToEnd::key_file_;

TEST_P(CliEndToEnd, EveryCommandAnswersInTheSeedsShapes) {
    Mode mode = GetParam();
    auto [code, vm] = minions_json(mode, {"create", "web", "--ssh-key", key_file_.string()});
    ASSERT_EQ(code, 0) << vm;
    EXPECT_EQ(vm["name"], "web");
    EXPECT_EQ(vm["status"], "running");
    for (const char* key : {"name", "status", "ip", "cpus", "memory_mb", "pid"}) EXPECT_TRUE(vm.contains(key)) << key;

    auto [list_code, list] = minions_json(mode, {"list"});
    EXPECT_EQ(list_code, 0);
    ASSERT_TRUE(list.is_array());
    EXPECT_EQ(list.size(), 1u);

    EXPECT_EQ(minions_json(mode, {"info", "web"}).second, vm);
    EXPECT_EQ(minions_json(mode, {"restart", "web"}).second["status"], "running");

    auto [exec_code, exec] = minions_json(mode, {"exec", "web", "--", "sh", "-c", "echo hi; exit 7"});
    EXPECT_EQ(exec_code, 7);  // the guest's exit code
    EXPECT_EQ(exec, (json{{"exit_code", 7}, {"stdout", "hi\n"}, {"stderr", ""}}));

    EXPECT_TRUE(minions_json(mode, {"status", "web"}).second.contains("uptime_s"));
    EXPECT_TRUE(minions_json(mode, {"logs", "web"}).second["logs"].is_string());

    auto [cp_code, copy] = minions_json(mode, {"cp", "web", "web2", "--ssh-key", key_file_.string()});
    EXPECT_EQ(cp_code, 0) << copy;
    EXPECT_EQ(copy["name"], "web2");

    auto [stop_code, stopped] = minions_json(mode, {"stop", "web", "--force"});
    EXPECT_EQ(stop_code, 0) << stopped;
    EXPECT_EQ(stopped["status"], "stopped");
    EXPECT_TRUE(stopped["pid"].is_null());

    EXPECT_EQ(minions_json(mode, {"rename", "web", "prod"}).second, (json{{"message", "VM 'web' renamed to 'prod'"}}));
    EXPECT_EQ(minions_json(mode, {"start", "prod"}).second["status"], "running");
    EXPECT_EQ(minions_json(mode, {"destroy", "prod"}).second, (json{{"message", "VM 'prod' destroyed"}}));
}

TEST_P(CliEndToEnd, ErrorsUseTheTablesExitCodesAndHints) {
    Mode mode = GetParam();
    auto [code, body] = minions_json(mode, {"info", "nosuch"});
    EXPECT_EQ(code, 3);
    ASSERT_TRUE(body.is_object());
    EXPECT_TRUE(body["error"].is_string());

    minions_json(mode, {"create", "web", "--ssh-key", key_file_.string()});
    auto human = minions(mode, {}, {"rename", "web", "prod"});
    EXPECT_EQ(human.exit_code, 5);
    EXPECT_TRUE(human.out.empty());
    EXPECT_NE(human.err.find("error: "), std::string::npos) << human.err;
    // The service's message already says how; the hint does not repeat it.
    EXPECT_NE(human.err.find("minions stop web"), std::string::npos) << human.err;
    EXPECT_EQ(human.err.find("hint:"), std::string::npos) << human.err;
}

TEST_P(CliEndToEnd, HumanListIsATable) {
    Mode mode = GetParam();
    minions_json(mode, {"create", "web", "--ssh-key", key_file_.string()});
    auto r = minions(mode, {}, {"list"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out.rfind("NAME", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("web"), std::string::npos);
    EXPECT_NE(r.out.find("running"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(BothModes, CliEndToEnd, ::testing::Values(Mode::Local, Mode::Remote),
                         [](const ::testing::TestParamInfo<Mode>& param) { return param.param == Mode::Local ? "Local" : "Remote"; });

using CliExtras = CliEndToEnd;

TEST_F(CliExtras, LocalAndRemoteJsonAreTheSame) {
    minions_json(Mode::Local, {"create", "web", "--ssh-key", key_file_.string()});
    EXPECT_EQ(minions_json(Mode::Local, {"list"}).second, minions_json(Mode::Remote, {"list"}).second);
    EXPECT_EQ(minions_json(Mode::Local, {"info", "web"}).second, minions_json(Mode::Remote, {"info", "web"}).second);
}

TEST_F(CliExtras, WrongTokenExits9) {
    auto r = run_process({kCliBinary, "--host", server_->url(), "--token", "wrong", "list"},
                         {{"HOME", root().string()}, {"MINIONS_API_KEY", ""}});
    EXPECT_EQ(r.exit_code, 9);
    EXPECT_NE(r.err.find("hint: pass --token-file"), std::string::npos) << r.err;
}

TEST_P(CliEndToEnd, VersionNamesTheClientAndTheServer) {
    Mode mode = GetParam();
    auto [code, body] = minions_json(mode, {"version"});
    ASSERT_EQ(code, 0) << body;
    EXPECT_EQ(body["client"], (json{{"version", kVersion}}));
    EXPECT_EQ(body["server"]["version"], kVersion);  // minionsd's Version property, or the bridge's
    EXPECT_EQ(body["server"].contains("api_version"), mode == Mode::Remote) << body;
    // Remotely `server` is GET /api's answer, as the document describes it.
    if (mode == Mode::Remote) {
        EXPECT_TRUE(contract::expect_schema("ApiVersion", body["server"].dump()));
    }
    auto human = minions(mode, {}, {"version"});
    EXPECT_EQ(human.exit_code, 0) << human.err;
    EXPECT_EQ(human.out.rfind(std::string("client: minions ") + kVersion + "\nserver: " + kVersion, 0), 0u)
        << human.out;
}

TEST_F(CliExtras, TokenFileFromTheUserConfigFileIsUsed) {
    std::filesystem::create_directories(root() / ".config/minions");
    std::ofstream(root() / ".config/minions/token") << kToken << "\n";
    std::filesystem::permissions(root() / ".config/minions/token",
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::ofstream(root() / ".config/minions/config") << "token_file = ~/.config/minions/token\n";
    auto r = run_process({kCliBinary, "--json", "--host", server_->url(), "list"},
                         {{"HOME", root().string()}, {"MINIONS_API_KEY", ""}});
    std::filesystem::remove(root() / ".config/minions/config");
    std::filesystem::remove(root() / ".config/minions/token");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(json::parse(r.out).is_array());
}

TEST_F(CliExtras, HostFromTheUserConfigFileMakesRemoteTheDefault) {
    std::filesystem::create_directories(root() / ".config/minions");
    std::ofstream(root() / ".config/minions/config") << "host = " << server_->url() << "\ntoken = wrong\n";
    auto remote = run_process({kCliBinary, "list"}, {{"HOME", root().string()}, {"MINIONS_API_KEY", ""}});
    auto local = run_process({kCliBinary, "--host", "", "list"}, {{"HOME", root().string()}, {"MINIONS_API_KEY", ""}});
    std::filesystem::remove(root() / ".config/minions/config");
    EXPECT_EQ(remote.exit_code, 9) << remote.err;  // the bridge refused the config's token
    EXPECT_EQ(local.exit_code, 0) << local.err;
}

TEST_F(CliExtras, TokenFromTheUserConfigFileIsUsed) {
    std::filesystem::create_directories(root() / ".config/minions");
    std::ofstream(root() / ".config/minions/config") << "# test\ntoken = " << kToken << "\n";
    auto r = run_process({kCliBinary, "--json", "--host", server_->url(), "list"},
                         {{"HOME", root().string()}, {"MINIONS_API_KEY", ""}});
    std::filesystem::remove(root() / ".config/minions/config");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(json::parse(r.out).is_array());
}

TEST_F(CliExtras, ProgressIsShownOnATerminal) {
    // A create long enough for a person to want progress (the double's guest
    // takes 1.5 s to boot), so the display has something to show.
    restart_daemon_with({{"MINIONS_CH_DOUBLE_BOOT_MS", "1500"}});
    setenv("HOME", root().c_str(), 1);
    TerminalSession r = run_on_terminal({kCliBinary, "create", "web", "--ssh-key", key_file_.string()});
    restart_daemon_with({});
    EXPECT_EQ(r.exit_code, 0) << r.screen;
    // Rewritten in place: carriage return, clear-line, phase.
    EXPECT_NE(r.screen.find("\r\033[KCreating web: creating ("), std::string::npos) << r.screen;
    EXPECT_NE(r.screen.find("Created VM 'web'"), std::string::npos) << r.screen;
}

TEST_F(CliExtras, NoProgressIntoAPipeOrWithJson) {
    auto piped = minions(Mode::Local, {}, {"create", "web", "--ssh-key", key_file_.string()});
    EXPECT_EQ(piped.exit_code, 0) << piped.err;
    EXPECT_EQ(piped.err.find('\r'), std::string::npos);
    EXPECT_EQ(piped.out.find('\r'), std::string::npos);
    auto json_on_terminal = run_on_terminal({kCliBinary, "--json", "restart", "web"});
    EXPECT_EQ(json_on_terminal.exit_code, 0);
    EXPECT_EQ(json_on_terminal.screen.find("Restarting"), std::string::npos) << json_on_terminal.screen;
}

}  // namespace
}  // namespace minions::test
