#pragma once
// What each REST route does once the request is admitted: one small function
// per route turning the call into a client::Manager call, and the table of all
// routes with the body fields and query parameters each accepts. Runs on a
// worker thread.
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_body.hpp"
#include "manager_client.hpp"
#include "route_table.hpp"

namespace minions::rest {

// What a handler needs from the request, copied off Pistache's buffers
// before the work moves to another thread.
struct ApiCall {
    std::string name;                          // the {name} path segment, if any
    nlohmann::json body;                       // {} when none was sent
    std::map<std::string, std::string> query;  // only parameters the route declares
};

// A route answered through minionsd, or by the bridge alone (no bus call).
using BusOperation = nlohmann::json (*)(client::Manager& manager, const ApiCall& call);
using LocalOperation = nlohmann::json (*)(const ApiCall& call);

struct ApiRoute {
    RouteSpec spec;
    BodyRule body;
    int success_status;
    std::variant<BusOperation, LocalOperation> operation;
};

// Every route the bridge serves.
const std::vector<ApiRoute>& api_routes();

// The route serving `verb` on `path`, if any.
const ApiRoute* find_route(Verb verb, std::string_view path);

}  // namespace minions::rest
