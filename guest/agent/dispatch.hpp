#pragma once
// Turns one decoded frame (or a decoding error) into exactly one response.
#include <string>

#include <nlohmann/json.hpp>

#include "context.hpp"

namespace minions::agent {

nlohmann::json handle_request(const nlohmann::json& request, Context& ctx);
nlohmann::json error_response(const nlohmann::json& id, const std::string& message);

}  // namespace minions::agent
