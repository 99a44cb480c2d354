// A hostile Cloud Hypervisor API socket: answers that would exhaust
// minionsd's stack or memory are refused with a short HypervisorFailed.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "core/error.hpp"
#include "hypervisor/ch_client.hpp"
#include "test_support.hpp"

using namespace minions;
using namespace minions::hv;

namespace {

// Accepts one connection on a Unix socket, reads the request head and
// answers `response` as it is.
class OneShotHttp {
public:
    OneShotHttp(const std::filesystem::path& path, std::string response) : response_(std::move(response)) {
        listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        ::listen(listener_, 1);
        thread_ = std::thread([this] {
            int fd = ::accept(listener_, nullptr, nullptr);
            if (fd < 0) return;
            std::string head;
            char c;
            while (head.find("\r\n\r\n") == std::string::npos && ::read(fd, &c, 1) == 1) head += c;
            for (size_t sent = 0; sent < response_.size();) {
                ssize_t n = ::send(fd, response_.data() + sent, response_.size() - sent, MSG_NOSIGNAL);
                if (n <= 0) break;
                sent += static_cast<size_t>(n);
            }
            ::close(fd);
        });
    }
    ~OneShotHttp() {
        ::shutdown(listener_, SHUT_RDWR);
        ::close(listener_);
        thread_.join();
    }

private:
    std::string response_;
    int listener_ = -1;
    std::thread thread_;
};

std::string ok_with_body(const std::string& body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
}

std::string failure_of(ChClient& client) {
    try {
        client.ping();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::HypervisorFailed) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "a hostile answer was accepted";
    return "";
}

TEST(ChClientHostile, AnAnswerNestedTooDeepIsRefused) {
    hvtest::TempDir dir;
    OneShotHttp server(dir / "api.sock", ok_with_body(std::string(200000, '[') + std::string(200000, ']')));
    ChClient client(dir / "api.sock");
    auto message = failure_of(client);
    EXPECT_NE(message.find("not JSON"), std::string::npos) << message.substr(0, 300);
    EXPECT_LT(message.size(), 1000u);
}

TEST(ChClientHostile, AnAnswerOverOneMebibyteIsRefused) {
    hvtest::TempDir dir;
    OneShotHttp server(dir / "api.sock", ok_with_body("\"" + std::string(8 << 20, 'x') + "\""));
    ChClient client(dir / "api.sock");
    auto message = failure_of(client);
    EXPECT_FALSE(message.empty());
    EXPECT_LT(message.size(), 1000u);
}

}  // namespace
