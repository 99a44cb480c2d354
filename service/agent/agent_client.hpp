#pragma once
// Host side of the guest agent protocol. Reaches minions-agent over a Unix
// socket (QEMU's virtio-serial chardev, or the agent's host test mode) or over
// Cloud Hypervisor's hybrid vsock socket ("CONNECT <port>\n" -> "OK <n>\n").
// Every call opens a connection, so a guest reboot never leaves a stale one.
// Failures throw Error{AgentFailed} (or Error{Timeout}) with a clear sentence.
//
// One conversation per call: every request carries a process-wide unique id
// (request_id.hpp) and only the answer with that id is taken, read with a
// resynchronising decoder, since QEMU's virtio-serial port is one stream per VM
// that may still hold (the tail of) an answer for an earlier host connection.
// A call that fails after its request went out (timeout, lost connection)
// sends `cancel` for it before it throws, so the guest stops that work.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minions::agent {

namespace detail {
class Connection;
}

struct Endpoint {
    enum class Transport { Unix, HybridVsock };
    Transport transport = Transport::Unix;
    std::filesystem::path socket;
    uint32_t port = 1024;  // vsock port, HybridVsock only
};

struct ExecResult {
    int exit_code = -1;
    std::string stdout_text;
    std::string stderr_text;
    bool timed_out = false;
    bool truncated = false;
};

struct GuestNetwork {
    std::string address;  // dotted quad
    unsigned prefix = 16;
    std::string gateway;
    std::vector<std::string> dns;
    std::string interface = "eth0";
};

class Client {
public:
    explicit Client(Endpoint endpoint, std::chrono::milliseconds call_timeout = std::chrono::seconds(30));

    // One request/response exchange. Response {"ok": false} becomes Error{AgentFailed}.
    nlohmann::json call(nlohmann::json request);
    nlohmann::json call(nlohmann::json request, std::chrono::milliseconds timeout);

    // Polls health until the agent answers or `timeout` passes (Error{Timeout}).
    // `keep_waiting`, when given, is asked between attempts; once it says no
    // (the VMM is gone) the wait ends with Error{HypervisorFailed}.
    void wait_ready(std::chrono::milliseconds timeout, const std::function<bool()>& keep_waiting = {});

    nlohmann::json health();
    void configure_network(const GuestNetwork& net);
    void write_file(const std::string& path, const std::string& content, unsigned mode = 0644, bool append = false);
    ExecResult exec(const std::string& command, const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = std::chrono::seconds(60));
    nlohmann::json status();
    void sync();
    // The agent thaws by itself `auto_thaw` after the last freeze.
    void freeze(std::chrono::milliseconds auto_thaw = std::chrono::seconds(60));
    void thaw();
    void set_hostname(const std::string& hostname);

    const Endpoint& endpoint() const { return endpoint_; }

private:
    // Best effort and quick: tells the agent to stop request `target`.
    void cancel(uint64_t target, detail::Connection& conn);

    Endpoint endpoint_;
    std::chrono::milliseconds call_timeout_;
};

}  // namespace minions::agent
