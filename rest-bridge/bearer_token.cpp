#include "bearer_token.hpp"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace minions::rest {
namespace {

std::string_view trim(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n";
    auto first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return {};
    auto last = text.find_last_not_of(kSpace);
    return text.substr(first, last - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

}  // namespace

std::string read_token_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw std::runtime_error("cannot read token file " + path + ": " + std::strerror(errno));
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        throw std::runtime_error("token file " + path +
                                 " is accessible by group or others; run: chmod 600 " + path);
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open token file " + path);
    std::stringstream content;
    content << in.rdbuf();
    std::string token(trim(content.str()));
    if (token.empty()) throw std::runtime_error("token file " + path + " is empty");
    return token;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    // Length is not secret enough to hide, but walk the full guess regardless.
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ (b.empty() ? 0 : b[i % b.size()]));
    return diff == 0;
}

AuthResult check_bearer(const std::optional<std::string>& header, std::string_view token) {
    if (!header) return AuthResult::Missing;
    std::string_view value = trim(*header);
    auto space = value.find(' ');
    if (space == std::string_view::npos || !iequals(value.substr(0, space), "Bearer"))
        return AuthResult::WrongScheme;
    return constant_time_equal(trim(value.substr(space + 1)), token) ? AuthResult::Ok : AuthResult::WrongToken;
}

}  // namespace minions::rest
