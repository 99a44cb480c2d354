#include "fields.hpp"

#include <cerrno>
#include <cstring>

namespace minions::agent {

namespace {

const nlohmann::json* find(const nlohmann::json& req, const char* field) {
    auto it = req.find(field);
    if (it == req.end() || it->is_null()) return nullptr;
    return &*it;
}

}  // namespace

std::string required_string(const nlohmann::json& req, const char* field) {
    auto value = optional_string(req, field);
    if (!value) throw RequestError(std::string("missing field '") + field + "'");
    return *value;
}

std::optional<std::string> optional_string(const nlohmann::json& req, const char* field) {
    const auto* v = find(req, field);
    if (!v) return std::nullopt;
    if (!v->is_string()) throw RequestError(std::string("field '") + field + "' must be a string");
    return v->get<std::string>();
}

uint64_t required_uint(const nlohmann::json& req, const char* field) {
    if (!find(req, field)) throw RequestError(std::string("missing field '") + field + "'");
    return optional_uint(req, field, 0, UINT64_MAX);
}

uint64_t optional_uint(const nlohmann::json& req, const char* field, uint64_t fallback, uint64_t max) {
    const auto* v = find(req, field);
    if (!v) return fallback;
    if (!v->is_number_unsigned() || v->get<uint64_t>() > max) {
        throw RequestError(std::string("field '") + field + "' must be an integer from 0 to " + std::to_string(max));
    }
    return v->get<uint64_t>();
}

bool optional_bool(const nlohmann::json& req, const char* field, bool fallback) {
    const auto* v = find(req, field);
    if (!v) return fallback;
    if (!v->is_boolean()) throw RequestError(std::string("field '") + field + "' must be true or false");
    return v->get<bool>();
}

std::vector<std::string> optional_strings(const nlohmann::json& req, const char* field) {
    const auto* v = find(req, field);
    if (!v) return {};
    const std::string complaint = std::string("field '") + field + "' must be an array of strings";
    if (!v->is_array()) throw RequestError(complaint);
    std::vector<std::string> out;
    for (const auto& item : *v) {
        if (!item.is_string()) throw RequestError(complaint);
        out.push_back(item.get<std::string>());
    }
    return out;
}

void throw_errno(const std::string& what) {
    throw RequestError(what + ": " + std::strerror(errno));
}

}  // namespace minions::agent
