#pragma once
// The guest agent's `status` answer as callers get it (AgentStatus in
// docs/openapi.yaml): only the documented fields, each with its documented
// type. What a guest adds, or sends with another type, does not reach them.
#include <nlohmann/json.hpp>

namespace minions::lifecycle {

// Throws Error{AgentFailed} when the answer has no valid uptime_s.
nlohmann::json documented_status(const nlohmann::json& answer);

}  // namespace minions::lifecycle
