#pragma once
// The agent client's reading of what a guest sends, apart from the socket
// that brings it, so tests and fuzz targets can feed it bytes: the answer to
// one request picked out of a resynchronising frame stream, the "ok"/"error"
// check, exec's result fields, and the hybrid vsock handshake line.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agent/agent_client.hpp"
#include "protocol/protocol.hpp"

namespace minions::agent::detail {

// Picks the answer to request `id` out of the agent's byte stream. Anything
// else is not ours: another call's answer, the rest of one a host stopped
// reading, a frame cut short; the resynchronising decoder steps over them.
class AnswerReader {
public:
    explicit AnswerReader(uint64_t id) : id_(id) {}
    // The answer once it has arrived; nullopt while more bytes are needed.
    std::optional<nlohmann::json> feed(std::string_view bytes);

private:
    uint64_t id_;
    protocol::FrameDecoder decoder_{protocol::FrameDecoder::Sync::Resync};
};

// `answer` when it says "ok": true; else Error{AgentFailed} carrying the
// agent's "error" sentence.
nlohmann::json checked_answer(nlohmann::json answer);

// exec's fields; Error{AgentFailed} naming the first missing or mistyped one.
ExecResult exec_result(const nlohmann::json& answer);

// Whether a hybrid vsock handshake reply is "OK <port>\n".
bool is_ok_line(const std::string& line);
// `raw` with control and non-ASCII bytes escaped, for error messages.
std::string printable(const std::string& raw);

}  // namespace minions::agent::detail
