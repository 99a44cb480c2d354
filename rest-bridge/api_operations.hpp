#pragma once
// What each REST route does once the request is admitted: one small function
// per route turning the call into a ManagerClient call, and the table of all
// routes. Runs on a worker thread.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_body.hpp"
#include "manager_client.hpp"
#include "route_table.hpp"

namespace minions::rest {

// What a handler needs from the request, copied off Pistache's buffers
// before the work moves to another thread.
struct ApiCall {
    std::string name;                     // the {name} path segment, if any
    nlohmann::json body;                  // {} when the route takes no body
    std::optional<std::string> max_bytes; // query parameter of /logs
};

using Operation = nlohmann::json (*)(client::ManagerClient& manager, const ApiCall& call);

struct ApiRoute {
    RouteSpec spec;
    BodyRule body;
    int success_status;
    Operation operation;
};

// Every route the bridge serves.
const std::vector<ApiRoute>& api_routes();

}  // namespace minions::rest
