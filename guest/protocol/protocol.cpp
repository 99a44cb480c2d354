// Frame codec: 4-byte big-endian length + UTF-8 JSON object, at most 1 MiB.
#include "protocol/protocol.hpp"

#include <cstring>
#include <stdexcept>

namespace minions::protocol {

namespace {

constexpr std::size_t kHeaderBytes = 4;

uint32_t read_be32(std::string_view bytes) {
    return (uint32_t{static_cast<unsigned char>(bytes[0])} << 24) |
           (uint32_t{static_cast<unsigned char>(bytes[1])} << 16) |
           (uint32_t{static_cast<unsigned char>(bytes[2])} << 8) |
           uint32_t{static_cast<unsigned char>(bytes[3])};
}

FrameDecoder::Result parse_body(std::string_view body) {
    // Checked before parsing: a value nested 500,000 deep parses, but every
    // later walk over it (dump, conversion to D-Bus variants) recurses and
    // runs out of stack.
    if (!json_nesting_within(body, kMaxJsonNesting))
        return {std::nullopt, "frame nests deeper than " + std::to_string(kMaxJsonNesting) + " levels"};
    auto parsed = nlohmann::json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return {std::nullopt, "frame is not valid JSON"};
    if (!parsed.is_object()) return {std::nullopt, std::string("frame is a JSON ") + parsed.type_name() + ", not an object"};
    return {std::move(parsed), {}};
}

}  // namespace

bool json_nesting_within(std::string_view text, int max_depth) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        switch (c) {
            case '"': in_string = true; break;
            case '{':
            case '[':
                if (++depth > max_depth) return false;
                break;
            case '}':
            case ']': --depth; break;
            default: break;
        }
    }
    return true;
}

std::string dump_json(const nlohmann::json& message) {
    return message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string encode_frame(const nlohmann::json& message) {
    std::string body = dump_json(message);
    if (body.size() > kMaxFrameBytes) {
        throw std::length_error("message of " + std::to_string(body.size()) + " bytes exceeds the " +
                                std::to_string(kMaxFrameBytes) + "-byte frame limit");
    }
    const auto n = static_cast<uint32_t>(body.size());
    std::string frame;
    frame.reserve(kHeaderBytes + body.size());
    frame.push_back(static_cast<char>((n >> 24) & 0xff));
    frame.push_back(static_cast<char>((n >> 16) & 0xff));
    frame.push_back(static_cast<char>((n >> 8) & 0xff));
    frame.push_back(static_cast<char>(n & 0xff));
    frame += body;
    return frame;
}

void FrameDecoder::feed(std::string_view bytes) {
    // Discard the rest of an oversized body straight from the input, so a huge
    // frame never gets buffered.
    if (skip_ > 0) {
        const auto drop = static_cast<std::size_t>(std::min<uint64_t>(skip_, bytes.size()));
        bytes.remove_prefix(drop);
        skip_ -= drop;
    }
    buffer_.append(bytes);
}

std::optional<FrameDecoder::Result> FrameDecoder::next() {
    if (sync_ == Sync::Resync) return next_resync();
    if (skip_ > 0) {
        const auto drop = static_cast<std::size_t>(std::min<uint64_t>(skip_, buffer_.size()));
        buffer_.erase(0, drop);
        skip_ -= drop;
        if (skip_ > 0) return std::nullopt;
    }
    if (buffer_.size() < kHeaderBytes) return std::nullopt;

    const uint32_t length = read_be32(buffer_);
    if (length > kMaxFrameBytes) {
        buffer_.erase(0, kHeaderBytes);
        skip_ = length;
        const auto drop = static_cast<std::size_t>(std::min<uint64_t>(skip_, buffer_.size()));
        buffer_.erase(0, drop);
        skip_ -= drop;
        return Result{std::nullopt, "frame of " + std::to_string(length) + " bytes exceeds the " +
                                        std::to_string(kMaxFrameBytes) + "-byte limit"};
    }
    if (buffer_.size() < kHeaderBytes + length) return std::nullopt;

    Result result = parse_body(std::string_view(buffer_).substr(kHeaderBytes, length));
    buffer_.erase(0, kHeaderBytes + length);
    return result;
}

// See Sync::Resync in the header for why a 0x00 byte is the anchor.
std::optional<FrameDecoder::Result> FrameDecoder::next_resync() {
    for (;;) {
        const auto start = buffer_.find('\0');
        if (start == std::string::npos) {
            drop(buffer_.size());
            return std::nullopt;
        }
        if (start > 0) drop(start);
        if (buffer_.size() < kHeaderBytes + 1) return std::nullopt;
        const uint32_t length = read_be32(buffer_);
        if (length < 2 || length > kMaxFrameBytes || buffer_[kHeaderBytes] != '{') {
            drop(1);
            continue;
        }
        const std::size_t have = std::min<std::size_t>(buffer_.size() - kHeaderBytes, length);
        const char* body = buffer_.data() + kHeaderBytes;
        if (const void* cut = std::memchr(body + clean_, '\0', have - clean_)) {
            drop(static_cast<std::size_t>(static_cast<const char*>(cut) - buffer_.data()));
            continue;
        }
        if (have < length) {
            clean_ = have;
            return std::nullopt;
        }
        Result result = parse_body(std::string_view(body, length));
        buffer_.erase(0, kHeaderBytes + length);
        clean_ = 0;
        return result;
    }
}

void FrameDecoder::drop(std::size_t n) {
    buffer_.erase(0, n);
    skipped_ += n;
    clean_ = 0;
}

void FrameDecoder::reset() {
    buffer_.clear();
    skip_ = 0;
    clean_ = 0;
}

}  // namespace minions::protocol
