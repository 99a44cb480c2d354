#include "error_hints.hpp"

#include <string_view>

#include "remote_api.hpp"

namespace minions::cli {

namespace {

bool says(const Error& error, std::string_view text) {
    return std::string_view(error.what()).find(text) != std::string_view::npos;
}

std::string hint_text(const Invocation& inv, const Error& error, bool remote) {
    switch (error.code()) {
        case Errc::NotAuthorized:
            return remote ? "the server's service refused the operation"
                          : "add yourself to group 'minions' (sudo usermod -aG minions $USER, then log in "
                            "again), or run the command with sudo";
        case Errc::Unauthenticated:
            return "pass --token-file FILE, set MINIONS_API_KEY, or put 'token_file = FILE' in "
                   "~/.config/minions/config";
        case Errc::NotFound: return "'minions list' shows the existing VMs";
        case Errc::InvalidState:
            if (inv.command == Command::Rename) return "stop it first: minions stop " + inv.name;
            if (inv.command == Command::Restart) return "start it first: minions start " + inv.name;
            return "'minions info " + inv.name + "' shows its status";
        case Errc::Timeout:
            // sd-bus reports a daemon that went away mid-call as no reply.
            if (!remote && says(error, "disconnected"))
                return "minionsd stopped during the call (journalctl -u minionsd says why); "
                       "'minions info " + inv.name + "' shows where the VM is";
            if (inv.command == Command::Stop && !inv.force)
                return "force it off: minions stop --force " + inv.name;
            if (inv.command == Command::Stop || inv.command == Command::Exec) return "retry with a longer --timeout";
            if (inv.name.empty()) return "";
            return "the operation may still finish: 'minions info " + inv.name + "' shows the VM's status";
        case Errc::Busy: return "another operation is running on this VM; retry when it ends";
        case Errc::Unavailable:
            if (remote && std::string_view(error.what()).rfind(kCannotReach, 0) == 0)
                return "check the URL given with --host, and that minions-rest runs there";
            if (remote) return "minions-rest answers but minionsd behind it does not; on the server: systemctl status minionsd";
            return "is the minions service installed and running? (systemctl status minionsd)";
        case Errc::Internal:
            if (remote) return "check that the server given with --host is reachable and runs minions-rest";
            return "minionsd's log says more (journalctl -u minionsd)";
        default: return "";
    }
}

}  // namespace

std::string hint_for(const Invocation& inv, const Error& error, bool remote) {
    std::string hint = hint_text(inv, error, remote);
    // A hint the message already gives (the service's own "force it with:
    // minions stop --force web") would only repeat it.
    auto command = hint.find("minions ");
    if (!hint.empty() && says(error, command == std::string::npos ? hint : hint.substr(command))) return "";
    return hint;
}

}  // namespace minions::cli
