// Console log rotation (copytruncate) and the tail Logs returns, on real
// files with a writer that appends as the VMMs do.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "console_log.hpp"

namespace minions::lifecycle {
namespace {

namespace fs = std::filesystem;

class ConsoleLog : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/console-log-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        log_ = dir_ / "serial.log";
        // The VMM's descriptor: opened once, appending.
        vmm_ = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        ASSERT_GE(vmm_, 0);
    }
    void TearDown() override {
        ::close(vmm_);
        fs::remove_all(dir_);
    }
    void vmm_writes(const std::string& text) {
        ASSERT_EQ(::write(vmm_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    }
    static std::string read(const fs::path& file) {
        std::ifstream in(file, std::ios::binary);
        std::stringstream all;
        all << in.rdbuf();
        return all.str();
    }

    fs::path dir_, log_;
    int vmm_ = -1;
};

TEST_F(ConsoleLog, UnderTheLimitNothingHappens) {
    vmm_writes("short\n");
    EXPECT_FALSE(rotate_console_log(log_, 100));
    EXPECT_EQ(read(log_), "short\n");
    EXPECT_FALSE(fs::exists(rotated_log(log_)));
}

TEST_F(ConsoleLog, OverTheLimitTheTailMovesAsideAndTheVmmWritesOnAtTheStart) {
    vmm_writes(std::string(150, 'a') + std::string(50, 'b'));
    EXPECT_TRUE(rotate_console_log(log_, 100));
    EXPECT_EQ(read(rotated_log(log_)), std::string(50, 'a') + std::string(50, 'b'));
    EXPECT_EQ(fs::file_size(log_), 0u);
    vmm_writes("after\n");
    EXPECT_EQ(read(log_), "after\n") << "the VMM's appends must land at the new end, not leave a hole";
    // A second rotation replaces the first copy.
    vmm_writes(std::string(200, 'c'));
    EXPECT_TRUE(rotate_console_log(log_, 100));
    EXPECT_EQ(read(rotated_log(log_)), std::string(100, 'c'));
}

TEST_F(ConsoleLog, TheTailSpansTheRotatedCopyAndTheCurrentLog) {
    vmm_writes(std::string(100, 'x') + "old line\n");
    ASSERT_TRUE(rotate_console_log(log_, 50));
    vmm_writes("new line\n");
    EXPECT_EQ(console_tail(log_, 9), "new line\n");
    EXPECT_EQ(console_tail(log_, 18), "old line\nnew line\n");
    EXPECT_EQ(console_tail(log_, 1000).size(), 50u + 9u) << "no more than both files hold";
}

TEST_F(ConsoleLog, AMissingLogIsEmpty) {
    EXPECT_EQ(console_tail(dir_ / "none.log", 100), "");
    EXPECT_FALSE(rotate_console_log(dir_ / "none.log", 1));
}

}  // namespace
}  // namespace minions::lifecycle
