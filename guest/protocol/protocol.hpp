#pragma once
// The host <-> guest agent wire format: frames of a 4-byte big-endian length
// followed by that many bytes of UTF-8 JSON, at most 1 MiB. Shared, unchanged,
// by minions-agent (guest) and the agent client (host).
//
// Request:  {"id": <uint>, "op": "<operation>", ...arguments}
// Response: {"id": <same>, "ok": true, ...results}
//        or {"id": <same or null>, "ok": false, "error": "<sentence>"}
// Operations: health, configure_network, write_file, exec, status, sync,
// freeze, thaw, set_hostname (see docs/ARCHITECTURE.md for their fields).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace minions::protocol {

inline constexpr uint32_t kMaxFrameBytes = 1u << 20;
inline constexpr uint32_t kAgentVsockPort = 1024;
inline constexpr const char* kSerialPortName = "org.minions.agent";

// Serializes `message` into one frame. Throws std::length_error if over the limit.
std::string encode_frame(const nlohmann::json& message);

// Incremental decoder for a byte stream. A frame whose declared length exceeds
// the limit or whose body is not a JSON object is reported as an error; the
// decoder skips its body so the stream stays in sync.
class FrameDecoder {
public:
    struct Result {
        std::optional<nlohmann::json> message;  // set when a good frame arrived
        std::string error;                      // set when a bad frame arrived
    };
    void feed(std::string_view bytes);
    // Next complete frame (good or bad), or nullopt when more bytes are needed.
    std::optional<Result> next();
    std::size_t buffered() const { return buffer_.size(); }
    void reset();

private:
    std::string buffer_;
    uint64_t skip_ = 0;  // bytes of an oversized body still to discard
};

// write_file carries arbitrary bytes as base64 ("content_b64"): JSON strings
// must be valid UTF-8, file contents need not be.
std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid standard base64 (padding optional).
std::optional<std::string> base64_decode(std::string_view text);

// Serializes JSON the way frames do: invalid UTF-8 (e.g. in command output)
// becomes U+FFFD instead of throwing.
std::string dump_json(const nlohmann::json& message);

}  // namespace minions::protocol
