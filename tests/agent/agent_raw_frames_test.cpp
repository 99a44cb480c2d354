// Bytes the client would never send: every bad frame gets an {"ok": false}
// answer and the same connection keeps working.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

#include "agent/agent_fixture.hpp"
#include "protocol/protocol.hpp"

namespace minions::agent::testing {
namespace {

std::string header(uint32_t n) {
    return {static_cast<char>(n >> 24), static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 8) & 0xff),
            static_cast<char>(n & 0xff)};
}

std::string raw_frame(const std::string& body) { return header(static_cast<uint32_t>(body.size())) + body; }

class RawFrames : public AgentTest {
protected:
    void SetUp() override {
        AgentTest::SetUp();
        fd_ = connect_raw(socket());
    }
    void TearDown() override {
        ::close(fd_);
        AgentTest::TearDown();
    }

    // Sends `bytes`, expects an error answer containing `expected`.
    void expect_error(const std::string& bytes, const std::string& expected) {
        send_raw(fd_, bytes);
        const auto answer = read_frame(fd_);
        ASSERT_TRUE(answer) << "no answer";
        EXPECT_EQ((*answer)["ok"], false);
        EXPECT_NE((*answer)["error"].get<std::string>().find(expected), std::string::npos) << answer->dump();
    }

    // The same connection still answers health.
    void expect_still_usable() {
        send_raw(fd_, protocol::encode_frame({{"id", 4242}, {"op", "health"}}));
        const auto answer = read_frame(fd_);
        ASSERT_TRUE(answer) << "connection no longer answers";
        EXPECT_EQ((*answer)["id"], 4242);
        EXPECT_EQ((*answer)["ok"], true);
    }

    int fd_ = -1;
};

TEST_F(RawFrames, MalformedJsonIsAnswered) {
    expect_error(raw_frame("{\"op\": \"health\""), "not valid JSON");
    expect_still_usable();
}

TEST_F(RawFrames, NonObjectJsonIsAnswered) {
    expect_error(raw_frame("[\"health\"]"), "not an object");
    expect_still_usable();
}

TEST_F(RawFrames, UnknownOpIsAnsweredWithItsId) {
    send_raw(fd_, protocol::encode_frame({{"id", 5}, {"op", "explode"}}));
    const auto answer = read_frame(fd_);
    ASSERT_TRUE(answer);
    EXPECT_EQ((*answer)["id"], 5);
    EXPECT_EQ((*answer)["ok"], false);
    expect_still_usable();
}

TEST_F(RawFrames, MissingOpIsAnswered) {
    expect_error(protocol::encode_frame({{"id", 6}}), "missing field 'op'");
    expect_still_usable();
}

TEST_F(RawFrames, MissingFieldsAreAnswered) {
    expect_error(protocol::encode_frame({{"id", 7}, {"op", "write_file"}, {"content", "x"}}), "missing field 'path'");
    expect_error(protocol::encode_frame({{"id", 8}, {"op", "exec"}}), "missing field 'command'");
    expect_error(protocol::encode_frame({{"id", 9}, {"op", "exec"}, {"command", 12}}), "must be a string");
    expect_error(protocol::encode_frame({{"id", 10}, {"op", "set_hostname"}}), "missing field 'hostname'");
    expect_error(protocol::encode_frame({{"id", 11}, {"op", "configure_network"}}), "missing field 'address'");
    expect_still_usable();
}

TEST_F(RawFrames, OversizedFrameIsAnsweredAndItsBodySkipped) {
    const uint32_t size = protocol::kMaxFrameBytes + 1;
    send_raw(fd_, header(size));
    const auto answer = read_frame(fd_);
    ASSERT_TRUE(answer);
    EXPECT_EQ((*answer)["ok"], false);
    EXPECT_NE((*answer)["error"].get<std::string>().find("exceeds"), std::string::npos);
    // A body that looks like frames must not be taken for them.
    std::string body;
    const std::string decoy = protocol::encode_frame({{"id", 1}, {"op", "health"}});
    while (body.size() + decoy.size() <= size) body += decoy;
    body.resize(size, ' ');
    send_raw(fd_, body);
    expect_still_usable();
}

// Requests run concurrently, so answers come in the order they are ready.
TEST_F(RawFrames, SeveralFramesInOneWriteAreAllAnswered) {
    send_raw(fd_, protocol::encode_frame({{"id", 1}, {"op", "health"}}) + raw_frame("nope") +
                      protocol::encode_frame({{"id", 3}, {"op", "health"}}));
    std::map<std::string, nlohmann::json> by_id;
    for (int i = 0; i < 3; ++i) {
        const auto answer = read_frame(fd_);
        ASSERT_TRUE(answer) << "only " << i << " answers";
        by_id[(*answer)["id"].dump()] = *answer;
    }
    EXPECT_EQ(by_id["1"]["ok"], true);
    EXPECT_EQ(by_id["null"]["ok"], false);
    EXPECT_EQ(by_id["3"]["ok"], true);
}

}  // namespace
}  // namespace minions::agent::testing
