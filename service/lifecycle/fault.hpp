#pragma once
// Fault injection for crash tests: when the environment variable
// MINIONS_FAULT names a point ("create:after-tap"), the daemon SIGKILLs itself
// on reaching it, exactly as an operator's `kill -9` would.
#include <string_view>

namespace minions::lifecycle {

void fault_point(std::string_view point);

}  // namespace minions::lifecycle
