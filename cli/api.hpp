#pragma once
// The operations the CLI runs, whether over D-Bus (local) or HTTP (remote).
// Both answer in the same JSON shapes, so everything after this point (the
// printer, the exit codes) has one code path.
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "manager_client.hpp"

namespace minions::cli {

class Api {
public:
    virtual ~Api() = default;

    virtual nlohmann::json create(const client::CreateRequest& request) = 0;
    virtual nlohmann::json list() = 0;
    virtual nlohmann::json get(const std::string& name) = 0;
    virtual nlohmann::json start(const std::string& name) = 0;
    virtual nlohmann::json stop(const std::string& name, const client::StopRequest& request) = 0;
    virtual nlohmann::json restart(const std::string& name) = 0;
    virtual nlohmann::json rename(const std::string& name, const std::string& new_name) = 0;
    virtual nlohmann::json copy(const std::string& name, const std::string& new_name, const std::string& ssh_key) = 0;
    virtual nlohmann::json destroy(const std::string& name) = 0;
    virtual nlohmann::json exec(const std::string& name, const client::ExecRequest& request) = 0;
    virtual nlohmann::json agent_status(const std::string& name) = 0;
    virtual nlohmann::json logs(const std::string& name, uint32_t max_bytes) = 0;
    // The server's version object: locally {"version"} (the Manager's Version
    // property), remotely what GET /api answers ({"api_version", "version"}).
    virtual nlohmann::json server_version() = 0;

    // An independent instance for another thread (the progress display).
    virtual std::unique_ptr<Api> another() const = 0;
    // Remote mode: errors and hints then talk about the server, not the bus.
    virtual bool is_remote() const = 0;
};

}  // namespace minions::cli
