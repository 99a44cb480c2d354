#include "serve.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "calls.hpp"
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
// Requests one stream may have running at once; more are refused, not queued.
constexpr std::size_t kMaxRunning = 32;

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

enum class Kind { Connection, Serial };

// One host byte stream being served. The reader decodes frames in order and
// gives each request a thread of its own, so a cancel or a quick call is never
// stuck behind a long exec; answers are written whole, one at a time, in the
// order they are ready (hosts match them by id).
class Stream {
public:
    Stream(int fd, Context& ctx, Kind kind) : fd_(fd), ctx_(ctx), kind_(kind) {}

    // Answers or starts every complete frame in `decoder`; false when the peer is gone.
    bool take(protocol::FrameDecoder& decoder) {
        while (auto frame = decoder.next()) {
            if (!frame->message) {
                if (!answer(error_response(nullptr, frame->error))) return false;
            } else if (answered_at_once(*frame->message)) {
                Context here = ctx_;
                here.call = std::make_shared<Call>(std::nullopt);
                if (!answer(handle_request(*frame->message, here))) return false;
            } else {
                start(std::move(*frame->message));
            }
        }
        return true;
    }

    // The connection's host is gone, and with it whoever waited for these.
    void cancel_all() {
        std::lock_guard lock(mutex_);
        for (const auto& call : running_) call->cancel();
    }

    bool busy() {
        std::lock_guard lock(mutex_);
        return !running_.empty();
    }

    // Before the descriptor is closed: no request may still write to it.
    void wait_idle() {
        std::unique_lock lock(mutex_);
        idle_.wait(lock, [this] { return running_.empty(); });
    }

private:
    void start(nlohmann::json request) {
        const nlohmann::json id = request.value("id", nlohmann::json());
        std::shared_ptr<Call> call;
        {
            std::lock_guard lock(mutex_);
            if (running_.size() < kMaxRunning) {
                call = ctx_.calls->begin(numeric_id(request));
                running_.insert(call);
            }
        }
        if (!call) {
            answer(error_response(id, "too many requests running (" + std::to_string(kMaxRunning) + "); try again"));
            return;
        }
        try {
            std::thread([this, call, request = std::move(request)] { run(call, request); }).detach();
        } catch (const std::system_error& e) {
            answer(error_response(id, std::string("cannot start a thread: ") + e.what()));
            finish(call);
        }
    }

    void run(const std::shared_ptr<Call>& call, const nlohmann::json& request) {
        Context here = ctx_;
        here.call = call;
        answer(handle_request(request, here));
        finish(call);
    }

    void finish(const std::shared_ptr<Call>& call) {
        ctx_.calls->end(call);
        std::lock_guard lock(mutex_);
        running_.erase(call);
        // Last touch of this Stream: wait_idle() may destroy it right after.
        idle_.notify_all();
    }

    bool answer(const nlohmann::json& response) {
        const std::string frame = encode_response(response);
        std::lock_guard lock(write_mutex_);
        if (write_all(fd_, frame)) return true;
        // A connection that cannot take an answer is over: let the reader see
        // it. A serial port outlives its hosts; that answer is simply lost.
        if (kind_ == Kind::Connection) ::shutdown(fd_, SHUT_RDWR);
        return false;
    }

    const int fd_;
    Context& ctx_;
    const Kind kind_;
    std::mutex write_mutex_;
    std::mutex mutex_;
    std::condition_variable idle_;
    std::set<std::shared_ptr<Call>> running_;
};

}  // namespace

void serve_connection(int fd, Context& ctx) {
    set_nonblocking(fd);
    Stream stream(fd, ctx, Kind::Connection);
    protocol::FrameDecoder decoder;
    std::array<char, 65536> buf;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, kIdleTimeoutMs);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0 && stream.busy()) continue;
        if (r <= 0) break;
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) break;
        decoder.feed({buf.data(), static_cast<std::size_t>(n)});
        if (!stream.take(decoder)) break;
    }
    // A closed connection is a host that gave up on everything it asked here.
    stream.cancel_all();
    stream.wait_idle();
}

void serve_serial(int fd, Context& ctx) {
    set_nonblocking(fd);
    Stream stream(fd, ctx, Kind::Serial);
    // Hosts come and go on one stream, which may hold half a frame of the last.
    protocol::FrameDecoder decoder(protocol::FrameDecoder::Sync::Resync);
    std::array<char, 65536> buf;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, -1) < 0) {
            if (errno != EINTR) std::this_thread::sleep_for(kSerialRetry);
            continue;
        }
        if (p.revents & POLLIN) {
            const ssize_t n = ::read(fd, buf.data(), buf.size());
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n > 0) {
                decoder.feed({buf.data(), static_cast<std::size_t>(n)});
                stream.take(decoder);
                continue;
            }
        }
        // No host on the other end (POLLHUP, EOF or error). Nothing is
        // cancelled or dropped: QEMU reports hangups out of band, so this one
        // may belong to a host before the one whose request was just read, and
        // the decoder resynchronises past a dead host's half frame by itself.
        // Hosts cancel what they give up on. Wait for the next one.
        std::this_thread::sleep_for(kSerialRetry);
    }
}

}  // namespace minions::agent
