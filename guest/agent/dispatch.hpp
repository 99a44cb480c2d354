#pragma once
// Turns one decoded frame (or a decoding error) into exactly one response.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "context.hpp"

namespace minions::agent {

// ctx.call, when set, is the request's entry in ctx.calls: a cancelled request
// is answered {"ok": false, "cancelled": true} and, if not started, not run.
nlohmann::json handle_request(const nlohmann::json& request, Context& ctx);
nlohmann::json error_response(const nlohmann::json& id, const std::string& message);
// The id a cancel can name: an unsigned integer.
std::optional<uint64_t> numeric_id(const nlohmann::json& request);
// cancel, and requests answered with an error before any work: never worth a
// thread of their own, and a cancel must not wait behind anything.
bool answered_at_once(const nlohmann::json& request);

}  // namespace minions::agent
