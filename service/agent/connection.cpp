#include "agent/connection.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include "agent/answer.hpp"
#include "core/error.hpp"

namespace minions::agent::detail {

namespace {

constexpr std::size_t kMaxHandshakeLine = 64;

}  // namespace

Connection::Connection(const Endpoint& endpoint, Deadline deadline) {
    peer_ = "the guest agent at '" + endpoint.socket.string() + "'";
    if (endpoint.transport == Endpoint::Transport::HybridVsock) {
        peer_ += " (vsock port " + std::to_string(endpoint.port) + ")";
    }
    connect_unix(endpoint.socket, deadline);
    if (endpoint.transport == Endpoint::Transport::HybridVsock) {
        try {
            handshake(endpoint.port, deadline);
        } catch (...) {
            ::close(fd_);
            throw;
        }
    }
}

Connection::~Connection() {
    if (fd_ >= 0) ::close(fd_);
}

void Connection::connect_unix(const std::filesystem::path& socket, Deadline deadline) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket.native().size() >= sizeof addr.sun_path) {
        throw Error(Errc::InvalidArgument, "agent socket path '" + socket.string() + "' is too long");
    }
    std::memcpy(addr.sun_path, socket.c_str(), socket.native().size());
    for (;;) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw Error(Errc::AgentFailed, std::string("socket: ") + std::strerror(errno));
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return;
        const int e = errno;
        ::close(fd_);
        fd_ = -1;
        // EAGAIN: the listener's backlog is full; it drains quickly, so retry.
        if (e == EAGAIN && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        if (e == EAGAIN) throw Error(Errc::Timeout, "timed out connecting to " + peer_);
        throw Error(Errc::AgentFailed, "cannot connect to " + peer_ + ": " + std::strerror(e));
    }
}

void Connection::handshake(uint32_t port, Deadline deadline) {
    send_all("CONNECT " + std::to_string(port) + "\n", deadline);
    // One byte at a time: whatever follows the line already belongs to the agent.
    std::string line;
    while (line.size() < kMaxHandshakeLine && (line.empty() || line.back() != '\n')) {
        wait_for(POLLIN, deadline, "the hybrid vsock handshake");
        char c;
        const ssize_t n = ::read(fd_, &c, 1);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) throw Error(Errc::AgentFailed, "hybrid vsock handshake with " + peer_ + " failed: " + std::strerror(errno));
        if (n == 0) {
            throw Error(Errc::AgentFailed, "hybrid vsock handshake with " + peer_ + " failed: the connection was closed" +
                                               (line.empty() ? " without an answer" : " after '" + printable(line) + "'") +
                                               " (is the guest agent listening on that port?)");
        }
        line.push_back(c);
    }
    if (!is_ok_line(line)) {
        throw Error(Errc::AgentFailed, "hybrid vsock handshake with " + peer_ + " failed: expected 'OK <port>', got '" +
                                           printable(line) + "'");
    }
}

void Connection::wait_for(short events, Deadline deadline, const char* doing) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) throw Error(Errc::Timeout, std::string("timed out during ") + doing + " with " + peer_);
        pollfd p{fd_, events, 0};
        const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count() + 1, 60000)));
        if (r > 0) return;  // ready, or an error/hangup the next read/write reports
        if (r < 0 && errno != EINTR) throw Error(Errc::AgentFailed, std::string("poll: ") + std::strerror(errno));
    }
}

void Connection::send_all(std::string_view bytes, Deadline deadline) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            wait_for(POLLOUT, deadline, "sending a request");
            continue;
        }
        throw Error(Errc::AgentFailed, "cannot send to " + peer_ + ": " + std::strerror(errno));
    }
}

std::string Connection::receive(Deadline deadline) {
    std::array<char, 65536> buf;
    for (;;) {
        wait_for(POLLIN, deadline, "waiting for an answer");
        const ssize_t n = ::read(fd_, buf.data(), buf.size());
        if (n >= 0) return std::string(buf.data(), static_cast<std::size_t>(n));
        if (errno == EINTR || errno == EAGAIN) continue;
        if (errno == ECONNRESET) return {};
        throw Error(Errc::AgentFailed, "cannot read from " + peer_ + ": " + std::strerror(errno));
    }
}

}  // namespace minions::agent::detail
