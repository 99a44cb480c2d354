#pragma once
// Turning a request body into a JSON object, with the checks every body gets:
// size (413), content type (415), syntax (400).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minions::rest {

inline constexpr size_t kMaxBodyBytes = 64 * 1024;

// Whether a route needs a body. A route without fields is Optional: an
// empty body or {} is fine, any field in it is unknown.
enum class BodyRule { Optional, Required };

// `content_type` is the raw header value, if any. An absent body is {}.
// Throws minions::Error: PayloadTooLarge (413), UnsupportedMediaType (415),
// InvalidArgument (400).
nlohmann::json parse_json_body(const std::string& body, const std::optional<std::string>& content_type,
                               BodyRule rule);

// Strict input: InvalidArgument naming the first field or query parameter
// the route does not declare ("unknown field 'new-name' (this route accepts:
// new_name)").
void reject_unknown_fields(const nlohmann::json& body, const std::vector<std::string>& accepted);
void reject_unknown_query(const std::vector<std::string>& given, const std::vector<std::string>& accepted);

// Typed access to optional body fields; a present field of the wrong type is
// an InvalidArgument naming the field.
std::string string_field(const nlohmann::json& body, const char* key, const std::string& fallback = "");
uint32_t uint_field(const nlohmann::json& body, const char* key, uint32_t fallback = 0);
bool bool_field(const nlohmann::json& body, const char* key, bool fallback = false);
std::string required_string_field(const nlohmann::json& body, const char* key);
// A JSON string's text; InvalidArgument naming `what` when it holds a NUL,
// which a D-Bus string cannot carry (it would be cut there).
std::string text_value(const nlohmann::json& value, const std::string& what);

}  // namespace minions::rest
