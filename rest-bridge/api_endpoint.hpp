#pragma once
// The REST bridge's HTTP side: one Pistache endpoint and router. Every request
// passes admit() (token, then 404/405), then its route's body checks on the
// I/O thread; the D-Bus call itself runs on the worker pool.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pistache/endpoint.h>
#include <pistache/router.h>

#include "api_operations.hpp"
#include "bus_address.hpp"
#include "listen_address.hpp"
#include "route_table.hpp"
#include "worker_pool.hpp"

namespace minions::rest {

struct EndpointSettings {
    ListenAddress listen;
    std::optional<std::string> token;  // nullopt: no authentication (loopback only)
    client::BusAddress bus;
    int io_threads = 2;
    size_t workers = 8;        // concurrent D-Bus calls
    size_t max_queued = 256;   // waiting calls before answering 503
};

class ApiEndpoint {
public:
    explicit ApiEndpoint(EndpointSettings settings);
    ~ApiEndpoint();
    ApiEndpoint(const ApiEndpoint&) = delete;
    ApiEndpoint& operator=(const ApiEndpoint&) = delete;

    // Binds and serves on background threads; throws if the address is taken.
    void start();
    uint16_t port() const;

    // Every route this endpoint serves, for docs and tests.
    static std::vector<RouteSpec> routes();

private:
    void setupRoutes();
    bool admit(Pistache::Http::Request& request, Pistache::Http::ResponseWriter& response);
    void serve(const ApiRoute& route, const Pistache::Rest::Request& request,
               Pistache::Http::ResponseWriter response);
    void run(const ApiRoute& route, const ApiCall& call, Pistache::Http::ResponseWriter& response);

    EndpointSettings settings_;
    Pistache::Http::Endpoint http_;
    Pistache::Rest::Router router_;
    std::unique_ptr<WorkerPool> pool_;
};

}  // namespace minions::rest
