#pragma once
// Local mode: the system bus through ManagerClient, connected on first use.
#include <memory>

#include "api.hpp"

namespace minions::cli {

class LocalApi final : public Api {
public:
    LocalApi(client::BusAddress bus, bool interactive);

    nlohmann::json create(const client::CreateRequest& request) override { return manager().create(request); }
    nlohmann::json list() override { return manager().list(); }
    nlohmann::json get(const std::string& name) override { return manager().get(name); }
    nlohmann::json start(const std::string& name) override { return manager().start(name); }
    nlohmann::json stop(const std::string& name, const client::StopRequest& request) override {
        return manager().stop(name, request);
    }
    nlohmann::json restart(const std::string& name) override { return manager().restart(name); }
    nlohmann::json rename(const std::string& name, const std::string& new_name) override {
        return manager().rename(name, new_name);
    }
    nlohmann::json copy(const std::string& name, const std::string& new_name, const std::string& ssh_key) override {
        return manager().copy(name, new_name, ssh_key);
    }
    nlohmann::json destroy(const std::string& name) override { return manager().destroy(name); }
    nlohmann::json exec(const std::string& name, const client::ExecRequest& request) override {
        return manager().exec(name, request);
    }
    nlohmann::json agent_status(const std::string& name) override { return manager().agent_status(name); }
    nlohmann::json logs(const std::string& name, uint32_t max_bytes) override {
        return manager().logs(name, max_bytes);
    }
    nlohmann::json server_version() override;

    std::unique_ptr<Api> another() const override { return std::make_unique<LocalApi>(bus_, false); }
    bool is_remote() const override { return false; }

private:
    client::ManagerClient& manager();

    client::BusAddress bus_;
    bool interactive_;
    std::unique_ptr<client::ManagerClient> manager_;
};

}  // namespace minions::cli
