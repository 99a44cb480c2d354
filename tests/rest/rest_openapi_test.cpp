// docs/openapi.yaml against the routes the bridge serves: the same set, in
// both directions, checked on the route table and on a running server.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

#include "api_endpoint.hpp"
#include "rest/rest_server_fixture.hpp"

using namespace minions;

namespace {

// "GET /api/vms/{name}" for every operation under `paths:`. The file keeps
// paths at two spaces of indent and methods at four, block style; that
// layout is all this reads (no YAML library is among the dependencies).
std::set<std::string> documented_routes() {
    std::ifstream in(MINIONS_SOURCE_DIR "/docs/openapi.yaml");
    EXPECT_TRUE(in) << "docs/openapi.yaml missing";
    std::set<std::string> routes;
    std::regex path_line(R"(^  (/[^:]*):\s*$)");
    std::regex method_line(R"(^    (get|post|put|patch|delete):)");
    bool in_paths = false;
    std::string path;
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] != ' ') in_paths = line.rfind("paths:", 0) == 0;
        if (!in_paths) continue;
        if (std::regex_match(line, m, path_line)) path = m[1];
        else if (std::regex_search(line, m, method_line)) {
            std::string method = m[1];
            for (auto& c : method) c = static_cast<char>(std::toupper(c));
            routes.insert(method + " " + path);
        }
    }
    return routes;
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
    EXPECT_EQ(documented.size(), 12u);
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
        // behind it, so 500, or 400 for a missing body), never 404 or 405.
        EXPECT_NE(r.status, 404) << route << ": " << r.body;
        EXPECT_NE(r.status, 405) << route << ": " << r.body;
    }
}
