#pragma once
// A small QMP (QEMU Machine Protocol) client over a Unix socket. One client is
// one connection: QEMU's monitor serves one client at a time, so drivers open
// a client per operation and close it right after, which also survives a
// daemon restart. Every wait has a deadline; failures throw
// Error{HypervisorFailed} naming the command and QMP's own description.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace minions::hv {

class QmpClient {
public:
    // Connects, reads the greeting and negotiates capabilities.
    QmpClient(const std::filesystem::path& socket, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    ~QmpClient();
    QmpClient(const QmpClient&) = delete;
    QmpClient& operator=(const QmpClient&) = delete;

    // Runs one command and returns its "return" value. Asynchronous events
    // arriving meanwhile are skipped.
    nlohmann::json execute(const std::string& command, const nlohmann::json& arguments = nullptr);
    nlohmann::json execute(const std::string& command, const nlohmann::json& arguments,
                           std::chrono::milliseconds timeout);

    const nlohmann::json& greeting() const { return greeting_; }

private:
    nlohmann::json read_message(std::chrono::steady_clock::time_point deadline, const std::string& waiting_for);
    void send_line(const std::string& line, std::chrono::steady_clock::time_point deadline,
                   const std::string& command);

    std::filesystem::path socket_;
    std::chrono::milliseconds timeout_;
    std::chrono::milliseconds call_timeout_;  // of the call in progress, for messages
    int fd_ = -1;
    std::string buffer_;
    nlohmann::json greeting_;
    uint64_t next_id_ = 1;
};

// QMP's reading, apart from the socket, so tests and fuzz targets can feed it
// bytes. Failures throw Error{HypervisorFailed} naming `source` or `command`.
namespace qmp {

// Takes the next line off `buffer` as a JSON object of at most
// protocol::kMaxJsonNesting levels; nullopt until a whole line is buffered
// (blank lines are skipped).
std::optional<nlohmann::json> take_message(std::string& buffer, const std::string& source);

// Whether a greeting is one: an object with a "QMP" member.
bool is_greeting(const nlohmann::json& message);

// The "return" of the answer to command `id`; nullopt when `message` is an
// event or answers another id.
std::optional<nlohmann::json> answer_to(const nlohmann::json& message, uint64_t id, const std::string& command);

}  // namespace qmp

}  // namespace minions::hv
