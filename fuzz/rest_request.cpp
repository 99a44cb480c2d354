// The REST bridge (rest-bridge/) from raw bytes to the D-Bus call: a
// connection's bytes through the head checks and Pistache's request parser
// (read_request, as RequestReader::onInput does), then admit() (bearer
// token, route table, {name}, JSON body, query) and the route's operation
// on a fake manager that records the call; answers and refusals are built
// as the bridge sends them. Option bits: 0-2 chunk size, 3 a bearer token is
// required ("Bearer fuzz-token"), 4 a request limit of 1 KiB instead of 256 KiB.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include <pistache/http.h>

#include "admission.hpp"
#include "api_operations.hpp"
#include "core/error.hpp"
#include "http_connection.hpp"
#include "http_reply.hpp"
#include "input.hpp"

namespace {

using namespace minions;
using nlohmann::json;

// A D-Bus string ends at a NUL: the bridge must never hand one on.
void check_text(const std::string& text) {
    if (text.find('\0') != std::string::npos) std::abort();
}

// Records what minionsd would have been asked.
class FakeManager final : public client::Manager {
public:
    std::string last;

    json create(const client::CreateRequest& r) override {
        check_text(r.name);
        check_text(r.ssh_key);
        return called("create " + r.name);
    }
    json list() override { return called("list"); }
    json get(const std::string& name) override { return called("get " + checked(name)); }
    json start(const std::string& name) override { return called("start " + checked(name)); }
    json stop(const std::string& name, const client::StopRequest&) override { return called("stop " + checked(name)); }
    json restart(const std::string& name) override { return called("restart " + checked(name)); }
    json rename(const std::string& name, const std::string& new_name) override {
        return called("rename " + checked(name) + " " + checked(new_name));
    }
    json copy(const std::string& name, const std::string& new_name, const std::string& ssh_key) override {
        check_text(ssh_key);
        return called("copy " + checked(name) + " " + checked(new_name));
    }
    json destroy(const std::string& name) override { return called("destroy " + checked(name)); }
    json exec(const std::string& name, const client::ExecRequest& r) override {
        check_text(r.command);
        for (const auto& arg : r.args) check_text(arg);
        return called("exec " + checked(name));
    }
    json agent_status(const std::string& name) override { return called("status " + checked(name)); }
    json logs(const std::string& name, uint32_t max_bytes) override {
        return called("logs " + checked(name) + " " + std::to_string(max_bytes));
    }

private:
    static const std::string& checked(const std::string& text) {
        check_text(text);
        return text;
    }
    json called(std::string what) {
        last = std::move(what);
        return json{{"called", last}};
    }
};

// As reply() sends a body: bytes that are not UTF-8 replaced, never thrown.
void send(const json& body) { (void)body.dump(-1, ' ', false, json::error_handler_t::replace); }

void answer(const Pistache::Http::Request& request, const std::optional<std::string>& token, FakeManager& manager) {
    Pistache::Http::Header::Collection reply_headers;
    try {
        rest::Admitted admitted = rest::admit(request, token, reply_headers);
        const auto& operation = admitted.route.operation;
        if (auto local = std::get_if<rest::LocalOperation>(&operation)) send((*local)(admitted.call));
        else send(std::get<rest::BusOperation>(operation)(manager, admitted.call));
    } catch (const Error& error) {
        send(rest::error_body(error));
    }
    // Anything else escaping would be the "unexpected failure" 500: a bug.
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto input = fuzz::split_input(data, size);
    const std::optional<std::string> token =
        input.options & 0x08 ? std::optional<std::string>("fuzz-token") : std::nullopt;
    rest::ConnectionRules rules;
    if (input.options & 0x10) rules.max_request_bytes = 1024;

    auto open = std::make_shared<std::atomic<size_t>>(0);
    rest::Connection connection(open);
    Pistache::Http::RequestParser parser(rules.max_request_bytes);
    FakeManager manager;
    for (auto chunk : fuzz::chunks(input)) {
        if (chunk.empty() || !connection.bytes_arrived()) continue;
        auto arrival = rest::read_request(connection, parser, chunk.data(), chunk.size(), rules);
        if (arrival.outcome == rest::Arrival::Outcome::Refused) {
            send(rest::error_body(*arrival.refusal));
            break;  // the connection closes after a refusal
        }
        if (arrival.outcome == rest::Arrival::Outcome::Complete) {
            connection.request_complete();
            answer(parser.request, token, manager);
            connection.responding(false);
            parser.reset();
        }
    }
    return 0;
}
