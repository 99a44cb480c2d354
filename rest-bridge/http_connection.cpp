#include "http_connection.hpp"

#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <string_view>
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
void check_content_length_value(std::string value) {
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) value.pop_back();
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    bool digits = !value.empty() && value.size() <= 19;
    for (unsigned char c : value) digits = digits && std::isdigit(c);
    if (!digits)
        throw Error(Errc::InvalidArgument,
                    "invalid Content-Length '" + value.substr(0, 40) + "': expected a number of bytes");
    if (std::stoull(value) > kMaxBodyBytes)
        throw Error(Errc::PayloadTooLarge, "request body of " + value + " bytes is larger than the limit of " +
                                               std::to_string(kMaxBodyBytes) + " bytes");
}

void check_content_length(const Http::Request& request) {
    auto raw = request.headers().tryGetRaw("Content-Length");
    if (raw) check_content_length_value(raw->value());
}

Error malformed_line() {
    return Error(Errc::InvalidArgument, "malformed HTTP request line (expected 'METHOD /path HTTP/1.1')");
}

Error malformed_header() {
    return Error(Errc::InvalidArgument, "malformed HTTP request header (expected 'Name: value' lines ending in CRLF)");
}

// RFC 9110 token characters: what a header name is made of.
bool is_token_char(unsigned char c) {
    return c != 0 && (std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

// One line of the head without its CRLF: the request line ("METHOD target
// VERSION") or a header ("Name: value").
void check_head_line(std::string_view line, bool request_line) {
    for (unsigned char c : line)
        if ((c < 0x20 && c != '\t') || c == 0x7f) throw request_line ? malformed_line() : malformed_header();
    if (request_line) {
        if (std::count(line.begin(), line.end(), ' ') != 2 || line.find('\t') != std::string_view::npos)
            throw malformed_line();
        return;
    }
    const auto colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) throw malformed_header();
    const auto name = line.substr(0, colon);
    for (unsigned char c : name)
        if (!is_token_char(c)) throw malformed_header();
    if (iequals(name, "Transfer-Encoding"))
        throw Error(Errc::LengthRequired,
                    "request bodies must be sent with Content-Length; Transfer-Encoding (chunked) is not accepted");
    // Before the parser's body step too: it reserves the announced length
    // at once (Pistache 0.0.5), so "Content-Length: 999999999999999" would
    // be an allocation of a petabyte.
    if (iequals(name, "Content-Length")) check_content_length_value(std::string(line.substr(colon + 1)));
}

// Checks the request head line by line as it arrives, each line once, up to
// its blank line (then head_complete). Before Pistache's parser sees the
// bytes, and strictly: every line ends in CRLF and has no other control
// character, the request line has two spaces, every header a token name and
// a colon. So the parser cannot read lines differently (its header names run
// to the next ':', across line ends), and no head announcing a transfer
// coding reaches it: its chunked decoder spins on many small chunks
// (Pistache 0.0.5). Every body must come with a Content-Length.
void check_head(Connection& connection, const char* buffer, size_t length, size_t max_bytes) {
    // Bounded: past max_bytes the parser refuses the request as too large.
    const size_t room = max_bytes > connection.head.size() ? max_bytes - connection.head.size() : 0;
    connection.head.append(buffer, std::min(length, room));
    const std::string& head = connection.head;
    for (;;) {
        const size_t start = connection.head_checked;
        const size_t lf = head.find('\n', start);
        if (lf == std::string::npos) {
            // A CR must be followed by its LF; a NUL is never part of a head.
            const auto cr = head.find('\r', start);
            if ((cr != std::string::npos && cr + 1 < head.size()) || head.find('\0', start) != std::string::npos)
                throw start == 0 ? malformed_line() : malformed_header();
            return;
        }
        if (lf == start || head[lf - 1] != '\r') throw start == 0 ? malformed_line() : malformed_header();
        connection.head_checked = lf + 1;
        const std::string_view line(head.data() + start, lf - 1 - start);
        if (line.empty()) {
            if (start == 0) throw malformed_line();
            connection.head_complete = true;
            return;
        }
        check_head_line(line, start == 0);
    }
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
        head_checked = 0;
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

Arrival read_request(Connection& connection, Http::RequestParser& parser, const char* buffer, size_t length,
                     const ConnectionRules& rules) {
    Arrival arrival;
    auto refused = [&](Error error) {
        arrival.outcome = Arrival::Outcome::Refused;
        arrival.refusal = std::move(error);
        return arrival;
    };
    if (std::memchr(buffer, '\n', length)) connection.line_ended = true;
    try {
        // Before Pistache's parser sees the body: its chunked decoder spins
        // forever on a body of many small chunks (Pistache 0.0.5), so no
        // request with a Transfer-Encoding gets that far.
        if (!connection.head_complete) check_head(connection, buffer, length, rules.max_request_bytes);
        if (!parser.feed(buffer, length))
            throw Error(Errc::PayloadTooLarge, "request is larger than the limit of " +
                                                   std::to_string(rules.max_request_bytes) + " bytes (head and body)");
        auto state = parser.parse();
        arrival.version = parser.request.version();
        if (state != Http::Private::State::Done) {
            auto step = parser.step()->id();
            // Pistache keeps looking for the request line's parts past its
            // end ("GET\r\n" waits for a space): a line that has ended and
            // is still not read is malformed.
            if (step == Http::Private::RequestLineStep::Id && connection.line_ended) throw malformed_line();
            // The head is complete: refuse a body that cannot be right before
            // it is received.
            if (step == Http::Private::BodyStep::Id) check_content_length(parser.request);
            return arrival;
        }
        check_content_length(parser.request);
        if (connection.over_limit())
            throw Error(Errc::Unavailable, "too many open connections (limit " + std::to_string(rules.max_connections) +
                                               "); close idle ones or retry later");
        arrival.outcome = Arrival::Outcome::Complete;
        return arrival;
    } catch (const Error& error) {
        return refused(error);
    } catch (const Http::HttpError& error) {
        return refused(error.code() == static_cast<int>(Http::Code::Request_Entity_Too_Large)
                           ? Error(Errc::PayloadTooLarge, "request is larger than the limit of " +
                                                              std::to_string(rules.max_request_bytes) + " bytes")
                           : malformed(parser.request, parser.step()));
    } catch (...) {
        // Pistache's header parsers throw std:: exceptions (stoull's
        // out_of_range for a Content-Length of 20 digits); their text is not
        // for the client.
        return refused(malformed(parser.request, parser.step()));
    }
}

void RequestReader::onInput(const char* buffer, size_t length, const std::shared_ptr<Tcp::Peer>& peer) {
    auto connection = connection_of(peer);
    if (!connection || !connection->bytes_arrived()) return;
    auto parser = getParser(peer);
    Arrival arrival = read_request(*connection, *parser, buffer, length, rules_);
    if (arrival.outcome == Arrival::Outcome::Refused) {
        refuse(peer, arrival.version, *arrival.refusal);
        return;
    }
    if (arrival.outcome == Arrival::Outcome::Pending) return;
    try {
        onRequest(parser->request, Http::ResponseWriter(arrival.version, transport(), this, peer));
        parser->reset();
    } catch (...) {
        refuse(peer, arrival.version, malformed(parser->request, parser->step()));
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
