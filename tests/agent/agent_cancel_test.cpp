// cancel and concurrency on one connection: a request the host gave up on
// stops in the guest (its process group killed, its freeze thawed, or, not
// yet arrived, never run), and a long request never holds up a quick one.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "agent/agent_fixture.hpp"
#include "core/error.hpp"
#include "protocol/protocol.hpp"

namespace minions::agent::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Writes its pid, then becomes `sleep 30` under that same pid.
const nlohmann::json kSleeper = {{"op", "exec"}, {"command", "sh"},
                                 {"args", {"-c", "echo $$ > sleeper.pid; exec sleep 30"}}, {"timeout_ms", 60000}};

// The pid the sleeper wrote into the sandbox, once it did (-1 if never).
pid_t wait_for_pid(const std::filesystem::path& file, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        const std::string text = read_file(file);
        if (!text.empty() && text.back() == '\n') return std::stoi(text);
        std::this_thread::sleep_for(10ms);
    }
    return -1;
}

nlohmann::json with_id(nlohmann::json request, uint64_t id) {
    request["id"] = id;
    return request;
}

TEST_F(AgentTest, HealthAnnouncesProtocolTwoAndCancel) {
    const auto h = client().health();
    EXPECT_EQ(h["protocol"], 2);
    ASSERT_TRUE(h["capabilities"].is_array());
    const auto& caps = h["capabilities"];
    EXPECT_NE(std::find(caps.begin(), caps.end(), "cancel"), caps.end()) << h.dump();
}

TEST_F(AgentTest, CancelKillsARunningExecAndAnswersIt) {
    const int fd = connect_raw(socket());
    send_raw(fd, protocol::encode_frame(with_id(kSleeper, 100)));
    const pid_t pid = wait_for_pid(sandbox() / "sleeper.pid");
    ASSERT_GT(pid, 0) << "the exec never started";

    // From another connection, as a host that lost the first one would.
    const int other = connect_raw(socket());
    send_raw(other, protocol::encode_frame({{"id", 101}, {"op", "cancel"}, {"target", 100}}));
    const auto ack = read_answer(other, 101);
    ASSERT_TRUE(ack);
    EXPECT_EQ((*ack)["ok"], true);
    EXPECT_EQ((*ack)["running"], true);

    const auto answer = read_answer(fd, 100, 3s);
    ASSERT_TRUE(answer) << "the cancelled exec was never answered";
    EXPECT_EQ((*answer)["ok"], false);
    EXPECT_EQ((*answer)["cancelled"], true);
    EXPECT_TRUE(gone_within(pid, 2s)) << "pid " << pid << " survived its cancel";
    ::close(other);
    ::close(fd);
}

TEST_F(AgentTest, ARequestCancelledBeforeItArrivesNeverRuns) {
    const int fd = connect_raw(socket());
    send_raw(fd, protocol::encode_frame({{"id", 1}, {"op", "cancel"}, {"target", 777}}));
    ASSERT_TRUE(read_answer(fd, 1));
    send_raw(fd, protocol::encode_frame(
                     {{"id", 777}, {"op", "exec"}, {"command", "touch"}, {"args", {"never-ran"}}}));
    const auto answer = read_answer(fd, 777);
    ASSERT_TRUE(answer);
    EXPECT_EQ((*answer)["ok"], false);
    EXPECT_EQ((*answer)["cancelled"], true);
    EXPECT_NE((*answer)["error"].get<std::string>().find("before it ran"), std::string::npos) << answer->dump();
    EXPECT_FALSE(std::filesystem::exists(sandbox() / "never-ran"));
    ::close(fd);
}

TEST_F(AgentTest, CancellingAFreezeThawsIt) {
    const int fd = connect_raw(socket());
    send_raw(fd, protocol::encode_frame({{"id", 50}, {"op", "freeze"}, {"auto_thaw_ms", 600000}}));
    const auto frozen = read_answer(fd, 50);
    ASSERT_TRUE(frozen && (*frozen)["ok"] == true) << (frozen ? frozen->dump() : "no answer");
    send_raw(fd, protocol::encode_frame({{"id", 51}, {"op", "cancel"}, {"target", 50}}));
    const auto ack = read_answer(fd, 51);
    ASSERT_TRUE(ack);
    EXPECT_EQ((*ack)["thawed"], true);
    EXPECT_NE(recorded("freeze.log").find("thaw / (cancelled)"), std::string::npos) << recorded("freeze.log");
    // Cancelling an older freeze leaves a newer one alone.
    send_raw(fd, protocol::encode_frame({{"id", 52}, {"op", "freeze"}}));
    ASSERT_TRUE(read_answer(fd, 52));
    send_raw(fd, protocol::encode_frame({{"id", 53}, {"op", "cancel"}, {"target", 50}}));
    EXPECT_EQ((*read_answer(fd, 53))["thawed"], false);
    ::close(fd);
}

TEST_F(AgentTest, AQuickRequestIsAnsweredWhileALongOneRunsOnTheSameConnection) {
    const int fd = connect_raw(socket());
    send_raw(fd, protocol::encode_frame(with_id(kSleeper, 10)) +
                     protocol::encode_frame({{"id", 11}, {"op", "exec"}, {"command", "echo"}, {"args", {"quick"}}}));
    const auto start = Clock::now();
    const auto quick = read_frame(fd, 5s);
    ASSERT_TRUE(quick) << "nothing answered while the sleeper ran";
    EXPECT_EQ((*quick)["id"], 11);
    EXPECT_EQ((*quick)["stdout"], "quick\n");
    EXPECT_LT(Clock::now() - start, 3s);
    ::close(fd);
}

// The client's side: a call it stops waiting for does not go on in the guest.
TEST_F(AgentTest, ACallThatTimesOutIsKilledInTheGuest) {
    const auto start = Clock::now();
    EXPECT_THROW(client(1s).call(kSleeper), Error);
    EXPECT_LT(Clock::now() - start, 4s);
    const pid_t pid = wait_for_pid(sandbox() / "sleeper.pid", 1s);
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(gone_within(pid, 2s)) << "pid " << pid << " outlived the call that started it";
}

// A connection that ends is a host that gave up on what it asked there.
TEST_F(AgentTest, AClosedConnectionCancelsItsRequests) {
    const int fd = connect_raw(socket());
    send_raw(fd, protocol::encode_frame(with_id(kSleeper, 20)));
    const pid_t pid = wait_for_pid(sandbox() / "sleeper.pid");
    ASSERT_GT(pid, 0);
    ::close(fd);
    EXPECT_TRUE(gone_within(pid, 2s)) << "pid " << pid << " outlived its connection";
}

}  // namespace
}  // namespace minions::agent::testing
