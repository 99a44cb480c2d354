#pragma once
#include <string>
#include <string_view>

namespace minions {

inline constexpr std::size_t kMaxNameLength = 11;

// Throws Error{InvalidName} with a sentence saying what is wrong with `name`
// (empty, too long, a character outside [A-Za-z0-9-], a leading '-').
void validate_name(std::string_view name);
bool is_valid_name(std::string_view name) noexcept;

// The default name of a copy: the first 6 characters of the source + "-copy".
std::string copy_name_for(std::string_view source_name);

}  // namespace minions
