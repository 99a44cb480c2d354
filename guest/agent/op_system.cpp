// sync, freeze, thaw, set_hostname: requests that act on the whole guest.
#include <fcntl.h>
#include <unistd.h>

#include "fields.hpp"
#include "freezer.hpp"
#include "ops.hpp"
#include "record.hpp"
#include "saved_config.hpp"
#include "write_file.hpp"
#include "core/unique_fd.hpp"

namespace minions::agent {

namespace {

constexpr uint64_t kDefaultAutoThawMs = 60000;
constexpr uint64_t kMaxAutoThawMs = 600000;

// RFC 1123 labels joined by dots, at most 64 characters (the kernel's limit).
bool valid_hostname(const std::string& name) {
    if (name.empty() || name.size() > 64 || name.front() == '.' || name.back() == '.') return false;
    char prev = '.';
    for (char c : name) {
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '.') return false;
        if ((c == '.' || c == '-') && prev == '.') return false;
        if (c == '.' && prev == '-') return false;
        prev = c;
    }
    return prev != '-';
}

}  // namespace

nlohmann::json op_sync(const nlohmann::json&, Context& ctx) {
    if (ctx.confined()) {
        // Only the sandbox's filesystem: enough for the host tests, harmless.
        UniqueFd dir(::open(ctx.sandbox->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (dir.get() < 0 || ::syncfs(dir.get()) != 0) throw_errno("syncfs '" + ctx.sandbox->string() + "'");
    } else {
        ::sync();
    }
    return nlohmann::json::object();
}

nlohmann::json op_freeze(const nlohmann::json& req, Context& ctx) {
    const auto ms = optional_uint(req, "auto_thaw_ms", kDefaultAutoThawMs, kMaxAutoThawMs);
    if (ms == 0) throw RequestError("field 'auto_thaw_ms' must be at least 1");
    return ctx.freezer->freeze(std::chrono::milliseconds(ms), *ctx.call);
}

nlohmann::json op_thaw(const nlohmann::json&, Context& ctx) { return ctx.freezer->thaw(); }

void apply_hostname(const std::string& name, Context& ctx) {
    if (!valid_hostname(name)) throw RequestError("invalid hostname '" + name + "'");
    if (ctx.confined()) {
        record(ctx, "hostname", name + "\n");
    } else if (::sethostname(name.data(), name.size()) != 0) {
        throw_errno("sethostname");
    }
}

nlohmann::json op_set_hostname(const nlohmann::json& req, Context& ctx) {
    const std::string name = required_string(req, "hostname");
    apply_hostname(name, ctx);
    // The guest's own boot (rcS) reads it too.
    write_under_root(ctx, kSavedHostname, name + "\n", 0644, false);
    return {{"hostname", name}};
}

}  // namespace minions::agent
