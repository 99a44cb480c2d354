// The double's hybrid vsock, spoken by hand here so these tests stand on the
// reference (vsock.md) rather than on the agent client under test elsewhere.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <optional>

#include "ch_double_fixture.hpp"

using namespace minions;
using namespace minions::hv;
using hvtest::ChDoubleTest;
using nlohmann::json;

namespace {

class Conn {
public:
    explicit Conn(const std::filesystem::path& path) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~Conn() { ::close(fd_); }
    bool connected() const { return connected_; }
    void send(const std::string& bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
    // Reads `n` bytes, or fewer if the peer closes or 2 s pass.
    std::string read(std::size_t n) {
        std::string out;
        while (out.size() < n) {
            pollfd pfd{fd_, POLLIN, 0};
            if (::poll(&pfd, 1, 2000) <= 0) break;
            char buf[4096];
            ssize_t got = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
            if (got <= 0) break;
            out.append(buf, static_cast<std::size_t>(got));
        }
        return out;
    }
    std::string read_line() {
        std::string line;
        for (;;) {
            auto c = read(1);
            if (c.empty() || c == "\n") return line;
            line += c;
        }
    }

private:
    int fd_ = -1;
    bool connected_ = false;
};

std::string frame(const json& message) {
    auto body = message.dump();
    uint32_t n = static_cast<uint32_t>(body.size());
    std::string out{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                    static_cast<char>(n)};
    return out + body;
}

}  // namespace

class ChVsockTest : public ChDoubleTest {
protected:
    void start_with_agent() {
        ::setenv("MINIONS_CH_DOUBLE_AGENT", FAKE_AGENT_PATH, 1);
        ::setenv("MINIONS_CH_DOUBLE_REBOOT_MS", "400", 1);
        start_double();
        ::unsetenv("MINIONS_CH_DOUBLE_AGENT");
        ::unsetenv("MINIONS_CH_DOUBLE_REBOOT_MS");
    }

    // One health exchange over hybrid vsock; nullopt if the guest is unreachable.
    std::optional<json> health() {
        Conn conn(spec.socket_dir / "vsock.sock");
        if (!conn.connected()) return std::nullopt;
        conn.send("CONNECT 1024\n");
        auto ok = conn.read_line();
        if (ok.rfind("OK ", 0) != 0) return std::nullopt;
        conn.send(frame({{"id", 7}, {"op", "health"}}));
        auto head = conn.read(4);
        if (head.size() != 4) return std::nullopt;
        uint32_t n = (uint32_t(uint8_t(head[0])) << 24) | (uint32_t(uint8_t(head[1])) << 16) |
                     (uint32_t(uint8_t(head[2])) << 8) | uint32_t(uint8_t(head[3]));
        return json::parse(conn.read(n));
    }
};

TEST_F(ChVsockTest, ConnectToTheAgentPortAnswersOkAndRelaysFrames) {
    start_with_agent();
    Conn conn(spec.socket_dir / "vsock.sock");
    ASSERT_TRUE(conn.connected());
    conn.send("CONNECT 1024\n");
    auto ok = conn.read_line();
    EXPECT_EQ(ok.rfind("OK ", 0), 0u) << ok;
    EXPECT_GT(std::stoul(ok.substr(3)), 0u);
    auto reply = health();
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)["id"], 7);
    EXPECT_EQ((*reply)["ok"], true);
}

TEST_F(ChVsockTest, APortNobodyListensOnIsClosed) {
    start_with_agent();
    Conn conn(spec.socket_dir / "vsock.sock");
    conn.send("CONNECT 2222\n");
    EXPECT_EQ(conn.read_line(), "");
}

TEST_F(ChVsockTest, AMalformedHandshakeIsClosed) {
    start_with_agent();
    Conn conn(spec.socket_dir / "vsock.sock");
    conn.send("HELLO\n");
    EXPECT_EQ(conn.read_line(), "");
}

TEST_F(ChVsockTest, WithoutAnAgentTheGuestIsUnreachable) {
    start_double();
    EXPECT_FALSE(health());
}

TEST_F(ChVsockTest, RebootMakesTheAgentBrieflyUnreachableThenBackWithLowerUptime) {
    start_with_agent();
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    auto before = health();
    ASSERT_TRUE(before);
    api().put("vm.reboot");
    EXPECT_FALSE(health()) << "right after a hard reset the guest cannot answer";
    std::optional<json> after;
    ASSERT_TRUE(hvtest::eventually([&] { return (after = health()).has_value(); }));
    EXPECT_NE((*after)["pid"], (*before)["pid"]);
    EXPECT_LT((*after)["uptime_s"].get<double>(), (*before)["uptime_s"].get<double>());
}

TEST_F(ChVsockTest, APausedGuestDoesNotAnswerUntilResumed) {
    start_with_agent();
    ASSERT_TRUE(health());
    api().put("vm.pause");
    {
        Conn conn(spec.socket_dir / "vsock.sock");
        conn.send("CONNECT 1024\n");
        conn.read_line();
        conn.send(frame({{"id", 1}, {"op", "health"}}));
        EXPECT_EQ(conn.read(4), "") << "frozen vCPUs answer nothing";
    }
    api().put("vm.resume");
    EXPECT_TRUE(hvtest::eventually([&] { return health().has_value(); }));
}

TEST_F(ChVsockTest, ShutdownStopsTheAgentAndTheDoubleLeavesNoAgentBehind) {
    start_with_agent();
    ASSERT_TRUE(health());
    api().put("vm.shutdown");
    EXPECT_FALSE(health());
}
