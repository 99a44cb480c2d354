// The QMP client's reading (service/hypervisor/qmp_client.cpp) of a hostile
// VMM: lines as they arrive, the greeting, then the answers to
// qmp_capabilities (id 1) and one command (id 2), events skipped. Only
// minions::Error may escape.
#include "core/error.hpp"
#include "hypervisor/qmp_client.hpp"
#include "input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace minions;
    const auto input = fuzz::split_input(data, size);
    std::string buffer;
    enum { Greeting, Capabilities, Command, Done } stage = Greeting;
    try {
        for (auto chunk : fuzz::chunks(input)) {
            buffer.append(chunk);
            while (stage != Done) {
                auto message = hv::qmp::take_message(buffer, "QMP socket /fuzz/qmp.sock");
                if (!message) break;
                if (stage == Greeting) {
                    if (!hv::qmp::is_greeting(*message)) throw Error(Errc::HypervisorFailed, "no greeting");
                    stage = Capabilities;
                } else if (stage == Capabilities) {
                    if (hv::qmp::answer_to(*message, 1, "qmp_capabilities")) stage = Command;
                } else if (auto answer = hv::qmp::answer_to(*message, 2, "query-status")) {
                    (void)answer->dump();
                    stage = Done;
                }
            }
        }
    } catch (const Error&) {
    }
    return 0;
}
