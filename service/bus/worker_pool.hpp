#pragma once
// A fixed set of threads that run the slow part of D-Bus methods, so the bus
// thread only unpacks arguments and keeps answering other callers. Nothing
// here waits for polkit: a method asks it asynchronously and comes back to
// the pool with the answer.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace minions::bus {

class WorkerPool {
public:
    explicit WorkerPool(unsigned threads);
    ~WorkerPool();  // drain() without a bound, then joins
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // False once drain() has begun: the caller must answer the work itself.
    [[nodiscard]] bool post(std::function<void()> work);

    // Refuses new work and waits until what was queued or running is done;
    // false if some is still running after `bound` (the threads are then
    // still busy and the pool must not be destroyed while they are).
    bool drain(std::chrono::milliseconds bound);

private:
    void run();
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::deque<std::function<void()>> queue_;
    unsigned running_ = 0;
    bool draining_ = false;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace minions::bus
