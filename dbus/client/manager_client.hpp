#pragma once
// ManagerClient: every operation of org.minions.Manager and org.minions.VM,
// answering in the seed's JSON shapes (VM object, array of VMs, {"message"},
// {"exit_code","stdout","stderr"}). Failures are thrown as minions::Error
// carrying the service's message.
//
// One instance owns one bus connection and is not thread-safe: give each
// thread its own (sd-bus connections must not be shared between threads).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sdbus-c++/IConnection.h>

#include "bus_address.hpp"

namespace minions::client {

struct CreateRequest {
    std::string name;
    uint32_t cpus = 0;       // 0: the service's default
    uint32_t memory_mb = 0;  // 0: the service's default
    std::string ssh_key;     // one OpenSSH public key line, or ""
};

struct StopRequest {
    bool force = false;
    // nullopt: the service's default; with force, 0 kills at once.
    std::optional<uint32_t> timeout_s;
};

struct ExecRequest {
    std::string command;
    std::vector<std::string> args;
    uint32_t timeout_s = 0;  // 0: the service's default
};

// Create and copy boot a VM and wait for its agent: far longer than sd-bus's
// 25 s default. The service enforces its own deadlines underneath this one.
inline constexpr std::chrono::minutes kDefaultCallTimeout{10};

// What the REST bridge asks of minionsd. ManagerClient answers over D-Bus;
// the fuzz targets give the bridge a fake that records the call.
class Manager {
public:
    virtual ~Manager() = default;
    virtual nlohmann::json create(const CreateRequest& request) = 0;
    virtual nlohmann::json list() = 0;
    virtual nlohmann::json get(const std::string& name) = 0;
    virtual nlohmann::json start(const std::string& name) = 0;
    virtual nlohmann::json stop(const std::string& name, const StopRequest& request) = 0;
    virtual nlohmann::json restart(const std::string& name) = 0;
    virtual nlohmann::json rename(const std::string& name, const std::string& new_name) = 0;
    virtual nlohmann::json copy(const std::string& name, const std::string& new_name, const std::string& ssh_key) = 0;
    virtual nlohmann::json destroy(const std::string& name) = 0;
    virtual nlohmann::json exec(const std::string& name, const ExecRequest& request) = 0;
    virtual nlohmann::json agent_status(const std::string& name) = 0;
    virtual nlohmann::json logs(const std::string& name, uint32_t max_bytes) = 0;
};

class ManagerClient final : public Manager {
public:
    // `interactive`: let polkit ask for a password through an agent.
    ManagerClient(std::unique_ptr<sdbus::IConnection> connection, bool interactive,
                  std::chrono::microseconds call_timeout = kDefaultCallTimeout);
    ManagerClient(const BusAddress& bus, bool interactive);
    ~ManagerClient() override;
    ManagerClient(const ManagerClient&) = delete;
    ManagerClient& operator=(const ManagerClient&) = delete;

    nlohmann::json create(const CreateRequest& request) override;
    nlohmann::json list() override;
    nlohmann::json get(const std::string& name) override;
    nlohmann::json start(const std::string& name) override;
    nlohmann::json stop(const std::string& name, const StopRequest& request) override;
    nlohmann::json restart(const std::string& name) override;
    nlohmann::json rename(const std::string& name, const std::string& new_name) override;
    nlohmann::json copy(const std::string& name, const std::string& new_name, const std::string& ssh_key) override;
    nlohmann::json destroy(const std::string& name) override;
    nlohmann::json exec(const std::string& name, const ExecRequest& request) override;
    nlohmann::json agent_status(const std::string& name) override;
    nlohmann::json logs(const std::string& name, uint32_t max_bytes = 0) override;

private:
    class Proxies;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<Proxies> proxies_;
    bool interactive_;
};

}  // namespace minions::client
