// A user outside group `minions`, at a terminal, is asked for a password by
// polkit's text agent, which the CLI starts for its own process (pkttyagent
// --process <cli>), against the real polkitd and minionsd: the
// right password lets the create through, a wrong one is refused (exit 4)
// and creates nothing. A rule makes polkit ask for the user's own password
// (AUTH_SELF) so the test needs no admin account.
//
// polkit-agent-helper-1 (setuid root) checks the password with PAM and
// reports to polkitd on the default system bus address, with its environment
// cleared; so the terminal session runs in a mount namespace of its own where
// /run/dbus/system_bus_socket is the private bus. The host's /run is not
// touched.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/terminal.hpp"
#include "rest/rest_server_fixture.hpp"
#include "service/service_fixture.hpp"

namespace minions::test {
namespace {

namespace fs = std::filesystem;

const std::string kUser = "minions-pwtest";
const std::string kPassword = "Corr3ct-horse";

// In the forked child, still root: a private /run whose
// dbus/system_bus_socket is `bus_socket`, so the agent helper finds the bus.
void point_default_bus_at(const fs::path& bus_socket) {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0 ||
        ::mkdir("/run/dbus", 0755) != 0 || ::symlink(bus_socket.c_str(), "/run/dbus/system_bus_socket") != 0)
        ::_exit(124);
}

class PolkitPrompt : public ServiceTest {
protected:
    static void SetUpTestSuite() { set_up_with(Options{}); }
    static void set_up_with(const Options& options) {
        start_service(options);
        user_ = new Identity(ensure_user(kUser, {}));
        run_checked({"sh", "-c", "echo '" + kUser + ":" + kPassword + "' | chpasswd"});
        bus().install_rules("40-minions-test-password.rules",
                            "polkit.addRule(function(action, subject) {\n"
                            "  if ((action.id == 'org.minions.create' || action.id == 'org.minions.power') &&\n"
                            "      subject.user == '" + kUser + "')\n"
                            "    return polkit.Result.AUTH_SELF;\n"
                            "});\n");
        // The build tree may be private to root (a mktemp -d clone): the
        // user runs a copy of the CLI from a directory anyone may enter.
        char pattern[] = "/tmp/minions-cli-XXXXXX";
        cli_dir_ = new fs::path(::mkdtemp(pattern));
        fs::permissions(*cli_dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                       fs::perms::others_read | fs::perms::others_exec);
        fs::copy_file(kCliBinary, *cli_dir_ / "minions");
    }
    static void TearDownTestSuite() {
        // No account is left behind with a password anyone can read here.
        run_checked({"usermod", "--password", "!", kUser});
        std::error_code ignored;
        fs::remove_all(*cli_dir_, ignored);
        delete cli_dir_;
        delete user_;
        ServiceTest::TearDownTestSuite();
    }

    // `minions create NAME` typed by the user at a terminal, who answers the
    // password prompt with `password` (after 0.7 s, slower than the CLI's
    // progress polling, so a progress line drawn over the prompt would show).
    static TerminalSession create_at_terminal(const std::string& name, const std::string& password) {
        return at_terminal({"create", name}, password);
    }

    // `minions ARGS...` typed by the user at a terminal; an empty `password`
    // leaves the prompt open until `deadline`, when the CLI is killed.
    static TerminalSession at_terminal(const std::vector<std::string>& args, const std::string& password,
                                       std::chrono::seconds deadline = std::chrono::seconds(90)) {
        TerminalOptions options;
        options.deadline = deadline;
        options.in_child = [bus_socket = bus().dir() / "system_bus_socket", who = *user_] {
            point_default_bus_at(bus_socket);
            // The terminal belongs to the user, as a login's would.
            if (::fchown(STDIN_FILENO, who.uid, who.gid) != 0) ::_exit(123);
            drop_to(who);
            ::setenv("HOME", "/nonexistent", 1);
        };
        if (!password.empty()) {
            options.prompt = "Password: ";
            options.answer = password;
        }
        std::vector<std::string> argv{(*cli_dir_ / "minions").string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_on_terminal(argv, options);
    }

    static Identity* user_;
    static fs::path* cli_dir_;
};

Identity* PolkitPrompt::user_ = nullptr;
fs::path* PolkitPrompt::cli_dir_ = nullptr;

TEST_F(PolkitPrompt, TheRightPasswordAtTheTerminalLetsTheCreateThrough) {
    TerminalSession s = create_at_terminal("pw-ok", kPassword);
    EXPECT_EQ(s.exit_code, 0) << s.screen;
    EXPECT_NE(s.screen.find("AUTHENTICATING FOR org.minions.create"), std::string::npos) << s.screen;
    EXPECT_NE(s.screen.find("AUTHENTICATION COMPLETE"), std::string::npos) << s.screen;
    EXPECT_NE(s.screen.find("Created VM 'pw-ok'"), std::string::npos) << s.screen;
    // Progress is drawn only once the create is past polkit, never over the prompt.
    EXPECT_EQ(s.screen.substr(0, s.screen.find("AUTHENTICATION COMPLETE")).find("Creating pw-ok"), std::string::npos)
        << s.screen;
    EXPECT_TRUE(try_get_vm("pw-ok").ok);
}

TEST_F(PolkitPrompt, AWrongPasswordIsRefusedWithExit4AndCreatesNothing) {
    TerminalSession s = create_at_terminal("pw-bad", "not-the-password");
    EXPECT_EQ(s.exit_code, 4) << s.screen;
    EXPECT_NE(s.screen.find("Password: "), std::string::npos) << s.screen;
    EXPECT_NE(s.screen.find("AUTHENTICATION FAILED"), std::string::npos) << s.screen;
    EXPECT_EQ(s.screen.find("Creating pw-bad"), std::string::npos) << s.screen;
    EXPECT_EQ(try_get_vm("pw-bad").error_name, "org.minions.Error.NotFound");
}

// polkit is asked before the VM's lock is taken and without a worker waiting:
// a prompt left open holds nothing, has a deadline, and ends with its caller.
class HeldPrompt : public PolkitPrompt {
protected:
    static constexpr unsigned kAuthTimeout = 8;
    static void SetUpTestSuite() {
        Options options;
        options.auth_timeout_s = kAuthTimeout;
        set_up_with(options);
    }
};

TEST_F(HeldPrompt, AnOpenPromptHoldsNothingAndTimesOutToNo) {
    create("held-a");
    std::atomic<bool> answered{false};
    TerminalSession s;
    std::thread user([&] {
        s = at_terminal({"restart", "held-a"}, "");
        answered = true;
    });
    // Long enough for the CLI, its agent and polkitd to put the prompt up.
    std::this_thread::sleep_for(std::chrono::seconds(3));
    // Meanwhile root stops the very VM the prompt is about, and creates another.
    Outcome stopped = call_vm("held-a", "Stop", [](sdbus::MethodCall& m) { m << true << uint32_t{0} << false; });
    Outcome created = try_create("held-b");
    EXPECT_FALSE(answered) << "both calls were meant to finish while the prompt was open";
    user.join();
    EXPECT_TRUE(stopped.ok) << stopped.error_name << ": " << stopped.error_message;
    EXPECT_TRUE(created.ok) << created.error_name << ": " << created.error_message;
    EXPECT_NE(s.screen.find("Password: "), std::string::npos) << s.screen;
    EXPECT_EQ(s.exit_code, 4) << s.screen;
    EXPECT_NE(s.screen.find("no answer to the password prompt within " + std::to_string(kAuthTimeout) + " s"),
              std::string::npos)
        << s.screen;
    EXPECT_EQ(str(get_vm("held-a").at("Status")), "stopped");
}

TEST_F(HeldPrompt, ClosingTheCallersConnectionCancelsItsPrompt) {
    create("gone-a");
    auto log_size = fs::exists(daemon_log()) ? fs::file_size(daemon_log()) : 0;
    // Killed at the deadline, with the prompt still open.
    TerminalSession s = at_terminal({"restart", "gone-a"}, "", std::chrono::seconds(4));
    EXPECT_EQ(s.exit_code, -1) << s.screen;
    EXPECT_NE(s.screen.find("Password: "), std::string::npos) << s.screen;
    bool cancelled = false;
    for (int i = 0; i < 50 && !cancelled; ++i) {
        std::ifstream log(daemon_log());
        log.seekg(static_cast<std::streamoff>(log_size));
        std::string tail((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
        // Whichever sees the caller go first ends the check: minionsd's watch
        // on its bus name, or polkitd dismissing the prompt of the agent
        // that went with it. Either way the prompt no longer holds a check
        // open until auth_timeout.
        cancelled = tail.find("(restart VM 'gone-a'): the caller went away") != std::string::npos ||
                    tail.find("polkit refused org.minions.power for") != std::string::npos;
        if (!cancelled) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(cancelled) << "the check was still open 5 s after its caller went away";
    EXPECT_EQ(str(get_vm("gone-a").at("Status")), "running");
}

}  // namespace
}  // namespace minions::test
