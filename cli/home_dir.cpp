#include "home_dir.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace minions::cli {

std::optional<std::string> home_dir() {
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home);
    if (const passwd* entry = getpwuid(getuid()); entry && entry->pw_dir) return std::string(entry->pw_dir);
    return std::nullopt;
}

}  // namespace minions::cli
