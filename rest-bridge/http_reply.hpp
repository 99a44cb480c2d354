#pragma once
// Every response the bridge sends is JSON; errors are {"error": "…"}.
#include <string>

#include <nlohmann/json.hpp>
#include <pistache/http.h>

#include "core/error.hpp"

namespace minions::rest {

// A failure of the HTTP exchange itself (413, 415, 404, 405, 503), as opposed
// to a minions::Error from the service, whose status comes from the error table.
struct HttpProblem {
    int status;
    std::string message;
};

// Header carrying the D-Bus error name next to {"error"}, so remote clients
// can pick the same exit code as local ones without a second table.
inline constexpr const char* kErrorNameHeader = "X-Minions-Error";

void send_json(Pistache::Http::ResponseWriter& response, int status, const nlohmann::json& body);
void send_problem(Pistache::Http::ResponseWriter& response, const HttpProblem& problem);
void send_error(Pistache::Http::ResponseWriter& response, const Error& error);

}  // namespace minions::rest
