// copy_rootfs: a temporary file beside the destination, filled by reflink or
// sparse copy, sized and renamed into place. Any failure removes it.
#include "storage/rootfs_copy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "storage/file_copy.hpp"

namespace minions::storage {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& step, int err) {
    throw Error(Errc::Internal, what + ": " + step + ": " + std::strerror(err));
}

// The temporary copy: unlinked on destruction unless committed by rename.
class TempFile {
public:
    TempFile(const fs::path& to, const std::string& what) {
        std::string pattern = (to.parent_path() / ("." + to.filename().string() + ".tmp-XXXXXX")).string();
        fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
        if (fd_ < 0) fail(what, "creating a temporary file in " + to.parent_path().string(), errno);
        path_ = pattern;
    }
    ~TempFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!committed_) ::unlink(path_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    int fd() const { return fd_; }

    void commit(const fs::path& to, const std::string& what) {
        if (::close(std::exchange(fd_, -1)) < 0) fail(what, "closing the copy", errno);
        if (::rename(path_.c_str(), to.c_str()) < 0) fail(what, "renaming the copy into place", errno);
        committed_ = true;
    }

private:
    int fd_ = -1;
    std::string path_;
    bool committed_ = false;
};

}  // namespace

CopyMethod copy_rootfs(const fs::path& from, const fs::path& to_arg, SourceLink link) {
    const fs::path to = to_arg.has_parent_path() ? to_arg : fs::path(".") / to_arg;
    const std::string what = "copying rootfs " + from.string() + " to " + to_arg.string();

    struct stat dir_st {};
    if (::stat(to.parent_path().c_str(), &dir_st) < 0 || !S_ISDIR(dir_st.st_mode))
        throw Error(Errc::Internal, what + ": destination directory " + to.parent_path().string() + " does not exist");
    UniqueFd src(::open(from.c_str(), O_RDONLY | O_CLOEXEC | (link == SourceLink::Refuse ? O_NOFOLLOW : 0)));
    if (src.get() < 0) fail(what, "opening the source", errno);
    struct stat src_st {};
    if (::fstat(src.get(), &src_st) < 0) fail(what, "reading the source's size", errno);
    if (!S_ISREG(src_st.st_mode)) throw Error(Errc::Internal, what + ": the source is not a regular file");

    TempFile tmp(to, what);
    CopyMethod method = CopyMethod::Reflink;
    if (!detail::try_reflink(src.get(), tmp.fd())) {
        method = CopyMethod::SparseCopy;
        detail::copy_data_extents(src.get(), tmp.fd(), what);
        // Trailing holes are not copied: the size makes them.
        if (::ftruncate(tmp.fd(), src_st.st_size) < 0) fail(what, "setting the copy's size", errno);
    }
    if (::fchmod(tmp.fd(), src_st.st_mode & 07777) < 0) fail(what, "setting the copy's mode", errno);
    tmp.commit(to, what);
    return method;
}

void flush_to_disk(const fs::path& file) {
    const std::string what = "writing " + file.string() + " to disk";
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) fail(what, "opening it", errno);
    if (::fdatasync(fd.get()) < 0) fail(what, "fdatasync", errno);
    const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.get() < 0) fail(what, "opening its directory", errno);
    if (::fsync(dir_fd.get()) < 0) fail(what, "fsync of its directory", errno);
}

}  // namespace minions::storage
