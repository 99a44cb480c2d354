#pragma once
// The host end of hybrid vsock (reference/cloud-hypervisor/vsock.md): a
// client connects to the --vsock socket, sends "CONNECT <port>\n", gets
// "OK <host port>\n" and then talks to the guest's listener directly.
// Port 1024 leads to the GuestAgent; any other port, or a guest that is
// down, gets the connection closed, as when nothing listens in the guest.
#include <filesystem>

#include "guest_agent.hpp"

namespace ch_double {

class VsockProxy {
public:
    VsockProxy(std::filesystem::path socket, GuestAgent& agent);
    // Binds the socket and serves connections on a background thread.
    void start();

private:
    void serve(int client);

    std::filesystem::path socket_;
    GuestAgent& agent_;
    int listen_fd_ = -1;
};

}  // namespace ch_double
