#pragma once
// The REST bridge's HTTP side: Pistache's TCP listener with the bridge's own
// connection handling (http_connection.hpp). Every request passes admit()
// (admission.hpp: token, 404/405, then its route's input checks: body,
// unknown fields and query parameters) on the I/O thread; the D-Bus call itself runs on
// the worker pool and is answered when it ends, however long it takes.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pistache/listener.h>

#include "api_operations.hpp"
#include "bus_address.hpp"
#include "http_connection.hpp"
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
    ConnectionRules connections;
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
    // admit() (admission.hpp), then the route's operation: local ones at
    // once, bus ones on the worker pool.
    void dispatch(const Pistache::Http::Request& request, Exchange exchange);
    void run(const ApiRoute& route, const ApiCall& call, Exchange& exchange);

    EndpointSettings settings_;
    // Before the listener, so it is freed after it: Listener::shutdown() only
    // tells the I/O threads to stop, they are joined when the listener is
    // destroyed, and until then they may still hand the pool a request.
    std::unique_ptr<WorkerPool> pool_;
    Pistache::Tcp::Listener listener_;
};

}  // namespace minions::rest
