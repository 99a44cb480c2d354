#include "dispatch.hpp"

#include <exception>
#include <map>
#include <string_view>

#include "calls.hpp"
#include "fields.hpp"
#include "ops.hpp"

namespace minions::agent {

namespace {

using Handler = nlohmann::json (*)(const nlohmann::json&, Context&);

// The whole protocol at a glance.
const std::map<std::string, Handler, std::less<>>& handlers() {
    static const std::map<std::string, Handler, std::less<>> table = {
        {"health", op_health},
        {"status", op_status},
        {"configure_network", op_configure_network},
        {"write_file", op_write_file},
        {"exec", op_exec},
        {"sync", op_sync},
        {"freeze", op_freeze},
        {"thaw", op_thaw},
        {"set_hostname", op_set_hostname},
        {"cancel", op_cancel},
    };
    return table;
}

// Nobody waits for it any more, but every request gets exactly one answer.
nlohmann::json cancelled_response(const nlohmann::json& id, const std::string& op, const char* when) {
    nlohmann::json response = error_response(id, op + ": cancelled by the host" + when);
    response["cancelled"] = true;
    return response;
}

}  // namespace

nlohmann::json error_response(const nlohmann::json& id, const std::string& message) {
    return {{"id", id}, {"ok", false}, {"error", message}};
}

std::optional<uint64_t> numeric_id(const nlohmann::json& request) {
    auto it = request.find("id");
    if (it == request.end() || !it->is_number_unsigned()) return std::nullopt;
    return it->get<uint64_t>();
}

bool answered_at_once(const nlohmann::json& request) {
    auto it = request.find("op");
    return it == request.end() || !it->is_string() || *it == "cancel" || !handlers().count(it->get<std::string>());
}

nlohmann::json handle_request(const nlohmann::json& request, Context& ctx) {
    // Echo a numeric id; anything else cannot be matched by the host anyway.
    nlohmann::json id = nullptr;
    if (auto it = request.find("id"); it != request.end() && it->is_number()) id = *it;

    auto op_it = request.find("op");
    if (op_it == request.end()) return error_response(id, "missing field 'op'");
    if (!op_it->is_string()) return error_response(id, "field 'op' must be a string");
    const auto& op = op_it->get_ref<const std::string&>();
    auto handler = handlers().find(op);
    if (handler == handlers().end()) return error_response(id, "unknown op '" + op + "'");

    const auto cancelled = [&ctx] { return ctx.call && ctx.call->cancelled(); };
    if (cancelled()) return cancelled_response(id, op, " before it ran");
    try {
        nlohmann::json result = handler->second(request, ctx);
        if (cancelled()) return cancelled_response(id, op, "");
        if (!result.is_object()) result = nlohmann::json::object();
        result["id"] = id;
        result["ok"] = true;
        return result;
    } catch (const std::exception& e) {
        if (cancelled()) return cancelled_response(id, op, "");
        return error_response(id, op + ": " + e.what());
    }
}

}  // namespace minions::agent
