// Client: one connection per call, a process-wide unique id per request,
// answers with other ids ignored, every wait bounded by the call's deadline,
// and a cancel for every request it stops waiting for.
#include "agent/agent_client.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "agent/answer.hpp"
#include "agent/connection.hpp"
#include "agent/request_id.hpp"
#include "core/error.hpp"
#include "protocol/protocol.hpp"

namespace minions::agent {

namespace {

using Clock = std::chrono::steady_clock;

// exec's own deadline is enforced by the agent; the call waits this much longer
// for the answer (killing, collecting output, a slow guest).
constexpr auto kExecGrace = std::chrono::seconds(10);
// wait_ready: retry quickly at first (the agent usually appears within a boot),
// never more than this far apart, and never wait on one attempt longer than this.
constexpr auto kFirstBackoff = std::chrono::milliseconds(10);
constexpr auto kMaxBackoff = std::chrono::milliseconds(500);
constexpr auto kMaxAttempt = std::chrono::seconds(2);
// What a cancel may add to a failed call.
constexpr auto kCancelBudget = std::chrono::seconds(1);

// Reads until the answer to request `id` arrives (answer.hpp says what is skipped).
nlohmann::json await_answer(detail::Connection& conn, uint64_t id, const std::string& op,
                            std::chrono::steady_clock::time_point deadline) {
    detail::AnswerReader reader(id);
    for (;;) {
        const std::string bytes = conn.receive(deadline);
        if (bytes.empty()) {
            throw Error(Errc::AgentFailed, conn.peer() + " closed the connection before answering '" + op + "'");
        }
        if (auto answer = reader.feed(bytes)) return std::move(*answer);
    }
}

}  // namespace

Client::Client(Endpoint endpoint, std::chrono::milliseconds call_timeout)
    : endpoint_(std::move(endpoint)), call_timeout_(call_timeout) {}

nlohmann::json Client::call(nlohmann::json request) { return call(std::move(request), call_timeout_); }

nlohmann::json Client::call(nlohmann::json request, std::chrono::milliseconds timeout) {
    if (!request.is_object() || !request.contains("op") || !request["op"].is_string()) {
        throw Error(Errc::InvalidArgument, "agent request must be a JSON object with a string 'op'");
    }
    const std::string op = request["op"].get<std::string>();
    const uint64_t id = next_request_id();
    request["id"] = id;
    std::string frame;
    try {
        frame = protocol::encode_frame(request);
    } catch (const std::length_error& e) {
        throw Error(Errc::InvalidArgument, "agent request '" + op + "' is too large: " + e.what());
    }

    const auto deadline = Clock::now() + timeout;
    nlohmann::json answer;
    try {
        detail::Connection conn(endpoint_, deadline);
        try {
            conn.send_all(frame, deadline);
            answer = await_answer(conn, id, op, deadline);
        } catch (const Error&) {
            // The request may be running in the guest, with nobody to answer.
            cancel(id, conn);
            throw;
        }
    } catch (const Error& e) {
        if (e.code() != Errc::Timeout) throw;
        // Name the request and the budget; keep where it got stuck.
        throw Error(Errc::Timeout, "guest agent at '" + endpoint_.socket.string() + "' did not answer '" + op +
                                       "' within " + std::to_string(timeout.count()) + " ms (" + e.what() + ")");
    }
    return detail::checked_answer(std::move(answer));
}

// On the call's own connection first: over virtio-serial a fresh one would
// queue behind whichever host connection QEMU is serving. A fresh connection
// only when that one is broken. Answers to the cancel are not waited for.
void Client::cancel(uint64_t target, detail::Connection& conn) {
    const std::string frame =
        protocol::encode_frame({{"id", next_request_id()}, {"op", "cancel"}, {"target", target}});
    const auto deadline = Clock::now() + kCancelBudget;
    try {
        conn.send_all(frame, deadline);
        return;
    } catch (const Error&) {
    }
    try {
        detail::Connection fresh(endpoint_, deadline);
        fresh.send_all(frame, deadline);
    } catch (const Error&) {
        // Best effort: the guest's own deadlines (exec's timeout, the freeze's
        // auto-thaw) still bound what it runs.
    }
}

void Client::wait_ready(std::chrono::milliseconds timeout, const std::function<bool()>& keep_waiting) {
    const auto deadline = Clock::now() + timeout;
    auto backoff = kFirstBackoff;
    std::string last_error = "no attempt made";
    for (;;) {
        if (keep_waiting && !keep_waiting()) {
            throw Error(Errc::HypervisorFailed, "stopped waiting for the guest agent at '" + endpoint_.socket.string() +
                                                    "': its VMM is gone (last error: " + last_error + ")");
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;
        try {
            call({{"op", "health"}}, std::min<std::chrono::milliseconds>(left, kMaxAttempt));
            return;
        } catch (const Error& e) {
            last_error = e.what();
        }
        const auto pause = std::min<std::chrono::milliseconds>(
            backoff, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
        if (pause.count() > 0) std::this_thread::sleep_for(pause);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
    }
    throw Error(Errc::Timeout, "guest agent at '" + endpoint_.socket.string() + "' not ready after " +
                                   std::to_string(timeout.count()) + " ms (last error: " + last_error + ")");
}

nlohmann::json Client::health() { return call({{"op", "health"}}); }

void Client::configure_network(const GuestNetwork& net) {
    call({{"op", "configure_network"},
          {"interface", net.interface},
          {"address", net.address},
          {"prefix", net.prefix},
          {"gateway", net.gateway},
          {"dns", net.dns}});
}

void Client::write_file(const std::string& path, const std::string& content, unsigned mode, bool append) {
    // base64: file contents need not be UTF-8, JSON strings must be.
    call({{"op", "write_file"},
          {"path", path},
          {"content_b64", protocol::base64_encode(content)},
          {"mode", mode},
          {"append", append}});
}

ExecResult Client::exec(const std::string& command, const std::vector<std::string>& args,
                        std::chrono::milliseconds timeout) {
    const auto response = call({{"op", "exec"}, {"command", command}, {"args", args}, {"timeout_ms", timeout.count()}},
                               timeout + kExecGrace);
    return detail::exec_result(response);
}

nlohmann::json Client::status() { return call({{"op", "status"}}); }

void Client::sync() { call({{"op", "sync"}}); }

void Client::freeze(std::chrono::milliseconds auto_thaw) {
    call({{"op", "freeze"}, {"auto_thaw_ms", auto_thaw.count()}});
}

void Client::thaw() { call({{"op", "thaw"}}); }

void Client::set_hostname(const std::string& hostname) { call({{"op", "set_hostname"}, {"hostname", hostname}}); }

}  // namespace minions::agent
