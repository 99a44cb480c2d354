#pragma once
// Turning a request body into a JSON object, with the checks every body gets:
// size (413), content type (415), syntax (400).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace minions::rest {

inline constexpr size_t kMaxBodyBytes = 64 * 1024;

enum class BodyRule { Ignored, Optional, Required };

// `content_type` is the raw header value, if any. An absent optional body is
// {}. Throws HttpProblem (413, 415) or minions::Error (InvalidArgument: 400).
nlohmann::json parse_json_body(const std::string& body, const std::optional<std::string>& content_type,
                               BodyRule rule);

// Typed access to optional body fields; a present field of the wrong type is
// an InvalidArgument naming the field.
std::string string_field(const nlohmann::json& body, const char* key, const std::string& fallback = "");
uint32_t uint_field(const nlohmann::json& body, const char* key, uint32_t fallback = 0);
bool bool_field(const nlohmann::json& body, const char* key, bool fallback = false);
std::string required_string_field(const nlohmann::json& body, const char* key);

}  // namespace minions::rest
