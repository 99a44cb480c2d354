#include "storage/rootfs_copy.hpp"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "storage/disk_flush.hpp"

namespace minions::storage {
namespace {

namespace fs = std::filesystem;
constexpr off_t MiB = 1 << 20;

class RootfsCopy : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "minions-copy-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir = pattern;
    }
    void TearDown() override {
        if (!small_fs.empty()) ::umount2(small_fs.c_str(), MNT_DETACH);
        fs::remove_all(dir);
    }

    // `size` bytes, random data at each of `chunks` (offset, length), holes elsewhere.
    fs::path sparse_file(const std::string& name, off_t size, const std::vector<std::pair<off_t, off_t>>& chunks) {
        const fs::path path = dir / name;
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(::ftruncate(fd, size), 0);
        std::mt19937 random(42);
        for (auto [offset, length] : chunks) {
            std::vector<char> data(static_cast<size_t>(length));
            for (auto& c : data) c = static_cast<char>(random());
            EXPECT_EQ(::pwrite(fd, data.data(), data.size(), offset), length);
        }
        ::close(fd);
        return path;
    }

    static std::string contents(const fs::path& path) {
        std::string data(fs::file_size(path), '\0');
        std::ifstream(path, std::ios::binary).read(data.data(), static_cast<std::streamsize>(data.size()));
        return data;
    }

    static off_t allocated(const fs::path& path) {
        struct stat st {};
        ::stat(path.c_str(), &st);
        return st.st_blocks * 512;
    }

    fs::path dir;
    fs::path small_fs;
};

TEST_F(RootfsCopy, ASparseCopyHasTheSameContent) {
    auto from = sparse_file("base.ext4", 64 * MiB, {{0, MiB}, {10 * MiB + 4096, MiB}, {40 * MiB, 3 * MiB}});
    copy_rootfs(from, dir / "vm.ext4");
    EXPECT_EQ(fs::file_size(dir / "vm.ext4"), fs::file_size(from));
    EXPECT_TRUE(contents(dir / "vm.ext4") == contents(from));
}

TEST_F(RootfsCopy, HolesStayHoles) {
    auto from = sparse_file("base.ext4", 256 * MiB, {{MiB, MiB}, {100 * MiB, MiB}});
    const auto method = copy_rootfs(from, dir / "vm.ext4");
    if (method == CopyMethod::Reflink) GTEST_SKIP() << "the filesystem shares blocks; nothing is allocated anyway";
    EXPECT_EQ(fs::file_size(dir / "vm.ext4"), 256u * MiB);
    EXPECT_LE(allocated(dir / "vm.ext4"), 3 * MiB) << "the copy allocated its holes";
}

TEST_F(RootfsCopy, AnExistingDestinationIsReplaced) {
    auto from = sparse_file("base.ext4", 4 * MiB, {{0, 4096}});
    std::ofstream(dir / "vm.ext4") << "old content";
    copy_rootfs(from, dir / "vm.ext4");
    EXPECT_TRUE(contents(dir / "vm.ext4") == contents(from));
}

TEST_F(RootfsCopy, NoTemporaryFileIsLeftBehind) {
    auto from = sparse_file("base.ext4", 4 * MiB, {{0, 4096}});
    copy_rootfs(from, dir / "vm.ext4");
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"base.ext4", "vm.ext4"}));
}

TEST_F(RootfsCopy, AnInterruptedCopyLeavesNothingAtTheDestination) {
    // A 2 MiB tmpfs cannot hold 8 MiB of data: the copy fails midway.
    if (::unshare(CLONE_NEWNS) != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
    ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0) << std::strerror(errno);
    small_fs = dir / "small";
    fs::create_directory(small_fs);
    ASSERT_EQ(::mount("tmpfs", small_fs.c_str(), "tmpfs", 0, "size=2m"), 0) << std::strerror(errno);

    auto from = sparse_file("base.ext4", 64 * MiB, {{0, 4 * MiB}, {32 * MiB, 4 * MiB}});
    try {
        copy_rootfs(from, small_fs / "vm.ext4");
        FAIL() << "expected the copy to run out of space";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::Internal);
        EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fs::is_empty(small_fs)) << "a partial or temporary file was left behind";
}

TEST_F(RootfsCopy, AMissingDestinationDirectoryIsAClearError) {
    auto from = sparse_file("base.ext4", MiB, {{0, 4096}});
    const fs::path to = dir / "no-such-dir" / "vm.ext4";
    try {
        copy_rootfs(from, to);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), "copying rootfs " + from.string() + " to " + to.string() +
                                             ": destination directory " + (dir / "no-such-dir").string() +
                                             " does not exist");
    }
}

TEST_F(RootfsCopy, AMissingSourceIsAClearError) {
    try {
        copy_rootfs(dir / "none.ext4", dir / "vm.ext4");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("opening the source: No such file or directory"), std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(fs::exists(dir / "vm.ext4"));
}

// A VM's own disk sits in a directory its VMM's user owns: a link there to
// a host file must not be copied into a new VM.
TEST_F(RootfsCopy, ALinkedSourceIsRefusedWhenLinksAreRefused) {
    std::ofstream(dir / "host-secret") << "not for guests";
    fs::create_symlink(dir / "host-secret", dir / "linked.ext4");
    try {
        copy_rootfs(dir / "linked.ext4", dir / "vm.ext4", SourceLink::Refuse);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("opening the source: Too many levels of symbolic links"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(fs::exists(dir / "vm.ext4"));
    // A base image may be a link.
    copy_rootfs(dir / "linked.ext4", dir / "vm.ext4");
    EXPECT_TRUE(fs::exists(dir / "vm.ext4"));
}

TEST_F(RootfsCopy, ACopyIsFlushedToDiskInTheBackground) {
    auto from = sparse_file("base.ext4", 16 * MiB, {{0, MiB}, {8 * MiB, MiB}});
    copy_rootfs(from, dir / "vm.ext4");
    DiskFlush flush(dir / "vm.ext4");
    EXPECT_NO_THROW(flush.wait());
    EXPECT_NO_THROW(flush.wait());  // waiting again is harmless
    EXPECT_TRUE(contents(dir / "vm.ext4") == contents(from));
}

TEST_F(RootfsCopy, AFlushThatFailsNamesTheFileWhenWaitedFor) {
    DiskFlush flush(dir / "gone.ext4");
    try {
        flush.wait();
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::Internal);
        EXPECT_EQ(std::string(e.what()),
                  "writing " + (dir / "gone.ext4").string() + " to disk: opening it: No such file or directory");
    }
}

}  // namespace
}  // namespace minions::storage
