// The frame codec: 4-byte big-endian length + JSON object, 1 MiB maximum, and
// a decoder that stays in sync after every kind of bad frame.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "protocol/protocol.hpp"

namespace minions::protocol {
namespace {

std::string header(uint32_t n) {
    return {static_cast<char>(n >> 24), static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 8) & 0xff),
            static_cast<char>(n & 0xff)};
}

// A JSON object whose encoding is exactly `size` bytes: {"p":"xxx..."}.
nlohmann::json object_of_size(std::size_t size) {
    return {{"p", std::string(size - 8, 'x')}};
}

FrameDecoder::Result decode_one(const std::string& bytes) {
    FrameDecoder d;
    d.feed(bytes);
    auto r = d.next();
    EXPECT_TRUE(r.has_value());
    return r.value_or(FrameDecoder::Result{});
}

TEST(FrameCodec, EmptyObjectRoundTrips) {
    const auto frame = encode_frame(nlohmann::json::object());
    EXPECT_EQ(frame, header(2) + "{}");
    auto r = decode_one(frame);
    ASSERT_TRUE(r.message);
    EXPECT_EQ(*r.message, nlohmann::json::object());
    EXPECT_TRUE(r.error.empty());
}

TEST(FrameCodec, UnicodeRoundTrips) {
    const nlohmann::json msg = {{"text", "héllo wörld ✓ 🐧 日本"}, {"id", 7}};
    auto r = decode_one(encode_frame(msg));
    ASSERT_TRUE(r.message);
    EXPECT_EQ(*r.message, msg);
}

TEST(FrameCodec, LengthIsBigEndian) {
    const auto frame = encode_frame(object_of_size(0x0102 + 0));
    EXPECT_EQ(frame.substr(0, 4), header(0x0102));
}

TEST(FrameCodec, ExactlyOneMebibyteIsAccepted) {
    const auto msg = object_of_size(kMaxFrameBytes);
    const auto frame = encode_frame(msg);
    ASSERT_EQ(frame.size(), 4 + kMaxFrameBytes);
    auto r = decode_one(frame);
    ASSERT_TRUE(r.message);
    EXPECT_EQ(*r.message, msg);
}

TEST(FrameCodec, EncodingOverOneMebibyteThrows) {
    EXPECT_THROW(encode_frame(object_of_size(kMaxFrameBytes + 1)), std::length_error);
}

TEST(FrameCodec, OversizedFrameIsAnErrorAndTheStreamResyncs) {
    FrameDecoder d;
    d.feed(header(kMaxFrameBytes + 1));
    auto r = d.next();
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->message);
    EXPECT_NE(r->error.find("exceeds"), std::string::npos) << r->error;
    // The body, fed in pieces, is skipped without being buffered.
    const std::string body(kMaxFrameBytes + 1, '{');
    d.feed(body.substr(0, 1000));
    EXPECT_FALSE(d.next());
    d.feed(body.substr(1000) + encode_frame({{"op", "health"}}));
    EXPECT_LT(d.buffered(), 100u);
    r = d.next();
    ASSERT_TRUE(r);
    ASSERT_TRUE(r->message);
    EXPECT_EQ((*r->message)["op"], "health");
    EXPECT_FALSE(d.next());
}

TEST(FrameCodec, HugeDeclaredLengthIsReportedAtOnce) {
    FrameDecoder d;
    d.feed(header(0xffffffff));
    auto r = d.next();
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->error.empty());
    EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameCodec, ByteByByteFeedsAssembleFrames) {
    const nlohmann::json a = {{"id", 1}, {"op", "health"}};
    const nlohmann::json b = {{"id", 2}, {"text", "ünïcödé"}};
    const std::string stream = encode_frame(a) + encode_frame(b);
    FrameDecoder d;
    std::vector<nlohmann::json> got;
    for (char c : stream) {
        d.feed(std::string_view(&c, 1));
        while (auto r = d.next()) {
            ASSERT_TRUE(r->message) << r->error;
            got.push_back(*r->message);
        }
    }
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], a);
    EXPECT_EQ(got[1], b);
    EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameCodec, GarbageJsonIsAnErrorAndTheNextFrameDecodes) {
    const std::string garbage = "{not json";
    FrameDecoder d;
    d.feed(header(static_cast<uint32_t>(garbage.size())) + garbage + encode_frame({{"id", 3}}));
    auto r = d.next();
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->message);
    EXPECT_NE(r->error.find("not valid JSON"), std::string::npos) << r->error;
    r = d.next();
    ASSERT_TRUE(r && r->message);
    EXPECT_EQ((*r->message)["id"], 3);
}

TEST(FrameCodec, NonObjectJsonIsAnError) {
    for (const std::string body : {"[1,2]", "42", "\"text\"", "null"}) {
        auto r = decode_one(header(static_cast<uint32_t>(body.size())) + body);
        EXPECT_FALSE(r.message) << body;
        EXPECT_NE(r.error.find("not an object"), std::string::npos) << r.error;
    }
}

TEST(FrameCodec, EmptyBodyIsAnError) {
    auto r = decode_one(header(0));
    EXPECT_FALSE(r.message);
    EXPECT_FALSE(r.error.empty());
}

TEST(FrameCodec, TruncatedLengthWaitsForMoreBytes) {
    const auto frame = encode_frame({{"id", 9}});
    FrameDecoder d;
    d.feed(frame.substr(0, 2));
    EXPECT_FALSE(d.next());
    EXPECT_EQ(d.buffered(), 2u);
    d.feed(frame.substr(2, 3));
    EXPECT_FALSE(d.next());
    d.feed(frame.substr(5));
    auto r = d.next();
    ASSERT_TRUE(r && r->message);
    EXPECT_EQ((*r->message)["id"], 9);
}

TEST(FrameCodec, TruncatedBodyWaitsForMoreBytes) {
    const auto frame = encode_frame({{"id", 10}, {"x", "abcdef"}});
    FrameDecoder d;
    d.feed(frame.substr(0, frame.size() - 1));
    EXPECT_FALSE(d.next());
    d.feed(frame.substr(frame.size() - 1));
    EXPECT_TRUE(d.next());
}

TEST(FrameCodec, ResetDropsHalfFramesAndSkips) {
    FrameDecoder d;
    d.feed(header(kMaxFrameBytes + 10));
    ASSERT_TRUE(d.next());  // now skipping
    d.reset();
    d.feed(encode_frame({{"id", 11}}));
    auto r = d.next();
    ASSERT_TRUE(r && r->message);
    EXPECT_EQ((*r->message)["id"], 11);

    d.feed(encode_frame({{"id", 12}}).substr(0, 6));
    d.reset();
    EXPECT_EQ(d.buffered(), 0u);
    d.feed(encode_frame({{"id", 13}}));
    r = d.next();
    ASSERT_TRUE(r && r->message);
    EXPECT_EQ((*r->message)["id"], 13);
}

TEST(FrameCodec, InvalidUtf8IsReplacedNotThrown) {
    const auto frame = encode_frame({{"out", std::string("a\xff\xfe" "b")}});
    auto r = decode_one(frame);
    ASSERT_TRUE(r.message);
    EXPECT_EQ((*r.message)["out"], "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");
}

// A hostile peer's answer nested half a million deep fits in one frame; it
// must be refused before anything walks it (dump() recursed off the stack).
TEST(FrameCodec, DeepNestingIsAnErrorAndTheNextFrameDecodes) {
    const std::size_t depth = 500000;
    std::string body = R"({"id":1,"ok":true,"x":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
    ASSERT_LE(body.size(), kMaxFrameBytes);
    FrameDecoder d;
    d.feed(header(static_cast<uint32_t>(body.size())) + body);
    d.feed(encode_frame({{"id", 2}}));
    auto bad = d.next();
    ASSERT_TRUE(bad);
    EXPECT_FALSE(bad->message);
    EXPECT_EQ(bad->error, "frame nests deeper than 64 levels");
    auto good = d.next();
    ASSERT_TRUE(good && good->message);
    EXPECT_EQ((*good->message)["id"], 2);
}

TEST(FrameCodec, NestingUpToTheLimitIsAccepted) {
    std::string body = "{\"x\":" + std::string(63, '[') + std::string(63, ']') + "}";
    auto r = decode_one(header(static_cast<uint32_t>(body.size())) + body);
    EXPECT_TRUE(r.message) << r.error;
}

TEST(JsonNesting, BracketsInsideStringsDoNotCount) {
    EXPECT_TRUE(json_nesting_within(R"({"a":"[[[[[[","b":"\"{{{{"})", 1));
    EXPECT_FALSE(json_nesting_within(R"({"a":[{"b":[]}]})", 3));
    EXPECT_TRUE(json_nesting_within(R"({"a":[{"b":[]}]})", 4));
    EXPECT_TRUE(json_nesting_within("", 0));
}

}  // namespace
}  // namespace minions::protocol
