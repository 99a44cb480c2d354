#include "http_connection.hpp"

#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <pistache/peer.h>

#include "http_reply.hpp"
#include "json_body.hpp"

namespace minions::rest {

using namespace Pistache;
using namespace std::chrono_literals;

namespace {

constexpr auto kSweepInterval = 250ms;
// After a refusal's answer has left and our side is shut down, how long the
// client gets to read it and close before the connection is closed for it.
constexpr auto kLingerAfterRefusal = 2s;

Connection::Clock::rep now_ticks() { return Connection::Clock::now().time_since_epoch().count(); }

// The client's wish to close after this answer: "Connection: close", or
// HTTP/1.0 without "Connection: keep-alive".
bool wants_close(const Http::Request& request) {
    auto connection = request.headers().tryGet<Http::Header::Connection>();
    if (connection) {
        if (connection->control() == Http::ConnectionControl::Close) return true;
        if (connection->control() == Http::ConnectionControl::KeepAlive) return false;
    }
    return request.version() == Http::Version::Http10;
}

// Pistache reads Content-Length with stoull and keeps 0 for text it cannot
// read, so the header is checked as sent: digits only, within the body limit.
void check_content_length(const Http::Request& request) {
    auto raw = request.headers().tryGetRaw("Content-Length");
    if (!raw) return;
    std::string value = raw->value();
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    bool digits = !value.empty() && value.size() <= 19;
    for (unsigned char c : value) digits = digits && std::isdigit(c);
    if (!digits)
        throw Error(Errc::InvalidArgument,
                    "invalid Content-Length '" + value.substr(0, 40) + "': expected a number of bytes");
    if (std::stoull(value) > kMaxBodyBytes)
        throw Error(Errc::PayloadTooLarge, "request body of " + value + " bytes is larger than the limit of " +
                                               std::to_string(kMaxBodyBytes) + " bytes");
}

Error malformed_line() {
    return Error(Errc::InvalidArgument, "malformed HTTP request line (expected 'METHOD /path HTTP/1.1')");
}

// Collects the request head; once its blank line has arrived, refuses a
// head that announces a transfer coding: every body must come with a
// Content-Length.
void check_head(Connection& connection, const char* buffer, size_t length, size_t max_bytes) {
    // Bounded: past max_bytes the parser refuses the request as too large.
    const size_t room = max_bytes > connection.head.size() ? max_bytes - connection.head.size() : 0;
    connection.head.append(buffer, std::min(length, room));
    auto end = connection.head.find("\r\n\r\n");
    if (end == std::string::npos) end = connection.head.find("\n\n");
    if (end == std::string::npos) return;
    connection.head_complete = true;
    std::string lower = connection.head.substr(0, end + 1);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower.find("\ntransfer-encoding:") != std::string::npos)
        throw Error(Errc::LengthRequired,
                    "request bodies must be sent with Content-Length; Transfer-Encoding (chunked) is not accepted");
}

// What could not be read: a Content-Length as sent, else by the parser step
// that gave up.
Error malformed(const Http::Request& request, Http::Private::Step* step) {
    using namespace Http::Private;
    try {
        check_content_length(request);
    } catch (const Error& error) {
        return error;
    }
    auto id = step ? step->id() : RequestLineStep::Id;
    if (id == RequestLineStep::Id) return malformed_line();
    if (id == HeadersStep::Id)
        return Error(Errc::InvalidArgument, "malformed HTTP request header (a header value could not be read)");
    return Error(Errc::InvalidArgument, "malformed request body framing (Content-Length or chunked encoding)");
}

}  // namespace

// --- Connection --------------------------------------------------------------

Connection::Connection(std::shared_ptr<std::atomic<size_t>> open) : open_(std::move(open)), since_(now_ticks()) {
    ++*open_;
}

Connection::~Connection() { --*open_; }

void Connection::enter(Phase phase) {
    if (phase == Phase::Receiving || phase == Phase::Serving) {
        line_ended = false;
        head.clear();
        head_complete = false;
    }
    since_ = now_ticks();
    phase_ = phase;
}

bool Connection::bytes_arrived() {
    switch (phase_.load()) {
        case Phase::Idle: enter(Phase::Receiving); return true;
        case Phase::Receiving: return true;
        case Phase::Serving: close_after_ = true; return false;
        case Phase::Closing: return false;
    }
    return false;
}

void Connection::request_complete() { enter(Phase::Serving); }

// From any thread: leaves line_ended alone (the I/O thread's; it is reset
// when the next request begins).
void Connection::responding(bool close) { enter(close || close_after_ ? Phase::Closing : Phase::Idle); }

Connection::Verdict Connection::verdict(const ConnectionRules& rules, Clock::time_point now) {
    auto elapsed = now - Clock::time_point(Clock::duration(since_.load()));
    switch (phase_.load()) {
        case Phase::Receiving: return elapsed > rules.request_timeout ? Verdict::Drop : Verdict::Keep;
        case Phase::Serving: return Verdict::Keep;  // however long the operation takes
        case Phase::Idle: return elapsed > rules.idle_timeout ? Verdict::Drop : Verdict::Keep;
        case Phase::Closing:
            if (shut_down_) return elapsed > kLingerAfterRefusal ? Verdict::Drop : Verdict::Keep;
            if (written_) {
                shut_down_ = true;
                since_ = now_ticks();
                return Verdict::ShutDownWrites;
            }
            // An answer sent with "Connection: close" that the client has not
            // closed after; the idle rule is the backstop.
            return elapsed > rules.idle_timeout ? Verdict::Drop : Verdict::Keep;
    }
    return Verdict::Keep;
}

// --- RequestReader -----------------------------------------------------------

RequestReader::RequestReader(Dispatch dispatch, ConnectionRules rules)
    : dispatch_(std::move(dispatch)), rules_(rules), open_(std::make_shared<std::atomic<size_t>>(0)) {
    setMaxRequestSize(rules_.max_request_bytes);
}

std::shared_ptr<Connection> RequestReader::connection_of(const std::shared_ptr<Tcp::Peer>& peer) const {
    if (!peer) return nullptr;
    auto found = connections_.find(peer.get());
    return found == connections_.end() ? nullptr : found->second;
}

void RequestReader::onConnection(const std::shared_ptr<Tcp::Peer>& peer) {
    peer->putData(ParserData, std::make_shared<Http::RequestParser>(getMaxRequestSize()));
    auto connection = std::make_shared<Connection>(open_);
    if (open_->load() > rules_.max_connections) connection->set_over_limit();
    connections_[peer.get()] = std::move(connection);
}

void RequestReader::onInput(const char* buffer, size_t length, const std::shared_ptr<Tcp::Peer>& peer) {
    auto connection = connection_of(peer);
    if (!connection || !connection->bytes_arrived()) return;
    auto parser = getParser(peer);
    auto version = Http::Version::Http11;
    if (std::memchr(buffer, '\n', length)) connection->line_ended = true;
    try {
        // Before Pistache's parser sees the body: its chunked decoder spins
        // forever on a body of many small chunks (Pistache 0.0.5), so no
        // request with a Transfer-Encoding gets that far.
        if (!connection->head_complete) check_head(*connection, buffer, length, rules_.max_request_bytes);
        if (!parser->feed(buffer, length))
            throw Error(Errc::PayloadTooLarge, "request is larger than the limit of " +
                                                   std::to_string(rules_.max_request_bytes) +
                                                   " bytes (head and body)");
        auto state = parser->parse();
        version = parser->request.version();
        if (state != Http::Private::State::Done) {
            auto step = parser->step()->id();
            // Pistache keeps looking for the request line's parts past its
            // end ("GET\r\n" waits for a space): a line that has ended and
            // is still not read is malformed.
            if (step == Http::Private::RequestLineStep::Id && connection->line_ended) throw malformed_line();
            // The head is complete: refuse a body that cannot be right before
            // it is received.
            if (step == Http::Private::BodyStep::Id) check_content_length(parser->request);
            return;
        }
        check_content_length(parser->request);
        if (connection->over_limit())
            throw Error(Errc::Unavailable, "too many open connections (limit " +
                                               std::to_string(rules_.max_connections) +
                                               "); close idle ones or retry later");
        onRequest(parser->request, Http::ResponseWriter(version, transport(), this, peer));
        parser->reset();
    } catch (const Error& error) {
        refuse(peer, version, error);
    } catch (const Http::HttpError& error) {
        refuse(peer, version,
               error.code() == static_cast<int>(Http::Code::Request_Entity_Too_Large)
                   ? Error(Errc::PayloadTooLarge, "request is larger than the limit of " +
                                                      std::to_string(rules_.max_request_bytes) + " bytes")
                   : malformed(parser->request, parser->step()));
    } catch (...) {
        // Pistache's header parsers throw std:: exceptions (stoull's
        // out_of_range for a Content-Length of 20 digits); their text is not
        // for the client.
        refuse(peer, version, malformed(parser->request, parser->step()));
    }
}

void RequestReader::onRequest(const Http::Request& request, Http::ResponseWriter response) {
    auto connection = connection_of(response.getPeer());
    if (!connection) return;  // the client is gone
    connection->request_complete();
    dispatch_(request, Exchange{std::move(response), connection, wants_close(request)});
}

void RequestReader::refuse(const std::shared_ptr<Tcp::Peer>& peer, Http::Version version, const Error& error) {
    getParser(peer)->reset();
    auto connection = connection_of(peer);
    Exchange exchange{Http::ResponseWriter(version, transport(), this, peer), connection, /*close=*/true};
    // On the I/O thread that resolves the promise, so the continuation is safe.
    reply_error(exchange, error)
        .then([connection](ssize_t) { connection->written(); },
              [connection](std::exception_ptr) { connection->written(); });
}

// --- ConnectionTransport -----------------------------------------------------

ConnectionTransport::ConnectionTransport(const std::shared_ptr<RequestReader>& reader, ConnectionRules rules)
    : Tcp::Transport(reader), reader_(reader), rules_(rules) {}

ConnectionTransport::~ConnectionTransport() {
    if (timer_fd_ >= 0) ::close(timer_fd_);
}

void ConnectionTransport::registerPoller(Polling::Epoll& poller) {
    Tcp::Transport::registerPoller(poller);
    timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_fd_ < 0) throw std::runtime_error("timerfd_create failed");
    auto interval = std::chrono::duration_cast<std::chrono::nanoseconds>(kSweepInterval).count();
    itimerspec spec{};
    spec.it_interval.tv_nsec = interval;
    spec.it_value.tv_nsec = interval;
    if (::timerfd_settime(timer_fd_, 0, &spec, nullptr) != 0) throw std::runtime_error("timerfd_settime failed");
    poller.addFd(timer_fd_, Flags<Polling::NotifyOn>(Polling::NotifyOn::Read), Polling::Tag(timer_fd_));
}

void ConnectionTransport::onReady(const Aio::FdSet& fds) {
    for (const auto& entry : fds) {
        if (entry.getTag() != Polling::Tag(timer_fd_)) continue;
        uint64_t expirations = 0;
        [[maybe_unused]] auto n = ::read(timer_fd_, &expirations, sizeof expirations);
        sweep();
    }
    // The base ignores the timer's descriptor: it is neither a peer nor one
    // of its own timers.
    Tcp::Transport::onReady(fds);
}

std::shared_ptr<Aio::Handler> ConnectionTransport::clone() const {
    return std::make_shared<ConnectionTransport>(std::static_pointer_cast<RequestReader>(reader_->clone()), rules_);
}

void ConnectionTransport::sweep() {
    auto now = Connection::Clock::now();
    std::vector<std::shared_ptr<Tcp::Peer>> drop;
    for (const auto& [fd, peer] : peers) {
        auto connection = reader_->connection_of(peer);
        if (!connection) continue;
        switch (connection->verdict(rules_, now)) {
            case Connection::Verdict::Keep: break;
            // The answer is out: FIN after it, and the client's close ends it.
            case Connection::Verdict::ShutDownWrites: ::shutdown(fd, SHUT_WR); break;
            case Connection::Verdict::Drop: drop.push_back(peer); break;
        }
    }
    for (const auto& peer : drop) {
        reader_->forget(peer);  // removePeer does not tell the handler
        removePeer(peer);
    }
}

}  // namespace minions::rest
