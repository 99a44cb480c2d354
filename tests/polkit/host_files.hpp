#pragma once
// For a test that runs something which writes into the host's own
// directories (scripts/demo.sh installs org.minions.policy into
// /usr/share/polkit-1/actions, the only place polkitd reads actions from):
// what was at each guarded path before the first guard (a file's content,
// mode, owner and times; a symbolic link's target; or nothing) is saved, and
// put back exactly when the last guard goes, and then the times of its
// directory too.
//
//   HostFileGuard guard({"/usr/share/polkit-1/actions/org.minions.policy"});
//   ... run the script ...
//   // ~HostFileGuard: the file is as it was (or absent again)
//
// Guards in any number of test processes at once (ctest -j) share one ledger
// (a directory under /var/tmp, which survives a reboot, kept under flock):
// each guard registers as a holder; the first to guard a path saves it; the
// path is restored when no holder is left. A holder that died without
// restoring (a killed test) is noticed by the next guard, which restores the
// stale backups first when no live holder remains. A holder is alive while a
// process with its pid, start time and boot id runs.
//
// The PrivateBus harness needs no guard for polkit's files: its polkitd reads
// a private copy of the polkit directories (tests/polkit/private_bus.hpp).
// The test users that ensure_user() creates are recorded here too and
// removed again the same way.
#include <filesystem>
#include <string>
#include <vector>

namespace minions::test {

class HostFileGuard {
public:
    // No paths: only a holder, keeping what others saved (and the accounts
    // below) in place while it lives.
    explicit HostFileGuard(std::vector<std::filesystem::path> paths);
    ~HostFileGuard();  // restores when it is the last holder; never throws
    HostFileGuard(const HostFileGuard&) = delete;
    HostFileGuard& operator=(const HostFileGuard&) = delete;

    // The ledger's directory: $MINIONS_TEST_HOST_STATE, else
    // /var/tmp/minions-test-host-files.
    static std::filesystem::path ledger();

    // An account change a test made on the host, undone with the files when
    // the last holder goes (or by the next guard after a kill): kind "user"
    // (userdel), "group" (groupdel) or "member" (`name` taken out of `group`).
    // Call it while holding a guard, right after the change.
    static void record_account(const std::string& kind, const std::string& name, const std::string& group = "");

private:
    std::filesystem::path holder_;
};

}  // namespace minions::test
