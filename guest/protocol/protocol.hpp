#pragma once
// The host <-> guest agent wire format: frames of a 4-byte big-endian length
// followed by that many bytes of UTF-8 JSON, at most 1 MiB. Shared, unchanged,
// by minions-agent (guest) and the agent client (host).
//
// Request:  {"id": <uint>, "op": "<operation>", ...arguments}
// Response: {"id": <same>, "ok": true, ...results}
//        or {"id": <same or null>, "ok": false, "error": "<sentence>"}
// Operations: health, configure_network, write_file, exec, status, sync,
// freeze, thaw, set_hostname, cancel (see guest/agent/README.md for their
// fields). Since protocol 2 answers may come in any order: match them by id.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace minions::protocol {

inline constexpr uint32_t kMaxFrameBytes = 1u << 20;
// Deepest nesting of objects and arrays a frame may have; real messages
// nest two or three levels.
inline constexpr int kMaxJsonNesting = 64;
// What health reports as "protocol": 2 answers concurrently and knows cancel.
inline constexpr int kProtocolVersion = 2;
inline constexpr uint32_t kAgentVsockPort = 1024;
inline constexpr const char* kSerialPortName = "org.minions.agent";

// Serializes `message` into one frame. Throws std::length_error if over the limit.
std::string encode_frame(const nlohmann::json& message);

// Incremental decoder for a byte stream. A frame whose declared length exceeds
// the limit or whose body is not a JSON object is reported as an error; the
// decoder skips its body so the stream stays in sync.
//
// Sync::Resync is for a stream that may start, or go on, in the middle of a
// frame (QEMU's virtio-serial port hands the unsent tail of an answer to the
// next host connection). A frame body is dumped JSON, which never contains a
// 0x00 byte (control characters are escaped), while every header starts with
// one (frames are far under 16 MiB). So bytes up to the next 0x00 are skipped
// silently, a header must declare 2..kMaxFrameBytes bytes and be followed by
// '{', and a 0x00 inside a declared body proves that frame was cut: decoding
// restarts at that byte. Garbage never costs more than the frames it touches.
class FrameDecoder {
public:
    enum class Sync { Strict, Resync };
    struct Result {
        std::optional<nlohmann::json> message;  // set when a good frame arrived
        std::string error;                      // set when a bad frame arrived
    };
    explicit FrameDecoder(Sync sync = Sync::Strict) : sync_(sync) {}
    void feed(std::string_view bytes);
    // Next complete frame (good or bad), or nullopt when more bytes are needed.
    std::optional<Result> next();
    std::size_t buffered() const { return buffer_.size(); }
    // Resync only: bytes dropped so far because no frame could start there.
    uint64_t skipped() const { return skipped_; }
    void reset();

private:
    std::optional<Result> next_resync();
    // Drops the first `n` buffered bytes as not belonging to any frame.
    void drop(std::size_t n);

    Sync sync_;
    std::string buffer_;
    uint64_t skip_ = 0;      // bytes of an oversized body still to discard
    std::size_t clean_ = 0;  // resync: body bytes already checked for 0x00
    uint64_t skipped_ = 0;
};

// write_file carries arbitrary bytes as base64 ("content_b64"): JSON strings
// must be valid UTF-8, file contents need not be.
std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid standard base64 (padding optional).
std::optional<std::string> base64_decode(std::string_view text);

// Whether no object or array in the JSON `text` is nested deeper than
// `max_depth` (brackets inside strings do not count). A linear scan that
// needs no parse, so it can run before one; says nothing about validity.
bool json_nesting_within(std::string_view text, int max_depth);

// Serializes JSON the way frames do: invalid UTF-8 (e.g. in command output)
// becomes U+FFFD instead of throwing.
std::string dump_json(const nlohmann::json& message);

}  // namespace minions::protocol
