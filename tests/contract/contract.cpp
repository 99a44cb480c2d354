#include "contract/contract.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

extern char** environ;

namespace minions::test::contract {
namespace {

using nlohmann::json;

const std::string kContractDir = MINIONS_SOURCE_DIR "/tests/contract";
const std::string kDocument = MINIONS_SOURCE_DIR "/docs/openapi.yaml";
constexpr int kAnswerTimeoutMs = 60'000;

// The node co-process and the one socket to it. Checks from several threads
// take turns: one line out, one line back.
class Checker {
public:
    static Checker& instance() {
        static Checker checker;
        return checker;
    }

    // The answer to one request, or a problem saying why there is none.
    json ask(const json& request) {
        std::lock_guard lock(mutex_);
        if (!started_) start();
        if (broken_) return failed(*broken_);
        std::string line = request.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
        if (!send_all(line)) return failed(*broken_);
        auto answer = read_line();
        if (!answer) return failed(*broken_);
        auto parsed = json::parse(*answer, nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object())
            return failed("validate.mjs answered something that is not a JSON object: " + *answer);
        return parsed;
    }

    ~Checker() {
        if (fd_ >= 0) ::close(fd_);  // validate.mjs ends on end of input
        if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
    }

private:
    static json failed(const std::string& why) { return json{{"ok", false}, {"errors", {why}}}; }

    void start() {
        started_ = true;
        if (!std::filesystem::exists(kContractDir + "/node_modules/ajv/package.json") ||
            !std::filesystem::exists(kContractDir + "/node_modules/yaml/package.json")) {
            broken_ = "the contract checker cannot run: " + kContractDir +
                      "/node_modules is missing (run scripts/deps.sh, which runs npm ci there)";
            return;
        }
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
            broken_ = std::string("socketpair: ") + std::strerror(errno);
            return;
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, pair[1], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&actions, pair[1], STDOUT_FILENO);
        // Nothing else of this process: a pipe another child's reader waits
        // on must not stay open in node.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3);
        std::string node = MINIONS_NODE_EXECUTABLE;
        std::string script = kContractDir + "/validate.mjs";
        std::string document = kDocument;
        char* argv[] = {node.data(), script.data(), document.data(), nullptr};
        int rc = ::posix_spawnp(&pid_, node.c_str(), &actions, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(pair[1]);
        if (rc != 0) {
            ::close(pair[0]);
            pid_ = -1;
            broken_ = "the contract checker cannot run: cannot start '" + node + "': " + std::strerror(rc) +
                      " (Node.js is installed by scripts/deps.sh)";
            return;
        }
        fd_ = pair[0];
    }

    bool send_all(const std::string& text) {
        size_t sent = 0;
        while (sent < text.size()) {
            ssize_t n = ::send(fd_, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                broken_ = std::string("validate.mjs is gone (writing to it: ") + std::strerror(errno) +
                          "); its own message is on stderr above";
                return false;
            }
            sent += static_cast<size_t>(n);
        }
        return true;
    }

    std::optional<std::string> read_line() {
        for (;;) {
            if (auto newline = buffer_.find('\n'); newline != std::string::npos) {
                std::string line = buffer_.substr(0, newline);
                buffer_.erase(0, newline + 1);
                return line;
            }
            pollfd p{fd_, POLLIN, 0};
            int ready = ::poll(&p, 1, kAnswerTimeoutMs);
            if (ready < 0 && errno == EINTR) continue;
            if (ready == 0) {
                broken_ = "validate.mjs did not answer within 60 s";
                return std::nullopt;
            }
            char chunk[65536];
            ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                broken_ = "validate.mjs ended without answering; its own message is on stderr above";
                return std::nullopt;
            }
            buffer_.append(chunk, static_cast<size_t>(n));
        }
    }

    std::mutex mutex_;
    bool started_ = false;
    std::optional<std::string> broken_;
    pid_t pid_ = -1;
    int fd_ = -1;
    std::string buffer_;
};

std::vector<std::string> problems_of(const json& answer) {
    if (answer.value("ok", false)) return {};
    std::vector<std::string> problems;
    if (auto errors = answer.find("errors"); errors != answer.end() && errors->is_array())
        for (const auto& e : *errors) problems.push_back(e.is_string() ? e.get<std::string>() : e.dump());
    if (problems.empty()) problems.push_back("validate.mjs said no without saying why: " + answer.dump());
    return problems;
}

std::string listed(const std::vector<std::string>& problems) {
    std::string text;
    for (const auto& p : problems) text += "\n  - " + p;
    return text;
}

std::string shortened(const std::string& body) {
    constexpr size_t kShown = 2000;
    if (body.size() <= kShown) return body;
    return body.substr(0, kShown) + "… (" + std::to_string(body.size()) + " bytes)";
}

}  // namespace

std::vector<std::string> response_problems(const std::string& method, const std::string& path, long status,
                                           const std::string& content_type, const std::string& body) {
    return problems_of(Checker::instance().ask(json{{"kind", "response"},
                                                    {"method", method},
                                                    {"path", path},
                                                    {"status", status},
                                                    {"content_type", content_type},
                                                    {"body_text", body}}));
}

bool expect_response(const std::string& method, const std::string& path, long status,
                     const std::string& content_type, const std::string& body) {
    auto problems = response_problems(method, path, status, content_type, body);
    if (problems.empty()) return true;
    ADD_FAILURE() << "response not as docs/openapi.yaml documents it: " << method << " " << path << " → "
                  << status << " (Content-Type: " << content_type << ")\n  body: " << shortened(body)
                  << listed(problems);
    return false;
}

std::vector<std::string> schema_problems(const std::string& schema, const std::string& json_text) {
    return problems_of(
        Checker::instance().ask(json{{"kind", "schema"}, {"name", schema}, {"body_text", json_text}}));
}

bool expect_schema(const std::string& schema, const std::string& json_text) {
    auto problems = schema_problems(schema, json_text);
    if (problems.empty()) return true;
    ADD_FAILURE() << "not a " << schema << " as docs/openapi.yaml documents it:\n  text: " << shortened(json_text)
                  << listed(problems);
    return false;
}

std::string document_version() {
    auto answer = Checker::instance().ask(json{{"kind", "info"}});
    if (!answer.value("ok", false) || !answer["version"].is_string()) {
        ADD_FAILURE() << "cannot read docs/openapi.yaml's info.version:" << listed(problems_of(answer));
        return "";
    }
    return answer["version"].get<std::string>();
}

std::vector<std::string> documented_routes() {
    auto answer = Checker::instance().ask(json{{"kind", "info"}});
    if (!answer.value("ok", false) || !answer["routes"].is_array()) {
        ADD_FAILURE() << "cannot read docs/openapi.yaml's routes:" << listed(problems_of(answer));
        return {};
    }
    return answer["routes"].get<std::vector<std::string>>();
}

}  // namespace minions::test::contract
