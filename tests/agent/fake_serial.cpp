#include "agent/fake_serial.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <stdexcept>

#include "agent/agent_fixture.hpp"

namespace minions::agent::testing {

FakeSerial::FakeSerial(std::filesystem::path socket) : socket_(std::move(socket)) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) throw std::runtime_error("socketpair failed");
    guest_fd_ = pair[0];
    port_fd_ = pair[1];
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_.c_str(), sizeof addr.sun_path - 1);
    // Backlog 1, as QEMU's chardev listens.
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 1) != 0) {
        throw std::runtime_error("fake serial port cannot listen on " + socket_.string());
    }
    thread_ = std::thread([this] { run(); });
}

FakeSerial::~FakeSerial() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
    ::close(guest_fd_);
    ::close(port_fd_);
}

void FakeSerial::leave_for_next_host(const std::string& bytes) {
    std::lock_guard lock(mutex_);
    pending_ += bytes;
}

void FakeSerial::run() {
    while (!stop_) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int host = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (host < 0) continue;
        serve(host);
        ::close(host);
    }
}

bool FakeSerial::flush_pending(int host) {
    std::lock_guard lock(mutex_);
    while (!pending_.empty()) {
        const ssize_t n = ::send(host, pending_.data(), pending_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) return errno == EAGAIN;
        pending_.erase(0, static_cast<std::size_t>(n));
    }
    return true;
}

// While no host is attached the guest's writes stay in the socketpair, as a
// throttled virtio-serial port keeps them in its queue. A host that stopped
// reading still has what it sent before it closed passed on, as QEMU does.
void FakeSerial::serve(int host) {
    std::array<char, 65536> buf;
    bool writable = true;
    while (!stop_) {
        if (writable) writable = flush_pending(host);
        bool has_pending;
        {
            std::lock_guard lock(mutex_);
            has_pending = !pending_.empty();
        }
        // Nothing more from the guest until the host took what is pending.
        const bool to_host = writable && has_pending;
        const bool from_guest = writable && !has_pending;
        std::array<pollfd, 2> fds{{{host, static_cast<short>(POLLIN | (to_host ? POLLOUT : 0)), 0},
                                   {port_fd_, static_cast<short>(from_guest ? POLLIN : 0), 0}}};
        if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::read(host, buf.data(), buf.size());
            if (n <= 0) return;
            send_raw(port_fd_, std::string(buf.data(), static_cast<std::size_t>(n)));
        }
        if (fds[1].revents & POLLIN) {
            const ssize_t n = ::read(port_fd_, buf.data(), buf.size());
            if (n > 0) leave_for_next_host(std::string(buf.data(), static_cast<std::size_t>(n)));
        }
    }
}

}  // namespace minions::agent::testing
