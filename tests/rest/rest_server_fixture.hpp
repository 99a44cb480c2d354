#pragma once
// Test helpers for the REST bridge: a bare private dbus-daemon (no minionsd,
// no polkit: enough to see "service unknown"), a running minions-rest on
// 127.0.0.1 port 0, and a small libcurl client.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rest/child_process.hpp"

namespace minions::test {

inline const std::string kRestBinary = MINIONS_BINARY_DIR "/rest-bridge/minions-rest";
inline const std::string kCliBinary = MINIONS_BINARY_DIR "/cli/minions";

// dbus-daemon on a socket in a fresh temporary directory.
class BareBus {
public:
    BareBus();
    ~BareBus();
    const std::string& address() const { return address_; }

private:
    std::filesystem::path dir_;
    std::string address_;
    std::unique_ptr<ChildProcess> daemon_;
};

// minions-rest started with `args` (plus --listen 127.0.0.1:0 unless args
// contain --listen) and `env`; the port is read from its first line.
class RestServer {
public:
    RestServer(std::vector<std::string> args, std::map<std::string, std::string> env);
    std::string url(const std::string& path = "") const;
    ChildProcess& process() { return *process_; }

private:
    std::unique_ptr<ChildProcess> process_;
    int port_ = 0;
};

struct HttpResponse {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::optional<std::string> body;
    std::vector<std::string> headers;  // "Name: value"
};

HttpResponse http(const HttpRequest& request);

}  // namespace minions::test
