// The real minions-rest on 127.0.0.1, port 0, with a bare private bus and no
// minionsd: everything the bridge decides by itself (auth, limits, routing,
// errors as JSON, strict input, connection rules) and how it reports an
// absent service. Requests curl cannot send go through a raw socket.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "rest/rest_server_fixture.hpp"

using namespace minions::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kToken = "s3cret-token";
const std::string kAuth = "Authorization: Bearer " + kToken;
const std::string kJson = "Content-Type: application/json";

class RestHttp : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        bus_ = new BareBus();
        server_ = new RestServer({"--bus", bus_->address()}, {{"MINIONS_API_KEY", kToken}});
    }
    static void TearDownTestSuite() {
        delete server_;
        delete bus_;
    }
    static std::string url(const std::string& path) { return server_->url(path); }

    // Every failure is {"error": "<non-empty text>", "code": "<code>"} and
    // nothing else, with the D-Bus error's name in X-Minions-Error.
    static void expect_error_body(const HttpResponse& r, const std::string& code) {
        auto body = json::parse(r.body, nullptr, false);
        ASSERT_TRUE(body.is_object()) << r.body;
        ASSERT_EQ(body.size(), 2u) << r.body;
        ASSERT_TRUE(body["error"].is_string()) << r.body;
        EXPECT_FALSE(body["error"].get<std::string>().empty());
        EXPECT_EQ(body["code"], code) << r.body;
        EXPECT_EQ(r.headers.at("content-type"), "application/json");
        EXPECT_EQ(r.headers.count("x-minions-error"), 1u);
    }

    static BareBus* bus_;
    static RestServer* server_;
};

BareBus* RestHttp::bus_ = nullptr;
RestServer* RestHttp::server_ = nullptr;

int port_of(const RestServer& server) {
    auto url = server.url();
    return std::stoi(url.substr(url.rfind(':') + 1));
}

// A TCP connection to the bridge that sends exactly the bytes it is given.
class RawClient {
public:
    explicit RawClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw std::runtime_error("connect failed");
    }
    ~RawClient() { ::close(fd_); }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    void send(const std::string& bytes) {
        for (size_t sent = 0; sent < bytes.size();) {
            auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;  // the bridge closed: what it answered is in received()
            sent += static_cast<size_t>(n);
        }
    }
    // Reads until the bridge closes the connection (true) or `limit` passes.
    bool read_until_closed(std::chrono::milliseconds limit) {
        return read_while([] { return true; }, limit);
    }
    // Reads until one whole answer (head and Content-Length body) is in.
    bool read_answer(std::chrono::milliseconds limit) {
        read_while([this] { return !complete(); }, limit);
        return complete();
    }
    const std::string& received() const { return received_; }
    void forget() { received_.clear(); }

private:
    bool complete() const {
        auto end = received_.find("\r\n\r\n");
        if (end == std::string::npos) return false;
        auto head = received_.substr(0, end);
        for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto length = head.find("content-length: ");
        size_t body = length == std::string::npos ? 0 : std::stoul(head.substr(length + 16));
        return received_.size() >= end + 4 + body;
    }
    template <typename Go>
    bool read_while(Go go_on, std::chrono::milliseconds limit) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (go_on()) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char buffer[4096];
            auto n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) return true;  // closed (or reset)
            received_.append(buffer, static_cast<size_t>(n));
        }
        return false;
    }

    int fd_;
    std::string received_;
};

// "HTTP/1.1 400 Bad Request\r\nName: value\r\n\r\nbody" as an HttpResponse.
HttpResponse parse_answer(const std::string& text) {
    HttpResponse r;
    auto end = text.find("\r\n\r\n");
    if (text.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return r;
    r.status = std::stol(text.substr(9, 3));
    size_t line = text.find("\r\n") + 2;
    while (line < end) {
        auto next = text.find("\r\n", line);
        auto header = text.substr(line, next - line);
        auto colon = header.find(':');
        std::string name = header.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = header.substr(header.find_first_not_of(' ', colon + 1));
        line = next + 2;
    }
    r.body = text.substr(end + 4);
    return r;
}

struct RawOutcome {
    HttpResponse answer;
    bool closed = false;  // the bridge closed the connection after answering
    std::string text;
};

// One request as raw bytes on a fresh connection.
RawOutcome raw_request(int port, const std::string& bytes) {
    RawClient client(port);
    client.send(bytes);
    RawOutcome outcome;
    outcome.closed = client.read_until_closed(5s);
    outcome.text = client.received();
    outcome.answer = parse_answer(outcome.text);
    return outcome;
}

}  // namespace

TEST_F(RestHttp, RequestWithoutTokenIs401) {
    auto r = http({"GET", url("/api/vms"), std::nullopt, {}});
    EXPECT_EQ(r.status, 401);
    expect_error_body(r, "unauthenticated");
    EXPECT_EQ(r.headers.at("www-authenticate"), "Bearer");
}

TEST_F(RestHttp, RequestWithWrongTokenIs401) {
    auto r = http({"GET", url("/api/vms"), std::nullopt, {"Authorization: Bearer s3cret-tokem"}});
    EXPECT_EQ(r.status, 401);
    expect_error_body(r, "unauthenticated");
}

TEST_F(RestHttp, RequestWithWrongSchemeIs401) {
    auto r = http({"GET", url("/api/vms"), std::nullopt, {"Authorization: Basic " + kToken}});
    EXPECT_EQ(r.status, 401);
    expect_error_body(r, "unauthenticated");
}

TEST_F(RestHttp, UnknownRouteWithoutTokenIs401NotA404) {
    auto r = http({"GET", url("/secret/place"), std::nullopt, {}});
    EXPECT_EQ(r.status, 401);
}

TEST_F(RestHttp, RightTokenReachesTheBusAndAnAbsentServiceIsAJson503) {
    auto r = http({"GET", url("/api/vms"), std::nullopt, {kAuth}});
    EXPECT_EQ(r.status, 503);
    expect_error_body(r, "unavailable");
    EXPECT_NE(r.body.find("org.minions.Manager"), std::string::npos) << r.body;
    EXPECT_EQ(r.headers.at("x-minions-error"), "org.minions.Error.Unavailable");
}

TEST_F(RestHttp, BodyOver64KiBIs413) {
    std::string big = "{\"name\":\"" + std::string(70 * 1024, 'a') + "\"}";
    auto r = http({"POST", url("/api/vms"), big, {kAuth, kJson}});
    EXPECT_EQ(r.status, 413);
    expect_error_body(r, "payload_too_large");
}

TEST_F(RestHttp, MalformedJsonIs400) {
    auto r = http({"POST", url("/api/vms"), "{\"name\": ", {kAuth, kJson}});
    EXPECT_EQ(r.status, 400);
    expect_error_body(r, "invalid_argument");
}

TEST_F(RestHttp, MissingRequiredFieldIs400) {
    auto r = http({"POST", url("/api/vms/web/rename"), "{}", {kAuth, kJson}});
    EXPECT_EQ(r.status, 400);
    expect_error_body(r, "invalid_argument");
    EXPECT_NE(r.body.find("new_name"), std::string::npos);
}

TEST_F(RestHttp, NonJsonContentTypeIs415) {
    auto r = http({"POST", url("/api/vms"), "name=web", {kAuth, "Content-Type: application/x-www-form-urlencoded"}});
    EXPECT_EQ(r.status, 415);
    expect_error_body(r, "unsupported_media_type");
}

TEST_F(RestHttp, UnknownRouteIs404) {
    auto r = http({"GET", url("/api/nothing/here"), std::nullopt, {kAuth}});
    EXPECT_EQ(r.status, 404);
    expect_error_body(r, "not_found");
}

TEST_F(RestHttp, WrongMethodOnKnownRouteIs405WithAllow) {
    auto r = http({"PUT", url("/api/vms/web"), std::nullopt, {kAuth}});
    EXPECT_EQ(r.status, 405);
    expect_error_body(r, "method_not_allowed");
    EXPECT_EQ(r.headers.at("allow"), "GET, DELETE");
    auto post_on_get = http({"GET", url("/api/vms/web/start"), std::nullopt, {kAuth}});
    EXPECT_EQ(post_on_get.status, 405);
}

TEST_F(RestHttp, ServerKeepsAnsweringAfterBadRequests) {
    for (int i = 0; i < 5; ++i) http({"POST", url("/api/vms"), "{{{", {kAuth, kJson}});
    EXPECT_EQ(http({"GET", url("/api/vms"), std::nullopt, {}}).status, 401);
}

TEST_F(RestHttp, ApiAnswersTheApiAndProgramVersionsWithoutTheService) {
    auto r = http({"GET", url("/api"), std::nullopt, {kAuth}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    auto body = json::parse(r.body);
    EXPECT_EQ(body.size(), 2u) << r.body;
    EXPECT_EQ(body["api_version"], "1.0.0");
    ASSERT_TRUE(body["version"].is_string());
    EXPECT_FALSE(body["version"].get<std::string>().empty());
}

TEST_F(RestHttp, ApiNeedsTheTokenLikeEveryRoute) {
    auto r = http({"GET", url("/api"), std::nullopt, {}});
    EXPECT_EQ(r.status, 401);
    expect_error_body(r, "unauthenticated");
}

TEST_F(RestHttp, UnknownBodyFieldIs400NamingIt) {
    auto r = http({"POST", url("/api/vms/web/rename"), R"({"new-name": "x"})", {kAuth, kJson}});
    EXPECT_EQ(r.status, 400);
    expect_error_body(r, "invalid_argument");
    EXPECT_NE(r.body.find("unknown field 'new-name'"), std::string::npos) << r.body;
    auto create = http({"POST", url("/api/vms"), R"({"name": "web", "memory": 512})", {kAuth, kJson}});
    EXPECT_EQ(create.status, 400);
    EXPECT_NE(create.body.find("unknown field 'memory'"), std::string::npos) << create.body;
}

TEST_F(RestHttp, FieldSentToARouteWithoutBodyIs400NamingIt) {
    auto r = http({"POST", url("/api/vms/web/start"), R"({"force": true})", {kAuth, kJson}});
    EXPECT_EQ(r.status, 400);
    expect_error_body(r, "invalid_argument");
    EXPECT_NE(r.body.find("unknown field 'force'"), std::string::npos) << r.body;
    // An empty object is no field at all: past the checks, to the absent service.
    EXPECT_EQ(http({"POST", url("/api/vms/web/start"), "{}", {kAuth, kJson}}).status, 503);
}

// A D-Bus string ends at a NUL: "rel7\u0000; rm -rf /" must not become "rel7".
TEST_F(RestHttp, AStringWithANulIsRefusedNotCut) {
    auto create = http({"POST", url("/api/vms"), R"({"name": "rel7\u0000; rm -rf /"})", {kAuth, kJson}});
    EXPECT_EQ(create.status, 400);
    expect_error_body(create, "invalid_argument");
    EXPECT_NE(create.body.find("'name' must not contain a NUL character"), std::string::npos) << create.body;
    auto exec = http({"POST", url("/api/vms/web/exec"), R"({"command": "echo", "args": ["a\u0000b"]})", {kAuth, kJson}});
    EXPECT_EQ(exec.status, 400);
    EXPECT_NE(exec.body.find("'args' must not contain a NUL character"), std::string::npos) << exec.body;
    auto path = http({"GET", url("/api/vms/rel7%00x"), std::nullopt, {kAuth}});
    EXPECT_EQ(path.status, 400) << path.body;
    expect_error_body(path, "invalid_argument");
}

TEST_F(RestHttp, UnknownQueryParameterIs400NamingIt) {
    auto r = http({"GET", url("/api/vms/web/logs?max_bytes=10&foo=1"), std::nullopt, {kAuth}});
    EXPECT_EQ(r.status, 400);
    expect_error_body(r, "invalid_argument");
    EXPECT_NE(r.body.find("unknown query parameter 'foo'"), std::string::npos) << r.body;
    auto list = http({"GET", url("/api/vms?all=1"), std::nullopt, {kAuth}});
    EXPECT_EQ(list.status, 400);
    EXPECT_NE(list.body.find("unknown query parameter 'all'"), std::string::npos) << list.body;
    EXPECT_EQ(http({"GET", url("/api/vms/web/logs?max_bytes=10"), std::nullopt, {kAuth}}).status, 503);
}

TEST_F(RestHttp, ContentLengthThatIsNotANumberIsAJson400AndClosesTheConnection) {
    auto r = raw_request(port_of(*server_),
                         "POST /api/vms HTTP/1.1\r\n" + kAuth + "\r\nContent-Length: abc\r\n\r\n{}");
    EXPECT_EQ(r.answer.status, 400) << r.text;
    expect_error_body(r.answer, "invalid_argument");
    EXPECT_NE(r.answer.body.find("Content-Length"), std::string::npos) << r.text;
    EXPECT_TRUE(r.closed);
}

TEST_F(RestHttp, ContentLengthTooLargeToReadIsAJson400WithoutExceptionText) {
    for (const char* length : {"99999999999999999999999", "-1"}) {
        auto r = raw_request(port_of(*server_), "POST /api/vms HTTP/1.1\r\n" + kAuth +
                                                    "\r\nContent-Length: " + length + "\r\n\r\n");
        EXPECT_EQ(r.answer.status, 400) << length << ": " << r.text;
        expect_error_body(r.answer, "invalid_argument");
        EXPECT_EQ(r.text.find("stoull"), std::string::npos) << r.text;
        EXPECT_TRUE(r.closed);
    }
}

TEST_F(RestHttp, DeclaredBodyOverTheLimitIsAJson413BeforeTheBodyIsSent) {
    RawClient client(port_of(*server_));
    client.send("POST /api/vms HTTP/1.1\r\n" + kAuth + "\r\n" + kJson + "\r\nContent-Length: 1000000\r\n\r\n");
    ASSERT_TRUE(client.read_answer(5s)) << client.received();
    auto answer = parse_answer(client.received());
    EXPECT_EQ(answer.status, 413);
    expect_error_body(answer, "payload_too_large");
    EXPECT_TRUE(client.read_until_closed(5s));
}

TEST_F(RestHttp, RequestHeadOverTheBufferIsAJson413) {
    auto r = raw_request(port_of(*server_),
                         "GET /api/vms HTTP/1.1\r\nX-Filler: " + std::string(300 * 1024, 'a') + "\r\n\r\n");
    EXPECT_EQ(r.answer.status, 413) << r.text.substr(0, 200);
    expect_error_body(r.answer, "payload_too_large");
    EXPECT_TRUE(r.closed);
}

// CPU seconds (user + system) `pid` has used so far.
double cpu_seconds(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Pistache 0.0.5's chunked decoder spins forever on a body of many small
// chunks, before the token is even checked: such a request is refused from
// its head, and the bridge stays idle and answers others.
TEST_F(RestHttp, AChunkedBodyIsAJson411AndCostsTheBridgeNothing) {
    const double before = cpu_seconds(server_->process().pid());
    RawClient client(port_of(*server_));
    std::string chunks;
    for (int i = 0; i < 2000; ++i) chunks += "1\r\nx\r\n";
    client.send("POST /api/vms HTTP/1.1\r\nHost: x\r\n" + kJson + "\r\nTransfer-Encoding: chunked\r\n\r\n" +
                chunks + "0\r\n\r\n");
    ASSERT_TRUE(client.read_answer(5s)) << client.received();
    auto answer = parse_answer(client.received());
    EXPECT_EQ(answer.status, 411);
    expect_error_body(answer, "length_required");
    EXPECT_TRUE(client.read_until_closed(5s));
    std::this_thread::sleep_for(2s);
    EXPECT_LT(cpu_seconds(server_->process().pid()) - before, 0.5) << "an I/O thread is spinning";
    EXPECT_EQ(http({"GET", url("/api"), std::nullopt, {kAuth}}).status, 200);
}

TEST_F(RestHttp, MalformedRequestLineIsAJson400) {
    for (const char* line : {"BREW /api/vms HTTP/1.1", "GET /api/vms HTTP/7.0", "GET"}) {
        auto r = raw_request(port_of(*server_), std::string(line) + "\r\n\r\n");
        EXPECT_EQ(r.answer.status, 400) << line << ": " << r.text;
        expect_error_body(r.answer, "invalid_argument");
        EXPECT_NE(r.answer.body.find("request line"), std::string::npos) << r.text;
        EXPECT_TRUE(r.closed);
    }
}

TEST_F(RestHttp, AKeepAliveConnectionAnswersOneRequestAfterAnother) {
    RawClient client(port_of(*server_));
    for (int i = 0; i < 3; ++i) {
        client.forget();
        client.send("GET /api HTTP/1.1\r\n" + kAuth + "\r\n\r\n");
        ASSERT_TRUE(client.read_answer(5s)) << client.received();
        EXPECT_EQ(parse_answer(client.received()).status, 200);
    }
}

// The connection rules, with short limits so the tests need not wait long.
class RestConnections : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        bus_ = new BareBus();
        server_ = new RestServer({"--bus", bus_->address(), "--request-timeout", "2", "--idle-timeout", "2",
                                  "--max-connections", "6"},
                                 {{"MINIONS_API_KEY", kToken}});
    }
    static void TearDownTestSuite() {
        delete server_;
        delete bus_;
    }
    static int port() { return port_of(*server_); }
    static BareBus* bus_;
    static RestServer* server_;
};

BareBus* RestConnections::bus_ = nullptr;
RestServer* RestConnections::server_ = nullptr;

TEST_F(RestConnections, HalfARequestHeadIsDroppedAfterTheRequestTimeoutWithoutAnAnswer) {
    RawClient client(port());
    client.send("GET /api/vms HTTP/1.1\r\nAuthor");
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(client.read_until_closed(1500ms)) << "dropped before the request timeout";
    EXPECT_TRUE(client.read_until_closed(3s)) << "not dropped after the request timeout";
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3500ms);
    EXPECT_EQ(client.received(), "");  // dropped, not answered: no 408
}

TEST_F(RestConnections, ASlowBodyIsDroppedAfterTheRequestTimeout) {
    RawClient client(port());
    client.send("POST /api/vms HTTP/1.1\r\n" + kAuth + "\r\n" + kJson + "\r\nContent-Length: 20\r\n\r\n{\"na");
    EXPECT_FALSE(client.read_until_closed(1500ms));
    EXPECT_TRUE(client.read_until_closed(3s));
    EXPECT_EQ(client.received(), "");
}

TEST_F(RestConnections, ARequestsClockStartsAtItsFirstByteNotAtTheConnection) {
    RawClient client(port());
    client.send("GET /api HTTP/1.1\r\n" + kAuth + "\r\n\r\n");
    ASSERT_TRUE(client.read_answer(5s));
    std::this_thread::sleep_for(1500ms);  // idle, within the idle timeout
    client.forget();
    client.send("GET /api HTTP/1.1\r\n" + kAuth + "\r\n");  // half a head
    std::this_thread::sleep_for(1000ms);  // 2.5 s after the connection opened
    client.send("\r\n");
    ASSERT_TRUE(client.read_answer(3s)) << client.received();
    EXPECT_EQ(parse_answer(client.received()).status, 200);
}

TEST_F(RestConnections, AnIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
    RawClient client(port());
    client.send("GET /api HTTP/1.1\r\n" + kAuth + "\r\n\r\n");
    ASSERT_TRUE(client.read_answer(5s));
    auto answered = std::chrono::steady_clock::now();
    EXPECT_FALSE(client.read_until_closed(1500ms)) << "closed before the idle timeout";
    EXPECT_TRUE(client.read_until_closed(3s)) << "still open after the idle timeout";
    EXPECT_LT(std::chrono::steady_clock::now() - answered, 3500ms);
}

TEST_F(RestConnections, ARequestOnAConnectionBeyondTheLimitIsAJson503) {
    std::vector<std::unique_ptr<RawClient>> held;
    for (int i = 0; i < 6; ++i) held.push_back(std::make_unique<RawClient>(port()));
    std::this_thread::sleep_for(200ms);  // accepted by the bridge
    auto over = raw_request(port(), "GET /api HTTP/1.1\r\n" + kAuth + "\r\n\r\n");
    EXPECT_EQ(over.answer.status, 503) << over.text;
    EXPECT_NE(over.answer.body.find("too many open connections"), std::string::npos) << over.text;
    EXPECT_TRUE(over.closed);
    held.pop_back();
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(http({"GET", server_->url("/api"), std::nullopt, {kAuth}}).status, 200);
}

TEST(RestStartup, RefusesToListenBeyondLoopbackWithoutAToken) {
    auto r = run_process({kRestBinary, "--listen", "0.0.0.0:0", "--bus", "unix:path=/nonexistent"},
                         {{"MINIONS_API_KEY", ""}});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("without a token"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("listening"), std::string::npos);
}

TEST(RestStartup, RunsWithoutATokenOnLoopbackAndAsksForNone) {
    BareBus bus;
    RestServer server({"--bus", bus.address()}, {{"MINIONS_API_KEY", ""}});
    auto r = http({"GET", server.url("/api/vms"), std::nullopt, {}});
    EXPECT_EQ(r.status, 503);  // past authentication, failing only on the absent service
}

TEST(RestStartup, RefusesATokenFileOthersCanRead) {
    auto file = std::filesystem::temp_directory_path() / ("minions-token-" + std::to_string(getpid()));
    std::ofstream(file) << "file-token\n";
    chmod(file.c_str(), 0644);
    auto r = run_process({kRestBinary, "--listen", "127.0.0.1:0", "--token-file", file.string()});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
    std::filesystem::remove(file);
}

TEST(RestStartup, AcceptsTheTokenFromAnOwnerOnlyFile) {
    auto file = std::filesystem::temp_directory_path() / ("minions-token-ok-" + std::to_string(getpid()));
    std::ofstream(file) << "file-token\n";
    chmod(file.c_str(), 0600);
    BareBus bus;
    RestServer server({"--bus", bus.address(), "--token-file", file.string()}, {{"MINIONS_API_KEY", "ignored"}});
    EXPECT_EQ(http({"GET", server.url("/api/vms"), std::nullopt, {"Authorization: Bearer ignored"}}).status, 401);
    EXPECT_EQ(http({"GET", server.url("/api/vms"), std::nullopt, {"Authorization: Bearer file-token"}}).status, 503);  // accepted; no service behind
    std::filesystem::remove(file);
}
