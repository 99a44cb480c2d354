#include "hypervisor/exit_watcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace minions::hv {

ExitWatcher::ExitWatcher(OnExit on_exit)
    : on_exit_(std::move(on_exit)), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (wake_fd_.get() < 0)
        throw Error{Errc::HypervisorFailed, std::string("cannot create an eventfd: ") + std::strerror(errno)};
    thread_ = std::thread([this] { run(); });
}

ExitWatcher::~ExitWatcher() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake();
    thread_.join();
}

void ExitWatcher::watch(const std::string& key, const Process& process) {
    Watch entry{process, nullptr, true};
    if (process.pid > 0) {
        // The pidfd is O_CLOEXEC by definition: no VMM inherits it.
        int fd = static_cast<int>(::syscall(SYS_pidfd_open, process.pid, 0));
        if (fd < 0 && errno != ESRCH)
            throw Error{Errc::HypervisorFailed,
                        "cannot watch process " + std::to_string(process.pid) + ": " + std::strerror(errno)};
        auto pidfd = std::make_shared<UniqueFd>(fd);
        // pidfd_open takes whichever process has the pid now. A process
        // never changes pid, so if the start time still matches after the
        // open, the pidfd is ours; otherwise ours is gone and the pid recycled.
        if (fd >= 0 && process_alive(process)) {
            entry.pidfd = std::move(pidfd);
            entry.exited = false;
        }
    }
    std::unique_lock lock(mutex_);
    wait_not_running(lock, key);
    watches_.insert_or_assign(key, std::move(entry));
    wake();
}

void ExitWatcher::unwatch(const std::string& key) {
    std::unique_lock lock(mutex_);
    if (watches_.erase(key) > 0) wake();  // so the thread lets go of the pidfd
    wait_not_running(lock, key);
}

void ExitWatcher::wait_not_running(std::unique_lock<std::mutex>& lock, const std::string& key) {
    // On the watcher thread the running on_exit is our caller: waiting for
    // it to finish would never end.
    if (std::this_thread::get_id() == thread_.get_id()) return;
    finished_.wait(lock, [&] { return running_ != key; });
}

void ExitWatcher::wake() {
    uint64_t one = 1;
    while (::write(wake_fd_.get(), &one, sizeof one) < 0 && errno == EINTR) {
    }
}

void ExitWatcher::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        // One exit at a time, taken under the lock, so an unwatch() that
        // returned while an earlier on_exit ran is honoured.
        auto done = std::find_if(watches_.begin(), watches_.end(), [](const auto& w) { return w.second.exited; });
        if (done != watches_.end()) {
            std::string key = done->first;
            Process process = done->second.process;
            watches_.erase(done);
            running_ = key;
            lock.unlock();
            on_exit_(key, process);
            lock.lock();
            running_.reset();
            finished_.notify_all();
            continue;
        }

        std::vector<pollfd> fds{{wake_fd_.get(), POLLIN, 0}};
        std::vector<std::pair<std::string, std::shared_ptr<UniqueFd>>> polled;
        for (const auto& [key, entry] : watches_) {
            fds.push_back({entry.pidfd->get(), POLLIN, 0});
            polled.emplace_back(key, entry.pidfd);
        }
        lock.unlock();
        // A failed poll (EINTR) reports nothing and the loop polls again.
        ::poll(fds.data(), fds.size(), -1);
        uint64_t count;
        while (::read(wake_fd_.get(), &count, sizeof count) > 0) {
        }
        lock.lock();
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if (fds[i].revents == 0) continue;
            // Only if the key still holds this very watch: it may have been
            // unwatched or replaced while we polled.
            auto it = watches_.find(polled[i - 1].first);
            if (it != watches_.end() && it->second.pidfd == polled[i - 1].second) it->second.exited = true;
        }
    }
}

}  // namespace minions::hv
