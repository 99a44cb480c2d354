#pragma once
// Asks polkit whether the caller of a D-Bus method may perform an action.
// The subject is the caller's unique bus name, so polkitd itself looks up
// the caller's uid, pid and session; we never trust what the caller says.
// When polkitd cannot answer, the answer is no (fail closed).
#include <map>
#include <string>
#include <string_view>

namespace minions {

// The action ids of polkit/org.minions.policy, one per kind of operation.
namespace actions {
inline constexpr std::string_view kRead = "org.minions.read";  // logs, agent status
inline constexpr std::string_view kCreate = "org.minions.create";
inline constexpr std::string_view kPower = "org.minions.power";  // start, stop, restart
inline constexpr std::string_view kRename = "org.minions.rename";
inline constexpr std::string_view kCopy = "org.minions.copy";
inline constexpr std::string_view kDestroy = "org.minions.destroy";
inline constexpr std::string_view kExec = "org.minions.exec";
}  // namespace actions

// What a mutating method asks before acting.
struct AuthRequest {
    std::string bus_name;   // the caller's unique name (":1.42")
    std::string action_id;  // one of actions::k*
    std::string verb;       // "start", "rename", ... as the user would say it
    std::string vm_name;    // passed to polkit as detail "name"
    std::string vm_id;      // detail "id": survives renames ("" before create)
    bool interactive = false;
};

class Authority {
public:
    enum class Result {
        Allowed,
        Denied,     // no, or polkit could not answer
        Challenge,  // yes after authentication, which the caller did not allow
    };

    // Blocks until polkitd answers (with allow_interactive, until the user has
    // typed a password into their agent). Safe from any thread; all instances
    // share one connection to polkitd, created on first use. Never throws:
    // every failure is logged and answered Denied.
    Result check(const std::string& bus_name, const std::string& action_id,
                 const std::map<std::string, std::string>& details, bool allow_interactive);

    // Throws Error{Errc::AccessDenied} with a message saying what was refused
    // and what to do, unless polkit allows the request.
    // Details passed to polkit: name, id, verb.
    void authorize(const AuthRequest& request);
};

}  // namespace minions
