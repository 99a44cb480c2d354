#include "api_endpoint.hpp"

#include <algorithm>
#include <exception>
#include <iostream>

#include "bearer_token.hpp"
#include "core/error.hpp"
#include "http_reply.hpp"
#include "text_header.hpp"

namespace minions::rest {
namespace {

using namespace Pistache;

std::optional<Verb> verb_of(Http::Method method) {
    switch (method) {
        case Http::Method::Get: return Verb::Get;
        case Http::Method::Post: return Verb::Post;
        case Http::Method::Delete: return Verb::Delete;
        default: return std::nullopt;
    }
}

std::optional<std::string> authorization_of(const Http::Request& request) {
    auto header = request.headers().tryGet<Http::Header::Authorization>();
    if (!header) return std::nullopt;
    return header->value();
}

std::optional<std::string> content_type_of(const Http::Request& request) {
    auto header = request.headers().tryGet<Http::Header::ContentType>();
    if (!header) return std::nullopt;
    return header->mime().toString();
}

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
    const ApiRoute* route = nullptr;
    try {
        route = admit(request, exchange);
    } catch (...) {
        reply_failure(exchange, std::current_exception());
        return;
    }
    serve(*route, request, std::move(exchange));
}

const ApiRoute* ApiEndpoint::admit(const Http::Request& request, Exchange& exchange) {
    if (settings_.token && check_bearer(authorization_of(request), *settings_.token) != AuthResult::Ok) {
        exchange.response.headers().add(std::make_shared<TextHeader>("WWW-Authenticate", "Bearer"));
        throw Error(Errc::Unauthenticated, "missing or wrong bearer token (send 'Authorization: Bearer <token>')");
    }
    auto verbs = verbs_for_path(routes(), request.resource());
    if (verbs.empty()) throw Error(Errc::NotFound, "no such endpoint: " + request.resource());
    auto verb = verb_of(request.method());
    const ApiRoute* route = verb ? find_route(*verb, request.resource()) : nullptr;
    if (!route) {
        std::string allowed;
        for (auto v : verbs) allowed += (allowed.empty() ? "" : ", ") + std::string(verb_name(v));
        exchange.response.headers().add(std::make_shared<TextHeader>("Allow", allowed));
        throw Error(Errc::MethodNotAllowed,
                    "method not allowed on " + request.resource() + " (allowed: " + allowed + ")");
    }
    return route;
}

void ApiEndpoint::serve(const ApiRoute& route, const Http::Request& request, Exchange exchange) {
    try {
        ApiCall call;
        if (auto name = path_parameter(route.spec.path, request.resource(), "name"))
            call.name = decode_path_segment(*name);
        call.body = parse_json_body(request.body(), content_type_of(request), route.body);
        reject_unknown_fields(call.body, route.spec.fields);
        std::vector<std::string> given;
        for (auto it = request.query().parameters_begin(); it != request.query().parameters_end(); ++it)
            given.push_back(it->first);
        std::sort(given.begin(), given.end());  // the same name reported for the same request
        reject_unknown_query(given, route.spec.query);
        for (auto it = request.query().parameters_begin(); it != request.query().parameters_end(); ++it)
            call.query[it->first] = it->second;

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
