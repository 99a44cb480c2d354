#include "admission.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "bearer_token.hpp"
#include "core/error.hpp"
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

std::vector<RouteSpec> route_specs() {
    std::vector<RouteSpec> specs;
    for (const auto& route : api_routes()) specs.push_back(route.spec);
    return specs;
}

// The token, then 404/405.
const ApiRoute& route_of(const Http::Request& request, const std::optional<std::string>& token,
                         Http::Header::Collection& reply_headers) {
    if (token && check_bearer(authorization_of(request), *token) != AuthResult::Ok) {
        reply_headers.add(std::make_shared<TextHeader>("WWW-Authenticate", "Bearer"));
        throw Error(Errc::Unauthenticated, "missing or wrong bearer token (send 'Authorization: Bearer <token>')");
    }
    static const std::vector<RouteSpec> specs = route_specs();
    auto verbs = verbs_for_path(specs, request.resource());
    if (verbs.empty()) throw Error(Errc::NotFound, "no such endpoint: " + request.resource());
    auto verb = verb_of(request.method());
    const ApiRoute* route = verb ? find_route(*verb, request.resource()) : nullptr;
    if (!route) {
        std::string allowed;
        for (auto v : verbs) allowed += (allowed.empty() ? "" : ", ") + std::string(verb_name(v));
        reply_headers.add(std::make_shared<TextHeader>("Allow", allowed));
        throw Error(Errc::MethodNotAllowed,
                    "method not allowed on " + request.resource() + " (allowed: " + allowed + ")");
    }
    return *route;
}

}  // namespace

Admitted admit(const Http::Request& request, const std::optional<std::string>& token,
               Http::Header::Collection& reply_headers) {
    const ApiRoute& route = route_of(request, token, reply_headers);
    ApiCall call;
    if (auto name = path_parameter(route.spec.path, request.resource(), "name")) call.name = decode_path_segment(*name);
    call.body = parse_json_body(request.body(), content_type_of(request), route.body);
    reject_unknown_fields(call.body, route.spec.fields);
    std::vector<std::string> given;
    for (auto it = request.query().parameters_begin(); it != request.query().parameters_end(); ++it)
        given.push_back(it->first);
    std::sort(given.begin(), given.end());  // the same name reported for the same request
    reject_unknown_query(given, route.spec.query);
    for (auto it = request.query().parameters_begin(); it != request.query().parameters_end(); ++it)
        call.query[it->first] = it->second;
    return {route, std::move(call)};
}

}  // namespace minions::rest
