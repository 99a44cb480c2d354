#include "rollback.hpp"

#include "log.hpp"

namespace minions::lifecycle {

void Rollback::run() noexcept {
    while (!undos_.empty()) {
        auto [what, undo] = std::move(undos_.back());
        undos_.pop_back();
        try {
            undo();
        } catch (const std::exception& e) {
            log_warning("rollback: " + what + " failed: " + e.what());
        } catch (...) {
            log_warning("rollback: " + what + " failed");
        }
    }
}

}  // namespace minions::lifecycle
