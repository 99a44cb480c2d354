#pragma once
// A scripted QMP server on a real Unix socket, for the client and QEMU
// driver tests. It greets, then hands each command to `answer`, which
// returns the lines to send back (events, a reply) or asks to hang or hang up.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace hvtest {

struct QmpAnswer {
    std::vector<std::string> lines;  // sent as they are, each + "\n"
    bool hang = false;               // read on, answer nothing
    bool hang_up = false;            // close the connection without answering
};

class FakeQmp {
public:
    using Script = std::function<QmpAnswer(const nlohmann::json& request)>;

    FakeQmp(std::filesystem::path socket, Script script) : socket_(std::move(socket)), script_(std::move(script)) {
        listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, socket_.c_str(), sizeof addr.sun_path - 1);
        ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(listener_, 8);
        thread_ = std::thread([this] { run(); });
    }
    ~FakeQmp() {
        stop_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        ::close(listener_);
        thread_.join();
    }

    std::vector<std::string> commands() {
        std::lock_guard lock(mutex_);
        return commands_;
    }

    // A reply in QMP's shape, echoing the request's id.
    static std::string reply(const nlohmann::json& request, const nlohmann::json& value) {
        nlohmann::json r{{"return", value}};
        if (request.contains("id")) r["id"] = request["id"];
        return r.dump();
    }
    static std::string error(const nlohmann::json& request, const std::string& desc) {
        nlohmann::json r{{"error", {{"class", "GenericError"}, {"desc", desc}}}};
        if (request.contains("id")) r["id"] = request["id"];
        return r.dump();
    }
    static std::string event(const std::string& name) {
        return nlohmann::json{{"event", name}, {"timestamp", {{"seconds", 1}, {"microseconds", 2}}}}.dump();
    }

private:
    void run() {
        while (!stop_) {
            int fd = ::accept(listener_, nullptr, nullptr);
            if (fd < 0) return;
            serve(fd);
            ::close(fd);
        }
    }

    void serve(int fd) {
        send_line(fd, R"({"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}})");
        std::string buffer;
        char chunk[1024];
        bool hanging = false;
        for (;;) {
            ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0) return;
            buffer.append(chunk, static_cast<std::size_t>(n));
            std::size_t nl;
            while ((nl = buffer.find('\n')) != std::string::npos) {
                auto request = nlohmann::json::parse(buffer.substr(0, nl));
                buffer.erase(0, nl + 1);
                std::string command = request.value("execute", "");
                {
                    std::lock_guard lock(mutex_);
                    commands_.push_back(command);
                }
                if (hanging) continue;
                QmpAnswer answer = command == "qmp_capabilities" ? QmpAnswer{{reply(request, nlohmann::json::object())}}
                                                                 : script_(request);
                if (answer.hang_up) return;
                hanging = answer.hang;
                for (const auto& line : answer.lines) send_line(fd, line);
            }
        }
    }

    static void send_line(int fd, const std::string& line) {
        std::string out = line + "\n";
        ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    }

    std::filesystem::path socket_;
    Script script_;
    int listener_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::vector<std::string> commands_;
};

}  // namespace hvtest
