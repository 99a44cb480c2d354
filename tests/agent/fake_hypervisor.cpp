#include "agent/fake_hypervisor.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <stdexcept>

#include "agent/agent_fixture.hpp"
#include "protocol/protocol.hpp"

namespace minions::agent::testing {

namespace {

// Waits for input, waking regularly to notice `stop`; false when stopping.
bool wait_readable(int fd, const std::atomic<bool>& stop) {
    while (!stop) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) > 0) return true;
    }
    return false;
}

std::string read_line(int fd, const std::atomic<bool>& stop) {
    std::string line;
    char c;
    while (line.size() < 64 && wait_readable(fd, stop) && ::read(fd, &c, 1) == 1) {
        line.push_back(c);
        if (c == '\n') break;
    }
    return line;
}

}  // namespace

FakeHypervisor::FakeHypervisor(std::filesystem::path socket, Mode mode, std::filesystem::path agent_socket)
    : socket_(std::move(socket)), agent_socket_(std::move(agent_socket)), mode_(mode) {
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_.c_str(), sizeof addr.sun_path - 1);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0) {
        throw std::runtime_error("fake hypervisor cannot listen on " + socket_.string());
    }
    thread_ = std::thread([this] { run(); });
}

FakeHypervisor::~FakeHypervisor() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
}

std::string FakeHypervisor::handshakes() const {
    std::lock_guard lock(mutex_);
    return handshakes_;
}

std::vector<nlohmann::json> FakeHypervisor::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

void FakeHypervisor::run() {
    while (wait_readable(listen_fd_, stop_)) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        handle(fd);
        ::close(fd);
    }
}

void FakeHypervisor::handle(int fd) {
    if (mode_ == Mode::StaleThenEcho) {
        auto request = read_frame(fd, std::chrono::seconds(5));
        if (!request) return;
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(*request);
        }
        send_raw(fd, protocol::encode_frame({{"id", 999999}, {"ok", true}, {"answer", "stale"}}));
        send_raw(fd, protocol::encode_frame({{"id", (*request)["id"]}, {"ok", true}, {"answer", "fresh"}}));
        return;
    }
    if (mode_ == Mode::Silent) {
        // Swallow whatever comes, answer nothing, until the peer leaves.
        std::array<char, 4096> buf;
        while (wait_readable(fd, stop_) && ::read(fd, buf.data(), buf.size()) > 0) {
        }
        return;
    }
    const std::string line = read_line(fd, stop_);
    {
        std::lock_guard lock(mutex_);
        handshakes_ += line;
    }
    switch (mode_) {
    case Mode::Garbage:
        send_raw(fd, "HELLO THERE\n");
        return;
    case Mode::Close:
        return;
    default:
        break;
    }
    // Cloud Hypervisor closes the connection when nothing listens on the port.
    if (line != "CONNECT 1024\n") return;
    const int agent = connect_raw(agent_socket_);
    send_raw(fd, "OK 1073741824\n");
    forward(fd, agent);
    ::close(agent);
}

void FakeHypervisor::forward(int client, int agent) {
    std::array<char, 65536> buf;
    for (;;) {
        std::array<pollfd, 2> fds{{{client, POLLIN, 0}, {agent, POLLIN, 0}}};
        if (stop_) return;
        if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (!fds[i].revents) continue;
            const ssize_t n = ::read(fds[i].fd, buf.data(), buf.size());
            if (n <= 0) return;
            try {
                send_raw(fds[1 - i].fd, std::string(buf.data(), static_cast<std::size_t>(n)));
            } catch (const std::runtime_error&) {
                return;
            }
        }
    }
}

}  // namespace minions::agent::testing
