#include <gtest/gtest.h>
#include <linux/if_tun.h>

#include "core/error.hpp"
#include "core/subnet.hpp"
#include "net/net.hpp"
#include "net/netns_fixture.hpp"

namespace minions::net {
namespace {

using test::master_of;

class Tap : public test::NetnsTest {
protected:
    void SetUp() override {
        NetnsTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ensure_bridge("br-t", Subnet::parse("10.77.0.1/24"));
    }
};

TEST_F(Tap, IsAttachedToTheBridgeAndUp) {
    create_tap("tap-x", "br-t");
    EXPECT_EQ(master_of("tap-x"), "br-t");
    EXPECT_TRUE(test::is_up("tap-x"));
}

TEST_F(Tap, IsPersistentWithVirtioHeadersAndNoPacketInfo) {
    create_tap("tap-x", "br-t");  // its file descriptor is closed by now
    ASSERT_TRUE(link_exists("tap-x"));
    const unsigned long flags = std::stoul(test::sys_attr("tap-x", "tun_flags"), nullptr, 16);
    EXPECT_EQ(flags & (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR), unsigned(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR));
}

TEST_F(Tap, AStaleDeviceIsReplaced) {
    ensure_bridge("br-old", Subnet::parse("10.78.0.1/24"));
    create_tap("tap-x", "br-old");
    create_tap("tap-x", "br-t");
    EXPECT_EQ(master_of("tap-x"), "br-t");
}

TEST_F(Tap, AMissingBridgeIsAClearError) {
    try {
        create_tap("tap-x", "br-nope");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "creating TAP device tap-x: bridge br-nope does not exist");
    }
    EXPECT_FALSE(link_exists("tap-x"));
}

}  // namespace
}  // namespace minions::net
