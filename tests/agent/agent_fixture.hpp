#pragma once
// Starts the real minions-agent in host test mode (Unix socket + sandbox in a
// fresh temp dir) for each test, and offers raw-socket helpers for the tests
// that must speak bytes the client would never send.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/agent_client.hpp"

namespace minions::agent::testing {

// A directory under /tmp removed with everything in it at the end.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

class AgentTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // Starts the agent and waits until it answers; `serial_fd`, when >= 0, is
    // handed to it as its virtio-serial port (see fake_serial.hpp).
    void start_agent(int serial_fd = -1);
    void stop_agent();
    // What a guest reboot does to the agent: a new process, the same disk.
    void restart_agent();

    Endpoint unix_endpoint() const { return {Endpoint::Transport::Unix, socket_, 1024}; }
    Client client(std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
        return Client(unix_endpoint(), timeout);
    }
    const std::filesystem::path& sandbox() const { return sandbox_; }
    const std::filesystem::path& socket() const { return socket_; }
    const std::filesystem::path& scratch() const { return tmp_.path(); }
    // Contents of <sandbox>/.record/<name>, "" when absent.
    std::string recorded(const std::string& name) const;

private:
    TempDir tmp_;
    std::filesystem::path sandbox_, socket_;
    pid_t pid_ = -1;
    int serial_fd_ = -1;
};

std::string read_file(const std::filesystem::path& path);

// True once process `pid` is gone (the agent reaps what it kills), false if
// it still runs after `timeout`.
bool gone_within(pid_t pid, std::chrono::milliseconds timeout);

// Raw stream helpers: a connected Unix socket fd; send bytes; read one frame.
int connect_raw(const std::filesystem::path& socket);
void send_raw(int fd, const std::string& bytes);
// Next frame's JSON, or nullopt on EOF/timeout.
std::optional<nlohmann::json> read_frame(int fd, std::chrono::milliseconds timeout = std::chrono::seconds(10));
// Reads frames until the one with `id` (answers come in any order); nullopt on EOF/timeout.
std::optional<nlohmann::json> read_answer(int fd, uint64_t id, std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace minions::agent::testing
