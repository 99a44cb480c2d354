#include "server_options.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "bearer_token.hpp"
#include "minions/version.hpp"

namespace minions::rest {

std::optional<ServerOptions> parse_server_options(int argc, char** argv) {
    CLI::App app{"minions-rest: the minions HTTP API (bearer token) in front of org.minions.Manager"};
    app.set_version_flag("--version", kVersion);
    std::string listen = "0.0.0.0:3000";
    std::string bus = "system";
    std::string token_file;
    size_t workers = 8;
    unsigned request_timeout_s = 10;
    unsigned idle_timeout_s = 30;
    size_t max_connections = 256;
    app.add_option("--listen", listen, "ADDR:PORT to listen on; port 0 picks a free port")
        ->capture_default_str();
    app.add_option("--bus", bus, "system, session, or a D-Bus address (unix:path=…)")->capture_default_str();
    app.add_option("--token-file", token_file,
                   "file holding the bearer token, readable by its owner only (else MINIONS_API_KEY)");
    app.add_option("--workers", workers, "concurrent D-Bus calls")->capture_default_str()->check(CLI::Range(1, 256));
    app.add_option("--request-timeout", request_timeout_s,
                   "seconds a client has to send a whole request (head and body) from its first byte; "
                   "slower ones are disconnected. Answers are not timed: an operation runs to its own limit")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    app.add_option("--idle-timeout", idle_timeout_s, "seconds a keep-alive connection may wait for its next request")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    app.add_option("--max-connections", max_connections,
                   "connections open at once; a request on one more is answered 503")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        app.exit(e);
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        throw std::runtime_error(e.what());
    }

    ServerOptions options;
    try {
        options.endpoint.listen = parse_listen_address(listen);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("--listen: ") + e.what());
    }
    options.endpoint.bus = client::parse_bus_address(bus);
    options.endpoint.workers = workers;
    options.endpoint.connections.request_timeout = std::chrono::seconds(request_timeout_s);
    options.endpoint.connections.idle_timeout = std::chrono::seconds(idle_timeout_s);
    options.endpoint.connections.max_connections = max_connections;
    if (!token_file.empty()) {
        options.endpoint.token = read_token_file(token_file);
    } else if (const char* key = std::getenv("MINIONS_API_KEY"); key && *key) {
        options.endpoint.token = key;
    }
    if (!options.endpoint.token && !is_loopback(options.endpoint.listen))
        throw std::runtime_error("refusing to listen on " + to_string(options.endpoint.listen) +
                                 " without a token: use --token-file FILE or MINIONS_API_KEY, "
                                 "or --listen 127.0.0.1:PORT");
    return options;
}

}  // namespace minions::rest
