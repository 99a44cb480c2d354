#pragma once
// Notices a VMM's exit the moment it happens instead of at the next poll of
// /proc. One thread poll()s a pidfd per watched process (pidfd_open works for
// any pid: VMMs are not our children, they are re-parented to init) and an
// eventfd that wakes it when the set of watches changes.
//
// Guarantees:
// - on_exit(key, process) runs on the watcher thread, at most once per
//   watch(), one call at a time.
// - Once unwatch(key), or a watch(key, ...) replacing an earlier one, has
//   returned, on_exit is not running for the earlier watch and never will.
//   To promise that, both wait for an on_exit of that key already running on
//   the watcher thread, so on_exit must not wait for anything a caller of
//   unwatch/watch holds. Called from inside on_exit (the watcher thread)
//   they do not wait, so they cannot deadlock there.
// - A process that is already gone, or whose start time is not
//   `process.start_time` (its pid was recycled), is not watched: on_exit
//   reports it promptly.
// - After the destructor has returned, on_exit is not running and never will;
//   pending watches are dropped without a call. Do not destroy the watcher
//   from inside on_exit.
// on_exit must not throw (it would end the daemon: std::terminate).
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/unique_fd.hpp"
#include "hypervisor/hypervisor.hpp"

namespace minions::hv {

class ExitWatcher {
public:
    using OnExit = std::function<void(const std::string& key, const Process& process)>;

    // Starts the watcher thread. Throws Error{HypervisorFailed} if its
    // eventfd cannot be created.
    explicit ExitWatcher(OnExit on_exit);
    ~ExitWatcher();
    ExitWatcher(const ExitWatcher&) = delete;
    ExitWatcher& operator=(const ExitWatcher&) = delete;

    // Watches `process` under `key`, replacing an earlier watch of the key.
    // Throws Error{HypervisorFailed} if no pidfd can be had for a process
    // that exists (out of descriptors).
    void watch(const std::string& key, const Process& process);
    // Stops watching `key`; nothing happens if it is not watched.
    void unwatch(const std::string& key);

private:
    struct Watch {
        Process process;
        // Shared with the thread while it polls, so a descriptor is closed
        // (and its number reused) only once no poll() holds it.
        std::shared_ptr<UniqueFd> pidfd;  // null: gone when watched
        bool exited = false;              // on_exit is due
    };

    void run();
    void wake();
    // Blocks while on_exit runs for `key` on the watcher thread.
    void wait_not_running(std::unique_lock<std::mutex>& lock, const std::string& key);

    OnExit on_exit_;
    std::mutex mutex_;
    std::condition_variable finished_;  // running_ changed
    std::map<std::string, Watch> watches_;
    std::optional<std::string> running_;  // the key whose on_exit is running
    bool stopping_ = false;
    UniqueFd wake_fd_;
    std::thread thread_;  // last: started once everything above exists
};

}  // namespace minions::hv
