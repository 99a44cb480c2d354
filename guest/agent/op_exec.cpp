// exec: run one program (fork + execvp, argv only, never a shell) in its own
// process group, feed it stdin, collect capped stdout/stderr, and kill the
// whole group when the deadline passes or the host cancels the request.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "calls.hpp"
#include "fields.hpp"
#include "ops.hpp"
#include "output_cap.hpp"
#include "core/unique_fd.hpp"

namespace minions::agent {

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kMaxTimeoutMs = 24ull * 3600 * 1000;

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Child side, between fork and exec: async-signal-safe calls only.
[[noreturn]] void run_child(char* const* argv, const char* cwd, int in, int out, int err, int report) {
    ::setpgid(0, 0);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    // The agent ignores SIGPIPE; programs expect the default.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::chdir(cwd) == 0) ::execvp(argv[0], argv);
    const int e = errno;
    [[maybe_unused]] auto n = ::write(report, &e, sizeof e);
    ::_exit(127);
}

int milliseconds_until(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1000));
}

struct Collected {
    std::string out, err;
    bool truncated = false;
};

// Appends what `fd` has to `into`, dropping bytes past the cap; false at EOF.
bool drain(int fd, std::string& into, bool& truncated) {
    std::array<char, 65536> buf;
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno == EAGAIN;
        if (n == 0) return false;
        const auto room = kOutputCapBytes - into.size();
        const auto take = std::min<std::size_t>(room, static_cast<std::size_t>(n));
        into.append(buf.data(), take);
        if (take < static_cast<std::size_t>(n)) truncated = true;
    }
}

// Pumps stdin/stdout/stderr until both outputs close, the deadline passes or
// the call is cancelled; false on deadline or cancel.
bool pump(UniqueFd& in, UniqueFd& out, UniqueFd& err, const std::string& input, Collected& c,
          Clock::time_point deadline, const Call& call) {
    std::size_t written = 0;
    if (input.empty()) in.reset();
    while (out.get() >= 0 || err.get() >= 0) {
        std::array<pollfd, 4> fds{{{out.get(), POLLIN, 0}, {err.get(), POLLIN, 0}, {in.get(), POLLOUT, 0},
                                   {call.wake_fd(), POLLIN, 0}}};
        const int timeout = milliseconds_until(deadline);
        if (timeout == 0 || call.cancelled()) return false;
        if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) throw_errno("poll");
        if (fds[0].revents && !drain(out.get(), c.out, c.truncated)) out.reset();
        if (fds[1].revents && !drain(err.get(), c.err, c.truncated)) err.reset();
        if (fds[2].revents & (POLLERR | POLLHUP)) in.reset();
        if (fds[2].revents & POLLOUT) {
            const ssize_t n = ::write(in.get(), input.data() + written, input.size() - written);
            if (n > 0) written += static_cast<std::size_t>(n);
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in.reset();
        }
    }
    return true;
}

// Reaps `pid` by the deadline; false if it is still running then, or cancelled.
bool reap(pid_t pid, int& status, Clock::time_point deadline, const Call& call) {
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) return true;
        if (Clock::now() >= deadline || call.cancelled()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace

nlohmann::json op_exec(const nlohmann::json& req, Context& ctx) {
    const std::string command = required_string(req, "command");
    if (command.empty()) throw RequestError("field 'command' is empty");
    std::vector<std::string> args = optional_strings(req, "args");
    const auto timeout = std::chrono::milliseconds(optional_uint(req, "timeout_ms", 60000, kMaxTimeoutMs));
    const std::string input = optional_string(req, "stdin").value_or("");
    const std::string cwd = ctx.root().string();

    // Everything the child needs is built before fork: it may not allocate.
    std::vector<std::string> argv_storage{command};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);

    Pipe in = make_pipe(), out = make_pipe(), err = make_pipe(), report = make_pipe();
    const auto deadline = Clock::now() + timeout;
    const pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) run_child(argv.data(), cwd.c_str(), in.read.get(), out.write.get(), err.write.get(), report.write.get());
    ::setpgid(pid, pid);  // also in the parent, so the group exists before any kill
    in.read.reset();
    out.write.reset();
    err.write.reset();
    report.write.reset();

    // The report pipe closes on a successful exec (O_CLOEXEC) or carries errno.
    int exec_errno = 0;
    ssize_t got;
    do got = ::read(report.read.get(), &exec_errno, sizeof exec_errno);
    while (got < 0 && errno == EINTR);
    if (got == sizeof exec_errno) {
        int ignored;
        ::waitpid(pid, &ignored, 0);
        throw RequestError("cannot run '" + command + "': " + std::strerror(exec_errno));
    }

    set_nonblocking(in.write.get());
    set_nonblocking(out.read.get());
    set_nonblocking(err.read.get());
    Collected c;
    int status = 0;
    const Call& call = *ctx.call;
    bool finished = pump(in.write, out.read, err.read, input, c, deadline, call) && reap(pid, status, deadline, call);
    if (!finished) {
        ::kill(-pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (fit_escaped(c.out)) c.truncated = true;
    if (fit_escaped(c.err)) c.truncated = true;

    int exit_code = -1;
    if (WIFEXITED(status)) exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) exit_code = 128 + WTERMSIG(status);
    return {{"exit_code", exit_code}, {"stdout", c.out}, {"stderr", c.err},
            {"timed_out", !finished}, {"truncated", c.truncated}};
}

}  // namespace minions::agent
