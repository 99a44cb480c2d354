#include "calls.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

namespace minions::agent {

Call::Call(std::optional<uint64_t> id) : id_(id), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

void Call::cancel() {
    if (cancelled_.exchange(true)) return;
    const uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
}

std::shared_ptr<Call> Calls::begin(std::optional<uint64_t> id) {
    auto call = std::make_shared<Call>(id);
    if (!id) return call;
    std::lock_guard lock(mutex_);
    if (refused_.count(*id)) call->cancel();
    running_.emplace(*id, call);
    return call;
}

void Calls::end(const std::shared_ptr<Call>& call) {
    if (!call->id()) return;
    std::lock_guard lock(mutex_);
    auto [first, last] = running_.equal_range(*call->id());
    for (auto it = first; it != last; ++it) {
        if (it->second == call) {
            running_.erase(it);
            return;
        }
    }
}

bool Calls::cancel(uint64_t id) {
    std::lock_guard lock(mutex_);
    auto [first, last] = running_.equal_range(id);
    if (first != last) {
        for (auto it = first; it != last; ++it) it->second->cancel();
        return true;
    }
    if (refused_.insert(id).second) {
        refused_order_.push_back(id);
        if (refused_order_.size() > kRememberCancelled) {
            refused_.erase(refused_order_.front());
            refused_order_.pop_front();
        }
    }
    return false;
}

}  // namespace minions::agent
