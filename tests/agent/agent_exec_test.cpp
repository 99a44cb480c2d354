// exec: argv only, exit codes, stdin, timeouts that kill, capped output.
#include <gtest/gtest.h>

#include "agent/agent_fixture.hpp"
#include "core/error.hpp"

namespace minions::agent::testing {
namespace {

using namespace std::chrono_literals;

TEST_F(AgentTest, ExecRunsUname) {
    const auto r = client().exec("uname", {"-a"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.stdout_text.find("Linux"), std::string::npos) << r.stdout_text;
    EXPECT_FALSE(r.timed_out);
    EXPECT_FALSE(r.truncated);
}

TEST_F(AgentTest, ExecPropagatesTheExitCode) {
    EXPECT_EQ(client().exec("false", {}).exit_code, 1);
    const auto r = client().exec("ls", {"/definitely/not/here"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_FALSE(r.stderr_text.empty());
}

TEST_F(AgentTest, ExecRunsInTheSandbox) {
    const auto r = client().exec("pwd", {});
    EXPECT_EQ(r.stdout_text, sandbox().string() + "\n");
}

TEST_F(AgentTest, ExecPassesArgumentsWithoutAShell) {
    const auto r = client().exec("echo", {"$HOME", "a;b", "*"});
    EXPECT_EQ(r.stdout_text, "$HOME a;b *\n");
}

TEST_F(AgentTest, ExecFeedsStdin) {
    const auto r = client().call({{"op", "exec"}, {"command", "cat"}, {"stdin", "from the host\n"}});
    EXPECT_EQ(r["stdout"], "from the host\n");
    EXPECT_EQ(r["exit_code"], 0);
}

TEST_F(AgentTest, ExecTimeoutKillsTheProcessFast) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = client().exec("sleep", {"30"}, 300ms);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(r.timed_out);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_LT(took, 3s);
}

TEST_F(AgentTest, ExecOutputIsCapped) {
    const auto r = client().exec("head", {"-c", "2000000", "/dev/zero"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(r.truncated);
    EXPECT_GT(r.stdout_text.size(), 0u);
    EXPECT_LE(r.stdout_text.size(), 256u * 1024);
    EXPECT_EQ(r.stdout_text.find_first_not_of('\0'), std::string::npos);
}

TEST_F(AgentTest, ExecOfAMissingProgramIsAgentFailed) {
    try {
        client().exec("no-such-program-minions", {});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::AgentFailed);
        EXPECT_NE(std::string(e.what()).find("no-such-program-minions"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace minions::agent::testing
