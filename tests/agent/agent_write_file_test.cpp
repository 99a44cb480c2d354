// write_file: parents created, exact mode, append, atomic replace, and no way
// out of the sandbox.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "agent/agent_fixture.hpp"
#include "core/error.hpp"

namespace minions::agent::testing {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}

void expect_refused(Client c, const std::string& path, bool append = false) {
    try {
        c.write_file(path, "owned\n", 0644, append);
        ADD_FAILURE() << "write to '" << path << "' was allowed";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::AgentFailed) << e.what();
    }
}

TEST_F(AgentTest, WriteFileCreatesParentsWithTheGivenMode) {
    client().write_file("/root/.ssh/authorized_keys", "ssh-ed25519 AAAA test\n", 0600);
    const auto file = sandbox() / "root/.ssh/authorized_keys";
    EXPECT_EQ(read_file(file), "ssh-ed25519 AAAA test\n");
    EXPECT_EQ(mode_of(file), 0600u);
}

TEST_F(AgentTest, WriteFileReplacesTheWholeFile) {
    client().write_file("/etc/motd", "first version, quite long\n");
    client().write_file("/etc/motd", "second\n", 0640);
    EXPECT_EQ(read_file(sandbox() / "etc/motd"), "second\n");
    EXPECT_EQ(mode_of(sandbox() / "etc/motd"), 0640u);
    // No temporary files left behind.
    EXPECT_EQ(std::distance(fs::directory_iterator(sandbox() / "etc"), fs::directory_iterator()), 1);
}

TEST_F(AgentTest, WriteFileAppends) {
    client().write_file("/var/log/app.log", "one\n", 0600, true);
    client().write_file("/var/log/app.log", "two\n", 0644, true);
    EXPECT_EQ(read_file(sandbox() / "var/log/app.log"), "one\ntwo\n");
    EXPECT_EQ(mode_of(sandbox() / "var/log/app.log"), 0600u);  // mode applies on creation only
}

TEST_F(AgentTest, WriteFileCarriesBinaryContent) {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
    client().write_file("/blob.bin", bytes);
    EXPECT_EQ(read_file(sandbox() / "blob.bin"), bytes);
}

TEST_F(AgentTest, WriteFileAcceptsPlainContent) {
    client().call({{"op", "write_file"}, {"path", "plain.txt"}, {"content", "héllo"}});
    EXPECT_EQ(read_file(sandbox() / "plain.txt"), "héllo");
}

TEST_F(AgentTest, WriteFileRefusesDotDotEscapes) {
    expect_refused(client(), "../etc/passwd");
    expect_refused(client(), "/a/b/../../../outside");
    EXPECT_FALSE(fs::exists(scratch() / "etc/passwd"));
    EXPECT_FALSE(fs::exists(scratch() / "outside"));
    // ".." that stays inside is fine.
    client().write_file("/a/../inside", "ok");
    EXPECT_EQ(read_file(sandbox() / "inside"), "ok");
}

TEST_F(AgentTest, WriteFileRefusesASymlinkedDirectory) {
    fs::create_directory(scratch() / "outside");
    fs::create_directory_symlink(scratch() / "outside", sandbox() / "link");
    expect_refused(client(), "/link/evil");
    expect_refused(client(), "/link/deeper/evil");
    EXPECT_TRUE(fs::is_empty(scratch() / "outside"));
}

TEST_F(AgentTest, WriteFileRefusesASymlinkedFile) {
    {
        std::ofstream(scratch() / "target") << "precious\n";
    }
    fs::create_symlink(scratch() / "target", sandbox() / "innocent");
    expect_refused(client(), "/innocent");
    expect_refused(client(), "/innocent", /*append=*/true);
    EXPECT_EQ(read_file(scratch() / "target"), "precious\n");
}

TEST_F(AgentTest, WriteFileRejectsAnInvalidMode) {
    EXPECT_THROW(client().call({{"op", "write_file"}, {"path", "x"}, {"content", ""}, {"mode", 070000}}), Error);
}

}  // namespace
}  // namespace minions::agent::testing
