#include "local_api.hpp"

#include <chrono>

#include <sdbus-c++/IProxy.h>
#include <sdbus-c++/Types.h>

#include "dbus_error.hpp"

namespace minions::cli {

LocalApi::LocalApi(client::BusAddress bus, bool interactive) : bus_(std::move(bus)), interactive_(interactive) {}

client::ManagerClient& LocalApi::manager() {
    if (!manager_) manager_ = std::make_unique<client::ManagerClient>(bus_, interactive_);
    return *manager_;
}

nlohmann::json LocalApi::server_version() {
    auto connection = client::open_connection(bus_);
    // A property read: no polkit, no operation; answered at once or never.
    connection->setMethodCallTimeout(std::chrono::seconds(10));
    try {
        auto proxy = sdbus::createProxy(*connection, "org.minions.Manager", "/org/minions");
        std::string version = proxy->getProperty("Version").onInterface("org.minions.Manager").get<std::string>();
        return nlohmann::json{{"version", version}};
    } catch (const sdbus::Error& e) {
        throw client::to_minions_error(e);
    }
}

}  // namespace minions::cli
