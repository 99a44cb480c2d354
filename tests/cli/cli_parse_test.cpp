// The command line's grammar: every command, global flags anywhere, help
// everywhere, usage errors as exit code 2 (JSON with --json).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "command_line.hpp"

using namespace minions::cli;

namespace {

Invocation parse_ok(const std::vector<std::string>& args) {
    auto parsed = parse_command_line(args);
    if (auto* early = std::get_if<EarlyExit>(&parsed)) {
        ADD_FAILURE() << "unexpected early exit: " << early->out << early->err;
        return {};
    }
    return std::get<Invocation>(parsed);
}

EarlyExit parse_early(const std::vector<std::string>& args) {
    auto parsed = parse_command_line(args);
    if (!std::holds_alternative<EarlyExit>(parsed)) {
        ADD_FAILURE() << "expected an early exit";
        return {};
    }
    return std::get<EarlyExit>(parsed);
}

}  // namespace

TEST(CliParse, CreateTakesNameCpusMemoryAndKey) {
    auto inv = parse_ok({"create", "web", "--cpus", "4", "--memory", "2048", "--ssh-key", "/k.pub"});
    EXPECT_EQ(inv.command, Command::Create);
    EXPECT_EQ(inv.name, "web");
    EXPECT_EQ(inv.cpus, 4u);
    EXPECT_EQ(inv.memory_mb, 2048u);
    EXPECT_EQ(inv.ssh_key_file, "/k.pub");
}

TEST(CliParse, EveryCommandIsKnown) {
    EXPECT_EQ(parse_ok({"list"}).command, Command::List);
    EXPECT_EQ(parse_ok({"info", "a"}).command, Command::Info);
    EXPECT_EQ(parse_ok({"start", "a"}).command, Command::Start);
    EXPECT_EQ(parse_ok({"stop", "a"}).command, Command::Stop);
    EXPECT_EQ(parse_ok({"restart", "a"}).command, Command::Restart);
    EXPECT_EQ(parse_ok({"rename", "a", "b"}).command, Command::Rename);
    EXPECT_EQ(parse_ok({"cp", "a"}).command, Command::Copy);
    EXPECT_EQ(parse_ok({"destroy", "a"}).command, Command::Destroy);
    EXPECT_EQ(parse_ok({"exec", "a", "--", "true"}).command, Command::Exec);
    EXPECT_EQ(parse_ok({"status", "a"}).command, Command::Status);
    EXPECT_EQ(parse_ok({"logs", "a"}).command, Command::Logs);
    EXPECT_EQ(parse_ok({"ssh", "a"}).command, Command::Ssh);
}

TEST(CliParse, StopTakesForceAndTimeout) {
    auto inv = parse_ok({"stop", "web", "--force", "--timeout", "5"});
    EXPECT_TRUE(inv.force);
    EXPECT_EQ(inv.global.timeout_s, 5u);
}

TEST(CliParse, StopWithoutTimeoutLeavesItToTheService) {
    // --force alone is graceful first, killing only after the service's own timeout.
    EXPECT_EQ(parse_ok({"stop", "web", "--force"}).global.timeout_s, std::nullopt);
    EXPECT_EQ(parse_ok({"stop", "web", "--force", "--timeout", "0"}).global.timeout_s, 0u);
}

TEST(CliParse, RenameAndCopyTakeTheirNames) {
    auto rename = parse_ok({"rename", "old", "new"});
    EXPECT_EQ(rename.name, "old");
    EXPECT_EQ(rename.new_name, "new");
    auto copy = parse_ok({"cp", "src"});
    EXPECT_EQ(copy.name, "src");
    EXPECT_EQ(copy.new_name, "");
    EXPECT_EQ(parse_ok({"cp", "src", "dst"}).new_name, "dst");
}

TEST(CliParse, ExecKeepsTheGuestCommandIncludingItsOwnFlags) {
    auto inv = parse_ok({"exec", "web", "--", "ls", "-l", "--json", "/"});
    EXPECT_EQ(inv.name, "web");
    EXPECT_EQ(inv.argv, (std::vector<std::string>{"ls", "-l", "--json", "/"}));
    EXPECT_FALSE(inv.global.json);  // after "--" it belongs to the guest
}

TEST(CliParse, GlobalFlagsWorkBeforeAndAfterTheCommand) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--json", "--host", "http://h:3000", "--token", "t", "list"},
             {"list", "--json", "--host", "http://h:3000", "--token", "t"},
             {"--json", "list", "--host", "http://h:3000", "--token", "t"}}) {
        auto inv = parse_ok(args);
        EXPECT_TRUE(inv.global.json);
        EXPECT_EQ(inv.global.host, "http://h:3000");
        EXPECT_EQ(inv.global.token, "t");
    }
}

TEST(CliParse, HelpWorksOnEveryCommand) {
    for (std::string command : {"create", "list", "info", "start", "stop", "restart", "rename", "cp", "destroy",
                                "exec", "status", "logs", "ssh", "version"}) {
        auto early = parse_early({command, "--help"});
        EXPECT_EQ(early.exit_code, 0) << command;
        EXPECT_NE(early.out.find("Usage"), std::string::npos) << command;
    }
    EXPECT_EQ(parse_early({"--help"}).exit_code, 0);
}

TEST(CliParse, CopyHelpSaysItCopiesAVmNotFiles) {
    auto early = parse_early({"cp", "--help"});
    EXPECT_NE(early.out.find("copies a VM, not files"), std::string::npos) << early.out;
}

TEST(CliParse, VersionPrintsTheVersion) {
    auto early = parse_early({"--version"});
    EXPECT_EQ(early.exit_code, 0);
    EXPECT_EQ(early.out.rfind("minions ", 0), 0u);
}

TEST(CliParse, UsageErrorsExitWith2) {
    EXPECT_EQ(parse_early({}).exit_code, 2);
    EXPECT_EQ(parse_early({"bogus"}).exit_code, 2);
    EXPECT_EQ(parse_early({"info"}).exit_code, 2);
    EXPECT_EQ(parse_early({"create", "web", "--cpus", "many"}).exit_code, 2);
    auto early = parse_early({"rename", "only-one"});
    EXPECT_EQ(early.exit_code, 2);
    EXPECT_TRUE(early.out.empty());
    EXPECT_NE(early.err.find("error:"), std::string::npos);
}

TEST(CliParse, UsageErrorWithJsonIsAnErrorObjectOnStdout) {
    auto early = parse_early({"--json", "info"});
    EXPECT_EQ(early.exit_code, 2);
    auto body = nlohmann::json::parse(early.out);
    ASSERT_TRUE(body.is_object());
    EXPECT_EQ(body.size(), 2u);
    EXPECT_TRUE(body["error"].is_string());
    EXPECT_EQ(body["code"], "invalid_argument");
    EXPECT_TRUE(early.err.empty());
}

TEST(CliParse, AnUnknownCommandIsNamedAndTheClosestSuggested) {
    auto early = parse_early({"strat", "web"});
    EXPECT_EQ(early.exit_code, 2);
    EXPECT_NE(early.err.find("unknown command 'strat'; did you mean 'start'?"), std::string::npos) << early.err;
    EXPECT_NE(parse_early({"rnam", "a", "b"}).err.find("did you mean 'rename'?"), std::string::npos);
    EXPECT_NE(parse_early({"restrat", "a"}).err.find("did you mean 'restart'?"), std::string::npos);
    EXPECT_NE(parse_early({"--host", "http://h:1", "destory", "a"}).err.find("did you mean 'destroy'?"),
              std::string::npos);
}

TEST(CliParse, AnUnknownCommandFarFromEveryCommandGetsNoSuggestion) {
    auto early = parse_early({"frobnicate"});
    EXPECT_EQ(early.exit_code, 2);
    EXPECT_NE(early.err.find("unknown command 'frobnicate'"), std::string::npos) << early.err;
    EXPECT_EQ(early.err.find("did you mean"), std::string::npos) << early.err;
    EXPECT_EQ(early.err.find("A subcommand is required"), std::string::npos) << early.err;
}

TEST(CliParse, AnUnknownCommandWithJsonIsAnInvalidArgument) {
    auto body = nlohmann::json::parse(parse_early({"--json", "strat", "web"}).out);
    EXPECT_EQ(body["code"], "invalid_argument");
    EXPECT_EQ(body["error"], "unknown command 'strat'; did you mean 'start'?");
}

TEST(CliParse, AGlobalOptionsValueIsNotTakenForTheCommand) {
    EXPECT_EQ(parse_ok({"--host", "list", "info", "web"}).command, Command::Info);
    EXPECT_EQ(parse_ok({"--token-file", "start", "list"}).global.token_file, "start");
}

TEST(CliParse, NoCommandSaysSo) {
    auto early = parse_early({"--json"});
    EXPECT_EQ(early.exit_code, 2);
    EXPECT_EQ(nlohmann::json::parse(early.out)["error"], "no command given");
}

TEST(CliParse, LsIsList) { EXPECT_EQ(parse_ok({"ls"}).command, Command::List); }

TEST(CliParse, HelpListsEveryCommand) {
    auto early = parse_early({"help"});
    EXPECT_EQ(early.exit_code, 0);
    for (const auto& name : command_names()) EXPECT_NE(early.out.find("  " + name), std::string::npos) << name;
    EXPECT_EQ(early.out, parse_early({"--help"}).out);
}

TEST(CliParse, HelpOfACommandIsThatCommandsHelp) {
    for (const auto& name : command_names()) {
        if (name == "help") continue;
        auto help = parse_early({"help", name});
        EXPECT_EQ(help.exit_code, 0) << name;
        EXPECT_EQ(help.out, parse_early({name, "--help"}).out) << name;
        EXPECT_NE(help.out.find("Usage: minions " + name), std::string::npos) << help.out;
    }
    EXPECT_EQ(parse_early({"--json", "help", "stop"}).out, parse_early({"stop", "--help"}).out);
}

TEST(CliParse, HelpOfAnUnknownCommandSuggestsTheClosest) {
    auto early = parse_early({"help", "strat"});
    EXPECT_EQ(early.exit_code, 2);
    EXPECT_NE(early.err.find("did you mean 'start'?"), std::string::npos) << early.err;
}

TEST(CliParse, EveryCommandsHelpShowsTheGlobalOptions) {
    for (const auto& name : command_names()) {
        if (name == "help") continue;
        auto out = parse_early({name, "--help"}).out;
        EXPECT_NE(out.find("Global options:"), std::string::npos) << name;
        for (std::string option : {"--json", "--host", "--token ", "--token-file"})
            EXPECT_NE(out.find("  " + option), std::string::npos) << name << ": " << option << "\n" << out;
    }
}

TEST(CliParse, ACommandsOwnOptionIsNotListedAgainAsGlobal) {
    auto out = parse_early({"stop", "--help"}).out;
    auto first = out.find("--timeout");
    ASSERT_NE(first, std::string::npos);
    EXPECT_EQ(out.find("--timeout", first + 1), std::string::npos) << out;
}

TEST(CliParse, HelpWarnsThatTheTokenIsVisibleInPs) {
    auto out = parse_early({"--help"}).out;
    auto token = out.find("--token TOKEN");
    ASSERT_NE(token, std::string::npos) << out;
    auto line = out.substr(token, out.find('\n', token) - token);
    EXPECT_NE(line.find("'ps'"), std::string::npos) << line;
    EXPECT_NE(line.find("--token-file"), std::string::npos) << line;
}

TEST(CliParse, TokenFileIsAGlobalOption) {
    EXPECT_EQ(parse_ok({"--token-file", "/t", "list"}).global.token_file, "/t");
    EXPECT_EQ(parse_ok({"list", "--token-file", "/t"}).global.token_file, "/t");
}

TEST(CliParse, TokenAndTokenFileExcludeEachOther) {
    auto early = parse_early({"--token", "a", "--token-file", "/t", "list"});
    EXPECT_EQ(early.exit_code, 2);
    EXPECT_NE(early.err.find("--token and --token-file"), std::string::npos) << early.err;
}

TEST(CliParse, VersionIsACommand) {
    EXPECT_EQ(parse_ok({"version"}).command, Command::Version);
    EXPECT_TRUE(parse_ok({"version", "--json", "--host", "http://h:3000"}).global.json);
    EXPECT_EQ(parse_early({"version", "extra"}).exit_code, 2);
}
