#include "console_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "core/utf8.hpp"

namespace minions::lifecycle {
namespace {

namespace fs = std::filesystem;

std::uint64_t size_of(const fs::path& file) {
    std::error_code ec;
    auto size = fs::file_size(file, ec);
    return ec ? 0 : size;
}

// The last `count` bytes of `file` (fewer if it is shorter).
std::string read_tail(const fs::path& file, std::uint64_t count) {
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return "";
    off_t end = ::lseek(fd.get(), 0, SEEK_END);
    if (end <= 0) return "";
    auto want = static_cast<std::uint64_t>(end) < count ? static_cast<std::uint64_t>(end) : count;
    std::string bytes(want, '\0');
    std::size_t got = 0;
    while (got < bytes.size()) {
        ssize_t n = ::pread(fd.get(), bytes.data() + got, bytes.size() - got,
                            end - static_cast<off_t>(want) + static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
    return bytes;
}

}  // namespace

fs::path rotated_log(const fs::path& log) { return fs::path(log.string() + ".1"); }

bool rotate_console_log(const fs::path& log, std::uint64_t limit) {
    if (size_of(log) <= limit) return false;
    const std::string tail = read_tail(log, limit);
    const fs::path rotated = rotated_log(log);
    const fs::path next = fs::path(rotated.string() + ".new");
    {
        UniqueFd out(::open(next.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
        if (out.get() < 0) throw Error(Errc::Internal, "cannot write " + next.string() + ": " + std::strerror(errno));
        for (std::size_t done = 0; done < tail.size();) {
            ssize_t n = ::write(out.get(), tail.data() + done, tail.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw Error(Errc::Internal, "cannot write " + next.string() + ": " + std::strerror(errno));
            done += static_cast<std::size_t>(n);
        }
    }
    fs::rename(next, rotated);
    if (::truncate(log.c_str(), 0) != 0)
        throw Error(Errc::Internal, "cannot truncate " + log.string() + ": " + std::strerror(errno));
    return true;
}

std::string console_tail(const fs::path& log, std::size_t max_bytes) {
    std::string bytes = read_tail(log, max_bytes);
    if (bytes.size() < max_bytes) bytes.insert(0, read_tail(rotated_log(log), max_bytes - bytes.size()));
    // Both ends are edges of a window into a stream that goes on.
    return to_valid_utf8(bytes, /*cut_edges=*/true);
}

}  // namespace minions::lifecycle
