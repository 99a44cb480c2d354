#include "vsock_proxy.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

namespace ch_double {
namespace {

constexpr unsigned kAgentPort = 1024;

sockaddr_un address(const std::filesystem::path& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    return addr;
}

bool send_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// Copies both directions until both are closed; a half-close is passed on
// so a client that shuts down its write side still gets its answer.
void splice(int a, int b) {
    bool a_open = true, b_open = true;
    char buf[16384];
    while (a_open || b_open) {
        pollfd fds[2] = {{a, static_cast<short>(a_open ? POLLIN : 0), 0},
                         {b, static_cast<short>(b_open ? POLLIN : 0), 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        for (int i = 0; i < 2; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int from = i == 0 ? a : b, to = i == 0 ? b : a;
            ssize_t n = ::recv(from, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n > 0 && send_all(to, buf, static_cast<std::size_t>(n))) continue;
            if (n < 0 && errno != ECONNRESET) return;
            // EOF or reset: a guest that died (reboot) ends the whole connection.
            if (n < 0 || from == b) return;
            ::shutdown(to, SHUT_WR);
            (i == 0 ? a_open : b_open) = false;
        }
    }
}

}  // namespace

VsockProxy::VsockProxy(std::filesystem::path socket, GuestAgent& agent) : socket_(std::move(socket)), agent_(agent) {}

void VsockProxy::start() {
    std::error_code ec;
    std::filesystem::remove(socket_, ec);
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto addr = address(socket_);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
        ::listen(listen_fd_, 64) < 0)
        throw std::runtime_error("cannot listen on vsock socket " + socket_.string() + ": " + std::strerror(errno));
    std::thread([this] {
        for (;;) {
            int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) {
                if (errno == EINTR || errno == ECONNABORTED) continue;
                return;
            }
            std::thread([this, client] {
                serve(client);
                ::close(client);
            }).detach();
        }
    }).detach();
}

void VsockProxy::serve(int client) {
    // The handshake line, read with a deadline so an idle client cannot pin a thread.
    std::string line;
    char ch;
    while (line.size() < 64) {
        pollfd pfd{client, POLLIN, 0};
        if (::poll(&pfd, 1, 5000) <= 0) return;
        if (::recv(client, &ch, 1, 0) != 1) return;
        if (ch == '\n') break;
        line += ch;
    }
    unsigned port = 0;
    if (std::sscanf(line.c_str(), "CONNECT %u", &port) != 1 || port != kAgentPort) return;
    auto target = agent_.target();
    if (target.empty()) return;
    int guest = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto addr = address(target);
    if (guest < 0 || ::connect(guest, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        if (guest >= 0) ::close(guest);
        return;
    }
    // The number after OK is the host-side port of this connection.
    static std::atomic<unsigned> next_host_port{1u << 30};
    std::string ok = "OK " + std::to_string(next_host_port++) + "\n";
    if (send_all(client, ok.data(), ok.size())) splice(client, guest);
    ::close(guest);
}

}  // namespace ch_double
