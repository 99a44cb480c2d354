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

class ManagerClient {
public:
    // `interactive`: let polkit ask for a password through an agent.
    ManagerClient(std::unique_ptr<sdbus::IConnection> connection, bool interactive,
                  std::chrono::microseconds call_timeout = kDefaultCallTimeout);
    ManagerClient(const BusAddress& bus, bool interactive);
    ~ManagerClient();
    ManagerClient(const ManagerClient&) = delete;
    ManagerClient& operator=(const ManagerClient&) = delete;

    nlohmann::json create(const CreateRequest& request);
    nlohmann::json list();
    nlohmann::json get(const std::string& name);
    nlohmann::json start(const std::string& name);
    nlohmann::json stop(const std::string& name, const StopRequest& request);
    nlohmann::json restart(const std::string& name);
    nlohmann::json rename(const std::string& name, const std::string& new_name);
    nlohmann::json copy(const std::string& name, const std::string& new_name, const std::string& ssh_key);
    nlohmann::json destroy(const std::string& name);
    nlohmann::json exec(const std::string& name, const ExecRequest& request);
    nlohmann::json agent_status(const std::string& name);
    nlohmann::json logs(const std::string& name, uint32_t max_bytes = 0);

private:
    class Proxies;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<Proxies> proxies_;
    bool interactive_;
};

}  // namespace minions::client
