#include "authority.hpp"

#include <polkit/polkit.h>

#include <iostream>
#include <memory>
#include <mutex>

#include "core/error.hpp"

namespace minions {
namespace {

struct GObjectUnref {
    void operator()(gpointer object) const { g_object_unref(object); }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GErrorFree {
    void operator()(GError* error) const { g_error_free(error); }
};
using GErrorPtr = std::unique_ptr<GError, GErrorFree>;

// Same shape as the daemon's log lines: sd-daemon priority prefix on stderr.
void log_error(const std::string& message) {
    std::cerr << ("<3>minions-polkit: " + message + "\n") << std::flush;
}

// The process's one PolkitAuthority. polkit's *_sync calls run their own
// GMainContext per call, so a shared authority may be used from any thread
// without a running main loop. Its proxy still receives signals (polkitd
// appearing, restarting, reloading) through the main context that was current
// when it was made: it gets a private one, drained before each use, so those
// signals are neither lost nor piling up in a context nobody runs.
class SharedAuthority {
public:
    SharedAuthority() : context_(g_main_context_new()) {}
    ~SharedAuthority() = delete;
    SharedAuthority(const SharedAuthority&) = delete;
    SharedAuthority& operator=(const SharedAuthority&) = delete;

    // A new reference, or null with `failure` set.
    GPtr<PolkitAuthority> get(std::string& failure) {
        std::lock_guard lock(mutex_);
        while (g_main_context_iteration(context_, FALSE)) {
        }
        if (bus_ && g_dbus_connection_is_closed(bus_.get())) {
            // The bus went away; start over with whatever connection GLib gives next.
            authority_.reset();
            bus_.reset();
        }
        if (!authority_) {
            g_main_context_push_thread_default(context_);
            authority_ = make(failure);
            g_main_context_pop_thread_default(context_);
            if (!authority_) return nullptr;
        }
        return GPtr<PolkitAuthority>{POLKIT_AUTHORITY(g_object_ref(authority_.get()))};
    }

    // Drops `stale` (after a failed call) so that the next get() starts afresh.
    void forget(PolkitAuthority* stale) {
        std::lock_guard lock(mutex_);
        if (authority_.get() == stale) authority_.reset();
    }

    static std::string take(GError* raw) {
        GErrorPtr error{raw};
        return error ? error->message : "unknown error";
    }

private:
    GPtr<PolkitAuthority> make(std::string& failure) {
        GError* raw = nullptr;
        GPtr<GDBusConnection> bus{g_bus_get_sync(G_BUS_TYPE_SYSTEM, nullptr, &raw)};
        if (!bus) {
            failure = "cannot connect to the system bus: " + take(raw);
            return nullptr;
        }
        // polkit uses GLib's shared system-bus connection, which by default
        // kills the whole process when the bus closes. Losing the bus must
        // mean "no" here, not an exit behind the daemon's back.
        g_dbus_connection_set_exit_on_close(bus.get(), FALSE);
        GPtr<PolkitAuthority> authority{polkit_authority_get_sync(nullptr, &raw)};
        if (!authority) {
            failure = "cannot reach polkit: " + take(raw);
            return nullptr;
        }
        bus_ = std::move(bus);
        return authority;
    }

    std::mutex mutex_;
    GMainContext* context_;
    GPtr<GDBusConnection> bus_;
    GPtr<PolkitAuthority> authority_;
};

SharedAuthority& shared_authority() {
    // Never destroyed: worker threads may still ask while the process exits.
    static auto* instance = new SharedAuthority;
    return *instance;
}

// One CheckAuthorization call; null with `failure` set when polkit could not answer.
GPtr<PolkitAuthorizationResult> ask_once(PolkitAuthority* authority, const std::string& bus_name,
                                         const std::string& action_id,
                                         const std::map<std::string, std::string>& details,
                                         bool allow_interactive, std::string& failure) {
    GPtr<PolkitSubject> subject{polkit_system_bus_name_new(bus_name.c_str())};
    GPtr<PolkitDetails> polkit_details{polkit_details_new()};
    for (const auto& [key, value] : details)
        polkit_details_insert(polkit_details.get(), key.c_str(), value.c_str());
    auto flags = allow_interactive ? POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION
                                   : POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;
    GError* raw = nullptr;
    GPtr<PolkitAuthorizationResult> result{polkit_authority_check_authorization_sync(
        authority, subject.get(), action_id.c_str(), polkit_details.get(), flags, nullptr, &raw)};
    if (!result)
        failure = "polkit could not check " + action_id + " for " + bus_name + ": " +
                  SharedAuthority::take(raw);
    return result;
}

// Authority::check, also saying why polkit could not answer (`failure`).
Authority::Result ask(const std::string& bus_name, const std::string& action_id,
                      const std::map<std::string, std::string>& details, bool allow_interactive,
                      std::string& failure) {
    GPtr<PolkitAuthorizationResult> result;
    // A failed call may only mean that polkitd restarted since the proxy last
    // looked; one retry with a fresh authority tells that from "polkit is gone".
    for (int attempt = 0; attempt < 2 && !result; ++attempt) {
        failure.clear();
        GPtr<PolkitAuthority> authority = shared_authority().get(failure);
        if (!authority) return Authority::Result::Denied;
        result = ask_once(authority.get(), bus_name, action_id, details, allow_interactive, failure);
        if (!result) shared_authority().forget(authority.get());
    }
    if (!result) return Authority::Result::Denied;
    if (polkit_authorization_result_get_is_authorized(result.get()))
        return Authority::Result::Allowed;
    if (polkit_authorization_result_get_is_challenge(result.get()))
        return Authority::Result::Challenge;
    return Authority::Result::Denied;
}

}  // namespace

Authority::Result Authority::check(const std::string& bus_name, const std::string& action_id,
                                   const std::map<std::string, std::string>& details,
                                   bool allow_interactive) {
    std::string failure;
    Result result = ask(bus_name, action_id, details, allow_interactive, failure);
    if (!failure.empty()) log_error(failure);
    return result;
}

void Authority::authorize(const AuthRequest& request) {
    std::map<std::string, std::string> details{
        {"name", request.vm_name}, {"id", request.vm_id}, {"verb", request.verb}};
    std::string failure;
    // Goes through ask() rather than check() to tell "polkit said no" from
    // "polkit could not be asked"; both refuse.
    Authority::Result result =
        ask(request.bus_name, request.action_id, details, request.interactive, failure);
    if (result == Authority::Result::Allowed) return;

    std::string what = "Not authorized to " + request.verb + " VM '" + request.vm_name + "'";
    if (!failure.empty()) {
        log_error(failure);
        throw Error{Errc::AccessDenied,
                    what + ": the authorization service (polkit) could not answer, so the "
                           "answer is no; check that polkitd is running"};
    }
    if (result == Authority::Result::Challenge && !request.interactive)
        throw Error{Errc::AccessDenied,
                    what + " without authentication: allow interactive authorization (a polkit "
                           "agent will ask for an administrator's password), or ask an "
                           "administrator to add you to group 'minions'"};
    throw Error{Errc::AccessDenied,
                what + ": ask an administrator to add you to group 'minions'"};
}

}  // namespace minions
