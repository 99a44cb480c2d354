// Every REST endpoint end to end: minions-rest → private system bus → the
// real minionsd (polkit, Cloud Hypervisor test double), as tests/service runs it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "rest/rest_server_fixture.hpp"
#include "service/service_fixture.hpp"

namespace minions::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kToken = "e2e-token";
constexpr const char* kKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@minions";

class RestEndToEnd : public ServiceTest {
protected:
    static void SetUpTestSuite() {
        ServiceTest::SetUpTestSuite();
        // DBUS_SYSTEM_BUS_ADDRESS points at the private bus while it lives.
        server_ = new RestServer({"--bus", "system"}, {{"MINIONS_API_KEY", kToken}});
    }
    static void TearDownTestSuite() {
        delete server_;
        ServiceTest::TearDownTestSuite();
    }

    static HttpResponse call(const std::string& method, const std::string& path,
                             std::optional<json> body = std::nullopt) {
        std::vector<std::string> headers{"Authorization: Bearer " + kToken};
        if (body) headers.push_back("Content-Type: application/json");
        return http({method, server_->url(path), body ? std::optional(body->dump()) : std::nullopt, headers});
    }
    static json body_of(const HttpResponse& r) { return json::parse(r.body); }

    static json create_vm(const std::string& name) {
        auto r = call("POST", "/api/vms", json{{"name", name}, {"ssh_key", kKey}});
        EXPECT_EQ(r.status, 201) << r.body;
        return body_of(r);
    }

    // The seed's VM object: these keys with these types, at least.
    static void expect_vm_shape(const json& vm) {
        ASSERT_TRUE(vm.is_object()) << vm;
        EXPECT_TRUE(vm["name"].is_string());
        EXPECT_TRUE(vm["status"].is_string());
        EXPECT_TRUE(vm["ip"].is_string());
        EXPECT_TRUE(vm["cpus"].is_number_integer());
        EXPECT_TRUE(vm["memory_mb"].is_number_integer());
        EXPECT_TRUE(vm.contains("pid"));
        EXPECT_TRUE(vm["pid"].is_null() || vm["pid"].is_number_integer());
    }

    static RestServer* server_;
};

RestServer* RestEndToEnd::server_ = nullptr;

TEST_F(RestEndToEnd, CreateAnswers201WithTheRunningVm) {
    auto vm = create_vm("web");
    expect_vm_shape(vm);
    EXPECT_EQ(vm["name"], "web");
    EXPECT_EQ(vm["status"], "running");
    EXPECT_EQ(vm["cpus"], 2);
    EXPECT_EQ(vm["memory_mb"], 1024);
    EXPECT_GT(vm["pid"].get<int64_t>(), 0);
}

TEST_F(RestEndToEnd, CreateWithTakenOrInvalidNameIs400) {
    create_vm("web");
    auto taken = call("POST", "/api/vms", json{{"name", "web"}});
    EXPECT_EQ(taken.status, 400);
    EXPECT_EQ(taken.headers.at("x-minions-error"), "org.minions.Error.AlreadyExists");
    auto invalid = call("POST", "/api/vms", json{{"name", "twelve-chars"}});
    EXPECT_EQ(invalid.status, 400);
    EXPECT_TRUE(body_of(invalid)["error"].is_string());
}

TEST_F(RestEndToEnd, ListIsAnArrayOfVmObjects) {
    EXPECT_EQ(body_of(call("GET", "/api/vms")), json::array());
    create_vm("web");
    auto r = call("GET", "/api/vms");
    EXPECT_EQ(r.status, 200);
    auto list = body_of(r);
    ASSERT_TRUE(list.is_array());
    ASSERT_EQ(list.size(), 1u);
    expect_vm_shape(list[0]);
    EXPECT_EQ(list[0]["name"], "web");
}

TEST_F(RestEndToEnd, GetAnswersTheVmAndUnknownIs404) {
    auto created = create_vm("web");
    auto r = call("GET", "/api/vms/web");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(body_of(r), created);
    auto missing = call("GET", "/api/vms/nosuch");
    EXPECT_EQ(missing.status, 404);
    EXPECT_NE(body_of(missing)["error"].get<std::string>().find("nosuch"), std::string::npos);
}

TEST_F(RestEndToEnd, StopAndStartAnswerTheVm) {
    create_vm("web");
    auto stopped = call("POST", "/api/vms/web/stop", json{{"force", true}});
    ASSERT_EQ(stopped.status, 200) << stopped.body;
    EXPECT_EQ(body_of(stopped)["status"], "stopped");
    EXPECT_TRUE(body_of(stopped)["pid"].is_null());
    auto started = call("POST", "/api/vms/web/start");
    ASSERT_EQ(started.status, 200) << started.body;
    EXPECT_EQ(body_of(started)["status"], "running");
}

TEST_F(RestEndToEnd, RestartAnswersTheRunningVmAndIs400WhenStopped) {
    auto created = create_vm("web");
    auto r = call("POST", "/api/vms/web/restart");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body_of(r)["status"], "running");
    EXPECT_EQ(body_of(r)["ip"], created["ip"]);
    call("POST", "/api/vms/web/stop", json{{"force", true}});
    EXPECT_EQ(call("POST", "/api/vms/web/restart").status, 400);
}

TEST_F(RestEndToEnd, RenameAnswersTheSeedsMessageAndIs400WhileRunning) {
    create_vm("web");
    EXPECT_EQ(call("POST", "/api/vms/web/rename", json{{"new_name", "prod"}}).status, 400);
    call("POST", "/api/vms/web/stop", json{{"force", true}});
    auto r = call("POST", "/api/vms/web/rename", json{{"new_name", "prod"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body_of(r), (json{{"message", "VM 'web' renamed to 'prod'"}}));
    EXPECT_EQ(call("GET", "/api/vms/prod").status, 200);
}

TEST_F(RestEndToEnd, CopyAnswers201WithTheNewVmUnderTheDefaultName) {
    create_vm("webserver");
    auto r = call("POST", "/api/vms/webserver/copy");
    ASSERT_EQ(r.status, 201) << r.body;
    auto copy = body_of(r);
    expect_vm_shape(copy);
    EXPECT_EQ(copy["name"], "webser-copy");
    EXPECT_EQ(copy["status"], "running");
    auto named = call("POST", "/api/vms/webserver/copy", json{{"new_name", "staging"}});
    EXPECT_EQ(named.status, 201) << named.body;
    EXPECT_EQ(body_of(named)["name"], "staging");
}

TEST_F(RestEndToEnd, DestroyAnswersTheSeedsMessage) {
    create_vm("web");
    auto r = call("DELETE", "/api/vms/web");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body_of(r), (json{{"message", "VM 'web' destroyed"}}));
    EXPECT_EQ(call("GET", "/api/vms/web").status, 404);
}

TEST_F(RestEndToEnd, ExecAnswersExitCodeAndOutput) {
    create_vm("web");
    auto r = call("POST", "/api/vms/web/exec",
                  json{{"command", "sh"}, {"args", {"-c", "echo hi; echo oops >&2; exit 3"}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body_of(r), (json{{"exit_code", 3}, {"stdout", "hi\n"}, {"stderr", "oops\n"}}));
}

TEST_F(RestEndToEnd, StatusAnswersTheAgentsView) {
    create_vm("web");
    auto r = call("GET", "/api/vms/web/status");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(body_of(r).contains("uptime_s")) << r.body;
}

TEST_F(RestEndToEnd, LogsAnswerTheConsoleLog) {
    create_vm("web");
    auto r = call("GET", "/api/vms/web/logs");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(body_of(r)["logs"].is_string());
    EXPECT_FALSE(body_of(r)["logs"].get<std::string>().empty());
}

TEST_F(RestEndToEnd, TwentyParallelReadsAreAnsweredWhileACreateRuns) {
    create_vm("web");
    std::atomic<bool> create_done = false;
    std::atomic<int> answered_during_create = 0;
    auto creating = std::async(std::launch::async, [&] {
        auto r = call("POST", "/api/vms", json{{"name", "slow"}});
        create_done = true;
        return r;
    });
    // 20 clients read in a loop for as long as the create runs.
    std::vector<std::future<void>> readers;
    for (int i = 0; i < 20; ++i)
        readers.push_back(std::async(std::launch::async, [&, i] {
            do {
                auto start = std::chrono::steady_clock::now();
                auto r = call("GET", i % 2 ? "/api/vms" : "/api/vms/web");
                EXPECT_EQ(r.status, 200);
                EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
                if (!create_done) ++answered_during_create;
            } while (!create_done);
        }));
    for (auto& reader : readers) reader.get();
    auto created = creating.get();
    EXPECT_EQ(created.status, 201) << created.body;
    EXPECT_GE(answered_during_create.load(), 20);
}

// Answers are not timed by the bridge: a call is answered when its operation
// ends, here well past Pistache's own header timeout (5 s as configured before).
TEST_F(RestEndToEnd, ALongExecIsAnsweredWithItsResultWhenItEnds) {
    create_vm("web");
    auto start = std::chrono::steady_clock::now();
    auto r = call("POST", "/api/vms/web/exec",
                  json{{"command", "sh"}, {"args", {"-c", "sleep 20; echo done"}}, {"timeout_s", 40}});
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body_of(r), (json{{"exit_code", 0}, {"stdout", "done\n"}, {"stderr", ""}}));
    EXPECT_GE(took, 20s);
}

TEST_F(RestEndToEnd, ACreateThatTakesLongerThanFiveSecondsIsAnsweredWhenItEnds) {
    // The double's guest boots for 7 s before its agent answers.
    restart_daemon_with({{"MINIONS_CH_DOUBLE_BOOT_MS", "7000"}});
    struct Restore {
        ~Restore() { restart_daemon_with({}); }
    } restore;
    auto start = std::chrono::steady_clock::now();
    auto r = call("POST", "/api/vms", json{{"name", "slow"}, {"ssh_key", kKey}});
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(body_of(r)["status"], "running");
    EXPECT_GE(took, 7s);
    EXPECT_EQ(call("GET", "/api/vms/slow").status, 200);
}

// The documented rule (docs/REST.md): the whole request within 10 s of its
// first byte, or the connection is closed without an answer.
TEST_F(RestEndToEnd, AClientThatSendsHalfARequestHeadIsDroppedAfterTenSeconds) {
    auto url = server_->url();
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1))));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    std::string half = "GET /api/vms HTTP/1.1\r\nAuthorization: Bear";
    ASSERT_EQ(::send(fd, half.data(), half.size(), MSG_NOSIGNAL), static_cast<ssize_t>(half.size()));
    auto start = std::chrono::steady_clock::now();
    std::string received;
    bool closed = false;
    while (!closed && std::chrono::steady_clock::now() - start < 15s) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buffer[512];
        auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) closed = true;
        else received.append(buffer, static_cast<size_t>(n));
    }
    auto took = std::chrono::steady_clock::now() - start;
    ::close(fd);
    EXPECT_TRUE(closed);
    EXPECT_GE(took, 9500ms);
    EXPECT_LT(took, 12s);
    EXPECT_EQ(received, "");
    // Meanwhile, and after, everyone else is answered.
    EXPECT_EQ(call("GET", "/api/vms").status, 200);
}

TEST_F(RestEndToEnd, ErrorsFromTheServiceCarryTheTablesCode) {
    auto missing = call("GET", "/api/vms/nosuch");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(body_of(missing)["code"], "not_found");
    create_vm("web");
    auto taken = call("POST", "/api/vms", json{{"name", "web"}});
    EXPECT_EQ(body_of(taken)["code"], "already_exists");
    auto running = call("POST", "/api/vms/web/rename", json{{"new_name", "prod"}});
    EXPECT_EQ(running.status, 400);
    EXPECT_EQ(body_of(running)["code"], "invalid_state");
}

TEST_F(RestEndToEnd, WrongTokenIs401EvenWithTheServiceUp) {
    auto r = http({"GET", server_->url("/api/vms"), std::nullopt, {"Authorization: Bearer nope"}});
    EXPECT_EQ(r.status, 401);
}

}  // namespace
}  // namespace minions::test
