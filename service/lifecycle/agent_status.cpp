#include "agent_status.hpp"

#include "core/error.hpp"

namespace minions::lifecycle {

nlohmann::json documented_status(const nlohmann::json& answer) {
    nlohmann::json status = nlohmann::json::object();
    for (const char* key : {"uptime_s", "memory_total_kb", "memory_available_kb", "disk_total_kb", "disk_free_kb"})
        if (auto it = answer.find(key); it != answer.end() && it->is_number_integer() && it->get<int64_t>() >= 0)
            status[key] = it->get<uint64_t>();
    if (auto it = answer.find("load1"); it != answer.end() && it->is_number() && it->get<double>() >= 0)
        status["load1"] = it->get<double>();
    if (auto it = answer.find("hostname"); it != answer.end() && it->is_string() && it->get<std::string>().size() <= 255)
        status["hostname"] = *it;
    if (!status.contains("uptime_s"))
        throw Error(Errc::AgentFailed, "guest agent answered 'status' without a valid 'uptime_s'");
    return status;
}

}  // namespace minions::lifecycle
