#pragma once
// Which bus a client talks to: the system bus (production), the session bus,
// or an explicit address (tests run a private dbus-daemon).
#include <memory>
#include <string>

#include <sdbus-c++/IConnection.h>

namespace minions::client {

struct BusAddress {
    enum class Kind { System, Session, Explicit };
    Kind kind = Kind::System;
    std::string address;  // only for Explicit, e.g. "unix:path=/tmp/bus"
};

// "system", "session" or a D-Bus address such as "unix:path=…".
BusAddress parse_bus_address(const std::string& text);

// A new connection; throws minions::Error (Internal) when the bus is unreachable.
std::unique_ptr<sdbus::IConnection> open_connection(const BusAddress& bus);

}  // namespace minions::client
