#include "faults.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ch_double {
namespace {

bool listed(const char* env, const std::string& endpoint) {
    const char* value = std::getenv(env);
    if (!value) return false;
    std::istringstream items(value);
    std::string item;
    while (std::getline(items, item, ','))
        if (item == endpoint || item == "*") return true;
    return false;
}

}  // namespace

Fault fault_for(const std::string& endpoint, const std::filesystem::path& api_socket) {
    if (listed("MINIONS_CH_DOUBLE_DIE", endpoint)) return Fault::Die;
    if (listed("MINIONS_CH_DOUBLE_HANG", endpoint)) return Fault::Hang;
    if (listed("MINIONS_CH_DOUBLE_FAIL", endpoint)) return Fault::Fail;
    std::ifstream file(api_socket.string() + ".faults");
    std::string kind, name;
    while (file >> kind >> name) {
        if (name != endpoint && name != "*") continue;
        if (kind == "die") return Fault::Die;
        if (kind == "hang") return Fault::Hang;
        if (kind == "fail") return Fault::Fail;
    }
    return Fault::None;
}

}  // namespace ch_double
