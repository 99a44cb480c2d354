#include "polkit_agent.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;

namespace minions::cli {
namespace {

constexpr int kRegistrationWaitMs = 3000;

}  // namespace

PolkitTtyAgent::PolkitTtyAgent() {
    int notify[2];
    if (pipe2(notify, O_CLOEXEC) != 0) return;
    std::string pid = std::to_string(getpid());
    // The child's copy of the write end must survive exec: give it a fixed,
    // non-CLOEXEC number through the spawn file actions.
    constexpr int kChildNotifyFd = 3;
    std::string fd = std::to_string(kChildNotifyFd);
    // No --fallback: the agent is scoped to this process, so there is no other
    // agent to defer to, and polkitd (122) never asks a process-scoped agent
    // registered with --fallback when the process has no login session
    // (tests/cli/cli_polkit_prompt_test.cpp).
    std::vector<std::string> args{"pkttyagent", "--process", pid, "--notify-fd", fd};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, notify[1], kChildNotifyFd);
    pid_t child = -1;
    int rc = posix_spawnp(&child, "pkttyagent", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(notify[1]);
    if (rc == 0) {
        pid_ = child;
        // pkttyagent closes the fd once registered; EOF (or a byte) means ready.
        pollfd ready{notify[0], POLLIN, 0};
        poll(&ready, 1, kRegistrationWaitMs);
    }
    close(notify[0]);
}

PolkitTtyAgent::~PolkitTtyAgent() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
}

}  // namespace minions::cli
