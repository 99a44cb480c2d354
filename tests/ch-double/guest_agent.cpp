#include "guest_agent.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace ch_double {
namespace {

bool connectable(const std::filesystem::path& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

GuestAgent::GuestAgent(const Options& options) {
    const char* external = std::getenv("MINIONS_CH_DOUBLE_AGENT_SOCKET");
    if (!options.agent_socket.empty() || external) {
        external_ = true;
        socket_ = !options.agent_socket.empty() ? options.agent_socket : std::filesystem::path(external);
        return;
    }
    const char* program = std::getenv("MINIONS_CH_DOUBLE_AGENT");
    if (!program || options.vsock_socket.empty()) return;
    program_ = program;
    auto dir = options.vsock_socket.parent_path();
    socket_ = dir / "ch-agent.sock";
    sandbox_ = dir / "ch-agent-sandbox";
    log_ = options.serial_mode == "file" ? options.serial_file : std::filesystem::path("/dev/null");
}

GuestAgent::~GuestAgent() {
    stop();
    // The launcher waits forever for work; it ends with the process.
    if (launcher_.joinable()) launcher_.detach();
}

void GuestAgent::run_on_launcher(std::function<void()> job) {
    std::unique_lock lock(launcher_mutex_);
    if (!launcher_.joinable())
        launcher_ = std::thread([this] {
            std::unique_lock worker_lock(launcher_mutex_);
            for (;;) {
                launcher_cv_.wait(worker_lock, [this] { return !launcher_jobs_.empty(); });
                auto next = std::move(launcher_jobs_.front());
                launcher_jobs_.pop_front();
                worker_lock.unlock();
                next();
                worker_lock.lock();
            }
        });
    bool done = false;
    std::condition_variable done_cv;
    launcher_jobs_.push_back([&] {
        job();
        std::lock_guard done_lock(launcher_mutex_);
        done = true;
        done_cv.notify_all();
    });
    launcher_cv_.notify_all();
    done_cv.wait(lock, [&] { return done; });
}

void GuestAgent::start() {
    {
        std::lock_guard lock(mutex_);
        if (up_) return;
        if (external_ || program_.empty()) {
            up_ = !socket_.empty();
            return;
        }
    }
    run_on_launcher([this] { spawn(); });
}

void GuestAgent::spawn() {
    std::lock_guard lock(mutex_);
    if (up_) return;
    std::error_code ec;
    std::filesystem::create_directories(sandbox_, ec);
    std::filesystem::remove(socket_, ec);
    std::vector<std::string> args{program_.string(), "--unix-socket", socket_.string(), "--sandbox",
                                  sandbox_.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_t pid = ::fork();
    if (pid == 0) {
        // The guest dies with its VMM, even when the VMM is SIGKILLed.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        int in = ::open("/dev/null", O_RDONLY);
        ::dup2(in, 0);
        if (out >= 0) {
            ::dup2(out, 1);
            ::dup2(out, 2);
        }
        ::execv(argv[0], argv.data());
        _exit(127);
    }
    if (out >= 0) ::close(out);
    if (pid < 0) return;
    pid_ = pid;
    // "Booted" means the agent listens, as a real guest's would soon after.
    for (int i = 0; i < 250 && !connectable(socket_); ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = 0;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    up_ = true;
}

void GuestAgent::stop() {
    std::lock_guard lock(mutex_);
    up_ = false;
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);  // a hard reset gives the guest no time to clean up
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
    std::error_code ec;
    std::filesystem::remove(socket_, ec);
}

void GuestAgent::freeze() {
    std::lock_guard lock(mutex_);
    if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void GuestAgent::thaw() {
    std::lock_guard lock(mutex_);
    if (pid_ > 0) ::kill(pid_, SIGCONT);
}

std::filesystem::path GuestAgent::target() const {
    std::lock_guard lock(mutex_);
    return up_ ? socket_ : std::filesystem::path{};
}

}  // namespace ch_double
