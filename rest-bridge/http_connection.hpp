#pragma once
// The bridge's HTTP connections, on Pistache 0.0.5's TCP layer (Tcp::Listener,
// Tcp::Transport) instead of its Http::Endpoint, for two reasons:
//  - Endpoint's idle sweep drops a connection whose request is still being
//    served: once a request is handed to a handler the parser is reset to
//    "waiting for a request line" and its clock restarted, so after the header
//    timeout the sweep answers an empty 408 and closes the connection while
//    the operation goes on behind it;
//  - Endpoint's handler answers a request it cannot parse with text/plain
//    bodies of its own (an exception's what() as a 500, a 413, a 400).
// Here a connection is dropped only by the rules of ConnectionRules (never
// while its request is being served), and every request that cannot be read
// is answered with the one JSON error object.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <pistache/http.h>
#include <pistache/transport.h>

#include "core/error.hpp"

namespace minions::rest {

struct ConnectionRules {
    // The whole request (head and body) must arrive within this time of its
    // first byte (of the connection's opening, for the first request).
    std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
    // A keep-alive connection with no request for this long is closed.
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};
    // Connections open at once; a request on one more is answered 503.
    size_t max_connections = 256;
    // Request head + body as Pistache buffers it; above: 413.
    size_t max_request_bytes = 256 * 1024;
};

// Where one connection stands. Written by the I/O thread that owns the
// connection, and by the worker that answers its request (respond()).
class Connection {
public:
    enum class Phase { Receiving, Serving, Idle, Closing };
    using Clock = std::chrono::steady_clock;

    explicit Connection(std::shared_ptr<std::atomic<size_t>> open);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Opened beyond max_connections: its first request is refused.
    bool over_limit() const { return over_limit_; }
    void set_over_limit() { over_limit_ = true; }

    // Bytes arrived. False when they must be dropped: the connection is
    // closing, or a request is still being served (no pipelining; the
    // connection is then closed after that answer).
    bool bytes_arrived();
    void request_complete();  // handed to the handler: Serving, not timed
    // Called just before an answer is queued (so the client's next request
    // can only arrive after it): Idle, or Closing when `close`.
    void responding(bool close);
    void written() { written_ = true; }  // a Closing answer left

    Phase phase() const { return phase_; }
    // I/O thread only: a line end was among this request's bytes.
    bool line_ended = false;
    // I/O thread only: this request's head as received so far, until its
    // blank line; then head_complete. Reset with line_ended.
    std::string head;
    bool head_complete = false;
    size_t head_checked = 0;  // bytes of `head` whose lines were checked
    // What the sweep does with it now.
    enum class Verdict { Keep, ShutDownWrites, Drop };
    Verdict verdict(const ConnectionRules& rules, Clock::time_point now);

private:
    void enter(Phase phase);

    std::shared_ptr<std::atomic<size_t>> open_;
    std::atomic<Phase> phase_{Phase::Receiving};
    std::atomic<Clock::rep> since_;
    std::atomic<bool> close_after_{false};
    std::atomic<bool> written_{false};
    bool shut_down_ = false;  // sweep only: FIN sent, waiting for the client's
    bool over_limit_ = false;
};

// One request's answer: Pistache's writer and the connection it goes to.
struct Exchange {
    Pistache::Http::ResponseWriter response;
    std::shared_ptr<Connection> connection;
    bool close = false;  // the client asked to close after this answer
};

// The reading half of RequestReader::onInput, apart from the peer, so tests
// and fuzz targets can feed it bytes: what `length` more bytes of a request
// on `connection` amount to after the head checks (no Transfer-Encoding, a
// Content-Length of digits within the limit) and Pistache's parser. On
// Complete, parser.request is the request; on Refused, `refusal` is the
// answer and the connection is to be closed after it.
struct Arrival {
    enum class Outcome { Pending, Complete, Refused };
    Outcome outcome = Outcome::Pending;
    Pistache::Http::Version version = Pistache::Http::Version::Http11;
    std::optional<Error> refusal;
};
Arrival read_request(Connection& connection, Pistache::Http::RequestParser& parser, const char* buffer,
                     size_t length, const ConnectionRules& rules);

// Parses requests on the I/O thread and hands each complete one to
// `dispatch`; answers unreadable ones itself (JSON, then closes).
class RequestReader : public Pistache::Http::Handler {
public:
    HTTP_PROTOTYPE(RequestReader)
    using Dispatch = std::function<void(const Pistache::Http::Request&, Exchange)>;

    RequestReader(Dispatch dispatch, ConnectionRules rules);

    void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override;
    // I/O thread only (this reader's transport's).
    std::shared_ptr<Connection> connection_of(const std::shared_ptr<Pistache::Tcp::Peer>& peer) const;
    void forget(const std::shared_ptr<Pistache::Tcp::Peer>& peer) { connections_.erase(peer.get()); }

private:
    void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
    void onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override { forget(peer); }
    void onInput(const char* buffer, size_t length, const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
    // Answers `error` on the I/O thread and closes the connection once the
    // answer has left (the rest of the request, if any, is never read).
    void refuse(const std::shared_ptr<Pistache::Tcp::Peer>& peer, Pistache::Http::Version version,
                const Error& error);

    Dispatch dispatch_;
    ConnectionRules rules_;
    std::shared_ptr<std::atomic<size_t>> open_;  // shared by every I/O thread's copy
    // Each open connection's state, here rather than in the Peer's data:
    // Pistache would then drop the last reference inside libpistache, which
    // is not built with ThreadSanitizer, and the free would look like a race
    // with the worker that released its reference just before.
    std::unordered_map<const Pistache::Tcp::Peer*, std::shared_ptr<Connection>> connections_;
};

// Pistache's TCP transport plus a sweep, every 250 ms on its own I/O thread,
// that drops the connections the rules say to drop.
class ConnectionTransport : public Pistache::Tcp::Transport {
public:
    ConnectionTransport(const std::shared_ptr<RequestReader>& reader, ConnectionRules rules);
    ~ConnectionTransport() override;

    void registerPoller(Pistache::Polling::Epoll& poller) override;
    void onReady(const Pistache::Aio::FdSet& fds) override;
    std::shared_ptr<Pistache::Aio::Handler> clone() const override;

private:
    void sweep();

    std::shared_ptr<RequestReader> reader_;
    ConnectionRules rules_;
    int timer_fd_ = -1;
};

}  // namespace minions::rest
