#include "local_api.hpp"

namespace minions::cli {

LocalApi::LocalApi(client::BusAddress bus, bool interactive) : bus_(std::move(bus)), interactive_(interactive) {}

client::ManagerClient& LocalApi::manager() {
    if (!manager_) manager_ = std::make_unique<client::ManagerClient>(bus_, interactive_);
    return *manager_;
}

}  // namespace minions::cli
