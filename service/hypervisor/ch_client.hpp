#pragma once
// Cloud Hypervisor's REST API (reference/cloud-hypervisor/cloud-hypervisor.yaml)
// spoken over its --api-socket with libcurl. Each call is one request with
// its own timeout; a non-2xx answer throws Error{HypervisorFailed} carrying
// the status and body, so callers can tell "not booted" (405) from a crash.
#include <chrono>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace minions::hv {

struct ChResponse {
    long status = 0;
    std::string body;
};

class ChClient {
public:
    explicit ChClient(std::filesystem::path api_socket,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // Raw exchange: never throws on an HTTP status, only on transport failure
    // (socket missing, connection dropped, timeout).
    ChResponse request(const std::string& method, const std::string& endpoint, const std::string& body = "");
    ChResponse request(const std::string& method, const std::string& endpoint, const std::string& body,
                       std::chrono::milliseconds timeout);

    // PUT /api/v1/<endpoint>; throws unless 2xx.
    void put(const std::string& endpoint, const nlohmann::json& body = nullptr);
    // GET /api/v1/<endpoint>; throws unless 2xx; the body parsed as JSON.
    nlohmann::json get(const std::string& endpoint);

    nlohmann::json ping() { return get("vmm.ping"); }
    nlohmann::json info() { return get("vm.info"); }

    const std::filesystem::path& socket() const { return socket_; }

private:
    std::filesystem::path socket_;
    std::chrono::milliseconds timeout_;
};

// A non-2xx answer: still Error{HypervisorFailed} for every caller, with the
// status kept so drivers and tests can tell the cases apart.
class ChApiError : public Error {
public:
    ChApiError(long status, const std::string& message) : Error(Errc::HypervisorFailed, message), status_(status) {}
    long status() const noexcept { return status_; }

private:
    long status_;
};

// Reading Cloud Hypervisor's answers, apart from the socket, so tests and
// fuzz targets can feed them. `call` names the request ("GET vm.info").
namespace ch {

// Nothing unless 2xx: ChApiError with the status and (shortened) body.
void check_status(const ChResponse& response, const std::string& call);
// A 2xx answer's body as JSON of at most protocol::kMaxJsonNesting levels;
// Error{HypervisorFailed} for anything else.
nlohmann::json parse_body(const ChResponse& response, const std::string& call);
// The "state" of a vm.info answer ("Created", "Running", ...); "" when it has none.
std::string vm_state(const nlohmann::json& info);

}  // namespace ch

}  // namespace minions::hv
