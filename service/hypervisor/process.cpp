#include "hypervisor/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <cstdlib>
#include <sstream>
#include <thread>
#include <utility>

#include "core/error.hpp"

namespace minions::hv {
namespace {

[[noreturn]] void fail(const std::string& what) { throw Error{Errc::HypervisorFailed, what}; }

// Fields of /proc/<pid>/stat after the command name. The name is in
// parentheses and may itself contain ')' or spaces, hence the last ')'.
struct StatFields {
    char state = '?';
    uint64_t flags = 0;  // the kernel's PF_* flags
    uint64_t start_time = 0;
    bool ok = false;
};

StatFields read_stat(pid_t pid) {
    StatFields out;
    if (pid <= 0) return out;
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = text.rfind(')');
    if (close == std::string::npos) return out;
    std::istringstream rest(text.substr(close + 1));
    // rest starts at field 3 (state); field 9 is flags, 22 starttime.
    std::string token;
    if (!(rest >> token) || token.empty()) return out;
    out.state = token[0];
    std::string flags;
    for (int field = 4; field <= 22; ++field) {
        if (!(rest >> token)) return out;
        if (field == 9) flags = token;
    }
    try {
        out.flags = std::stoull(flags);
        out.start_time = std::stoull(token);
    } catch (const std::exception&) {
        return out;
    }
    out.ok = true;
    return out;
}

// One record on the status pipe: written atomically (< PIPE_BUF).
struct SpawnRecord {
    char tag;  // 'P': grandchild pid (from the middle child); 'E': exec errno
    int32_t value;
};

void write_record(int fd, char tag, int32_t value) {
    SpawnRecord rec{tag, value};
    // Only async-signal-safe calls here: we run between fork and exec.
    ssize_t n;
    do {
        n = ::write(fd, &rec, sizeof rec);
    } while (n < 0 && errno == EINTR);
}

// The descriptors a launch's children need: everything else is closed first
// thing after each fork. O_CLOEXEC alone is not enough when several threads
// launch at once: a child that blocks before exec (the VMM waits on its go
// pipe) would keep another launch's go write end open, each VMM waiting for
// an EOF the other one holds, and keep that launch's status write end open
// so its parent never sees EOF either. Closing at once leaves a window of a
// few instructions between fork and close_range, in which nothing blocks.
//
// Every descriptor here is numbered above the handed ones' targets (3 and
// up, see raise_fd), so putting those in place clobbers none of them.
struct ChildFds {
    int null_fd, log_fd, status_fd, go_fd;
    int exe_fd;                                  // the program
    bool exe_is_script;                          // "#!": its interpreter reads /dev/fd/N
    std::array<int, kMaxHandedFds> handed;       // become 3, 4, ... (-1: none)
    std::size_t handed_count;
    const Credentials* as;                       // nullptr: keep ours
};

constexpr int kFirstPrivateFd = 3 + static_cast<int>(kMaxHandedFds);

// A CLOEXEC copy of `fd` numbered kFirstPrivateFd or higher; closes `fd`.
int raise_fd(int fd) {
    if (fd < 0 || fd >= kFirstPrivateFd) return fd;
    int raised = ::fcntl(fd, F_DUPFD_CLOEXEC, kFirstPrivateFd);
    int err = errno;
    ::close(fd);
    errno = err;
    return raised;
}

// close_range over the gaps of the sorted keep-list, descriptors 0-2 kept:
// plain syscalls, no allocation, so safe between fork and exec.
void close_all_but(const ChildFds& fds) {
    std::array<int, 5 + kMaxHandedFds> keep{};
    keep.fill(-1);
    std::size_t n = 0;
    for (int fd : {fds.null_fd, fds.log_fd, fds.status_fd, fds.go_fd, fds.exe_fd}) keep[n++] = fd;
    for (std::size_t i = 0; i < fds.handed_count; ++i) keep[n++] = fds.handed[i];
    for (std::size_t i = 1; i < keep.size(); ++i)
        for (std::size_t j = i; j > 0 && keep[j - 1] > keep[j]; --j) std::swap(keep[j - 1], keep[j]);
    unsigned next = 3;
    for (int fd : keep) {
        auto kept = static_cast<unsigned>(fd);
        if (fd < 0 || kept < next) continue;  // among 0-2, or listed twice
        if (kept > next) syscall(SYS_close_range, next, kept - 1, 0u);
        next = kept + 1;
    }
    syscall(SYS_close_range, next, ~0u, 0u);
}

// Async-signal-safe preparation of the VMM process image, then exec.
[[noreturn]] void exec_child(char* const* argv, const ChildFds& fds) {
    // Again, so the long-lived VMM holds only these whatever the middle child did.
    close_all_but(fds);
    // Wait for the daemon to record our start time: until then we cannot
    // exit and be reaped, so the identity it stores is certainly ours.
    char go;
    while (::read(fds.go_fd, &go, 1) < 0 && errno == EINTR) {
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // Ignored signals (the daemon ignores SIGPIPE) survive exec; reset them.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
    auto fail_child = [&fds] {
        write_record(fds.status_fd, 'E', errno);
        _exit(127);
    };
    if (dup2(fds.null_fd, STDIN_FILENO) < 0 || dup2(fds.log_fd, STDOUT_FILENO) < 0 ||
        dup2(fds.log_fd, STDERR_FILENO) < 0)
        fail_child();
    // dup2 clears O_CLOEXEC: these, and only these, survive the exec.
    for (std::size_t i = 0; i < fds.handed_count; ++i)
        if (fds.handed[i] >= 0 && dup2(fds.handed[i], 3 + static_cast<int>(i)) < 0) fail_child();
    if (fds.as) {
        // Groups first: after setresuid we could no longer change them. A
        // uid other than 0 on all three slots leaves no capability at all.
        if (::setgroups(fds.as->groups.size(), fds.as->groups.data()) < 0 ||
            ::setresgid(fds.as->gid, fds.as->gid, fds.as->gid) < 0 ||
            ::setresuid(fds.as->uid, fds.as->uid, fds.as->uid) < 0)
            fail_child();
    }
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail_child();
    // The kept descriptors are all O_CLOEXEC: the status pipe stays usable
    // to report an exec error, and closes (EOF for the daemon) on success.
    // By descriptor, not path: the VMM's user may not reach the program's
    // directory (a build tree in a private home).
    if (fds.exe_is_script && ::fcntl(fds.exe_fd, F_SETFD, 0) < 0) fail_child();
    syscall(SYS_execveat, fds.exe_fd, "", argv, environ, AT_EMPTY_PATH);
    write_record(fds.status_fd, 'E', errno);
    _exit(127);
}

}  // namespace

uint64_t process_start_time(pid_t pid) {
    auto stat = read_stat(pid);
    return stat.ok ? stat.start_time : 0;
}

bool process_alive(const Process& process) {
    // A start time of 0 means "unknown": we cannot prove the PID is still
    // ours, and signalling a stranger is worse than reporting a dead VMM.
    if (process.pid <= 0 || process.start_time == 0) return false;
    auto stat = read_stat(process.pid);
    if (!stat.ok || stat.start_time != process.start_time) return false;
    // A zombie is dead; its reaper (init, or a subreaper) just has not run yet.
    // So is a process on its way out (PF_EXITING): after SIGKILL a VMM with
    // gigabytes of guest memory spends tens of milliseconds releasing it
    // (73 ms measured for 3 GiB) in state R before it becomes a zombie, and
    // it will never run guest code again.
    constexpr uint64_t kExiting = 0x4;  // PF_EXITING, include/linux/sched.h
    return stat.state != 'Z' && stat.state != 'X' && stat.state != 'x' && (stat.flags & kExiting) == 0;
}

Process spawn_detached(const std::vector<std::string>& argv, const std::filesystem::path& log,
                       const SpawnOptions& options) {
    if (argv.empty()) fail("cannot start a VMM without a program");
    if (options.fds.size() > kMaxHandedFds) fail("cannot hand a VMM more than 8 descriptors");
    if (options.as && (options.as->uid == 0 || options.as->gid == 0))
        fail("a VMM's own user must not be root");
    // Everything the child needs is prepared before fork: after it only
    // async-signal-safe calls are allowed (the daemon is multi-threaded).
    std::vector<char*> cargv;
    for (const auto& arg : argv) cargv.push_back(const_cast<char*>(arg.c_str()));
    cargv.push_back(nullptr);

    // Every descriptor the children keep, each numbered above the handed
    // ones' targets; closed on every way out of here.
    std::vector<int> opened;
    auto close_opened = [&opened] {
        for (int fd : opened)
            if (fd >= 0) ::close(fd);
    };
    auto keep = [&](int fd, const std::string& what) {
        int err = errno;
        fd = raise_fd(fd);
        if (fd < 0) {
            if (errno == 0) errno = err;
            err = errno;
            close_opened();
            fail(what + ": " + std::strerror(err));
        }
        opened.push_back(fd);
        return fd;
    };
    int exe_fd = keep(::open(argv[0].c_str(), O_RDONLY | O_CLOEXEC), "cannot run " + argv[0]);
    char magic[2] = {};
    const bool exe_is_script = ::pread(exe_fd, magic, sizeof magic, 0) == 2 && magic[0] == '#' && magic[1] == '!';
    int null_fd = keep(::open("/dev/null", O_RDONLY | O_CLOEXEC), "cannot open /dev/null");
    int log_fd = keep(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640),
                      "cannot open VMM log " + log.string());
    std::array<int, kMaxHandedFds> handed{};
    handed.fill(-1);
    for (std::size_t i = 0; i < options.fds.size(); ++i)
        if (options.fds[i] >= 0)
            handed[i] = keep(::fcntl(options.fds[i], F_DUPFD_CLOEXEC, kFirstPrivateFd),
                             "cannot hand descriptor " + std::to_string(options.fds[i]) + " to the VMM");
    // status: records from the children to us; go: closed by us to let the VMM exec.
    std::array<int, 2> status_pipe{-1, -1}, go_pipe{-1, -1};
    for (auto* pipe : {&status_pipe, &go_pipe}) {
        std::array<int, 2> ends{-1, -1};
        if (::pipe2(ends.data(), O_CLOEXEC) < 0) keep(-1, "cannot create a pipe");
        (*pipe)[0] = keep(ends[0], "cannot create a pipe");
        (*pipe)[1] = keep(ends[1], "cannot create a pipe");
    }

    const ChildFds child_fds{null_fd, log_fd,  status_pipe[1],     go_pipe[0],
                             exe_fd,  exe_is_script, handed, options.fds.size(),
                             options.as ? &*options.as : nullptr};
    pid_t middle = ::fork();
    if (middle == 0) {
        close_all_but(child_fds);  // first: see ChildFds
        ::setsid();  // own session: no signals from the daemon's terminal or group
        pid_t vmm = ::fork();
        if (vmm == 0) exec_child(cargv.data(), child_fds);
        write_record(status_pipe[1], vmm < 0 ? 'E' : 'P', vmm < 0 ? errno : vmm);
        _exit(0);  // the VMM is orphaned now and re-parented to init
    }
    int fork_errno = errno;
    for (int& fd : opened)
        if (fd != status_pipe[0] && fd != go_pipe[1]) {
            ::close(fd);
            fd = -1;
        }
    if (middle < 0) {
        close_opened();
        fail(std::string("cannot fork: ") + std::strerror(fork_errno));
    }
    int status = 0;
    while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
    }

    auto read_record = [&](SpawnRecord& rec) {
        for (;;) {
            ssize_t n = ::read(status_pipe[0], &rec, sizeof rec);
            if (n < 0 && errno == EINTR) continue;
            return n == static_cast<ssize_t>(sizeof rec);
        }
    };
    SpawnRecord rec{};
    Process process;
    int exec_errno = 0;
    if (read_record(rec)) {
        if (rec.tag == 'P') process.pid = rec.value;
        if (rec.tag == 'E') exec_errno = rec.value;
    }
    // The VMM is blocked on the go pipe, so it is alive and its stat readable.
    if (process.pid > 0) process.start_time = process_start_time(process.pid);
    ::close(go_pipe[1]);
    // Then EOF on the status pipe: the exec succeeded (CLOEXEC) or failed.
    // Only this launch's children hold its write end for longer than the
    // instant before close_all_but, so no other launch can delay the EOF.
    while (read_record(rec))
        if (rec.tag == 'E') exec_errno = rec.value;
    ::close(status_pipe[0]);
    if (exec_errno != 0) fail("cannot run " + argv[0] + ": " + std::strerror(exec_errno));
    if (process.pid <= 0 || process.start_time == 0)
        fail("cannot start " + argv[0] + ": the launcher process failed");
    return process;
}

bool wait_gone(const Process& process, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (process_alive(process)) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

void kill_hard(const Process& process) {
    if (process_alive(process)) ::kill(process.pid, SIGKILL);
}

std::string log_tail(const std::filesystem::path& log, std::size_t max_bytes) {
    std::ifstream in(log, std::ios::binary);
    if (!in) return "";
    in.seekg(0, std::ios::end);
    auto size = static_cast<std::size_t>(in.tellg());
    std::size_t start = size > max_bytes ? size - max_bytes : 0;
    in.seekg(static_cast<std::streamoff>(start));
    std::string tail(size - start, '\0');
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    return tail;
}

std::filesystem::path find_program(const std::filesystem::path& program) {
    auto executable = [](const std::filesystem::path& p) {
        std::error_code ec;
        return std::filesystem::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
    };
    if (program.empty()) return {};
    if (program.has_parent_path()) return executable(program) ? program : std::filesystem::path{};
    const char* path_env = std::getenv("PATH");
    std::string dirs = path_env ? path_env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    std::istringstream split(dirs);
    std::string dir;
    while (std::getline(split, dir, ':')) {
        if (dir.empty()) continue;
        auto candidate = std::filesystem::path(dir) / program;
        if (executable(candidate)) return candidate;
    }
    return {};
}

}  // namespace minions::hv
