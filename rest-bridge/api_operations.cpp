#include "api_operations.hpp"

#include <charconv>

#include "core/error.hpp"

namespace minions::rest {
namespace {

using client::ManagerClient;
using nlohmann::json;

json create_vm(ManagerClient& manager, const ApiCall& call) {
    client::CreateRequest request;
    request.name = required_string_field(call.body, "name");
    request.cpus = uint_field(call.body, "cpus");
    request.memory_mb = uint_field(call.body, "memory_mb");
    request.ssh_key = string_field(call.body, "ssh_key");
    return manager.create(request);
}

json list_vms(ManagerClient& manager, const ApiCall&) { return manager.list(); }

json get_vm(ManagerClient& manager, const ApiCall& call) { return manager.get(call.name); }

json destroy_vm(ManagerClient& manager, const ApiCall& call) { return manager.destroy(call.name); }

json start_vm(ManagerClient& manager, const ApiCall& call) { return manager.start(call.name); }

json stop_vm(ManagerClient& manager, const ApiCall& call) {
    client::StopRequest request;
    request.force = bool_field(call.body, "force");
    if (auto given = call.body.find("timeout_s"); given != call.body.end() && !given->is_null())
        request.timeout_s = uint_field(call.body, "timeout_s");
    return manager.stop(call.name, request);
}

json restart_vm(ManagerClient& manager, const ApiCall& call) { return manager.restart(call.name); }

json rename_vm(ManagerClient& manager, const ApiCall& call) {
    return manager.rename(call.name, required_string_field(call.body, "new_name"));
}

json copy_vm(ManagerClient& manager, const ApiCall& call) {
    return manager.copy(call.name, string_field(call.body, "new_name"), string_field(call.body, "ssh_key"));
}

json exec_in_vm(ManagerClient& manager, const ApiCall& call) {
    client::ExecRequest request;
    request.command = required_string_field(call.body, "command");
    if (auto args = call.body.find("args"); args != call.body.end() && !args->is_null()) {
        if (!args->is_array()) throw Error(Errc::InvalidArgument, "'args' must be an array of strings");
        for (const auto& arg : *args) {
            if (!arg.is_string()) throw Error(Errc::InvalidArgument, "'args' must be an array of strings");
            request.args.push_back(arg.get<std::string>());
        }
    }
    request.timeout_s = uint_field(call.body, "timeout_s");
    return manager.exec(call.name, request);
}

json agent_status(ManagerClient& manager, const ApiCall& call) { return manager.agent_status(call.name); }

json vm_logs(ManagerClient& manager, const ApiCall& call) {
    uint32_t max_bytes = 0;
    if (call.max_bytes) {
        const auto& text = *call.max_bytes;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), max_bytes);
        if (ec != std::errc() || end != text.data() + text.size())
            throw Error(Errc::InvalidArgument, "'max_bytes' must be a non-negative integer");
    }
    return manager.logs(call.name, max_bytes);
}

}  // namespace

const std::vector<ApiRoute>& api_routes() {
    using enum Verb;
    static const std::vector<ApiRoute> routes{
        {{Post, "/api/vms"}, BodyRule::Required, 201, create_vm},
        {{Get, "/api/vms"}, BodyRule::Ignored, 200, list_vms},
        {{Get, "/api/vms/:name"}, BodyRule::Ignored, 200, get_vm},
        {{Delete, "/api/vms/:name"}, BodyRule::Ignored, 200, destroy_vm},
        {{Post, "/api/vms/:name/start"}, BodyRule::Ignored, 200, start_vm},
        {{Post, "/api/vms/:name/stop"}, BodyRule::Optional, 200, stop_vm},
        {{Post, "/api/vms/:name/restart"}, BodyRule::Ignored, 200, restart_vm},
        {{Post, "/api/vms/:name/rename"}, BodyRule::Required, 200, rename_vm},
        {{Post, "/api/vms/:name/copy"}, BodyRule::Optional, 201, copy_vm},
        {{Post, "/api/vms/:name/exec"}, BodyRule::Required, 200, exec_in_vm},
        {{Get, "/api/vms/:name/status"}, BodyRule::Ignored, 200, agent_status},
        {{Get, "/api/vms/:name/logs"}, BodyRule::Ignored, 200, vm_logs},
    };
    return routes;
}

}  // namespace minions::rest
