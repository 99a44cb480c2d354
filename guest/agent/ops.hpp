#pragma once
// One handler per request operation. Each takes the request object and returns
// the result fields (the dispatcher adds "id" and "ok"); failures throw
// RequestError.
#include <nlohmann/json.hpp>

#include "context.hpp"

namespace minions::agent {

nlohmann::json op_health(const nlohmann::json& req, Context& ctx);
nlohmann::json op_status(const nlohmann::json& req, Context& ctx);
nlohmann::json op_configure_network(const nlohmann::json& req, Context& ctx);
nlohmann::json op_write_file(const nlohmann::json& req, Context& ctx);
nlohmann::json op_exec(const nlohmann::json& req, Context& ctx);
nlohmann::json op_sync(const nlohmann::json& req, Context& ctx);
nlohmann::json op_freeze(const nlohmann::json& req, Context& ctx);
nlohmann::json op_thaw(const nlohmann::json& req, Context& ctx);
nlohmann::json op_set_hostname(const nlohmann::json& req, Context& ctx);
nlohmann::json op_cancel(const nlohmann::json& req, Context& ctx);

}  // namespace minions::agent
