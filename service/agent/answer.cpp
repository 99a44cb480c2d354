#include "agent/answer.hpp"

#include <climits>
#include <cstdio>

#include "core/error.hpp"

namespace minions::agent::detail {

namespace {

template <typename T>
T field(const nlohmann::json& response, const char* name, const std::string& op) {
    try {
        return response.at(name).get<T>();
    } catch (const nlohmann::json::exception&) {
        throw Error(Errc::AgentFailed, "guest agent answered '" + op + "' without a valid '" + name + "' field");
    }
}

}  // namespace

std::optional<nlohmann::json> AnswerReader::feed(std::string_view bytes) {
    decoder_.feed(bytes);
    while (auto frame = decoder_.next()) {
        if (!frame->message) continue;
        const auto it = frame->message->find("id");
        if (it != frame->message->end() && *it == id_) return std::move(*frame->message);
    }
    return std::nullopt;
}

nlohmann::json checked_answer(nlohmann::json answer) {
    // Compared, not read as a bool: a guest's "ok": 1 is a failure, not a type_error.
    const auto ok = answer.find("ok");
    if (ok == answer.end() || *ok != true) {
        const auto it = answer.find("error");
        const std::string why = it != answer.end() && it->is_string() ? it->get<std::string>() : answer.dump();
        throw Error(Errc::AgentFailed, "guest agent: " + why);
    }
    return answer;
}

ExecResult exec_result(const nlohmann::json& answer) {
    ExecResult r;
    // Read as an int only when it is one: converting 1e300 is undefined.
    const auto code = answer.find("exit_code");
    const bool is_int = code != answer.end() &&
                        (code->is_number_unsigned() ? code->get<uint64_t>() <= INT_MAX
                                                    : code->is_number_integer() && code->get<int64_t>() >= INT_MIN &&
                                                          code->get<int64_t>() <= INT_MAX);
    if (!is_int) throw Error(Errc::AgentFailed, "guest agent answered 'exec' without a valid 'exit_code' field");
    r.exit_code = static_cast<int>(code->get<int64_t>());
    r.stdout_text = field<std::string>(answer, "stdout", "exec");
    r.stderr_text = field<std::string>(answer, "stderr", "exec");
    r.timed_out = field<bool>(answer, "timed_out", "exec");
    r.truncated = field<bool>(answer, "truncated", "exec");
    return r;
}

bool is_ok_line(const std::string& line) {
    // "OK <host-side port number>\n"
    if (line.size() < 5 || line.compare(0, 3, "OK ") != 0 || line.back() != '\n') return false;
    for (std::size_t i = 3; i + 1 < line.size(); ++i) {
        if (line[i] < '0' || line[i] > '9') return false;
    }
    return true;
}

// Handshake replies go into error messages: keep them printable and short.
std::string printable(const std::string& raw) {
    std::string out;
    for (unsigned char c : raw) {
        if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c < 0x20 || c >= 0x7f) {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

}  // namespace minions::agent::detail
