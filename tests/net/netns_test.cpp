#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "net/net.hpp"
#include "net/netns_fixture.hpp"

namespace minions::net {
namespace {

ino_t current_netns() {
    struct stat st {};
    ::stat("/proc/thread-self/ns/net", &st);
    return st.st_ino;
}

// The fixture's private mount namespace keeps the bind mounts out of the
// host's; the placeholder file under /run/netns is removed afterwards.
class NamedNetns : public test::NetnsTest {
protected:
    void TearDown() override {
        ::umount2(path.c_str(), MNT_DETACH);
        ::unlink(path.c_str());
    }
    const std::string name = "minions-test-" + std::to_string(::getpid());
    const std::string path = "/run/netns/" + name;
};

TEST_F(NamedNetns, IsCreatedLikeIpNetnsAddAndEntered) {
    const ino_t before = current_netns();
    enter_netns(name);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_ino, current_netns());  // the file is the namespace itself
    EXPECT_NE(current_netns(), before);
    EXPECT_EQ(links_with_prefix(""), std::vector<std::string>{"lo"});
}

TEST_F(NamedNetns, AnExistingOneIsJoined) {
    enter_netns(name);
    const ino_t named = current_netns();
    ASSERT_EQ(::unshare(CLONE_NEWNET), 0);
    ASSERT_NE(current_netns(), named);
    enter_netns(name);
    EXPECT_EQ(current_netns(), named);
}

}  // namespace
}  // namespace minions::net
