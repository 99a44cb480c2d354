// Client: one connection per call, a fresh id per request, answers with other
// ids ignored, every wait bounded by the call's deadline.
#include "agent/agent_client.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "agent/connection.hpp"
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

template <typename T>
T field(const nlohmann::json& response, const char* name, const std::string& op) {
    try {
        return response.at(name).get<T>();
    } catch (const nlohmann::json::exception&) {
        throw Error(Errc::AgentFailed, "guest agent answered '" + op + "' without a valid '" + name + "' field");
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
    const uint64_t id = next_id_++;
    request["id"] = id;
    std::string frame;
    try {
        frame = protocol::encode_frame(request);
    } catch (const std::length_error& e) {
        throw Error(Errc::InvalidArgument, "agent request '" + op + "' is too large: " + e.what());
    }

    const auto deadline = Clock::now() + timeout;
    try {
        detail::Connection conn(endpoint_, deadline);
        conn.send_all(frame, deadline);
        protocol::FrameDecoder decoder;
        for (;;) {
            const std::string bytes = conn.receive(deadline);
            if (bytes.empty()) {
                throw Error(Errc::AgentFailed, conn.peer() + " closed the connection before answering '" + op + "'");
            }
            decoder.feed(bytes);
            while (auto frame_in = decoder.next()) {
                if (!frame_in->message) {
                    throw Error(Errc::AgentFailed, conn.peer() + " sent a bad frame: " + frame_in->error);
                }
                const auto& msg = *frame_in->message;
                // An answer to some earlier request on a reused stream: not ours.
                if (!msg.contains("id") || msg["id"] != id) continue;
                if (msg.value("ok", false) != true) {
                    const auto it = msg.find("error");
                    const std::string why = it != msg.end() && it->is_string() ? it->get<std::string>() : msg.dump();
                    throw Error(Errc::AgentFailed, "guest agent: " + why);
                }
                return msg;
            }
        }
    } catch (const Error& e) {
        if (e.code() != Errc::Timeout) throw;
        // Name the request and the budget; keep where it got stuck.
        throw Error(Errc::Timeout, "guest agent at '" + endpoint_.socket.string() + "' did not answer '" + op +
                                       "' within " + std::to_string(timeout.count()) + " ms (" + e.what() + ")");
    }
}

void Client::wait_ready(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    auto backoff = kFirstBackoff;
    std::string last_error = "no attempt made";
    for (;;) {
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
    ExecResult r;
    r.exit_code = field<int>(response, "exit_code", "exec");
    r.stdout_text = field<std::string>(response, "stdout", "exec");
    r.stderr_text = field<std::string>(response, "stderr", "exec");
    r.timed_out = field<bool>(response, "timed_out", "exec");
    r.truncated = field<bool>(response, "truncated", "exec");
    return r;
}

nlohmann::json Client::status() { return call({{"op", "status"}}); }

void Client::sync() { call({{"op", "sync"}}); }

void Client::freeze() { call({{"op", "freeze"}}); }

void Client::thaw() { call({{"op", "thaw"}}); }

void Client::set_hostname(const std::string& hostname) { call({{"op", "set_hostname"}, {"hostname", hostname}}); }

}  // namespace minions::agent
