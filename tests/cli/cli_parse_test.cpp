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
                                "exec", "status", "logs", "ssh"}) {
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
    EXPECT_EQ(body.size(), 1u);
    EXPECT_TRUE(body["error"].is_string());
    EXPECT_TRUE(early.err.empty());
}
