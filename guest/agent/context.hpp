#pragma once
// What every request handler may consult: where it runs (a real guest, or host
// test mode confined to a sandbox directory), the shared freeze state, the
// requests in flight, and the request being served (each gets its own copy).
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

namespace minions::agent {

class Call;
class Calls;
class Freezer;

struct Context {
    // Set in host test mode: every file and network action stays under it.
    std::optional<std::filesystem::path> sandbox;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    Freezer* freezer = nullptr;
    Calls* calls = nullptr;
    // Set while a handler runs: whether the host has cancelled it.
    std::shared_ptr<Call> call;

    bool confined() const { return sandbox.has_value(); }
    // Root for write_file paths: the sandbox, or "/" in a guest.
    std::filesystem::path root() const { return sandbox ? *sandbox : std::filesystem::path("/"); }
    double uptime_s() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
};

}  // namespace minions::agent
