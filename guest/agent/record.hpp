#pragma once
// Host test mode: actions that would change the machine (network, hostname,
// freeze) are written as files under <sandbox>/.record/ instead.
#include <string>

#include "context.hpp"

namespace minions::agent {

inline constexpr const char* kRecordDir = ".record";

void record(const Context& ctx, const std::string& name, const std::string& content, bool append = false);
// Contents of a recorded file, or "" when nothing was recorded yet.
std::string recorded(const Context& ctx, const std::string& name);

}  // namespace minions::agent
