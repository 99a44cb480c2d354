#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/subnet.hpp"
#include "net/net.hpp"
#include "net/netns_fixture.hpp"

namespace minions::net {
namespace {

class Links : public test::NetnsTest {
protected:
    void SetUp() override {
        NetnsTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ensure_bridge("br-t", Subnet::parse("10.77.0.1/24"));
    }
};

TEST_F(Links, RenameKeepsAnUpTapUpAndOnItsBridge) {
    create_tap("tap-old", "br-t");
    rename_link("tap-old", "tap-new");
    EXPECT_FALSE(link_exists("tap-old"));
    EXPECT_TRUE(link_exists("tap-new"));
    EXPECT_TRUE(test::is_up("tap-new"));
    EXPECT_EQ(test::master_of("tap-new"), "br-t");
}

TEST_F(Links, RenameOntoATakenNameFailsAndKeepsBoth) {
    create_tap("tap-a", "br-t");
    create_tap("tap-b", "br-t");
    try {
        rename_link("tap-a", "tap-b");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "renaming link tap-a to tap-b: a link named tap-b already exists");
    }
    EXPECT_TRUE(link_exists("tap-a"));
    EXPECT_TRUE(test::is_up("tap-a"));
}

TEST_F(Links, RenameOfAMissingLinkFails) {
    EXPECT_THROW(rename_link("tap-none", "tap-other"), Error);
}

TEST_F(Links, DeleteRemovesTheLinkAndToleratesItsAbsence) {
    create_tap("tap-x", "br-t");
    delete_link("tap-x");
    EXPECT_FALSE(link_exists("tap-x"));
    EXPECT_NO_THROW(delete_link("tap-x"));
}

TEST_F(Links, PrefixListingReturnsOnlyMatchingNames) {
    create_tap("tap-a", "br-t");
    create_tap("tap-b", "br-t");
    auto names = links_with_prefix("tap-");
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"tap-a", "tap-b"}));
    EXPECT_TRUE(links_with_prefix("nothing-").empty());
}

}  // namespace
}  // namespace minions::net
