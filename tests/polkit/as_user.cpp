// Acting as another user: user accounts, commands and bus calls in a forked
// child that has dropped to that user's uid, gid and groups.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "host_files.hpp"
#include "private_bus.hpp"

namespace minions::test {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

// Serializes user creation with other test processes (ctest -j).
class HarnessLock {
public:
    HarnessLock() {
        auto path = std::filesystem::temp_directory_path() / "minions-test-harness.lock";
        fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) fail("lock " + path.string());
    }
    ~HarnessLock() { ::close(fd_); }
    HarnessLock(const HarnessLock&) = delete;
    HarnessLock& operator=(const HarnessLock&) = delete;

private:
    int fd_ = -1;
};

bool lookup(const std::string& name, Identity& out) {
    std::array<char, 4096> buffer{};
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
        return false;
    out.name = name;
    out.uid = found->pw_uid;
    out.gid = found->pw_gid;
    int count = 64;
    out.groups.assign(count, 0);
    if (::getgrouplist(name.c_str(), out.gid, out.groups.data(), &count) < 0) {
        out.groups.assign(count, 0);
        ::getgrouplist(name.c_str(), out.gid, out.groups.data(), &count);
    }
    out.groups.resize(count);
    return true;
}

bool in_group(const Identity& who, const std::string& group) {
    struct group* entry = ::getgrnam(group.c_str());
    if (!entry) return false;
    for (gid_t gid : who.groups)
        if (gid == entry->gr_gid) return true;
    return false;
}

// In a forked child: execvp argv, or die.
[[noreturn]] void exec(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
}

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) fail("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Reads both pipes to their ends (in turn, so neither child write blocks).
void drain(int out_fd, int err_fd, std::string& out, std::string& err) {
    std::array<pollfd, 2> fds{pollfd{out_fd, POLLIN, 0}, pollfd{err_fd, POLLIN, 0}};
    std::array<std::string*, 2> sinks{&out, &err};
    int open_count = 2;
    while (open_count > 0) {
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            fail("poll");
        }
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            std::array<char, 4096> chunk{};
            ssize_t n = ::read(fds[i].fd, chunk.data(), chunk.size());
            if (n > 0) {
                sinks[i]->append(chunk.data(), n);
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_count;
            }
        }
    }
}

// Forks with stdout and stderr captured; `child` runs in the child and must not return.
CommandResult fork_captured(const std::function<void()>& child) {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) fail("pipe");
    pid_t pid = ::fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(err[1], STDERR_FILENO);
        child();
        ::_exit(126);
    }
    ::close(out[1]);
    ::close(err[1]);
    CommandResult result;
    drain(out[0], err[0], result.out, result.err);
    result.exit_code = wait_for(pid);
    return result;
}

}  // namespace

void drop_to(const Identity& who) {
    if (::setgroups(who.groups.size(), who.groups.data()) != 0 || ::setgid(who.gid) != 0 ||
        ::setuid(who.uid) != 0)
        ::_exit(125);
}

Identity root_identity() {
    Identity root;
    if (!lookup("root", root)) throw std::runtime_error("no user root");
    return root;
}

Identity nobody() {
    Identity who;
    if (!lookup("nobody", who)) throw std::runtime_error("no user nobody");
    return who;
}

Identity ensure_user(const std::string& name, const std::vector<std::string>& groups) {
    // What this creates on the host goes again when the last test process
    // holding the ledger ends (this one holds it until it exits).
    static HostFileGuard hold({});
    HarnessLock lock;
    for (const auto& group : groups)
        if (!::getgrnam(group.c_str())) {
            run_checked({"groupadd", "--system", group});
            HostFileGuard::record_account("group", group);
        }
    Identity who;
    if (!lookup(name, who)) {
        std::vector<std::string> argv{"useradd", "--system", "--no-create-home",
                                      "--home-dir", "/nonexistent", "--shell",
                                      "/usr/sbin/nologin"};
        std::string list;
        for (const auto& group : groups) list += (list.empty() ? "" : ",") + group;
        if (!list.empty()) argv.insert(argv.end(), {"--groups", list});
        argv.push_back(name);
        run_checked(argv);
        HostFileGuard::record_account("user", name);
    } else {
        for (const auto& group : groups)
            if (!in_group(who, group)) {
                run_checked({"usermod", "--append", "--groups", group, name});
                HostFileGuard::record_account("member", name, group);
            }
    }
    if (!lookup(name, who)) throw std::runtime_error("user " + name + " still missing after useradd");
    return who;
}

Identity minions_member() { return ensure_user("minions-test", {"minions"}); }

CommandResult run_as(const Identity& who, const std::vector<std::string>& argv) {
    return fork_captured([&] {
        drop_to(who);
        exec(argv);
    });
}

CommandResult run_checked(const std::vector<std::string>& argv) {
    CommandResult result = fork_captured([&] { exec(argv); });
    if (result.exit_code != 0)
        throw std::runtime_error(argv[0] + " exited with " + std::to_string(result.exit_code) +
                                 ": " + result.err);
    return result;
}

ChildOutcome in_child_as(const Identity& who, const std::function<std::string()>& body) {
    // The child writes one record to stdout: a tag byte, then NUL-separated fields.
    CommandResult raw = fork_captured([&] {
        drop_to(who);
        // The record gets the pipe to itself; whatever body prints goes to stderr.
        int report = ::dup(STDOUT_FILENO);
        ::dup2(STDERR_FILENO, STDOUT_FILENO);
        std::string record;
        try {
            record = "O" + body();
        } catch (const sdbus::Error& e) {
            record = "E" + e.getName() + '\0' + e.getMessage();
        } catch (const std::exception& e) {
            record = std::string("E") + "exception" + '\0' + e.what();
        }
        for (std::size_t done = 0; done < record.size();) {
            ssize_t n = ::write(report, record.data() + done, record.size() - done);
            if (n <= 0) ::_exit(124);
            done += n;
        }
        ::_exit(0);
    });
    ChildOutcome outcome;
    if (raw.exit_code != 0 || raw.out.empty()) {
        outcome.error_name = "exception";
        outcome.error_message = "child exited with " + std::to_string(raw.exit_code) + ": " + raw.err;
        return outcome;
    }
    std::string rest = raw.out.substr(1);
    if (raw.out[0] == 'O') {
        outcome.ok = true;
        outcome.output = rest;
    } else {
        auto split = rest.find('\0');
        outcome.error_name = rest.substr(0, split);
        outcome.error_message = split == std::string::npos ? "" : rest.substr(split + 1);
    }
    return outcome;
}

ChildOutcome call_as(const Identity& who, const BusCall& call) {
    return in_child_as(who, [&]() -> std::string {
        auto connection = sdbus::createSystemBusConnection();
        auto proxy = sdbus::createProxy(*connection, call.destination, call.path);
        auto method = proxy->createMethodCall(call.interface, call.method);
        if (call.args) call.args(method);
        auto reply = proxy->callMethod(method);
        return call.read_reply ? call.read_reply(reply) : std::string{};
    });
}

}  // namespace minions::test
