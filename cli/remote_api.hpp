#pragma once
// Remote mode: the same operations against a minions-rest server with libcurl.
// HTTP failures come back as minions::Error with the server's {"error"} text;
// the X-Minions-Error header names the error so exit codes match local mode.
#include <memory>
#include <optional>
#include <string>

#include "api.hpp"

namespace minions::cli {

// How the message of a failure to reach the server at all begins (no HTTP
// answer); the hints tell it from the bridge's own 503.
inline constexpr const char* kCannotReach = "cannot reach ";

class RemoteApi final : public Api {
public:
    // `base_url` like "http://host:3000"; call the process-wide
    // curl_global_init before constructing one.
    RemoteApi(std::string base_url, std::optional<std::string> token);

    nlohmann::json create(const client::CreateRequest& request) override;
    nlohmann::json list() override;
    nlohmann::json get(const std::string& name) override;
    nlohmann::json start(const std::string& name) override;
    nlohmann::json stop(const std::string& name, const client::StopRequest& request) override;
    nlohmann::json restart(const std::string& name) override;
    nlohmann::json rename(const std::string& name, const std::string& new_name) override;
    nlohmann::json copy(const std::string& name, const std::string& new_name, const std::string& ssh_key) override;
    nlohmann::json destroy(const std::string& name) override;
    nlohmann::json exec(const std::string& name, const client::ExecRequest& request) override;
    nlohmann::json agent_status(const std::string& name) override;
    nlohmann::json logs(const std::string& name, uint32_t max_bytes) override;
    nlohmann::json server_version() override;

    std::unique_ptr<Api> another() const override { return std::make_unique<RemoteApi>(base_url_, token_); }
    bool is_remote() const override { return true; }

private:
    nlohmann::json call(const char* method, const std::string& path,
                        const std::optional<nlohmann::json>& body = std::nullopt);
    std::string vm_path(const std::string& name, const char* suffix = "");

    std::string base_url_;
    std::optional<std::string> token_;
};

}  // namespace minions::cli
