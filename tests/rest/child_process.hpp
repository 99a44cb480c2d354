#pragma once
// Test helper: run a program (argv vector, no shell) with its stdout and
// stderr captured, optionally with extra environment variables.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace minions::test {

struct ProcessResult {
    int exit_code = -1;  // 128 + signal when killed
    std::string out;
    std::string err;
};

// Runs to completion (killed after `limit`).
ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
                          std::chrono::seconds limit = std::chrono::seconds(60));

// A long-running child (a server); SIGTERM and wait on destruction.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // The next line of stdout, or nullopt on EOF / after `limit`.
    std::optional<std::string> read_line(std::chrono::milliseconds limit = std::chrono::seconds(10));
    // Waits for exit (after `limit`, kills); returns the exit code and what stderr said.
    ProcessResult wait(std::chrono::milliseconds limit = std::chrono::seconds(10));
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::string out_buffer_;
    bool reaped_ = false;
    int status_ = 0;
};

}  // namespace minions::test
