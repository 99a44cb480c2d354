// The guest agent's request dispatcher (guest/agent/dispatch.cpp) and the
// handlers behind it, fed frames by a hostile host: frames decoded as a
// connection decodes them, each request answered in host test mode, confined
// to a sandbox directory in /dev/shm that is emptied after every input.
//
// Not dispatched: exec, which would run whatever program the input names
// (its arguments are read by the same fields.cpp readers as every other
// handler's). freeze and thaw are: in host test mode the freezer only
// records what it would freeze.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "calls.hpp"
#include "context.hpp"
#include "dispatch.hpp"
#include "freezer.hpp"
#include "input.hpp"
#include "protocol/protocol.hpp"

namespace {

std::filesystem::path make_sandbox() {
    std::string templ = (std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp") + std::string("/minions-fuzz-agent-XXXXXX");
    if (!::mkdtemp(templ.data())) std::abort();
    return std::filesystem::canonical(templ);
}

// Removed when the fuzzer exits normally (libFuzzer calls exit()).
struct Sandbox {
    std::filesystem::path path = make_sandbox();
    ~Sandbox() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    void empty() const {
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(path, ec)) std::filesystem::remove_all(entry, ec);
    }
};

const Sandbox& sandbox() {
    static const Sandbox box;
    return box;
}

bool runs_a_program(const nlohmann::json& request) {
    auto op = request.find("op");
    return op != request.end() && *op == "exec";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace minions;
    const auto input = fuzz::split_input(data, size);
    agent::Context ctx;
    ctx.sandbox = sandbox().path;
    agent::Calls calls;
    ctx.calls = &calls;
    bool touched = false;
    {
        agent::Freezer freezer(ctx);  // fresh state for every input
        ctx.freezer = &freezer;
        protocol::FrameDecoder decoder;
        for (auto chunk : fuzz::chunks(input)) {
            decoder.feed(chunk);
            while (auto frame = decoder.next()) {
                nlohmann::json response;
                if (!frame->message) {
                    response = agent::error_response(nullptr, frame->error);
                } else if (runs_a_program(*frame->message)) {
                    continue;
                } else {
                    // As the stream loop does: a call of its own, refused when its id was cancelled.
                    agent::Context here = ctx;
                    const bool at_once = agent::answered_at_once(*frame->message);
                    here.call = at_once ? std::make_shared<agent::Call>(std::nullopt)
                                        : calls.begin(agent::numeric_id(*frame->message));
                    response = agent::handle_request(*frame->message, here);
                    if (!at_once) calls.end(here.call);
                    touched = true;
                }
                // Every request gets exactly one answer object with "ok".
                if (!response.is_object() || !response.contains("ok") || !response["ok"].is_boolean()) std::abort();
                try {
                    (void)protocol::encode_frame(response);
                } catch (const std::length_error&) {
                    // The stream loop answers with an error instead.
                }
            }
        }
        freezer.thaw();
    }
    if (touched) sandbox().empty();
    return 0;
}
