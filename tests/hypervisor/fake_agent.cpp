// A stand-in guest agent for the hypervisor tests: same command line and
// wire format as minions-agent's host test mode (4-byte big-endian length +
// JSON), answering every request with ok, its pid and its uptime, which is
// all a test needs to see that a reboot restarted the guest.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace {

bool read_exact(int fd, char* out, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::recv(fd, out, size, 0);
        if (n <= 0) return false;
        out += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool write_frame(int fd, const std::string& body) {
    uint32_t len = static_cast<uint32_t>(body.size());
    unsigned char head[4] = {static_cast<unsigned char>(len >> 24), static_cast<unsigned char>(len >> 16),
                             static_cast<unsigned char>(len >> 8), static_cast<unsigned char>(len)};
    std::string out(reinterpret_cast<char*>(head), 4);
    out += body;
    return ::send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size());
}

// A hostile guest, for the tests that measure what it costs the host:
// MINIONS_FAKE_AGENT_HOSTILE=MODE:OP[,OP...] makes the agent misbehave on
// those requests only (the boot's own calls still succeed). Modes:
//   endless  answers with bytes that never form a frame, as fast as it can,
//            until the host hangs up
//   silent   never answers
std::string hostile_mode_for(const std::string& op) {
    const char* spec = std::getenv("MINIONS_FAKE_AGENT_HOSTILE");
    if (!spec) return "";
    std::string text(spec);
    auto colon = text.find(':');
    if (colon == std::string::npos) return "";
    std::string ops = "," + text.substr(colon + 1) + ",";
    return ops.find("," + op + ",") == std::string::npos ? "" : text.substr(0, colon);
}

void misbehave(int fd, const std::string& mode) {
    if (mode == "endless") {
        // No 0x00 anywhere: nothing in it can start a frame header.
        const std::string junk(64 * 1024, 'A');
        while (::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL) > 0) {
        }
    } else {
        char sink[4096];
        while (::recv(fd, sink, sizeof sink, 0) > 0) {
        }
    }
}

void serve(int fd, std::chrono::steady_clock::time_point started) {
    unsigned char head[4];
    while (read_exact(fd, reinterpret_cast<char*>(head), 4)) {
        uint32_t len = (uint32_t{head[0]} << 24) | (uint32_t{head[1]} << 16) | (uint32_t{head[2]} << 8) | head[3];
        std::string body(len, '\0');
        if (!read_exact(fd, body.data(), len)) break;
        auto request = nlohmann::json::parse(body, nullptr, false);
        if (request.is_object() && request.contains("op") && request["op"].is_string()) {
            if (auto mode = hostile_mode_for(request["op"].get<std::string>()); !mode.empty()) {
                misbehave(fd, mode);
                break;
            }
        }
        double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        nlohmann::json reply{{"id", request.is_object() ? request.value("id", nlohmann::json()) : nlohmann::json()},
                             {"ok", true},
                             {"pid", ::getpid()},
                             {"uptime_s", uptime}};
        if (!write_frame(fd, reply.dump())) break;
    }
    ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
    std::string socket_path;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--unix-socket") == 0) socket_path = argv[i + 1];
    if (socket_path.empty()) {
        std::fprintf(stderr, "usage: fake-agent --unix-socket PATH --sandbox DIR\n");
        return 2;
    }
    auto started = std::chrono::steady_clock::now();
    int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
    ::unlink(socket_path.c_str());
    if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(listener, 16) < 0) {
        std::perror("fake-agent: listen");
        return 1;
    }
    // One thread per connection: a client holding a connection open must
    // not keep the next one waiting, as with the real agent.
    for (;;) {
        int fd = ::accept(listener, nullptr, nullptr);
        if (fd < 0) continue;
        std::thread([fd, started] { serve(fd, started); }).detach();
    }
}
