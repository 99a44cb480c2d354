#pragma once
#include <optional>
#include <string>

namespace minions::cli {

// $HOME, else the password database's entry for the real user.
std::optional<std::string> home_dir();

}  // namespace minions::cli
