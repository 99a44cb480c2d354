// Frame codec: 4-byte big-endian length + UTF-8 JSON object, at most 1 MiB.
#include "protocol/protocol.hpp"

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

}  // namespace

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

    auto parsed = nlohmann::json::parse(buffer_.begin() + kHeaderBytes,
                                        buffer_.begin() + static_cast<std::ptrdiff_t>(kHeaderBytes + length),
                                        nullptr, /*allow_exceptions=*/false);
    buffer_.erase(0, kHeaderBytes + length);
    if (parsed.is_discarded()) return Result{std::nullopt, "frame is not valid JSON"};
    if (!parsed.is_object()) {
        return Result{std::nullopt, std::string("frame is a JSON ") + parsed.type_name() + ", not an object"};
    }
    return Result{std::move(parsed), {}};
}

void FrameDecoder::reset() {
    buffer_.clear();
    skip_ = 0;
}

}  // namespace minions::protocol
