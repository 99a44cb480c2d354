#include "worker_pool.hpp"

namespace minions::bus {

WorkerPool::WorkerPool(unsigned threads) {
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
    drain(std::chrono::milliseconds::max());
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
}

bool WorkerPool::post(std::function<void()> work) {
    {
        std::lock_guard lock(mutex_);
        if (draining_) return false;
        queue_.push_back(std::move(work));
    }
    wake_.notify_one();
    return true;
}

bool WorkerPool::drain(std::chrono::milliseconds bound) {
    std::unique_lock lock(mutex_);
    draining_ = true;
    auto done = [this] { return queue_.empty() && running_ == 0; };
    if (bound == std::chrono::milliseconds::max()) {
        idle_.wait(lock, done);
        return true;
    }
    return idle_.wait_for(lock, bound, done);
}

void WorkerPool::run() {
    for (;;) {
        std::function<void()> work;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            work = std::move(queue_.front());
            queue_.pop_front();
            ++running_;
        }
        work();
        {
            std::lock_guard lock(mutex_);
            --running_;
        }
        idle_.notify_all();
    }
}

}  // namespace minions::bus
