#include "route_table.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace minions::rest {
namespace {

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        auto slash = path.find('/');
        auto part = path.substr(0, slash);
        if (!part.empty()) parts.push_back(part);
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return parts;
}

}  // namespace

std::string_view verb_name(Verb verb) {
    switch (verb) {
        case Verb::Get: return "GET";
        case Verb::Post: return "POST";
        case Verb::Delete: return "DELETE";
    }
    return "GET";
}

bool path_matches(std::string_view pattern, std::string_view path) {
    auto want = segments(pattern);
    auto have = segments(path);
    if (want.size() != have.size()) return false;
    for (size_t i = 0; i < want.size(); ++i)
        if (want[i].front() != ':' && want[i] != have[i]) return false;
    return true;
}

std::optional<std::string> path_parameter(std::string_view pattern, std::string_view path, std::string_view name) {
    if (!path_matches(pattern, path)) return std::nullopt;
    auto want = segments(pattern);
    auto have = segments(path);
    for (size_t i = 0; i < want.size(); ++i)
        if (want[i].front() == ':' && want[i].substr(1) == name) return std::string(have[i]);
    return std::nullopt;
}

std::string decode_path_segment(std::string_view segment) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (size_t i = 0; i < segment.size(); ++i) {
        // Raw too: minionsd would get the name cut there ("web\0x" is "web").
        if (segment[i] == '\0') throw Error(Errc::InvalidArgument, "the path must not contain a NUL character");
        if (segment[i] != '%') {
            out += segment[i];
            continue;
        }
        int high = i + 2 < segment.size() ? hex(segment[i + 1]) : -1;
        int low = high >= 0 ? hex(segment[i + 2]) : -1;
        if (low < 0) throw Error(Errc::InvalidArgument, "bad %-escape in the path: " + std::string(segment));
        char c = static_cast<char>(high * 16 + low);
        if (c == '\0') throw Error(Errc::InvalidArgument, "the path must not contain a NUL character (%00)");
        out += c;
        i += 2;
    }
    return out;
}

std::vector<Verb> verbs_for_path(const std::vector<RouteSpec>& routes, std::string_view path) {
    std::vector<Verb> verbs;
    for (const auto& route : routes)
        if (path_matches(route.path, path) && std::find(verbs.begin(), verbs.end(), route.verb) == verbs.end())
            verbs.push_back(route.verb);
    return verbs;
}

}  // namespace minions::rest
