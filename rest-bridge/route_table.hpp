#pragma once
// The REST API's routes as data: the endpoint binds them, the 404/405 check
// matches against them, and the OpenAPI test compares docs/openapi.yaml with them.
#include <string>
#include <string_view>
#include <vector>

namespace minions::rest {

enum class Verb { Get, Post, Delete };

struct RouteSpec {
    Verb verb;
    std::string path;  // Pistache syntax: "/api/vms/:name"
};

std::string_view verb_name(Verb verb);  // "GET", "POST", "DELETE"

// Does a request path ("/api/vms/web/start") fit a route pattern
// ("/api/vms/:name/start")? Empty segments are ignored, as Pistache does.
bool path_matches(std::string_view pattern, std::string_view path);

// The methods any route serves for `path`; empty when no route has this path.
std::vector<Verb> verbs_for_path(const std::vector<RouteSpec>& routes, std::string_view path);

}  // namespace minions::rest
