// The agent's frame decoder (guest/protocol), as the guest agent reads a
// hostile host: bytes in reads of any size, strict (a socket connection) or
// resynchronising (the virtio-serial port; also the host's reader). Every
// good frame must be an object that encodes and decodes back to itself.
#include <cstdlib>
#include <stdexcept>

#include "input.hpp"
#include "protocol/protocol.hpp"

using minions::protocol::FrameDecoder;

namespace {

void check_round_trip(const nlohmann::json& message) {
    if (!message.is_object()) std::abort();
    std::string frame;
    try {
        frame = minions::protocol::encode_frame(message);
    } catch (const std::length_error&) {
        return;  // "1e9" dumps longer than it was sent: may exceed the limit
    }
    FrameDecoder again;
    again.feed(frame);
    auto back = again.next();
    if (!back || !back->message || *back->message != message || again.next()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto input = minions::fuzz::split_input(data, size);
    const bool resync = input.options & 0x08;
    FrameDecoder decoder(resync ? FrameDecoder::Sync::Resync : FrameDecoder::Sync::Strict);
    size_t fed = 0;
    for (auto chunk : minions::fuzz::chunks(input)) {
        decoder.feed(chunk);
        fed += chunk.size();
        while (auto frame = decoder.next()) {
            if (frame->message) check_round_trip(*frame->message);
            else if (frame->error.empty()) std::abort();
        }
        if (decoder.buffered() > fed) std::abort();
    }
    return 0;
}
