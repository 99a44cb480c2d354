#pragma once
// Just enough HTTP/1.1 for a local API socket: one request at a time per
// connection, Content-Length bodies, keep-alive unless the client says close.
#include <optional>
#include <string>

namespace ch_double {

struct Request {
    std::string method;
    std::string path;  // without the query string
    std::string body;
    bool keep_alive = true;
};

// Reads one request from `fd`; nullopt when the peer closed or sent garbage.
std::optional<Request> read_request(int fd, std::string& buffer);

// Writes a response; an empty body is sent with Content-Length: 0.
void write_response(int fd, int status, const std::string& body, bool keep_alive);

}  // namespace ch_double
