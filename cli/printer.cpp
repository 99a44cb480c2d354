#include "printer.hpp"

#include <algorithm>
#include <iomanip>
#include <string>
#include <vector>

#include "error_hints.hpp"
#include "minions/version.hpp"

namespace minions::cli {
namespace {

using nlohmann::json;

// Guest output need not be UTF-8: replace bad bytes rather than fail.
std::string dump(const json& value, int indent = 2) {
    return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

std::string text(const json& value) {
    if (value.is_null()) return "-";
    if (value.is_string()) return value.get<std::string>();
    return dump(value, -1);
}

std::string field(const json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() ? "-" : text(*it);
}

void print_fields(const json& object, std::ostream& out) {
    size_t width = 0;
    for (const auto& [key, value] : object.items()) width = std::max(width, key.size());
    for (const auto& [key, value] : object.items())
        out << std::left << std::setw(static_cast<int>(width) + 2) << (key + ":") << text(value) << '\n';
}

std::string vm_summary(const json& vm) {
    std::string summary = "status: " + field(vm, "status");
    if (auto ip = field(vm, "ip"); ip != "-" && !ip.empty()) summary += ", ip: " + ip;
    return summary;
}

void print_human(const Invocation& inv, const json& result, std::ostream& out, std::ostream& err) {
    switch (inv.command) {
        case Command::List: print_vm_table(result, out); break;
        case Command::Info:
        case Command::Status: print_fields(result, out); break;
        case Command::Create: out << "Created VM '" << field(result, "name") << "' (" << vm_summary(result) << ")\n"; break;
        case Command::Copy:
            out << "Copied VM '" << inv.name << "' to '" << field(result, "name") << "' (" << vm_summary(result) << ")\n";
            break;
        case Command::Start: out << "Started VM '" << inv.name << "' (" << vm_summary(result) << ")\n"; break;
        case Command::Stop: out << "Stopped VM '" << inv.name << "' (" << vm_summary(result) << ")\n"; break;
        case Command::Restart: out << "Restarted VM '" << inv.name << "' (" << vm_summary(result) << ")\n"; break;
        case Command::Rename:
        case Command::Destroy: out << field(result, "message") << '\n'; break;
        case Command::Exec:
            out << result.value("stdout", "");
            err << result.value("stderr", "");
            break;
        case Command::Logs: out << result.value("logs", ""); break;
        case Command::Ssh: break;  // replaced by ssh itself
        case Command::Version: {
            const json& server = result.contains("server") ? result["server"] : json::object();
            out << "client: minions " << field(result.value("client", json::object()), "version") << '\n';
            out << "server: " << field(server, "version");
            if (server.contains("api_version")) out << " (API " << field(server, "api_version") << ")";
            out << '\n';
            break;
        }
    }
}

}  // namespace

void print_vm_table(const json& vms, std::ostream& out) {
    if (!vms.is_array() || vms.empty()) {
        out << "No VMs. Create one with: minions create NAME\n";
        return;
    }
    const std::vector<std::pair<const char*, const char*>> columns{
        {"NAME", "name"}, {"STATUS", "status"}, {"IP", "ip"}, {"CPUS", "cpus"}, {"MEMORY", "memory_mb"}, {"PID", "pid"}};
    std::vector<size_t> widths;
    for (const auto& [title, key] : columns) {
        size_t width = std::string(title).size();
        for (const auto& vm : vms) width = std::max(width, field(vm, key).size());
        widths.push_back(width);
    }
    auto row = [&](auto&& cell) {
        for (size_t i = 0; i < columns.size(); ++i) {
            std::string value = cell(i);
            out << value;
            if (i + 1 < columns.size()) out << std::string(widths[i] - value.size() + 2, ' ');
        }
        out << '\n';
    };
    row([&](size_t i) { return std::string(columns[i].first); });
    for (const auto& vm : vms) row([&](size_t i) { return field(vm, columns[i].second); });
}

void print_result(const Invocation& inv, const json& result, std::ostream& out, std::ostream& err) {
    if (inv.global.json)
        out << dump(result) << '\n';
    else
        print_human(inv, result, out, err);
    out.flush();
}

void print_failure(const Invocation& inv, const Error& error, bool remote, std::ostream& out, std::ostream& err) {
    // `version` still says which client this is when the server cannot
    // answer; with --json on stderr, so stdout stays the one Error object
    // every failing command prints.
    bool version = inv.command == Command::Version;
    if (inv.global.json) {
        if (version) err << "client: minions " << kVersion << '\n';
        out << dump(json{{"error", error.what()}, {"code", error.kind().code}}) << '\n';
        out.flush();
        return;
    }
    if (version) out << "client: minions " << kVersion << '\n' << std::flush;
    std::string message = error.what();
    if (error.code() == Errc::NotAuthorized && !remote) message = "not authorized: " + message;
    err << "error: " << message << '\n';
    if (auto hint = hint_for(inv, error, remote); !hint.empty()) err << "hint: " << hint << '\n';
}

int failure_exit_code(const Invocation& inv, const Error& error) {
    // exec passes the guest's code through, so its own failures must not
    // look like one: 125, as container tools do.
    return inv.command == Command::Exec ? kExitExecFailed : error.kind().exit_code;
}

int exit_code_of(const Invocation& inv, const json& result) {
    if (inv.command == Command::Exec && result.contains("exit_code") && result["exit_code"].is_number_integer()) {
        int code = result["exit_code"].get<int>();
        // Killed by a signal or out of the 0-255 range: report plain failure.
        return code >= 0 && code <= 255 ? code : 1;
    }
    return 0;
}

}  // namespace minions::cli
