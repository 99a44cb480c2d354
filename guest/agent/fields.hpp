#pragma once
// Reading request arguments with sentences a host can show as-is when a field
// is missing or of the wrong type.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minions::agent {

// Thrown by handlers; becomes {"ok": false, "error": what()}.
class RequestError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::string required_string(const nlohmann::json& req, const char* field);
std::optional<std::string> optional_string(const nlohmann::json& req, const char* field);
uint64_t required_uint(const nlohmann::json& req, const char* field);
uint64_t optional_uint(const nlohmann::json& req, const char* field, uint64_t fallback, uint64_t max);
bool optional_bool(const nlohmann::json& req, const char* field, bool fallback);
std::vector<std::string> optional_strings(const nlohmann::json& req, const char* field);

// The errno sentence for `what`, e.g. "cannot open 'x': No such file or directory".
[[noreturn]] void throw_errno(const std::string& what);

}  // namespace minions::agent
