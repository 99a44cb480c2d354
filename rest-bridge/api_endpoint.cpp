#include "api_endpoint.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

#include "bearer_token.hpp"
#include "core/error.hpp"
#include "http_reply.hpp"
#include "text_header.hpp"

namespace minions::rest {
namespace {

using namespace Pistache;
using namespace std::chrono_literals;

// Pistache's own ceiling (headers + body); above it Pistache answers 413 by
// itself. Ours (kMaxBodyBytes) sits below it so the usual 413 is JSON.
constexpr size_t kMaxRequestBytes = 256 * 1024;

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

// Answers a failure of any kind; nothing thrown by a handler reaches Pistache,
// whose fallback would send the exception text as a non-JSON 500.
void send_failure(Http::ResponseWriter& response, std::exception_ptr failure) {
    try {
        std::rethrow_exception(failure);
    } catch (const HttpProblem& problem) {
        send_problem(response, problem);
    } catch (const Error& error) {
        send_error(response, error);
    } catch (const std::exception& e) {
        send_error(response, Error(Errc::Internal, e.what()));
    } catch (...) {
        send_error(response, Error(Errc::Internal, "unexpected failure"));
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
      http_(Address(settings_.listen.host, Port(settings_.listen.port))),
      pool_(std::make_unique<WorkerPool>(settings_.workers, settings_.max_queued)) {}

ApiEndpoint::~ApiEndpoint() {
    // Let running calls answer through the still-open endpoint first; the
    // I/O threads may still hand the pool requests (refused: 503) until
    // shutdown() has joined them, so the pool is freed only after that.
    pool_->close();
    http_.shutdown();
}

void ApiEndpoint::start() {
    auto options = Http::Endpoint::options()
                       .threads(settings_.io_threads)
                       .flags(Tcp::Options::ReuseAddr)
                       .maxRequestSize(kMaxRequestBytes)
                       // Short, so half-open clients cannot hold connections for long.
                       .headerTimeout(5s)
                       .bodyTimeout(10s)
                       .keepaliveTimeout(60s);
    http_.init(options);
    setupRoutes();
    http_.setHandler(router_.handler());
    http_.serveThreaded();
}

uint16_t ApiEndpoint::port() const { return static_cast<uint16_t>(http_.getPort()); }

std::vector<RouteSpec> ApiEndpoint::routes() {
    std::vector<RouteSpec> specs;
    for (const auto& route : api_routes()) specs.push_back(route.spec);
    return specs;
}

void ApiEndpoint::setupRoutes() {
    router_.addMiddleware([this](Http::Request& request, Http::ResponseWriter& response) {
        return admit(request, response);
    });
    for (const auto& route : api_routes()) {
        auto method = route.spec.verb == Verb::Get    ? Http::Method::Get
                      : route.spec.verb == Verb::Post ? Http::Method::Post
                                                      : Http::Method::Delete;
        router_.addRoute(method, route.spec.path,
                         [this, &route](const Rest::Request request, Http::ResponseWriter response) {
                             serve(route, request, std::move(response));
                             return Rest::Route::Result::Ok;
                         });
    }
}

bool ApiEndpoint::admit(Http::Request& request, Http::ResponseWriter& response) {
    try {
        if (settings_.token && check_bearer(authorization_of(request), *settings_.token) != AuthResult::Ok) {
            response.headers().add(std::make_shared<TextHeader>("WWW-Authenticate", "Bearer"));
            send_error(response, Error(Errc::Unauthorized,
                                       "missing or wrong bearer token (send 'Authorization: Bearer <token>')"));
            return false;
        }
        auto verbs = verbs_for_path(routes(), request.resource());
        if (verbs.empty()) {
            send_problem(response, {404, "no such endpoint: " + request.resource()});
            return false;
        }
        auto verb = verb_of(request.method());
        if (!verb || std::find(verbs.begin(), verbs.end(), *verb) == verbs.end()) {
            std::string allowed;
            for (auto v : verbs) allowed += (allowed.empty() ? "" : ", ") + std::string(verb_name(v));
            response.headers().add(std::make_shared<TextHeader>("Allow", allowed));
            send_problem(response, {405, "method not allowed on " + request.resource() + " (allowed: " + allowed + ")"});
            return false;
        }
        return true;
    } catch (...) {
        send_failure(response, std::current_exception());
        return false;
    }
}

void ApiEndpoint::serve(const ApiRoute& route, const Rest::Request& request, Http::ResponseWriter response) {
    // Shared because std::function needs a copyable job and the writer is move-only.
    auto writer = std::make_shared<Http::ResponseWriter>(std::move(response));
    try {
        ApiCall call;
        if (request.hasParam(":name")) call.name = request.param(":name").as<std::string>();
        call.body = parse_json_body(request.body(), content_type_of(request), route.body);
        call.max_bytes = request.query().get("max_bytes");
        bool queued = pool_->submit([this, &route, call = std::move(call), writer] { run(route, call, *writer); });
        if (!queued) send_problem(*writer, {503, "too many requests in progress; retry shortly"});
    } catch (...) {
        send_failure(*writer, std::current_exception());
    }
}

void ApiEndpoint::run(const ApiRoute& route, const ApiCall& call, Http::ResponseWriter& response) {
    try {
        send_json(response, route.success_status, route.operation(worker_client(settings_.bus), call));
    } catch (const Error& error) {
        if (error.code() == Errc::Internal || error.code() == Errc::Unavailable) forget_worker_client();
        send_error(response, error);
    } catch (...) {
        send_failure(response, std::current_exception());
    }
}

}  // namespace minions::rest
