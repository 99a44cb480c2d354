#pragma once
// One stream to the guest agent with every wait bounded by a deadline: a Unix
// socket, or Cloud Hypervisor's hybrid vsock socket after the
// "CONNECT <port>\n" -> "OK <n>\n" handshake.
#include <chrono>
#include <string>
#include <string_view>

#include "agent/agent_client.hpp"

namespace minions::agent::detail {

using Deadline = std::chrono::steady_clock::time_point;

class Connection {
public:
    // Throws Error{AgentFailed} (refused, bad handshake) or Error{Timeout}.
    Connection(const Endpoint& endpoint, Deadline deadline);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void send_all(std::string_view bytes, Deadline deadline);
    // Next bytes from the agent; empty when it closed the connection.
    std::string receive(Deadline deadline);

    // "the guest agent at '<socket>'" (with the vsock port when hybrid), for messages.
    const std::string& peer() const { return peer_; }

private:
    void connect_unix(const std::filesystem::path& socket, Deadline deadline);
    void handshake(uint32_t port, Deadline deadline);
    // Waits for `events`; throws Error{Timeout} at the deadline.
    void wait_for(short events, Deadline deadline, const char* doing);

    int fd_ = -1;
    std::string peer_;
};

}  // namespace minions::agent::detail
