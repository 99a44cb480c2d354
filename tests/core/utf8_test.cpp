#include <gtest/gtest.h>

#include "core/utf8.hpp"

namespace minions {
namespace {

const std::string kFffd = "\xef\xbf\xbd";

TEST(ValidUtf8, ValidTextIsUnchanged) {
    const std::string text = "plain, \xc3\xa9t\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x90\xa7";
    EXPECT_EQ(to_valid_utf8(text), text);
    EXPECT_EQ(to_valid_utf8(text, true), text);
}

TEST(ValidUtf8, InvalidBytesBecomeReplacementCharacters) {
    EXPECT_EQ(to_valid_utf8("a\xff" "b"), "a" + kFffd + "b");
    // One U+FFFD per byte that cannot start or continue a valid sequence
    // (Unicode's "maximal subpart" practice, as browsers decode).
    EXPECT_EQ(to_valid_utf8("\xc0\xaf"), kFffd + kFffd);                        // overlong '/'
    EXPECT_EQ(to_valid_utf8("\xed\xa0\x80"), kFffd + kFffd + kFffd);           // a UTF-16 surrogate
    EXPECT_EQ(to_valid_utf8("\xf4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // past U+10FFFF
    EXPECT_EQ(to_valid_utf8("\xe2\x82" "A"), kFffd + "A");                       // a cut 3-byte one
    EXPECT_EQ(to_valid_utf8(std::string("nul\0ok", 6)), std::string("nul\0ok", 6));
}

TEST(ValidUtf8, ACharacterCutAtTheEndIsReplacedOrDroppedAtAWindowsEdge) {
    EXPECT_EQ(to_valid_utf8("ab\xe2\x82"), "ab" + kFffd);
    EXPECT_EQ(to_valid_utf8("ab\xe2\x82", true), "ab");
    EXPECT_EQ(to_valid_utf8("\x82\xac tail", true), " tail");
    EXPECT_EQ(to_valid_utf8("\x82\xac tail"), kFffd + kFffd + " tail");
}

}  // namespace
}  // namespace minions
