#include "agent/request_id.hpp"

#include <atomic>
#include <random>

namespace minions::agent {

namespace {

constexpr uint64_t kIdBits = 53;

// A random start in the lower half of the range: no restart lands on the ids
// of an earlier run unless their starts fall within a few million of each
// other (odds about 1 in 10^9), and the counter never reaches the top.
uint64_t random_start() {
    std::random_device entropy;
    const uint64_t r = (uint64_t{entropy()} << 32) | entropy();
    return 1 + (r & ((uint64_t{1} << (kIdBits - 1)) - 1));
}

}  // namespace

uint64_t next_request_id() {
    static std::atomic<uint64_t> next{random_start()};
    return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace minions::agent
