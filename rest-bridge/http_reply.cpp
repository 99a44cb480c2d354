#include "http_reply.hpp"

#include <memory>
#include <string>

#include "text_header.hpp"

namespace minions::rest {

using namespace Pistache;

nlohmann::json error_body(const Error& error) {
    return nlohmann::json{{"error", error.what()}, {"code", std::string(error.kind().code)}};
}

Async::Promise<ssize_t> reply(Exchange& exchange, int status, const nlohmann::json& body) {
    auto& response = exchange.response;
    response.headers().add<Http::Header::ContentType>(MIME(Application, Json));
    if (exchange.close) response.headers().add<Http::Header::Connection>(Http::ConnectionControl::Close);
    // Guest output need not be UTF-8: replace bad bytes instead of throwing.
    std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // Before the answer is queued, so the client's next request on this
    // connection finds it waiting for one.
    if (exchange.connection) exchange.connection->responding(exchange.close);
    return response.send(static_cast<Http::Code>(status), text);
}

Async::Promise<ssize_t> reply_error(Exchange& exchange, const Error& error) {
    exchange.response.headers().add(
        std::make_shared<TextHeader>(kErrorNameHeader, std::string(error.kind().dbus_name)));
    return reply(exchange, error.kind().http_status, error_body(error));
}

}  // namespace minions::rest
