#include "user_config.hpp"

#include <cstdlib>
#include <fstream>

#include "home_dir.hpp"

namespace minions::cli {
namespace {

std::string trim(const std::string& text) {
    auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) return "";
    auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

}  // namespace

std::optional<std::string> config_value(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        auto equals = line.find('=');
        if (equals == std::string::npos || trim(line.substr(0, equals)) != key) continue;
        std::string value = trim(line.substr(equals + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        return value;
    }
    return std::nullopt;
}

std::optional<std::string> resolve_token(const std::optional<std::string>& flag) {
    if (flag && !flag->empty()) return flag;
    if (const char* key = std::getenv("MINIONS_API_KEY"); key && *key) return std::string(key);
    if (auto home = home_dir())
        if (auto token = config_value(*home + "/.config/minions/config", "token"); token && !token->empty())
            return token;
    return std::nullopt;
}

}  // namespace minions::cli
