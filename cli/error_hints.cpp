#include "error_hints.hpp"

namespace minions::cli {

std::string hint_for(const Invocation& inv, const Error& error, bool remote) {
    switch (error.code()) {
        case Errc::AccessDenied:
            return remote ? "the server's service refused the operation"
                          : "add yourself to group 'minions' (sudo usermod -aG minions $USER, then log in "
                            "again), or run the command with sudo";
        case Errc::Unauthorized:
            return "pass --token, set MINIONS_API_KEY, or put 'token = …' in ~/.config/minions/config";
        case Errc::NotFound: return "'minions list' shows the existing VMs";
        case Errc::InvalidState:
            if (inv.command == Command::Rename) return "stop it first: minions stop " + inv.name;
            if (inv.command == Command::Restart) return "start it first: minions start " + inv.name;
            return "'minions info " + inv.name + "' shows its status";
        case Errc::Timeout:
            if (inv.command == Command::Stop && !inv.force)
                return "force it off: minions stop --force " + inv.name;
            return "retry with a longer --timeout";
        case Errc::Busy: return "another operation is running on this VM; retry when it ends";
        case Errc::Unavailable:
            if (remote) return "minions-rest answers but minionsd behind it does not; on the server: systemctl status minionsd";
            return "is the minions service installed and running? (systemctl status minionsd)";
        case Errc::Internal:
            if (remote) return "check that the server given with --host is reachable and runs minions-rest";
            return "minionsd's log says more (journalctl -u minionsd)";
        default: return "";
    }
}

}  // namespace minions::cli
