#pragma once
// The undo stack every multi-step operation uses: each step that creates a
// resource registers how to remove it before the next step runs. If the
// operation does not reach commit(), the undos run newest first. One mechanism
// for create, copy and start instead of a hand-written cleanup per operation.
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace minions::lifecycle {

class Rollback {
public:
    Rollback() = default;
    Rollback(const Rollback&) = delete;
    Rollback& operator=(const Rollback&) = delete;
    ~Rollback() { run(); }

    // `what` names the undo in the log if it fails.
    void add(std::string what, std::function<void()> undo) {
        undos_.emplace_back(std::move(what), std::move(undo));
    }
    void commit() noexcept { undos_.clear(); }
    void run() noexcept;

private:
    std::vector<std::pair<std::string, std::function<void()>>> undos_;
};

}  // namespace minions::lifecycle
