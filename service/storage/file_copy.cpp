#include "storage/file_copy.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <vector>

#include "core/error.hpp"

namespace minions::storage::detail {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& step, int err) {
    throw Error(Errc::Internal, what + ": " + step + ": " + std::strerror(err));
}

// copy_file_range refuses these combinations; read/write always works.
bool needs_fallback(int err) {
    return err == EXDEV || err == ENOSYS || err == EOPNOTSUPP || err == EINVAL || err == EBADF;
}

void read_write_range(int from_fd, int to_fd, off_t offset, off_t end, const std::string& what) {
    std::vector<char> buffer(1 << 20);
    while (offset < end) {
        const size_t want = static_cast<size_t>(std::min<off_t>(end - offset, static_cast<off_t>(buffer.size())));
        ssize_t got = ::pread(from_fd, buffer.data(), want, offset);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) fail(what, "reading the source", errno);
        if (got == 0) fail(what, "reading the source", EIO);  // it shrank under us
        for (ssize_t done = 0; done < got;) {
            ssize_t put = ::pwrite(to_fd, buffer.data() + done, static_cast<size_t>(got - done), offset + done);
            if (put < 0 && errno == EINTR) continue;
            if (put < 0) fail(what, "writing the copy", errno);
            done += put;
        }
        offset += got;
    }
}

// Returns false when copy_file_range cannot be used at all for this pair.
bool copy_file_range_range(int from_fd, int to_fd, off_t offset, off_t end, const std::string& what) {
    loff_t in = offset, out = offset;
    while (in < end) {
        ssize_t n = ::copy_file_range(from_fd, &in, to_fd, &out, static_cast<size_t>(end - in), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && in == offset && needs_fallback(errno)) return false;
        if (n < 0) fail(what, "copying data", errno);
        if (n == 0) fail(what, "copying data", EIO);  // the source shrank under us
    }
    return true;
}

}  // namespace

bool try_reflink(int from_fd, int to_fd) { return ::ioctl(to_fd, FICLONE, from_fd) == 0; }

void copy_data_extents(int from_fd, int to_fd, const std::string& what) {
    bool kernel_copy = true;
    off_t pos = 0;
    for (;;) {
        off_t data = ::lseek(from_fd, pos, SEEK_DATA);
        if (data < 0 && errno == ENXIO) return;  // only holes remain
        if (data < 0) fail(what, "finding data in the source", errno);
        off_t hole = ::lseek(from_fd, data, SEEK_HOLE);
        if (hole < 0) fail(what, "finding holes in the source", errno);
        if (kernel_copy) kernel_copy = copy_file_range_range(from_fd, to_fd, data, hole, what);
        if (!kernel_copy) read_write_range(from_fd, to_fd, data, hole, what);
        pos = hole;
    }
}

}  // namespace minions::storage::detail
