// The resynchronising decoder (virtio-serial): whatever part of a frame a
// stream starts or goes on with, the next whole frame after it decodes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/protocol.hpp"

namespace minions::protocol {
namespace {

using Sync = FrameDecoder::Sync;

// Every good frame `bytes` yields, fed in pieces of `step` bytes.
std::vector<nlohmann::json> decode_all(const std::string& bytes, std::size_t step = 1 << 20) {
    FrameDecoder d(Sync::Resync);
    std::vector<nlohmann::json> got;
    for (std::size_t i = 0; i < bytes.size(); i += step) {
        d.feed(std::string_view(bytes).substr(i, step));
        while (auto r = d.next()) {
            if (r->message) got.push_back(*r->message);
        }
    }
    return got;
}

// An answer as the agent sends it, `size` bytes of output long.
std::string answer(uint64_t id, std::size_t size) {
    return encode_frame({{"id", id}, {"ok", true}, {"stdout", std::string(size, 'o')}, {"exit_code", 0}});
}

const nlohmann::json kNext = {{"id", 7}, {"ok", true}, {"stdout", "C-output\n"}};

TEST(FrameResync, AWholeStreamDecodesAsInStrictMode) {
    const auto got = decode_all(answer(1, 10) + encode_frame(kNext), 1);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["id"], 1);
    EXPECT_EQ(got[1], kNext);
}

// A host that gave up mid-answer leaves the rest of the frame to the next one.
TEST(FrameResync, EveryTailOfAFrameIsSkipped) {
    for (std::size_t size : {300u, 70000u}) {
        const std::string stale = answer(99, size);
        for (std::size_t cut = 1; cut < stale.size(); cut += cut < 40 ? 1 : 997) {
            const auto got = decode_all(stale.substr(cut) + encode_frame(kNext));
            ASSERT_EQ(got.size(), 1u) << "size " << size << ", tail from byte " << cut;
            EXPECT_EQ(got[0], kNext);
        }
    }
}

// A sender that stopped mid-frame: the next header, inside the declared body,
// shows the frame was cut.
TEST(FrameResync, EveryHeadOfAFrameIsDropped) {
    for (std::size_t size : {300u, 70000u}) {
        const std::string cut_short = answer(99, size);
        for (std::size_t cut = 1; cut < cut_short.size(); cut += cut < 40 ? 1 : 997) {
            const auto got = decode_all(cut_short.substr(0, cut) + encode_frame(kNext), 4096);
            ASSERT_EQ(got.size(), 1u) << "size " << size << ", cut after byte " << cut;
            EXPECT_EQ(got[0], kNext);
        }
    }
}

TEST(FrameResync, OversizedAndEmptyHeadersAreNotFrames) {
    FrameDecoder d(Sync::Resync);
    d.feed(std::string("\x00\x20\x00\x00", 4) + std::string("\x00\x00\x00\x00", 4) + encode_frame(kNext));
    auto r = d.next();
    ASSERT_TRUE(r && r->message);
    EXPECT_EQ(*r->message, kNext);
    EXPECT_EQ(d.skipped(), 8u);
    EXPECT_FALSE(d.next());
}

TEST(FrameResync, AWholeFrameThatIsNotJsonIsReportedAndPassed) {
    const std::string body = "{not json";
    FrameDecoder d(Sync::Resync);
    d.feed(std::string("\x00\x00\x00", 3) + static_cast<char>(body.size()) + body + encode_frame(kNext));
    auto r = d.next();
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->message);
    r = d.next();
    ASSERT_TRUE(r && r->message);
    EXPECT_EQ(*r->message, kNext);
}

TEST(FrameResync, GarbageWithoutAZeroByteIsNeverBuffered) {
    FrameDecoder d(Sync::Resync);
    d.feed(std::string(100000, 'x'));
    EXPECT_FALSE(d.next());
    EXPECT_EQ(d.buffered(), 0u);
    EXPECT_EQ(d.skipped(), 100000u);
}

}  // namespace
}  // namespace minions::protocol
