#include "api_operations.hpp"

#include <charconv>

#include "api_version.hpp"
#include "core/error.hpp"
#include "minions/version.hpp"

namespace minions::rest {
namespace {

using client::Manager;
using nlohmann::json;

json create_vm(Manager& manager, const ApiCall& call) {
    client::CreateRequest request;
    request.name = required_string_field(call.body, "name");
    request.cpus = uint_field(call.body, "cpus");
    request.memory_mb = uint_field(call.body, "memory_mb");
    request.ssh_key = string_field(call.body, "ssh_key");
    return manager.create(request);
}

json list_vms(Manager& manager, const ApiCall&) { return manager.list(); }

json get_vm(Manager& manager, const ApiCall& call) { return manager.get(call.name); }

json destroy_vm(Manager& manager, const ApiCall& call) { return manager.destroy(call.name); }

json start_vm(Manager& manager, const ApiCall& call) { return manager.start(call.name); }

json stop_vm(Manager& manager, const ApiCall& call) {
    client::StopRequest request;
    request.force = bool_field(call.body, "force");
    if (auto given = call.body.find("timeout_s"); given != call.body.end() && !given->is_null())
        request.timeout_s = uint_field(call.body, "timeout_s");
    return manager.stop(call.name, request);
}

json restart_vm(Manager& manager, const ApiCall& call) { return manager.restart(call.name); }

json rename_vm(Manager& manager, const ApiCall& call) {
    return manager.rename(call.name, required_string_field(call.body, "new_name"));
}

json copy_vm(Manager& manager, const ApiCall& call) {
    return manager.copy(call.name, string_field(call.body, "new_name"), string_field(call.body, "ssh_key"));
}

json exec_in_vm(Manager& manager, const ApiCall& call) {
    client::ExecRequest request;
    request.command = required_string_field(call.body, "command");
    if (auto args = call.body.find("args"); args != call.body.end() && !args->is_null()) {
        if (!args->is_array()) throw Error(Errc::InvalidArgument, "'args' must be an array of strings");
        for (const auto& arg : *args) {
            if (!arg.is_string()) throw Error(Errc::InvalidArgument, "'args' must be an array of strings");
            request.args.push_back(text_value(arg, "'args'"));
        }
    }
    request.timeout_s = uint_field(call.body, "timeout_s");
    return manager.exec(call.name, request);
}

json agent_status(Manager& manager, const ApiCall& call) { return manager.agent_status(call.name); }

json vm_logs(Manager& manager, const ApiCall& call) {
    uint32_t max_bytes = 0;
    if (auto given = call.query.find("max_bytes"); given != call.query.end()) {
        const auto& text = given->second;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), max_bytes);
        if (ec != std::errc() || end != text.data() + text.size())
            throw Error(Errc::InvalidArgument, "'max_bytes' must be a non-negative integer");
    }
    return manager.logs(call.name, max_bytes);
}

// The bridge's own: answered without minionsd, so a client can tell the
// API's version even when the service behind is down.
json api_info(const ApiCall&) { return json{{"api_version", kApiVersion}, {"version", kVersion}}; }

}  // namespace

const std::vector<ApiRoute>& api_routes() {
    using enum Verb;
    using R = BodyRule;
    static const std::vector<ApiRoute> routes{
        {{Get, "/api", {}, {}}, R::Optional, 200, LocalOperation{api_info}},
        {{Post, "/api/vms", {"name", "cpus", "memory_mb", "ssh_key"}, {}}, R::Required, 201, BusOperation{create_vm}},
        {{Get, "/api/vms", {}, {}}, R::Optional, 200, BusOperation{list_vms}},
        {{Get, "/api/vms/:name", {}, {}}, R::Optional, 200, BusOperation{get_vm}},
        {{Delete, "/api/vms/:name", {}, {}}, R::Optional, 200, BusOperation{destroy_vm}},
        {{Post, "/api/vms/:name/start", {}, {}}, R::Optional, 200, BusOperation{start_vm}},
        {{Post, "/api/vms/:name/stop", {"force", "timeout_s"}, {}}, R::Optional, 200, BusOperation{stop_vm}},
        {{Post, "/api/vms/:name/restart", {}, {}}, R::Optional, 200, BusOperation{restart_vm}},
        {{Post, "/api/vms/:name/rename", {"new_name"}, {}}, R::Required, 200, BusOperation{rename_vm}},
        {{Post, "/api/vms/:name/copy", {"new_name", "ssh_key"}, {}}, R::Optional, 201, BusOperation{copy_vm}},
        {{Post, "/api/vms/:name/exec", {"command", "args", "timeout_s"}, {}}, R::Required, 200,
         BusOperation{exec_in_vm}},
        {{Get, "/api/vms/:name/status", {}, {}}, R::Optional, 200, BusOperation{agent_status}},
        {{Get, "/api/vms/:name/logs", {}, {"max_bytes"}}, R::Optional, 200, BusOperation{vm_logs}},
    };
    return routes;
}

const ApiRoute* find_route(Verb verb, std::string_view path) {
    for (const auto& route : api_routes())
        if (route.spec.verb == verb && path_matches(route.spec.path, path)) return &route;
    return nullptr;
}

}  // namespace minions::rest
