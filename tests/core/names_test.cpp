#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/names.hpp"

namespace minions {
namespace {

// The InvalidName message for `name`, or "" when it is accepted.
std::string rejection(std::string_view name) {
    try {
        validate_name(name);
        return "";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::InvalidName);
        return e.what();
    }
}

TEST(NameRules, AcceptsLettersDigitsAndHyphens) {
    for (const char* name : {"web", "A", "7", "a1-B2", "db-01"}) EXPECT_EQ(rejection(name), "") << name;
}

TEST(NameRules, RejectsEmptyName) { EXPECT_EQ(rejection(""), "Invalid VM name '': a VM name must not be empty"); }

TEST(NameRules, AcceptsElevenCharacters) { EXPECT_EQ(rejection("abcdefghijk"), ""); }

TEST(NameRules, RejectsTwelveCharacters) {
    EXPECT_NE(rejection("abcdefghijkl").find("at most 11 characters"), std::string::npos);
}

TEST(NameRules, RejectsPathTraversal) {
    EXPECT_EQ(rejection("../x"), "Invalid VM name '../x': only letters, digits and '-' are allowed");
}

TEST(NameRules, RejectsSlash) { EXPECT_NE(rejection("a/b"), ""); }

TEST(NameRules, RejectsSpaces) {
    EXPECT_NE(rejection("my vm"), "");
    EXPECT_NE(rejection(" vm"), "");
    EXPECT_NE(rejection("vm "), "");
}

TEST(NameRules, RejectsShellMetacharacters) {
    for (const char* name : {"a;b", "$(id)", "`id`", "a|b", "a&b", "a>b", "a*", "a'b", "a\"b", "a\\b"})
        EXPECT_NE(rejection(name).find("only letters, digits and '-'"), std::string::npos) << name;
}

TEST(NameRules, RejectsUnicodeLetters) {
    EXPECT_NE(rejection("caf\xc3\xa9"), "");          // café
    EXPECT_NE(rejection("vm\xe2\x80\x94" "1"), "");    // an em dash, not '-'
}

TEST(NameRules, RejectsControlCharactersAndNul) {
    EXPECT_NE(rejection("a\nb"), "");
    EXPECT_NE(rejection(std::string_view("a\0b", 3)), "");
}

TEST(NameRules, RejectsUnderscoreAndDot) {
    EXPECT_NE(rejection("a_b"), "");
    EXPECT_NE(rejection("a.b"), "");
}

TEST(NameRules, RejectsLeadingHyphen) {
    EXPECT_EQ(rejection("-vm"), "Invalid VM name '-vm': a VM name must not start with '-'");
}

TEST(NameRules, AcceptsInnerAndTrailingHyphens) {
    EXPECT_EQ(rejection("a--b"), "");
    EXPECT_EQ(rejection("a-"), "");
}

TEST(NameRules, IsValidNameAgreesWithValidateName) {
    for (std::string_view name : {"", "ok", "-x", "abcdefghijk", "abcdefghijkl", "../x", "a b"})
        EXPECT_EQ(is_valid_name(name), rejection(name).empty()) << name;
}

TEST(CopyName, KeepsShortNameWholeAndAddsCopy) { EXPECT_EQ(copy_name_for("myvm"), "myvm-copy"); }

TEST(CopyName, TakesTheFirstSixCharacters) { EXPECT_EQ(copy_name_for("production-api"), "produc-copy"); }

TEST(CopyName, OfTheLongestNameIsElevenCharacters) {
    std::string copy = copy_name_for("abcdefghijk");
    EXPECT_EQ(copy, "abcdef-copy");
    EXPECT_EQ(copy.size(), kMaxNameLength);
}

TEST(CopyName, PrefixEndingInHyphenStillGivesAValidName) {
    EXPECT_EQ(copy_name_for("abcde-xyz"), "abcde--copy");
    EXPECT_TRUE(is_valid_name(copy_name_for("abcde-xyz")));
    EXPECT_TRUE(is_valid_name(copy_name_for("a-----")));
}

TEST(CopyName, IsValidForEveryValidSource) {
    for (const char* source : {"a", "a-", "web-1", "ab-cd-ef", "x---------y", "production"})
        EXPECT_TRUE(is_valid_name(copy_name_for(source))) << source;
}

TEST(CopyName, OfAnEmptyNameIsNotValid) { EXPECT_FALSE(is_valid_name(copy_name_for(""))); }

}  // namespace
}  // namespace minions
