#include "terminal.hpp"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace minions::test {

TerminalSession run_on_terminal(const std::vector<std::string>& argv, const TerminalOptions& options) {
    int master = -1;
    pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    if (pid == 0) {
        if (options.in_child) options.in_child();
        std::vector<char*> args;
        for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    TerminalSession session;
    std::size_t answered_up_to = 0;
    const auto deadline = std::chrono::steady_clock::now() + options.deadline;
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd readable{master, POLLIN, 0};
        if (::poll(&readable, 1, 200) <= 0) continue;
        ssize_t n = ::read(master, buffer, sizeof buffer);
        if (n <= 0) break;  // EIO: every process closed the terminal
        session.screen.append(buffer, static_cast<std::size_t>(n));
        if (options.prompt.empty()) continue;
        std::size_t at = session.screen.find(options.prompt, answered_up_to);
        if (at == std::string::npos) continue;
        answered_up_to = at + options.prompt.size();
        std::this_thread::sleep_for(options.typing_delay);
        std::string line = options.answer + "\n";
        if (::write(master, line.data(), line.size()) != static_cast<ssize_t>(line.size())) break;
    }
    int status = 0;
    if (std::chrono::steady_clock::now() >= deadline) {
        // Killed before the terminal closes: closing it first would hang the
        // process up (SIGHUP) and make a timeout look like an exit of 129.
        ::kill(pid, SIGKILL);
        ::close(master);
        ::waitpid(pid, &status, 0);
        return session;
    }
    ::close(master);
    // The terminal closes a moment before the process has exited.
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return session;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    session.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return session;
}

}  // namespace minions::test
