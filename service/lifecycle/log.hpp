#pragma once
// journald-friendly logging: one line per message on stderr with the
// sd-daemon priority prefix ("<3>"), which journald turns into a priority and
// a terminal shows harmlessly.
#include <string_view>

namespace minions {

void log_error(std::string_view message);
void log_warning(std::string_view message);
void log_info(std::string_view message);

}  // namespace minions
