#pragma once
// Fixed threads that run the D-Bus calls, so a create taking minutes never
// occupies one of Pistache's I/O threads and reads keep being answered.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace minions::rest {

class WorkerPool {
public:
    using Job = std::function<void()>;

    WorkerPool(size_t threads, size_t max_queued);
    ~WorkerPool();  // close()
    // Refuses new jobs (submit() is false), drops queued ones and waits for
    // the running ones. The pool stays valid, so callers that still hold it
    // (Pistache's I/O threads) are refused rather than use freed memory.
    void close();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // False when the queue is full: the caller answers 503 rather than
    // letting requests pile up without bound.
    bool submit(Job job);

private:
    void run();

    size_t max_queued_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace minions::rest
