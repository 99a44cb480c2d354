// The test harness leaves a host's polkit files as it found them. The test
// process first moves into a mount namespace of its own where the polkit
// directories are fresh tmpfs holding sentinels: files named like the
// project's (org.minions.policy, 50-org.minions.rules) with other bytes, an
// odd mode, owner and times, whose rules would let anybody do anything. For
// everything this process starts (scripts/private-bus.sh, polkitd), those are
// "the host's files", so the real host is never touched by this test.
//   - PrivateBus, alone, two at once, and killed, changes none of them
//     (before, it overwrote org.minions.policy and then deleted it), and its
//     polkitd reads only the project's files, not the sentinels;
//   - HostFileGuard puts back bytes, mode, owner and times, or absence,
//     when the last of several guards goes, and after a guard's process was
//     killed;
//   - the accounts ensure_user() creates go again (in a copy of /etc).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <grp.h>
#include <pwd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "polkit/host_files.hpp"
#include "polkit/private_bus.hpp"

namespace minions::test {
namespace {
namespace fs = std::filesystem;

const fs::path kActions = "/usr/share/polkit-1/actions";
const fs::path kEtcRules = "/etc/polkit-1/rules.d";
const fs::path kUsrRules = "/usr/share/polkit-1/rules.d";
const fs::path kPolicy = kActions / "org.minions.policy";

// Valid, but not the project's: anybody may do org.minions.power.
constexpr const char* kSentinelPolicy = R"(<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/PolicyKit/1/policyconfig.dtd">
<!-- sentinel: what the host had installed before the tests -->
<policyconfig>
  <action id="org.minions.power">
    <description>sentinel</description>
    <message>sentinel</message>
    <defaults><allow_any>yes</allow_any><allow_inactive>yes</allow_inactive><allow_active>yes</allow_active></defaults>
  </action>
</policyconfig>
)";
constexpr const char* kSentinelRules =
    "// sentinel: the host's own rule\npolkit.addRule(function(action, subject) { return polkit.Result.YES; });\n";

struct Entry {
    std::string kind;  // "file", "link", "dir", "other"
    mode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    long long mtime_ns = 0;
    std::string bytes;  // content or link target
    bool operator==(const Entry&) const = default;
};
using Snapshot = std::map<std::string, Entry>;

void PrintTo(const Entry& e, std::ostream* out) {
    *out << e.kind << " " << std::oct << e.mode << std::dec << " " << e.uid << ":" << e.gid << " mtime " << e.mtime_ns
         << " " << e.bytes.size() << " bytes";
}

Entry entry_of(const fs::path& path) {
    struct stat st {};
    Entry e;
    if (::lstat(path.c_str(), &st) != 0) throw std::runtime_error("lstat " + path.string());
    e.mode = st.st_mode & 07777;
    e.uid = st.st_uid;
    e.gid = st.st_gid;
    e.mtime_ns = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    if (S_ISREG(st.st_mode)) {
        e.kind = "file";
        std::ifstream in(path, std::ios::binary);
        e.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else if (S_ISLNK(st.st_mode)) {
        e.kind = "link";
        e.bytes = fs::read_symlink(path).string();
    } else {
        e.kind = S_ISDIR(st.st_mode) ? "dir" : "other";
    }
    return e;
}

// Every entry of the three polkit directories, and the directories' own
// times (a file created and removed again changes them).
Snapshot snapshot() {
    Snapshot s;
    for (const fs::path& dir : {kActions, kEtcRules, kUsrRules}) {
        s[dir.string()] = entry_of(dir);
        for (const auto& entry : fs::directory_iterator(dir)) s[entry.path().string()] = entry_of(entry.path());
    }
    return s;
}

void write_sentinel(const fs::path& path, const std::string& bytes, mode_t mode, uid_t uid, gid_t gid) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    timespec times[2] = {{1000000000, 123456789}, {1000000000, 987654321}};  // 2001-09-09
    if (::chown(path.c_str(), uid, gid) != 0 || ::chmod(path.c_str(), mode) != 0 ||
        ::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0)
        throw std::runtime_error("sentinel " + path.string() + ": " + std::strerror(errno));
}

int sh_as(const Identity& who, const std::string& address, const std::string& script) {
    return run_as(who, {"env", "DBUS_SYSTEM_BUS_ADDRESS=" + address, "sh", "-c", script}).exit_code;
}

// pkcheck's exit code for its own process as `who`: 0 allowed, 2 challenge, 1 no.
int pkcheck_as(const Identity& who, const std::string& address, const std::string& action) {
    return sh_as(who, address, "exec pkcheck --action-id " + action + " --process $$ >/dev/null 2>&1");
}

std::string pkaction(const std::string& address, const std::string& action) {
    return run_as(root_identity(), {"env", "DBUS_SYSTEM_BUS_ADDRESS=" + address, "pkaction", "--action-id", action,
                                    "--verbose"})
        .out;
}

class HostFiles : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        // Still single-threaded: nothing has opened a bus connection yet.
        if (::geteuid() != 0) {
            setup_error_ = "needs root";
            return;
        }
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
            setup_error_ = std::string("private mount namespace: ") + std::strerror(errno);
            return;
        }
        char pattern[] = "/tmp/minions-host-files-test-XXXXXX";
        if (!::mkdtemp(pattern)) {
            setup_error_ = std::string("mkdtemp: ") + std::strerror(errno);
            return;
        }
        work_ = pattern;
        ::setenv("MINIONS_TEST_HOST_STATE", (work_ / "ledger").c_str(), 1);
        // A copy of /etc, so that the accounts tests' useradd and userdel
        // change the copy's passwd and group.
        try {
            run_checked({"cp", "-a", "/etc", (work_ / "etc").string()});
        } catch (const std::exception& e) {
            setup_error_ = e.what();
            return;
        }
        if (::mount((work_ / "etc").c_str(), "/etc", nullptr, MS_BIND, nullptr) != 0) {
            setup_error_ = std::string("bind /etc: ") + std::strerror(errno);
            return;
        }
        for (const fs::path& dir : {kActions, kEtcRules, kUsrRules})
            if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
                setup_error_ = "tmpfs on " + dir.string() + ": " + std::strerror(errno);
                return;
            }
    }
    static void TearDownTestSuite() {
        for (const fs::path& dir : {kActions, kEtcRules, kUsrRules, fs::path("/etc")})
            ::umount2(dir.c_str(), MNT_DETACH);
        std::error_code ignored;
        if (!work_.empty()) fs::remove_all(work_, ignored);
    }

    void SetUp() override {
        ASSERT_EQ(setup_error_, "");
        // The sentinels, afresh for each test.
        for (const fs::path& dir : {kActions, kEtcRules, kUsrRules})
            for (const auto& entry : fs::directory_iterator(dir)) fs::remove_all(entry.path());
        write_sentinel(kPolicy, kSentinelPolicy, 0604, 65534, 65534);
        std::string other = kSentinelPolicy;
        other.replace(other.find("org.minions.power"), 17, "org.example.other");
        write_sentinel(kActions / "org.example.other.policy", other, 0644, 0, 0);
        write_sentinel(kEtcRules / "50-org.minions.rules", kSentinelRules, 0640, 0, 65534);
        write_sentinel(kUsrRules / "50-org.minions.rules", kSentinelRules, 0644, 0, 0);
        before_ = snapshot();
    }

    static inline std::string setup_error_;
    static inline fs::path work_;
    Snapshot before_;
};

// What a bus of the harness must answer: the project's policy, the project's
// rule and this bus's own rules, none of the host's.
void expect_projects_policy(const std::string& address) {
    std::string power = pkaction(address, "org.minions.power");
    EXPECT_NE(power.find("implicit any:      auth_admin"), std::string::npos) << power;
    EXPECT_EQ(power.find("sentinel"), std::string::npos) << power;
    std::string all = run_as(root_identity(), {"env", "DBUS_SYSTEM_BUS_ADDRESS=" + address, "pkaction"}).out;
    EXPECT_EQ(all,
              "org.minions.copy\norg.minions.create\norg.minions.destroy\norg.minions.exec\n"
              "org.minions.power\norg.minions.read\norg.minions.rename\n");
    EXPECT_EQ(pkcheck_as(root_identity(), address, "org.minions.power"), 0);
    // The host's rules would say yes; the project's policy asks for a password.
    EXPECT_EQ(pkcheck_as(nobody(), address, "org.minions.power"), 2);
}

const std::string kNobodyMayRead =
    "polkit.addRule(function(action, subject) {\n"
    "  if (action.id == 'org.minions.read' && subject.user == 'nobody') return polkit.Result.YES;\n"
    "});\n";

TEST_F(HostFiles, PrivateBusNeitherReadsNorChangesTheHostsPolkitFiles) {
    {
        PrivateBus bus({});
        expect_projects_policy(bus.address());
        EXPECT_EQ(pkcheck_as(nobody(), bus.address(), "org.minions.read"), 2);
        bus.install_rules("40-minions-test-nobody.rules", kNobodyMayRead);
        EXPECT_EQ(pkcheck_as(nobody(), bus.address(), "org.minions.read"), 0);
        EXPECT_EQ(pkcheck_as(nobody(), bus.address(), "org.minions.power"), 2);
        bus.stop_polkitd();
        bus.start_polkitd();
        EXPECT_EQ(pkcheck_as(nobody(), bus.address(), "org.minions.read"), 0);
        EXPECT_EQ(snapshot(), before_) << "while the bus runs";
    }
    EXPECT_EQ(snapshot(), before_) << "after the bus";
}

TEST_F(HostFiles, TwoBusesAtOnceEachSeeOnlyTheirOwnRules) {
    auto first = std::make_unique<PrivateBus>(PrivateBus::Options{});
    PrivateBus second({});
    first->install_rules("40-minions-test-first.rules", kNobodyMayRead);
    EXPECT_EQ(pkcheck_as(nobody(), first->address(), "org.minions.read"), 0);
    EXPECT_EQ(pkcheck_as(nobody(), second.address(), "org.minions.read"), 2) << "the first bus's rule leaked";
    EXPECT_EQ(snapshot(), before_) << "while both run";
    first.reset();  // one test process ends while the other runs on
    expect_projects_policy(second.address());
    EXPECT_EQ(snapshot(), before_) << "after the first";
}

TEST_F(HostFiles, AKilledTestLeavesTheHostsFilesAsTheyWere) {
    int report[2];
    ASSERT_EQ(::pipe2(report, O_CLOEXEC), 0);  // the bus the child starts must not hold it open
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(report[0]);
        try {
            PrivateBus bus({});
            bus.install_rules("40-minions-test-killed.rules", kNobodyMayRead);
            std::string dir = bus.dir().string();
            if (::write(report[1], dir.data(), dir.size()) != static_cast<ssize_t>(dir.size())) ::_exit(3);
            ::raise(SIGKILL);  // before any destructor runs
        } catch (...) {
            ::_exit(2);
        }
        ::_exit(1);
    }
    ::close(report[1]);
    std::string dir;
    char buffer[512];
    for (ssize_t n; (n = ::read(report[0], buffer, sizeof buffer)) > 0;) dir.append(buffer, n);
    ::close(report[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    EXPECT_EQ(snapshot(), before_);
    // The killed test's bus and polkitd are still running; stop them.
    ASSERT_FALSE(dir.empty());
    ASSERT_EQ(dir.rfind("/tmp/minions-bus-", 0), 0u) << dir;
    run_checked({std::string(MINIONS_SOURCE_DIR) + "/scripts/private-bus.sh", "stop", dir});
    std::error_code ignored;
    fs::remove_all(dir, ignored);
}

// HostFileGuard, for scripts that write into host directories themselves.

void scribble(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    ::chmod(path.c_str(), 0600);
    if (::chown(path.c_str(), 0, 0) != 0) throw std::runtime_error("chown " + path.string());
}

TEST_F(HostFiles, GuardPutsBackBytesModeOwnerAndTimes) {
    {
        HostFileGuard guard({kPolicy});
        scribble(kPolicy, "<policyconfig/>\n");
        EXPECT_NE(snapshot(), before_);
    }
    EXPECT_EQ(snapshot(), before_);  // the directory's times too
    EXPECT_EQ(entry_of(kPolicy).bytes, kSentinelPolicy);
    EXPECT_TRUE(fs::is_empty(HostFileGuard::ledger() / "saved"));
}

TEST_F(HostFiles, GuardPutsBackAbsenceAndLinks) {
    fs::remove(kPolicy);
    fs::create_symlink("../../elsewhere/x.rules", kEtcRules / "60-link.rules");
    const Snapshot before = snapshot();
    {
        HostFileGuard guard({kPolicy, kEtcRules / "60-link.rules"});
        scribble(kPolicy, "installed by a script\n");
        fs::remove(kEtcRules / "60-link.rules");
        scribble(kEtcRules / "60-link.rules", "now a file\n");
    }
    EXPECT_EQ(snapshot(), before);
    EXPECT_FALSE(fs::exists(fs::symlink_status(kPolicy)));
    EXPECT_EQ(fs::read_symlink(kEtcRules / "60-link.rules"), "../../elsewhere/x.rules");
}

TEST_F(HostFiles, TheLastOfSeveralGuardsRestores) {
    auto first = std::make_unique<HostFileGuard>(std::vector<fs::path>{kPolicy});
    scribble(kPolicy, "first\n");
    auto second = std::make_unique<HostFileGuard>(std::vector<fs::path>{kPolicy});  // does not save "first"
    scribble(kPolicy, "second\n");
    first.reset();
    EXPECT_EQ(entry_of(kPolicy).bytes, "second\n") << "restored while another guard still holds it";
    second.reset();
    EXPECT_EQ(snapshot(), before_);
}

TEST_F(HostFiles, TheNextGuardRestoresWhatAKilledGuardSaved) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        try {
            HostFileGuard guard({kPolicy});
            scribble(kPolicy, "left by a killed test\n");
            ::raise(SIGKILL);
        } catch (...) {
            ::_exit(2);
        }
        ::_exit(1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    ASSERT_EQ(entry_of(kPolicy).bytes, "left by a killed test\n");
    // A holder whose pid now belongs to another process (here: this one,
    // started at another time) counts as dead too.
    std::ofstream(HostFileGuard::ledger() / "holders" / (std::to_string(::getpid()) + ".99"))
        << "not-this-boot 1\n";
    {
        HostFileGuard guard({kPolicy});
        EXPECT_EQ(entry_of(kPolicy), before_[kPolicy.string()]) << "the stale backup was not restored first";
        scribble(kPolicy, "this test's own\n");
    }
    EXPECT_EQ(snapshot(), before_);
    EXPECT_TRUE(fs::is_empty(HostFileGuard::ledger() / "holders"));
}

// ensure_user() (accounts in this test's copy of /etc): what it created or
// added goes when its process ends, or after a kill with the next guard;
// accounts that were there stay.

std::string etc_bytes() { return entry_of("/etc/passwd").bytes + entry_of("/etc/group").bytes; }

pid_t child_ensuring_users(bool killed) {
    pid_t child = ::fork();
    if (child != 0) return child;
    try {
        Identity created = ensure_user("minions-hftest", {"minions-hfgroup"});
        Identity existing = ensure_user("nobody", {"minions-hfgroup"});  // nobody joins a new group
        if (created.uid == 0 || existing.groups.size() < 2) ::_exit(3);
        if (killed) ::raise(SIGKILL);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        ::_exit(2);
    }
    std::exit(0);  // runs ensure_user's static holder's destructor: the undo
}

TEST_F(HostFiles, EnsureUserUndoesItsAccountsWhenItsProcessEnds) {
    const std::string before = etc_bytes();
    ASSERT_NE(before.find("\nnobody:"), std::string::npos);
    pid_t child = child_ensuring_users(false);
    ASSERT_GE(child, 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    EXPECT_EQ(etc_bytes(), before);
    EXPECT_EQ(::getpwnam("minions-hftest"), nullptr);
    EXPECT_EQ(::getgrnam("minions-hfgroup"), nullptr);
    EXPECT_NE(::getpwnam("nobody"), nullptr);
}

TEST_F(HostFiles, EnsureUserAccountsOfAKilledTestGoWithTheNextGuard) {
    const std::string before = etc_bytes();
    pid_t child = child_ensuring_users(true);
    ASSERT_GE(child, 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    ASSERT_NE(::getpwnam("minions-hftest"), nullptr);
    { HostFileGuard next({}); }
    EXPECT_EQ(etc_bytes(), before);
    EXPECT_EQ(::getpwnam("minions-hftest"), nullptr);
}

}  // namespace
}  // namespace minions::test
