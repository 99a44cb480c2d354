#pragma once
// Asks polkit whether the caller of a D-Bus method may perform an action.
// The subject is the caller's unique bus name, so polkitd itself looks up
// the caller's uid, pid and session; we never trust what the caller says.
// When polkitd cannot answer, the answer is no (fail closed).
//
// Checks are asynchronous: they run on one GLib main loop thread of their
// own, so no thread of the caller waits while a password prompt is open, and
// every check has a deadline (a prompt left open, a polkitd that hangs).
#include <chrono>
#include <exception>
#include <functional>
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

    // nullptr when allowed; otherwise the Error{NotAuthorized} to reply (or
    // Error{Unavailable} once shutdown() ran).
    using Done = std::function<void(std::exception_ptr refusal)>;

    // An interactive check (the user may be typing a password) is answered
    // no after `interactive_timeout`; one that may not ask after kNonInteractiveTimeout.
    static constexpr std::chrono::seconds kNonInteractiveTimeout{20};
    explicit Authority(std::chrono::milliseconds interactive_timeout = std::chrono::minutes(5));

    // Starts the check and returns at once. `done` is called exactly once, on
    // the polkit thread: keep it short (hand the work on). An interactive
    // check is cancelled when the caller's bus name goes away.
    // Details passed to polkit: name, id, verb.
    void authorize_async(const AuthRequest& request, Done done);

    // Blocking forms of the same check, for tools and tests.
    // Throws Error{NotAuthorized} with a message saying what was refused and what to do.
    void authorize(const AuthRequest& request);
    // Never throws: every failure is logged and answered Denied.
    Result check(const std::string& bus_name, const std::string& action_id,
                 const std::map<std::string, std::string>& details, bool allow_interactive);

    // Cancels every pending check (each is refused with Error{Unavailable})
    // and refuses new ones: for the daemon's shutdown. Process-wide.
    static void shutdown();

private:
    std::chrono::milliseconds interactive_timeout_;
};

}  // namespace minions
