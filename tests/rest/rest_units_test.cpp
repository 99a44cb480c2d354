// The bridge's pure parts: route matching, the token check, body rules,
// strict input, the error object, the connection rules and the listen address.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "api_endpoint.hpp"
#include "api_version.hpp"
#include "bearer_token.hpp"
#include "core/error.hpp"
#include "http_connection.hpp"
#include "http_reply.hpp"
#include "json_body.hpp"
#include "listen_address.hpp"
#include "route_table.hpp"

using namespace minions;
using namespace minions::rest;

TEST(RouteTable, PatternMatchesOneSegmentPerParameter) {
    EXPECT_TRUE(path_matches("/api/vms/:name/start", "/api/vms/web/start"));
    EXPECT_TRUE(path_matches("/api/vms", "/api/vms/"));
    EXPECT_FALSE(path_matches("/api/vms/:name", "/api/vms"));
    EXPECT_FALSE(path_matches("/api/vms/:name", "/api/vms/a/b"));
    EXPECT_FALSE(path_matches("/api/vms/:name/start", "/api/vms/web/stop"));
}

TEST(RouteTable, VerbsForPathListEveryMethodOfThatPath) {
    auto verbs = verbs_for_path(ApiEndpoint::routes(), "/api/vms/web");
    EXPECT_EQ(verbs, (std::vector<Verb>{Verb::Get, Verb::Delete}));
    EXPECT_TRUE(verbs_for_path(ApiEndpoint::routes(), "/api/nothing").empty());
}

TEST(RouteTable, EveryRouteOfTheSpecIsServed) {
    std::vector<std::string> served;
    for (const auto& route : ApiEndpoint::routes())
        served.push_back(std::string(verb_name(route.verb)) + " " + route.path);
    std::vector<std::string> expected{
        "GET /api",
        "POST /api/vms",          "GET /api/vms",           "GET /api/vms/:name",
        "DELETE /api/vms/:name",  "POST /api/vms/:name/start", "POST /api/vms/:name/stop",
        "POST /api/vms/:name/restart", "POST /api/vms/:name/rename", "POST /api/vms/:name/copy",
        "POST /api/vms/:name/exec", "GET /api/vms/:name/status", "GET /api/vms/:name/logs"};
    EXPECT_EQ(served, expected);
}

TEST(RouteTable, PathParameterIsTheSegmentAtTheParametersPlace) {
    EXPECT_EQ(path_parameter("/api/vms/:name/start", "/api/vms/web/start", "name"), "web");
    EXPECT_EQ(path_parameter("/api/vms/:name", "/api/vms/db/", "name"), "db");
    EXPECT_EQ(path_parameter("/api/vms", "/api/vms", "name"), std::nullopt);
    EXPECT_EQ(path_parameter("/api/vms/:name", "/api/other/web", "name"), std::nullopt);
}

TEST(RouteTable, FindRouteMatchesVerbAndPath) {
    auto route = find_route(Verb::Post, "/api/vms/web/rename");
    ASSERT_NE(route, nullptr);
    EXPECT_EQ(route->spec.path, "/api/vms/:name/rename");
    EXPECT_EQ(find_route(Verb::Get, "/api/vms/web/rename"), nullptr);
    EXPECT_EQ(find_route(Verb::Get, "/api/nothing"), nullptr);
}

// The table is what strict input checks against and what the document is
// compared with: each route's accepted names, exactly.
TEST(RouteTable, EveryRouteDeclaresTheFieldsAndQueryParametersItAccepts) {
    auto spec_of = [](Verb verb, const std::string& path) {
        for (const auto& route : ApiEndpoint::routes())
            if (route.verb == verb && route.path == path) return route;
        ADD_FAILURE() << path;
        return RouteSpec{verb, path, {}, {}};
    };
    using V = std::vector<std::string>;
    EXPECT_EQ(spec_of(Verb::Post, "/api/vms").fields, (V{"name", "cpus", "memory_mb", "ssh_key"}));
    EXPECT_EQ(spec_of(Verb::Post, "/api/vms/:name/stop").fields, (V{"force", "timeout_s"}));
    EXPECT_EQ(spec_of(Verb::Post, "/api/vms/:name/rename").fields, (V{"new_name"}));
    EXPECT_EQ(spec_of(Verb::Post, "/api/vms/:name/copy").fields, (V{"new_name", "ssh_key"}));
    EXPECT_EQ(spec_of(Verb::Post, "/api/vms/:name/exec").fields, (V{"command", "args", "timeout_s"}));
    EXPECT_EQ(spec_of(Verb::Get, "/api/vms/:name/logs").query, (V{"max_bytes"}));
    for (const auto& route : ApiEndpoint::routes()) {
        if (route.path != "/api/vms/:name/logs") {
            EXPECT_TRUE(route.query.empty()) << route.path;
        }
    }
    EXPECT_TRUE(spec_of(Verb::Post, "/api/vms/:name/start").fields.empty());
    EXPECT_TRUE(spec_of(Verb::Get, "/api").fields.empty());
}

TEST(ApiVersion, IsSemanticVersionOne) {
    std::string version = kApiVersion;
    EXPECT_EQ(std::count(version.begin(), version.end(), '.'), 2) << version;
    EXPECT_EQ(version.rfind("1.", 0), 0u) << version;
}

TEST(BearerToken, OnlyTheExactTokenWithBearerSchemeIsAccepted) {
    EXPECT_EQ(check_bearer(std::nullopt, "tok"), AuthResult::Missing);
    EXPECT_EQ(check_bearer("Basic dG9rOg==", "tok"), AuthResult::WrongScheme);
    EXPECT_EQ(check_bearer("tok", "tok"), AuthResult::WrongScheme);
    EXPECT_EQ(check_bearer("Bearer to", "tok"), AuthResult::WrongToken);
    EXPECT_EQ(check_bearer("Bearer tokk", "tok"), AuthResult::WrongToken);
    EXPECT_EQ(check_bearer("Bearer ", "tok"), AuthResult::WrongScheme);
    EXPECT_EQ(check_bearer("Bearer tok", "tok"), AuthResult::Ok);
    EXPECT_EQ(check_bearer("bearer tok", "tok"), AuthResult::Ok);
}

TEST(BearerToken, ConstantTimeEqualComparesWholeStrings) {
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("ab", "abc"));
    EXPECT_FALSE(constant_time_equal("abcd", "abc"));
    EXPECT_FALSE(constant_time_equal("", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", ""));
}

namespace {

Errc errc_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "no minions::Error thrown";
    return Errc::Internal;
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no minions::Error thrown";
    return "";
}

}  // namespace

TEST(JsonBody, AbsentOptionalBodyIsAnEmptyObject) {
    EXPECT_EQ(parse_json_body("", std::nullopt, BodyRule::Optional), nlohmann::json::object());
}

TEST(JsonBody, AbsentRequiredBodyIsInvalidArgument) {
    EXPECT_EQ(errc_of([] { parse_json_body("", std::nullopt, BodyRule::Required); }), Errc::InvalidArgument);
}

TEST(JsonBody, OversizedBodyIsPayloadTooLarge) {
    std::string body(kMaxBodyBytes + 1, ' ');
    EXPECT_EQ(errc_of([&] { parse_json_body(body, "application/json", BodyRule::Required); }),
              Errc::PayloadTooLarge);
    EXPECT_EQ(error_kind(Errc::PayloadTooLarge).http_status, 413);
}

TEST(JsonBody, NonJsonContentTypeIsUnsupportedMediaType) {
    EXPECT_EQ(errc_of([] { parse_json_body("{}", "text/plain", BodyRule::Required); }),
              Errc::UnsupportedMediaType);
    EXPECT_EQ(error_kind(Errc::UnsupportedMediaType).http_status, 415);
    EXPECT_NO_THROW(parse_json_body("{}", "Application/JSON; charset=utf-8", BodyRule::Required));
}

TEST(StrictInput, AnUnknownFieldIsInvalidArgumentNamingIt) {
    auto body = nlohmann::json{{"new-name", "x"}};
    EXPECT_EQ(errc_of([&] { reject_unknown_fields(body, {"new_name"}); }), Errc::InvalidArgument);
    auto message = message_of([&] { reject_unknown_fields(body, {"new_name"}); });
    EXPECT_NE(message.find("unknown field 'new-name'"), std::string::npos) << message;
    EXPECT_NE(message.find("new_name"), std::string::npos) << message;
    EXPECT_NO_THROW(reject_unknown_fields(nlohmann::json{{"new_name", "x"}}, {"new_name"}));
    EXPECT_NO_THROW(reject_unknown_fields(nlohmann::json::object(), {}));
    auto none = message_of([] { reject_unknown_fields(nlohmann::json{{"force", true}}, {}); });
    EXPECT_NE(none.find("unknown field 'force' (this route takes no body fields)"), std::string::npos) << none;
}

TEST(StrictInput, AnUnknownQueryParameterIsInvalidArgumentNamingIt) {
    auto message = message_of([] { reject_unknown_query({"foo"}, {"max_bytes"}); });
    EXPECT_NE(message.find("unknown query parameter 'foo'"), std::string::npos) << message;
    EXPECT_NO_THROW(reject_unknown_query({"max_bytes"}, {"max_bytes"}));
    EXPECT_NO_THROW(reject_unknown_query({}, {}));
}

TEST(ErrorObject, CarriesTheSentenceAndTheTablesCode) {
    auto body = error_body(Error(Errc::NotFound, "VM 'web' not found"));
    EXPECT_EQ(body, (nlohmann::json{{"error", "VM 'web' not found"}, {"code", "not_found"}}));
    EXPECT_EQ(error_body(Error(Errc::MethodNotAllowed, "x"))["code"], "method_not_allowed");
}

// --- connection rules: the sweep's verdict for each phase -------------------

class ConnectionRulesTest : public ::testing::Test {
protected:
    using Clock = Connection::Clock;
    std::shared_ptr<std::atomic<size_t>> open = std::make_shared<std::atomic<size_t>>(0);
    ConnectionRules rules{std::chrono::seconds(10), std::chrono::seconds(30), 256, 256 * 1024};
};

TEST_F(ConnectionRulesTest, AConnectionIsCountedWhileItLives) {
    {
        Connection a(open);
        Connection b(open);
        EXPECT_EQ(open->load(), 2u);
    }
    EXPECT_EQ(open->load(), 0u);
}

TEST_F(ConnectionRulesTest, ARequestNotReceivedWithinTheRequestTimeoutIsDropped) {
    Connection c(open);
    EXPECT_EQ(c.phase(), Connection::Phase::Receiving);
    EXPECT_EQ(c.verdict(rules, Clock::now() + std::chrono::seconds(9)), Connection::Verdict::Keep);
    EXPECT_EQ(c.verdict(rules, Clock::now() + std::chrono::seconds(11)), Connection::Verdict::Drop);
}

TEST_F(ConnectionRulesTest, ARequestBeingServedIsNeverDroppedHoweverLongItTakes) {
    Connection c(open);
    c.bytes_arrived();
    c.request_complete();
    EXPECT_EQ(c.phase(), Connection::Phase::Serving);
    EXPECT_EQ(c.verdict(rules, Clock::now() + std::chrono::hours(24)), Connection::Verdict::Keep);
}

TEST_F(ConnectionRulesTest, AnIdleKeepAliveConnectionIsDroppedAfterTheIdleTimeout) {
    Connection c(open);
    c.request_complete();
    c.responding(/*close=*/false);
    EXPECT_EQ(c.phase(), Connection::Phase::Idle);
    EXPECT_EQ(c.verdict(rules, Clock::now() + std::chrono::seconds(29)), Connection::Verdict::Keep);
    EXPECT_EQ(c.verdict(rules, Clock::now() + std::chrono::seconds(31)), Connection::Verdict::Drop);
}

TEST_F(ConnectionRulesTest, TheNextRequestsClockStartsAtItsFirstByte) {
    Connection c(open);
    c.request_complete();
    c.responding(false);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_TRUE(c.bytes_arrived());
    EXPECT_EQ(c.phase(), Connection::Phase::Receiving);
    EXPECT_EQ(c.verdict(rules, Clock::now() + std::chrono::seconds(9)), Connection::Verdict::Keep);
}

TEST_F(ConnectionRulesTest, BytesWhileARequestIsServedAreDroppedAndCloseTheConnectionAfterTheAnswer) {
    Connection c(open);
    c.request_complete();
    EXPECT_FALSE(c.bytes_arrived());
    c.responding(/*close=*/false);
    EXPECT_EQ(c.phase(), Connection::Phase::Closing);
}

TEST_F(ConnectionRulesTest, ARefusalIsShutDownOnceWrittenThenDropped) {
    Connection c(open);
    c.responding(/*close=*/true);
    EXPECT_FALSE(c.bytes_arrived());
    EXPECT_EQ(c.verdict(rules, Clock::now()), Connection::Verdict::Keep);
    c.written();
    EXPECT_EQ(c.verdict(rules, Clock::now()), Connection::Verdict::ShutDownWrites);
    EXPECT_EQ(c.verdict(rules, Clock::now()), Connection::Verdict::Keep);
    EXPECT_EQ(c.verdict(rules, Clock::now() + std::chrono::seconds(3)), Connection::Verdict::Drop);
}

TEST(JsonBody, MalformedOrNonObjectJsonIsInvalidArgument) {
    EXPECT_THROW(parse_json_body("{", "application/json", BodyRule::Required), Error);
    EXPECT_THROW(parse_json_body("[1]", "application/json", BodyRule::Required), Error);
}

TEST(JsonBody, FieldsOfTheWrongTypeAreRejectedByName) {
    auto body = nlohmann::json{{"cpus", "two"}, {"force", 1}, {"name", 3}};
    EXPECT_THROW(uint_field(body, "cpus"), Error);
    EXPECT_THROW(bool_field(body, "force"), Error);
    EXPECT_THROW(required_string_field(body, "name"), Error);
    EXPECT_THROW(required_string_field(body, "missing"), Error);
    EXPECT_EQ(uint_field(body, "memory_mb", 7), 7u);
}

TEST(ListenAddress, ParsesHostAndPortAndKnowsLoopback) {
    auto a = parse_listen_address("127.0.0.1:0");
    EXPECT_EQ(a.host, "127.0.0.1");
    EXPECT_EQ(a.port, 0);
    EXPECT_TRUE(is_loopback(a));
    EXPECT_TRUE(is_loopback(parse_listen_address("[::1]:3000")));
    EXPECT_FALSE(is_loopback(parse_listen_address("0.0.0.0:3000")));
    EXPECT_FALSE(is_loopback(parse_listen_address("[::]:3000")));
    EXPECT_THROW(parse_listen_address("3000"), std::invalid_argument);
    EXPECT_THROW(parse_listen_address("1.2.3.4:99999"), std::invalid_argument);
    EXPECT_THROW(parse_listen_address("example.com:80"), std::invalid_argument);
}
