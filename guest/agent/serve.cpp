#include "serve.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "dispatch.hpp"
#include "protocol/protocol.hpp"

namespace minions::agent {

namespace {

// A host that connects and then says nothing must not hold a slot forever.
constexpr int kIdleTimeoutMs = 10 * 60 * 1000;
// How often a disconnected serial port is looked at again: no busy loop.
constexpr auto kSerialRetry = std::chrono::milliseconds(500);

// A host that stops reading mid-answer is given up on after this long.
constexpr int kWriteTimeoutMs = 30 * 1000;

// Streams are non-blocking: a virtio-serial write would otherwise block until
// a host reconnects and then hand it the tail of a frame meant for the last one.
bool write_all(int fd, const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN) return false;
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, kWriteTimeoutMs) <= 0 || (p.revents & (POLLHUP | POLLERR))) return false;
    }
    return true;
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

std::string encode_response(const nlohmann::json& response) {
    try {
        return protocol::encode_frame(response);
    } catch (const std::length_error& e) {
        return protocol::encode_frame(error_response(response.value("id", nlohmann::json()), e.what()));
    }
}

// Answers every complete frame buffered in `decoder`; false when the peer is gone.
bool answer_pending(protocol::FrameDecoder& decoder, int fd, Context& ctx) {
    while (auto frame = decoder.next()) {
        const nlohmann::json response = frame->message ? handle_request(*frame->message, ctx)
                                                       : error_response(nullptr, frame->error);
        if (!write_all(fd, encode_response(response))) return false;
    }
    return true;
}

}  // namespace

void serve_connection(int fd, Context& ctx) {
    set_nonblocking(fd);
    protocol::FrameDecoder decoder;
    std::array<char, 65536> buf;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, kIdleTimeoutMs);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return;
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return;
        decoder.feed({buf.data(), static_cast<std::size_t>(n)});
        if (!answer_pending(decoder, fd, ctx)) return;
    }
}

void serve_serial(int fd, Context& ctx) {
    set_nonblocking(fd);
    protocol::FrameDecoder decoder;
    std::array<char, 65536> buf;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, -1) < 0) {
            if (errno != EINTR) std::this_thread::sleep_for(kSerialRetry);
            continue;
        }
        ssize_t n = 0;
        if (p.revents & POLLIN) {
            n = ::read(fd, buf.data(), buf.size());
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        }
        if (n > 0) {
            decoder.feed({buf.data(), static_cast<std::size_t>(n)});
            // A failed write means the host went away mid-answer: same as a hangup.
            if (answer_pending(decoder, fd, ctx)) continue;
        }
        // No host on the other end (POLLHUP, EOF or error): whatever half frame
        // we hold belongs to a dead session. Wait for the host to come back.
        decoder.reset();
        std::this_thread::sleep_for(kSerialRetry);
    }
}

}  // namespace minions::agent
