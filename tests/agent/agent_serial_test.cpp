// The agent behind a stand-in for QEMU's virtio-serial chardev: one stream
// per VM, one host connection at a time, and whatever a host did not read
// left for the next. Every call still gets its own answer and nothing else,
// and a call the host gave up on is stopped in the guest.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "agent/agent_fixture.hpp"
#include "agent/fake_serial.hpp"
#include "core/error.hpp"
#include "protocol/protocol.hpp"

namespace minions::agent::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class SerialAgentTest : public AgentTest {
protected:
    void SetUp() override {
        AgentTest::SetUp();
        serial_ = std::make_unique<FakeSerial>(scratch() / "serial.sock");
        restart_agent_with_serial();
    }
    void TearDown() override {
        AgentTest::TearDown();
        serial_.reset();
    }
    void restart_agent_with_serial() {
        stop_agent();
        start_agent(serial_->guest_fd());
    }

    Client serial_client(std::chrono::milliseconds timeout = 20s) const {
        return Client({Endpoint::Transport::Unix, serial_->socket(), 1024}, timeout);
    }
    ExecResult sh(const std::string& script, std::chrono::milliseconds call_timeout = 20s) const {
        return serial_client(call_timeout).exec("sh", {"-c", script});
    }

    std::unique_ptr<FakeSerial> serial_;
};

pid_t pid_in(const std::filesystem::path& file) {
    const std::string text = read_file(file);
    return !text.empty() && text.back() == '\n' ? std::stoi(text) : -1;
}

// What exec B runs: its output and a pid file, then `sleep 30` under that pid.
const nlohmann::json kB = {{"op", "exec"}, {"command", "sh"},
                           {"args", {"-c", "echo B-output; echo $$ > b.pid; exec sleep 30"}}, {"timeout_ms", 60000}};

TEST_F(SerialAgentTest, ACallOverTheSerialPortWorks) {
    EXPECT_EQ(sh("echo through the serial port").stdout_text, "through the serial port\n");
}

// The defect as seen on QEMU: B, given up on while it ran, answered C.
TEST_F(SerialAgentTest, ACallGivenUpOnIsKilledAndItsAnswerReachesNobody) {
    const auto start = Clock::now();
    EXPECT_THROW(serial_client(1s).call(kB), Error);
    EXPECT_LT(Clock::now() - start, 4s);
    const pid_t b = pid_in(sandbox() / "b.pid");
    ASSERT_GT(b, 0) << "B never ran";

    // C is neither stuck behind B's sleep nor handed B's answer.
    const auto c_start = Clock::now();
    const auto c = sh("echo C-output", 10s);
    EXPECT_EQ(c.stdout_text, "C-output\n");
    EXPECT_LT(Clock::now() - c_start, 3s);
    EXPECT_TRUE(gone_within(b, 2s)) << "B (pid " << b << ") outlived its cancel";
}

// A long, B that the host abandons while it waits for its turn at the port,
// C quick: A and C get their own output, and B runs nowhere afterwards.
TEST_F(SerialAgentTest, OverlappingCallsEachGetTheirOwnAnswer) {
    auto a = std::async(std::launch::async, [this] { return sh("echo $$ > a.pid; sleep 2; echo A-output"); });
    const auto deadline = Clock::now() + 5s;
    while (pid_in(sandbox() / "a.pid") < 0 && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
    ASSERT_GT(pid_in(sandbox() / "a.pid"), 0) << "A never started";

    auto b = std::async(std::launch::async, [this] {
        try {
            serial_client(500ms).call(kB);
            return std::string("B was answered");
        } catch (const Error& e) {
            return std::string(e.what());
        }
    });
    auto c = std::async(std::launch::async, [this] {
        std::this_thread::sleep_for(700ms);  // after B gave up
        return sh("echo C-output");
    });
    EXPECT_EQ(a.get().stdout_text, "A-output\n");
    EXPECT_NE(b.get().find("did not answer"), std::string::npos);
    EXPECT_EQ(c.get().stdout_text, "C-output\n");
    // B reached the guest with its cancel right behind it: refused, or killed at once.
    std::this_thread::sleep_for(300ms);
    const pid_t b_pid = pid_in(sandbox() / "b.pid");
    if (b_pid > 0) {
        EXPECT_TRUE(gone_within(b_pid, 2s)) << "B (pid " << b_pid << ") runs after its host gave up";
    }
}

TEST_F(SerialAgentTest, AnAnswerToAnotherCallIsIgnored) {
    serial_->leave_for_next_host(protocol::encode_frame({{"id", 1}, {"ok", true}, {"exit_code", 0},
                                                        {"stdout", "B-output\n"}, {"stderr", ""},
                                                        {"timed_out", false}, {"truncated", false}}));
    EXPECT_EQ(sh("echo C-output").stdout_text, "C-output\n");
}

// What QEMU leaves when a host stopped reading mid-answer: the tail of that
// frame, then (for a host that also sent half a request) anything.
TEST_F(SerialAgentTest, TheTailOfAnAnswerLeftInTheStreamIsSkipped) {
    const std::string stale = protocol::encode_frame(
        {{"id", 42}, {"ok", true}, {"stdout", std::string(5000, 'b')}, {"exit_code", 0}});
    for (std::size_t cut : {1u, 2u, 3u, 5u, 100u, 4999u}) {
        serial_->leave_for_next_host(stale.substr(cut));
        EXPECT_EQ(sh("echo C-output", 5s).stdout_text, "C-output\n") << "tail from byte " << cut;
    }
}

TEST_F(SerialAgentTest, AHostThatStopsReadingMidAnswerDoesNotBreakTheNext) {
    const int fd = connect_raw(serial_->socket());
    send_raw(fd, protocol::encode_frame({{"id", 5}, {"op", "exec"}, {"command", "sh"},
                                         {"args", {"-c", "head -c 600000 /dev/zero | tr '\\0' x"}}}));
    char some[100];
    ASSERT_EQ(::read(fd, some, sizeof some), static_cast<ssize_t>(sizeof some));
    ::close(fd);  // the rest of that answer stays in the port
    EXPECT_EQ(sh("echo C-output", 5s).stdout_text, "C-output\n");
}

TEST_F(SerialAgentTest, HalfARequestFromAHostThatDiedDoesNotSwallowTheNext) {
    const int fd = connect_raw(serial_->socket());
    const std::string request = protocol::encode_frame({{"id", 6}, {"op", "exec"}, {"command", "touch"},
                                                        {"args", {"half-request-ran"}}});
    send_raw(fd, request.substr(0, request.size() / 2));
    ::close(fd);
    EXPECT_EQ(sh("echo C-output", 5s).stdout_text, "C-output\n");
    EXPECT_FALSE(std::filesystem::exists(sandbox() / "half-request-ran"));
}

}  // namespace
}  // namespace minions::agent::testing
