#include "agent/agent_fixture.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "protocol/protocol.hpp"

extern char** environ;

namespace minions::agent::testing {

TempDir::TempDir() {
    std::string tmpl = "/tmp/minions-agent-test-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void AgentTest::SetUp() {
    sandbox_ = tmp_.path() / "sandbox";
    socket_ = tmp_.path() / "agent.sock";
    std::filesystem::create_directory(sandbox_);
    start_agent();
}

void AgentTest::TearDown() { stop_agent(); }

void AgentTest::start_agent(int serial_fd) {
    // The serial stream always lands on descriptor 3 of the agent.
    constexpr int kAgentSerialFd = 3;
    serial_fd_ = serial_fd;
    std::vector<std::string> args = {MINIONS_AGENT_BINARY, "--unix-socket", socket_.string(), "--sandbox",
                                     sandbox_.string()};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int source = serial_fd;
    if (serial_fd >= 0) {
        // dup2 onto itself would keep O_CLOEXEC.
        if (source == kAgentSerialFd) source = ::fcntl(serial_fd, F_DUPFD_CLOEXEC, 10);
        posix_spawn_file_actions_adddup2(&actions, source, kAgentSerialFd);
        args.insert(args.end(), {"--serial-fd", std::to_string(kAgentSerialFd)});
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int spawned = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (source != serial_fd) ::close(source);
    ASSERT_EQ(spawned, 0) << MINIONS_AGENT_BINARY;
    client().wait_ready(std::chrono::seconds(10));
}

void AgentTest::stop_agent() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }
}

void AgentTest::restart_agent() {
    stop_agent();
    start_agent(serial_fd_);
}

std::string AgentTest::recorded(const std::string& name) const {
    const auto path = sandbox_ / ".record" / name;
    return std::filesystem::exists(path) ? read_file(path) : std::string();
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

int connect_raw(const std::filesystem::path& socket) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("connect " + socket.string() + ": " + std::strerror(errno));
    }
    return fd;
}

void send_raw(int fd, const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
}

std::optional<nlohmann::json> read_frame(int fd, std::chrono::milliseconds timeout) {
    protocol::FrameDecoder decoder;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // One byte at a time, so nothing of a following frame is consumed.
    for (;;) {
        if (auto r = decoder.next()) {
            if (!r->message) throw std::runtime_error("agent sent a bad frame: " + r->error);
            return r->message;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char c;
        if (::read(fd, &c, 1) != 1) return std::nullopt;
        decoder.feed(std::string_view(&c, 1));
    }
}

std::optional<nlohmann::json> read_answer(int fd, uint64_t id, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        auto frame = read_frame(fd, std::max(left, std::chrono::milliseconds(0)));
        if (!frame || (*frame)["id"] == id) return frame;
    }
}

bool gone_within(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (::kill(pid, 0) == 0 || errno == EPERM) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

}  // namespace minions::agent::testing
