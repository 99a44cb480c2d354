// The host's agent client (service/agent) reading a hostile guest: the
// answer to request 7 picked out of a resynchronising frame stream, then
// what the client and its callers read from it: the ok/error check, exec's
// fields, the documented status fields. The payload's first line also goes
// through the hybrid vsock handshake check. Only minions::Error may escape:
// anything else would reach the daemon as an unexpected failure.
#include <cstdlib>

#include "agent/answer.hpp"
#include "core/error.hpp"
#include "input.hpp"
#include "lifecycle/agent_status.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace minions;
    const auto input = fuzz::split_input(data, size);

    const std::string line(input.payload.substr(0, input.payload.find('\n') + 1));
    if (agent::detail::is_ok_line(line) && line.rfind("OK ", 0) != 0) std::abort();
    (void)agent::detail::printable(line);

    agent::detail::AnswerReader reader(7);
    std::optional<nlohmann::json> answer;
    for (auto chunk : fuzz::chunks(input)) {
        if ((answer = reader.feed(chunk))) break;
    }
    if (!answer) return 0;
    if (!answer->is_object() || answer->value("id", nlohmann::json()) != 7) std::abort();
    try {
        auto checked = agent::detail::checked_answer(*answer);
        try {
            (void)agent::detail::exec_result(checked);
        } catch (const Error&) {
        }
        auto status = lifecycle::documented_status(checked);
        if (!status.contains("uptime_s")) std::abort();
        (void)status.dump();
    } catch (const Error&) {
    }
    return 0;
}
