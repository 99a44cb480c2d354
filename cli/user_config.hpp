#pragma once
// Where remote mode's token comes from: --token, else MINIONS_API_KEY, else
// `token = …` in ~/.config/minions/config (lines "key = value", '#' comments).
#include <optional>
#include <string>

namespace minions::cli {

std::optional<std::string> resolve_token(const std::optional<std::string>& flag);

// The value of `key` in a config file; nullopt when absent.
std::optional<std::string> config_value(const std::string& path, const std::string& key);

}  // namespace minions::cli
