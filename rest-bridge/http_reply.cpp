#include "http_reply.hpp"

#include <memory>

#include "text_header.hpp"

namespace minions::rest {

void send_json(Pistache::Http::ResponseWriter& response, int status, const nlohmann::json& body) {
    using namespace Pistache;
    response.headers().add<Http::Header::ContentType>(MIME(Application, Json));
    // Guest output need not be UTF-8: replace bad bytes instead of throwing.
    std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // The promise is left alone: a worker thread attaching a continuation
    // while Pistache's I/O thread resolves it is a data race in Pistache
    // 0.0.5 (TSan), and a vanished peer leaves nobody to tell anyway.
    response.send(static_cast<Http::Code>(status), text);
}

void send_problem(Pistache::Http::ResponseWriter& response, const HttpProblem& problem) {
    send_json(response, problem.status, nlohmann::json{{"error", problem.message}});
}

void send_error(Pistache::Http::ResponseWriter& response, const Error& error) {
    response.headers().add(std::make_shared<TextHeader>(kErrorNameHeader, std::string(error.kind().dbus_name)));
    send_json(response, error.kind().http_status, nlohmann::json{{"error", error.what()}});
}

}  // namespace minions::rest
