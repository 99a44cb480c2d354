// docs/openapi.yaml against the routes the bridge serves: the same set, in
// both directions, checked on the route table and on a running server; and
// the document's info.version is the API version the running bridge answers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "api_endpoint.hpp"
#include "contract/contract.hpp"
#include "rest/rest_server_fixture.hpp"

using namespace minions;

namespace {

// "GET /api/vms/{name}" for every operation under `paths:`, as a YAML
// parser reads the document (tests/contract's checker).
std::set<std::string> documented_routes() {
    auto routes = test::contract::documented_routes();
    return {routes.begin(), routes.end()};
}

// "/api/vms/:name" → "/api/vms/{name}"
std::string openapi_path(const std::string& pistache_path) {
    return std::regex_replace(pistache_path, std::regex(":([a-z_]+)"), "{$1}");
}

std::set<std::string> served_routes() {
    std::set<std::string> routes;
    for (const auto& route : rest::ApiEndpoint::routes())
        routes.insert(std::string(rest::verb_name(route.verb)) + " " + openapi_path(route.path));
    return routes;
}

}  // namespace

TEST(OpenApi, DocumentsExactlyTheServedRoutes) {
    auto documented = documented_routes();
    auto served = served_routes();
    EXPECT_EQ(documented.size(), 13u);
    for (const auto& route : served) EXPECT_TRUE(documented.count(route)) << "undocumented: " << route;
    for (const auto& route : documented) EXPECT_TRUE(served.count(route)) << "documented, not served: " << route;
}

TEST(OpenApi, EveryDocumentedRouteIsAnsweredByTheRunningServer) {
    test::BareBus bus;
    test::RestServer server({"--bus", bus.address()}, {{"MINIONS_API_KEY", "t"}});
    for (const auto& route : documented_routes()) {
        auto space = route.find(' ');
        std::string method = route.substr(0, space);
        std::string path = std::regex_replace(route.substr(space + 1), std::regex(R"(\{[a-z_]+\})"), "web");
        auto r = test::http({method, server.url(path), std::nullopt, {"Authorization: Bearer t"}});
        // Routed: the request got past the router to its handler (no service
        // behind it, so 503, or 400 for a missing body), never 404 or 405.
        // http() also checks each answer against the document.
        EXPECT_NE(r.status, 404) << route << ": " << r.body;
        EXPECT_NE(r.status, 405) << route << ": " << r.body;
    }
}

TEST(OpenApi, InfoVersionIsTheApiVersionTheBridgeAnswers) {
    test::BareBus bus;
    test::RestServer server({"--bus", bus.address()}, {{"MINIONS_API_KEY", "t"}});
    auto r = test::http({"GET", server.url("/api"), std::nullopt, {"Authorization: Bearer t"}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body.value("api_version", ""), test::contract::document_version()) << r.body;
}
