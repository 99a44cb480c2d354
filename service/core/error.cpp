#include "error.hpp"

#include <array>

namespace minions {
namespace {

// Exit codes: 0 success, 1 failure, 2 usage or bad input, then one per cause
// a script may want to tell apart. Never renumbered (docs/ERRORS.md). HTTP
// statuses are the seed's: a taken name and a wrong state are 400 there.
constexpr std::array kKinds{
    ErrorKind{Errc::NotFound, "not_found", "org.minions.Error.NotFound", 404, 3},
    ErrorKind{Errc::InvalidName, "invalid_name", "org.minions.Error.InvalidName", 400, 2},
    ErrorKind{Errc::InvalidArgument, "invalid_argument", "org.minions.Error.InvalidArgument", 400, 2},
    ErrorKind{Errc::AlreadyExists, "already_exists", "org.minions.Error.AlreadyExists", 400, 7},
    ErrorKind{Errc::InvalidState, "invalid_state", "org.minions.Error.InvalidState", 400, 5},
    ErrorKind{Errc::Busy, "busy", "org.minions.Error.Busy", 409, 8},
    ErrorKind{Errc::Timeout, "timeout", "org.minions.Error.Timeout", 504, 6},
    ErrorKind{Errc::NotAuthorized, "not_authorized", "org.minions.Error.NotAuthorized", 403, 4},
    ErrorKind{Errc::Unauthenticated, "unauthenticated", "org.minions.Error.Unauthenticated", 401, 9},
    ErrorKind{Errc::Unavailable, "unavailable", "org.minions.Error.Unavailable", 503, 10},
    ErrorKind{Errc::Exhausted, "exhausted", "org.minions.Error.Exhausted", 503, 11},
    ErrorKind{Errc::HypervisorFailed, "hypervisor_failed", "org.minions.Error.HypervisorFailed", 500, 1},
    ErrorKind{Errc::AgentFailed, "agent_failed", "org.minions.Error.AgentFailed", 500, 1},
    ErrorKind{Errc::MethodNotAllowed, "method_not_allowed", "org.minions.Error.MethodNotAllowed", 405, 1},
    ErrorKind{Errc::PayloadTooLarge, "payload_too_large", "org.minions.Error.PayloadTooLarge", 413, 2},
    ErrorKind{Errc::UnsupportedMediaType, "unsupported_media_type", "org.minions.Error.UnsupportedMediaType", 415, 2},
    ErrorKind{Errc::LengthRequired, "length_required", "org.minions.Error.LengthRequired", 411, 2},
    ErrorKind{Errc::Internal, "internal", "org.minions.Error.Internal", 500, 1},
};

}  // namespace

const ErrorKind* error_kinds_begin() { return kKinds.data(); }
const ErrorKind* error_kinds_end() { return kKinds.data() + kKinds.size(); }

const ErrorKind& error_kind(Errc errc) {
    for (const auto& k : kKinds)
        if (k.errc == errc) return k;
    return kKinds.back();
}

const ErrorKind& error_kind_by_dbus_name(std::string_view dbus_name) {
    for (const auto& k : kKinds)
        if (k.dbus_name == dbus_name) return k;
    // Refusals that come from the bus itself rather than from minionsd: the
    // bus policy (AccessDenied) and polkit's interactive-authorization reply.
    if (dbus_name == "org.freedesktop.DBus.Error.AccessDenied" ||
        dbus_name == "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired")
        return error_kind(Errc::NotAuthorized);
    return error_kind(Errc::Internal);
}

const ErrorKind& error_kind_by_code(std::string_view code) {
    for (const auto& k : kKinds)
        if (k.code == code) return k;
    return error_kind(Errc::Internal);
}

}  // namespace minions
