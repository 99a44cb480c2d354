#pragma once
// The "guest" behind the double's vsock: a minions-agent in host test mode
// that the double runs as its child while the VM is booted. Booting starts
// it, a reboot kills it and starts a fresh one (so its uptime drops), pause
// stops it with SIGSTOP (connections hang, as with frozen vCPUs), shutdown
// kills it.
//   MINIONS_CH_DOUBLE_AGENT=/path/minions-agent   run it as
//       <agent> --unix-socket <vsock dir>/ch-agent.sock --sandbox <vsock dir>/ch-agent-sandbox
//   --x-agent-socket PATH (or MINIONS_CH_DOUBLE_AGENT_SOCKET)  forward to an
//       agent someone else runs; then a reboot only makes it unreachable for a while.
// Without either, CONNECT is refused like a guest with nothing listening.
#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "options.hpp"

namespace ch_double {

class GuestAgent {
public:
    explicit GuestAgent(const Options& options);
    ~GuestAgent();

    void start();
    void stop();
    void freeze();
    void thaw();
    // Where vsock port 1024 leads right now; empty while the guest is down.
    std::filesystem::path target() const;

private:
    void spawn();
    // The agent is forked only from this one thread, which lives as long as
    // the double: PR_SET_PDEATHSIG fires when the forking *thread* ends, and
    // the agent must die with the double, not with a short-lived reboot thread.
    void run_on_launcher(std::function<void()> job);

    std::mutex launcher_mutex_;
    std::condition_variable launcher_cv_;
    std::deque<std::function<void()>> launcher_jobs_;
    std::thread launcher_;

    std::filesystem::path program_;
    std::filesystem::path socket_;
    std::filesystem::path sandbox_;
    std::filesystem::path log_;
    bool external_ = false;
    mutable std::mutex mutex_;
    pid_t pid_ = 0;
    bool up_ = false;
};

}  // namespace ch_double
