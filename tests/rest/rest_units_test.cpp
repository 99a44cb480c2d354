// The bridge's pure parts: route matching, the token check, body rules and
// the listen address.
#include <gtest/gtest.h>

#include "api_endpoint.hpp"
#include "bearer_token.hpp"
#include "core/error.hpp"
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
        "POST /api/vms",          "GET /api/vms",           "GET /api/vms/:name",
        "DELETE /api/vms/:name",  "POST /api/vms/:name/start", "POST /api/vms/:name/stop",
        "POST /api/vms/:name/restart", "POST /api/vms/:name/rename", "POST /api/vms/:name/copy",
        "POST /api/vms/:name/exec", "GET /api/vms/:name/status", "GET /api/vms/:name/logs"};
    EXPECT_EQ(served, expected);
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

TEST(JsonBody, AbsentOptionalBodyIsAnEmptyObject) {
    EXPECT_EQ(parse_json_body("", std::nullopt, BodyRule::Optional), nlohmann::json::object());
}

TEST(JsonBody, AbsentRequiredBodyIsInvalidArgument) {
    try {
        parse_json_body("", std::nullopt, BodyRule::Required);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::InvalidArgument);
    }
}

TEST(JsonBody, OversizedBodyIs413) {
    std::string body(kMaxBodyBytes + 1, ' ');
    try {
        parse_json_body(body, "application/json", BodyRule::Required);
        FAIL();
    } catch (const HttpProblem& p) {
        EXPECT_EQ(p.status, 413);
    }
}

TEST(JsonBody, NonJsonContentTypeIs415) {
    try {
        parse_json_body("{}", "text/plain", BodyRule::Required);
        FAIL();
    } catch (const HttpProblem& p) {
        EXPECT_EQ(p.status, 415);
    }
    EXPECT_NO_THROW(parse_json_body("{}", "Application/JSON; charset=utf-8", BodyRule::Required));
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
