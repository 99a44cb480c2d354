#pragma once
// A terminal polkit agent for this process, as systemctl does: when the
// service asks polkit and a password is needed, pkttyagent prompts on our TTY.
#include <sys/types.h>

namespace minions::cli {

class PolkitTtyAgent {
public:
    // Spawns `pkttyagent --process <our pid> --notify-fd N` and
    // waits (briefly) until it has registered. Does nothing if it cannot run.
    PolkitTtyAgent();
    ~PolkitTtyAgent();  // terminates the agent
    PolkitTtyAgent(const PolkitTtyAgent&) = delete;
    PolkitTtyAgent& operator=(const PolkitTtyAgent&) = delete;

private:
    pid_t pid_ = -1;
};

}  // namespace minions::cli
