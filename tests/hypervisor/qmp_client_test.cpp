#include <gtest/gtest.h>

#include "core/error.hpp"
#include "fake_qmp.hpp"
#include "hypervisor/qmp_client.hpp"
#include "test_support.hpp"

using namespace minions;
using namespace minions::hv;
using hvtest::FakeQmp;
using hvtest::QmpAnswer;
using nlohmann::json;

namespace {

std::string message_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::HypervisorFailed);
        return e.what();
    }
    ADD_FAILURE() << "expected Error{HypervisorFailed}";
    return "";
}

}  // namespace

TEST(QmpClient, ReadsTheGreetingAndNegotiatesCapabilities) {
    hvtest::TempDir dir;
    FakeQmp server(dir / "qmp.sock", [](const json& r) { return QmpAnswer{{FakeQmp::reply(r, json::object())}}; });
    QmpClient client(dir / "qmp.sock");
    EXPECT_TRUE(client.greeting().contains("QMP"));
    EXPECT_EQ(server.commands(), std::vector<std::string>{"qmp_capabilities"});
}

TEST(QmpClient, ExecuteReturnsTheReturnValue) {
    hvtest::TempDir dir;
    FakeQmp server(dir / "qmp.sock", [](const json& r) {
        EXPECT_EQ(r["execute"], "query-status");
        return QmpAnswer{{FakeQmp::reply(r, {{"status", "running"}, {"running", true}})}};
    });
    QmpClient client(dir / "qmp.sock");
    auto result = client.execute("query-status");
    EXPECT_EQ(result["status"], "running");
    EXPECT_EQ(result["running"], true);
}

TEST(QmpClient, PassesArguments) {
    hvtest::TempDir dir;
    json seen;
    FakeQmp server(dir / "qmp.sock", [&](const json& r) {
        seen = r.value("arguments", json());
        return QmpAnswer{{FakeQmp::reply(r, json::object())}};
    });
    QmpClient(dir / "qmp.sock").execute("human-monitor-command", {{"command-line", "info status"}});
    EXPECT_EQ(seen["command-line"], "info status");
}

TEST(QmpClient, AnErrorAnswerThrowsWithQmpsDescription) {
    hvtest::TempDir dir;
    FakeQmp server(dir / "qmp.sock",
                   [](const json& r) { return QmpAnswer{{FakeQmp::error(r, "The command cont has not been found")}}; });
    QmpClient client(dir / "qmp.sock");
    auto message = message_of([&] { client.execute("cont"); });
    EXPECT_NE(message.find("The command cont has not been found"), std::string::npos) << message;
    EXPECT_NE(message.find("'cont'"), std::string::npos) << message;
}

TEST(QmpClient, SkipsEventsAndAnswersToOtherIds) {
    hvtest::TempDir dir;
    FakeQmp server(dir / "qmp.sock", [](const json& r) {
        return QmpAnswer{{FakeQmp::event("RESET"), FakeQmp::event("STOP"),
                          json{{"return", {{"status", "stale"}}}, {"id", 999999}}.dump(),
                          FakeQmp::reply(r, {{"status", "paused"}})}};
    });
    QmpClient client(dir / "qmp.sock");
    EXPECT_EQ(client.execute("query-status")["status"], "paused");
    EXPECT_EQ(client.execute("query-status")["status"], "paused");
}

TEST(QmpClient, AServerThatNeverAnswersTimesOutWithinTheDeadline) {
    hvtest::TempDir dir;
    FakeQmp server(dir / "qmp.sock", [](const json&) { return QmpAnswer{{}, true, false}; });
    QmpClient client(dir / "qmp.sock", std::chrono::milliseconds(300));
    auto start = std::chrono::steady_clock::now();
    auto message = message_of([&] { client.execute("query-status"); });
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, std::chrono::milliseconds(250));
    EXPECT_LT(took, std::chrono::seconds(2));
    EXPECT_NE(message.find("300 ms"), std::string::npos) << message;
}

TEST(QmpClient, APerCallDeadlineOverridesTheDefault) {
    hvtest::TempDir dir;
    FakeQmp server(dir / "qmp.sock", [](const json&) { return QmpAnswer{{}, true, false}; });
    QmpClient client(dir / "qmp.sock", std::chrono::seconds(30));
    auto start = std::chrono::steady_clock::now();
    message_of([&] { client.execute("query-status", nullptr, std::chrono::milliseconds(200)); });
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(QmpClient, AServerThatDiesMidCallIsAClearError) {
    hvtest::TempDir dir;
    FakeQmp server(dir / "qmp.sock", [](const json&) { return QmpAnswer{{}, false, true}; });
    QmpClient client(dir / "qmp.sock");
    auto start = std::chrono::steady_clock::now();
    auto message = message_of([&] { client.execute("system_reset"); });
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_NE(message.find("closed"), std::string::npos) << message;
    EXPECT_NE(message.find("system_reset"), std::string::npos) << message;
}

TEST(QmpClient, AMissingSocketIsAClearError) {
    hvtest::TempDir dir;
    auto message = message_of([&] { QmpClient client(dir / "qmp.sock"); });
    EXPECT_NE(message.find("cannot connect"), std::string::npos) << message;
    EXPECT_NE(message.find((dir / "qmp.sock").string()), std::string::npos) << message;
}

TEST(QmpClient, NoGreetingWithinTheDeadlineIsAnError) {
    hvtest::TempDir dir;
    // A listener that accepts and stays silent, like a wedged QEMU.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, (dir / "qmp.sock").c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(fd, 4), 0);
    auto message = message_of([&] { QmpClient client(dir / "qmp.sock", std::chrono::milliseconds(200)); });
    EXPECT_NE(message.find("greeting"), std::string::npos) << message;
    ::close(fd);
}

// A hostile VMM: QMP lines that would exhaust the daemon's stack or memory.
TEST(QmpClient, AReplyNestedTooDeepIsRefusedWithAShortMessage) {
    hvtest::TempDir dir;
    FakeQmp server(dir / "qmp.sock", [](const json& r) {
        if (r["execute"] == "qmp_capabilities") return QmpAnswer{{FakeQmp::reply(r, json::object())}};
        return QmpAnswer{{R"({"return":)" + std::string(100000, '[') + std::string(100000, ']') + "}"}};
    });
    QmpClient client(dir / "qmp.sock");
    auto message = message_of([&] { client.execute("query-status"); });
    EXPECT_NE(message.find("at most 64 levels"), std::string::npos) << message.substr(0, 300);
    EXPECT_LT(message.size(), 600u);
}

TEST(QmpClient, AnEndlessLineIsRefusedAtOneMebibyte) {
    hvtest::TempDir dir;
    FakeQmp server(dir / "qmp.sock", [](const json& r) {
        if (r["execute"] == "qmp_capabilities") return QmpAnswer{{FakeQmp::reply(r, json::object())}};
        return QmpAnswer{{std::string(3 << 20, ' ') + "x"}};
    });
    QmpClient client(dir / "qmp.sock");
    auto message = message_of([&] { client.execute("query-status"); });
    EXPECT_NE(message.find("sent a line over 1048576 bytes"), std::string::npos) << message.substr(0, 300);
}
