#include "fault.hpp"

#include <csignal>
#include <cstdlib>
#include <string>

#include "log.hpp"

namespace minions::lifecycle {

void fault_point(std::string_view point) {
    const char* wanted = std::getenv("MINIONS_FAULT");
    if (!wanted || point != wanted) return;
    log_warning("fault injection: killing minionsd at " + std::string(point));
    std::raise(SIGKILL);
}

}  // namespace minions::lifecycle
