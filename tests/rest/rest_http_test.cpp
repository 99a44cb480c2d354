// The real minions-rest on 127.0.0.1, port 0, with a bare private bus and no
// minionsd: everything the bridge decides by itself (auth, limits, routing,
// errors as JSON) and how it reports an absent service.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "rest/rest_server_fixture.hpp"

using namespace minions::test;
using nlohmann::json;

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

    // Every failure is {"error": "<non-empty text>"} and nothing else.
    static void expect_error_body(const HttpResponse& r) {
        auto body = json::parse(r.body, nullptr, false);
        ASSERT_TRUE(body.is_object()) << r.body;
        ASSERT_EQ(body.size(), 1u) << r.body;
        ASSERT_TRUE(body["error"].is_string()) << r.body;
        EXPECT_FALSE(body["error"].get<std::string>().empty());
        EXPECT_EQ(r.headers.at("content-type"), "application/json");
    }

    static BareBus* bus_;
    static RestServer* server_;
};

BareBus* RestHttp::bus_ = nullptr;
RestServer* RestHttp::server_ = nullptr;

}  // namespace

TEST_F(RestHttp, RequestWithoutTokenIs401) {
    auto r = http({"GET", url("/api/vms"), std::nullopt, {}});
    EXPECT_EQ(r.status, 401);
    expect_error_body(r);
}

TEST_F(RestHttp, RequestWithWrongTokenIs401) {
    auto r = http({"GET", url("/api/vms"), std::nullopt, {"Authorization: Bearer s3cret-tokem"}});
    EXPECT_EQ(r.status, 401);
    expect_error_body(r);
}

TEST_F(RestHttp, RequestWithWrongSchemeIs401) {
    auto r = http({"GET", url("/api/vms"), std::nullopt, {"Authorization: Basic " + kToken}});
    EXPECT_EQ(r.status, 401);
    expect_error_body(r);
}

TEST_F(RestHttp, UnknownRouteWithoutTokenIs401NotA404) {
    auto r = http({"GET", url("/secret/place"), std::nullopt, {}});
    EXPECT_EQ(r.status, 401);
}

TEST_F(RestHttp, RightTokenReachesTheBusAndAnAbsentServiceIsAJson503) {
    auto r = http({"GET", url("/api/vms"), std::nullopt, {kAuth}});
    EXPECT_EQ(r.status, 503);
    expect_error_body(r);
    EXPECT_NE(r.body.find("org.minions.Manager"), std::string::npos) << r.body;
    EXPECT_EQ(r.headers.at("x-minions-error"), "org.minions.Error.Unavailable");
}

TEST_F(RestHttp, BodyOver64KiBIs413) {
    std::string big = "{\"name\":\"" + std::string(70 * 1024, 'a') + "\"}";
    auto r = http({"POST", url("/api/vms"), big, {kAuth, kJson}});
    EXPECT_EQ(r.status, 413);
    expect_error_body(r);
}

TEST_F(RestHttp, MalformedJsonIs400) {
    auto r = http({"POST", url("/api/vms"), "{\"name\": ", {kAuth, kJson}});
    EXPECT_EQ(r.status, 400);
    expect_error_body(r);
}

TEST_F(RestHttp, MissingRequiredFieldIs400) {
    auto r = http({"POST", url("/api/vms/web/rename"), "{}", {kAuth, kJson}});
    EXPECT_EQ(r.status, 400);
    expect_error_body(r);
    EXPECT_NE(r.body.find("new_name"), std::string::npos);
}

TEST_F(RestHttp, NonJsonContentTypeIs415) {
    auto r = http({"POST", url("/api/vms"), "name=web", {kAuth, "Content-Type: application/x-www-form-urlencoded"}});
    EXPECT_EQ(r.status, 415);
    expect_error_body(r);
}

TEST_F(RestHttp, UnknownRouteIs404) {
    auto r = http({"GET", url("/api/nothing/here"), std::nullopt, {kAuth}});
    EXPECT_EQ(r.status, 404);
    expect_error_body(r);
}

TEST_F(RestHttp, WrongMethodOnKnownRouteIs405WithAllow) {
    auto r = http({"PUT", url("/api/vms/web"), std::nullopt, {kAuth}});
    EXPECT_EQ(r.status, 405);
    expect_error_body(r);
    EXPECT_EQ(r.headers.at("allow"), "GET, DELETE");
    auto post_on_get = http({"GET", url("/api/vms/web/start"), std::nullopt, {kAuth}});
    EXPECT_EQ(post_on_get.status, 405);
}

TEST_F(RestHttp, ServerKeepsAnsweringAfterBadRequests) {
    for (int i = 0; i < 5; ++i) http({"POST", url("/api/vms"), "{{{", {kAuth, kJson}});
    EXPECT_EQ(http({"GET", url("/api/vms"), std::nullopt, {}}).status, 401);
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
