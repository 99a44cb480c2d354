#pragma once
// The requests being served, so that `cancel` can reach one: the host sends it
// when it gives up on a call, and a host connection that ends cancels what it
// asked for. A cancelled exec is killed, a cancelled freeze thawed, and a
// request whose id was cancelled before it arrived is never run.
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "core/unique_fd.hpp"

namespace minions::agent {

class Call {
public:
    explicit Call(std::optional<uint64_t> id);
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

    // nullopt when the request had no numeric id (then only its connection can cancel it).
    std::optional<uint64_t> id() const { return id_; }
    // Idempotent; wakes whoever polls wake_fd().
    void cancel();
    bool cancelled() const { return cancelled_; }
    // Becomes readable, and stays so, once the call is cancelled: handlers that
    // wait (exec) poll it next to their own descriptors.
    int wake_fd() const { return wake_.get(); }

private:
    std::optional<uint64_t> id_;
    std::atomic<bool> cancelled_{false};
    UniqueFd wake_;  // eventfd
};

class Calls {
public:
    // Registers a request about to run; it comes back already cancelled when
    // its id was.
    std::shared_ptr<Call> begin(std::optional<uint64_t> id);
    void end(const std::shared_ptr<Call>& call);
    // Cancels the requests with this id, or remembers the id so that one
    // arriving later is refused. True when one was running.
    bool cancel(uint64_t id);

private:
    // Ids are unique per host, so a few thousand recent ones are plenty.
    static constexpr std::size_t kRememberCancelled = 4096;

    std::mutex mutex_;
    // A multimap: hosts before protocol 2 reuse ids across connections.
    std::multimap<uint64_t, std::shared_ptr<Call>> running_;
    std::set<uint64_t> refused_;  // cancelled while nothing with that id ran
    std::deque<uint64_t> refused_order_;  // oldest first, to forget them in turn
};

}  // namespace minions::agent
