#pragma once
// Keeps exec output small enough that the response frame stays under 1 MiB,
// counting the bytes JSON escaping adds (a NUL byte becomes "\u0000").
#include <cstddef>
#include <string>

namespace minions::agent {

inline constexpr std::size_t kOutputCapBytes = 256 * 1024;      // raw bytes kept per stream
inline constexpr std::size_t kOutputEscapedBudget = 448 * 1024;  // encoded bytes per stream

// Trims `text` until its JSON-encoded size fits `budget`; true when it trimmed.
bool fit_escaped(std::string& text, std::size_t budget = kOutputEscapedBudget);

}  // namespace minions::agent
