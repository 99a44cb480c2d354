#include "bus_address.hpp"

#include <sdbus-c++/Error.h>

#include "dbus_error.hpp"

namespace minions::client {

BusAddress parse_bus_address(const std::string& text) {
    if (text == "system") return {BusAddress::Kind::System, {}};
    if (text == "session") return {BusAddress::Kind::Session, {}};
    return {BusAddress::Kind::Explicit, text};
}

std::unique_ptr<sdbus::IConnection> open_connection(const BusAddress& bus) {
    try {
        switch (bus.kind) {
            case BusAddress::Kind::System: return sdbus::createSystemBusConnection();
            case BusAddress::Kind::Session: return sdbus::createSessionBusConnection();
            case BusAddress::Kind::Explicit:
                // sd-bus treats any address alike; the "session" factory is just
                // the one of the 1.2.0 API that accepts an address.
                return sdbus::createSessionBusConnectionWithAddress(bus.address);
        }
    } catch (const sdbus::Error& e) {
        throw Error(Errc::Unavailable, "cannot connect to the D-Bus " +
                                        std::string(bus.kind == BusAddress::Kind::System ? "system bus" : "bus") +
                                        ": " + e.getMessage());
    }
    throw to_minions_error(sdbus::Error("org.minions.Error.Internal", "unknown bus kind"));
}

}  // namespace minions::client
