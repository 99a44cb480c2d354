// The `minions` binary end to end against the real minionsd on the private
// bus: every command in local mode (D-Bus) and remote mode (minions-rest),
// the same JSON from both, a wrong token, and progress shown on a terminal
// but not into a pipe.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>

#include "cli/terminal.hpp"
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
    static std::pair<int, json> minions_json(Mode mode, std::vector<std::string> args) {
        auto r = minions(mode, {"--json"}, std::move(args));
        auto parsed = json::parse(r.out, nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << "stdout: " << r.out << " stderr: " << r.err;
        return {r.exit_code, parsed};
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
    EXPECT_NE(human.err.find("hint: stop it first: minions stop web"), std::string::npos) << human.err;
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

TEST_F(CliExtras, WrongTokenExits4) {
    auto r = run_process({kCliBinary, "--host", server_->url(), "--token", "wrong", "list"},
                         {{"HOME", root().string()}, {"MINIONS_API_KEY", ""}});
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_NE(r.err.find("hint: pass --token"), std::string::npos) << r.err;
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
