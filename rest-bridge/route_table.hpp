#pragma once
// The REST API's routes as data: the endpoint serves them, the 404/405 check
// matches against them, strict input checks bodies and queries against the
// names they declare, and the OpenAPI test compares docs/openapi.yaml with them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minions::rest {

enum class Verb { Get, Post, Delete };

struct RouteSpec {
    Verb verb;
    std::string path;                 // "/api/vms/:name"
    std::vector<std::string> fields;  // JSON body fields it accepts; any other is a 400
    std::vector<std::string> query;   // query parameters it accepts; any other is a 400
};

std::string_view verb_name(Verb verb);  // "GET", "POST", "DELETE"

// Does a request path ("/api/vms/web/start") fit a route pattern
// ("/api/vms/:name/start")? Empty segments are ignored, as Pistache does.
bool path_matches(std::string_view pattern, std::string_view path);

// The value of parameter `name` (":name") in `path`, if `pattern` has it.
std::optional<std::string> path_parameter(std::string_view pattern, std::string_view path, std::string_view name);

// A path segment with its %XX escapes decoded (RFC 3986). Throws
// Error{InvalidArgument} on a bad escape or a decoded NUL, which a D-Bus
// string could not carry.
std::string decode_path_segment(std::string_view segment);

// The methods any route serves for `path`; empty when no route has this path.
std::vector<Verb> verbs_for_path(const std::vector<RouteSpec>& routes, std::string_view path);

}  // namespace minions::rest
