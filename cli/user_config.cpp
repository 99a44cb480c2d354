#include "user_config.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "home_dir.hpp"

namespace minions::cli {
namespace {

std::string trim(const std::string& text, const char* space = " \t\r") {
    auto first = text.find_first_not_of(space);
    if (first == std::string::npos) return "";
    auto last = text.find_last_not_of(space);
    return text.substr(first, last - first + 1);
}

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
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

std::optional<std::string> user_config_path() {
    if (auto home = home_dir()) return *home + "/.config/minions/config";
    return std::nullopt;
}

std::string read_token_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw Error(Errc::InvalidArgument, "cannot read token file " + path + ": " + std::strerror(errno));
    // The same rule as minions-rest's --token-file, and ssh's for private keys.
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        throw Error(Errc::InvalidArgument, "token file " + path + " is accessible by group or others (mode " +
                                               octal_mode(st.st_mode) + "); run: chmod 600 " + path);
    std::ifstream in(path);
    if (!in) throw Error(Errc::InvalidArgument, "cannot open token file " + path);
    std::stringstream content;
    content << in.rdbuf();
    std::string token = trim(content.str(), " \t\r\n");
    if (token.empty()) throw Error(Errc::InvalidArgument, "token file " + path + " is empty");
    return token;
}

std::optional<std::string> resolve_token(const std::optional<std::string>& flag,
                                         const std::optional<std::string>& file_flag) {
    if (flag && !flag->empty()) return flag;
    if (file_flag && !file_flag->empty()) return read_token_file(*file_flag);
    if (const char* key = std::getenv("MINIONS_API_KEY"); key && *key) return std::string(key);
    if (auto config = user_config_path()) {
        if (auto file = config_value(*config, "token_file"); file && !file->empty()) {
            // "~/…" and relative paths are relative to the home directory, as in ssh_config.
            std::string path = *file;
            if (path.rfind("~/", 0) == 0) path = path.substr(2);
            if (path.empty() || path.front() != '/') path = *home_dir() + "/" + path;
            return read_token_file(path);
        }
        if (auto token = config_value(*config, "token"); token && !token->empty()) return token;
    }
    return std::nullopt;
}

std::optional<std::string> resolve_host(const std::optional<std::string>& flag) {
    if (flag) return flag->empty() ? std::nullopt : flag;
    if (auto config = user_config_path())
        if (auto host = config_value(*config, "host"); host && !host->empty()) return host;
    return std::nullopt;
}

}  // namespace minions::cli
