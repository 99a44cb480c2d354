#include "dbus_error.hpp"

#include <string_view>

namespace minions::client {
namespace {

// Failures that mean nobody answered on the bus rather than that the service
// refused: the raw sd-bus text ("The name is not activatable") does not say
// which name, so say it.
bool service_unreachable(std::string_view name) {
    return name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
           name == "org.freedesktop.DBus.Error.NameHasNoOwner" ||
           name == "org.freedesktop.DBus.Error.NoServer" ||
           name == "org.freedesktop.DBus.Error.Disconnected";
}

}  // namespace

Error to_minions_error(const sdbus::Error& error) {
    const ErrorKind& kind = error_kind_by_dbus_name(error.getName());
    std::string message = error.getMessage();
    if (service_unreachable(error.getName()))
        message = "the minions service (org.minions.Manager) is not available on the bus: " + message;
    else if (message.empty())
        message = error.getName();
    return Error(kind.code, message);
}

}  // namespace minions::client
