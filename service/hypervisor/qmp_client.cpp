#include "hypervisor/qmp_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/error.hpp"
#include "protocol/protocol.hpp"

namespace minions::hv {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxMessageBytes = 1 << 20;

[[noreturn]] void fail(const std::string& what) { throw Error{Errc::HypervisorFailed, what}; }

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Non-blocking connect: a full listen backlog (QEMU busy with another
// client) answers EAGAIN instead of blocking past our deadline, so retry.
int connect_unix(const std::filesystem::path& path, Clock::time_point deadline) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.native().size() >= sizeof addr.sun_path) fail("QMP socket path is too long: " + path.string());
    std::memcpy(addr.sun_path, path.c_str(), path.native().size() + 1);
    for (;;) {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) fail(std::string("cannot create a socket: ") + std::strerror(errno));
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
        int err = errno;
        ::close(fd);
        if (err != EAGAIN || remaining_ms(deadline) == 0)
            fail("cannot connect to QMP socket " + path.string() + ": " + std::strerror(err));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace

QmpClient::QmpClient(const std::filesystem::path& socket, std::chrono::milliseconds timeout)
    : socket_(socket), timeout_(timeout) {
    auto deadline = Clock::now() + timeout_;
    call_timeout_ = timeout_;
    fd_ = connect_unix(socket_, deadline);
    try {
        greeting_ = read_message(deadline, "the QMP greeting");
        if (!qmp::is_greeting(greeting_)) fail("QMP socket " + socket_.string() + " sent no greeting");
        execute("qmp_capabilities", nullptr, timeout_);
    } catch (...) {
        ::close(fd_);
        throw;
    }
}

QmpClient::~QmpClient() {
    if (fd_ >= 0) ::close(fd_);
}

nlohmann::json QmpClient::execute(const std::string& command, const nlohmann::json& arguments) {
    return execute(command, arguments, timeout_);
}

nlohmann::json QmpClient::execute(const std::string& command, const nlohmann::json& arguments,
                                  std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    call_timeout_ = timeout;
    uint64_t id = next_id_++;
    nlohmann::json request{{"execute", command}, {"id", id}};
    if (!arguments.is_null()) request["arguments"] = arguments;
    send_line(request.dump() + "\n", deadline, command);
    for (;;) {
        auto message = read_message(deadline, "the answer to '" + command + "'");
        if (auto answer = qmp::answer_to(message, id, command)) return std::move(*answer);
    }
}

void QmpClient::send_line(const std::string& line, Clock::time_point deadline, const std::string& command) {
    std::size_t sent = 0;
    while (sent < line.size()) {
        ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            pollfd pfd{fd_, POLLOUT, 0};
            if (::poll(&pfd, 1, remaining_ms(deadline)) == 0)
                fail("QMP command '" + command + "' timed out while sending");
            continue;
        }
        fail("cannot send QMP command '" + command + "': " + std::strerror(errno));
    }
}

nlohmann::json QmpClient::read_message(Clock::time_point deadline, const std::string& waiting_for) {
    for (;;) {
        if (auto message = qmp::take_message(buffer_, "QMP socket " + socket_.string())) return std::move(*message);
        int wait = remaining_ms(deadline);
        pollfd pfd{fd_, POLLIN, 0};
        int ready = wait > 0 ? ::poll(&pfd, 1, wait) : 0;
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0)
            fail("QEMU did not send " + waiting_for + " within " + std::to_string(call_timeout_.count()) + " ms");
        char chunk[4096];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) fail("QMP connection failed while waiting for " + waiting_for + ": " + std::strerror(errno));
        if (n == 0) fail("QMP connection closed by QEMU while waiting for " + waiting_for);
        buffer_.append(chunk, static_cast<std::size_t>(n));
        // QMP messages are one line of a few KiB; an endless one is hostile.
        if (buffer_.size() > kMaxMessageBytes)
            fail("QMP socket " + socket_.string() + " sent a line over " + std::to_string(kMaxMessageBytes) +
                 " bytes while waiting for " + waiting_for);
    }
}

namespace qmp {

std::optional<nlohmann::json> take_message(std::string& buffer, const std::string& source) {
    for (;;) {
        auto newline = buffer.find('\n');
        if (newline == std::string::npos) return std::nullopt;
        std::string line = buffer.substr(0, newline);
        buffer.erase(0, newline + 1);
        if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
        auto message = protocol::json_nesting_within(line, protocol::kMaxJsonNesting)
                           ? nlohmann::json::parse(line, nullptr, false)
                           : nlohmann::json(nlohmann::json::value_t::discarded);
        if (message.is_discarded() || !message.is_object())
            fail(source + " sent something that is not a JSON object of at most " +
                 std::to_string(protocol::kMaxJsonNesting) + " levels: " + line.substr(0, 200));
        return message;
    }
}

bool is_greeting(const nlohmann::json& message) { return message.contains("QMP"); }

std::optional<nlohmann::json> answer_to(const nlohmann::json& message, uint64_t id, const std::string& command) {
    if (message.contains("event")) return std::nullopt;  // asynchronous, not ours
    if (!message.contains("id") || message["id"] != id) return std::nullopt;
    if (message.contains("error")) {
        // QMP's error is {"class", "desc"}; anything else is reported as sent.
        const auto& err = message["error"];
        const auto desc = err.is_object() ? err.find("desc") : err.end();
        fail("QMP command '" + command + "' failed: " +
             (desc != err.end() && desc->is_string() ? desc->get<std::string>() : err.dump()));
    }
    if (message.contains("return")) return message["return"];
    fail("QMP answered '" + command + "' with neither return nor error: " + message.dump());
}

}  // namespace qmp

}  // namespace minions::hv
