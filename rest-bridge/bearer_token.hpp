#pragma once
// The bridge's one secret: where it comes from and how a request's
// Authorization header is checked against it.
#include <optional>
#include <string>
#include <string_view>

namespace minions::rest {

// Reads a token file, refusing one that group or others may read (it would
// leak the key) or that is empty. Surrounding whitespace is dropped.
// Throws std::runtime_error saying what is wrong with the file.
std::string read_token_file(const std::string& path);

// Compares without an early exit, so response time does not reveal how many
// leading characters of a guess were right.
bool constant_time_equal(std::string_view a, std::string_view b);

enum class AuthResult { Ok, Missing, WrongScheme, WrongToken };

// Checks "Authorization: Bearer <token>" (scheme case-insensitive).
AuthResult check_bearer(const std::optional<std::string>& header, std::string_view token);

}  // namespace minions::rest
