// HostFileGuard: a ledger of saved host files, shared by test processes.
//
//   <ledger>/lock               flock: every change to the ledger holds it
//   <ledger>/holders/<pid>.<n>  one per live guard: "<boot id> <start time>"
//   <ledger>/saved/<key>/       one per guarded path (key: the path in hex):
//       path    the path
//       state   "absent" | "file|symlink <mode> <uid> <gid> <atime s> <ns> <mtime s> <ns>"
//       data    the file's bytes, or the link's target
//   <ledger>/dirs/<key>         a guarded path's directory's times, saved
//                               with its first file: "<atime s> <ns> <mtime s> <ns> <dir>"
//   <ledger>/accounts/<key>     an account change to undo: "member|user|group NAME [GROUP]"
// A backup is written under saved/.tmp-* and renamed into place, so a killed
// process never leaves half of one.
#include "host_files.hpp"

#include "private_bus.hpp"  // run_checked

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace minions::test {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes and fsyncs a new file (mode 0600).
void write_new(const fs::path& path, const std::string& bytes, mode_t mode = 0600) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) fail("create " + path.string());
    for (std::size_t done = 0; done < bytes.size();) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            fail("write " + path.string());
        }
        done += n;
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        fail("fsync " + path.string());
    }
    ::close(fd);
}

void fsync_dir(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

std::string boot_id() {
    std::string id = read_all("/proc/sys/kernel/random/boot_id");
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    return id;
}

// Field 22 of /proc/<pid>/stat (clock ticks since boot), or "" when no such process.
std::string start_time(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto paren = stat.rfind(')');  // the command name may hold spaces and parentheses
    if (paren == std::string::npos) return "";
    std::istringstream fields(stat.substr(paren + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i)
        if (i == 22) return field;
    return "";
}

std::string identity_of(pid_t pid) { return boot_id() + " " + start_time(pid); }

std::string hex(const std::string& text) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : text) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

class LedgerLock {
public:
    explicit LedgerLock(const fs::path& ledger) {
        fs::create_directories(ledger);
        fs::permissions(ledger, fs::perms::owner_all);
        auto path = ledger / "lock";
        fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (fd_ < 0) fail("open " + path.string());
        while (::flock(fd_, LOCK_EX) != 0)
            if (errno != EINTR) fail("flock " + path.string());
    }
    ~LedgerLock() { ::close(fd_); }
    LedgerLock(const LedgerLock&) = delete;
    LedgerLock& operator=(const LedgerLock&) = delete;

private:
    int fd_ = -1;
};

bool holder_alive(const fs::path& holder) {
    std::string name = holder.filename();
    pid_t pid = std::atoi(name.c_str());
    if (pid <= 0) return false;
    std::string recorded;
    try {
        recorded = read_all(holder);
    } catch (const std::exception&) {
        return false;
    }
    while (!recorded.empty() && recorded.back() == '\n') recorded.pop_back();
    return start_time(pid) != "" && recorded == identity_of(pid);
}

// Removes dead holders; true when a live one remains.
bool prune_holders(const fs::path& ledger) {
    bool live = false;
    for (const auto& entry : fs::directory_iterator(ledger / "holders")) {
        if (holder_alive(entry.path()))
            live = true;
        else
            fs::remove(entry.path());
    }
    return live;
}

// The times of `path`'s directory, which creating or removing the file
// changes: saved once per directory (the first save's), put back after the
// files.
void save_dir_times(const fs::path& ledger, const fs::path& dir) {
    const fs::path record = ledger / "dirs" / hex(dir.string());
    if (fs::exists(record)) return;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return;  // no directory: nothing to put back
    std::ostringstream s;
    s << st.st_atim.tv_sec << ' ' << st.st_atim.tv_nsec << ' ' << st.st_mtim.tv_sec << ' ' << st.st_mtim.tv_nsec << ' '
      << dir.string();
    const fs::path tmp = ledger / "dirs" / (".tmp-" + std::to_string(::getpid()));
    fs::remove(tmp);
    write_new(tmp, s.str());
    fs::rename(tmp, record);
}

void save(const fs::path& ledger, const fs::path& path) {
    const fs::path saved = ledger / "saved";
    const std::string key = hex(path.string());
    if (fs::exists(saved / key)) return;  // an earlier holder saved it first
    save_dir_times(ledger, path.parent_path());
    fs::path tmp = saved / (".tmp-" + std::to_string(::getpid()) + "-" + key);
    fs::remove_all(tmp);
    fs::create_directory(tmp);

    struct stat st {};
    std::string state;
    std::string data;
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) fail("lstat " + path.string());
        state = "absent";
    } else if (S_ISREG(st.st_mode)) {
        std::ostringstream s;
        s << "file " << (st.st_mode & 07777) << ' ' << st.st_uid << ' ' << st.st_gid << ' ' << st.st_atim.tv_sec
          << ' ' << st.st_atim.tv_nsec << ' ' << st.st_mtim.tv_sec << ' ' << st.st_mtim.tv_nsec;
        state = s.str();
        data = read_all(path);
    } else if (S_ISLNK(st.st_mode)) {
        std::ostringstream s;
        s << "symlink 0 " << st.st_uid << ' ' << st.st_gid << ' ' << st.st_atim.tv_sec << ' ' << st.st_atim.tv_nsec
          << ' ' << st.st_mtim.tv_sec << ' ' << st.st_mtim.tv_nsec;
        state = s.str();
        data = fs::read_symlink(path).string();
    } else {
        fs::remove_all(tmp);
        throw std::runtime_error("HostFileGuard guards files only: " + path.string());
    }
    write_new(tmp / "path", path.string());
    write_new(tmp / "state", state);
    write_new(tmp / "data", data);
    fsync_dir(tmp);
    fs::rename(tmp, saved / key);
    fsync_dir(saved);
}

// Puts one saved path back as it was: same bytes, mode, owner and times (a
// new inode renamed over whatever is there now), the same link, or nothing.
void restore(const fs::path& backup) {
    const fs::path path = read_all(backup / "path");
    std::istringstream state(read_all(backup / "state"));
    const std::string data = read_all(backup / "data");
    std::string kind;
    state >> kind;
    std::error_code ec;
    if (kind == "absent") {
        fs::remove_all(path);
        fsync_dir(path.parent_path());
        return;
    }
    // Not a name polkitd (*.policy, *.rules) or dbus-daemon (*.conf) reads.
    const fs::path tmp = path.parent_path() / ("." + path.filename().string() + ".minions-test-restore");
    fs::remove(tmp, ec);
    mode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    timespec times[2]{};
    state >> mode >> uid >> gid >> times[0].tv_sec >> times[0].tv_nsec >> times[1].tv_sec >> times[1].tv_nsec;
    if (!state || (kind != "file" && kind != "symlink"))
        throw std::runtime_error("bad backup state in " + backup.string());
    if (kind == "symlink")
        fs::create_symlink(data, tmp);
    else
        write_new(tmp, data, 0600);
    // chown first: it may clear set-id bits that chmod then sets. A link has no mode of its own.
    if (::lchown(tmp.c_str(), uid, gid) != 0 || (kind == "file" && ::chmod(tmp.c_str(), mode) != 0) ||
        ::utimensat(AT_FDCWD, tmp.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        int saved_errno = errno;
        fs::remove(tmp, ec);
        errno = saved_errno;
        fail("set the owner, mode or times of " + tmp.string());
    }
    if (fs::is_directory(fs::symlink_status(path))) fs::remove_all(path);
    fs::rename(tmp, path);
    fsync_dir(path.parent_path());
}

// A ledger directory's records, after removing what a killed process left
// half written (.tmp-*: only ever renamed into place once complete).
std::vector<fs::path> entries(const fs::path& dir) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().filename().string().rfind(".tmp-", 0) == 0)
            fs::remove_all(entry.path());
        else
            found.push_back(entry.path());
    }
    return found;
}

// Every backup back in place, then the backups go.
void restore_all(const fs::path& ledger) {
    std::string errors;
    for (const auto& backup : entries(ledger / "saved")) {
        try {
            restore(backup);
            fs::remove_all(backup);
        } catch (const std::exception& e) {
            errors += std::string(errors.empty() ? "" : "; ") + e.what();  // the backup stays for the next try
        }
    }
    // Memberships, then users (and the groups useradd made for them), then groups.
    struct Account {
        fs::path record;
        std::string what, name, group;
    };
    std::vector<Account> accounts;
    for (const auto& record_path : entries(ledger / "accounts")) {
        Account account{record_path, "", "", ""};
        std::istringstream(read_all(record_path)) >> account.what >> account.name >> account.group;
        accounts.push_back(account);
    }
    for (const std::string kind : {"member", "user", "group"}) {
        for (const auto& [record_path, what, name, group] : accounts) {
            if (what != kind) continue;
            try {
                // Whatever is already undone (by hand, by userdel) is done.
                if (kind == "member") {
                    const struct group* entry = ::getgrnam(group.c_str());
                    bool member = false;
                    for (char** m = entry ? entry->gr_mem : nullptr; m && *m; ++m) member = member || name == *m;
                    if (member) run_checked({"gpasswd", "--delete", name, group});
                } else if (kind == "user" ? ::getpwnam(name.c_str()) != nullptr : ::getgrnam(name.c_str()) != nullptr) {
                    run_checked({kind == "user" ? "userdel" : "groupdel", name});
                }
                fs::remove(record_path);
            } catch (const std::exception& e) {
                errors += std::string(errors.empty() ? "" : "; ") + e.what();
            }
        }
    }
    if (!errors.empty()) throw std::runtime_error("HostFileGuard could not restore: " + errors);
    for (const auto& record_path : entries(ledger / "dirs")) {
        std::istringstream record(read_all(record_path));
        timespec times[2]{};
        std::string dir;
        record >> times[0].tv_sec >> times[0].tv_nsec >> times[1].tv_sec >> times[1].tv_nsec;
        std::getline(record >> std::ws, dir);
        if (record && !dir.empty()) ::utimensat(AT_FDCWD, dir.c_str(), times, 0);
        fs::remove(record_path);
    }
}

}  // namespace

fs::path HostFileGuard::ledger() {
    if (const char* dir = std::getenv("MINIONS_TEST_HOST_STATE"); dir && *dir) return dir;
    return "/var/tmp/minions-test-host-files";
}

HostFileGuard::HostFileGuard(std::vector<fs::path> paths) {
    static std::atomic<unsigned> sequence{0};
    const fs::path dir = ledger();
    LedgerLock lock(dir);
    for (const char* sub : {"holders", "saved", "dirs", "accounts"}) fs::create_directories(dir / sub);
    // Nobody holds the ledger: whatever is saved is left by a killed test.
    if (!prune_holders(dir)) restore_all(dir);
    holder_ = dir / "holders" / (std::to_string(::getpid()) + "." + std::to_string(sequence++));
    fs::remove(holder_);
    write_new(holder_, identity_of(::getpid()) + "\n");
    try {
        for (const auto& path : paths) {
            if (!path.is_absolute()) throw std::invalid_argument("not an absolute path: " + path.string());
            save(dir, path.lexically_normal());
        }
    } catch (...) {
        fs::remove(holder_);
        if (!prune_holders(dir)) restore_all(dir);
        throw;
    }
}

void HostFileGuard::record_account(const std::string& kind, const std::string& name, const std::string& group) {
    if ((kind != "user" && kind != "group" && kind != "member") || name.empty() ||
        name.find_first_of(" \n/") != std::string::npos || group.find_first_of(" \n/") != std::string::npos ||
        (kind == "member") == group.empty())
        throw std::invalid_argument("record_account " + kind + " " + name + " " + group);
    const fs::path dir = ledger();
    LedgerLock lock(dir);
    fs::create_directories(dir / "accounts");
    const std::string line = kind + " " + name + (group.empty() ? "" : " " + group);
    const fs::path record = dir / "accounts" / hex(line);
    if (fs::exists(record)) return;
    const fs::path tmp = dir / "accounts" / (".tmp-" + std::to_string(::getpid()));
    fs::remove(tmp);
    write_new(tmp, line);
    fs::rename(tmp, record);
}

HostFileGuard::~HostFileGuard() {
    try {
        const fs::path dir = ledger();
        LedgerLock lock(dir);
        fs::remove(holder_);
        if (!prune_holders(dir)) restore_all(dir);
    } catch (const std::exception& e) {
        std::cerr << "HostFileGuard: " << e.what() << " (the next guard retries; backups in " << ledger().string()
                  << ")\n";
    }
}

}  // namespace minions::test
