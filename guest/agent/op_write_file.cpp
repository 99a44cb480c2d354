// write_file: create parent directories, then either replace the file
// atomically (temp + rename) or append to it. Paths are walked one component
// at a time from a directory fd, so in host test mode neither ".." nor a
// symbolic link can lead outside the sandbox.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <vector>

#include "fields.hpp"
#include "core/unique_fd.hpp"
#include "ops.hpp"
#include "protocol/protocol.hpp"
#include "write_file.hpp"

namespace minions::agent {

namespace {


// Lexically normalized components of `path` below the root; throws when ".."
// would climb above it.
std::vector<std::string> components(const std::string& path) {
    if (path.empty()) throw RequestError("field 'path' is empty");
    std::vector<std::string> parts;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        const auto slash = path.find('/', pos);
        const auto end = slash == std::string::npos ? path.size() : slash;
        std::string part = path.substr(pos, end - pos);
        pos = end + 1;
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (parts.empty()) throw RequestError("path '" + path + "' escapes the root directory");
            parts.pop_back();
            continue;
        }
        parts.push_back(std::move(part));
    }
    if (parts.empty()) throw RequestError("path '" + path + "' names a directory, not a file");
    return parts;
}

[[noreturn]] void refuse_symlink(const std::string& path, const std::string& part) {
    throw RequestError("path '" + path + "' goes through symbolic link '" + part + "'; refused in the sandbox");
}

bool is_symlink(int dir, const std::string& name) {
    struct stat st {};
    return fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

// Opens (creating as needed) the directory holding the file.
int open_parent(const Context& ctx, const std::string& path, const std::vector<std::string>& parts) {
    const int nofollow = ctx.confined() ? O_NOFOLLOW : 0;
    UniqueFd dir(::open(ctx.root().c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (dir.get() < 0) throw_errno("cannot open '" + ctx.root().string() + "'");
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        const auto& part = parts[i];
        int next = ::openat(dir.get(), part.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC | nofollow);
        if (next < 0 && errno == ENOENT) {
            if (::mkdirat(dir.get(), part.c_str(), 0755) != 0 && errno != EEXIST) {
                throw_errno("cannot create directory '" + part + "' for '" + path + "'");
            }
            next = ::openat(dir.get(), part.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC | nofollow);
        }
        if (next < 0) {
            if (ctx.confined() && is_symlink(dir.get(), part)) refuse_symlink(path, part);
            throw_errno("cannot open directory '" + part + "' of '" + path + "'");
        }
        dir.reset(next);
    }
    const int fd = dir.get();
    dir.release();
    return fd;
}

void write_all(int fd, const std::string& data, const std::string& path) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("cannot write '" + path + "'");
        done += static_cast<std::size_t>(n);
    }
}

void append_to(int dir, const std::string& name, const std::string& data, unsigned mode, const Context& ctx,
               const std::string& path) {
    const int nofollow = ctx.confined() ? O_NOFOLLOW : 0;
    UniqueFd file(::openat(dir, name.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | nofollow, mode));
    const bool created = file.get() >= 0;
    if (!created && errno == EEXIST) file.reset(::openat(dir, name.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | nofollow));
    if (file.get() < 0) throw_errno("cannot open '" + path + "'");
    if (created && ::fchmod(file.get(), mode) != 0) throw_errno("cannot set mode of '" + path + "'");
    write_all(file.get(), data, path);
}

void replace(int dir, const std::string& name, const std::string& data, unsigned mode, const std::string& path) {
    static std::atomic<unsigned> counter{0};
    const std::string tmp = "." + name + ".minions-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    UniqueFd file(::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (file.get() < 0) throw_errno("cannot create a temporary file for '" + path + "'");
    try {
        // fchmod, not the open mode: the umask must not weaken or strengthen it.
        if (::fchmod(file.get(), mode) != 0) throw_errno("cannot set mode of '" + path + "'");
        write_all(file.get(), data, path);
        if (::fsync(file.get()) != 0) throw_errno("cannot flush '" + path + "'");
        if (::renameat(dir, tmp.c_str(), dir, name.c_str()) != 0) throw_errno("cannot replace '" + path + "'");
    } catch (...) {
        ::unlinkat(dir, tmp.c_str(), 0);
        throw;
    }
    // The new name too must be on the disk if the guest loses power next.
    if (::fsync(dir) != 0) throw_errno("cannot flush the directory of '" + path + "'");
}

std::string content_of(const nlohmann::json& req) {
    auto b64 = optional_string(req, "content_b64");
    auto plain = optional_string(req, "content");
    if (b64 && plain) throw RequestError("give either 'content' or 'content_b64', not both");
    if (plain) return *plain;
    if (!b64) throw RequestError("missing field 'content' (or 'content_b64')");
    auto bytes = protocol::base64_decode(*b64);
    if (!bytes) throw RequestError("field 'content_b64' is not valid base64");
    return *bytes;
}

}  // namespace

void write_under_root(const Context& ctx, const std::string& path, const std::string& data, unsigned mode,
                      bool append) {
    const auto parts = components(path);
    UniqueFd dir(open_parent(ctx, path, parts));
    const auto& name = parts.back();
    if (ctx.confined() && is_symlink(dir.get(), name)) refuse_symlink(path, name);
    if (append) {
        append_to(dir.get(), name, data, mode, ctx, path);
    } else {
        replace(dir.get(), name, data, mode, path);
    }
}

nlohmann::json op_write_file(const nlohmann::json& req, Context& ctx) {
    const std::string path = required_string(req, "path");
    const std::string data = content_of(req);
    const auto mode = static_cast<unsigned>(optional_uint(req, "mode", 0644, 07777));
    const bool append = optional_bool(req, "append", false);
    write_under_root(ctx, path, data, mode, append);
    return {{"path", path}, {"bytes", data.size()}};
}

}  // namespace minions::agent
