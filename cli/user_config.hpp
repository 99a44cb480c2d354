#pragma once
// The user's settings for remote mode, from ~/.config/minions/config (lines
// "key = value", '#' comments):
//   host = URL          remote mode without --host (--host '' forces local)
//   token_file = PATH   the bearer token's file
//   token = TOKEN       the bearer token itself
// The token is the first of: --token, --token-file, MINIONS_API_KEY,
// token_file, token. A token file is refused, as ssh refuses a private key,
// unless only its owner may read or write it (mode 0600 or stricter).
#include <optional>
#include <string>

namespace minions::cli {

std::optional<std::string> resolve_token(const std::optional<std::string>& flag,
                                         const std::optional<std::string>& file_flag = std::nullopt);

// --host when given (empty: local mode), else `host` in the config file.
std::optional<std::string> resolve_host(const std::optional<std::string>& flag);

// The token in `path`, surrounding whitespace removed. Throws
// minions::Error(InvalidArgument) when the file is missing, empty, or
// accessible by group or others.
std::string read_token_file(const std::string& path);

// The value of `key` in a config file; nullopt when absent.
std::optional<std::string> config_value(const std::string& path, const std::string& key);

// ~/.config/minions/config, or nullopt without a home directory.
std::optional<std::string> user_config_path();

}  // namespace minions::cli
