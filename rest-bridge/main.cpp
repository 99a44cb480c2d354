// minions-rest: serves the minions REST API until SIGINT or SIGTERM.
#include <signal.h>

#include <cstdio>
#include <exception>
#include <iostream>

#include "api_endpoint.hpp"
#include "server_options.hpp"

int main(int argc, char** argv) {
    using namespace minions::rest;
    try {
        auto options = parse_server_options(argc, argv);
        if (!options) return 0;

        // Blocked before any thread starts, so only sigwait() below sees them.
        sigset_t stop_signals;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
        signal(SIGPIPE, SIG_IGN);

        ApiEndpoint endpoint(options->endpoint);
        endpoint.start();
        auto bound = options->endpoint.listen;
        bound.port = endpoint.port();
        // Tests that bind port 0 read the real port from this line.
        std::cout << "listening on http://" << to_string(bound) << std::endl;
        if (!options->endpoint.token) std::cerr << "warning: no token configured; loopback clients need none\n";

        int received = 0;
        sigwait(&stop_signals, &received);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "minions-rest: " << e.what() << '\n';
        return 2;
    }
}
