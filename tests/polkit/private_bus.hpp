#pragma once
// Test harness for everything that talks to the system bus: a private
// dbus-daemon plus a real polkitd (scripts/private-bus.sh) that reads the
// project's polkit files from the bus's own directory (a private mount
// namespace puts them where polkitd looks; the host's polkit directories are
// neither read nor written), and ways to act as another user. Needs root, as
// CI has.
//
//   class MyTest : public minions::test::PrivateBusTest {};
//   TEST_F(MyTest, Something) {
//       auto who = minions::test::nobody();
//       auto out = minions::test::call_as(who, {.destination = "org.minions.Manager", ...});
//   }
#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace minions::test {

// Who a child process runs as.
struct Identity {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // supplementary groups, as the group database says
};

Identity root_identity();
// The ordinary user `nobody`: in no group that minions' rules know.
Identity nobody();
// User `name` with the given supplementary groups, created (system user, no
// home, no login shell) along with missing groups through groupadd, useradd
// and usermod. Safe against other test processes doing the same. What it
// creates or adds is undone when the last test process that called it (or
// holds a HostFileGuard) ends, or, after a kill, by the next one (see
// host_files.hpp); accounts that existed before are left as they were.
Identity ensure_user(const std::string& name, const std::vector<std::string>& groups);
// A user in group `minions` ("minions-test"), whom 50-org.minions.rules allows everything.
Identity minions_member();

// In a forked child: become `who` for good (groups, gid, uid), or _exit(125).
void drop_to(const Identity& who);

struct CommandResult {
    int exit_code = -1;  // 128 + signal when killed
    std::string out;
    std::string err;
};
// Runs argv (PATH searched) as `who`, environment inherited, and waits.
CommandResult run_as(const Identity& who, const std::vector<std::string>& argv);
// Same as the current user; throws std::runtime_error unless it exits 0.
CommandResult run_checked(const std::vector<std::string>& argv);

// What a child process reported: a result, or the D-Bus error it got.
struct ChildOutcome {
    bool ok = false;
    std::string output;         // body's return value when ok
    std::string error_name;     // e.g. "org.minions.Error.NotAuthorized"
    std::string error_message;  // sdbus::Error's message or another exception's what()
};
// Forks; the child drops to `who` (setgroups, setgid, setuid), runs `body`
// and reports back. sdbus::Error is reported by name; other exceptions as
// error_name "exception". Open a bus connection inside `body`, not before.
ChildOutcome in_child_as(const Identity& who, const std::function<std::string()>& body);

struct BusCall {
    std::string destination;
    std::string path;
    std::string interface;
    std::string method;
    std::function<void(sdbus::MethodCall&)> args;                 // appends arguments
    std::function<std::string(sdbus::MethodReply&)> read_reply;  // empty: ignore the reply
};
// One method call on the system bus (DBUS_SYSTEM_BUS_ADDRESS) made as `who`.
ChildOutcome call_as(const Identity& who, const BusCall& call);

// A running private bus and polkitd; the destructor stops both and removes
// its directory, the only place it writes. Sets DBUS_SYSTEM_BUS_ADDRESS for
// this process (and so for children) while it lives. polkitd sees
// actions_dir() as /usr/share/polkit-1/actions, rules_dir() as
// /etc/polkit-1/rules.d and an empty /usr/share/polkit-1/rules.d: only this
// bus's files, never the host's nor another test process's.
class PrivateBus {
public:
    struct Options {
        // org.minions.policy + 50-org.minions.rules from the source tree;
        // false: polkitd knows no minions action at all.
        bool install_polkit_files = true;
        // Extra bus policy files (file name -> XML) next to the project's.
        std::map<std::string, std::string> bus_policies;
    };

    explicit PrivateBus(const Options& options);
    ~PrivateBus();
    PrivateBus(const PrivateBus&) = delete;
    PrivateBus& operator=(const PrivateBus&) = delete;

    const std::filesystem::path& dir() const { return dir_; }
    std::string address() const;  // unix:path=<dir>/system_bus_socket
    // Put <Name>.service files here for bus activation (Exec= runs as root).
    std::filesystem::path services_dir() const { return dir_ / "services"; }

    void stop_polkitd();
    void start_polkitd();  // also restarts a running one
    // Writes rules_dir()/<file_name> (polkitd's /etc/polkit-1/rules.d) and
    // restarts polkitd so the rule applies at once.
    void install_rules(const std::string& file_name, const std::string& javascript);
    std::filesystem::path actions_dir() const { return dir_ / "polkit/actions"; }
    std::filesystem::path rules_dir() const { return dir_ / "polkit/rules.d"; }

private:
    void script(const std::string& command);
    void cleanup() noexcept;  // stop, uninstall, remove; the destructor's work

    std::filesystem::path dir_;
    std::string saved_address_;
    bool had_address_ = false;
};

// A suite sharing one PrivateBus. For other options, hide SetUpTestSuite in
// the derived fixture and call start_bus(options) from it.
class PrivateBusTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { start_bus({}); }
    static void TearDownTestSuite();
    static void start_bus(const PrivateBus::Options& options);
    static PrivateBus& bus() { return *bus_; }
    // Fails the test when the bus could not be started.
    void SetUp() override;

private:
    static std::unique_ptr<PrivateBus> bus_;
    static std::string start_error_;
};

}  // namespace minions::test
