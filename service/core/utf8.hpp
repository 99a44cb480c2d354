#pragma once
// Text that must be valid UTF-8 (D-Bus strings, JSON) made from bytes that
// need not be: a guest's console, a command's output.
#include <string>
#include <string_view>

namespace minions {

// `bytes` with every invalid sequence replaced by U+FFFD. With `cut_edges`,
// `bytes` is taken to be a window into a longer stream: a character cut at
// either end is dropped rather than replaced.
std::string to_valid_utf8(std::string_view bytes, bool cut_edges = false);

}  // namespace minions
