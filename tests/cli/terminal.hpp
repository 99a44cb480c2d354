#pragma once
// Runs a program the way a person at a terminal does: a new pseudo-terminal
// is its controlling terminal and its stdin, stdout and stderr, and the test
// reads back everything written to the screen.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace minions::test {

struct TerminalSession {
    std::string screen;  // everything written to the terminal
    int exit_code = -1;  // 128 + signal when killed; -1: killed at the deadline
};

struct TerminalOptions {
    // Runs in the forked child (still root) just before exec, e.g. to become
    // another user; a failing step should _exit.
    std::function<void()> in_child;
    // Each time the screen shows `prompt` again, `answer` and Enter are typed
    // after `typing_delay`.
    std::string prompt;
    std::string answer;
    std::chrono::milliseconds typing_delay{700};
    std::chrono::seconds deadline{90};
};

TerminalSession run_on_terminal(const std::vector<std::string>& argv, const TerminalOptions& options = {});

}  // namespace minions::test
