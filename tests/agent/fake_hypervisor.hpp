#pragma once
// A tiny stand-in for the host end of Cloud Hypervisor's hybrid vsock socket
// (and for misbehaving peers): listens on a Unix socket and handles each
// connection according to its Mode.
#include <atomic>
#include <mutex>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace minions::agent::testing {

class FakeHypervisor {
public:
    enum class Mode {
        Faithful,      // "CONNECT 1024\n" -> "OK 1073741824\n", then forward to the agent
        Garbage,       // answers the CONNECT line with nonsense
        Close,         // reads the CONNECT line and hangs up
        Silent,        // accepts, reads, never answers
        StaleThenEcho, // plain agent double: an answer with a wrong id, then the right one
    };

    FakeHypervisor(std::filesystem::path socket, Mode mode, std::filesystem::path agent_socket = {});
    ~FakeHypervisor();
    FakeHypervisor(const FakeHypervisor&) = delete;
    FakeHypervisor& operator=(const FakeHypervisor&) = delete;

    const std::filesystem::path& socket() const { return socket_; }
    // The CONNECT lines received, concatenated.
    std::string handshakes() const;
    // StaleThenEcho: the requests answered, in order.
    std::vector<nlohmann::json> requests() const;

private:
    void run();
    void handle(int fd);
    void forward(int client, int agent);

    std::filesystem::path socket_, agent_socket_;
    Mode mode_;
    int listen_fd_ = -1;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::string handshakes_;
    std::vector<nlohmann::json> requests_;
    std::thread thread_;
};

}  // namespace minions::agent::testing
