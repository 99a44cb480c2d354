#include "json_body.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "core/error.hpp"

namespace minions::rest {
namespace {

bool is_json_media_type(std::string value) {
    value = value.substr(0, value.find(';'));
    value.erase(std::remove_if(value.begin(), value.end(), [](unsigned char c) { return std::isspace(c); }),
                value.end());
    std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
    return value == "application/json";
}

Error invalid(const std::string& message) { return Error(Errc::InvalidArgument, message); }

// "this route accepts: a, b" or "this route takes no query parameters".
std::string accepted_list(const std::vector<std::string>& accepted, const char* what) {
    if (accepted.empty()) return std::string("this route takes no ") + what;
    std::string list;
    for (const auto& name : accepted) list += (list.empty() ? "" : ", ") + name;
    return "this route accepts: " + list;
}

}  // namespace

nlohmann::json parse_json_body(const std::string& body, const std::optional<std::string>& content_type,
                               BodyRule rule) {
    if (body.size() > kMaxBodyBytes)
        throw Error(Errc::PayloadTooLarge,
                    "request body is larger than the limit of " + std::to_string(kMaxBodyBytes) + " bytes");
    if (body.empty()) {
        if (rule == BodyRule::Required) throw invalid("a JSON request body is required");
        return nlohmann::json::object();
    }
    if (!content_type || !is_json_media_type(*content_type))
        throw Error(Errc::UnsupportedMediaType, "request body must be JSON (Content-Type: application/json)");
    auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) throw invalid("request body is not valid JSON");
    if (!parsed.is_object()) throw invalid("request body must be a JSON object");
    return parsed;
}

void reject_unknown_fields(const nlohmann::json& body, const std::vector<std::string>& accepted) {
    for (const auto& [key, value] : body.items())
        if (std::find(accepted.begin(), accepted.end(), key) == accepted.end())
            throw invalid("unknown field '" + key + "' (" + accepted_list(accepted, "body fields") + ")");
}

void reject_unknown_query(const std::vector<std::string>& given, const std::vector<std::string>& accepted) {
    for (const auto& key : given)
        if (std::find(accepted.begin(), accepted.end(), key) == accepted.end())
            throw invalid("unknown query parameter '" + key + "' (" + accepted_list(accepted, "query parameters") +
                          ")");
}

std::string text_value(const nlohmann::json& value, const std::string& what) {
    std::string text = value.get<std::string>();
    // D-Bus strings end at a NUL: "web\u0000; rm" would reach minionsd as "web".
    if (text.find('\0') != std::string::npos) throw invalid(what + " must not contain a NUL character");
    return text;
}

std::string string_field(const nlohmann::json& body, const char* key, const std::string& fallback) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return fallback;
    if (!it->is_string()) throw invalid(std::string("'") + key + "' must be a string");
    return text_value(*it, std::string("'") + key + "'");
}

uint32_t uint_field(const nlohmann::json& body, const char* key, uint32_t fallback) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return fallback;
    if (!it->is_number_unsigned() || it->get<uint64_t>() > std::numeric_limits<uint32_t>::max())
        throw invalid(std::string("'") + key + "' must be a non-negative integer");
    return static_cast<uint32_t>(it->get<uint64_t>());
}

bool bool_field(const nlohmann::json& body, const char* key, bool fallback) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) throw invalid(std::string("'") + key + "' must be true or false");
    return it->get<bool>();
}

std::string required_string_field(const nlohmann::json& body, const char* key) {
    auto it = body.find(key);
    if (it == body.end() || !it->is_string()) throw invalid(std::string("'") + key + "' (a string) is required");
    return text_value(*it, std::string("'") + key + "'");
}

}  // namespace minions::rest
