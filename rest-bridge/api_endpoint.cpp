#include "api_endpoint.hpp"

#include <exception>
#include <iostream>

#include "admission.hpp"
#include "core/error.hpp"
#include "http_reply.hpp"

namespace minions::rest {
namespace {

using namespace Pistache;

// Answers a failure of any kind. Only minions::Error texts reach the client;
// anything else is logged and answered with a fixed sentence.
void reply_failure(Exchange& exchange, std::exception_ptr failure) {
    try {
        std::rethrow_exception(failure);
    } catch (const Error& error) {
        reply_error(exchange, error);
    } catch (const std::exception& e) {
        std::cerr << "minions-rest: unexpected failure: " << e.what() << std::endl;
        reply_error(exchange, Error(Errc::Internal, "unexpected failure in minions-rest (see its log)"));
    } catch (...) {
        reply_error(exchange, Error(Errc::Internal, "unexpected failure in minions-rest (see its log)"));
    }
}

// One connection per worker thread: sd-bus connections are single-threaded.
// Dropped after an Internal or Unavailable failure so a restarted bus is
// picked up again.
thread_local std::unique_ptr<client::ManagerClient> t_manager;

client::ManagerClient& worker_client(const client::BusAddress& bus) {
    if (!t_manager) t_manager = std::make_unique<client::ManagerClient>(bus, /*interactive=*/false);
    return *t_manager;
}

void forget_worker_client() { t_manager.reset(); }

}  // namespace

ApiEndpoint::ApiEndpoint(EndpointSettings settings)
    : settings_(std::move(settings)),
      pool_(std::make_unique<WorkerPool>(settings_.workers, settings_.max_queued)),
      listener_(Address(settings_.listen.host, Port(settings_.listen.port))) {}

ApiEndpoint::~ApiEndpoint() {
    // Let running calls answer through the still-open listener first; the
    // I/O threads may still hand the closed pool requests (refused: 503)
    // until the listener's destruction has joined them.
    pool_->close();
    listener_.shutdown();
}

void ApiEndpoint::start() {
    auto rules = settings_.connections;
    auto reader = std::make_shared<RequestReader>(
        [this](const Http::Request& request, Exchange exchange) { dispatch(request, std::move(exchange)); }, rules);
    listener_.init(static_cast<size_t>(settings_.io_threads), Flags<Tcp::Options>(Tcp::Options::ReuseAddr));
    listener_.setHandler(reader);
    listener_.setTransportFactory([reader, rules] { return std::make_shared<ConnectionTransport>(reader, rules); });
    listener_.bind();
    listener_.runThreaded();
}

uint16_t ApiEndpoint::port() const { return static_cast<uint16_t>(listener_.getPort()); }

std::vector<RouteSpec> ApiEndpoint::routes() {
    std::vector<RouteSpec> specs;
    for (const auto& route : api_routes()) specs.push_back(route.spec);
    return specs;
}

void ApiEndpoint::dispatch(const Http::Request& request, Exchange exchange) {
    try {
        Admitted admitted = admit(request, settings_.token, exchange.response.headers());
        const ApiRoute& route = admitted.route;
        ApiCall& call = admitted.call;
        if (auto local = std::get_if<LocalOperation>(&route.operation)) {
            reply(exchange, route.success_status, (*local)(call));
            return;
        }
        // Shared because std::function needs a copyable job and the writer is move-only.
        auto shared = std::make_shared<Exchange>(std::move(exchange));
        bool queued = pool_->submit([this, &route, call = std::move(call), shared] { run(route, call, *shared); });
        if (!queued) reply_error(*shared, Error(Errc::Unavailable, "too many requests in progress; retry shortly"));
    } catch (...) {
        reply_failure(exchange, std::current_exception());
    }
}

void ApiEndpoint::run(const ApiRoute& route, const ApiCall& call, Exchange& exchange) {
    try {
        auto operation = std::get<BusOperation>(route.operation);
        reply(exchange, route.success_status, operation(worker_client(settings_.bus), call));
    } catch (const Error& error) {
        if (error.code() == Errc::Internal || error.code() == Errc::Unavailable) forget_worker_client();
        reply_error(exchange, error);
    } catch (...) {
        forget_worker_client();
        reply_failure(exchange, std::current_exception());
    }
}

}  // namespace minions::rest
